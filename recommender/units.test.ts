import { describe, expect, it } from 'vitest';
import { CoOccurrence } from './cooccurrence.js';
import { coordinateSearch, leaveLastOut, MetricAccumulator, ndcgForRank, PopularityBaseline, rankUnder, sampleKeys, type EvalInteraction } from '../eval/recommend-metrics.js';
import { itemText, normalizeInPlace } from './item-embeddings.js';
import { MemoryEvents, parseTime } from './memory-sources.js';
import { Popularity } from './popularity.js';
import { CustomerProfile, profileOptions } from './profile.js';
import { categoryLevels, diversify, FrequencyCap, isConsumable, leafCategory, matchesCategory } from './rules.js';
import { dotEngine, Int8DotEngine } from './simd-dot.js';
import { LexicalIndex, queryTerms, tokenize } from './text-match.js';
import { TopK } from './topk.js';

// Fast unit tests of the recommender's parts (no model, no database).

function randomMatrix(n: number, dim: number, seed = 1) {
  let a = seed;
  const r = () => ((a = (a * 1103515245 + 12345) >>> 0) / 2 ** 32) - 0.5;
  const data = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) normalizeInPlace(data.subarray(i * dim, (i + 1) * dim).map(() => r()) as Float32Array).forEach((x, d) => (data[i * dim + d] = x));
  return { n, dim, data };
}

describe('TopK', () => {
  it('keeps the k best, ties broken by the smaller index', () => {
    const t = new TopK(3);
    [5, 1, 9, 9, 3, 7, 9].forEach((s, i) => t.push(i, s));
    expect(t.sorted()).toEqual([
      { i: 2, s: 9 },
      { i: 3, s: 9 },
      { i: 6, s: 9 },
    ]);
    const u = new TopK(10);
    u.push(4, 1);
    expect(u.sorted()).toEqual([{ i: 4, s: 1 }]);
    expect(u.threshold).toBe(-Infinity);
  });
});

describe('CoOccurrence (item-kNN from baskets)', () => {
  it('ranks what is bought together first and updates incrementally on a purchase', () => {
    const c = new CoOccurrence(5);
    c.add('u1', 0, 'b1');
    c.add('u1', 1, 'b1');
    c.add('u2', 0, 'b2');
    c.add('u2', 1, 'b2');
    c.add('u3', 0, 'b3');
    c.add('u3', 2, 'b3');
    expect(Array.from(c.neighbours(0).idx)).toEqual([1, 2]);
    expect(c.neighbours(3).idx.length).toBe(0);
    // a new purchase is visible at once
    c.add('u4', 3, 'b4');
    c.add('u4', 0, 'b4');
    expect(Array.from(c.neighbours(3).idx)).toEqual([0]);
    expect(Array.from(c.neighbours(0).idx)).toContain(3);
    expect(c.add('u4', 0, 'b4')).toBe(false); // repeat purchase
    expect(c.buyers(0)).toBe(4);
  });

  it('weights same-basket pairs over cross-basket ones and near lines over far ones', () => {
    const c = new CoOccurrence(6, { crossBasketWeight: 0.1 });
    for (const u of ['a', 'b']) {
      c.add(u, 0, `${u}1`);
      c.add(u, 1, `${u}1`);
      c.add(u, 2, `${u}1`);
      c.add(u, 3, `${u}1`);
      c.add(u, 4, `${u}2`); // later basket
    }
    const nb = c.neighbours(0);
    const sim = (j: number) => nb.sim[Array.from(nb.idx).indexOf(j)]!;
    expect(sim(1)).toBeGreaterThan(sim(3)); // adjacent line beats a line 3 apart
    expect(sim(3)).toBeGreaterThan(sim(4)); // same basket beats another basket
  });

  it('keeps only topN neighbours and scores a weighted history with the best source item', () => {
    const c = new CoOccurrence(30, { topN: 5 });
    for (let j = 1; j < 30; j++) {
      c.add(`u${j}`, 0, `b${j}`);
      c.add(`u${j}`, j, `b${j}`);
    }
    expect(c.neighbours(0).idx.length).toBe(5);
    const scores = new Float32Array(30);
    const best = new Int32Array(30).fill(-1);
    const bestC = new Float32Array(30);
    const touched: number[] = [];
    c.scoreInto([{ item: 7, weight: 1 }], scores, best, bestC, touched);
    expect(touched).toEqual([0]);
    expect(best[0]).toBe(7);
  });
});

