// Shared setup for the recommender tests (not a test file itself): a small realistic catalogue and
// order history, seeded into a REAL SQLite file through the store's own seeder, and the real encoder.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { loadEncoder, type LoadedEncoder } from '../nlu/encoder.js';
import { openStore, type Store } from '../store/index.js';
import { seed } from '../store/seed.js';
import { Recommender, type RecommenderOptions } from '../recommender/recommender.js';
import { StoreCatalog, StoreEvents, StoreIdentities } from '../recommender/store-sources.js';

export const MODEL = resolve(import.meta.dirname, '../models/all-MiniLM-L6-v2');

type Row = Record<string, unknown>;

const product = (id: string, title: string, category: string, price: number, over: Row = {}): Row => ({
  id,
  title,
  description: `${title}.`,
  category,
  price,
  currency: 'INR',
  stock: 20,
  image: null,
  rating: 4,
  rating_count: 100,
  source: 'test',
  ...over,
});

const CHARGERS = 'Electronics > Mobile Accessories > Chargers';
const CABLES = 'Electronics > Mobile Accessories > Cables';
const POWER = 'Electronics > Mobile Accessories > Power Banks';
const EARBUDS = 'Electronics > Headphones > Earbuds';
const OVER_EAR = 'Electronics > Headphones > Over-Ear';
const SPEAKERS = 'Electronics > Smart Home > Smart Speakers';
const MUGS = 'Home & Kitchen > Kitchen & Dining > Mugs';
const COFFEE = 'Home & Kitchen > Kitchen & Dining > Coffee';
const COOKWARE = 'Home & Kitchen > Kitchen & Dining > Cookware';
const CANDLES = 'Home & Gifts > Candles & Lights > Candles';
const NOTEBOOKS = 'Office Products > Stationery > Notebooks';
const BATTERIES = 'Electronics > Batteries > AA Batteries';

export const PRODUCTS: Row[] = [
  product('P-CHG-AMB20', 'Ambrane 20W USB-C Fast Charger for iPhone and Android phones', CHARGERS, 449),
  product('P-CHG-MI33', 'Mi 33W SonicCharge 2.0 phone charger with USB-C cable', CHARGERS, 799),
  product('P-CHG-PORT12', 'Portronics Adapto 12W mobile wall charger', CHARGERS, 299),
  product('P-CHG-BOAT24', 'boAt dual port 24W car charger for phones', CHARGERS, 399),
  product('P-CHG-SAM25', 'Samsung 25W Super Fast travel adapter charger', CHARGERS, 1299),
  product('P-CHG-ANK30', 'Anker Nano 30W USB-C charger for phones', CHARGERS, 450, { stock: 0 }),
  product('P-CBL-CC', 'USB-C to USB-C braided charging cable 1m', CABLES, 199),
  product('P-CBL-LTG', 'Lightning to USB charging cable for iPhone', CABLES, 249),
  product('P-PWB-MI10', 'Mi 10000mAh power bank with fast charging', POWER, 1099),
  product('P-PWB-AMB20', 'Ambrane 20000mAh power bank', POWER, 1499),
  product('P-EAR-BOAT141', 'boAt Airdopes 141 wireless earbuds', EARBUDS, 1299),
  product('P-EAR-JBL', 'JBL Wave 200 true wireless earbuds', EARBUDS, 2499),
  product('P-EAR-NORD', 'OnePlus Nord Buds wireless earbuds', EARBUDS, 2799),
  product('P-EAR-REALME', 'realme Buds Air wireless earbuds', EARBUDS, 1999),
  product('P-HP-SONY', 'Sony WH-1000XM4 wireless noise cancelling headphones', OVER_EAR, 19990),
  product('P-HP-BOAT450', 'boAt Rockerz 450 bluetooth on-ear headphones', OVER_EAR, 1499),
  product('P-SPK-ECHO', 'Echo Dot 4th Gen smart speaker with Alexa', SPEAKERS, 3499, { rating_count: 50000 }),
  product('P-MUG-SET6', 'Ceramic coffee mug set of 6', MUGS, 599),
  product('P-MUG-BLUE', 'Stoneware coffee mug, blue', MUGS, 299),
  product('P-MUG-RED', 'Stoneware coffee mug, red', MUGS, 299),
  product('P-MUG-GREEN', 'Stoneware coffee mug, green', MUGS, 299),
  product('P-MUG-YELLOW', 'Stoneware coffee mug, yellow', MUGS, 299),
  product('P-MUG-WHITE', 'Stoneware coffee mug, white', MUGS, 299),
  product('P-COF-BEANS', 'Arabica coffee beans 500g', COFFEE, 699),
  product('P-COF-INST', 'Instant coffee powder 200g jar', COFFEE, 349),
  product('P-COOK-PAN', 'Non-stick frying pan 24cm', COOKWARE, 899),
  product('P-COOK-PC', 'Stainless steel pressure cooker 3 litre', COOKWARE, 1599),
  product('P-CAN-LAV', 'Scented soy candle, lavender', CANDLES, 399),
  product('P-CAN-HEART', 'White hanging heart T-light holder', CANDLES, 280),
  product('P-CAN-STAR', 'Glass star frosted T-light holder', CANDLES, 370),
  product('P-NB-A5', 'A5 ruled notebook, pack of 3', NOTEBOOKS, 249),
  product('P-NB-SKETCH', 'Spiral sketchbook A4', NOTEBOOKS, 299),
  product('P-BAT-AA8', 'Duracell AA batteries, pack of 8', BATTERIES, 399),
];

