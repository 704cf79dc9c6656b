import type { Encoder } from '../nlu/encoder-types.js';
import { CatalogIndex } from './catalog.js';
import { CoOccurrence, type CoOccurrenceOptions } from './cooccurrence.js';
import { dotRow, embedItems, type ItemMatrix } from './item-embeddings.js';
import { Popularity, type PopularityOptions } from './popularity.js';
import { interestOf, ProfileStore, type CustomerProfile, type ProfileEvent, type ProfileOptions, type WeightedItem } from './profile.js';
import { diversify, FrequencyCap, isConsumable, type Candidate, type DiversityOptions, type FrequencyCapOptions } from './rules.js';
import { isContentFree, queryTerms } from './text-match.js';
import { dotEngine, Int8DotEngine, type DotEngine } from './simd-dot.js';
import { TopK } from './topk.js';
import {
  INTERACTION_TYPES,
  RecommenderError,
  type CatalogItem,
  type CatalogSource,
  type EventSource,
  type Interaction,
  type InteractionType,
  type Recommendation,
  type RecommendFilters,
  type RecommendRequest,
  type RecommendSession,
  type RelatedItem,
} from './types.js';

// The hybrid recommender. Per request it scores every in-stock product that passes the filters in
// one pass over the item matrix, then applies the business rules to a shortlist:
//
//   without a query:  wContent * cos(item, interest) + wCollab * cf(item) + wPop * pop(item)
//                     + wTrend * trend(item) + wCatPop * pop(item) * affinity(customer, category(item))
//   with a query:     wQuery * cos(item, query) + wLexical * words(item) + personal * (the above)
//
// cf = item-kNN from baskets over the customer's weighted history, normalized to max 1; pop =
// all-time and trending (time-decayed) popularity in [0, 1], also per category of interest; interest = recency-weighted mean of the customer's item vectors.
// Shortlist -> live stock re-check -> MMR diversity with a category cap and a
// near-duplicate cut -> k results, each with a reason. Everything is keyed by customer id, so the
// same request gives the same list on every channel.

export interface BlendWeights {
  /** Cosine between the item and the customer's interest vector. */
  content: number;
  /** Normalized item-kNN score from the customer's history. */
  collaborative: number;
  /** All-time popularity in [0, 1]. */
  popularity: number;
  /** Trending (time-decayed) popularity in [0, 1]. */
  trending: number;
  /** Popularity times the customer's affinity to the item's category (path, "Dept > Sub", "Dept"). */
  categoryPopularity: number;
}

export interface QueryWeights {
  /** Cosine between the item and the request's vector. */
  query: number;
  /** Share of the request's words found in the title/category (idf-weighted). */
  lexical: number;
  /** Scale of the personal blend (BlendWeights) inside a request. */
  personal: number;
  /** Items whose query cosine is this far below the best candidate's are dropped (relevance floor). */
  floorMargin: number;
}

/**
 * Defaults for a live shop. `npm run eval -- recommend` prints weights tuned on a validation split of
 * your own data (stderr: tuned_weights, tuned_department_weights): pass them as `weights` and
 * `departmentWeights`.
 */
export const DEFAULT_WEIGHTS: BlendWeights = { content: 0.3, collaborative: 1, popularity: 0.1, trending: 0.05, categoryPopularity: 0.5 };
export const DEFAULT_QUERY_WEIGHTS: QueryWeights = { query: 1, lexical: 0.35, personal: 0.25, floorMargin: 0.3 };

/** How the current session (chat conversation) is told apart and weighed against the long-term profile. */
export interface SessionOptions {
  /** Without a session id or start, the session is the latest run of events with no gap longer than this (default 30 min). */
  gapMs?: number;
  /** Share of the session in the profile + session blend, 0..1 (default 0.7). */
  weight?: number;
  /**
   * Weight multiplier per step back within the session (default 0.9: the latest view counts most,
   * ten steps back about a third). The session eval on the fixtures prefers flatter (1: 0.090
   * hit@10, 0.9: 0.079, 0.7: 0.063) because their views within a session are in random order.
   */
  decay?: number;
}

export const DEFAULT_SESSION: Required<SessionOptions> = { gapMs: 30 * 60_000, weight: 0.7, decay: 0.9 };

export interface RecommenderOptions {
  weights?: Partial<BlendWeights>;
  /**
   * Blend weights per department (top category level, lower-case), used for customers whose history
   * is mostly in that department: gift-shop baskets and electronics behave differently. Tuned by the
   * eval for departments with enough validation customers; others use `weights`.
   */
  departmentWeights?: Readonly<Record<string, Partial<BlendWeights>>>;
  queryWeights?: Partial<QueryWeights>;
  profile?: ProfileOptions;
  cooccurrence?: CoOccurrenceOptions;
  popularity?: PopularityOptions;
  /** Defaults: lambda 0.85, maxPerCategory 3 (only for requests without a query or category filter), nearDuplicate 0.95, maxNearDuplicates 2. */
  diversity?: DiversityOptions;
  frequencyCap?: FrequencyCapOptions;
  /** Categories that may be bought again (matched like a category filter), e.g. ["Batteries", "Grocery"]. */
  consumables?: readonly string[];
  /** Injected clock (epoch ms) for decay, the frequency cap and recorded events. */
  clock?: () => number;
  /** Largest k served; larger requests are clamped (default 50). */
  maxK?: number;
  /** The current session next to the long-term profile (requests without a query). */
  session?: SessionOptions;
  /** Items viewed/clicked/carted this recently are left out of suggestions without a query (default 24 h). */
  recentlySeenMs?: number;
  /** Items shown this many times without a click are demoted (default 3). */
  fatigueAfter?: number;
  fatiguePenalty?: number;
  /** History items used for the collaborative score (default 30, heaviest first). */
  historyItems?: number;
  /** Embeds `query` text when the caller passes no queryVector (otherwise keywords only). */
  encoder?: Encoder;
  /** Catalogue source; with stockOf() the final shortlist's stock is re-checked live (liveStock(): the picks'). */
  catalog?: CatalogSource;
}

export interface RecommenderInit extends RecommenderOptions {
  items: readonly CatalogItem[];
  /** Item vectors in `items` order (n x dim, L2-normalized); omit to run without content signals. */
  vectors?: ItemMatrix;
  events: EventSource;
}

export interface NewEventInput {
  customerId: string;
  productId: string;
  type: InteractionType;
  /** Epoch ms or ISO time; default now. */
  ts?: number | string;
  /** Order id for purchases bought together. */
  basket?: string;
  /** The session (chat conversation id) it happened in: `context.session.id` of later requests picks it up. */
  session?: string;
}

export interface RecommendDebug {
  candidates: number;
  shortlist: number;
  usedQueryVector: boolean;
  coldStart: boolean;
  /** The request was content-free (flag or request words only): query and query vector ignored. */
  contentFree: boolean;
  /** Events of the current session that shaped the list (0: profile only). */
  sessionEvents: number;
}

interface ScoreParts {
  content: number;
  query: number;
  lexical: number;
  cf: number;
  pop: number;
  catPop: number;
}

