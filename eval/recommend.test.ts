import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './recommend.js';
import { embedItems, VectorCache } from '../recommender/item-embeddings.js';
import { testEncoder } from '../testing/recommender-support.js';

// The eval contract end to end on small temp files (real encoder), and the on-disk vector cache.

const dir = mkdtempSync(join(tmpdir(), 'shopbot-rec-eval-'));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await (await testEncoder()).close();
});

const ITEMS = [
  ['k1', 'Red coat rack Paris fashion', 'Home > Hooks'],
  ['k2', 'Blue coat rack Paris fashion', 'Home > Hooks'],
  ['k3', 'Yellow coat rack Paris fashion', 'Home > Hooks'],
  ['m1', 'Mini jigsaw circus parade', 'Toys > Puzzles'],
  ['m2', 'Mini jigsaw spaceboy', 'Toys > Puzzles'],
  ['m3', 'Mini jigsaw dolly girl', 'Toys > Puzzles'],
  ['t1', 'White hanging heart T-light holder', 'Home > Candles'],
  ['t2', 'Red hanging heart T-light holder', 'Home > Candles'],
  ['b1', 'Jumbo bag red retrospot', 'Bags'],
  ['b2', 'Jumbo bag pink polkadot', 'Bags'],
];

function writeFiles(): { interactions: string; items: string } {
  const items = join(dir, 'P.jsonl');
  writeFileSync(items, ITEMS.map(([id, title, category]) => JSON.stringify({ id, title, category })).join('\n') + '\n{"title":"no id"}\n');
  const lines: string[] = [];
  const t0 = 1_291_190_000; // epoch seconds
  const groups = [
    ['k1', 'k2', 'k3'],
    ['m1', 'm2', 'm3'],
    ['t1', 't2', 'b1'],
    ['b1', 'b2', 't1'],
  ];
  for (let u = 0; u < 24; u++) {
    const g = groups[u % groups.length]!;
    const order = u % 2 === 0 ? g : [g[1]!, g[0]!, g[2]!];
    // one basket: every line has the same ts; half the users' ts are ISO strings
    for (const item of order) lines.push(JSON.stringify({ user: `u${u}`, item, ts: u % 2 ? t0 + u * 60 : new Date((t0 + u * 60) * 1000).toISOString() }));
  }
  lines.push(JSON.stringify({ user: 'lonely', item: 'k1', ts: t0 }));
  lines.push(JSON.stringify({ user: 'x', item: 'unknown-item', ts: t0 }));
  lines.push('not json');
  lines.push(JSON.stringify({ user: 'y', item: 'k1', ts: 'yesterday' }));
  const interactions = join(dir, 'I.jsonl');
  writeFileSync(interactions, lines.join('\n') + '\n');
  return { interactions, items };
}

