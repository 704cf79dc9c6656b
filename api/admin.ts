import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import swagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyRequest } from 'fastify';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler, type ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { clientIp } from '../core/client-ip.js';
import { RateLimiter } from '../core/http.js';
import { ApiKeyRepo, type ApiKey } from '../store/api-keys.js';
import { CatalogAdmin, MAX_BATCH_ROWS, type BatchResult } from '../store/catalog-admin.js';
import type { Sql } from '../store/sql/executor.js';
import { isStoreError } from '../store/errors.js';
import { deleteBatch, upsertBatch } from './batches.js';
import { BatchResponse, documentedBody, envelope, ErrorResponse, IdsBody, ProductRow, type Kind } from './schemas.js';

// The admin HTTP API: batch upserts and deletes of products, customers and orders, for the store's
// backend and the import command. Fastify with zod schemas (fastify-type-provider-zod) validates
// every route; @fastify/swagger turns the same schemas into the OpenAPI description served at
// /api/docs. It is mounted inside the existing HTTP server (app/server.ts): requests under
// /api/admin/ and /api/docs are handed to Fastify's own request handler, everything else (socket.io,
// the Messenger webhook with its raw-body signature check, the pages) stays where it was.
//
// Every /api/admin route needs `Authorization: Bearer sbk_…` (a key from `npm run apikeys -- create`;
// only its hash is stored). Limits: body size, rows per batch, requests per key per minute, failed
// key checks per client address per minute.

export const ADMIN_PREFIX = '/api/admin/v1';
export const DOCS_PATH = '/api/docs';

export interface AdminApiOptions {
  /** The store's SQL connection, either engine (API keys and the catalogue run on it). */
  sql: Sql;
  /** Applies product changes to search and recommendations (recommender/catalog-sync.ts) before the response. */
  onCatalogChange?: () => Promise<{ seq: number; changed: number; removed: number; embedded: number; reused: number; ms: number }>;
  /** Currency of new products that name none (SHOPBOT_CURRENCY, default INR). */
  defaultCurrency?: string;
  /** Largest request body in bytes (default 16 MiB: 1,000 rows with long descriptions). */
  bodyLimit?: number;
  /** Requests per key per minute (default 120) and failed key checks per client address per minute (default 20). */
  limits?: { perKeyPerMinute?: number; failedAuthPerMinute?: number };
  trustedProxies?: readonly string[];
  /** More routes on this API (same keys, limits and OpenAPI document), e.g. api/order-events.ts. */
  extend?: ((app: FastifyInstance) => void | Promise<void>)[];
  log?: (line: string) => void;
}

export interface AdminApi {
  /** Routes for app/server.ts's router: the prefix and the docs path, handed to Fastify. */
  routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
  /** The Fastify instance (tests may use inject()). */
  app: FastifyInstance;
  /** The OpenAPI document. */
  openapi(): Record<string, unknown>;
  close(): Promise<void>;
}

declare module 'fastify' {
  interface FastifyRequest {
    apiKey?: ApiKey;
  }
}

const KIND_TAGS: Record<Kind, string> = { products: 'Products', customers: 'Customers', orders: 'Orders' };

