import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { baseFixtures, product, review, seededStore } from '../testing/store-helpers.js';
import type { StaffRole, Store } from '../store/index.js';
import { analyzeReview, lazyAnalyzer, LexiconReviewAnalyzer } from '../reviews/insights-basic.js';
import { csvCell, toCsv, type ProductRow } from './insights-api.js';
import { monthRange, summarize, type InsightSummary, type ReviewAnalysis, type ReviewAnalyzer } from '../reviews/insights-core.js';
import { pageServer, seededFixtureStore } from '../testing/web-helpers.js';

interface ListBody {
  products: ProductRow[];
  total: number;
  categories: { category: string; count: number }[];
  analyzer: string;
}
interface DetailBody {
  status: string;
  product: { productId: string; title: string };
  summary: InsightSummary;
  progress?: { done: number; total: number };
}

function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  const s = text.replace(/^\uFEFF/, '');
  for (let i = 0; i < s.length; i++) {
    const c = s[i]!;
    if (quoted) {
      if (c === '"' && s[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && s[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell || row.length) {
    row.push(cell);
    rows.push(row);
  }
  return rows;
}

type PageServer = Awaited<ReturnType<typeof pageServer>>;

/** A staff account of `role` and its session token. */
async function staffToken(store: Store, role: StaffRole, email = `${role}-reader@example.com`): Promise<string> {
  const a = await store.agents.create({ name: `Reader (${role})`, email, password: 'reader-password', role });
  return (await store.agents.createSession(a.id)).token;
}

/** The page server with a signed-in product-team account's bearer token on every request. */
async function signedIn(store: Store, server: PageServer): Promise<PageServer> {
  const auth = { authorization: `Bearer ${await staffToken(store, 'product')}` };
  return {
    ...server,
    get: (path, headers = {}) => server.get(path, { ...auth, ...headers }),
    json: async <T = Record<string, unknown>>(path: string) => {
      const r = await server.get(path, auth);
      return { status: r.status, body: JSON.parse(r.body) as T };
    },
  };
}

describe('insights building blocks', () => {
  it('monthRange fills every month, across years', () => {
    expect(monthRange('2021-11', '2022-02')).toEqual(['2021-11', '2021-12', '2022-01', '2022-02']);
    expect(monthRange('2022-03', '2022-03')).toEqual(['2022-03']);
  });

  it('the lexicon analyzer finds aspects with their own polarity, with negation', () => {
    const a = analyzeReview({ id: 'r', rating: 3, title: 'Mixed', text: 'The battery life is great. The screen is not good and too dim.', date: '2024-01-01T00:00:00Z' });
    const byAspect = Object.fromEntries(a.aspects.map((m) => [m.aspect, m.sentiment]));
    expect(byAspect.battery).toBe('positive');
    expect(byAspect.screen).toBe('negative');
    expect(a.aspects.find((m) => m.aspect === 'battery')!.snippet).toBe('The battery life is great.');
  });

  it('summarize aggregates a date range with empty months, trends and extractive pros/cons', () => {
    const mk = (id: string, date: string, rating: number, sentiment: ReviewAnalysis['sentiment'], aspects: ReviewAnalysis['aspects'] = []): ReviewAnalysis => ({ reviewId: id, date, rating, sentiment, score: 0, aspects });
    const batt = (s: ReviewAnalysis['sentiment'], t: string) => [{ aspect: 'battery', sentiment: s, snippet: t }];
    const rows = [
      mk('a', '2023-01-05T00:00:00Z', 5, 'positive', batt('positive', 'Battery lasts for days.')),
      mk('b', '2023-01-20T00:00:00Z', 5, 'positive', batt('positive', 'Battery lasts for days.')),
      mk('c', '2023-02-10T00:00:00Z', 4, 'positive', batt('positive', 'Great battery.')),
      mk('d', '2023-04-02T00:00:00Z', 1, 'negative', batt('negative', 'Battery died after a week.')),
      mk('e', '2023-05-02T00:00:00Z', 2, 'negative', batt('negative', 'Battery died after a week.')),
      mk('f', '2023-06-02T00:00:00Z', 1, 'negative', batt('negative', 'The battery drains fast.')),
      mk('g', '2024-06-02T00:00:00Z', 3, 'neutral'),
    ];
    const s = summarize(rows, { to: '2023-12-31T23:59:59.999Z' });
    expect(s.reviews).toBe(6);
    expect(s.distribution).toEqual({ '1': 2, '2': 1, '3': 0, '4': 1, '5': 2 });
    expect(s.monthly.map((m) => m.month)).toEqual(['2023-01', '2023-02', '2023-03', '2023-04', '2023-05', '2023-06']);
    expect(s.monthly.find((m) => m.month === '2023-03')!.count).toBe(0);
    expect(s.monthly.reduce((n, m) => n + m.count, 0)).toBe(6);
    const battery = s.aspects.find((a) => a.aspect === 'battery')!;
    expect(battery.mentions).toBe(6);
    expect(battery.positiveShare).toBeCloseTo(0.5);
    expect(battery.direction).toBe('down');
    expect(battery.trend.map((t) => t.period)).toEqual(['2023-Q1', '2023-Q2']);
    expect(s.pros[0]!.aspect).toBe('battery');
    expect(s.pros[0]!.reviewIds.sort()).toEqual(['a', 'b', 'c']);
    expect(s.cons[0]!.reviewIds.sort()).toEqual(['d', 'e', 'f']);
    expect(['Battery died after a week.', 'The battery drains fast.']).toContain(s.cons[0]!.text);
    expect(s.sentiment.positive).toBeCloseTo(0.5);
  });

  it('CSV cells are quoted and defused against formula injection', () => {
    expect(csvCell('plain')).toBe('plain');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell('say "hi"')).toBe('"say ""hi"""');
    expect(csvCell('line\nbreak')).toBe('"line\nbreak"');
    expect(csvCell('=HYPERLINK("http://evil")')).toBe(`"'=HYPERLINK(""http://evil"")"`);
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    expect(csvCell(-0.5)).toBe('-0.5');
    expect(csvCell(null)).toBe('');
    expect(toCsv(['a', 'b'], [[1, 'x']])).toBe('a,b\r\n1,x\r\n');
  });

  it('lazyAnalyzer loads on first use and falls back to the lexicon when loading fails', async () => {
    const logs: string[] = [];
    const broken = lazyAnalyzer(async () => Promise.reject(new Error('model folder missing')), { log: (l) => logs.push(l) });
    const out = await broken.analyze([{ id: 'r1', rating: 5, title: '', text: 'Great sound.', date: '2024-01-01T00:00:00Z' }]);
    expect(out[0]!.sentiment).toBe('positive');
    expect(broken.name).toContain('lexicon');
    expect(logs.join('\n')).toContain('model folder missing');
    let loads = 0;
    const ok = lazyAnalyzer(async () => {
      loads++;
      return { name: 'fake-model', analyze: async (rs) => rs.map((r) => ({ reviewId: r.id, date: r.date, rating: r.rating, sentiment: 'neutral' as const, score: 0, aspects: [] })) };
    });
    expect(ok.name).toBe('loading');
    await Promise.all([ok.analyze([]), ok.analyze([])]);
    expect(loads).toBe(1);
    expect(ok.name).toBe('fake-model');
  });
});

describe('insights API on the seeded demo store', () => {
  let db: { store: Store; cleanup: () => void };
  let server: PageServer;
  const FIRE = 'P-DF-B01AHB9CN2';

  beforeAll(async () => {
    db = await seededFixtureStore();
    server = await signedIn(db.store, await pageServer(db.store, { warmTop: 0 }));
  });
  afterAll(async () => {
    await server?.close();
    db?.cleanup();
  });

  it('lists reviewed products, most reviews first, with counts matching the store', async () => {
    const { status, body } = await server.json<ListBody>('/api/insights/products?limit=30');
    expect(status).toBe(200);
    expect(body.total).toBe(1374);
    expect(body.products).toHaveLength(30);
    const counts = body.products.map((p) => p.reviews);
    expect(counts).toEqual([...counts].sort((a, b) => b - a));
    expect(body.products[0]!.productId).toBe(FIRE);
    expect(body.products[0]!.reviews).toBe((await db.store.reviews.stats(FIRE)).count);
    expect(body.products[0]!.meanRating).toBeCloseTo((await db.store.reviews.stats(FIRE)).mean!, 6);
    const s = body.products[0]!.sentiment;
    expect(s.positive + s.neutral + s.negative).toBeCloseTo(1);
    expect(body.categories.length).toBeGreaterThan(1);
    expect(body.analyzer).toBe('lexicon');
  });

  it('per-product numbers are each product\'s own: the catalogue rating and count beside the reviews, no stars copied from the catalogue (issue #15)', async () => {
    const { body } = await server.json<ListBody>('/api/insights/products?q=headphones&limit=2000');
    // Amazon India products: one review each, whose stars the fixture copied from the catalogue average.
    const firsts = await Promise.all(body.products.map(async (p) => (await db.store.reviews.listForProduct(p.productId, { limit: 1 })).items[0]!));
    const ai = body.products.filter((_p, i) => firsts[i]!.source === 'amazon-india');
    expect(ai.length).toBeGreaterThan(5);
    for (const row of ai) {
      const p = (await db.store.products.get(row.productId))!;
      expect(row.catalogRating).toBe(p.rating);
      expect(row.catalogRatingCount).toBe(p.ratingCount);
      expect(row.meanRating).toBeNull();
      expect(row.ratedReviews).toBe(0);
      expect(row.fewReviews).toBe(true);
    }
    // Not every headphone is "1 review, 4.0★": the numbers shown differ from product to product.
    expect(new Set(ai.map((r) => `${r.catalogRating}|${r.catalogRatingCount}`)).size).toBeGreaterThan(ai.length / 2);
    const one = await server.json<DetailBody & { product: { rating: number | null; ratingCount: number | null } }>(`/api/insights/products/${ai[0]!.productId}`);
    expect(one.body.summary.reviews).toBe(1);
    expect(one.body.summary.meanRating).toBeNull();
    expect(one.body.summary.fewReviews).toBe(true);
    expect(Object.values(one.body.summary.distribution).reduce((a, b) => a + b, 0)).toBe(0);
    expect(one.body.product.ratingCount).toBe(ai[0]!.catalogRatingCount);
    // Reviewers' own stars still count where they exist.
    const fire = (await server.json<ListBody>('/api/insights/products?limit=1')).body.products[0]!;
    expect(fire.ratedReviews).toBe(fire.reviews);
    expect(fire.meanRating).not.toBeNull();
  });

  it('filters by category and date range', async () => {
    const kindle = await server.json<ListBody>('/api/insights/products?category=Amazon%20Devices%20%3E%20Kindle&limit=2000');
    expect(kindle.body.products.length).toBeGreaterThan(0);
    expect(kindle.body.products.every((p) => p.category.startsWith('Amazon Devices > Kindle'))).toBe(true);
    const all = await server.json<ListBody>(`/api/insights/products?limit=1`);
    const ranged = await server.json<ListBody>(`/api/insights/products?limit=1&from=2017-01-01&to=2017-03-31`);
    expect(ranged.body.total).toBeLessThan(all.body.total);
    expect(ranged.body.products[0]!.lastReview! <= '2017-03-31T23:59:59.999Z').toBe(true);
    expect((await server.get('/api/insights/products?from=2018-01-01&to=2017-01-01')).status).toBe(400);
    expect((await server.get('/api/insights/products?from=yesterday')).status).toBe(400);
  });

  it('summarizes one product: distribution, monthly trend, aspects, extractive pros and cons', async () => {
    const { status, body } = await server.json<DetailBody>(`/api/insights/products/${FIRE}`);
    expect(status).toBe(200);
    expect(body.status).toBe('ready');
    const s = body.summary;
    expect(s.reviews).toBe(797);
    expect(Object.values(s.distribution).reduce((a, b) => a + b, 0)).toBe(797);
    expect(s.distribution).toEqual(Object.fromEntries(Object.entries((await db.store.reviews.stats(FIRE)).distribution).map(([k, v]) => [k, v])));
    expect(s.monthly.reduce((n, m) => n + m.count, 0)).toBe(797);
    expect(s.aspects.length).toBeGreaterThan(5);
    expect(s.pros.length).toBeGreaterThan(0);
    for (const p of [...s.pros, ...s.cons]) {
      const r = (await db.store.reviews.get(p.reviewId))!;
      expect(r.productId).toBe(FIRE);
      // Extractive: the sentence is copied from the cited review.
      expect(`${r.title}. ${r.text}`.replace(/\s+/g, ' ')).toContain(p.text.replace(/…$/, ''));
      expect(p.reviewIds).toContain(p.reviewId);
    }
  });

  it('after the analysis the list shows text sentiment for that product', async () => {
    await server.json(`/api/insights/products/${FIRE}`);
    const { body } = await server.json<ListBody>('/api/insights/products?limit=3');
    expect(body.products.find((p) => p.productId === FIRE)!.sentimentSource).toBe('text');
  });

  it('a date range narrows the summary', async () => {
    const { body } = await server.json<DetailBody>(`/api/insights/products/${FIRE}?from=2017-01-01&to=2017-01-31`);
    expect(body.summary.reviews).toBeGreaterThan(0);
    expect(body.summary.reviews).toBeLessThan(797);
    expect(body.summary.monthly.map((m) => m.month)).toEqual(['2017-01']);
  });

  it('lists the reviews behind an aspect, and reviews by id', async () => {
    const detail = (await server.json<DetailBody>(`/api/insights/products/${FIRE}`)).body.summary;
    const aspect = detail.aspects[0]!;
    const { status, body } = await server.json<{ reviews: { id: string; text: string; aspects: { aspect: string }[]; highlight: string | null }[]; total: number }>(
      `/api/insights/products/${FIRE}/reviews?aspect=${encodeURIComponent(aspect.aspect)}&pageSize=5`,
    );
    expect(status).toBe(200);
    expect(body.total).toBe(aspect.mentions);
    expect(body.reviews).toHaveLength(5);
    for (const r of body.reviews) {
      expect(r.aspects.map((a) => a.aspect)).toContain(aspect.aspect);
      expect(r.highlight).toBeTruthy();
    }
    const ids = detail.pros[0]!.reviewIds.slice(0, 3);
    const byIds = await server.json<{ reviews: { id: string }[] }>(`/api/insights/products/${FIRE}/reviews?ids=${ids.join(',')}`);
    expect(byIds.body.reviews.map((r) => r.id).sort()).toEqual([...ids].sort());
    expect((await server.get(`/api/insights/products/${FIRE}/reviews?polarity=angry`)).status).toBe(400);
  });

  it('exports the product list as CSV and JSON', async () => {
    const csv = await server.get('/api/insights/export.csv?category=Amazon%20Devices');
    expect(csv.status).toBe(200);
    expect(csv.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(String(csv.headers['content-disposition'])).toMatch(/^attachment; filename="insights-products-\d{4}-\d{2}-\d{2}\.csv"$/);
    const rows = parseCsv(csv.body);
    expect(rows[0]).toEqual(['product_id', 'title', 'category', 'reviews', 'rated_reviews', 'mean_rating', 'catalog_rating', 'catalog_rating_count', 'positive_share', 'neutral_share', 'negative_share', 'sentiment_score', 'sentiment_source', 'last_review']);
    expect(rows.length).toBeGreaterThan(5);
    expect(rows.slice(1).every((r) => r.length === 14 && r[2]!.startsWith('Amazon Devices'))).toBe(true);
    const json = await server.json<{ products: ProductRow[] }>('/api/insights/export.json?category=Amazon%20Devices');
    expect(json.body.products.length).toBe(rows.length - 1);
  });

  it('exports one product as aspect, monthly and review tables', async () => {
    const aspects = parseCsv((await server.get(`/api/insights/export.csv?productId=${FIRE}`)).body);
    expect(aspects[0]![2]).toBe('aspect');
    expect(aspects.length).toBeGreaterThan(5);
    const monthly = parseCsv((await server.get(`/api/insights/export.csv?productId=${FIRE}&table=monthly`)).body);
    expect(monthly[0]![0]).toBe('month');
    expect(monthly.slice(1).reduce((n, r) => n + Number(r[1]), 0)).toBe(797);
    const reviews = parseCsv((await server.get(`/api/insights/export.csv?productId=${FIRE}&table=reviews`)).body);
    expect(reviews).toHaveLength(798);
    const json = await server.json<{ summary: InsightSummary }>(`/api/insights/export.json?productId=${FIRE}`);
    expect(json.body.summary.reviews).toBe(797);
    expect((await server.get(`/api/insights/export.csv?productId=${FIRE}&table=secrets`)).status).toBe(400);
    expect((await server.get(`/api/insights/export.csv?productId=P-NOPE`)).status).toBe(404);
  });

  it('unknown products and malformed paths are 404', async () => {
    expect((await server.get('/api/insights/products/P-NOPE')).status).toBe(404);
    expect((await server.get('/api/insights/products/a/b/c')).status).toBe(404);
    expect((await server.get('/api/insights/products/%E0%A4%A')).status).toBe(400);
  });
});

describe('insights API: slow analyzers, hostile data', () => {
  let t: Awaited<ReturnType<typeof seededStore>>;
  let server: PageServer;
  let release: () => void = () => {};
  let calls = 0;

  beforeAll(async () => {
    const set = baseFixtures();
    set.products.push(
      product('PX', { title: '=HYPERLINK("http://evil.example","click")', category: 'Evil > Formulas' }),
      product('PH', { title: '<script>alert(1)</script> Headphones', category: 'Electronics > Audio' }),
    );
    set.reviews.push(
      review('RX1', 'PX', { rating: 1, title: '@SUM(A1:A9)', text: '=cmd|" /C calc"!A0 battery is bad', date: '2024-02-01T00:00:00.000Z' }),
      ...Array.from({ length: 40 }, (_, i) => review(`RH${i}`, 'PH', { rating: i % 5 === 0 ? 2 : 5, text: i % 5 === 0 ? 'The sound is bad.' : 'Great sound, love it.', date: `2024-0${1 + (i % 6)}-1${i % 9}T00:00:00.000Z` })),
    );
    t = await seededStore(set);
    // An analyzer that waits for the test to let it go, one batch at a time.
    const lex = new LexiconReviewAnalyzer();
    const slow: ReviewAnalyzer = {
      name: 'slow',
      async analyze(reviews) {
        calls++;
        await new Promise<void>((r) => {
          release = r;
        });
        return lex.analyze(reviews);
      },
    };
    server = await signedIn(t.store, await pageServer(t.store, { analyzer: slow }));
  });
  afterAll(async () => {
    release();
    await server?.close();
    t?.cleanup();
  });

  it('answers 202 with progress while the analysis runs, then 200, and keeps serving meanwhile', async () => {
    const first = await server.json<DetailBody>('/api/insights/products/PH');
    expect(first.status).toBe(202);
    expect(first.body.status).toBe('computing');
    expect(first.body.progress).toEqual({ done: 0, total: 40 });
    // The server is not blocked: other requests are answered while the analysis waits.
    expect((await server.get('/api/catalog?q=headphones')).status).toBe(200);
    for (let i = 0; i < 10; i++) {
      release();
      await new Promise((r) => setTimeout(r, 20));
    }
    const done = await server.json<DetailBody>('/api/insights/products/PH');
    expect(done.status).toBe(200);
    expect(done.body.summary.reviews).toBe(40);
    expect(done.body.summary.aspects.find((a) => a.aspect === 'sound')!.mentions).toBe(40);
    // 40 reviews in batches of 32: two calls, and a second request did not start a second analysis.
    expect(calls).toBe(2);
  });

  it('defuses formulas in exported CSV and keeps markup as text in JSON', async () => {
    const p = server.get('/api/insights/export.csv?productId=PX&table=reviews');
    for (let i = 0; i < 5; i++) {
      await new Promise((r) => setTimeout(r, 30));
      release();
    }
    const rows = parseCsv((await p).body);
    const row = rows.find((r) => r[0] === 'RX1')!;
    expect(row[5]).toBe("'@SUM(A1:A9)");
    expect(row[6]).toBe(`'=cmd|" /C calc"!A0 battery is bad`);
    const list = parseCsv((await server.get('/api/insights/export.csv')).body);
    const px = list.find((r) => r[0] === 'PX')!;
    expect(px[1]).toBe(`'=HYPERLINK("http://evil.example","click")`);
    const json = await server.json<{ products: ProductRow[] }>('/api/insights/export.json');
    expect(json.body.products.find((p) => p.productId === 'PH')!.title).toBe('<script>alert(1)</script> Headphones');
  });
});

describe('insights API: staff only', () => {
  let t: Awaited<ReturnType<typeof seededStore>>;
  let open: PageServer;
  let productOnly: PageServer;
  const PATHS = ['/api/insights/products', '/api/insights/products/P1', '/api/insights/products/P1/reviews', '/api/insights/export.csv', '/api/insights/export.json?productId=P1'];

  beforeAll(async () => {
    t = await seededStore(baseFixtures());
    open = await pageServer(t.store, { warmTop: 0 });
    productOnly = await pageServer(t.store, { warmTop: 0, insightsRoles: ['product'] });
  });
  afterAll(async () => {
    await open?.close();
    await productOnly?.close();
    t?.cleanup();
  });

  it('401 without a live staff session, on every route and export; the catalogue stays public', async () => {
    const revoked = await staffToken(t.store, 'agent', 'revoked@example.com');
    await t.store.agents.revokeSession(revoked);
    for (const path of PATHS) {
      for (const headers of [{} as Record<string, string>, { authorization: 'Bearer not-a-token' }, { authorization: `Bearer ${revoked}` }, { authorization: 'Basic YWdlbnQ6cHc=' }]) {
        const r = await open.get(path, headers);
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
        expect(r.headers['www-authenticate']).toBe('Bearer');
        expect(r.body).not.toMatch(/P1|Product/);
      }
    }
    expect((await open.get('/api/catalog')).status).toBe(200);
    expect((await open.get('/api/catalog/product?id=P1')).status).toBe(200);
  });

  it('200 for agents, admins and the product team; 403 for a role the routes do not allow', async () => {
    for (const role of ['agent', 'admin', 'product'] as const) {
      const auth = { authorization: `Bearer ${await staffToken(t.store, role)}` };
      for (const path of PATHS) expect((await open.get(path, auth)).status, `${role} ${path}`).toBe(200);
      const restricted = await productOnly.get('/api/insights/export.csv', auth);
      expect(restricted.status, role).toBe(role === 'product' ? 200 : 403);
    }
  });
});
