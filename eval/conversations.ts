// `npm run --silent eval -- conversations --file F.jsonl [--limit N] [--url http://127.0.0.1:3000]
//    [--concurrency 4] [--data-dir D] [--out verdicts.jsonl] [--min-overall X] [--min-category X]`
//
// What customers see: every message of F (fixtures/conversations/*.jsonl) is sent by a fresh guest
// over the web chat's socket.io protocol (namespace /chat, as web/public/widget.js does), the
// bot's whole answer (texts, product cards, quick replies, hand-off events) is collected until the
// turn is quiet, and judged by its category's rule (eval/judge.ts; fixtures/conversations/README.md).
// An item with `turns` is a dialogue: the earlier messages (text, or a press on a card's button)
// go first on the same guest connection, each answer waited for, and the last message is judged
// (category followup: against the earlier answers too, e.g. "cheaper than what was shown").
//
// Without --url the real bot is started in this process on 127.0.0.1 (app/main.ts start()) on a
// throw-away data folder: a fresh one (seeded and indexed from the fixtures: minutes), or a copy of
// --data-dir D (built there first when D has no database yet; D itself is never written again),
// so repeated runs can skip the build. With --url, the running server is used as it is (raise its
// SHOPBOT_WEB_IP_CONNECTIONS / SHOPBOT_WEB_IP_MESSAGES, or the per-IP limits slow the run down);
// --store-db F (its SQLite file, opened read-only) lets follow-ups be judged on product categories.
//
// Failures go to stderr (id, category, text, why, reply); the last stdout line is
//   {"task":"conversations","file","n","overall","per_category":{"policy":{"n","pass","rate"},...},
//    "out_of_scope_refused","in_scope_refused","clarification_only","no_reply","reply_p50_ms","reply_p95_ms"}
// overall = share of messages passing their rule; out_of_scope_refused = share of out_of_scope
// messages politely declined; in_scope_refused = share of the other messages given the refusal or
// "not sure I understood" answer; clarification_only = share of all messages answered only with a
// clarifying question ("Is it about refunds, or returns?"); reply_*_ms = send -> first bot message, over messages answered.
// The exit code is 0 whatever the figures (a measurement), unless --min-overall / --min-category
// (a share, 0..1, checked against every category) are given and missed: then 1.

import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Database from 'better-sqlite3';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { io, type Socket } from 'socket.io-client';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { progress } from '../core/progress.js';
import { percentile, round } from '../bench/stats.js';
import { CARD_ACTIONS, CATEGORIES, judge, politelyDeclined, previousCards, type Category, type ConversationItem, type Transcript, type Turn, type Verdict } from './judge.js';

export interface TurnOptions {
  /** The turn is over this long after the last event, once the bot has answered. */
  quietMs?: number;
  /** Give up on a turn after this long (from sending). */
  maxWaitMs?: number;
}

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Reads and checks a conversations file (JSONL). */
export function readItems(file: string): ConversationItem[] {
  const lines = readFileSync(file, 'utf8').split('\n');
  const items: ConversationItem[] = [];
  lines.forEach((line, i) => {
    if (!line.trim()) return;
    let o: ConversationItem;
    try {
      o = JSON.parse(line) as ConversationItem;
    } catch {
      throw new Error(`${file}:${i + 1}: not JSON`);
    }
    if (typeof o.id !== 'string' || typeof o.text !== 'string' || !CATEGORIES.includes(o.category)) throw new Error(`${file}:${i + 1}: needs id, text and a category of ${CATEGORIES.join('|')}`);
    if (o.category === 'policy' && !o.expect_terms?.length) throw new Error(`${file}:${i + 1}: a policy message needs expect_terms`);
    if (o.category === 'product' && !o.product_terms?.length) throw new Error(`${file}:${i + 1}: a product message needs product_terms`);
    const bad = checkTurns(o.turns);
    if (bad) throw new Error(`${file}:${i + 1}: ${bad}`);
    if (o.category === 'followup') {
      if (!o.turns?.length) throw new Error(`${file}:${i + 1}: a followup needs turns (the earlier messages)`);
      if (!(o.expect_terms?.length || o.product_terms?.length || o.about_product_terms?.length || o.about_card !== undefined || o.cheaper_than_previous || o.max_price !== undefined)) {
        throw new Error(`${file}:${i + 1}: a followup needs a rule: expect_terms, product_terms, about_product_terms, about_card, cheaper_than_previous or max_price`);
      }
      if (o.same_category_as_previous && !o.product_terms?.length) throw new Error(`${file}:${i + 1}: same_category_as_previous needs product_terms (used where categories cannot be read)`);
    }
    items.push(o);
  });
  return items;
}

