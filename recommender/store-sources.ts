import type { Store } from '../store/index.js';
import type { CatalogItem, CatalogSource, EventSource, IdentitySource, Interaction } from './types.js';

// Adapters from the SQLite store's repositories (store/products.ts, events.ts, orders.ts,
// customers.ts) to the recommender's source interfaces. Only public repository methods are used.

const PAGE = 200; // ProductRepo's largest page

export class StoreCatalog implements CatalogSource {
  constructor(private readonly store: Pick<Store, 'products'>) {}

  async listProducts(): Promise<CatalogItem[]> {
    // A category listing includes its sub-categories, so a product can be met more than once.
    const out = new Map<string, CatalogItem>();
    for (const { category } of await this.store.products.categories()) {
      for (let offset = 0; ; offset += PAGE) {
        const page = await this.store.products.listByCategory(category, { limit: PAGE, offset });
        for (const p of page) {
          if (out.has(p.id)) continue;
          out.set(p.id, { id: p.id, title: p.title, description: p.description, category: p.category, price: p.price, stock: p.stock, rating: p.rating, ratingCount: p.ratingCount });
        }
        if (page.length < PAGE) break;
      }
    }
    return [...out.values()];
  }

  /** Live stock; a product that is no longer in the store (removed by the admin API or an import) counts as 0. */
  async liveStock(ids: readonly string[]): Promise<Map<string, number>> {
    const live = new Map((await this.store.products.getMany(ids)).map((p) => [p.id, p.stock]));
    return new Map(ids.map((id) => [id, live.get(id) ?? 0]));
  }
}

const toNewEvent = (e: Interaction) => ({
  customerId: e.customerId,
  productId: e.productId,
  type: e.type,
  ts: new Date(e.ts).toISOString(),
  context: e.basket || e.session ? { ...(e.basket ? { basket: e.basket } : {}), ...(e.session ? { conversationId: e.session } : {}) } : null,
});

/** The session an event was recorded in: `context.conversationId` (as the bot writes it), or `context.session`. */
const sessionOf = (context: Record<string, unknown> | null | undefined): { session: string } | Record<string, never> => {
  const s = context?.conversationId ?? context?.session;
  return typeof s === 'string' && s !== '' ? { session: s } : {};
};

export class StoreEvents implements EventSource {
  constructor(private readonly store: Pick<Store, 'events' | 'orders'>) {}

  /** Latest events plus order lines of the customer's non-cancelled orders, oldest first. */
  async history(customerId: string, limit: number): Promise<Interaction[]> {
    const events = await this.store.events.recentForCustomer(customerId, { limit: Math.min(1000, limit) });
    const out: { e: Interaction; k: number; order: boolean }[] = [];
    let k = 0;
    for (const ev of events.reverse()) {
      out.push({ e: { customerId, productId: ev.productId, type: ev.type, ts: Date.parse(ev.ts), ...(typeof ev.context?.basket === 'string' ? { basket: ev.context.basket } : {}), ...sessionOf(ev.context) }, k: k++, order: false });
    }
    for (const o of await this.store.orders.listForCustomer(customerId, { limit: 100 })) {
      if (o.status === 'cancelled') continue;
      const ts = Date.parse(o.createdAt);
      for (const l of o.lines) out.push({ e: { customerId, productId: l.productId, type: 'purchase', ts, basket: o.id }, k: k++, order: true });
    }
    out.sort((a, b) => a.e.ts - b.e.ts || a.k - b.k);
    // a purchase event that mirrors an order line (same product, same time) is one purchase, not two
    const orderLines = new Set(out.filter((x) => x.order).map((x) => `${x.e.productId}\u0000${x.e.ts}`));
    const deduped = out.filter((x) => x.order || x.e.type !== 'purchase' || !orderLines.has(`${x.e.productId}\u0000${x.e.ts}`));
    return deduped.slice(Math.max(0, deduped.length - limit)).map((x) => x.e);
  }

  /** Every purchase, oldest first; a purchase event mirroring an order line (same customer, product, time) counts once. */
  async *purchases(): AsyncIterableIterator<Interaction> {
    const seen = new Set<string>();
    for await (const p of this.store.events.purchases()) {
      const key = `${p.customerId}\u0000${p.productId}\u0000${p.ts}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const ts = Date.parse(p.ts);
      yield { customerId: p.customerId, productId: p.productId, type: 'purchase', ts, basket: `${p.customerId}@${p.ts}` };
    }
  }

  async record(e: Interaction): Promise<void> {
    await this.store.events.record(toNewEvent(e));
  }

  async recordMany(es: readonly Interaction[]): Promise<void> {
    await this.store.events.recordMany(es.map(toNewEvent));
  }
}

export class StoreIdentities implements IdentitySource {
  constructor(private readonly store: Pick<Store, 'customers'>) {}

  async customerFor(channel: string, externalId: string): Promise<string | undefined> {
    return (await this.store.customers.findByIdentity(channel, externalId))?.id;
  }
}
