import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Encoder } from '../nlu/encoder-types.js';
import { CatalogSync } from '../recommender/catalog-sync.js';
import type { Recommender } from '../recommender/recommender.js';
import { CatalogAdmin } from '../store/catalog-admin.js';
import type { Sql } from '../store/sql/executor.js';
import { OrderUpdates } from '../channels/order-updates.js';
import type { Texts } from '../core/i18n.js';
import { createAdminApi } from './admin.js';
import { orderEventRoutes } from './order-events.js';

// What the server (app/main.ts) starts for the admin API: the API itself, and the catalogue sync
// that keeps the recommender in step with product changes (from the API at once, from the import
// command or another process within the poll interval).

/** The catalogue change number now: read it BEFORE the recommender lists the products. */
export function catalogSeqNow(sql: Sql): Promise<number> {
  return new CatalogAdmin(sql).catalogSeq();
}

export interface MountedAdmin {
  routes: Record<string, (req: IncomingMessage, res: ServerResponse) => void>;
  sync: CatalogSync;
  /** Order events' customer messages: bind(orderUpdateChannels(store, app)) once the app exists. */
  orderUpdates: OrderUpdates;
  close(): Promise<void>;
}

export async function mountAdminApi(opts: {
  /** The store's SQL connection (either engine). */
  sql: Sql;
  recommender: Recommender;
  encoder: Encoder;
  /** The data folder (vector cache). */
  cacheDir: string;
  /** From catalogSeqNow() before the recommender was built. */
  since: number;
  env: NodeJS.ProcessEnv;
  /** The store's locale and texts: order updates are worded in each conversation's language. */
  texts: Texts;
  /** Config.trackingUrl: the order page linked from shipping updates. */
  trackingUrl?: string;
  trustedProxies?: readonly string[];
  /** Products changed through the API and were applied here (the other nodes of a cluster are told). */
  onCatalogChanged?: () => void;
  log: (line: string) => void;
}): Promise<MountedAdmin> {
  const sync = new CatalogSync({ sql: opts.sql, recommender: opts.recommender, encoder: opts.encoder, cacheDir: opts.cacheDir, since: opts.since, silent: true, log: opts.log });
  // Changes made while the recommender loaded, and by other processes from now on.
  await sync.sync();
  const stopPoll = sync.poll(Number(opts.env.SHOPBOT_CATALOG_POLL_MS) > 0 ? Number(opts.env.SHOPBOT_CATALOG_POLL_MS) : 2000);
  // Order events reach customers through the app's channels, bound once the app exists (app/main.ts).
  const orderUpdates = new OrderUpdates({ store: { sql: opts.sql }, texts: opts.texts, ...(opts.trackingUrl ? { trackingUrl: opts.trackingUrl } : {}), log: opts.log });
  const api = await createAdminApi({
    sql: opts.sql,
    onCatalogChange: async () => {
      const r = await sync.sync();
      opts.log(`[catalog] admin API: ${r.changed} changed (${r.embedded} embedded, ${r.reused} reused), ${r.removed} removed in ${r.ms} ms`);
      opts.onCatalogChanged?.();
      return r;
    },
    defaultCurrency: opts.env.SHOPBOT_CURRENCY?.trim() || 'INR',
    ...(opts.trustedProxies ? { trustedProxies: opts.trustedProxies } : {}),
    extend: [orderEventRoutes({ sql: opts.sql, updates: orderUpdates })],
    log: opts.log,
  });
  return {
    routes: api.routes,
    sync,
    orderUpdates,
    async close() {
      stopPoll();
      await api.close();
    },
  };
}
