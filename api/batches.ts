import type { BatchResult, CatalogAdmin, RowResult, RowStatus } from '../store/catalog-admin.js';
import { parseRow, toCustomerUpsert, toOrderUpsert, toProductUpsert, type Kind } from './schemas.js';

// One upsert or delete batch, as the admin API and the import command run it: every row is parsed
// with its schema; rows that fail get their error at their index, the others go to the store in one
// transaction (where each may still be refused on its own: unknown customer, identity taken...).

export interface BatchDefaults {
  /** Currency of new products that name none. */
  currency: string;
  /** `source` of new products that name none ("api", "import:shopify"). */
  source: string;
}

const counts = (results: readonly RowResult[]): Record<RowStatus, number> => {
  const c: Record<RowStatus, number> = { inserted: 0, updated: 0, unchanged: 0, deleted: 0, not_found: 0, error: 0 };
  for (const r of results) c[r.status]++;
  return c;
};

export async function upsertBatch(admin: CatalogAdmin, kind: Kind, raw: readonly unknown[], defaults: BatchDefaults): Promise<BatchResult> {
  const results = new Array<RowResult>(raw.length);
  const good: { index: number; row: unknown }[] = [];
  raw.forEach((r, index) => {
    const parsed = parseRow(kind, r);
    if ('error' in parsed) {
      const rid = typeof (r as { id?: unknown })?.id === 'string' ? ((r as { id: string }).id).slice(0, 256) : null;
      results[index] = { index, id: rid, status: 'error', error: parsed.error };
    } else good.push({ index, row: parsed.row });
  });
  let done: BatchResult = { results: [], counts: counts([]), catalogSeq: null };
  if (good.length > 0) {
    const rows = good.map((g) => g.row);
    done =
      kind === 'products'
        ? await admin.upsertProducts(rows.map((r) => toProductUpsert(r as never)), defaults)
        : kind === 'customers'
          ? await admin.upsertCustomers(rows.map((r) => toCustomerUpsert(r as never)))
          : await admin.upsertOrders(rows.map((r) => toOrderUpsert(r as never)));
    done.results.forEach((r, k) => (results[good[k]!.index] = { ...r, index: good[k]!.index }));
  }
  return { results, counts: counts(results), catalogSeq: done.catalogSeq };
}

export function deleteBatch(admin: CatalogAdmin, kind: Kind, ids: readonly string[]): Promise<BatchResult> {
  return kind === 'products' ? admin.deleteProducts(ids) : kind === 'customers' ? admin.deleteCustomers(ids) : admin.deleteOrders(ids);
}