describe('Popularity', () => {
  it('all-time counts, trending decays, and a rating prior orders unsold products', () => {
    const p = new Popularity(3, { trendingHalfLifeDays: 1 });
    p.setPrior(2, 5, 1000);
    p.setPrior(1, 3, 10);
    expect(p.scores()[2]).toBe(1); // only the prior so far
    const day = 86_400_000;
    p.add(0, 'purchase', 0);
    p.add(0, 'purchase', 0);
    p.add(1, 'purchase', 10 * day);
    expect(p.scores()[0]).toBe(1);
    expect(p.trending()[1]).toBe(1); // recent beats old
    expect(p.trending()[0]).toBeLessThan(0.01);
    p.add(1, 'impression', 10 * day); // impressions never count
    expect(p.hasEvents(2)).toBe(false);
  });
});

describe('CustomerProfile', () => {
  it('weights purchases over views, recent over old, and later lines of one order over earlier ones', () => {
    const p = new CustomerProfile('c', profileOptions({ positionDecay: 0.5, halfLifeDays: 30 }));
    const day = 86_400_000;
    p.add({ item: 1, type: 'view', ts: 100 * day });
    p.add({ item: 2, type: 'purchase', ts: 100 * day });
    p.add({ item: 3, type: 'purchase', ts: 10 * day }); // inserted in time order
    p.add({ item: 4, type: 'impression', ts: 100 * day });
    const h = p.weightedHistory(400 * day); // long after: weights are relative to the last event
    expect(h.map((x) => x.item)).toEqual([2, 1, 3]);
    expect(h[0]!.weight).toBeCloseTo(1, 5);
    expect(p.purchased.has(2)).toBe(true);
    expect(p.impressions.get(4)).toMatchObject({ count: 1, engaged: false });
    const m = { n: 5, dim: 2, data: Float32Array.from([0, 0, 1, 0, 0, 1, 1, 0, 0, 0]) };
    const v = p.interestVector(400 * day, m)!;
    expect(Math.hypot(v[0]!, v[1]!)).toBeCloseTo(1, 5);
    expect(new CustomerProfile('x', profileOptions()).interestVector(0, m)).toBeNull();
  });
});

describe('rules', () => {
  it('matches categories by path, prefix or level, tolerant of plurals', () => {
    const cat = 'Electronics > Mobile Accessories > Chargers';
    expect(matchesCategory(cat, 'charger')).toBe(true);
    expect(matchesCategory(cat, 'Electronics > Mobile Accessories')).toBe(true);
    expect(matchesCategory(cat, 'electronics')).toBe(true);
    expect(matchesCategory(cat, 'Mobile Accessories > Chargers')).toBe(false); // a multi-level filter is a prefix
    expect(matchesCategory(cat, 'Cables')).toBe(false);
    expect(matchesCategory(undefined, 'Cables')).toBe(false);
    expect(matchesCategory(cat, '  ')).toBe(true);
    expect(leafCategory(cat)).toBe('Chargers');
    expect(categoryLevels('A >  B >')).toEqual(['a', 'b']);
    expect(isConsumable('Grocery > Coffee', ['coffee'])).toBe(true);
    expect(isConsumable('Home > Mugs', ['coffee'])).toBe(false);
  });

  it('diversify caps a category and keeps at most two near-duplicates', () => {
    const dim = 4;
    const rows = [
      [1, 0, 0, 0],
      [1, 0, 0, 0],
      [1, 0, 0, 0],
      [0, 1, 0, 0],
      [0, 0, 1, 0],
      [0, 0, 0, 1],
    ];
    const m = { n: rows.length, dim, data: Float32Array.from(rows.flat()) };
    const cands = rows.map((_, i) => ({ item: i, score: 10 - i }));
    const leaf = (i: number) => (i < 5 ? 'A' : 'B');
    const picked = diversify(cands, m, leaf, 6, { maxPerCategory: 3 }).map((c) => c.item);
    expect(picked).toEqual([0, 1, 3, 5]); // item 2: third near-duplicate; item 4: category A full
    expect(diversify(cands, m, leaf, 6, { maxPerCategory: 0, maxNearDuplicates: 1 }).map((c) => c.item)).toEqual([0, 3, 4, 5]);
    expect(diversify([], m, leaf, 3)).toEqual([]);
  });

  it('frequency cap with an injected clock', () => {
    const cap = new FrequencyCap({ minGapMs: 1000, maxPerWindow: 2, windowMs: 10_000 });
    expect(cap.allows('c', 0)).toBe(true);
    cap.note('c', 0);
    expect(cap.allows('c', 500)).toBe(false);
    expect(cap.allows('c', 1500)).toBe(true);
    cap.note('c', 1500);
    expect(cap.allows('c', 5000)).toBe(false); // 2 in the window
    expect(cap.allows('c', 11_000)).toBe(true); // the first one left the window
    expect(cap.allows('other', 0)).toBe(true);
  });
});

