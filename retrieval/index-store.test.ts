import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder, type LoadedEncoder } from '../nlu/encoder.js';
import { unitKey, type QaUnit } from './extract.js';
import { openStore } from '../store/index.js';
import { FaqIndex } from './index-store.js';
import { describeEngines } from '../testing/engines.js';
import { countingEncoder } from '../testing/counting-encoder.js';

const MODEL = resolve(new URL('..', import.meta.url).pathname, 'models/all-MiniLM-L6-v2');

const unit = (question: string, answer: string, group: string | null, source: string, ts: string | null = null): QaUnit => ({
  key: unitKey(question, group),
  question,
  answer,
  group,
  intent: group,
  sources: [source],
  ts,
});

const BASE: QaUnit[] = [
  unit('how do I cancel my order', 'Open My Orders and press Cancel next to the order.', 'cancel_order', 'T-1'),
  unit('where is my parcel', 'Follow the tracking link in your confirmation e-mail.', 'track_order', 'T-2'),
  unit('how can I get a refund', 'Refunds are paid to your card within 5 working days of the return.', 'get_refund', 'T-3'),
  unit('I forgot my password', 'Use "Forgot password" on the sign-in page to get a reset link.', 'recover_password', 'T-4'),
  unit('which payment methods do you accept', 'We accept cards, UPI, net banking and cash on delivery.', 'check_payment_methods', 'T-5'),
];

