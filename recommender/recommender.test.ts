import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../nlu/encoder-types.js';
import { dotRow, row } from './item-embeddings.js';
import { leafCategory } from './rules.js';
import { Recommender } from './recommender.js';
import { StoreCatalog, StoreEvents } from './store-sources.js';
import { PRODUCT_BY_ID, seededTestStore, storeRecommender, testEncoder, type TestStore } from '../testing/recommender-support.js';
import { RecommenderError, type Recommendation } from './types.js';

// End to end on a real SQLite file (seeded through store/seed.ts) with the real all-MiniLM-L6-v2
// encoder: cold start, feedback loop, query-aware ranking, rules, cross-channel, related(), bad input.

const price = (id: string) => Number(PRODUCT_BY_ID.get(id)!.price);
const category = (id: string) => String(PRODUCT_BY_ID.get(id)!.category);
const ids = (list: Recommendation[]) => list.map((r) => r.productId);

describe('Recommender on the SQLite store with the real encoder', () => {
  let t: TestStore;
  let rec: Recommender;
  let clock: { now: () => number; advance: (ms: number) => void };

  beforeAll(async () => {
    t = await seededTestStore();
    ({ rec, clock } = await storeRecommender(t));
  });
  afterAll(async () => {
    t?.cleanup();
    await (await testEncoder()).close();
  });

  it('cold start: a new customer gets popular in-stock items with "popular in …" reasons', async () => {
    const list = await rec.recommend({ customerId: 'C-NEVER-SEEN', k: 5 });
    expect(list).toHaveLength(5);
    for (const r of list) {
      expect(r.reason).toMatch(/^popular in /);
      expect((await t.store.products.get(r.productId))!.stock).toBeGreaterThan(0);
    }
    // the most bought products of the history lead the list
    expect(ids(list).slice(0, 2)).toEqual(expect.arrayContaining(['P-SPK-ECHO']));
    expect(ids(list)).toContain('P-EAR-BOAT141');
    expect(list[0]!.reason).toBe(`popular in ${leafCategory(category(list[0]!.productId))}`);
    // scores are sorted
    for (let i = 1; i < list.length; i++) expect(list[i - 1]!.score).toBeGreaterThanOrEqual(list[i]!.score);
  });

  it('profile updates immediately after a click and a purchase; bought items are excluded unless consumable', async () => {
    const before = await rec.recommend({ customerId: 'C-ANU', k: 6 });
    await rec.recordEvent({ customerId: 'C-ANU', productId: 'P-HP-SONY', type: 'click' });
    const afterClick = await rec.recommend({ customerId: 'C-ANU', k: 6 });
    expect(ids(afterClick)).not.toEqual(ids(before));
    // the click pulls headphones and earbuds up
    const audio = afterClick.filter((r) => category(r.productId).startsWith('Electronics > Headphones'));
    expect(audio.length).toBeGreaterThanOrEqual(2);
    expect(ids(afterClick)).not.toContain('P-HP-SONY'); // just seen: not news to them (a search may still show it)

    // the event went to the store
    const stored = await t.store.events.recentForCustomer('C-ANU', { limit: 5 });
    expect(stored[0]).toMatchObject({ customerId: 'C-ANU', productId: 'P-HP-SONY', type: 'click' });

    clock.advance(60_000);
    await rec.recordEvent({ customerId: 'C-ANU', productId: 'P-CHG-AMB20', type: 'purchase', basket: 'ORD-LIVE-1' });
    const afterBuy = await rec.recommend({ customerId: 'C-ANU', k: 6 });
    expect(ids(afterBuy)).not.toContain('P-CHG-AMB20'); // already bought, not consumable
    expect(ids(afterBuy)).not.toEqual(ids(afterClick));
  });

  it('a purchase brings in what is bought together, with a "because you bought" reason', async () => {
    const list = await rec.recommend({ customerId: 'C-ANU', k: 10 });
    const cable = list.find((r) => r.productId === 'P-CBL-CC');
    expect(cable).toBeDefined();
    expect(cable!.reason).toMatch(/because you bought Ambrane 20W/);
  });

  it('consumables can be recommended again after a purchase', async () => {
    await rec.recordEvent({ customerId: 'C-RAVI', productId: 'P-COF-BEANS', type: 'purchase' });
    await rec.recordEvent({ customerId: 'C-RAVI', productId: 'P-MUG-SET6', type: 'purchase' });
    const enc = await testEncoder();
    const q = 'coffee beans';
    const list = await rec.recommend({ customerId: 'C-RAVI', query: q, context: { queryVector: await enc.embed(q) }, k: 5 });
    expect(ids(list)).toContain('P-COF-BEANS'); // consumable: may be bought again
    const plain = await rec.recommend({ customerId: 'C-RAVI', k: 20 });
    expect(ids(plain)).not.toContain('P-MUG-SET6'); // durable: not again
  });

  it('query-aware: "a cheap charger for my phone under 500" returns in-stock chargers <= 500', async () => {
    const enc = await testEncoder();
    const query = 'a cheap charger for my phone under 500';
    const list = await rec.recommend({ customerId: 'C-RAVI', query, context: { queryVector: await enc.embed('a cheap charger for my phone'), filters: { maxPrice: 500 } }, k: 5 });
    expect(list.length).toBeGreaterThanOrEqual(3);
    for (const r of list) expect(price(r.productId)).toBeLessThanOrEqual(500);
    expect(ids(list)).not.toContain('P-CHG-ANK30'); // out of stock
    const top3 = list.slice(0, 3).map((r) => category(r.productId));
    expect(top3.every((c) => c.endsWith('Chargers'))).toBe(true);
    expect(list[0]!.reason).toMatch(/matches '.*charger.*'/);
  });

  it('query text without a vector is embedded by the configured encoder; a category filter restricts the list', async () => {
    const list = await rec.recommend({ customerId: 'C-RAVI', query: 'wireless earbuds', k: 4 });
    expect(category(list[0]!.productId)).toBe('Electronics > Headphones > Earbuds');
    const filtered = await rec.recommend({ customerId: 'C-RAVI', context: { filters: { category: 'Cookware' } }, k: 5 });
    expect(filtered.length).toBeGreaterThan(0);
    for (const r of filtered) expect(category(r.productId)).toMatch(/Cookware$/);
    const range = await rec.recommend({ customerId: 'C-RAVI', context: { filters: { minPrice: 1000, maxPrice: 2000 } }, k: 10 });
    for (const r of range) expect(price(r.productId)).toBeGreaterThanOrEqual(1000);
    for (const r of range) expect(price(r.productId)).toBeLessThanOrEqual(2000);
  });

  it('diversity: at most 3 per leaf category and at most 2 near-identical items', async () => {
    for (const id of ['P-MUG-BLUE', 'P-MUG-RED', 'P-MUG-GREEN']) await rec.recordEvent({ customerId: 'C-B15', productId: id, type: 'view' });
    const list = await rec.recommend({ customerId: 'C-B15', k: 10 });
    const perLeaf = new Map<string, number>();
    for (const r of list) perLeaf.set(leafCategory(category(r.productId)), (perLeaf.get(leafCategory(category(r.productId))) ?? 0) + 1);
    expect(Math.max(...perLeaf.values())).toBeLessThanOrEqual(3);
    // near-duplicates by the item vectors
    const enc = await testEncoder();
    const vecs = await enc.embedMany(list.map((r) => String(PRODUCT_BY_ID.get(r.productId)!.title)));
    for (let i = 0; i < vecs.length; i++) {
      let dups = 0;
      for (let j = 0; j < vecs.length; j++) if (i !== j && cosine(vecs[i]!, vecs[j]!) >= 0.97) dups++;
      expect(dups).toBeLessThanOrEqual(1);
    }
    // five stoneware mugs exist and the customer looked at mugs, yet no more than 2 are near-identical picks
    expect(list.filter((r) => r.productId.startsWith('P-MUG-') && r.productId !== 'P-MUG-SET6').length).toBeLessThanOrEqual(3);
  });

  it('frequency cap: proactive suggestions at most once per 10 minutes; explicit requests are never capped', async () => {
    const first = await rec.recommend({ customerId: 'C-B03', k: 3, context: { proactive: true } });
    expect(first.length).toBe(3);
    expect(await rec.recommend({ customerId: 'C-B03', k: 3, context: { proactive: true } })).toEqual([]);
    expect((await rec.recommend({ customerId: 'C-B03', k: 3 })).length).toBe(3);
    clock.advance(9 * 60_000);
    expect(await rec.recommend({ customerId: 'C-B03', k: 3, context: { proactive: true } })).toEqual([]);
    clock.advance(2 * 60_000);
    expect(await rec.recommend({ customerId: 'C-B03', k: 3, context: { proactive: true } })).toHaveLength(3);
  });

  it('impressions feed the feedback loop: items shown again and again without a click sink', async () => {
    const list = await rec.recommend({ customerId: 'C-B16', k: 4 });
    const top = list[0]!.productId;
    for (let n = 0; n < 3; n++) await rec.recordImpressions('C-B16', list);
    const after = await rec.recommend({ customerId: 'C-B16', k: 4 });
    expect(after.find((r) => r.productId === top)?.score ?? -Infinity).toBeLessThan(list[0]!.score);
    expect((await t.store.events.recentForCustomer('C-B16', { types: ['impression'] })).length).toBe(12);
    // a click re-engages: the penalty is lifted
    await rec.recordEvent({ customerId: 'C-B16', productId: top, type: 'click' });
    const withQuery = await rec.recommend({ customerId: 'C-B16', query: String(PRODUCT_BY_ID.get(top)!.title), k: 4 });
    expect(ids(withQuery)).toContain(top);
  });

  it('a batch of events is all or nothing: one unknown product stores none of them', async () => {
    const before = (await t.store.events.recentForCustomer('C-B16', { limit: 1000 })).length;
    await expect(
      rec.recordEvents([
        { customerId: 'C-B16', productId: 'P-HP-SONY', type: 'view' },
        { customerId: 'C-B16', productId: 'P-DOES-NOT-EXIST', type: 'view' },
      ]),
    ).rejects.toThrow(RecommenderError);
    expect((await t.store.events.recentForCustomer('C-B16', { limit: 1000 })).length).toBe(before);
    await rec.recordEvents([
      { customerId: 'C-B16', productId: 'P-HP-SONY', type: 'view' },
      { customerId: 'C-B16', productId: 'P-SPK-ECHO', type: 'view' },
    ]);
    expect((await t.store.events.recentForCustomer('C-B16', { limit: 1000 })).length).toBe(before + 2);
  });

  it('cross-channel: web and Messenger identities resolve to one customer and get the identical list', async () => {
    const webCustomer = (await t.store.customers.findByIdentity('web', 'web-anu'))!.id;
    const fbCustomer = (await t.store.customers.findByIdentity('messenger', 'psid-anu'))!.id;
    expect(webCustomer).toBe(fbCustomer);
    const enc = await testEncoder();
    const qv = await enc.embed('headphones');
    const web = await rec.recommend({ customerId: webCustomer, query: 'headphones', context: { channel: 'web', queryVector: qv }, k: 5 });
    const fb = await rec.recommend({ customerId: fbCustomer, query: 'headphones', context: { channel: 'messenger', queryVector: qv }, k: 5 });
    expect(fb).toEqual(web);
    // an event recorded from Messenger shows on web at once
    await rec.recordEvent({ customerId: fbCustomer, productId: 'P-NB-SKETCH', type: 'add_to_cart' });
    const webAfter = await rec.recommend({ customerId: webCustomer, k: 10 });
    const fbAfter = await rec.recommend({ customerId: fbCustomer, k: 10 });
    expect(webAfter).toEqual(fbAfter);
    expect(ids(webAfter)).toContain('P-NB-A5');
  });

  it('is deterministic: two recommenders built from the same store give identical lists, call after call', async () => {
    const { rec: a } = await storeRecommender(t);
    const { rec: b } = await storeRecommender(t);
    const enc = await testEncoder();
    const qv = await enc.embed('something for my kitchen');
    for (const customerId of ['C-ANU', 'C-RAVI', 'C-B00', 'C-UNKNOWN']) {
      const now = clock.now();
      const x = await a.recommend({ customerId, k: 8, context: { now } });
      expect(await b.recommend({ customerId, k: 8, context: { now } })).toEqual(x);
      expect(await a.recommend({ customerId, k: 8, context: { now } })).toEqual(x);
      const y = await a.recommend({ customerId, query: 'kitchen', k: 8, context: { now, queryVector: qv } });
      expect(await b.recommend({ customerId, query: 'kitchen', k: 8, context: { now, queryVector: qv } })).toEqual(y);
    }
    // the live recommender, which learned the same events one by one, agrees with the rebuilt ones
    const now = clock.now();
    expect(ids(await rec.recommend({ customerId: 'C-ANU', k: 8, context: { now } }))).toEqual(ids(await a.recommend({ customerId: 'C-ANU', k: 8, context: { now } })));
  });

  it('related(): bought-together and similar products, in stock, with reasons', () => {
    const rel = rec.related('P-CHG-AMB20', { k: 6 });
    expect(rel.length).toBe(6);
    const together = rel.find((r) => r.productId === 'P-CBL-CC');
    expect(together).toMatchObject({ kind: 'bought_together' });
    expect(together!.reason).toMatch(/^often bought together with Ambrane 20W/);
    const similar = rel.filter((r) => r.kind === 'similar');
    expect(similar.length).toBeGreaterThan(0);
    expect(similar.some((r) => category(r.productId).endsWith('Chargers'))).toBe(true);
    expect(ids(rel)).not.toContain('P-CHG-AMB20');
    expect(ids(rel)).not.toContain('P-CHG-ANK30'); // out of stock
    expect(rec.related('P-CHG-AMB20', { kind: 'similar', k: 3 }).every((r) => r.kind === 'similar')).toBe(true);
  });

  it('a product that sells out is dropped at once (live stock re-check against the store)', async () => {
    const before = await rec.recommend({ customerId: 'C-NEW-2', k: 3 });
    const top = before[0]!.productId;
    await t.store.products.setStock(top, 0);
    const after = await rec.recommend({ customerId: 'C-NEW-2', k: 3 });
    expect(ids(after)).not.toContain(top);
    await t.store.products.setStock(top, 5);
    await rec.refreshCatalog();
    expect(ids(await rec.recommend({ customerId: 'C-NEW-2', k: 3 }))).toContain(top);
  });

  it('bad input: clear errors or sane defaults, never a crash', async () => {
    const bad = async (p: Promise<unknown>, code: string) => {
      await expect(p).rejects.toBeInstanceOf(RecommenderError);
      await expect(p).rejects.toMatchObject({ code });
    };
    await bad(rec.recommend({ customerId: '' }), 'invalid_input');
    await bad(rec.recommend(null as never), 'invalid_input');
    await bad(rec.recommend({ customerId: 42 as never }), 'invalid_input');
    await bad(rec.recommend({ customerId: 'C-ANU', k: Number.NaN }), 'invalid_input');
    await bad(rec.recommend({ customerId: 'C-ANU', context: { queryVector: [1, 2, 3] } }), 'invalid_input');
    await bad(rec.recommend({ customerId: 'C-ANU', context: { filters: { minPrice: 900, maxPrice: 100 } } }), 'invalid_input');
    await bad(rec.recommend({ customerId: 'C-ANU', context: { filters: { maxPrice: -1 } } }), 'invalid_input');
    expect(await rec.recommend({ customerId: 'C-ANU', k: 0 })).toEqual([]);
    expect(await rec.recommend({ customerId: 'C-ANU', k: -3 })).toEqual([]);
    const huge = await rec.recommend({ customerId: 'C-ANU', k: 1e9 });
    expect(huge.length).toBeGreaterThan(10);
    expect(huge.length).toBeLessThanOrEqual(50);
    expect((await rec.recommend({ customerId: 'C-ANU' })).length).toBe(10); // default k
    // empty or whitespace query = no query
    const now = clock.now();
    expect(await rec.recommend({ customerId: 'C-ANU', query: '   ', k: 5, context: { now } })).toEqual(await rec.recommend({ customerId: 'C-ANU', k: 5, context: { now } }));
    // a query nothing matches still answers
    expect((await rec.recommend({ customerId: 'C-ANU', query: 'zzqx', k: 3 })).length).toBeGreaterThan(0);
    // a very long query is cut, not refused
    expect((await rec.recommend({ customerId: 'C-ANU', query: 'charger '.repeat(5000), k: 3 })).length).toBe(3);
    // no results possible -> empty list
    expect(await rec.recommend({ customerId: 'C-ANU', context: { filters: { maxPrice: 1 } }, k: 5 })).toEqual([]);
    expect(() => rec.related('P-NOPE')).toThrow(RecommenderError);
    expect(() => rec.related('')).toThrow(/non-empty/);
    expect(rec.related('P-CHG-AMB20', { k: 0 })).toEqual([]);
    await expect(rec.recordEvent({ customerId: 'C-ANU', productId: 'P-NOPE', type: 'click' })).rejects.toThrow(/unknown product/);
    await expect(rec.recordEvent({ customerId: 'C-ANU', productId: 'P-CBL-CC', type: 'like' as never })).rejects.toThrow(/event type/);
    await expect(rec.recordEvent({ customerId: '', productId: 'P-CBL-CC', type: 'click' })).rejects.toThrow(/customerId/);
    await expect(rec.recordEvent({ customerId: 'C-ANU', productId: 'P-CBL-CC', type: 'click', ts: 'yesterday-ish' })).rejects.toThrow(/invalid event time/);
  });

  it('cold start for a new product: after it is added to the catalogue it can be recommended at once', async () => {
    const t2 = await seededTestStore([
      { id: 'P-NEW-CHG', title: 'GaN 45W USB-C laptop and phone charger', description: 'New arrival', category: 'Electronics > Mobile Accessories > Chargers', price: 1999, currency: 'INR', stock: 9, image: null, rating: null, rating_count: null, source: 'test' },
    ]);
    try {
      const { rec: r2 } = await storeRecommender(t2, { cacheDir: `${t.dir}/vectors` });
      const enc = await testEncoder();
      const list = await r2.recommend({ customerId: 'C-RAVI', query: 'GaN laptop charger 45W', context: { queryVector: await enc.embed('GaN laptop charger 45W') }, k: 3 });
      expect(list[0]!.productId).toBe('P-NEW-CHG');
      // never bought: no bought-together neighbours, only similar items
      expect(r2.related('P-NEW-CHG', { k: 3 }).every((r) => r.kind === 'similar')).toBe(true);
    } finally {
      t2.cleanup();
    }
  });

  it('retrain() rebuilds the collaborative model off the request path and keeps live events', async () => {
    const before = rec.related('P-CHG-AMB20', { kind: 'bought_together', k: 5 });
    const pending = rec.retrain();
    // requests keep working while it runs
    expect((await rec.recommend({ customerId: 'C-ANU', k: 3 })).length).toBe(3);
    await pending;
    const after = rec.related('P-CHG-AMB20', { kind: 'bought_together', k: 5 });
    expect(ids(after)).toContain('P-CBL-CC');
    expect(after.length).toBeGreaterThanOrEqual(before.length - 1);
    const stop = rec.scheduleRetraining(60_000);
    stop();
    expect(() => rec.scheduleRetraining(10)).toThrow(RecommenderError);
  });

  it('uses the store only through its public repositories', async () => {
    const products = await new StoreCatalog(t.store).listProducts();
    expect(products.length).toBe(PRODUCT_BY_ID.size);
    const hist = await new StoreEvents(t.store).history('C-B00', 10);
    expect(hist.map((e) => e.productId)).toEqual(['P-CHG-AMB20', 'P-CBL-CC']);
    expect(hist[0]!.basket).toBe(hist[1]!.basket);
    // a purchase event mirroring an order line (as in the demo fixtures) is one purchase, not two
    const purchases = async () => {
      let n = 0;
      for await (const _ of new StoreEvents(t.store).purchases()) n++;
      return n;
    };
    const before = await purchases();
    await t.store.events.record({ customerId: 'C-B00', productId: 'P-CHG-AMB20', type: 'purchase', ts: '2026-03-01T10:00:00.000Z' });
    expect(await purchases()).toBe(before);
    expect((await new StoreEvents(t.store).history('C-B00', 10)).map((e) => e.productId)).toEqual(['P-CHG-AMB20', 'P-CBL-CC']);
    // vectors really are the encoder's: a charger is closer to a charger than to a mug
    const m = (rec as unknown as { vectors: { dim: number; n: number; data: Float32Array } }).vectors;
    const i = rec.catalog.indexOf('P-CHG-AMB20')!;
    expect(dotRow(m, rec.catalog.indexOf('P-CHG-PORT12')!, row(m, i))).toBeGreaterThan(dotRow(m, rec.catalog.indexOf('P-MUG-RED')!, row(m, i)));
  });
});