/** What is wrong with an item's turns, or null. */
function checkTurns(turns: unknown): string | null {
  if (turns === undefined) return null;
  if (!Array.isArray(turns)) return 'turns must be a list';
  for (const t of turns as unknown[]) {
    if (typeof t === 'string' && t.trim()) continue;
    if (t && typeof t === 'object') {
      const o = t as Record<string, unknown>;
      if (typeof o.text === 'string' && o.text.trim()) continue;
      if (CARD_ACTIONS.includes(o.click as never) && Number.isInteger(o.card) && (o.card as number) >= 1 && (o.result === undefined || ['added', 'refused', 'no_cart'].includes(o.result as string))) continue;
    }
    return `a turn must be text or {"click": "${CARD_ACTIONS.join('|')}", "card": N}: ${JSON.stringify(t)}`;
  }
  return null;
}

/** A fresh guest's socket on /chat, once its (conversation-less) session has arrived. */
async function guestSocket(url: string, timeoutMs: number): Promise<Socket> {
  for (let attempt = 0; ; attempt++) {
    const socket = io(`${url}/chat`, { transports: ['websocket'], auth: {}, reconnection: false, forceNew: true, timeout: timeoutMs });
    try {
      await new Promise<void>((ok, fail) => {
        const timer = setTimeout(() => fail(new Error('no session event')), timeoutMs);
        socket.once('session', () => (clearTimeout(timer), ok()));
        socket.once('connect_error', (err) => (clearTimeout(timer), fail(err)));
      });
      return socket;
    } catch (err) {
      socket.close();
      // The server's per-IP connection limit: wait and try again.
      if ((err as Error).message === 'rate_limited' && attempt < 30) {
        await sleep(2000);
        continue;
      }
      throw err;
    }
  }
}

/** What a turn sends: typed text, or a card button's value with the label the widget shows. */
export function turnPayload(turn: Turn, earlier: readonly Transcript[]): { text: string; value?: string } | { error: string } {
  if (typeof turn === 'string') return { text: turn };
  if ('text' in turn) return { text: turn.text };
  const cards = previousCards(earlier);
  const card = cards[turn.card - 1];
  if (!card) return { error: `no card ${turn.card} to press ${turn.click} on (the latest cards: ${cards.length})` };
  const button = (card.buttons ?? []).find((b) => {
    try {
      return (JSON.parse(b.value) as { action?: unknown }).action === turn.click;
    } catch {
      return false;
    }
  });
  if (!button) return { error: `card ${turn.card} has no ${turn.click} button` };
  let value = button.value;
  // The widget asks the host page's cart first and tells the bot what it answered.
  if (turn.click === 'add_to_cart') value = JSON.stringify({ ...(JSON.parse(button.value) as object), result: turn.result ?? 'no_cart' });
  return { text: `${button.title}: ${card.title.slice(0, 80)}`, value };
}

/** Sends one message as a fresh guest and records what the bot sends back until the turn is quiet. */
export async function runTurn(url: string, text: string, opts: TurnOptions = {}): Promise<Transcript> {
  return (await runDialogue(url, [], text, opts)).last;
}

/**
 * One fresh guest's conversation: the earlier turns, each answered (the turn quiet) before the
 * next is sent, then `text`. A turn that cannot be sent ends the dialogue with its error on `last`.
 */