/** A ranking request, read: what was asked for, and who asks (profile, history, interest). */
interface RankInput {
  now: number;
  qv: Float32Array | null;
  terms: { stem: string; word: string }[];
  contentFree: boolean;
  hasQuery: boolean;
  filters: RecommendFilters | undefined;
  profile: CustomerProfile;
  /** The history split at the current session (requests without a query that ask for one). */
  split: { history: WeightedItem[]; sessionEvents: number } | null;
  history: WeightedItem[];
  /** The customer's interest vector; null without content signals or history. */
  pv: Float32Array | null;
}

/** The weights of one request's signals, and the scratch entries its sparse signals touched. */
interface Blend {
  cfTouched: number[];
  lexTouched: number[];
  aff: Float32Array | null;
  pop: Float32Array;
  trend: Float32Array;
  wContent: number;
  wQuery: number;
  cfScale: number;
  wPop: number;
  wTrend: number;
  wCatPop: number;
  wLex: number;
}

/** The catalogue pass: the shortlist and what re-scoring it needs. */
interface ScoredCatalog {
  shortlist: Candidate[];
  /** Items that passed the exclusions and filters. */
  candidates: number;
  /** The best query cosine among them (the relevance floor's reference). */
  bestQ: number;
  combined: Float32Array | null;
  dotC: Float32Array | null;
  dotQ: Float32Array | null;
}

const MAX_QUERY_CHARS = 512;

function toMs(ts: number | string | undefined, fallback: number): number {
  if (ts === undefined) return fallback;
  const ms = typeof ts === 'number' ? ts : Date.parse(ts);
  if (!Number.isFinite(ms)) throw new RecommenderError('invalid_input', `invalid event time ${JSON.stringify(ts)}`);
  return ms;
}

function shortTitle(title: string, max = 48): string {
  const t = title.replace(/\s+/g, ' ').trim();
  if (t.length <= max) return t;
  const cut = t.slice(0, max);
  const sp = cut.lastIndexOf(' ');
  return (sp > 20 ? cut.slice(0, sp) : cut) + '…';
}

function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}

export class Recommender {
  readonly catalog: CatalogIndex;
  private vectors: ItemMatrix;
  private readonly hasContent: boolean;
  private cooc: CoOccurrence;
  private pop: Popularity;
  private readonly profiles: ProfileStore;
  private readonly cap: FrequencyCap;
  readonly weights: BlendWeights;
  private readonly departmentWeights: Map<string, BlendWeights>;
  readonly queryWeights: QueryWeights;
  private readonly opts: RecommenderOptions;
  private readonly clock: () => number;
  private readonly events: EventSource;
  private readonly maxK: number;
  // scratch buffers reused by every request (requests run synchronously, one at a time)
  private cfScores = new Float32Array(0);
  private cfBest = new Int32Array(0);
  private cfBestC = new Float32Array(0);
  private lexScores = new Float32Array(0);
  private lexMask = new Uint16Array(0);
  private qScores = new Float32Array(0);
  private dotScratch = new Float32Array(0);
  private excludeMask = new Uint8Array(0);
  private engine: DotEngine;
  private approx: Int8DotEngine | null;
  private retraining: Promise<void> | null = null;
  /** The event source reads asynchronously: the constructor could not train on its purchases. */
  private untrained = false;
  private pendingDuringRetrain: Interaction[] | null = null;
  lastDebug: RecommendDebug = { candidates: 0, shortlist: 0, usedQueryVector: false, coldStart: true, contentFree: false, sessionEvents: 0 };

  constructor(init: RecommenderInit) {
    this.opts = init;
    this.clock = init.clock ?? Date.now;
    this.events = init.events;
    this.maxK = init.maxK ?? 50;
    this.weights = { ...DEFAULT_WEIGHTS, ...init.weights };
    this.departmentWeights = new Map(Object.entries(init.departmentWeights ?? {}).map(([d, w]) => [d.trim().toLowerCase(), { ...this.weights, ...w }]));
    this.queryWeights = { ...DEFAULT_QUERY_WEIGHTS, ...init.queryWeights };
    this.catalog = new CatalogIndex(init.items);
    if (this.catalog.n !== init.items.length) throw new RecommenderError('invalid_input', 'catalogue has duplicate product ids');
    this.hasContent = init.vectors !== undefined && init.vectors.n > 0;
    const vectors = init.vectors ?? { dim: 0, n: 0, data: new Float32Array(0) };
    if (this.hasContent && vectors.n !== this.catalog.n) throw new RecommenderError('invalid_input', `vectors has ${vectors.n} rows for ${this.catalog.n} items`);
    this.engine = dotEngine(vectors);
    this.vectors = this.engine.matrix; // the engine owns the matrix (wasm memory); no second copy
    this.approx = this.hasContent ? Int8DotEngine.create(this.vectors) : null;
    this.cooc = new CoOccurrence(this.catalog.n, init.cooccurrence);
    this.pop = this.newPopularity();
    this.profiles = new ProfileStore(
      (id, limit) => this.events.history(id, limit),
      (pid) => this.catalog.indexOf(pid),
      init.profile,
    );
    this.cap = new FrequencyCap(init.frequencyCap);
    this.resizeScratch();
    // An asynchronous source (the store) is read by create(), which awaits a first retrain().
    const purchases = this.events.purchases();
    if (Symbol.iterator in purchases) this.trainFrom(purchases, this.cooc, this.pop);
    else this.untrained = true;
  }

  /** Loads the catalogue, embeds it (disk-cached) with the shared encoder and trains on the purchases. */
  static async create(
    init: RecommenderOptions & { catalog: CatalogSource; events: EventSource; encoder?: Encoder; cacheDir?: string; silent?: boolean },
  ): Promise<Recommender> {
    const items = [...(await init.catalog.listProducts())].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const vectors = init.encoder ? (await embedItems(init.encoder, items, { cacheDir: init.cacheDir, silent: init.silent ?? false })).matrix : undefined;
    const rec = new Recommender({ ...init, items, vectors });
    if (rec.untrained) await rec.retrain();
    return rec;
  }

  get size(): number {
    return this.catalog.n;
  }

  /** Whether items carry vectors (content signals); catalogue changes then need embeddings. */
  get hasItemVectors(): boolean {
    return this.hasContent;
  }

  private newPopularity(): Popularity {
    const p = new Popularity(this.catalog.n, this.opts.popularity);
    this.catalog.items.forEach((it, i) => p.setPrior(i, it.rating, it.ratingCount));
    return p;
  }

  private resizeScratch(): void {
    const n = this.catalog.n;
    if (this.cfScores.length >= n) return;
    this.cfScores = new Float32Array(n);
    this.cfBest = new Int32Array(n).fill(-1);
    this.cfBestC = new Float32Array(n);
    this.lexScores = new Float32Array(n);
    this.lexMask = new Uint16Array(n);
    this.qScores = new Float32Array(n);
    this.dotScratch = new Float32Array(n);
    this.excludeMask = new Uint8Array(n);
  }

  private trainFrom(purchases: Iterable<Interaction>, cooc: CoOccurrence, pop: Popularity): number {
    let count = 0;
    for (const e of purchases) {
      const i = this.catalog.indexOf(e.productId);
      if (i === undefined) continue;
      cooc.add(e.customerId, i, e.basket ?? `${e.customerId}@${e.ts}`);
      pop.add(i, e.type, e.ts);
      count++;
    }
    return count;
  }

  // ------------------------------------------------------------------------------------------
  // recommend

