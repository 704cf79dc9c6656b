import { z } from 'zod';
import type { CustomerUpsert, OrderUpsert, ProductUpsert, RowError } from '../store/catalog-admin.js';
import { MAX_BATCH_ROWS } from '../store/catalog-admin.js';

// One schema per row kind, shared by the admin API (each row of a batch is parsed on its own, so a
// malformed row gets its own error and the good rows still land) and the import command (JSONL and
// CSV rows become these rows). The OpenAPI description is generated from the same schemas.

const id = z.string().trim().min(1).max(256).describe('Your id for it, unique per kind (at most 256 bytes)');
const text = (max: number) => z.string().max(max);
const money = z.number().finite().min(0);
const isoDate = z
  .string()
  .max(40)
  .refine((s) => !Number.isNaN(Date.parse(s)), { message: 'not an ISO-8601 date' })
  .describe('ISO-8601 date or date-time (UTC when no offset)');

export const ProductRow = z
  .strictObject({
    id,
    title: text(4096).trim().min(1).optional(),
    description: text(64 * 1024).optional(),
    category: text(256).trim().min(1).optional().describe('Category path, levels separated by " > " ("Home > Kitchen > Mugs")'),
    price: money.optional(),
    currency: z.string().regex(/^[A-Za-z]{3}$/, 'a 3-letter ISO 4217 code').optional(),
    stock: z.number().int().min(0).optional(),
    image: z.string().max(4096).nullable().optional(),
    rating: z.number().min(0).max(5).nullable().optional(),
    ratingCount: z.number().int().min(0).nullable().optional(),
    url: z.string().max(2048).nullable().optional().describe("The product's page: a path on the store's site (\"/p/1\") or an http(s) URL"),
    source: text(256).trim().min(1).optional().describe('Where the row came from (default "api", or the import format)'),
  })
  .describe('A product. Fields left out keep their current value; a new product needs title, category and price.');

export const CustomerRow = z
  .strictObject({
    id,
    name: text(1024).trim().min(1).optional(),
    email: z.string().max(1024).email().nullable().optional(),
    country: text(256).nullable().optional(),
    createdAt: isoDate.optional(),
    vip: z.boolean().optional(),
    identities: z
      .array(z.strictObject({ channel: z.enum(['web', 'messenger', 'emulator']), externalId: text(256).min(1) }))
      .max(20)
      .optional()
      .describe('Channel identities to link to this customer (links are added, never removed)'),
  })
  .describe('A customer. Fields left out keep their current value; a new customer needs a name.');

export const OrderRow = z
  .strictObject({
    id,
    customerId: id,
    status: z.enum(['processing', 'shipped', 'delivered', 'cancelled', 'return_requested', 'returned']),
    createdAt: isoDate,
    updatedAt: isoDate.optional(),
    tracking: text(256).nullable().optional(),
    carrier: text(256).nullable().optional(),
    shippingAddress: z.strictObject({ line1: text(1024).min(1), city: text(1024).min(1), postcode: text(256).min(1), country: text(256).min(1) }),
    lines: z
      .array(z.strictObject({ productId: id, qty: z.number().int().min(1), unitPrice: money }))
      .min(1)
      .max(500),
  })
  .describe('An order with all its lines (replaced as a whole). Its customer and products must exist.');

export type ProductRowIn = z.infer<typeof ProductRow>;
export type CustomerRowIn = z.infer<typeof CustomerRow>;
export type OrderRowIn = z.infer<typeof OrderRow>;

/** What each batch route accepts: the envelope is checked as a whole, each row on its own. */
export const KINDS = {
  products: ProductRow,
  customers: CustomerRow,
  orders: OrderRow,
} as const;
export type Kind = keyof typeof KINDS;

export const IdsBody = z.strictObject({ ids: z.array(id).min(1).max(MAX_BATCH_ROWS) });

/** The envelope of an upsert batch: an array of objects, each parsed with its row schema by the handler. */
export const envelope = (kind: Kind) => z.strictObject({ [kind]: z.array(z.record(z.string(), z.unknown())).min(1).max(MAX_BATCH_ROWS) });

/** The documented body of an upsert batch (the OpenAPI shows the row schema). */
export const documentedBody = (kind: Kind) => z.strictObject({ [kind]: z.array(KINDS[kind]).min(1).max(MAX_BATCH_ROWS) });

export const RowResultSchema = z.object({
  index: z.number().int().describe('Position of the row in the batch'),
  id: z.string().nullable(),
  status: z.enum(['inserted', 'updated', 'unchanged', 'deleted', 'not_found', 'error']),
  error: z
    .object({
      code: z.enum(['invalid', 'not_found', 'conflict', 'too_large']),
      message: z.string(),
      field: z.string().optional().describe('The field at fault, as a path ("lines[0].qty")'),
    })
    .optional(),
});

export const BatchResponse = z.object({
  results: z.array(RowResultSchema),
  counts: z.record(z.string(), z.number()),
  catalog: z
    .object({
      seq: z.number().int(),
      changed: z.number().int(),
      removed: z.number().int(),
      embedded: z.number().int().describe('Products whose text changed and were embedded again'),
      reused: z.number().int(),
      ms: z.number().describe('Time to re-embed and apply the changes to search and recommendations'),
    })
    .optional()
    .describe('Product batches: the change is in search and recommendations when the response arrives'),
});

export const ErrorResponse = z.object({ error: z.string(), details: z.array(z.object({ path: z.string(), message: z.string() })).optional() });

/** Parses one row with its schema: the row for the store, or its error (first issue, with its field path). */
export function parseRow<K extends Kind>(kind: K, raw: unknown): { row: z.infer<(typeof KINDS)[K]> } | { error: RowError } {
  const r = KINDS[kind].safeParse(raw);
  if (r.success) return { row: r.data as z.infer<(typeof KINDS)[K]> };
  const issue = r.error.issues[0]!;
  const field = issue.path.map((p, i) => (typeof p === 'number' ? `[${p}]` : i === 0 ? String(p) : `.${String(p)}`)).join('');
  const more = r.error.issues.length > 1 ? ` (and ${r.error.issues.length - 1} more)` : '';
  const keys = issue.code === 'unrecognized_keys' ? ` ${(issue as { keys?: string[] }).keys?.map((k) => JSON.stringify(k)).join(', ')}` : '';
  return { error: { code: issue.code === 'too_big' && issue.origin === 'string' ? 'too_large' : 'invalid', message: `${field ? `"${field}": ` : ''}${issue.message}${keys}${more}`, ...(field ? { field } : {}) } };
}

// The API's rows are what the store takes, field for field.
export const toProductUpsert = (r: ProductRowIn): ProductUpsert => r as ProductUpsert;
export const toCustomerUpsert = (r: CustomerRowIn): CustomerUpsert => r as CustomerUpsert;
export const toOrderUpsert = (r: OrderRowIn): OrderUpsert => r as OrderUpsert;
