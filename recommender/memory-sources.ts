import { isRecord, readJsonl } from '../core/jsonl.js';
import type { CatalogItem, CatalogSource, EventSource, IdentitySource, Interaction, InteractionType } from './types.js';
import { INTERACTION_TYPES } from './types.js';

// In-memory sources (the eval, the benchmark, tests without a database) and loaders for the store
// fixture files: fixtures/store/products.jsonl, orders.jsonl, events.jsonl, customers.jsonl.

export class MemoryCatalog implements CatalogSource {
  private readonly byId: Map<string, CatalogItem>;

  constructor(items: readonly CatalogItem[]) {
    this.byId = new Map(items.map((it) => [it.id, it]));
  }

  listProducts(): CatalogItem[] {
    return [...this.byId.values()];
  }

  stockOf(ids: readonly string[]): Map<string, number> {
    const out = new Map<string, number>();
    for (const id of ids) {
      const s = this.byId.get(id)?.stock;
      if (typeof s === 'number') out.set(id, s);
    }
    return out;
  }

  upsert(item: CatalogItem): void {
    this.byId.set(item.id, item);
  }

  setStock(id: string, stock: number): void {
    const it = this.byId.get(id);
    if (it) this.byId.set(id, { ...it, stock });
  }
}

/** Events in memory, in arrival order per customer (stable for equal timestamps). */
export class MemoryEvents implements EventSource {
  private readonly byCustomer = new Map<string, Interaction[]>();
  private readonly all: Interaction[] = [];

  constructor(events: Iterable<Interaction> = []) {
    for (const e of events) this.record(e);
  }

  history(customerId: string, limit: number): Interaction[] {
    const list = this.byCustomer.get(customerId) ?? [];
    return list.slice(Math.max(0, list.length - limit));
  }

  *purchases(): IterableIterator<Interaction> {
    // stable sort by time: equal timestamps keep their input order
    const bought = this.all.filter((e) => e.type === 'purchase');
    const order = bought.map((e, k) => ({ e, k })).sort((a, b) => a.e.ts - b.e.ts || a.k - b.k);
    for (const { e } of order) yield e;
  }

  record(e: Interaction): void {
    this.all.push(e);
    let list = this.byCustomer.get(e.customerId);
    if (!list) this.byCustomer.set(e.customerId, (list = []));
    let at = list.length;
    while (at > 0 && list[at - 1]!.ts > e.ts) at--;
    list.splice(at, 0, e);
  }

  get size(): number {
    return this.all.length;
  }
}

/** Channel identities from customers.jsonl (`identities: [{channel, external_id}]`). */
export class MemoryIdentities implements IdentitySource {
  private readonly map = new Map<string, string>();

  link(channel: string, externalId: string, customerId: string): void {
    this.map.set(`${channel}\u0000${externalId}`, customerId);
  }

  customerFor(channel: string, externalId: string): string | undefined {
    return this.map.get(`${channel}\u0000${externalId}`);
  }
}

// ---------------------------------------------------------------------------------------------
// fixture loaders

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);
const num = (v: unknown): number | undefined => (typeof v === 'number' && Number.isFinite(v) ? v : undefined);

/** Parses a time: epoch seconds (numbers below 1e11), epoch ms (larger numbers), or ISO text (no zone = UTC). */
export function parseTime(v: unknown): number | null {
  if (typeof v === 'number' && Number.isFinite(v)) return v < 1e11 ? v * 1000 : v;
  if (typeof v === 'string' && v.trim() !== '') {
    const t = v.trim();
    if (/^-?\d+(\.\d+)?$/.test(t)) return parseTime(Number(t));
    // a date-time without a zone ("2010-12-01 08:26:00", as in UCI exports) is read as UTC, never
    // as the machine's local time, so results do not depend on where the eval runs
    const noZone = /^\d{4}-\d{2}-\d{2}([ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/.test(t);
    const ms = Date.parse(noZone ? (t.length === 10 ? `${t}T00:00:00Z` : `${t.replace(' ', 'T')}Z`) : t);
    return Number.isFinite(ms) ? ms : null;
  }
  return null;
}

/** One products.jsonl line -> CatalogItem (store fixture shape: snake_case rating_count). */
export function productFromJson(v: unknown): CatalogItem | string {
  if (!isRecord(v)) return 'not an object';
  const id = str(v.id);
  if (!id) return 'missing "id"';
  const title = str(v.title) ?? '';
  return {
    id,
    title,
    description: str(v.description) ?? '',
    category: str(v.category) ?? '',
    price: num(v.price),
    stock: num(v.stock),
    rating: num(v.rating) ?? null,
    ratingCount: num(v.rating_count) ?? num(v.ratingCount) ?? null,
  };
}

export async function loadProducts(path: string): Promise<CatalogItem[]> {
  return (await readJsonl(path, productFromJson)).rows;
}

/** Order lines of orders.jsonl as purchases (cancelled orders skipped), basket = order id. */
export async function loadOrderPurchases(path: string): Promise<Interaction[]> {
  const { rows } = await readJsonl(path, (v): Interaction[] | string => {
    if (!isRecord(v)) return 'not an object';
    const customerId = str(v.customer_id);
    const ts = parseTime(v.created_at);
    if (!customerId || ts === null || !Array.isArray(v.lines)) return 'missing customer_id, created_at or lines';
    if (v.status === 'cancelled') return [];
    const out: Interaction[] = [];
    for (const l of v.lines) {
      const productId = isRecord(l) ? str(l.product_id) : undefined;
      if (productId) out.push({ customerId, productId, type: 'purchase', ts, basket: str(v.id) ?? `${customerId}@${ts}` });
    }
    return out;
  });
  return rows.flat();
}

/** events.jsonl (`customer_id, product_id, type, ts`) as interactions. */
export async function loadEvents(path: string): Promise<Interaction[]> {
  const { rows } = await readJsonl(path, (v): Interaction | string => {
    if (!isRecord(v)) return 'not an object';
    const customerId = str(v.customer_id);
    const productId = str(v.product_id);
    const type = str(v.type);
    const ts = parseTime(v.ts);
    if (!customerId || !productId || ts === null) return 'missing customer_id, product_id or ts';
    if (!type || !(INTERACTION_TYPES as readonly string[]).includes(type)) return `unknown event type ${JSON.stringify(v.type)}`;
    return { customerId, productId, type: type as InteractionType, ts };
  });
  return rows;
}
