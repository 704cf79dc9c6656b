// Review insights: product list with review counts and sentiment; per product sentiment over time,
// rating distribution, aspect table with trends and the reviews behind each aspect, pros and cons
// linked to their source reviews; filters by category and date; CSV / JSON export.
// Staff only: the page signs in like the agent console (same session per tab) and sends the token
// with every API call; exports are fetched with it and saved from a blob.
import { staffPage } from './staff-login.js';
import { sentimentChart, sentimentLegend, ratingChart, sparkline, bucket } from './charts.js';
import { clear, el, fmtDate, getJson, pct, productImage, sentimentPill, staffHeaders, stars } from './common.js';

const $ = (id) => document.getElementById(id);
const ui = {
  form: $('filters'),
  category: $('category'),
  from: $('from'),
  to: $('to'),
  search: $('search'),
  reset: $('reset'),
  csv: $('export-csv'),
  json: $('export-json'),
  tbody: document.querySelector('#products tbody'),
  listInfo: $('list-info'),
  detail: $('detail'),
  main: $('insights-main'),
  me: $('me'),
  logout: $('logout'),
};

const params = new URLSearchParams(location.search);
const state = {
  category: params.get('category') || '',
  from: params.get('from') || '',
  to: params.get('to') || '',
  q: params.get('q') || '',
  product: params.get('product') || '',
  rows: [],
  detailToken: 0,
};
ui.from.value = state.from;
ui.to.value = state.to;
ui.search.value = state.q;

// ---------- staff session ----------
let started = false;
const page = staffPage({
  loginView: $('login-view'),
  main: ui.main,
  me: ui.me,
  logout: ui.logout,
  onReady: () => {
    if (started) return void loadList();
    started = true;
    syncUrl();
    void loadList();
  },
});
const sessionEnded = () => page.ended();

/** GET of an insights API URL with the session token; a 401 shows the sign-in form. */
async function api(url) {
  if (!page.session) throw new Error('not signed in');
  try {
    return await getJson(url, { headers: staffHeaders(page.session, { accept: 'application/json' }) });
  } catch (err) {
    if (err.status === 401) sessionEnded();
    throw err;
  }
}


/** Exports need the token too, which a plain link cannot send: fetch, then save the blob. */
async function download(link) {
  if (!page.session || link.getAttribute('aria-busy') === 'true') return;
  link.setAttribute('aria-busy', 'true');
  const label = link.textContent;
  link.textContent = 'Preparing…';
  try {
    const res = await fetch(link.href, { headers: staffHeaders(page.session) });
    if (res.status === 401) return sessionEnded();
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      ui.listInfo.textContent = `Export failed: ${body.error || res.status}`;
      return;
    }
    const blob = await res.blob();
    const m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '');
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: m ? m[1] : 'insights-export', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  } catch (err) {
    ui.listInfo.textContent = `Export failed: ${err.message}`;
  } finally {
    link.textContent = label;
    link.removeAttribute('aria-busy');
  }
}
for (const link of [ui.csv, ui.json]) {
  link.addEventListener('click', (e) => {
    e.preventDefault();
    void download(link);
  });
}

function filterParams(extra = {}) {
  const p = new URLSearchParams();
  if (state.category) p.set('category', state.category);
  if (state.from) p.set('from', state.from);
  if (state.to) p.set('to', state.to);
  for (const [k, v] of Object.entries(extra)) if (v) p.set(k, v);
  return p;
}

function syncUrl() {
  const p = filterParams({ q: state.q, product: state.product });
  history.replaceState(null, '', `${location.pathname}${p.toString() ? `?${p}` : ''}`);
  const ex = filterParams({ productId: state.product });
  ui.csv.href = `/api/insights/export.csv?${ex}`;
  ui.json.href = `/api/insights/export.json?${ex}`;
  // Accessible names start with the words on the button (WCAG 2.5.3, label in name).
  ui.csv.setAttribute('aria-label', state.product ? 'Export CSV of this product’s aspects' : 'Export CSV of the product list');
  ui.json.setAttribute('aria-label', state.product ? 'Export JSON of this product’s insights' : 'Export JSON of the product list');
}