export async function runDialogue(url: string, turns: readonly Turn[], text: string, opts: TurnOptions = {}): Promise<{ earlier: Transcript[]; last: Transcript }> {
  const quietMs = opts.quietMs ?? 700;
  const maxWaitMs = opts.maxWaitMs ?? 15_000;
  const empty = (): Transcript => ({ texts: [], cards: [], chips: [], handoff: [], firstReplyMs: null });
  const earlier: Transcript[] = [];
  let socket: Socket;
  try {
    socket = await guestSocket(url, maxWaitMs);
  } catch (err) {
    return { earlier, last: { ...empty(), error: `could not connect: ${(err as Error).message}` } };
  }
  let t = empty();
  let sentAt = 0;
  let lastEvent = 0;
  let firstReply = 0;
  socket.onAny((event: string, raw: unknown) => {
    const data = (raw ?? {}) as Record<string, unknown>;
    const now = performance.now();
    lastEvent = now;
    const reply = () => {
      if (!firstReply && sentAt) {
        firstReply = now;
        t.firstReplyMs = round(now - sentAt, 1);
      }
    };
    if (event === 'message' && data.role !== 'customer') {
      t.texts.push(String(data.text ?? ''));
      reply();
    } else if (event === 'card') {
      for (const c of (data.cards ?? []) as Record<string, unknown>[]) {
        const buttons = ((c.buttons ?? []) as Record<string, unknown>[]).map((b) => ({ title: String(b.title ?? ''), value: String(b.value ?? '') }));
        const productId = buttons.map((b) => {
          try {
            const id = (JSON.parse(b.value) as { productId?: unknown }).productId;
            return typeof id === 'string' ? id : undefined;
          } catch {
            return undefined;
          }
        }).find(Boolean);
        t.cards.push({ title: String(c.title ?? ''), subtitle: String(c.subtitle ?? ''), ...(c.text ? { text: String(c.text) } : {}), ...(productId ? { productId } : {}), ...(buttons.length ? { buttons } : {}) });
      }
      reply();
    } else if (event === 'suggestions') {
      for (const c of (data.chips ?? []) as Record<string, unknown>[]) t.chips.push(String(c.title ?? c.value ?? ''));
    } else if (event === 'handoff') {
      t.handoff.push(data);
    }
  });
  /** Sends one message and waits for the answer to go quiet; the transcript gets any error. */
  const exchange = async (payload: { text: string; value?: string }): Promise<void> => {
    t = empty();
    sentAt = 0;
    firstReply = 0;
    try {
      for (let attempt = 0; ; attempt++) {
        sentAt = performance.now();
        const ack = (await socket.timeout(maxWaitMs).emitWithAck('message', payload)) as Record<string, unknown>;
        if (ack.ok === true) break;
        if (ack.code === 'rate_limited' && attempt < 10) {
          await sleep(2000);
          continue;
        }
        t.error = `message refused: ${String(ack.code ?? '')} ${String(ack.message ?? '')}`.trim();
        return;
      }
      const deadline = sentAt + maxWaitMs;
      for (;;) {
        const now = performance.now();
        if (now >= deadline) break;
        if (firstReply && now - lastEvent >= quietMs) break;
        await sleep(Math.min(50, quietMs / 4));
      }
      if (!firstReply) t.error = `no reply within ${maxWaitMs} ms`;
    } catch (err) {
      t.error = `turn failed: ${(err as Error).message}`;
    }
  };
  try {
    for (const [i, turn] of turns.entries()) {
      const payload = turnPayload(turn, earlier);
      if ('error' in payload) return { earlier, last: { ...empty(), error: `turn ${i + 1}: ${payload.error}` } };
      await exchange(payload);
      earlier.push(t);
      if (t.error) return { earlier, last: { ...empty(), error: `turn ${i + 1}: ${t.error}` } };
    }
    await exchange({ text });
    return { earlier, last: t };
  } finally {
    socket.close();
  }
}

export interface ItemResult {
  item: ConversationItem;
  /** The answer to the judged (last) message. */
  transcript: Transcript;
  verdict: Verdict;
  /** The answers to the item's earlier turns (dialogues only). */
  earlier?: Transcript[];
}

export interface RunOptions extends TurnOptions {
  concurrency?: number;
  /** Progress bar on stderr (default on). */
  progress?: boolean;
  onResult?: (r: ItemResult) => void;
  /** A product's category (the store, read-only), for follow-ups' same_category_as_previous. */
  categoryOf?: (productId: string) => string | undefined;
}

/** Runs every item against the server at `url` with bounded concurrency; results in item order. */
export async function runItems(url: string, items: readonly ConversationItem[], opts: RunOptions = {}): Promise<ItemResult[]> {
  const results: ItemResult[] = new Array(items.length);
  const bar = progress('conversations', items.length, opts.progress === false ? { silent: true } : {});
  let next = 0;
  const worker = async () => {
    for (;;) {
      const i = next++;
      if (i >= items.length) return;
      const item = items[i]!;
      const { earlier, last: transcript } = await runDialogue(url, item.turns ?? [], item.text, opts);
      const r: ItemResult = { item, transcript, verdict: judge(item, transcript, { earlier, ...(opts.categoryOf ? { categoryOf: opts.categoryOf } : {}) }), ...(item.turns?.length ? { earlier } : {}) };
      results[i] = r;
      opts.onResult?.(r);
      bar.tick();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, Math.min(opts.concurrency ?? 4, items.length)) }, worker));
  bar.done();
  return results;
}

export interface ConversationMetrics {
  task: 'conversations';
  file?: string;
  n: number;
  overall: number;
  per_category: Partial<Record<Category, { n: number; pass: number; rate: number }>>;
  out_of_scope_refused: number | null;
  in_scope_refused: number | null;
  clarification_only: number | null;
  no_reply: number;
  reply_p50_ms: number | null;
  reply_p95_ms: number | null;
  [key: string]: unknown;
}

