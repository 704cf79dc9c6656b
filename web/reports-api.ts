import { addDays, dayIn, startOfDay } from '../core/zoned-day.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { requireStaff } from '../desk/staff-auth.js';
import type { RouteHandler } from '../core/http.js';
import { sendJson } from '../core/http.js';
import { groupByEmbedding, groupByWords, type Embedder, type TextGroup } from '../nlu/cluster.js';
import { StoreError, UNANSWERED_REASONS, type Store, type UnansweredMessage, type UnansweredReason } from '../store/index.js';
import { ReportRepo, type CsatRow, type Report, type TimingRow } from '../store/reports.js';
import { toCsv } from './insights-api.js';
import { BadRequest, str } from './params.js';
import { allowRead } from './static.js';

// The admins' reports (issue #18 item 6):
//   GET /api/reports?from=YYYY-MM-DD&to=YYYY-MM-DD        the report as JSON (the store's days, both inclusive;
//                                                        default: the last 30 days)
//   GET /api/reports/export.csv?from=&to=                 the same figures as one CSV, a row per figure
//                                                        (section, id, name, metric, value)
// Admins only (Authorization: Bearer <staff session token>): 401 without a live session, 403 for
// other roles. Definitions of the figures: store/reports.ts. Unanswered messages are grouped by the
// similarity of their sentence embeddings (the shared encoder) when one is given, else by the words
// they share.

export interface ReportsApiOptions {
  /** The store's time zone (SHOPBOT_TIMEZONE): report days are its calendar days. Default UTC. */
  timeZone?: string;
  store: Store;
  /** The shared sentence encoder, or a function that loads it; without it messages are grouped by words. */
  encoder?: Embedder | (() => Promise<Embedder>);
  /** Cosine similarity a message needs to join a group (default 0.55). */
  threshold?: number;
  now?: () => number;
  log?: (line: string) => void;
}

export interface UnansweredGroup {
  label: string;
  size: number;
  /** size / all unanswered messages in the range. */
  share: number;
  examples: { text: string; count: number }[];
  reasons: Record<UnansweredReason, number>;
  lastAt: string;
}

export type ReportBody = Omit<Report, 'unanswered'> & {
  unanswered: { total: number; byReason: Record<UnansweredReason, number>; method: 'encoder' | 'words'; groups: UnansweredGroup[] };
  /** The range as asked for: calendar days in `timeZone`, both inclusive. */
  days: { from: string; to: string };
  /** The store's time zone (IANA name) whose days these are. */
  timeZone: string;
};

const DAY_MS = 86_400_000;
const MAX_DAYS = 3660;
const MAX_GROUPS = 100;
const CACHE_SIZE = 5000;

const dayOf = (url: URL, name: string): string | undefined => {
  const v = str(url, name, 10);
  if (v === undefined) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}$/.test(v) || !Number.isFinite(Date.parse(`${v}T00:00:00Z`)) || new Date(`${v}T00:00:00Z`).toISOString().slice(0, 10) !== v) {
    throw new BadRequest(`${name} must be a date like 2026-01-31`);
  }
  return v;
};

/** The days asked for (both inclusive) and the half-open ISO range they cover. */
export function rangeOf(url: URL, now: number, timeZone = 'UTC'): { days: { from: string; to: string }; range: { from: string; to: string } } {
  const today = dayIn(now, timeZone);
  const to = dayOf(url, 'to') ?? today;
  const from = dayOf(url, 'from') ?? addDays(to, -29);
  // The days are the store's: from its midnight to the midnight after the last day.
  const start = startOfDay(from, timeZone);
  const end = startOfDay(addDays(to, 1), timeZone);
  if (end <= start) throw new BadRequest('from must not be after to');
  if (Math.round((end - start) / DAY_MS) > MAX_DAYS) throw new BadRequest(`a report covers at most ${MAX_DAYS} days`);
  return { days: { from, to }, range: { from: new Date(start).toISOString(), to: new Date(end).toISOString() } };
}