export async function createAdminApi(opts: AdminApiOptions): Promise<AdminApi> {
  const log = opts.log ?? ((l: string) => console.error(l));
  const keys = new ApiKeyRepo(opts.sql);
  const admin = new CatalogAdmin(opts.sql);
  const defaults = { currency: (opts.defaultCurrency ?? 'INR').toUpperCase() };
  const perKey = new RateLimiter(opts.limits?.perKeyPerMinute ?? 120, 60_000);
  const failed = new RateLimiter(opts.limits?.failedAuthPerMinute ?? 20, 60_000);
  const proxies = opts.trustedProxies ?? [];

  // Fastify answers requests the outer server hands it; the server it would create is never started.
  let handler: ((req: IncomingMessage, res: ServerResponse) => void) | null = null;
  const app = Fastify({
    logger: false,
    bodyLimit: opts.bodyLimit ?? 16 * 1024 * 1024,
    serverFactory: (h) => {
      handler = h;
      return createServer();
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  await app.register(swagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'ShopBot admin API',
        version: '1.0.0',
        description:
          'Batch upserts and deletes of the store\'s products, customers and orders. Every batch is one transaction; each row is validated on its own, so ' +
          'a malformed row comes back with its own error while the good rows land. Sending the same batch twice leaves the same state (the second ' +
          `time rows report "unchanged"). At most ${MAX_BATCH_ROWS} rows per batch. Product changes are in search and recommendations when the ` +
          'response arrives (changed text is embedded again, nothing else). Removed products are never listed or suggested again.',
      },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer', description: 'An API key: sbk_<id>_<secret> (npm run apikeys -- create)' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });

  app.setErrorHandler((err: Error & { statusCode?: number; code?: string; validation?: unknown }, req, reply) => {
    if (err.validation) {
      const issues = (err.validation as { instancePath?: string; message?: string; params?: { issue?: { path?: (string | number)[] } } }[]).slice(0, 20);
      return reply.code(400).send({
        error: `invalid request: ${err.message}`.slice(0, 1000),
        details: issues.map((i) => ({ path: (i.params?.issue?.path ?? []).join('.') || (i.instancePath ?? ''), message: i.message ?? 'invalid' })),
      });
    }
    if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE' || err.statusCode === 413) return reply.code(413).send({ error: `request body larger than ${opts.bodyLimit ?? 16 * 1024 * 1024} bytes` });
    if (isStoreError(err, 'too_large')) return reply.code(413).send({ error: err.message });
    if (isStoreError(err)) return reply.code(400).send({ error: err.message });
    if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500) return reply.code(err.statusCode).send({ error: err.message });
    log(`[admin-api] ${req.method} ${req.url} failed: ${err.stack ?? err}`);
    return reply.code(500).send({ error: 'internal error' });
  });
  app.setNotFoundHandler((_req, reply) => reply.code(404).send({ error: 'not found' }));

  // A Bearer key for everything but the docs (public: they hold no data).
  app.addHook('onRequest', async (req, reply) => {
    if (req.method === 'GET' && (req.url === DOCS_PATH || req.url.startsWith(`${DOCS_PATH}?`))) return;
    const ip = clientIp(req.socket.remoteAddress, req.headers['x-forwarded-for'], proxies);
    const auth = req.headers.authorization;
    const token = typeof auth === 'string' && /^Bearer\s+/i.test(auth) ? auth.replace(/^Bearer\s+/i, '').trim() : '';
    const key = token ? await keys.verify(token) : null;
    if (!key) {
      if (!failed.take(ip)) return reply.code(429).header('retry-after', '60').send({ error: 'too many failed key checks; wait a minute' });
      return reply
        .code(401)
        .header('www-authenticate', 'Bearer realm="shopbot-admin"')
        .send({ error: token ? 'invalid or revoked API key' : 'missing API key: send Authorization: Bearer <key>' });
    }
    if (!perKey.take(key.id)) return reply.code(429).header('retry-after', '60').send({ error: `more than ${opts.limits?.perKeyPerMinute ?? 120} requests a minute with this key` });
    req.apiKey = key;
  });

  const afterProducts = async (r: BatchResult) => {
    if (r.catalogSeq === null || !opts.onCatalogChange) return undefined;
    return opts.onCatalogChange();
  };

  app.get(DOCS_PATH, { schema: { hide: true } }, async (_req, reply) => reply.header('cache-control', 'no-store').send(app.swagger()));

  app.get(
    `${ADMIN_PREFIX}/me`,
    { schema: { tags: ['Keys'], summary: 'The key in use', response: { 200: z.object({ keyId: z.string(), storeId: z.string(), name: z.string() }), 401: ErrorResponse } } },
    async (req) => ({ keyId: req.apiKey!.id, storeId: req.apiKey!.storeId, name: req.apiKey!.name }),
  );

  for (const kind of ['products', 'customers', 'orders'] as const) {
    const tag = KIND_TAGS[kind];
    const bodyDoc = documentedBody(kind);
    const bodyCheck = envelope(kind);
    app.post(
      `${ADMIN_PREFIX}/${kind}`,
      {
        schema: {
          tags: [tag],
          summary: `Upsert a batch of ${kind} (by id)`,
          description: `Each row is validated on its own: the response has one result per row, in order, with "error" for a refused row.`,
          body: bodyDoc,
          response: { 200: BatchResponse, 400: ErrorResponse, 401: ErrorResponse, 413: ErrorResponse, 429: ErrorResponse },
        },
        // The envelope is checked here; every row is parsed by its own schema in the handler, so a
        // bad row is that row's error and not the batch's.
        validatorCompiler: ({ httpPart }) => (data: unknown) => {
          if (httpPart !== 'body') return { value: data };
          const r = bodyCheck.safeParse(data);
          return r.success ? { value: r.data } : { error: new Error(r.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')) };
        },
      },
      async (req) => {
        const rows = (req.body as Record<string, unknown[]>)[kind]!;
        const result = await upsertBatch(admin, kind, rows, { currency: defaults.currency, source: 'api' });
        const catalog = kind === 'products' ? await afterProducts(result) : undefined;
        return { results: result.results, counts: result.counts, ...(catalog ? { catalog } : {}) };
      },
    );
    app.post(
      `${ADMIN_PREFIX}/${kind}/delete`,
      {
        schema: {
          tags: [tag],
          summary: `Delete a batch of ${kind} by id`,
          description:
            kind === 'products'
              ? 'Removed products keep their rows for past orders but are never read, listed, searched or suggested again; upserting one brings it back.'
              : kind === 'customers'
                ? 'Deletes the customers with their orders, channel identities and events; their conversations stay, without a customer.'
                : 'Deletes the orders with their lines.',
          body: IdsBody,
          response: { 200: BatchResponse, 400: ErrorResponse, 401: ErrorResponse, 429: ErrorResponse },
        },
      },
      async (req) => {
        const result = await deleteBatch(admin, kind, req.body.ids);
        const catalog = kind === 'products' ? await afterProducts(result) : undefined;
        return { results: result.results, counts: result.counts, ...(catalog ? { catalog } : {}) };
      },
    );
  }

  app.get(
    `${ADMIN_PREFIX}/products/:id`,
    { schema: { tags: ['Products'], summary: 'One product as the store has it', params: z.object({ id: z.string().min(1).max(256) }), response: { 200: ProductRow.extend({ deletedAt: z.string().nullable() }), 404: ErrorResponse } } },
    async (req: FastifyRequest<{ Params: { id: string } }>, reply) => {
      const p = await admin.getProduct(req.params.id);
      if (!p) return reply.code(404).send({ error: `product ${JSON.stringify(req.params.id.slice(0, 100))} not found` });
      return p;
    },
  );

  for (const add of opts.extend ?? []) await add(app);
  await app.ready();
  const handle = (req: IncomingMessage, res: ServerResponse) => {
    if (!handler) {
      res.writeHead(503).end();
      return;
    }
    handler(req, res);
  };
  return {
    routes: { [`${ADMIN_PREFIX.split('/').slice(0, 3).join('/')}/*`]: handle, [DOCS_PATH]: handle },
    app,
    openapi: () => app.swagger() as unknown as Record<string, unknown>,
    close: () => app.close(),
  };
}