describe('text matching', () => {
  it('tokenizes, drops numbers and stopwords, stems plurals', () => {
    expect(tokenize('USB-C Chargers, 2 pack')).toEqual(['usb', 'c', 'charger', 'pack']);
    expect(queryTerms('a cheap charger for my phone under 500').map((t) => t.word)).toEqual(['charger', 'phone']);
    const lex = new LexicalIndex();
    lex.add(0, 'Fast phone charger');
    lex.add(1, 'Phone case');
    lex.add(2, 'Coffee mug');
    const out = new Float32Array(3);
    const mask = new Uint16Array(3);
    const touched = lex.score(queryTerms('charger for phone'), out, mask);
    expect(touched.sort()).toEqual([0, 1]);
    expect(out[0]).toBeCloseTo(1, 5);
    expect(out[1]!).toBeGreaterThan(0);
    expect(out[1]!).toBeLessThan(out[0]!);
    expect(mask[0]).toBe(0b11);
  });
  it('builds item text title first and bounded', () => {
    expect(itemText({ title: 'Mug', category: 'Home > Mugs', description: 'Blue\n\nceramic' })).toBe('Mug. Home > Mugs. Blue ceramic');
    expect(itemText({ title: 'x', description: 'y'.repeat(5000) }).length).toBe(503);
    expect(itemText({ title: 'x'.repeat(2000) }).length).toBe(1200);
  });
});

describe('SIMD dot products', () => {
  it('wasm f32 equals the scalar loop; int8 is within 1e-2', () => {
    const m = randomMatrix(257, 384);
    const v = m.data.slice(5 * 384, 6 * 384);
    const a = dotEngine({ ...m, data: m.data.slice() }).dots(v, new Float32Array(257));
    const b = dotEngine({ ...m, data: m.data.slice() }, { simd: false }).dots(v, new Float32Array(257));
    for (let i = 0; i < 257; i++) expect(a[i]).toBeCloseTo(b[i]!, 5);
    expect(a[5]).toBeCloseTo(1, 5);
    const c = Int8DotEngine.create(m)!.dots(v, new Float32Array(257));
    for (let i = 0; i < 257; i++) expect(Math.abs(c[i]! - b[i]!)).toBeLessThan(1e-2);
    // odd dims fall back to the scalar loop
    const odd = { n: 2, dim: 3, data: Float32Array.from([1, 0, 0, 0, 1, 0]) };
    expect(Array.from(dotEngine(odd).dots(Float32Array.from([0, 1, 0]), new Float32Array(2)))).toEqual([0, 1]);
    expect(Int8DotEngine.create(odd)).toBeNull();
  });
});

