// The demo store: catalog grid from GET /api/catalog with search, departments and paging, and a
// product's page at /?product=<id> (the demo catalogue's product url, where cards' "View on store" lead).
import { clear, el, getJson, productImage, ratingEl } from './common.js';

const grid = document.getElementById('catalog');
const info = document.getElementById('result-info');
const more = document.getElementById('more');
const cats = document.getElementById('categories');
const heading = document.getElementById('heading');
const form = document.getElementById('search-form');
const q = document.getElementById('q');
const toast = document.getElementById('toast');
const cartCount = document.getElementById('cart-count');
const detail = document.getElementById('product-detail');

const params = new URLSearchParams(location.search);
let state = { q: params.get('q') || '', category: params.get('category') || '', page: 1, product: params.get('product') || '' };
let cart = Number(sessionStorage.getItem('demo-cart') || 0);
cartCount.textContent = String(cart);
q.value = state.q;

function showToast(text) {
  toast.textContent = text;
  toast.hidden = false;
  clearTimeout(showToast.t);
  showToast.t = setTimeout(() => (toast.hidden = true), 2500);
}

/** The demo cart: a count kept for the tab. Refuses what is out of stock, as a real cart would. */
async function addToCart(productId, title) {
  const p = await getJson(`/api/catalog/product?id=${encodeURIComponent(productId)}`).catch(() => null);
  if (p && p.inStock === false) return { ok: false, reason: 'it is out of stock' };
  cart++;
  sessionStorage.setItem('demo-cart', String(cart));
  cartCount.textContent = String(cart);
  showToast(`Added to cart: ${title.slice(0, 60)}`);
  return { ok: true };
}

// The assistant's "Add to cart" goes through the same cart.
if (window.ShopBotChat) window.ShopBotChat.onAddToCart(({ productId, title }) => addToCart(productId, title));
else window.addEventListener('load', () => window.ShopBotChat && window.ShopBotChat.onAddToCart(({ productId, title }) => addToCart(productId, title)));

function productCard(p) {
  const askText = `Tell me about ${p.title.slice(0, 80)}`;
  return el('li', { class: 'product card', 'data-product-id': p.id }, [
    productImage(p.image, p.title, { width: '240', height: '170' }),
    el('div', { class: 'product-body' }, [
      el('h2', { text: p.title, title: p.title }),
      el('div', { class: 'cat-path', text: p.category }),
      el('div', { class: 'price', text: p.priceText }),
      ratingEl(p.rating, p.ratingCount),
      p.inStock ? null : el('div', { class: 'oos', text: 'Out of stock' }),
      el('div', { class: 'product-actions' }, [
        el('button', {
          class: 'btn btn-primary btn-small',
          type: 'button',
          disabled: !p.inStock,
          'aria-label': `Add to cart: ${p.title}`,
          text: 'Add to cart',
          onclick: () => addToCart(p.id, p.title),
        }),
        el('button', {
          class: 'btn btn-small',
          type: 'button',
          'aria-label': `Ask assistant about ${p.title}`,
          text: 'Ask assistant',
          onclick: () => window.ShopBotChat && (window.ShopBotChat.askAbout ? window.ShopBotChat.askAbout(p.id, p.title) : window.ShopBotChat.send(askText)),
        }),
      ]),
    ]),
  ]);
}

/** The product's page: picture, price, stock, description, Add to cart and Ask assistant. */
async function showProduct(id) {
  clear(detail);
  detail.hidden = !id;
  if (!id) return;
  let p;
  try {
    p = (await getJson(`/api/catalog/product?id=${encodeURIComponent(id)}`)).body;
  } catch (err) {
    detail.append(el('p', { id: 'product-title', class: 'error', text: `This product could not be shown: ${err.message}` }));
    return;
  }
  const close = () => {
    state = { ...state, product: '' };
    showProduct('');
    load(false);
  };
  detail.append(
    productImage(p.image, p.title, { width: '280', height: '260' }),
    el('div', { class: 'product-body' }, [
      el('h2', { id: 'product-title', text: p.title }),
      el('div', { class: 'cat-path', text: p.category }),
      el('div', { class: 'price', text: p.priceText }),
      ratingEl(p.rating, p.ratingCount),
      p.inStock ? el('div', { class: 'small', text: 'In stock' }) : el('div', { class: 'oos', text: 'Out of stock' }),
      el('p', { class: 'description', text: p.description }),
      el('div', { class: 'product-actions' }, [
        el('button', { class: 'btn btn-primary btn-small', type: 'button', disabled: !p.inStock, text: 'Add to cart', 'aria-label': `Add to cart: ${p.title}`, onclick: () => addToCart(p.id, p.title) }),
        el('button', { class: 'btn btn-small', type: 'button', text: 'Ask assistant', 'aria-label': `Ask assistant about ${p.title}`, onclick: () => window.ShopBotChat && window.ShopBotChat.askAbout(p.id, p.title) }),
        el('button', { class: 'btn btn-small', type: 'button', text: 'All products', onclick: close }),
      ]),
    ]),
  );
}

function renderCategories(list) {
  clear(cats);
  const all = [{ category: '', count: null }, ...list];
  for (const c of all) {
    cats.append(
      el('button', {
        class: 'cat',
        type: 'button',
        'aria-pressed': String(state.category === c.category),
        text: c.category || 'All departments',
        onclick: () => {
          state = { ...state, category: c.category, page: 1 };
          load(false);
        },
      }),
    );
  }
}

async function load(append) {
  const url = new URL('/api/catalog', location.origin);
  if (state.q) url.searchParams.set('q', state.q);
  if (state.category) url.searchParams.set('category', state.category);
  url.searchParams.set('page', String(state.page));
  url.searchParams.set('pageSize', '24');
  more.disabled = true;
  if (!append) info.textContent = 'Loading…';
  try {
    const { body } = await getJson(url);
    renderCategories(body.categories || []);
    if (!append) clear(grid);
    for (const p of body.items) grid.append(productCard(p));
    const shown = grid.children.length;
    heading.textContent = state.q ? `Results for “${state.q}”` : state.category || 'Popular right now';
    info.textContent = shown === 0 ? 'No products match. Try another word, or ask the assistant.' : `${shown} product${shown === 1 ? '' : 's'} shown${state.category ? ` in ${state.category}` : ''}`;
    more.hidden = !body.hasMore;
    const next = new URL(location.href);
    next.search = '';
    if (state.q) next.searchParams.set('q', state.q);
    if (state.category) next.searchParams.set('category', state.category);
    if (state.product) next.searchParams.set('product', state.product);
    history.replaceState(null, '', next);
  } catch (err) {
    info.textContent = `Could not load products: ${err.message}`;
  } finally {
    more.disabled = false;
  }
}

form.addEventListener('submit', (e) => {
  e.preventDefault();
  state = { ...state, q: q.value.trim(), page: 1 };
  load(false);
});
more.addEventListener('click', () => {
  state.page++;
  load(true);
});
showProduct(state.product);
load(false);