/** Ids of the 33 products above, handy for assertions. */
export const PRODUCT_BY_ID = new Map(PRODUCTS.map((p) => [p.id as string, p]));

const customer = (id: string, identities: { channel: string; external_id: string }[] = [{ channel: 'web', external_id: `web-${id}` }]): Row => ({
  id,
  name: `Customer ${id}`,
  email: `${id.toLowerCase()}@example.org`,
  country: 'India',
  created_at: '2026-01-01T00:00:00.000Z',
  identities,
});

let orderSeq = 0;
const order = (customerId: string, productIds: string[], day: number): Row => ({
  id: `ORD-T${String(++orderSeq).padStart(4, '0')}`,
  customer_id: customerId,
  status: 'delivered',
  created_at: new Date(Date.parse('2026-03-01T10:00:00.000Z') + day * 86_400_000).toISOString(),
  updated_at: new Date(Date.parse('2026-03-03T10:00:00.000Z') + day * 86_400_000).toISOString(),
  tracking: null,
  carrier: null,
  shipping_address: { line1: '1 MG Road', city: 'Bengaluru', postcode: '560001', country: 'India' },
  lines: productIds.map((p) => ({ product_id: p, qty: 1, unit_price: Number(PRODUCT_BY_ID.get(p)?.price ?? 100) })),
});

/**
 * Order history with clear patterns: chargers are bought with cables, mugs with coffee, earbuds
 * with power banks; the Echo Dot and the boAt earbuds are the most popular items.
 */