/** "3.6★ · 2,272 ratings" from the catalogue (what the store's product card shows), or ''. */
function catalogueRating(rating, count) {
  if (rating === null || rating === undefined) return '';
  return `${Number(rating).toFixed(1)}★${count ? ` · ${Number(count).toLocaleString('en-IN')} rating${count === 1 ? '' : 's'}` : ''}`;
}

function sentBar(s, source) {
  if (source === 'none') return el('span', { class: 'small muted', title: 'No star ratings of reviewers yet; analyzed on demand', text: '–' });
  const label = `${pct(s.positive)} positive, ${pct(s.neutral)} neutral, ${pct(s.negative)} negative${source === 'ratings' ? ' (estimated from star ratings)' : ''}`;
  return el('div', { class: 'share' }, [
    el('div', { class: 'sentbar', role: 'img', 'aria-label': label, title: label }, [
      el('span', { class: 'sb-pos', 'data-w': s.positive }),
      el('span', { class: 'sb-neu', 'data-w': s.neutral }),
      el('span', { class: 'sb-neg', 'data-w': s.negative }),
    ]),
    el('span', { class: 'small', 'aria-hidden': 'true', text: `${pct(s.positive)}${source === 'ratings' ? '*' : ''}` }),
  ]);
}

/** Widths are set through the CSSOM (the pages' CSP forbids inline style attributes). */
function applyWidths(root) {
  for (const n of root.querySelectorAll('[data-w]')) n.style.width = `${Math.max(0, Math.min(1, Number(n.getAttribute('data-w')) || 0)) * 100}%`;
}

// ---------- product list ----------
async function loadList() {
  ui.listInfo.textContent = 'Loading…';
  try {
    const { body } = await api(`/api/insights/products?${filterParams({ q: state.q, limit: '300' })}`);
    state.rows = body.products;
    renderCategories(body.categories);
    renderList();
    const estimated = body.products.some((r) => r.sentimentSource === 'ratings');
    ui.listInfo.textContent = `${body.total} product${body.total === 1 ? '' : 's'} with reviews${body.total > body.products.length ? `, top ${body.products.length} shown` : ''}${estimated ? ' · * estimated from stars until analyzed' : ''}`;
    if (!state.product && body.products[0]) select(body.products[0].productId, false);
    else if (state.product) void loadDetail();
    if (estimated) scheduleListRefresh();
  } catch (err) {
    ui.listInfo.textContent = `Could not load products: ${err.message}`;
  }
}

let refreshTimer = null;
let refreshes = 0;
function scheduleListRefresh() {
  // Summaries are computed in the background; pick up the text sentiment as it becomes available.
  if (refreshTimer || refreshes > 20) return;
  refreshTimer = setTimeout(async () => {
    refreshTimer = null;
    refreshes++;
    try {
      const { body } = await api(`/api/insights/products?${filterParams({ q: state.q, limit: '300' })}`);
      state.rows = body.products;
      renderList();
      if (body.products.some((r) => r.sentimentSource === 'ratings' && r.reviews >= 5)) scheduleListRefresh();
    } catch {
      /* next time */
    }
  }, 4000);
}

function renderCategories(list) {
  const current = state.category;
  clear(ui.category);
  ui.category.append(el('option', { value: '', text: 'All categories' }));
  for (const c of list || []) ui.category.append(el('option', { value: c.category, text: `${c.category} (${c.count})` }));
  if (current && ![...ui.category.options].some((o) => o.value === current)) ui.category.append(el('option', { value: current, text: current }));
  ui.category.value = current;
}

