import type { ItemMatrix } from '../recommender/item-embeddings.js';
import { MemoryEvents } from '../recommender/memory-sources.js';
import { Recommender, type RecommenderOptions } from '../recommender/recommender.js';
import type { CatalogItem, EventSource, Interaction } from '../recommender/types.js';

// Session-aware next-item evaluation on event sequences (views, add-to-carts, purchases), e.g.
// fixtures/store/events.jsonl. The question: while a customer browses, does a content-free request
// ("recommend something") put the next thing they look at or buy in its top k?
//
// Protocol (prequential: every event is replayed once, in time order, through the real
// Recommender's feedback loop, so no model ever sees the future):
//   - a customer's events (ties by file line) split into sessions at gaps longer than `gapMs`
//     (default 3 h; the fixture's browsing before one order spans at most ~100 minutes);
//   - a query point is the first event of an item new to the session that is not the session's
//     first item; the target is that item. Targets the customer had already interacted with before
//     the session are skipped (every method excludes what the customer has seen, as in the
//     leave-last-out eval), so the task is "what new item comes next";
//   - the first `warmup` share of query points only trains (there is nothing to learn from yet);
//   - at each scored point, k items from
//       (a) popularity: most distinct buyers so far, minus what the customer has seen;
//       (b) profile: the Recommender for the customer's events BEFORE the session (the long-term
//           profile alone), as a content-free request;
//       (c) profile + session: the Recommender for the customer with the session so far, as a
//           content-free request with context.session = the session's id (what the bot asks);
//       (d) request text as query: NLU's vector of "recommend something" as the request, which is
//           what the bot did before content-free requests existed;
//     (b), (c) and (d) exclude the session's items so far (a) too; hit@k = share of points whose
//     target is in the top k;
//   - then the event is recorded (recordEvent: profile, and for purchases popularity and
//     co-occurrence, at once).

export interface SessionEvalOptions {
  k?: number;
  /** Gap that starts a new session (default 3 h). */
  gapMs?: number;
  /** Share of query points (oldest first) used for training only (default 0.2). */
  warmup?: number;
  /** NLU's vector for "recommend something": adds method (d). */
  requestVector?: Float32Array | null;
  /** Also measure (c) with these session shares (context.session.weight). */
  sweep?: readonly number[];
}

export interface HitCounts {
  queries: number;
  popularity: number;
  profile: number;
  profile_session: number;
  request_text_as_query?: number;
}

export interface SessionEvalResult {
  sessions: number;
  sessions_scored: number;
  queries: number;
  customers: number;
  skipped_known_targets: number;
  skipped_unknown_items: number;
  all: HitCounts;
  /** Only points whose customer had events before the session (a long-term profile exists). */
  with_profile: HitCounts;
  /** hit@k of (c) per session share, when a sweep was asked for. */
  sweep?: Record<string, number>;
}

/** Events in memory, plus a view of one customer's events before a time under a synthetic id. */
class ReplayEvents implements EventSource {
  readonly mem = new MemoryEvents();
  private readonly before = new Map<string, { customerId: string; until: number }>();

  history(customerId: string, limit: number): Interaction[] {
    const view = this.before.get(customerId);
    if (!view) return this.mem.history(customerId, limit);
    const list = this.mem.history(view.customerId, Number.MAX_SAFE_INTEGER).filter((e) => e.ts < view.until);
    return list.slice(Math.max(0, list.length - limit)).map((e) => ({ ...e, customerId }));
  }

  purchases(): Iterable<Interaction> {
    return this.mem.purchases();
  }

  record(e: Interaction): void {
    this.mem.record(e);
  }

  /** A synthetic customer id whose history is `customerId`'s events strictly before `until`. */
  pastOf(customerId: string, until: number): string {
    const id = `\u0001before\u0001${customerId}`;
    this.before.set(id, { customerId, until });
    return id;
  }
}

/** Distinct buyers per item, ranked lazily. */
class BuyerCounts {
  private readonly buyers = new Map<string, Set<string>>();
  private ranked: string[] | null = [];

  add(customerId: string, productId: string): void {
    let s = this.buyers.get(productId);
    if (!s) this.buyers.set(productId, (s = new Set()));
    if (!s.has(customerId)) {
      s.add(customerId);
      this.ranked = null;
    }
  }

  top(exclude: ReadonlySet<string>, k: number): string[] {
    this.ranked ??= [...this.buyers.keys()].sort((a, b) => this.buyers.get(b)!.size - this.buyers.get(a)!.size || (a < b ? -1 : a > b ? 1 : 0));
    const out: string[] = [];
    for (const id of this.ranked) {
      if (out.length >= k) break;
      if (!exclude.has(id)) out.push(id);
    }
    return out;
  }
}

interface Point {
  /** index in the time-ordered event list of the event that first shows the target */
  at: number;
  sessionId: string;
  sessionStart: number;
  /** items of the session before the target */
  prefix: Set<string>;
  /** items the customer interacted with before the session */
  hadProfile: boolean;
}

const emptyCounts = (withRequest: boolean): HitCounts => ({ queries: 0, popularity: 0, profile: 0, profile_session: 0, ...(withRequest ? { request_text_as_query: 0 } : {}) });