describe('FaqIndex', () => {
  let enc: LoadedEncoder;
  let dir: string;
  beforeAll(async () => {
    enc = await loadEncoder({ model: MODEL });
    dir = mkdtempSync(join(tmpdir(), 'faq-index-test-'));
  });
  afterAll(async () => {
    await enc.close();
    rmSync(dir, { recursive: true, force: true });
  });
  const paths = (name: string) => ({ dbPath: join(dir, name, 'shop.db') });

  it('persists to disk and reloads without calling the encoder', async () => {
    const e1 = countingEncoder(enc);
    const a = await FaqIndex.open({ ...paths('persist'), encoder: e1, log: () => undefined });
    const res = await a.add(BASE);
    expect(res).toMatchObject({ added: 5, merged: 0 });
    expect(e1.texts).toBe(5);
    const q = await enc.embed('where is my package?');
    const before = a.search(q, 3).map((h) => h.unit.question);
    await a.close();
    expect(existsSync(join(dir, 'persist', 'faq.hnsw'))).toBe(true);
    expect(readdirSync(join(dir, 'persist')).filter((f) => f.includes('.tmp-'))).toEqual([]);

    const e2 = countingEncoder(enc);
    const b = await FaqIndex.open({ ...paths('persist'), encoder: e2, log: () => undefined });
    expect(e2.texts).toBe(0);
    expect(b.loadReport).toMatchObject({ fromFile: 5, fromDb: 0, reembedded: 0, rebuilt: false });
    expect(b.size).toBe(5);
    expect(b.search(q, 3).map((h) => h.unit.question)).toEqual(before);
    expect(b.search(q, 1)[0]!.unit).toMatchObject({ question: 'where is my parcel', group: 'track_order', sources: ['T-2'] });
    expect(b.getMeta('checksum')).toBe(enc.checksum);
    expect(JSON.parse(b.getMeta('hnsw')!)).toMatchObject({ m: 16, efConstruction: 200 });
    await b.close();
  });

  it("lives on the store's connection: its tables are store migrations, and closing the index leaves the store open", async () => {
    const dbPath = join(dir, 'shared', 'shop.db');
    const store = openStore(dbPath);
    try {
      const versions = store.db.prepare<[], { name: string }>('SELECT name FROM schema_migrations').all().map((r) => r.name);
      expect(versions).toContain('faq_index');
      const idx = await FaqIndex.open({ dbPath, sql: store.sql, encoder: countingEncoder(enc), log: () => undefined });
      await idx.add(BASE.slice(0, 2));
      await idx.close();
      // The same connection still answers, and sees the index's rows.
      expect(store.db.prepare<[], { n: number }>('SELECT count(*) AS n FROM faq_units').get()!.n).toBe(2);
    } finally {
      store.close();
    }
  });

  it('restores units the saved graph does not have from their stored vectors (crash after add, lost file)', async () => {
    const e1 = countingEncoder(enc);
    const a = await FaqIndex.open({ ...paths('crash'), encoder: e1, autosaveMs: 60_000, log: () => undefined });
    await a.add(BASE.slice(0, 3));
    await a.save();
    await a.add(BASE.slice(3)); // committed to SQLite, not yet saved to faq.hnsw
    await a.sql.close(); // "crash": no save on close
    const e2 = countingEncoder(enc);
    const b = await FaqIndex.open({ ...paths('crash'), encoder: e2, log: () => undefined });
    expect(e2.texts).toBe(0);
    expect(b.loadReport).toMatchObject({ fromFile: 3, fromDb: 2 });
    expect(b.size).toBe(5);
    await b.close();

    writeFileSync(join(dir, 'crash', 'faq.hnsw'), 'garbage'); // corrupt file
    const e3 = countingEncoder(enc);
    const c = await FaqIndex.open({ ...paths('crash'), encoder: e3, log: () => undefined });
    expect(e3.texts).toBe(0);
    expect(c.loadReport).toMatchObject({ fromFile: 0, fromDb: 5, rebuilt: true });
    expect(c.search(await enc.embed('forgot password'), 1)[0]!.unit.group).toBe('recover_password');
    await c.close();
  });

  it('re-embeds and rebuilds when the model checksum changes', async () => {
    const a = await FaqIndex.open({ ...paths('model'), encoder: countingEncoder(enc), log: () => undefined });
    await a.add(BASE);
    await a.close();
    const other = countingEncoder(enc, 'another-model-checksum');
    const lines: string[] = [];
    const b = await FaqIndex.open({ ...paths('model'), encoder: other, quiet: true, log: (l) => lines.push(l) });
    expect(other.texts).toBe(5);
    expect(b.loadReport).toMatchObject({ reembedded: 5, rebuilt: true });
    expect(b.getMeta('checksum')).toBe('another-model-checksum');
    expect(lines.join('\n')).toMatch(/model changed/);
    expect(b.size).toBe(5);
    await b.close();
    const again = countingEncoder(enc, 'another-model-checksum');
    const c = await FaqIndex.open({ ...paths('model'), encoder: again, log: () => undefined });
    expect(again.texts).toBe(0);
    await c.close();
  });

  it('makes an online addition visible to the next search, and merges duplicates', async () => {
    const idx = await FaqIndex.open({ ...paths('online'), encoder: countingEncoder(enc), log: () => undefined });
    await idx.add(BASE);
    const q = await enc.embed('can I pay with a gift voucher?');
    expect(idx.search(q, 1)[0]!.unit.group).toBe('check_payment_methods');
    await idx.add([unit('can I pay with a gift voucher', 'Yes, gift vouchers can be redeemed at checkout.', 'gift_voucher', 'T-9')], { sourceIds: ['T-9'] });
    expect(idx.search(q, 1)[0]!.unit).toMatchObject({ group: 'gift_voucher', sources: ['T-9'] });
    expect(await idx.isIngested('T-9')).toBe(true);
    // Exact duplicate (other wording only in case/punctuation) and near duplicate merge into it.
    const dup = await idx.add([unit('Can I pay with a gift voucher?', 'Yes.', 'gift_voucher', 'T-10'), unit('can i pay with a gift voucher??', 'Yes!', 'gift_voucher', 'T-11')]);
    expect(dup).toMatchObject({ added: 0, merged: 2 });
    expect(idx.size).toBe(6);
    expect(idx.search(q, 1)[0]!.unit.sources).toEqual(['T-9', 'T-10', 'T-11']);
    // Group-less answers are clustered: two answers saying the same thing share a group.
    await idx.add([
      unit('do you deliver on sundays', 'Yes, we deliver seven days a week, Sundays included.', null, 'T-20'),
      unit('is there delivery at the weekend', 'Yes, we deliver seven days a week, including Sundays.', null, 'T-21'),
    ]);
    const g1 = idx.search(await enc.embed('do you deliver on sundays'), 1)[0]!.unit.group;
    const g2 = idx.search(await enc.embed('is there delivery at the weekend'), 1)[0]!.unit.group;
    expect(g1).toBe(g2);
    await idx.close();
  });

  it('serves concurrent readers while a writer adds: no torn reads, no lost additions', async () => {
    const idx = await FaqIndex.open({ ...paths('concurrent'), encoder: countingEncoder(enc), autosaveMs: 0, log: () => undefined });
    await idx.add(BASE);
    const q = await enc.embed('how do I cancel my order');
    const extra = Array.from({ length: 60 }, (_, i) => unit(`question number ${i} about product line ${i * 7} colour ${i % 5}`, `answer ${i}`, `g${i}`, `X-${i}`));
    let reads = 0;
    let writing = true;
    const reader = (async () => {
      while (writing) {
        const hits = idx.search(q, 10);
        for (const h of hits) {
          expect(h.unit).toBeDefined();
          expect(idx.unit(h.label)).toBe(h.unit);
        }
        expect(hits.length).toBe(Math.min(10, idx.size));
        reads++;
        await new Promise((r) => setImmediate(r));
      }
    })();
    // Many writers at once, each a single add, plus explicit saves in between.
    await Promise.all(extra.map((u, i) => (i % 15 === 0 ? idx.save().then(() => idx.add([u])) : idx.add([u]))));
    writing = false;
    await reader;
    expect(reads).toBeGreaterThan(5);
    expect(idx.size).toBe(65);
    for (const u of extra.slice(0, 10)) expect(idx.search(await enc.embed(u.question), 1)[0]!.unit.question).toBe(u.question);
    await idx.close();
    const again = await FaqIndex.open({ ...paths('concurrent'), encoder: countingEncoder(enc), log: () => undefined });
    expect(again.size).toBe(65);
    expect(again.loadReport.fromDb).toBe(0);
    expect(Number(again.getMeta('count'))).toBe(65);
    await again.close();
  });

  it('lets a second process pick up the writer’s additions with refresh()', async () => {
    const writer = await FaqIndex.open({ ...paths('refresh'), encoder: countingEncoder(enc), log: () => undefined });
    await writer.add(BASE.slice(0, 2));
    await writer.save();
    const reader = await FaqIndex.open({ ...paths('refresh'), encoder: countingEncoder(enc), readonly: true, log: () => undefined });
    expect(reader.size).toBe(2);
    await expect(reader.add(BASE.slice(0, 1))).rejects.toThrow(/read-only/);
    await writer.add(BASE.slice(2));
    expect(await reader.refresh()).toBe(3);
    expect(reader.size).toBe(5);
    await reader.close();
    await writer.close();
  });
});