function renderList() {
  clear(ui.tbody);
  if (state.rows.length === 0) {
    ui.tbody.append(el('tr', {}, [el('td', { colspan: '3', class: 'muted', text: 'No reviewed products match these filters.' })]));
    return;
  }
  for (const r of state.rows) {
    const tr = el('tr', { 'data-product-id': r.productId, 'aria-selected': String(r.productId === state.product), onclick: () => select(r.productId, true) }, [
      el('td', { class: 'title-cell' }, [
        el('button', { type: 'button', text: r.title, title: r.title, onclick: (e) => { e.stopPropagation(); select(r.productId, true); } }),
        el('div', { class: 'small muted', text: `${r.category.split(' > ').slice(-1)[0]}${r.meanRating ? ` · ${r.meanRating.toFixed(1)}★ avg of ${r.ratedReviews} rated review${r.ratedReviews === 1 ? '' : 's'}` : ''}` }),
      ]),
      el('td', { class: 'num' }, [
        el('div', { class: 'review-count', text: r.reviews.toLocaleString('en-IN') }),
        r.catalogRating !== null && r.catalogRating !== undefined
          ? el('div', { class: 'small muted catalog-rating', title: 'Rating in the catalogue (as on the product card)', text: catalogueRating(r.catalogRating, r.catalogRatingCount) })
          : null,
      ]),
      el('td', {}, [sentBar(r.sentiment, r.sentimentSource)]),
    ]);
    ui.tbody.append(tr);
  }
  applyWidths(ui.tbody);
}

function select(productId, focusDetail) {
  state.product = productId;
  for (const tr of ui.tbody.querySelectorAll('tr[data-product-id]')) tr.setAttribute('aria-selected', String(tr.getAttribute('data-product-id') === productId));
  syncUrl();
  void loadDetail().then(() => {
    if (focusDetail && window.matchMedia('(max-width: 1100px)').matches) ui.detail.focus();
  });
}