export function historyFixtures(): { customers: Row[]; orders: Row[] } {
  orderSeq = 0;
  const customers: Row[] = [
    customer('C-ANU', [
      { channel: 'web', external_id: 'web-anu' },
      { channel: 'messenger', external_id: 'psid-anu' },
    ]),
    customer('C-RAVI'),
  ];
  const orders: Row[] = [];
  const baskets: string[][] = [
    ['P-CHG-AMB20', 'P-CBL-CC'],
    ['P-CHG-AMB20', 'P-CBL-CC', 'P-SPK-ECHO'],
    ['P-CHG-PORT12', 'P-CBL-LTG'],
    ['P-CHG-MI33', 'P-CBL-CC'],
    ['P-CHG-AMB20', 'P-CBL-CC', 'P-PWB-MI10'],
    ['P-MUG-SET6', 'P-COF-BEANS'],
    ['P-MUG-BLUE', 'P-COF-INST'],
    ['P-MUG-SET6', 'P-COF-BEANS', 'P-SPK-ECHO'],
    ['P-EAR-BOAT141', 'P-PWB-MI10'],
    ['P-EAR-BOAT141', 'P-SPK-ECHO'],
    ['P-EAR-JBL', 'P-PWB-AMB20'],
    ['P-EAR-BOAT141', 'P-PWB-MI10', 'P-SPK-ECHO'],
    ['P-SPK-ECHO', 'P-BAT-AA8'],
    ['P-CAN-LAV', 'P-CAN-HEART'],
    ['P-COOK-PAN', 'P-COOK-PC'],
    ['P-NB-A5', 'P-NB-SKETCH'],
    ['P-SPK-ECHO'],
    ['P-EAR-BOAT141'],
  ];
  baskets.forEach((b, i) => {
    const id = `C-B${String(i).padStart(2, '0')}`;
    customers.push(customer(id));
    orders.push(order(id, b, i));
  });
  return { customers, orders };
}

export interface TestStore {
  store: Store;
  dir: string;
  fixturesDir: string;
  cleanup: () => void;
}

/** A real SQLite file in a temp folder, seeded through store/seed.ts with the products and history above. */
export async function seededTestStore(extraProducts: Row[] = []): Promise<TestStore> {
  const dir = mkdtempSync(join(tmpdir(), 'shopbot-rec-'));
  const fixturesDir = join(dir, 'fixtures');
  mkdirSync(fixturesDir);
  await writeStoreFixtures(fixturesDir, extraProducts);
  const store = openStore(join(dir, 'shop.db'));
  await seed(store.db, fixturesDir, { silent: true, agentPassword: 'test-password' });
  return {
    store,
    dir,
    fixturesDir,
    cleanup: () => {
      if (store.db.open) store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export async function writeStoreFixtures(fixturesDir: string, extraProducts: Row[] = []): Promise<void> {
  const { customers, orders } = historyFixtures();
  const jsonl = (rows: Row[]) => rows.map((r) => JSON.stringify(r)).join('\n') + (rows.length ? '\n' : '');
  writeFileSync(join(fixturesDir, 'products.jsonl'), jsonl([...PRODUCTS, ...extraProducts]));
  writeFileSync(join(fixturesDir, 'customers.jsonl'), jsonl(customers));
  writeFileSync(join(fixturesDir, 'orders.jsonl'), jsonl(orders));
  writeFileSync(join(fixturesDir, 'reviews.jsonl'), '');
  writeFileSync(join(fixturesDir, 'transcripts.jsonl'), '');
}

let encoder: Promise<LoadedEncoder> | null = null;

/** The real all-MiniLM-L6-v2 encoder, loaded once per test file. */
export function testEncoder(): Promise<LoadedEncoder> {
  encoder ??= loadEncoder({ model: MODEL, maxWaitMs: 1 });
  return encoder;
}

/** A recommender over the test store, with a controllable clock. */
export async function storeRecommender(
  t: TestStore,
  opts: RecommenderOptions & { cacheDir?: string } = {},
): Promise<{ rec: Recommender; clock: { now: () => number; advance: (ms: number) => void }; identities: StoreIdentities }> {
  let now = Date.parse('2026-04-01T12:00:00.000Z');
  const clock = { now: () => now, advance: (ms: number) => void (now += ms) };
  const enc = await testEncoder();
  const rec = await Recommender.create({
    catalog: new StoreCatalog(t.store),
    events: new StoreEvents(t.store),
    encoder: enc,
    cacheDir: opts.cacheDir ?? join(t.dir, 'vectors'),
    silent: true,
    clock: clock.now,
    consumables: ['Coffee', 'Batteries'],
    ...opts,
  });
  return { rec, clock, identities: new StoreIdentities(t.store) };
}