  /**
   * Suggestions for a customer, optionally within a request. Unknown customers get the cold-start
   * list (popular in-stock items). k defaults to 10, is clamped to maxK, and k <= 0 gives [].
   * When `query` is text and no context.queryVector is given, the configured encoder embeds it
   * (or, without one, only keywords are matched).
   */
  async recommend(req: RecommendRequest): Promise<Recommendation[]> {
    const query = this.cleanQuery(req?.query);
    let qv = req?.context?.queryVector;
    // a content-free request ("recommend something") is never embedded: its words are no search
    if (query && !qv && this.opts.encoder && this.hasContent && req?.contentFree !== true && !isContentFree(query)) {
      try {
        qv = await this.opts.encoder.embed(query);
      } catch {
        qv = undefined; // an encoder refusal degrades to keyword matching, never fails the chat
      }
    }
    const ranked = { ...req, query, context: { ...req?.context, queryVector: qv } };
    // The customer's profile is read (from an asynchronous source too) before the synchronous ranking.
    const { customerId } = this.checkRequest(ranked);
    const profile = await this.profiles.fetch(customerId);
    const live = this.opts.catalog?.liveStock?.bind(this.opts.catalog);
    if (!live) return this.rankWith(ranked, profile);
    // An asynchronous catalogue source: the picks' stock is read after ranking (ranking itself never
    // waits), and a pick that sold out is ranked again without it, a few times at most.
    const now = ranked.context.now ?? this.clock();
    const at = { ...ranked, context: { ...ranked.context, now } };
    let out = this.rankWith(at, profile, false);
    for (let round = 0; round < 3 && out.length > 0; round++) {
      let stock: Map<string, number>;
      try {
        stock = await live(out.map((r) => r.productId));
      } catch {
        break; // the cached stock is still a good answer if the store hiccups
      }
      let soldOut = false;
      for (const r of out) {
        const i = this.catalog.indexOf(r.productId);
        const s = stock.get(r.productId);
        if (i === undefined || s === undefined) continue;
        if (s !== this.catalog.stock[i]) this.catalog.setStock(i, s);
        if (s <= 0) soldOut = true;
      }
      if (!soldOut) break;
      out = this.rankWith(at, profile, false);
    }
    if (at.context.proactive && out.length > 0) this.cap.note(customerId, now);
    return out;
  }

  /**
   * Synchronous core of recommend(): needs the query vector precomputed (context.queryVector) for
   * semantic matching, and an event source that reads synchronously (memory) or the profile cached.
   */
  rank(req: RecommendRequest): Recommendation[] {
    return this.rankWith(req, this.profiles.get(this.checkRequest(req).customerId));
  }

  /** `noteCap` false: the caller notes a proactive answer in the cap itself (recommend(), after its stock check). */
  private rankWith(req: RecommendRequest, profile: CustomerProfile, noteCap = true): Recommendation[] {
    const { customerId, k } = this.checkRequest(req);
    const ctx = req.context ?? {};
    const now = ctx.now ?? this.clock();
    if (k === 0) return [];
    if (ctx.proactive && !this.cap.allows(customerId, now)) return [];

    const input = this.readRequest(req, profile, now);
    const blend = this.blendFor(input);
    const exclude = this.exclusions(input, ctx.exclude);
    const scored = this.scoreCatalog(input, blend, exclude, k);
    const shortlist = this.refineShortlist(scored, input, blend, exclude);
    const out = this.pickAndExplain(shortlist, input, blend, k);
    this.resetScratch(blend);
    this.lastDebug = {
      candidates: scored.candidates,
      shortlist: shortlist.length,
      usedQueryVector: input.qv !== null,
      coldStart: input.profile.isEmpty,
      contentFree: input.contentFree,
      sessionEvents: input.split?.sessionEvents ?? 0,
    };
    if (noteCap && ctx.proactive && out.length > 0) this.cap.note(customerId, now);
    return out;
  }

  /**
   * The request read and checked (query, its vector, filters, session), with the customer's profile,
   * the history that personalizes it and their interest vector.
   */
  private readRequest(req: RecommendRequest, profile: CustomerProfile, now: number): RankInput {
    const ctx = req.context ?? {};
    const rawQuery = this.cleanQuery(req.query);
    const rawQv = this.checkVector(ctx.queryVector, 'context.queryVector');
    // "recommend something", "any suggestions?": no product content, so neither the words nor their
    // vector may steer the list; the profile and the session do.
    const contentFree = req.contentFree === true || (rawQuery !== '' && isContentFree(rawQuery));
    const query = contentFree ? '' : rawQuery;
    const qv = contentFree ? null : rawQv;
    const filters = this.checkFilters(ctx.filters);
    const sessionReq = this.checkSession(ctx.session);

    const terms = query ? queryTerms(query) : [];
    const hasQuery = query !== '' || qv !== null;
    // Without a query, the current session (asked for, or implied by a content-free request) is
    // blended with the long-term profile; with no session events this is the plain profile.
    const split = !hasQuery && (contentFree || sessionReq !== null) ? this.sessionHistory(profile, sessionReq ?? {}, now) : null;
    const history = (split ? split.history : profile.weightedHistory(now)).slice(0, this.opts.historyItems ?? 30);
    const pv = this.hasContent ? (split ? interestOf(split.history, this.vectors) : profile.interestVector(now, this.vectors)) : null;
    return { now, qv, terms, contentFree, hasQuery, filters, profile, split, history, pv };
  }

  /**
   * Each signal's weight for this request, and the sparse signals computed for it into the scratch
   * arrays: collaborative scores from the history and keyword matches of the query's terms.
   */
  private blendFor(input: RankInput): Blend {
    const { history, terms, hasQuery, pv, qv } = input;
    const cfTouched: number[] = [];
    this.cooc.scoreInto(history, this.cfScores, this.cfBest, this.cfBestC, cfTouched);
    let cfMax = 0;
    for (const j of cfTouched) if (this.cfScores[j]! > cfMax) cfMax = this.cfScores[j]!;
    const lexTouched = this.catalog.lexical.score(terms, this.lexScores, this.lexMask);
    const w = this.weightsFor(history);
    const aff = w.categoryPopularity > 0 ? this.categoryAffinity(history) : null;

    const qw = this.queryWeights;
    const personal = hasQuery ? qw.personal : 1;
    return {
      cfTouched,
      lexTouched,
      aff,
      pop: this.pop.scores(),
      trend: this.pop.trending(),
      wContent: pv ? w.content * personal : 0,
      wQuery: qv ? qw.query : 0,
      cfScale: cfMax > 0 ? (w.collaborative * personal) / cfMax : 0,
      wPop: w.popularity * personal,
      wTrend: w.trending * personal,
      wCatPop: aff ? w.categoryPopularity * personal : 0,
      wLex: terms.length > 0 ? (qv ? qw.lexical : 1) : 0,
    };
  }

  /** Items never suggested: bought (unless consumable), the request's exclusions, and without a query what was just seen or is in the cart. */
  private exclusions(input: RankInput, ids: readonly string[] | undefined): Set<number> {
    const { profile, hasQuery, now } = input;
    const consumables = this.opts.consumables ?? [];
    const exclude = new Set<number>();
    for (const [item] of profile.purchased) if (!isConsumable(this.catalog.items[item]!.category, consumables)) exclude.add(item);
    if (!hasQuery) {
      // what they looked at in the last hours is not news to them (a search may still show it)
      const recentMs = this.opts.recentlySeenMs ?? 24 * 3_600_000;
      for (const e of profile.events) if (e.type !== 'purchase' && now - e.ts < recentMs) exclude.add(e.item);
      // what is in their cart (added, not bought since) is not suggested to them again, however old
      for (const i of Recommender.inCart(profile)) exclude.add(i);
    }
    for (const id of ids ?? []) {
      const i = this.catalog.indexOf(id);
      if (i !== undefined) exclude.add(i);
    }
    return exclude;
  }