describeEngines("FaqIndex on the store's SQL connection", (engine) => {
  let enc: LoadedEncoder;
  let dir: string;
  beforeAll(async () => {
    enc = await loadEncoder({ model: MODEL });
    dir = mkdtempSync(join(tmpdir(), `faq-index-${engine.name}-`));
  });
  afterAll(async () => {
    await enc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('adds, merges, removes and reloads its units from the faq_ tables; sources are taken in once', async () => {
    const sql = await engine.fresh();
    const where = { dbPath: join(dir, 'shop.db'), indexPath: join(dir, 'faq.hnsw') };
    const idx = await FaqIndex.open({ ...where, sql, encoder: countingEncoder(enc), autosaveMs: 0, log: () => undefined });
    expect((await idx.add(BASE, { sourceIds: ['T-1', 'T-2'] })).added).toBe(5);
    expect(await idx.isIngested('T-1')).toBe(true);
    expect(await idx.isIngested('T-9')).toBe(false);
    // A source taken in again (ON CONFLICT DO NOTHING), with and without units.
    expect((await idx.add([unit('How do I cancel my order?', 'Press Cancel.', 'cancel_order', 'T-6')], { sourceIds: ['T-1', 'T-6'] })).merged).toBe(1);
    await idx.add([], { sourceIds: ['T-2', 'T-7'] });
    expect(await idx.isIngested('T-7')).toBe(true);
    expect(await idx.keyTaken(BASE[1]!.key)).toBe(true);
    expect(await idx.keyTaken('no such key')).toBe(false);
    await idx.setMeta('kb:test', 'one');
    expect(idx.getMeta('kb:test')).toBe('one');
    const refund = idx.search(await enc.embed('I want my money back'), 1)[0]!;
    expect(refund.unit.group).toBe('get_refund');
    expect(await idx.remove(refund.label)).toBe(true);
    expect(idx.vectorOf(refund.label)).toBeUndefined();
    expect(idx.vectorOf(idx.search(await enc.embed('where is my parcel'), 1)[0]!.label)).toHaveLength(enc.dim);
    await idx.close();
    expect(Number((await sql.get<{ n: number }>('SELECT count(*) AS n FROM faq_sources'))!.n)).toBe(4);

    // The graph file is gone (a new node): everything comes back from the tables, nothing is embedded.
    rmSync(where.indexPath, { force: true });
    const e2 = countingEncoder(enc);
    const again = await FaqIndex.open({ ...where, sql, encoder: e2, log: () => undefined });
    expect(e2.texts).toBe(0);
    expect(again.size).toBe(4);
    expect(again.loadReport).toMatchObject({ fromFile: 0, fromDb: 4 });
    expect(again.getMeta('kb:test')).toBe('one');
    expect(again.search(await enc.embed('how do I cancel my order'), 1)[0]!.unit).toMatchObject({ group: 'cancel_order', sources: ['T-1', 'T-6'] });
    expect(again.search(await enc.embed('I want my money back'), 5).some((h) => h.unit.group === 'get_refund')).toBe(false);
    await again.close();
  });
});
