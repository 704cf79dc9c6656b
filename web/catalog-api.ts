import type { IncomingMessage, ServerResponse } from 'node:http';
import { sendJson } from '../core/http.js';
import type { Product, Store } from '../store/index.js';
import { allowRead } from './static.js';
import { BadRequest, int, str } from './params.js';

// The demo store's catalog for the storefront page: GET /api/catalog?q=&category=&page=&pageSize=
// and GET /api/catalog/product?id=. Only the store's repositories are used (FTS search with the
// category-path filter), so every parameter reaches SQLite as a bound value.

export interface CatalogItem {
  id: string;
  title: string;
  category: string;
  price: number;
  currency: string;
  priceText: string;
  rating: number | null;
  ratingCount: number | null;
  image: string | null;
  inStock: boolean;
}

export interface CatalogPage {
  items: CatalogItem[];
  page: number;
  pageSize: number;
  hasMore: boolean;
  query: string;
  category: string | null;
  categories: { category: string; count: number }[];
}

const MAX_PAGE = 200;

export function formatMoney(price: number, currency: string): string {
  try {
    return new Intl.NumberFormat('en-IN', { style: 'currency', currency: currency || 'INR', maximumFractionDigits: 0 }).format(price);
  } catch {
    return `${price.toFixed(0)} ${currency}`;
  }
}

export function toItem(p: Product): CatalogItem {
  return {
    id: p.id,
    title: p.title,
    category: p.category,
    price: p.price,
    currency: p.currency,
    priceText: formatMoney(p.price, p.currency),
    rating: p.rating,
    ratingCount: p.ratingCount,
    image: p.image,
    inStock: p.stock > 0,
  };
}

export function createCatalogApi(store: Store) {
  // Top-level departments change only when the catalog is re-seeded; recount at most once a minute.
  let categories: { at: number; list: { category: string; count: number }[] } | null = null;
  const departments = async () => {
    if (!categories || Date.now() - categories.at > 60_000) {
      categories = { at: Date.now(), list: (await store.products.categories({ depth: 1 })).map((c) => ({ category: c.category, count: c.count })) };
    }
    return categories.list;
  };

  const list = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (!allowRead(req, res)) return;
    try {
      const q = str(url, 'q', 200) ?? '';
      const category = str(url, 'category', 200) ?? null;
      const page = int(url, 'page', 1, 1, MAX_PAGE);
      const pageSize = int(url, 'pageSize', 24, 1, 48);
      // One extra row tells whether there is a next page without counting the whole result.
      const hits = await store.products.search(q, { ...(category ? { category } : {}), limit: pageSize + 1, offset: (page - 1) * pageSize });
      const body: CatalogPage = {
        items: hits.slice(0, pageSize).map(toItem),
        page,
        pageSize,
        hasMore: hits.length > pageSize && page < MAX_PAGE,
        query: q,
        category,
        categories: await departments(),
      };
      res.setHeader('cache-control', 'no-store');
      sendJson(res, 200, body);
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, 400, { error: err.message });
      throw err;
    }
  };

  const product = async (req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> => {
    if (!allowRead(req, res)) return;
    try {
      const id = str(url, 'id', 100);
      if (!id) return sendJson(res, 400, { error: 'id is required' });
      const p = await store.products.get(id);
      if (!p) return sendJson(res, 404, { error: 'no such product' });
      const stats = await store.reviews.stats(p.id);
      sendJson(res, 200, { ...toItem(p), description: p.description.slice(0, 2000), stock: p.stock, reviews: { count: stats.count, mean: stats.mean } });
    } catch (err) {
      if (err instanceof BadRequest) return sendJson(res, 400, { error: err.message });
      throw err;
    }
  };

  return { list, product };
}