  /** One pass over every in-stock item that passes the filters: its blended score, the best kept in a shortlist. */
  private scoreCatalog(input: RankInput, b: Blend, exclude: ReadonlySet<number>, k: number): ScoredCatalog {
    const { pv, qv, filters, profile } = input;
    const catMask = filters?.category ? this.catalog.categoryMask(filters.category) : null;
    const fatigueAfter = this.opts.fatigueAfter ?? 3;
    const fatiguePenalty = this.opts.fatiguePenalty ?? 0.2;
    const { catTop, catMid, catPath } = this.catalog;

    // combined vector: one pass gives wContent * cos(i, pv) + wQuery * cos(i, qv)
    const dim = this.vectors.dim;
    let combined: Float32Array | null = null;
    if (this.hasContent && (b.wContent > 0 || b.wQuery > 0)) {
      combined = new Float32Array(dim);
      for (let d = 0; d < dim; d++) combined[d] = (pv ? b.wContent * pv[d]! : 0) + (qv ? b.wQuery * qv[d]! : 0);
    }
    // The hot part: n dot products per vector, with wasm SIMD over an int8 copy of the matrix when
    // available (simd-dot.ts); the shortlist is re-scored with exact float dots below.
    const fast = this.approx ?? this.engine;
    const dotC = combined ? fast.dots(combined, this.dotScratch) : null;
    const dotQ = qv ? fast.dots(qv, this.qScores) : null;
    const candidates = this.catalog.inStock();
    const shortlistSize = Math.min(this.catalog.n, Math.max(60, 5 * k));
    const top = new TopK(shortlistSize);
    const excluded = this.excludeMask;
    for (const i of exclude) excluded[i] = 1;
    const { price } = this.catalog;
    const minPrice = filters?.minPrice ?? -Infinity;
    const maxPrice = filters?.maxPrice ?? Infinity;
    const priceFilter = filters?.minPrice !== undefined || filters?.maxPrice !== undefined;
    const impressions = profile.impressions.size > 0 ? profile.impressions : null;
    const cf = this.cfScores;
    const lex = this.lexScores;
    const { pop, trend, aff, cfScale, wPop, wTrend, wLex, wCatPop } = b;
    let bestQ = -Infinity;
    let nCand = 0;
    for (let c = 0; c < candidates.length; c++) {
      const i = candidates[c]!;
      if (excluded[i] || (catMask !== null && !catMask[i])) continue;
      if (priceFilter && !(price[i]! >= minPrice && price[i]! <= maxPrice)) continue; // unknown price (NaN) fails
      nCand++;
      let s = dotC ? dotC[i]! : 0;
      if (dotQ && dotQ[i]! > bestQ) bestQ = dotQ[i]!;
      s += cf[i]! * cfScale + wPop * pop[i]! + wTrend * trend[i]! + wLex * lex[i]!;
      if (aff) s += wCatPop * pop[i]! * Recommender.affinityOf(aff, catTop[i]!, catMid[i]!, catPath[i]!);
      if (impressions) {
        const imp = impressions.get(i);
        if (imp && !imp.engaged && imp.count >= fatigueAfter) s -= fatiguePenalty;
      }
      if (s > top.threshold) top.push(i, s);
    }
    for (const i of exclude) excluded[i] = 0;
    return { shortlist: top.sorted().map(({ i, s }) => ({ item: i, score: s })), candidates: nCand, bestQ, combined, dotC, dotQ };
  }

  /**
   * The shortlist re-scored with exact dots (when the int8 engine scored it), cut at the relevance
   * floor of a query (keyword matches survive it), and its stock re-checked live.
   */
  private refineShortlist(scored: ScoredCatalog, input: RankInput, blend: Blend, exclude: ReadonlySet<number>): Candidate[] {
    const { qv, terms } = input;
    const { combined, dotC, dotQ } = scored;
    let shortlist = scored.shortlist;
    if (this.approx && (dotC || dotQ)) {
      for (const c of shortlist) {
        if (combined && dotC) c.score += dotRow(this.vectors, c.item, combined) - dotC[c.item]!;
        if (qv && dotQ) dotQ[c.item] = dotRow(this.vectors, c.item, qv);
      }
      shortlist.sort((a, b) => b.score - a.score || a.item - b.item);
    }
    if (dotQ) {
      const floor = scored.bestQ - this.queryWeights.floorMargin;
      // keyword matches survive the floor: the words the customer typed are evidence too
      shortlist = shortlist.filter((c) => dotQ[c.item]! >= floor || this.lexScores[c.item]! > 0);
    } else if (terms.length > 0 && !qv) {
      // keywords only: require at least one matching word when any item matches
      if (blend.lexTouched.some((i) => !exclude.has(i))) shortlist = shortlist.filter((c) => this.lexScores[c.item]! > 0);
    }
    return this.recheckStock(shortlist);
  }

  /** k of the shortlist, diverse (MMR with a category cap and a near-duplicate cut), best first, each with its reason. */
  private pickAndExplain(shortlist: Candidate[], input: RankInput, blend: Blend, k: number): Recommendation[] {
    const { hasQuery, filters, profile, history, pv, qv, terms } = input;
    const div = this.opts.diversity ?? {};
    const capCategories = !hasQuery && !filters?.category;
    const picked = diversify(shortlist, this.vectors, (i) => this.catalog.leaves[i]!, k, {
      lambda: div.lambda ?? 0.85,
      maxPerCategory: capCategories ? (div.maxPerCategory ?? 3) : 0,
      nearDuplicate: div.nearDuplicate ?? 0.95,
      maxNearDuplicates: div.maxNearDuplicates ?? 2,
    });

    // MMR chose a diverse set; it is shown best first so scores read top-down
    picked.sort((a, b) => b.score - a.score || a.item - b.item);
    const { catTop, catMid, catPath } = this.catalog;
    return picked.map((c) => ({
      productId: this.catalog.ids[c.item]!,
      score: round6(c.score),
      reason: this.reason(c.item, profile, history, pv, qv, terms, {
        content: pv ? blend.wContent * dotRow(this.vectors, c.item, pv) : 0,
        query: qv ? blend.wQuery * dotRow(this.vectors, c.item, qv) : 0,
        lexical: blend.wLex * this.lexScores[c.item]!,
        cf: this.cfScores[c.item]! * blend.cfScale,
        pop: blend.wPop * blend.pop[c.item]! + blend.wTrend * blend.trend[c.item]!,
        catPop: blend.aff ? blend.wCatPop * blend.pop[c.item]! * Recommender.affinityOf(blend.aff, catTop[c.item]!, catMid[c.item]!, catPath[c.item]!) : 0,
      }),
    }));
  }

