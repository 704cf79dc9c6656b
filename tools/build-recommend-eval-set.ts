import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { isRecord, readJsonl } from '../core/jsonl.js';
import { DESCRIPTION_CHARS } from '../recommender/item-embeddings.js';

// Builds the recommender's eval files from the store fixtures:
//   fixtures/recommender/interactions.jsonl  one line per order line of every non-cancelled order in
//                                             fixtures/store/orders.jsonl: {user: customer_id,
//                                             item: product_id, ts: order created_at}, in file order
//                                             (orders sorted by id, lines in basket order), so the
//                                             eval's tie-break "same ts -> later line is later" is
//                                             the order of lines in the invoice
//   fixtures/recommender/interactions-uci.jsonl  the same, only orders whose products all come from
//                                             the UCI Online Retail dataset (real multi-line invoices;
//                                             the other orders are one-line orders derived from reviews)
//   fixtures/recommender/items.jsonl          {id, title, category, description} from products.jsonl
//                                             (description cut to 500 characters to keep the file small)
//
//   npx tsx tools/build-recommend-eval-set.ts [--fixtures fixtures/store] [--out fixtures/recommender]


export interface BuildResult {
  interactions: number;
  uciInteractions: number;
  items: number;
  skippedOrders: number;
}

export async function buildEvalSet(storeDir: string, outDir: string): Promise<BuildResult> {
  const orders = await readJsonl(join(storeDir, 'orders.jsonl'), (v) => (isRecord(v) ? v : 'not an object'));
  const products = await readJsonl(join(storeDir, 'products.jsonl'), (v) => (isRecord(v) && typeof v.id === 'string' ? v : 'not a product'));
  const lines: string[] = [];
  const uci: string[] = [];
  const source = new Map(products.rows.map((p) => [p.id as string, p.source]));
  let skippedOrders = 0;
  for (const o of orders.rows) {
    if (o.status === 'cancelled' || typeof o.customer_id !== 'string' || typeof o.created_at !== 'string' || !Array.isArray(o.lines)) {
      skippedOrders++;
      continue;
    }
    const rows: string[] = [];
    let allUci = true;
    for (const l of o.lines) {
      if (!isRecord(l) || typeof l.product_id !== 'string') continue;
      rows.push(JSON.stringify({ user: o.customer_id, item: l.product_id, ts: o.created_at }));
      if (source.get(l.product_id) !== 'online-retail-uci') allUci = false;
    }
    lines.push(...rows);
    if (allUci) uci.push(...rows);
  }
  const items = products.rows.map((p) => {
    const desc = typeof p.description === 'string' ? p.description.replace(/\s+/g, ' ').trim() : '';
    return JSON.stringify({
      id: p.id,
      title: typeof p.title === 'string' ? p.title : '',
      category: typeof p.category === 'string' ? p.category : '',
      description: desc.slice(0, DESCRIPTION_CHARS).trim(),
    });
  });
  mkdirSync(outDir, { recursive: true });
  writeFileSync(join(outDir, 'interactions.jsonl'), lines.join('\n') + '\n');
  writeFileSync(join(outDir, 'interactions-uci.jsonl'), uci.join('\n') + '\n');
  writeFileSync(join(outDir, 'items.jsonl'), items.join('\n') + '\n');
  return { interactions: lines.length, uciInteractions: uci.length, items: items.length, skippedOrders };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const { flags } = parseArgs(process.argv.slice(2));
  const root = resolve(import.meta.dirname, '..');
  const res = await buildEvalSet(resolve(stringFlag(flags, 'fixtures') ?? join(root, 'fixtures/store')), resolve(stringFlag(flags, 'out') ?? join(root, 'fixtures/recommender')));
  process.stdout.write(JSON.stringify(res) + '\n');
}