describe('sources', () => {
  it('parses epoch seconds, epoch ms and ISO times', () => {
    expect(parseTime(1_700_000_000)).toBe(1_700_000_000_000);
    expect(parseTime(1_700_000_000_000)).toBe(1_700_000_000_000);
    expect(parseTime('1700000000')).toBe(1_700_000_000_000);
    expect(parseTime('2010-12-01T08:26:00Z')).toBe(Date.parse('2010-12-01T08:26:00Z'));
    expect(parseTime('2010-12-01 08:26:00')).toBe(Date.parse('2010-12-01T08:26:00Z'));
    expect(parseTime('2010-12-01')).toBe(Date.parse('2010-12-01T00:00:00Z'));
    expect(parseTime('2010-12-01T08:26:00+01:00')).toBe(Date.parse('2010-12-01T07:26:00Z'));
    expect(parseTime('soon')).toBeNull();
    expect(parseTime(null)).toBeNull();
  });
  it('MemoryEvents keeps per-customer time order, stable for equal times', () => {
    const ev = new MemoryEvents([
      { customerId: 'a', productId: 'p2', type: 'purchase', ts: 10 },
      { customerId: 'a', productId: 'p1', type: 'view', ts: 5 },
      { customerId: 'a', productId: 'p3', type: 'purchase', ts: 10 },
    ]);
    expect(ev.history('a', 10).map((e) => e.productId)).toEqual(['p1', 'p2', 'p3']);
    expect(ev.history('a', 1).map((e) => e.productId)).toEqual(['p3']);
    expect([...ev.purchases()].map((e) => e.productId)).toEqual(['p2', 'p3']);
    expect(ev.history('nobody', 5)).toEqual([]);
  });
});

describe('evaluation core', () => {
  const row = (user: string, item: string, ts: number, line: number): EvalInteraction => ({ user, item, ts, line });

  it('holds out the last item by ts, ties by line order; collapses repeats; needs 3 distinct items', () => {
    const rows = [row('u', 'a', 1, 0), row('u', 'c', 2, 3), row('u', 'b', 2, 2), row('u', 'a', 3, 4), row('v', 'a', 1, 5), row('v', 'b', 1, 6)];
    const s = leaveLastOut(rows);
    expect(s.test.get('u')).toBe('c'); // same ts as b, later line; the later repeat of a is collapsed
    expect(s.test.has('v')).toBe(false);
    expect(s.duplicates).toBe(1);
    expect(s.train.map((r) => `${r.user}${r.item}`)).toEqual(['ua', 'va', 'vb', 'ub']);
  });

  it('ndcg, recall, coverage and the popularity baseline', () => {
    expect(ndcgForRank(0, 10)).toBe(1);
    expect(ndcgForRank(1, 10)).toBeCloseTo(1 / Math.log2(3));
    expect(ndcgForRank(10, 10)).toBe(0);
    expect(ndcgForRank(-1, 10)).toBe(0);
    const m = new MetricAccumulator();
    m.add(['x', 'y'], 'y', 10);
    m.add(['x', 'z'], 'q', 10);
    expect(m.recall).toBe(0.5);
    expect(m.meanNdcg).toBeCloseTo(0.5 / Math.log2(3));
    expect(m.recommended.size).toBe(3);
    const base = new PopularityBaseline([row('a', 'p', 0, 0), row('b', 'p', 0, 1), row('b', 'q', 0, 2), row('c', 'r', 0, 3)]);
    expect(base.recommend(new Set(), 2)).toEqual(['p', 'q']);
    expect(base.recommend(new Set(['p']), 2)).toEqual(['q', 'r']);
  });

  it('rankUnder counts better items with the recommender tie-break; coordinate search climbs', () => {
    expect(rankUnder(Float32Array.from([1, 2, 2, 0]), 2, new Set())).toBe(1);
    expect(rankUnder(Float32Array.from([1, 2, 2, 0]), 2, new Set([1]))).toBe(0);
    const best = coordinateSearch({ content: 0, collaborative: 1, popularity: 0, trending: 0, categoryPopularity: 0 }, (w) => -Math.abs(w.content - 2) - Math.abs(w.popularity - 0.2));
    expect(best.weights).toMatchObject({ content: 2, popularity: 0.2 });
    expect(sampleKeys(['a', 'b', 'c'], 5)).toEqual(['a', 'b', 'c']);
    expect(sampleKeys(['a', 'b', 'c', 'd'], 2)).toEqual(sampleKeys(['d', 'c', 'b', 'a'], 2));
  });
});
