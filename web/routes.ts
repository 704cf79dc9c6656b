import { join } from 'node:path';
import type { RouteHandler } from '../core/http.js';
import { sendJson } from '../core/http.js';
import type { StaffRole, Store } from '../store/index.js';
import { createCatalogApi } from './catalog-api.js';
import { createInsightsApi, type InsightsApi } from './insights-api.js';
import { createReportsApi, type ReportsApiOptions } from './reports-api.js';
import type { ReviewAnalyzer } from '../reviews/insights-core.js';
import { defaultTexts, type Texts } from '../core/i18n.js';
import { widgetScriptHandler } from './widget-script.js';
import { loadConfig } from '../core/config.js';
import { createHelpPages } from './help-pages.js';
import { allowRead, PUBLIC_DIR, safeJoin, sendFile, socketIoClientPath } from './static.js';

// Everything the web pages need, as routes for createApp({routes}):
//   /                         demo store (catalog + chat widget)
//   /agent                    agent console
//   /insights                 review insights dashboard
//   /reports                  reports for admins (conversations, resolution, hand-offs, response times, CSAT, unanswered)
//   /help, /help/<slug>       help centre: the help articles the bot answers from, as pages (web/help-pages.ts)
//   /web-chat/*               static files (widget.js, pages' scripts, styles); socket.io.min.js from node_modules
//   /api/catalog, /api/catalog/product                    public (the store page uses them)
//   /api/insights/products, /api/insights/products/:id[/reviews], /api/insights/export.csv|json
//                                                         signed-in staff only (Authorization: Bearer
//                                                         <session token>, see desk/staff-auth.ts)
//   /api/reports, /api/reports/export.csv                 admins only (web/reports-api.ts)

export { lazyAnalyzer, LexiconReviewAnalyzer } from '../reviews/insights-basic.js';
export type { ReviewAnalyzer } from '../reviews/insights-core.js';

export interface WebChatOptions {
  store: Store;
  /**
   * Review analyzer for the insights pages; the built-in lexicon analyzer when absent. For the
   * sentiment model: `lazyAnalyzer(async () => createReviewAnalyzer({ sentiment: await getSharedSentiment(config) }))`.
   */
  analyzer?: ReviewAnalyzer;
  /**
   * Most-reviewed products analyzed in the background after the first insights request (default 30
   * with the lexicon analyzer, 0 with any other, so a model never competes with live chats unasked).
   */
  warmTop?: number;
  /** Staff roles that may read insights and exports (default: agent, admin and product). */
  insightsRoles?: readonly StaffRole[];
  /** The shared sentence encoder (or its loader), to group the reports' unanswered messages by meaning. */
  encoder?: ReportsApiOptions['encoder'];
  /** Folder of the static files (tests may point elsewhere). */
  publicDir?: string;
  /** The store's locale (core/i18n.ts): the widget's default language; widget.js carries every catalogue's texts. */
  texts?: Texts;
  maxAgeSeconds?: number;
  /** Folder of the help articles served at /help (Config.helpDir; default: the one the environment configures). */
  helpDir?: string;
  log?: (line: string) => void;
}

export interface WebChatRoutes {
  routes: Record<string, RouteHandler>;
  insights: InsightsApi;
  /** Stops background work (review analysis). */
  close(): void;
}

export function createWebChat(opts: WebChatOptions): WebChatRoutes {
  const root = opts.publicDir ?? PUBLIC_DIR;
  const maxAgeSeconds = opts.maxAgeSeconds ?? 300;
  const catalog = createCatalogApi(opts.store);
  const insights = createInsightsApi({
    store: opts.store,
    ...(opts.analyzer ? { analyzer: opts.analyzer } : {}),
    warmTop: opts.warmTop ?? (opts.analyzer ? 0 : 30),
    ...(opts.insightsRoles ? { roles: opts.insightsRoles } : {}),
    ...(opts.log ? { log: opts.log } : {}),
  });
  const reports = createReportsApi({ store: opts.store, timeZone: (opts.texts ?? defaultTexts).settings.timeZone, ...(opts.encoder ? { encoder: opts.encoder } : {}), ...(opts.log ? { log: opts.log } : {}) });
  const ioClient = socketIoClientPath();
  const help = createHelpPages({ dir: opts.helpDir ?? configuredHelpDir(), ...(opts.log ? { log: opts.log } : {}) });
  const widget = widgetScriptHandler(join(root, 'widget.js'), opts.texts ?? defaultTexts, maxAgeSeconds);

  const page =
    (file: string): RouteHandler =>
    async (req, res) => {
      if (!allowRead(req, res)) return;
      await sendFile(req, res, join(root, file), { root });
    };

  const files: RouteHandler = async (req, res, url) => {
    if (!allowRead(req, res)) return;
    const rel = url.pathname.slice('/web-chat/'.length);
    if (rel === 'socket.io.min.js') return sendFile(req, res, ioClient, { maxAgeSeconds: 3600 });
    if (rel === 'widget.js') return widget(req, res);
    const file = safeJoin(root, rel);
    if (!file) return sendJson(res, 404, { error: 'not found' });
    await sendFile(req, res, file, { root, maxAgeSeconds });
  };

  const routes: Record<string, RouteHandler> = {
    '/': page('index.html'),
    '/index.html': page('index.html'),
    '/agent': page('agent.html'),
    '/insights': page('insights.html'),
    '/reports': page('reports.html'),
    '/favicon.ico': page('favicon.svg'),
    '/help': help.index,
    '/help/*': help.article,
    '/web-chat/*': files,
    '/api/catalog': catalog.list,
    '/api/catalog/product': catalog.product,
    '/api/insights/products': insights.list,
    '/api/insights/products/*': insights.product,
    '/api/insights/export.csv': insights.exportCsv,
    '/api/insights/export.json': insights.exportJson,
    '/api/reports': reports.report,
    '/api/reports/export.csv': reports.exportCsv,
  };
  return { routes, insights, close: () => insights.close() };
}

/** The demo store's help folder, for callers that pass none (the server passes Config.helpDir). */
function configuredHelpDir(): string {
  return loadConfig({}).helpDir;
}
