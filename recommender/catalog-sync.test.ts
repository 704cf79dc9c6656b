import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cosine } from '../nlu/encoder-types.js';
import { CatalogAdmin } from '../store/catalog-admin.js';
import { CatalogSync } from './catalog-sync.js';
import { itemText, row } from './item-embeddings.js';
import type { Recommender } from './recommender.js';
import { seededTestStore, storeRecommender, testEncoder, type TestStore } from '../testing/recommender-support.js';

// A running recommender follows catalogue changes without a restart, on a real SQLite file with the
// real encoder: new products are suggested for a matching request, changed text is re-embedded
// (and only changed text), removed products are never suggested again, from the next request on.

const DEFAULTS = { currency: 'INR', source: 'api' };

describe('CatalogSync', () => {
  let t: TestStore;
  let rec: Recommender;
  let admin: CatalogAdmin;
  let sync: CatalogSync;

  beforeAll(async () => {
    t = await seededTestStore();
    admin = new CatalogAdmin(t.store.sql);
    const since = await admin.catalogSeq();
    ({ rec } = await storeRecommender(t));
    sync = new CatalogSync({ sql: t.store.sql, recommender: rec, encoder: await testEncoder(), cacheDir: `${t.dir}/vectors`, since, silent: true });
  }, 120_000);
  afterAll(async () => {
    t?.cleanup();
    await (await testEncoder()).close();
  });

  const ids = async (query: string, k = 5) => (await rec.recommend({ customerId: 'C-NEW', query, k })).map((r) => r.productId);

  it('suggests a product added through a batch at the next request, embedded once', async () => {
    expect(await ids('zorblax espresso grinder')).not.toContain('P-NEW-ZORB');
    const n = rec.size;
    await admin.upsertProducts([{ id: 'P-NEW-ZORB', title: 'Zorblax burr espresso coffee grinder', category: 'Home & Kitchen > Coffee', price: 3499, stock: 5, description: 'Conical burrs, 40 grind settings' }], DEFAULTS);
    const r = await sync.sync();
    expect(r).toMatchObject({ changed: 1, embedded: 1, reused: 0, removed: 0 });
    expect(rec.size).toBe(n + 1);
    expect((await ids('zorblax espresso grinder'))[0]).toBe('P-NEW-ZORB');
    // the vector is the item text's own
    const enc = await testEncoder();
    const i = rec.catalog.indexOf('P-NEW-ZORB')!;
    const alone = await enc.embed(itemText(rec.catalog.items[i]!));
    expect(cosine((rec as unknown as { vectors: Parameters<typeof row>[0] }).vectors.data.subarray(i * 384, (i + 1) * 384), alone)).toBeGreaterThan(0.9999);
    // nothing new: nothing to do
    expect(await sync.sync()).toMatchObject({ changed: 0, embedded: 0 });
  });

  it('re-embeds only products whose text changed; price and stock changes cost no forward pass', async () => {
    await admin.upsertProducts(
      [
        { id: 'P-NEW-ZORB', price: 2999, stock: 1 },
        { id: 'P-EAR-JBL', title: 'JBL Wave 200 true wireless earbuds with deep bass and a charging case' },
      ],
      DEFAULTS,
    );
    const r = await sync.sync();
    expect(r).toMatchObject({ changed: 2, embedded: 1, reused: 0 });
    const i = rec.catalog.indexOf('P-NEW-ZORB')!;
    expect(rec.catalog.price[i]).toBe(2999);
    expect(rec.catalog.items[rec.catalog.indexOf('P-EAR-JBL')!]!.title).toMatch(/deep bass/);
    // a title changed back to one embedded before reuses the cached vector
    await admin.upsertProducts([{ id: 'P-EAR-JBL', title: 'JBL Wave 200 true wireless earbuds' }], DEFAULTS);
    expect(await sync.sync()).toMatchObject({ changed: 1, embedded: 0, reused: 1 });
  });

  it('never suggests a removed product again: not for a query, not as related, not without a query', async () => {
    await admin.deleteProducts(['P-NEW-ZORB']);
    const r = await sync.sync();
    expect(r).toMatchObject({ removed: 1 });
    expect(await ids('zorblax espresso grinder', 10)).not.toContain('P-NEW-ZORB');
    for (let k = 0; k < 3; k++) expect((await rec.recommend({ customerId: `C-X${k}`, k: 50 })).map((x) => x.productId)).not.toContain('P-NEW-ZORB');
    expect(rec.related('P-CHG-MI33', { k: 20 }).map((x) => x.productId)).not.toContain('P-NEW-ZORB');
    // upserted again, it comes back
    await admin.upsertProducts([{ id: 'P-NEW-ZORB' }], DEFAULTS);
    await sync.sync();
    expect((await ids('zorblax espresso grinder'))[0]).toBe('P-NEW-ZORB');
  });

  it('a removal by another process leaves suggestions at the next request (live stock re-check), before any sync', async () => {
    await admin.deleteProducts(['P-NEW-ZORB']);
    expect(await ids('zorblax espresso grinder', 10)).not.toContain('P-NEW-ZORB');
    await sync.sync();
  });
});