export function summarise(results: readonly ItemResult[]): ConversationMetrics {
  const per: ConversationMetrics['per_category'] = {};
  for (const c of CATEGORIES) {
    const rs = results.filter((r) => r.item.category === c);
    if (rs.length) {
      const pass = rs.filter((r) => r.verdict.pass).length;
      per[c] = { n: rs.length, pass, rate: round(pass / rs.length, 3) };
    }
  }
  const oos = results.filter((r) => r.item.category === 'out_of_scope');
  const inScope = results.filter((r) => r.item.category !== 'out_of_scope');
  const ms = results.map((r) => r.transcript.firstReplyMs).filter((x): x is number => x !== null);
  const share = (k: number, n: number) => (n ? round(k / n, 3) : null);
  return {
    task: 'conversations',
    n: results.length,
    overall: share(results.filter((r) => r.verdict.pass).length, results.length) ?? 0,
    per_category: per,
    out_of_scope_refused: share(oos.filter((r) => r.transcript.texts.some(politelyDeclined)).length, oos.length),
    in_scope_refused: share(inScope.filter((r) => r.verdict.refused).length, inScope.length),
    clarification_only: share(results.filter((r) => r.verdict.clarified).length, results.length),
    no_reply: results.filter((r) => r.transcript.firstReplyMs === null).length,
    reply_p50_ms: ms.length ? round(percentile(ms, 50), 0) : null,
    reply_p95_ms: ms.length ? round(percentile(ms, 95), 0) : null,
  };
}

const clip = (s: string, n: number) => (s.length > n ? s.slice(0, n - 1) + '…' : s);

function describeReply(t: Transcript, width = 220): string {
  const reply = t.texts.length ? t.texts.map((x) => clip(x.replace(/\s+/g, ' '), width)).join(' | ') : '(nothing)';
  const cards = t.cards.length ? ` [cards: ${t.cards.map((c) => `${clip(c.title, 50)} (${c.subtitle.split('·')[0]!.trim()})`).join('; ')}]` : '';
  const hand = t.handoff.length ? ` [handoff: ${t.handoff.map((h) => String(h.status)).join(',')}]` : '';
  return `${reply}${cards}${hand}`;
}

const turnText = (turn: Turn) => (typeof turn === 'string' ? turn : 'text' in turn ? turn.text : `(${turn.click} on card ${turn.card})`);

/** One failure, for stderr (a dialogue's earlier turns first). */
export function describeFailure(r: ItemResult): string {
  const before = (r.item.turns ?? []).map((turn, i) => `     ${i + 1}. "${turnText(turn)}" -> ${r.earlier?.[i] ? describeReply(r.earlier[i]!, 120) : '(not sent)'}\n`).join('');
  return `FAIL ${r.item.id} [${r.item.category}] "${r.item.text}" -> ${r.verdict.reasons.join('; ')}\n${before}     reply: ${describeReply(r.transcript)}\n`;
}

export interface BotHandle {
  url: string;
  close(): Promise<void>;
  /** A product's category, read from the bot's store (read-only). */
  categoryOf?: (productId: string) => string | undefined;
}

/** Reads products' categories from a store's SQLite file (read-only); close() when done. */
export function categoryReader(dbPath: string): { categoryOf: (productId: string) => string | undefined; close(): void } {
  const db = new Database(dbPath, { readonly: true, fileMustExist: true });
  const stmt = db.prepare<[string], { category: string }>('SELECT category FROM products WHERE id = ?');
  const cache = new Map<string, string | undefined>();
  return {
    categoryOf(productId) {
      if (!cache.has(productId)) cache.set(productId, stmt.get(productId)?.category);
      return cache.get(productId);
    },
    close: () => db.close(),
  };
}

/**
 * The real bot in this process, on a throw-away data folder (see the header). The per-IP limits
 * are lifted: every message is a new guest connection from 127.0.0.1.
 */