// ---------- product detail ----------
async function loadDetail() {
  const token = ++state.detailToken;
  const id = state.product;
  if (!id) return;
  ui.detail.setAttribute('aria-busy', 'true');
  const progress = el('div', { class: 'card detail-empty', role: 'status' }, [el('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading the reviews…']);
  if (!ui.detail.querySelector('.detail-head')) {
    clear(ui.detail).append(progress);
  }
  try {
    for (;;) {
      const { status, body } = await api(`/api/insights/products/${encodeURIComponent(id)}?${filterParams()}`);
      if (token !== state.detailToken) return;
      if (status === 202) {
        clear(ui.detail).append(
          el('div', { class: 'card detail-empty', role: 'status' }, [
            el('span', { class: 'spinner', 'aria-hidden': 'true' }),
            ` Analyzing ${body.progress.total} reviews of ${body.product.title}… ${body.progress.done} done`,
          ]),
        );
        await new Promise((r) => setTimeout(r, 700));
        continue;
      }
      renderDetail(body);
      const row = state.rows.find((r) => r.productId === id);
      // The list showed stars or nothing for it: now its text sentiment is known.
      if (row && row.sentimentSource !== 'text') scheduleListRefresh();
      break;
    }
  } catch (err) {
    if (token === state.detailToken) clear(ui.detail).append(el('div', { class: 'card detail-empty error', role: 'alert', text: `Could not load this product: ${err.message}` }));
  } finally {
    if (token === state.detailToken) ui.detail.setAttribute('aria-busy', 'false');
  }
}

/** The width the sentiment chart will be shown at (its panel is 1.7 of 2.7 columns on wide screens). */
function chartWidth() {
  const w = ui.detail.clientWidth || 600;
  return window.matchMedia('(max-width: 760px)').matches ? w - 26 : (w - 16) * (1.7 / 2.7) - 32;
}

function stat(value, label) {
  return el('div', { class: 'stat' }, [el('b', { text: value }), el('span', { text: label })]);
}

let lastDetail = null;
function renderDetail(body) {
  lastDetail = body;
  const { product: p, summary: s } = body;
  clear(ui.detail);
  const period = s.firstDate ? `${fmtDate(s.firstDate)} – ${fmtDate(s.lastDate)}` : 'no reviews in this period';
  ui.detail.append(
    el('div', { class: 'card detail-head' }, [
      productImage(p.image, p.title, { width: '96', height: '96' }),
      el('div', { class: 'grow-input' }, [
        el('h2', { id: 'detail-title', text: p.title }),
        el('div', { class: 'small muted', text: `${p.category} · ${period} · analysis: ${body.analyzer}` }),
        el('div', { class: 'stats' }, [
          stat(s.reviews.toLocaleString('en-IN'), s.reviews === 1 ? 'review' : 'reviews'),
          stat(s.meanRating ? `${s.meanRating.toFixed(2)}★` : '–', s.meanRating ? `average of ${s.ratedReviews} rated review${s.ratedReviews === 1 ? '' : 's'}` : 'no reviewer stars'),
          stat(p.rating !== null && p.rating !== undefined ? `${Number(p.rating).toFixed(1)}★` : '–', p.ratingCount ? `catalogue, ${Number(p.ratingCount).toLocaleString('en-IN')} ratings` : 'catalogue rating'),
          stat(pct(s.sentiment.positive), 'positive'),
          stat(pct(s.sentiment.negative), 'negative'),
          stat(String(s.aspects.length), 'aspects found'),
        ]),
      ]),
    ]),
  );
  if (s.reviews === 0) {
    ui.detail.append(el('div', { class: 'card detail-empty', text: 'No reviews of this product in the chosen period.' }));
    return;
  }
  if (s.fewReviews) {
    ui.detail.append(
      el('p', { class: 'card few-reviews small', role: 'note', text: `Only ${s.reviews} review${s.reviews === 1 ? '' : 's'} here${p.ratingCount ? `, against ${Number(p.ratingCount).toLocaleString('en-IN')} ratings in the catalogue` : ''}: too few to say what people generally think.` }),
    );
  }

  // Charts.
  const periods = bucket(s.monthly);
  const dataTable = el('details', { class: 'data-table' }, [
    el('summary', { text: 'Show the numbers' }),
    el('div', { class: 'table-scroll' }, [
      el('table', {}, [
        el('thead', {}, [el('tr', {}, ['Period', 'Reviews', 'Positive', 'Negative', 'Avg rating'].map((h) => el('th', { scope: 'col', text: h })))]),
        el(
          'tbody',
          {},
          periods.map((m) => el('tr', {}, [m.label, String(m.count), m.count ? pct(m.positive) : '–', m.count ? pct(m.negative) : '–', m.meanRating ? m.meanRating.toFixed(2) : '–'].map((v) => el('td', { text: v })))),
        ),
      ]),
    ]),
  ]);
  ui.detail.append(
    el('div', { class: 'panels' }, [
      el('section', { class: 'card panel', 'aria-labelledby': 'chart-h' }, [el('h3', { id: 'chart-h', text: 'Sentiment over time' }), sentimentChart(s.monthly, { width: chartWidth() }), sentimentLegend(), dataTable]),
      el('section', { class: 'card panel', 'aria-labelledby': 'dist-h' }, [el('h3', { id: 'dist-h', text: 'Rating distribution' }), Object.values(s.distribution || {}).some((n) => Number(n) > 0) ? ratingChart(s.distribution) : el('p', { class: 'small muted', text: 'No reviewer gave stars in this period.' })]),
    ]),
  );

  // Pros and cons.
  const sourcesPanel = el('section', { class: 'card panel', id: 'sources', 'aria-labelledby': 'sources-h', hidden: true }, [el('div', { class: 'panel-head' }, [el('h3', { id: 'sources-h', text: 'Source reviews' }), el('button', { class: 'link-btn', type: 'button', text: 'Close', onclick: () => (sourcesPanel.hidden = true) })]), el('ul', { class: 'review-list' })]);
  const proconList = (items, kind) =>
    items.length
      ? el(
          'ul',
          {},
          items.map((it) =>
            el('li', {}, [
              el('span', { class: `pill ${kind === 'pros' ? 'pill-pos' : 'pill-neg'}`, text: it.aspect }),
              ' ',
              el('q', { text: it.text }),
              el('div', { class: 'small' }, [
                el('button', { class: 'link-btn', type: 'button', text: 'source review', 'aria-label': `Show the source review this ${kind === 'pros' ? 'pro' : 'con'} comes from`, onclick: () => showSources(sourcesPanel, [it.reviewId], `Source of “${it.text.slice(0, 60)}”`, it.text) }),
                ' · ',
                el('button', { class: 'link-btn', type: 'button', text: `${it.mentions} review${it.mentions === 1 ? '' : 's'} say so`, onclick: () => showSources(sourcesPanel, it.reviewIds.slice(0, 50), `${kind === 'pros' ? 'Praise' : 'Complaints'} about ${it.aspect}`, null) }),
              ]),
            ]),
          ),
        )
      : el('p', { class: 'muted small', text: kind === 'pros' ? 'No clear pros yet.' : 'No recurring complaints.' });
  ui.detail.append(
    el('section', { class: 'card panel', 'aria-labelledby': 'pc-h' }, [
      el('h3', { id: 'pc-h', text: 'Pros and cons' }),
      el('div', { class: 'procon' }, [el('div', { class: 'pros' }, [el('h4', { text: 'What people like' }), proconList(s.pros, 'pros')]), el('div', { class: 'cons' }, [el('h4', { text: 'What people complain about' }), proconList(s.cons, 'cons')])]),
    ]),
    sourcesPanel,
  );

  // Aspect table.
  const tbody = el('tbody');
  for (const a of s.aspects) {
    const arrow = a.direction === 'up' ? '▲' : a.direction === 'down' ? '▼' : '–';
    const trendText = a.direction === 'flat' ? 'steady' : `${a.trendDelta > 0 ? '+' : ''}${Math.round(a.trendDelta * 100)} pts`;
    const detailRow = el('tr', { class: 'aspect-reviews', hidden: true }, [el('td', { colspan: '5' }, [el('ul', { class: 'review-list' })])]);
    const btn = el('button', { class: 'btn btn-small', type: 'button', 'aria-expanded': 'false', text: 'Reviews', 'aria-label': `Reviews mentioning ${a.aspect}` });
    btn.addEventListener('click', async () => {
      const open = btn.getAttribute('aria-expanded') === 'true';
      btn.setAttribute('aria-expanded', String(!open));
      detailRow.hidden = open;
      if (!open && !detailRow.dataset.loaded) {
        detailRow.dataset.loaded = '1';
        await fillReviews(detailRow.querySelector('ul'), `aspect=${encodeURIComponent(a.aspect)}&pageSize=10`, a.aspect, null);
      }
    });
    tbody.append(
      el('tr', { class: 'aspect-row', 'data-aspect': a.aspect }, [
        el('td', { class: 'aspect-name', text: a.aspect }),
        el('td', { class: 'num', text: String(a.mentions) }),
        el('td', {}, [el('div', { class: 'share' }, [el('div', { class: 'share-bar', 'aria-hidden': 'true' }, [el('span', { 'data-w': a.positiveShare })]), el('span', { text: `${pct(a.positiveShare)} positive` })])]),
        el('td', {}, [el('div', { class: 'share' }, [sparkline(a.trend), el('span', { class: `trend-${a.direction}`, text: `${arrow} ${trendText}` })])]),
        el('td', {}, [btn]),
      ]),
      detailRow,
    );
  }
  ui.detail.append(
    el('section', { class: 'card panel', 'aria-labelledby': 'aspects-h' }, [
      el('h3', { id: 'aspects-h', text: 'Aspects' }),
      el('p', { class: 'small muted', text: 'What reviewers talk about, how positive they are, and how that changed (positive share per quarter, older vs newer half of the mentions).' }),
      el('div', { class: 'table-scroll' }, [
        el('table', { class: 'aspect-table' }, [el('thead', {}, [el('tr', {}, ['Aspect', 'Mentions', 'Positive share', 'Trend', null].map((h, i) => el('th', { scope: 'col', class: i === 1 ? 'num' : null, text: h }, h === null ? [el('span', { class: 'sr-only', text: 'Reviews' })] : [])))]), tbody]),
      ]),
    ]),
  );
  applyWidths(ui.detail);
}

function highlighted(text, snippet) {
  const p = el('p', { class: 'review-text' });
  const i = snippet ? text.indexOf(snippet.replace(/…$/, '')) : -1;
  if (i < 0) {
    p.textContent = text;
    return p;
  }
  const len = snippet.replace(/…$/, '').length;
  p.append(document.createTextNode(text.slice(0, i)), el('mark', { text: text.slice(i, i + len) }), document.createTextNode(text.slice(i + len)));
  return p;
}

async function fillReviews(list, query, aspect, snippet) {
  clear(list).append(el('li', { class: 'muted small' }, [el('span', { class: 'spinner', 'aria-hidden': 'true' }), ' Loading reviews…']));
  try {
    const { body } = await api(`/api/insights/products/${encodeURIComponent(state.product)}/reviews?${filterParams()}&${query}`);
    clear(list);
    if (body.reviews.length === 0) list.append(el('li', { class: 'muted small', text: 'No reviews found.' }));
    for (const r of body.reviews) {
      list.append(
        el('li', { class: 'review', id: `review-${r.id}`, 'data-review-id': r.id }, [
          el('div', { class: 'review-head' }, [
            r.rating === null ? el('span', { class: 'small muted', text: 'no stars' }) : el('span', { class: 'stars', role: 'img', 'aria-label': `${r.rating} out of 5 stars`, text: stars(r.rating) }),
            r.title ? el('span', { class: 'review-title', text: r.title }) : null,
            el('time', { datetime: r.date, text: fmtDate(r.date) }),
            sentimentPill(r.sentiment),
          ]),
          highlighted(r.text, snippet || r.highlight),
        ]),
      );
    }
    if (body.total > body.reviews.length) list.append(el('li', { class: 'muted small', text: `Showing ${body.reviews.length} of ${body.total}${aspect ? ` reviews mentioning ${aspect}` : ''}. Export the reviews table for all of them.` }));
  } catch (err) {
    clear(list).append(el('li', { class: 'error small', text: `Could not load reviews: ${err.message}` }));
  }
}

async function showSources(panel, ids, title, snippet) {
  panel.hidden = false;
  panel.querySelector('h3').textContent = title;
  await fillReviews(panel.querySelector('ul'), `ids=${encodeURIComponent(ids.join(','))}&pageSize=50`, null, snippet);
  panel.scrollIntoView({ behavior: 'smooth', block: 'nearest' });
  const first = panel.querySelector('.review');
  if (first) {
    first.classList.add('flash');
    setTimeout(() => first.classList.remove('flash'), 1600);
  }
}

// ---------- filters ----------
ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  state.category = ui.category.value;
  state.from = ui.from.value;
  state.to = ui.to.value;
  state.q = ui.search.value.trim();
  syncUrl();
  void loadList();
});
ui.category.addEventListener('change', () => ui.form.requestSubmit());
ui.reset.addEventListener('click', (e) => {
  e.preventDefault();
  Object.assign(state, { category: '', from: '', to: '', q: '' });
  ui.from.value = '';
  ui.to.value = '';
  ui.search.value = '';
  ui.category.value = '';
  syncUrl();
  void loadList();
});

// Charts are drawn for the width they are shown at: redraw after the window changes size.
let lastWidth = ui.detail.clientWidth;
let resizeTimer = null;
window.addEventListener('resize', () => {
  clearTimeout(resizeTimer);
  resizeTimer = setTimeout(() => {
    if (!lastDetail || Math.abs(ui.detail.clientWidth - lastWidth) < 40) return;
    lastWidth = ui.detail.clientWidth;
    const open = document.activeElement;
    renderDetail(lastDetail);
    if (open && open !== document.body && !document.contains(open)) ui.detail.focus();
  }, 200);
});

if (page.session) page.show();
else page.showLogin('');