  /** Clears what blendFor wrote into the scratch arrays. */
  private resetScratch(b: Blend): void {
    for (const j of b.cfTouched) {
      this.cfScores[j] = 0;
      this.cfBest[j] = -1;
      this.cfBestC[j] = 0;
    }
    for (const j of b.lexTouched) {
      this.lexScores[j] = 0;
      this.lexMask[j] = 0;
    }
  }

  /** Items added to the cart and not bought at or after that time. */
  private static inCart(profile: CustomerProfile): Set<number> {
    const cart = new Map<number, number>();
    for (const e of profile.events) if (e.type === 'add_to_cart') cart.set(e.item, Math.max(cart.get(e.item) ?? -Infinity, e.ts));
    const out = new Set<number>();
    for (const [item, ts] of cart) if ((profile.purchased.get(item) ?? -Infinity) < ts) out.add(item);
    return out;
  }

  /**
   * Which of the profile's events belong to the current session: those recorded with its id; an
   * untagged event (or any event when no id is given) when it is at or after `since`, or, without
   * `since`, when it is in the customer's latest run of events with no gap above gapMs that ends
   * within gapMs of now.
   */
  private sessionPredicate(profile: CustomerProfile, s: RecommendSession, now: number): (e: ProfileEvent) => boolean {
    const id = s.id;
    let start = s.since;
    if (start === undefined) {
      const gap = this.opts.session?.gapMs ?? DEFAULT_SESSION.gapMs;
      const evs = profile.events.filter((e) => e.ts <= now && (id === undefined || e.session === undefined));
      start = Infinity;
      if (evs.length > 0 && now - evs[evs.length - 1]!.ts <= gap) {
        let k = evs.length - 1;
        while (k > 0 && evs[k]!.ts - evs[k - 1]!.ts <= gap) k--;
        start = evs[k]!.ts;
      }
    }
    const from = start;
    return (e) => e.ts <= now && (id !== undefined && e.session !== undefined ? e.session === id : e.ts >= from);
  }

  /**
   * Long-term profile and current session, each normalized to weight 1, blended with the session's
   * share (`weight`); either alone when the other is empty.
   */
  private sessionHistory(profile: CustomerProfile, s: RecommendSession, now: number): { history: WeightedItem[]; sessionEvents: number } {
    const conf = { ...DEFAULT_SESSION, ...this.opts.session };
    const { longTerm, session, sessionEvents } = profile.splitHistory(now, this.sessionPredicate(profile, s, now), conf.decay);
    if (session.length === 0) return { history: longTerm, sessionEvents: 0 };
    if (longTerm.length === 0) return { history: session, sessionEvents };
    const share = s.weight ?? conf.weight;
    const sum = (h: readonly WeightedItem[]) => h.reduce((a, x) => a + x.weight, 0);
    const lt = sum(longTerm);
    const st = sum(session);
    const mixed = new Map<number, number>();
    for (const h of longTerm) mixed.set(h.item, ((1 - share) * h.weight) / lt);
    for (const h of session) mixed.set(h.item, (mixed.get(h.item) ?? 0) + (share * h.weight) / st);
    // session items first on ties (they are the latest)
    const order = new Map<number, number>();
    session.forEach((h, k) => order.set(h.item, k));
    longTerm.forEach((h, k) => order.has(h.item) || order.set(h.item, session.length + k));
    const history = [...mixed].map(([item, weight]) => ({ item, weight })).filter((h) => h.weight > 0);
    history.sort((a, b) => b.weight - a.weight || order.get(a.item)! - order.get(b.item)!);
    return { history, sessionEvents };
  }

  /**
   * The customer's affinity per category key: each history item adds its weight share to its
   * category's top level (0.2), "Dept > Sub" (0.3) and full path (0.5), so an item in the same leaf
   * as everything they bought scores 1 and one in the same department only 0.2.
   */
  private categoryAffinity(history: readonly WeightedItem[]): Float32Array | null {
    let total = 0;
    for (const h of history) total += h.weight;
    if (total <= 0) return null;
    const aff = new Float32Array(this.catalog.categoryKeys);
    const { catTop, catMid, catPath } = this.catalog;
    let any = false;
    for (const h of history) {
      const t = catTop[h.item]!;
      if (t < 0) continue;
      const m = catMid[h.item]!;
      const p = catPath[h.item]!;
      const w = h.weight / total;
      any = true;
      // distinct keys only (a one-level category is top, mid and path at once)
      aff[t]! += (t === m ? (t === p ? 1 : 0.5) : 0.2) * w;
      if (m !== t) aff[m]! += (m === p ? 0.8 : 0.3) * w;
      if (p !== m && p !== t) aff[p]! += 0.5 * w;
    }
    return any ? aff : null;
  }

  private static affinityOf(aff: Float32Array, t: number, m: number, p: number): number {
    if (t < 0) return 0;
    let a = aff[t]!;
    if (m !== t) a += aff[m]!;
    if (p !== m && p !== t) a += aff[p]!;
    return a;
  }

  /** The department (top category level) holding most of the history's weight, or null. */
  dominantDepartment(history: readonly WeightedItem[]): string | null {
    const byDept = new Map<number, number>();
    for (const h of history) {
      const t = this.catalog.catTop[h.item]!;
      if (t >= 0) byDept.set(t, (byDept.get(t) ?? 0) + h.weight);
    }
    let best = -1;
    let bestW = 0;
    for (const [t, wt] of byDept) if (wt > bestW || (wt === bestW && t < best)) [best, bestW] = [t, wt];
    return best < 0 ? null : (this.catalog.categoryName(best) ?? null);
  }

  private weightsFor(history: readonly WeightedItem[]): BlendWeights {
    if (this.departmentWeights.size === 0 || history.length === 0) return this.weights;
    const dept = this.dominantDepartment(history);
    return (dept !== null && this.departmentWeights.get(dept)) || this.weights;
  }

  /** The department a customer's blend is tuned for (for the eval's per-department tuning). */
  departmentOf(customerId: string, now = this.clock()): string | null {
    return this.dominantDepartment(this.profiles.get(customerId).weightedHistory(now).slice(0, this.opts.historyItems ?? 30));
  }

  private recheckStock(shortlist: Candidate[]): Candidate[] {
    const src = this.opts.catalog;
    if (!src?.stockOf || shortlist.length === 0) return shortlist;
    let live: Map<string, number>;
    try {
      live = src.stockOf(shortlist.map((c) => this.catalog.ids[c.item]!));
    } catch {
      return shortlist; // the cached stock is still a good answer if the store hiccups
    }
    return shortlist.filter((c) => {
      const s = live.get(this.catalog.ids[c.item]!);
      if (s === undefined) return true;
      if (s !== this.catalog.stock[c.item]) this.catalog.setStock(c.item, s);
      return s > 0;
    });
  }