describe('eval recommend (contract)', () => {
  it('prints exactly the contract keys, with the popularity baseline from the same run', async () => {
    const f = writeFiles();
    const out = await main(['--interactions', f.interactions, '--items', f.items, '--cache-dir', join(dir, 'cache'), '--dump', join(dir, 'dump.jsonl')]);
    expect(Object.keys(out)).toEqual(['task', 'users', 'recall@10', 'ndcg@10', 'popularity_recall@10', 'popularity_ndcg@10', 'coverage@10']);
    expect(out.task).toBe('recommend');
    expect(out.users).toBe(24);
    for (const key of ['recall@10', 'ndcg@10', 'popularity_recall@10', 'popularity_ndcg@10', 'coverage@10']) {
      expect(out[key]).toBeGreaterThanOrEqual(0);
      expect(out[key]).toBeLessThanOrEqual(1);
    }
    // 10 items + 1 only seen in the interactions; each user has 7 unseen candidates, so recall@10 is 1
    expect(out['recall@10']).toBe(1);
    // with real baskets of look-alike items, the hybrid ranks the held-out item higher than popularity
    expect(Number(out['ndcg@10'])).toBeGreaterThan(Number(out['popularity_ndcg@10']));
    const dump = readFileSync(join(dir, 'dump.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(dump).toHaveLength(24);
    // the held-out item is the last line of the basket (same ts: line order decides)
    expect(dump.find((d) => d.user === 'u0').target).toBe('k3');
    expect(dump.find((d) => d.user === 'u1').target).toBe('m3');
  });

  it('--events adds session_next_item (popularity, profile, profile + session, request text as query) and leaves the other keys as they were', async () => {
    const f = writeFiles();
    const events: string[] = [];
    let t = Date.parse('2026-01-01T00:00:00Z');
    for (let u = 0; u < 30; u++) {
      const [x, y] = u % 2 ? ['k1', 'k2'] : ['m1', 'm2'];
      for (const item of [x, y]) events.push(JSON.stringify({ customer_id: `s${u}`, product_id: item, type: 'view', ts: new Date((t += 60_000)).toISOString() }));
      for (const item of [x, y]) events.push(JSON.stringify({ customer_id: `s${u}`, product_id: item, type: 'purchase', ts: new Date(t + 60_000).toISOString() }));
      t += 86_400_000;
    }
    const path = join(dir, 'E.jsonl');
    writeFileSync(path, events.join('\n') + '\n');
    const base = await main(['--interactions', f.interactions, '--items', f.items, '--cache-dir', join(dir, 'cache'), '--no-tune']);
    const out = await main(['--interactions', f.interactions, '--items', f.items, '--cache-dir', join(dir, 'cache'), '--no-tune', '--events', path]);
    expect(Object.keys(out)).toEqual([...Object.keys(base), 'session_next_item']);
    for (const key of Object.keys(base)) expect(out[key]).toEqual(base[key]);
    const s = out.session_next_item as Record<string, number>;
    expect(Object.keys(s)).toEqual(['sessions_scored', 'customers', 'queries', 'popularity_hit@10', 'profile_hit@10', 'profile_session_hit@10', 'request_text_as_query_hit@10', 'with_profile']);
    expect(s.queries).toBe(24); // 30 sessions, one point each, the first 20% train only
    expect(s['profile_session_hit@10']).toBe(1);
  });

  it('--k changes the cutoff in the keys; errors are clear', async () => {
    const f = writeFiles();
    const out = await main(['--interactions', f.interactions, '--items', f.items, '--k', '3', '--cache-dir', join(dir, 'cache'), '--no-tune']);
    expect(Object.keys(out)).toEqual(['task', 'users', 'recall@3', 'ndcg@3', 'popularity_recall@3', 'popularity_ndcg@3', 'coverage@3']);
    await expect(main(['--items', f.items])).rejects.toThrow(/usage/);
    await expect(main(['--interactions', f.interactions, '--items', f.items, '--k', '0'])).rejects.toThrow(/positive integer/);
    const tiny = join(dir, 'tiny.jsonl');
    writeFileSync(tiny, '{"user":"a","item":"k1","ts":1}\n{"user":"a","item":"k2","ts":2}\n');
    await expect(main(['--interactions', tiny, '--items', f.items, '--content', 'off'])).rejects.toThrow(/at least 3/);
  });
});

describe('item vector cache', () => {
  it('reuses vectors keyed by text and encoder checksum, re-embeds changed text, survives a corrupt file', async () => {
    const enc = await testEncoder();
    const cacheDir = join(dir, 'vcache');
    const items = [
      { id: 'a', title: 'Stoneware coffee mug' },
      { id: 'b', title: 'USB-C charger 20W' },
    ];
    const first = await embedItems(enc, items, { cacheDir, silent: true });
    expect(first).toMatchObject({ embedded: 2, cached: 0 });
    const second = await embedItems(enc, [...items, { id: 'c', title: 'Scented candle' }], { cacheDir, silent: true });
    expect(second).toMatchObject({ embedded: 1, cached: 2 });
    expect(Array.from(second.matrix.data.subarray(0, 384))).toEqual(Array.from(first.matrix.data.subarray(0, 384)));
    const changed = await embedItems(enc, [{ id: 'a', title: 'Stoneware coffee mug, blue' }], { cacheDir, silent: true });
    expect(changed.embedded).toBe(1);
    const cache = new VectorCache(cacheDir, enc.checksum, 384);
    expect(cache.size).toBe(4);
    writeFileSync(cache.file, 'garbage');
    expect(new VectorCache(cacheDir, enc.checksum, 384).size).toBe(0);
    expect(new VectorCache(cacheDir, 'another-model', 384).size).toBe(0);
    // items without any text get a zero row and are never embedded
    const empty = await embedItems(enc, [{ id: 'z', title: '   ' }], { cacheDir, silent: true });
    expect(empty.embedded).toBe(0);
    expect(empty.matrix.data.every((x) => x === 0)).toBe(true);
  });
});