export async function startBot(opts: { dataDir?: string; log?: (line: string) => void } = {}): Promise<BotHandle> {
  const { start } = await import('../app/main.js');
  const log = opts.log ?? (() => {});
  const env: NodeJS.ProcessEnv = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_WEB_IP_CONNECTIONS: '1000000', SHOPBOT_WEB_IP_MESSAGES: '1000000' };
  const dir = mkdtempSync(join(tmpdir(), 'shopbot-eval-conversations-'));
  try {
    if (opts.dataDir) {
      const source = resolve(opts.dataDir);
      if (!existsSync(join(source, 'shop.db'))) {
        process.stderr.write(`conversations: building the data folder ${source} (seed, models, FAQ index; minutes)\n`);
        await (await start({ port: 0, host: '127.0.0.1', dataDir: source, env, log })).close();
      }
      cpSync(source, dir, { recursive: true });
      rmSync(join(dir, 'session.key'), { force: true });
    } else {
      process.stderr.write('conversations: starting the bot on a fresh data folder (seed, models, FAQ index; minutes)\n');
    }
    const running = await start({ port: 0, host: '127.0.0.1', dataDir: dir, env, log });
    const categories = categoryReader(running.config.dbPath);
    return {
      url: running.url,
      categoryOf: categories.categoryOf,
      async close() {
        categories.close();
        await running.close();
        rmSync(dir, { recursive: true, force: true });
      },
    };
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
}

function shareFlag(flags: Record<string, string | true>, name: string): number | undefined {
  const v = stringFlag(flags, name);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new Error(`--${name} must be a share between 0 and 1 (got "${v}")`);
  return n;
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const file = stringFlag(flags, 'file');
  if (!file) throw new Error('usage: eval conversations --file F.jsonl [--limit N] [--url U [--store-db shop.db]] [--concurrency 4] [--data-dir D] [--out F.jsonl] [--min-overall X] [--min-category X]');
  const all = readItems(resolve(file));
  const limit = flags.limit === undefined ? all.length : intFlag(flags, 'limit', all.length);
  const items = all.slice(0, limit);
  const concurrency = intFlag(flags, 'concurrency', 4);
  const quietMs = intFlag(flags, 'quiet-ms', 700);
  const maxWaitMs = intFlag(flags, 'max-wait-ms', 15_000);
  const minOverall = shareFlag(flags, 'min-overall');
  const minCategory = shareFlag(flags, 'min-category');
  const outFile = stringFlag(flags, 'out');
  const url = stringFlag(flags, 'url');
  const dataDir = stringFlag(flags, 'data-dir');
  const storeDb = stringFlag(flags, 'store-db');

  const logs: string[] = [];
  let bot: BotHandle;
  if (url) {
    const categories = storeDb ? categoryReader(resolve(storeDb)) : null;
    bot = { url: url.replace(/\/+$/, ''), close: async () => categories?.close(), ...(categories ? { categoryOf: categories.categoryOf } : {}) };
  } else bot = await startBot({ ...(dataDir ? { dataDir } : {}), log: (l) => logs.push(l) });
  let results: ItemResult[];
  try {
    process.stderr.write(`conversations: ${items.length} item(s) from ${file} against ${bot.url}, ${concurrency} at a time\n`);
    results = await runItems(bot.url, items, { concurrency, quietMs, maxWaitMs, ...(bot.categoryOf ? { categoryOf: bot.categoryOf } : {}) });
  } finally {
    await bot.close();
  }
  // A bot that could not be reached is a broken run, not a measurement of 0.
  if (results.length && results.every((r) => r.transcript.error?.startsWith('could not connect'))) throw new Error(`could not reach the bot at ${bot.url}: ${results[0]!.transcript.error}`);
  for (const r of results) if (!r.verdict.pass) process.stderr.write(describeFailure(r));
  if (outFile) writeFileSync(resolve(outFile), results.map((r) => JSON.stringify({ id: r.item.id, category: r.item.category, text: r.item.text, pass: r.verdict.pass, reasons: r.verdict.reasons, refused: r.verdict.refused, handoff: r.verdict.handoff, clarified: r.verdict.clarified, ...(r.item.turns?.length ? { turns: r.item.turns, earlier: r.earlier ?? [] } : {}), transcript: r.transcript })).join('\n') + '\n');

  const metrics: ConversationMetrics = { ...summarise(results), file };
  const missed: string[] = [];
  if (minOverall !== undefined && metrics.overall < minOverall) missed.push(`overall ${metrics.overall} < ${minOverall}`);
  if (minCategory !== undefined) for (const [c, v] of Object.entries(metrics.per_category)) if (v.rate < minCategory) missed.push(`${c} ${v.rate} < ${minCategory}`);
  if (missed.length) {
    process.stderr.write(`conversations: below the thresholds: ${missed.join(', ')}\n`);
    process.exitCode = 1;
  }
  // Keys in a fixed, readable order: task first.
  const { task, n, overall, per_category, out_of_scope_refused, in_scope_refused, clarification_only, no_reply, reply_p50_ms, reply_p95_ms } = metrics;
  return { task, file, n, overall, per_category, out_of_scope_refused, in_scope_refused, clarification_only, no_reply, reply_p50_ms, reply_p95_ms };
}