  private reason(item: number, profile: CustomerProfile, history: readonly WeightedItem[], pv: Float32Array | null, qv: Float32Array | null, terms: readonly { word: string }[], parts: ScoreParts): string {
    const leaf = this.catalog.leaves[item];
    if (parts.lexical > 0 || parts.query > 0) {
      const mask = this.lexMask[item]!;
      const words = terms.filter((_, k) => mask & (1 << k)).map((t) => t.word);
      if (words.length > 0) return `matches '${words.slice(0, 3).join(' ')}'`;
      if (qv) return leaf ? `matches your request in ${leaf}` : 'matches your request';
    }
    const src = this.cfBest[item]!;
    if (parts.cf > 0 && src >= 0 && parts.cf >= parts.catPop && parts.cf >= parts.pop) return this.becauseOf(profile, src);
    if (pv && history.length > 0 && this.hasContent) {
      let bestItem = -1;
      let bestSim = -Infinity;
      for (const h of history.slice(0, 10)) {
        if (h.item === item) continue;
        const s = dotRow(this.vectors, item, this.vectors.data.subarray(h.item * this.vectors.dim, (h.item + 1) * this.vectors.dim));
        if (s > bestSim) {
          bestSim = s;
          bestItem = h.item;
        }
      }
      if (bestItem >= 0 && bestSim > 0.5) return `similar to ${shortTitle(this.catalog.title(bestItem))}`;
    }
    if (parts.cf > 0 && src >= 0 && parts.cf >= 0.5 * parts.catPop) return this.becauseOf(profile, src);
    return leaf ? `popular in ${leaf}` : 'popular right now';
  }

  /** "because you bought X" / "because you viewed X" from the strongest event on X. */
  private becauseOf(profile: CustomerProfile, src: number): string {
    const title = shortTitle(this.catalog.title(src));
    let strongest: InteractionType | null = null;
    const rank: Record<InteractionType, number> = { purchase: 4, add_to_cart: 3, click: 2, view: 1, impression: 0 };
    for (const e of profile.events) if (e.item === src && (strongest === null || rank[e.type] > rank[strongest])) strongest = e.type;
    switch (strongest) {
      case 'purchase':
        return `because you bought ${title}`;
      case 'add_to_cart':
        return `because you added ${title} to your cart`;
      case 'click':
      case 'view':
        return `because you viewed ${title}`;
      default:
        return `often bought with ${title}`;
    }
  }

  // ------------------------------------------------------------------------------------------
  // related

  /**
   * Products related to one product: "bought together" neighbours from baskets and "similar" items
   * by content, interleaved (bought-together first), in stock only, near-duplicates collapsed.
   */
  related(productId: string, opts: { k?: number; kind?: 'similar' | 'bought_together' | 'both' } = {}): RelatedItem[] {
    if (typeof productId !== 'string' || productId.trim() === '') throw new RecommenderError('invalid_input', 'productId must be a non-empty string');
    const i = this.catalog.indexOf(productId);
    if (i === undefined) throw new RecommenderError('unknown_product', `unknown product "${productId.slice(0, 100)}"`);
    const k = this.checkK(opts.k);
    if (k === 0) return [];
    const kind = opts.kind ?? 'both';
    const title = shortTitle(this.catalog.title(i));
    const bought: RelatedItem[] = [];
    if (kind !== 'similar') {
      const nb = this.cooc.neighbours(i);
      const maxSim = nb.sim[0] ?? 1;
      for (let c = 0; c < nb.idx.length && bought.length < k; c++) {
        const j = nb.idx[c]!;
        if (!this.catalog.available(j)) continue;
        bought.push({ productId: this.catalog.ids[j]!, score: round6(nb.sim[c]! / maxSim), reason: `often bought together with ${title}`, kind: 'bought_together' });
      }
    }
    const similar: RelatedItem[] = [];
    if (kind !== 'bought_together' && this.hasContent) {
      const v = this.vectors.data.slice(i * this.vectors.dim, (i + 1) * this.vectors.dim);
      const sims = (this.approx ?? this.engine).dots(v, this.dotScratch);
      const top = new TopK(Math.min(this.catalog.n, Math.max(50, 4 * k)));
      const cands = this.catalog.inStock();
      for (let c = 0; c < cands.length; c++) {
        const j = cands[c]!;
        if (j === i) continue;
        if (sims[j]! > top.threshold) top.push(j, sims[j]!);
      }
      const shortlist = top
        .sorted()
        .map(({ i: j }) => ({ item: j, score: dotRow(this.vectors, j, v) }))
        .sort((a, b) => b.score - a.score || a.item - b.item)
        // an identical product (same text under another id) is not a useful suggestion
        .filter((c) => c.score < 0.995);
      for (const c of diversify(shortlist, this.vectors, (j) => this.catalog.leaves[j]!, k, { lambda: 0.9, nearDuplicate: 0.97 })) {
        similar.push({ productId: this.catalog.ids[c.item]!, score: round6(c.score), reason: `similar to ${title}`, kind: 'similar' });
      }
    }
    const out: RelatedItem[] = [];
    const seen = new Set<string>();
    for (let r = 0; out.length < k && (r < bought.length || r < similar.length); r++) {
      for (const x of [bought[r], similar[r]]) {
        if (x && !seen.has(x.productId) && out.length < k) {
          seen.add(x.productId);
          out.push(x);
        }
      }
    }
    return out;
  }

  // ------------------------------------------------------------------------------------------
  // feedback loop

  /**
   * Records an impression, view, click, add-to-cart or purchase: persisted through the event source,
   * then applied at once to the customer's profile, popularity and (purchases) the co-occurrence
   * model, so the very next recommend() reflects it. Rejects with RecommenderError on bad input.
   */
  async recordEvent(e: NewEventInput): Promise<void> {
    await this.recordEvents([e]);
  }

  /** Several events at once: all validated first, then persisted together (one transaction where the source can). */
  async recordEvents(list: readonly NewEventInput[]): Promise<void> {
    const checked = list.map((e) => this.checkEvent(e));
    const evs = checked.map((c) => c.ev);
    if (this.events.recordMany) await this.events.recordMany(evs);
    else for (const ev of evs) await this.events.record(ev);
    for (const { ev, i } of checked) {
      this.apply(ev, i);
      if (this.pendingDuringRetrain) this.pendingDuringRetrain.push(ev);
    }
    if (evs.length > 0) this.onRecorded?.(evs);
  }

  /** Told the events this recommender recorded (so other nodes can applyRecorded() them). */
  onRecorded: ((events: Interaction[]) => void) | null = null;

  /**
   * Events another node recorded (already stored there): applied in memory as recordEvents() applies
   * them, without storing them again. A product this node does not know yet is skipped (its
   * catalogue sync brings it; a retraining counts the stored event).
   */
  applyRecorded(events: readonly Interaction[]): number {
    let n = 0;
    for (const e of events) {
      let checked: { ev: Interaction; i: number };
      try {
        checked = this.checkEvent(e);
      } catch {
        continue;
      }
      this.apply(checked.ev, checked.i);
      if (this.pendingDuringRetrain) this.pendingDuringRetrain.push(checked.ev);
      n++;
    }
    return n;
  }

  private checkEvent(e: NewEventInput): { ev: Interaction; i: number } {
    if (!e || typeof e !== 'object') throw new RecommenderError('invalid_input', 'event must be an object');
    if (typeof e.customerId !== 'string' || e.customerId.trim() === '') throw new RecommenderError('invalid_input', 'customerId must be a non-empty string');
    if (!(INTERACTION_TYPES as readonly string[]).includes(e.type)) {
      throw new RecommenderError('invalid_input', `event type must be one of ${INTERACTION_TYPES.join(', ')} (got ${JSON.stringify(e.type)})`);
    }
    const i = typeof e.productId === 'string' ? this.catalog.indexOf(e.productId) : undefined;
    if (i === undefined) throw new RecommenderError('unknown_product', `unknown product ${JSON.stringify(e.productId)?.slice(0, 100)}`);
    const ts = toMs(e.ts, this.clock());
    if (e.session !== undefined && e.session !== null && typeof e.session !== 'string') throw new RecommenderError('invalid_input', 'session must be a string');
    const session = typeof e.session === 'string' && e.session.trim() !== '' ? e.session.slice(0, 200) : undefined;
    return { ev: { customerId: e.customerId, productId: e.productId, type: e.type, ts, ...(e.basket ? { basket: e.basket } : {}), ...(session ? { session } : {}) }, i };
  }