export async function evaluateSessions(items: readonly CatalogItem[], vectors: ItemMatrix | undefined, input: readonly Interaction[], recOpts: RecommenderOptions = {}, opts: SessionEvalOptions = {}): Promise<SessionEvalResult> {
  const k = opts.k ?? 10;
  const gapMs = opts.gapMs ?? 3 * 3_600_000;
  const known = new Set(items.map((it) => it.id));
  let skippedUnknown = 0;
  const events = input
    .map((e, line) => ({ e, line }))
    .filter(({ e }) => {
      if (known.has(e.productId) && e.type !== 'impression') return true;
      skippedUnknown++;
      return false;
    })
    .sort((a, b) => a.e.ts - b.e.ts || a.line - b.line)
    .map(({ e }) => e);

  // sessions and query points
  const sessionOf = new Array<string>(events.length);
  const points: Point[] = [];
  const state = new Map<string, { last: number; n: number; start: number; seen: Set<string>; session: Set<string> }>();
  let skippedKnown = 0;
  let sessions = 0;
  events.forEach((e, at) => {
    let s = state.get(e.customerId);
    if (!s || e.ts - s.last > gapMs) {
      const seen = s ? new Set([...s.seen, ...s.session]) : new Set<string>();
      s = { last: e.ts, n: (s?.n ?? 0) + 1, start: e.ts, seen, session: new Set() };
      state.set(e.customerId, s);
      sessions++;
    }
    s.last = e.ts;
    const sessionId = `${e.customerId}#${s.n}`;
    sessionOf[at] = sessionId;
    if (!s.session.has(e.productId)) {
      if (s.session.size > 0) {
        if (s.seen.has(e.productId)) skippedKnown++;
        else points.push({ at, sessionId, sessionStart: s.start, prefix: new Set(s.session), hadProfile: s.seen.size > 0 });
      }
      s.session.add(e.productId);
    }
  });
  const firstScored = Math.floor(points.length * (opts.warmup ?? 0.2));
  const scored = new Map(points.slice(firstScored).map((p) => [p.at, p]));

  const source = new ReplayEvents();
  const rec = new Recommender({ ...recOpts, items: [...items], vectors, events: source });
  const buyers = new BuyerCounts();
  const seenBy = new Map<string, Set<string>>();
  const withRequest = opts.requestVector !== undefined && opts.requestVector !== null;
  const all = emptyCounts(withRequest);
  const withProfile = emptyCounts(withRequest);
  const sweep = new Map<number, number>((opts.sweep ?? []).map((w) => [w, 0]));
  const scoredSessions = new Set<string>();
  const hit = (list: { productId: string }[] | string[], target: string) => list.slice(0, k).some((r) => (typeof r === 'string' ? r : r.productId) === target);

  for (const [at, e] of events.entries()) {
    const p = scored.get(at);
    if (p) {
      const target = e.productId;
      const seen = seenBy.get(e.customerId) ?? new Set<string>();
      const exclude = [...p.prefix];
      const now = e.ts;
      const pop = buyers.top(new Set([...seen, ...p.prefix]), k);
      const pastId = source.pastOf(e.customerId, p.sessionStart);
      const profile = rec.rank({ customerId: pastId, contentFree: true, k, context: { now, exclude } });
      rec.invalidateProfile(pastId);
      const both = rec.rank({ customerId: e.customerId, contentFree: true, k, context: { now, exclude, session: { id: p.sessionId } } });
      const counts = [all, ...(p.hadProfile ? [withProfile] : [])];
      for (const c of counts) {
        c.queries++;
        if (hit(pop, target)) c.popularity++;
        if (hit(profile, target)) c.profile++;
        if (hit(both, target)) c.profile_session++;
      }
      if (withRequest) {
        const asQuery = rec.rank({ customerId: e.customerId, k, context: { now, exclude, queryVector: opts.requestVector! } });
        if (hit(asQuery, target)) for (const c of counts) c.request_text_as_query!++;
      }
      for (const w of sweep.keys()) {
        const list = rec.rank({ customerId: e.customerId, contentFree: true, k, context: { now, exclude, session: { id: p.sessionId, weight: w } } });
        if (hit(list, target)) sweep.set(w, sweep.get(w)! + 1);
      }
      scoredSessions.add(p.sessionId);
    }
    await rec.recordEvent({ customerId: e.customerId, productId: e.productId, type: e.type, ts: e.ts, session: sessionOf[at]!, ...(e.basket ? { basket: e.basket } : {}) });
    if (e.type === 'purchase') buyers.add(e.customerId, e.productId);
    let s = seenBy.get(e.customerId);
    if (!s) seenBy.set(e.customerId, (s = new Set()));
    s.add(e.productId);
  }

  const customers = new Set<string>();
  for (const p of scored.values()) customers.add(events[p.at]!.customerId);
  return {
    sessions,
    sessions_scored: scoredSessions.size,
    queries: all.queries,
    customers: customers.size,
    skipped_known_targets: skippedKnown,
    skipped_unknown_items: skippedUnknown,
    all,
    with_profile: withProfile,
    ...(sweep.size > 0 ? { sweep: Object.fromEntries([...sweep].map(([w, n]) => [String(w), all.queries ? n / all.queries : 0])) } : {}),
  };
}