export function createReportsApi(opts: ReportsApiOptions) {
  const { store } = opts;
  const now = opts.now ?? Date.now;
  const log = opts.log ?? ((l: string) => console.error(l));
  const timeZone = opts.timeZone ?? 'UTC';
  const repo = new ReportRepo(store.sql, now, timeZone);
  // Embeddings of texts seen before (the same unanswered messages come back in every report).
  const cache = new Map<string, Float32Array>();
  let encoder: Promise<Embedder> | null = null;
  const getEncoder = (): Promise<Embedder> | null => {
    if (!opts.encoder) return null;
    if (!encoder) {
      const e = opts.encoder;
      encoder = typeof e === 'function' ? e() : Promise.resolve(e);
      encoder.catch(() => (encoder = null));
    }
    return encoder;
  };
  const cached: (inner: Embedder) => Embedder = (inner) => ({
    async embedMany(texts) {
      const missing = [...new Set(texts.filter((t) => !cache.has(t)))];
      if (missing.length) {
        const vs = await inner.embedMany(missing);
        missing.forEach((t, i) => cache.set(t, vs[i]!));
        while (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value!);
      }
      return texts.map((t) => cache.get(t)!);
    },
  });

  const group = async (messages: UnansweredMessage[]): Promise<{ method: 'encoder' | 'words'; groups: TextGroup[] }> => {
    const texts = messages.map((m) => m.text);
    const enc = getEncoder();
    if (enc) {
      try {
        return { method: 'encoder', groups: await groupByEmbedding(texts, cached(await enc), opts.threshold !== undefined ? { threshold: opts.threshold } : {}) };
      } catch (err) {
        log(`[reports] grouping by the encoder failed, grouping by words: ${(err as Error).message}`);
      }
    }
    return { method: 'words', groups: groupByWords(texts) };
  };

  /** The report for [range.from, range.to) with the unanswered messages grouped. */
  const build = async (days: { from: string; to: string }, range: { from: string; to: string }): Promise<ReportBody> => {
    const report = await repo.report(range);
    const { messages, total, byReason } = report.unanswered;
    const { method, groups } = await group(messages);
    return {
      ...report,
      days,
      timeZone,
      unanswered: {
        total,
        byReason,
        method,
        groups: groups.slice(0, MAX_GROUPS).map((g) => {
          const reasons = Object.fromEntries(UNANSWERED_REASONS.map((r) => [r, 0])) as Record<UnansweredReason, number>;
          let lastAt = '';
          for (const i of g.members) {
            const m = messages[i]!;
            reasons[m.reason]++;
            if (m.createdAt > lastAt) lastAt = m.createdAt;
          }
          return { label: g.label, size: g.size, share: total ? g.size / total : 0, examples: g.examples, reasons, lastAt };
        }),
      },
    };
  };

  const handler =
    (fn: (res: ServerResponse, url: URL) => Promise<void>): RouteHandler =>
    async (req: IncomingMessage, res: ServerResponse, url: URL) => {
      if (!allowRead(req, res)) return;
      res.setHeader('cache-control', 'no-store');
      if (!(await requireStaff(store, req, res, ['admin']))) return;
      try {
        await fn(res, url);
      } catch (err) {
        if (err instanceof BadRequest || (err instanceof StoreError && err.code === 'invalid_input')) return sendJson(res, 400, { error: err.message });
        throw err;
      }
    };

  const report = handler(async (res, url) => {
    const { days, range } = rangeOf(url, now(), timeZone);
    sendJson(res, 200, await build(days, range));
  });

  const exportCsv = handler(async (res, url) => {
    const { days, range } = rangeOf(url, now(), timeZone);
    const body = '\uFEFF' + reportCsv(await build(days, range));
    res.writeHead(200, {
      'content-type': 'text/csv; charset=utf-8',
      'content-disposition': `attachment; filename="shopbot-report-${days.from}-to-${days.to}.csv"`,
      'content-length': Buffer.byteLength(body),
      'x-content-type-options': 'nosniff',
    });
    res.end(body);
  });

  return { report, exportCsv, build, rangeOf: (url: URL) => rangeOf(url, now(), timeZone) };
}

export type ReportsApi = ReturnType<typeof createReportsApi>;

const seconds = (ms: number | null) => (ms === null ? null : ms / 1000);

/** The report as rows of (section, id, name, metric, value); durations in seconds, rates as 0-1. */
export function reportCsv(r: ReportBody): string {
  const rows: unknown[][] = [];
  const add = (section: string, id: string | number | null, name: string, metric: string, value: unknown) => rows.push([section, id ?? '', name, metric, value ?? '']);
  add('range', null, '', 'from', r.days.from);
  add('range', null, '', 'to', r.days.to);
  for (const [k, v] of Object.entries(r.summary)) add('summary', null, '', snake(k), v);
  for (const d of r.byDay) {
    add('day', d.day, '', 'chats', d.chats);
    add('day', d.day, '', 'automated', d.automated);
    add('day', d.day, '', 'handed_off', d.handedOff);
  }
  for (const h of r.handoffReasons) {
    add('handoff_reason', h.reason, h.reason, 'tickets', h.tickets);
    add('handoff_reason', h.reason, h.reason, 'share', h.share);
  }
  const timing = (section: string, t: TimingRow) => {
    add(section, t.id, t.name, 'tickets', t.tickets);
    add(section, t.id, t.name, 'resolved', t.resolved);
    add(section, t.id, t.name, 'first_response_count', t.firstResponse.count);
    add(section, t.id, t.name, 'first_response_median_s', seconds(t.firstResponse.medianMs));
    add(section, t.id, t.name, 'first_response_p90_s', seconds(t.firstResponse.p90Ms));
    add(section, t.id, t.name, 'resolution_median_s', seconds(t.resolution.medianMs));
    add(section, t.id, t.name, 'resolution_p90_s', seconds(t.resolution.p90Ms));
  };
  timing('response_times', r.responseTimes.overall);
  for (const t of r.responseTimes.perAgent) timing('response_times_agent', t);
  for (const t of r.responseTimes.perTeam) timing('response_times_team', t);
  const csat = (section: string, c: CsatRow) => {
    add(section, c.id, c.name, 'ratings', c.ratings);
    add(section, c.id, c.name, 'average', c.average);
    c.distribution.forEach((n, i) => add(section, c.id, c.name, `rated_${i + 1}`, n));
  };
  csat('csat', r.csat.overall);
  for (const c of r.csat.perAgent) csat('csat_agent', c);
  for (const c of r.csat.perTeam) csat('csat_team', c);
  for (const [reason, n] of Object.entries(r.unanswered.byReason)) add('unanswered_reason', reason, reason, 'messages', n);
  r.unanswered.groups.forEach((g, i) => {
    add('unanswered_group', i + 1, g.label, 'messages', g.size);
    add('unanswered_group', i + 1, g.label, 'examples', g.examples.map((e) => e.text).join(' | '));
  });
  return toCsv(['section', 'id', 'name', 'metric', 'value'], rows);
}

const snake = (k: string) => k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