  private apply(ev: Interaction, i: number): void {
    this.profiles.peek(ev.customerId)?.add({ item: i, type: ev.type, ts: ev.ts, ...(ev.session ? { session: ev.session } : {}) });
    // Popularity and co-occurrence learn from purchases only, exactly as a rebuild from the event
    // source does, so a restarted bot ranks like the one that learned event by event.
    if (ev.type === 'purchase') {
      this.pop.add(i, ev.type, ev.ts);
      this.cooc.add(ev.customerId, i, ev.basket ?? `${ev.customerId}@${ev.ts}`);
    }
  }

  /** Records an impression for every suggestion shown (call it after sending a list to the customer). */
  recordImpressions(customerId: string, shown: readonly Pick<Recommendation, 'productId'>[], ts?: number | string): Promise<void> {
    return this.recordEvents(shown.map((r) => ({ customerId, productId: r.productId, type: 'impression' as const, ...(ts !== undefined ? { ts } : {}) })));
  }

  /** Drops the cached profile so the next request reloads it from the event source (e.g. after a customer merge). */
  invalidateProfile(customerId: string): void {
    this.profiles.forget(customerId);
  }

  /**
   * Rebuilds the collaborative model and popularity from every purchase in the event source, off the
   * request path: it yields to the event loop every few thousand rows and swaps the new model in at
   * the end; events recorded meanwhile are replayed onto it. Concurrent calls share one run.
   */
  retrain(): Promise<void> {
    if (this.retraining) return this.retraining;
    this.pendingDuringRetrain = [];
    this.retraining = (async () => {
      const cooc = new CoOccurrence(this.catalog.n, this.opts.cooccurrence);
      const pop = this.newPopularity();
      // Read everything first (no cursor stays open while chats write events), then train in
      // slices, yielding to the event loop between them.
      const all: Interaction[] = [];
      for await (const e of this.events.purchases()) all.push(e);
      for (let s = 0; s < all.length; s += 5000) {
        this.trainFrom(all.slice(s, s + 5000), cooc, pop);
        await new Promise<void>((r) => setImmediate(r));
      }
      // Purchases recorded while the slices ran are in the event source but maybe not in `all`.
      const seen = new Set(all.map((e) => `${e.customerId}\u0000${e.productId}\u0000${e.ts}`));
      for (const ev of this.pendingDuringRetrain ?? []) {
        const i = this.catalog.indexOf(ev.productId);
        if (i === undefined || ev.type !== 'purchase' || seen.has(`${ev.customerId}\u0000${ev.productId}\u0000${ev.ts}`)) continue;
        pop.add(i, ev.type, ev.ts);
        cooc.add(ev.customerId, i, ev.basket ?? `${ev.customerId}@${ev.ts}`);
      }
      this.cooc = cooc;
      this.pop = pop;
    })().finally(() => {
      this.retraining = null;
      this.pendingDuringRetrain = null;
    });
    return this.retraining;
  }

  /** Retrains every `intervalMs` in the background (timer does not keep the process alive); returns stop(). */
  scheduleRetraining(intervalMs: number, onError: (err: unknown) => void = () => {}): () => void {
    if (!Number.isFinite(intervalMs) || intervalMs < 1000) throw new RecommenderError('invalid_input', 'retraining interval must be at least 1000 ms');
    const timer = setInterval(() => {
      this.retrain().catch(onError);
    }, intervalMs);
    timer.unref();
    return () => clearInterval(timer);
  }

  /**
   * Re-reads the catalogue: price/stock/rating updates for known products, new products appended
   * (embedded with the encoder when one is configured, so they can be recommended at once).
   */
  async refreshCatalog(): Promise<{ updated: number; added: number }> {
    const src = this.opts.catalog;
    if (!src) throw new RecommenderError('not_ready', 'no catalogue source configured');
    const items = [...(await src.listProducts())];
    let updated = 0;
    const fresh: CatalogItem[] = [];
    for (const it of items) {
      if (this.catalog.update(it)) updated++;
      else fresh.push(it);
    }
    fresh.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    if (fresh.length > 0) await this.addProducts(fresh);
    return { updated, added: fresh.length };
  }

  /** Appends new products (cold-start items: content and rating prior only until someone buys them). */
  async addProducts(items: readonly CatalogItem[]): Promise<number> {
    const fresh = items.filter((it) => this.catalog.indexOf(it.id) === undefined);
    if (fresh.length === 0) return 0;
    let rows: Float32Array | null = null;
    if (this.hasContent) {
      if (!this.opts.encoder) throw new RecommenderError('not_ready', 'adding products needs the encoder to embed them');
      rows = (await embedItems(this.opts.encoder, fresh, { silent: true })).matrix.data;
    }
    return this.appendRows(fresh, rows);
  }

  /** Appends products known to be new, with their vector rows (n x dim, in `fresh` order) when content is on. */
  private appendRows(fresh: readonly CatalogItem[], rows: Float32Array | null): number {
    const added = this.catalog.append(fresh);
    if (added.length === 0) return 0;
    if (this.hasContent) {
      const data = new Float32Array(this.catalog.n * this.vectors.dim);
      data.set(this.vectors.data);
      if (rows) data.set(rows, (this.catalog.n - added.length) * this.vectors.dim);
      this.engine = dotEngine({ dim: this.vectors.dim, n: this.catalog.n, data });
      this.vectors = this.engine.matrix;
      this.approx = Int8DotEngine.create(this.vectors);
    }
    this.cooc.grow(this.catalog.n);
    this.pop.grow(this.catalog.n);
    for (const i of added) this.pop.setPrior(i, this.catalog.items[i]!.rating, this.catalog.items[i]!.ratingCount);
    this.resizeScratch();
    return added.length;
  }

  /**
   * Applies catalogue changes in one synchronous step, so the next request sees all of them: new
   * products are appended, known ones replaced (title, category, price, stock, rating and, when
   * `vectors` has one, their vector), removed ones leave every candidate list at once. `vectors`
   * maps product ids to L2-normalized embeddings of their item text (recommender/catalog-sync.ts
   * embeds only products whose text changed); a new product without one gets no content signal.
   */
  applyCatalogChanges(change: { upsert?: readonly CatalogItem[]; remove?: readonly string[]; vectors?: ReadonlyMap<string, Float32Array> }): { added: number; replaced: number; removed: number; reembedded: number } {
    const vectors = change.vectors ?? new Map<string, Float32Array>();
    const dim = this.vectors.dim;
    const check = (id: string, v: Float32Array | undefined): Float32Array | undefined => {
      if (!v || !this.hasContent) return undefined;
      if (v.length !== dim) throw new RecommenderError('invalid_input', `vector of ${id} has ${v.length} numbers, expected ${dim}`);
      return v;
    };
    let replaced = 0;
    let reembedded = 0;
    const fresh = new Map<string, CatalogItem>();
    for (const it of change.upsert ?? []) {
      const i = this.catalog.replace(it);
      if (i === undefined) {
        fresh.set(it.id, it);
        continue;
      }
      replaced++;
      this.pop.setPrior(i, it.rating, it.ratingCount);
      const v = check(it.id, vectors.get(it.id));
      if (v) {
        this.vectors.data.set(v, i * dim); // the engine's own matrix (wasm memory or plain array)
        reembedded++;
      }
    }
    let added = 0;
    if (fresh.size > 0) {
      const items = [...fresh.values()];
      let rows: Float32Array | null = null;
      if (this.hasContent) {
        rows = new Float32Array(items.length * dim);
        items.forEach((it, k) => {
          const v = check(it.id, vectors.get(it.id));
          if (v) {
            rows!.set(v, k * dim);
            reembedded++;
          }
        });
      }
      added = this.appendRows(items, rows);
    } else if (reembedded > 0) {
      this.approx = Int8DotEngine.create(this.vectors); // the int8 copy must follow the changed rows
    }
    let removed = 0;
    for (const id of change.remove ?? []) if (this.catalog.remove(id)) removed++;
    return { added, replaced, removed, reembedded };
  }

  // ------------------------------------------------------------------------------------------
  // for the evaluation: the blend's parts for one customer over the whole catalogue

  /** Content, collaborative (normalized to max 1) and popularity scores for every item, plus the items to exclude. */
  componentScores(
    customerId: string,
    now = this.clock(),
    opts: { content?: boolean } = {},
  ): {
    content: Float32Array | null;
    collaborative: Float32Array;
    popularity: Float32Array;
    trending: Float32Array;
    categoryPopularity: Float32Array;
    exclude: Set<number>;
  } {
    const profile = this.profiles.get(customerId);
    const history = profile.weightedHistory(now).slice(0, this.opts.historyItems ?? 30);
    const n = this.catalog.n;
    const cf = new Float32Array(n);
    const best = new Int32Array(n).fill(-1);
    const bestC = new Float32Array(n);
    const touched: number[] = [];
    this.cooc.scoreInto(history, cf, best, bestC, touched);
    let max = 0;
    for (const j of touched) if (cf[j]! > max) max = cf[j]!;
    if (max > 0) for (const j of touched) cf[j]! /= max;
    let content: Float32Array | null = null;
    const pv = this.hasContent && opts.content !== false ? profile.interestVector(now, this.vectors) : null;
    if (pv) content = this.engine.dots(pv, new Float32Array(n));
    const exclude = new Set<number>();
    for (const [item] of profile.purchased) if (!isConsumable(this.catalog.items[item]!.category, this.opts.consumables ?? [])) exclude.add(item);
    const popularity = this.pop.scores();
    const categoryPopularity = new Float32Array(n);
    const aff = this.categoryAffinity(history);
    if (aff) {
      const { catTop, catMid, catPath } = this.catalog;
      for (let i = 0; i < n; i++) categoryPopularity[i] = popularity[i]! * Recommender.affinityOf(aff, catTop[i]!, catMid[i]!, catPath[i]!);
    }
    return { content, collaborative: cf, popularity, trending: this.pop.trending(), categoryPopularity, exclude };
  }

  // ------------------------------------------------------------------------------------------
  // input checks

  private checkK(k: unknown): number {
    if (k === undefined) return Math.min(10, this.maxK);
    if (typeof k !== 'number' || !Number.isFinite(k)) throw new RecommenderError('invalid_input', `k must be a number (got ${JSON.stringify(k)})`);
    if (k <= 0) return 0;
    return Math.min(this.maxK, Math.floor(k));
  }

  private checkRequest(req: RecommendRequest): { customerId: string; k: number } {
    if (!req || typeof req !== 'object') throw new RecommenderError('invalid_input', 'request must be an object');
    if (typeof req.customerId !== 'string' || req.customerId.trim() === '') throw new RecommenderError('invalid_input', 'customerId must be a non-empty string');
    if (req.query !== undefined && req.query !== null && typeof req.query !== 'string') throw new RecommenderError('invalid_input', 'query must be a string');
    return { customerId: req.customerId, k: this.checkK(req.k) };
  }

  private cleanQuery(q: unknown): string {
    if (typeof q !== 'string') return '';
    const t = q.replace(/\s+/g, ' ').trim();
    return t.length > MAX_QUERY_CHARS ? t.slice(0, MAX_QUERY_CHARS) : t;
  }

  private checkVector(v: Float32Array | readonly number[] | undefined | null, name: string): Float32Array | null {
    if (v === undefined || v === null) return null;
    if (!this.hasContent) return null; // no item vectors: a vector cannot be used, keywords still can
    if (v.length !== this.vectors.dim) throw new RecommenderError('invalid_input', `${name} must have ${this.vectors.dim} numbers (got ${v.length})`);
    const out = v instanceof Float32Array ? v : Float32Array.from(v);
    for (let d = 0; d < out.length; d++) if (!Number.isFinite(out[d]!)) throw new RecommenderError('invalid_input', `${name} contains a non-finite number`);
    return out;
  }

  private checkSession(s: RecommendSession | undefined): RecommendSession | null {
    if (s === undefined || s === null) return null;
    if (typeof s !== 'object') throw new RecommenderError('invalid_input', 'context.session must be an object');
    if (s.id !== undefined && s.id !== null && typeof s.id !== 'string') throw new RecommenderError('invalid_input', 'context.session.id must be a string');
    if (s.since !== undefined && s.since !== null && (typeof s.since !== 'number' || !Number.isFinite(s.since))) throw new RecommenderError('invalid_input', 'context.session.since must be epoch milliseconds');
    if (s.weight !== undefined && s.weight !== null && (typeof s.weight !== 'number' || !(s.weight >= 0 && s.weight <= 1))) throw new RecommenderError('invalid_input', 'context.session.weight must be between 0 and 1');
    return {
      ...(typeof s.id === 'string' && s.id.trim() !== '' ? { id: s.id.slice(0, 200) } : {}),
      ...(typeof s.since === 'number' ? { since: s.since } : {}),
      ...(typeof s.weight === 'number' ? { weight: s.weight } : {}),
    };
  }

  private checkFilters(f: RecommendFilters | undefined): RecommendFilters | undefined {
    if (f === undefined || f === null) return undefined;
    if (typeof f !== 'object') throw new RecommenderError('invalid_input', 'filters must be an object');
    const num = (name: string, v: unknown): number | undefined => {
      if (v === undefined || v === null) return undefined;
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw new RecommenderError('invalid_input', `filters.${name} must be a non-negative number (got ${JSON.stringify(v)})`);
      return v;
    };
    const minPrice = num('minPrice', f.minPrice);
    const maxPrice = num('maxPrice', f.maxPrice);
    if (minPrice !== undefined && maxPrice !== undefined && minPrice > maxPrice) {
      throw new RecommenderError('invalid_input', `filters.minPrice (${minPrice}) is above filters.maxPrice (${maxPrice})`);
    }
    if (f.category !== undefined && f.category !== null && typeof f.category !== 'string') throw new RecommenderError('invalid_input', 'filters.category must be a string');
    const category = typeof f.category === 'string' && f.category.trim() !== '' ? f.category : undefined;
    if (minPrice === undefined && maxPrice === undefined && category === undefined) return undefined;
    return { minPrice, maxPrice, category };
  }
}
