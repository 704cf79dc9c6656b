import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { isRecord, readJsonl, type LineError } from '../core/jsonl.js';
import { progress as makeProgress } from '../core/progress.js';
import { discoverAspects, SEED_ASPECTS, words, type AspectDef, type DiscoverOptions } from './aspects.js';
import type { Encoder } from '../nlu/encoder-types.js';
import { polarLabel, ratingToLabel, SENTIMENT_LABELS, toResult, type SentimentAnalyzer, type SentimentLabel, type SentimentResult } from '../nlu/sentiment.js';

// Review summaries for product teams: overall and per-aspect sentiment, the monthly trend, the rating
// distribution, and pros and cons that are sentences copied verbatim from the reviews, each citing the
// reviews it comes from. Nothing is generated: an abstractive summary is only produced when the caller
// passes an `abstractive` function (e.g. a seq2seq model), and it is kept apart from the extractive one.

export interface ReviewInput {
  id: string;
  productId: string;
  /** Star rating 1-5, or null when the source has none. */
  rating: number | null;
  title?: string;
  text: string;
  /** ISO date (or anything Date.parse reads); null when unknown. */
  date: string | null;
  /** Where the review comes from (the store's `source`); see PROXY_RATING_SOURCES. */
  source?: string;
}

export class ReviewInputError extends Error {
  constructor(
    readonly index: number,
    message: string,
  ) {
    super(`review ${index}: ${message}`);
    this.name = 'ReviewInputError';
  }
}

export interface SentimentBreakdown {
  /** Shares of sentiment labels, summing to 1 (0 when there is nothing to count). */
  positive: number;
  neutral: number;
  negative: number;
  /** Mean of p(positive) - p(negative), -1..1. */
  meanPolarity: number;
  label: SentimentLabel;
}

export interface TrendBucket extends SentimentBreakdown {
  /** "YYYY-MM" */
  month: string;
  /** Reviews (overall trend) or mentioning sentences (aspect trend) in the month. */
  count: number;
  meanRating: number | null;
}

export interface TrendSummary {
  months: TrendBucket[];
  /** Reviews with no usable date, left out of the buckets. */
  undated: number;
  /** Mean polarity of the last 90 days with reviews against everything before. */
  recentMeanPolarity: number | null;
  earlierMeanPolarity: number | null;
  direction: 'improving' | 'declining' | 'stable' | 'insufficient_data';
}

/** A sentence taken verbatim from a review. */
export interface Excerpt {
  text: string;
  /** Reviews whose text contains this exact sentence (the first one is the main citation). */
  reviewIds: string[];
  /** Reviews that say much the same thing (embedding similarity), including reviewIds. */
  supportingReviewIds: string[];
  /** Number of supporting reviews. */
  support: number;
  aspects: string[];
  sentiment: SentimentLabel;
  /** Probability of `sentiment` for this sentence. */
  score: number;
  /** Links to the cited reviews when a `reviewLink` option was given. */
  links?: string[];
}

export interface AspectSummary {
  name: string;
  terms: string[];
  /** Seed aspect (built-in list) or discovered from the reviews. */
  seed: boolean;
  /**
   * Reviews that mention the aspect, each once (the insights pages' "mentions"; over all reviews,
   * also when only a sample was read by the model).
   */
  mentions: number;
  /** Same as mentions (kept for older readers). */
  reviews: number;
  /** Sentences about the aspect (one aspect per sentence). */
  sentences: number;
  /** Shares of the reviews mentioning it whose sentences about it are positive / neutral / negative. */
  sentiment: SentimentBreakdown;
  trend: TrendBucket[];
  pro: Excerpt | null;
  con: Excerpt | null;
}

export interface ReviewSummary {
  version: number;
  productId: string;
  reviews: number;
  /** Reviews the model read: all up to `maxAnalyzed`, else a weighted sample (shares are estimates). */
  analyzedReviews: number;
  sentences: number;
  overall: SentimentBreakdown & {
    meanRating: number | null;
    ratingDistribution: Record<'1' | '2' | '3' | '4' | '5', number>;
    /** Share of reviews rated 1-2 or 4-5 whose text alone (positive vs negative, no rating prior) agrees with the stars. */
    ratingAgreement: number | null;
  };
  trend: TrendSummary;
  aspects: AspectSummary[];
  pros: Excerpt[];
  cons: Excerpt[];
  /** The per-review digest the pros, cons, aspects and mean rating come from: what the insights pages show. */
  digest: ReviewDigest;
  /** Only when an abstractive summarizer was configured; never mixed into pros/cons. */
  abstract: string | null;
  meta: { key: string; sentimentModel: string; encoderModel: string; elapsedMs: number; generatedAt: string };
}

export interface SummarizeOptions {
  maxPros?: number;
  maxCons?: number;
  maxAspects?: number;
  /** Aspects to use instead of discovering them, e.g. discovered once over a whole category. */
  aspects?: readonly AspectDef[];
  discover?: DiscoverOptions;
  /**
   * Use each review's stars as a prior for the review's overall label (default true; see
   * RATING_PRIOR). Sentences are always read on their own: their labels make the pros, cons and
   * aspect shares, and a complaint in a 5-star review is still a complaint.
   */
  ratingPrior?: boolean;
  /** Reviews read by the model at most (default 1000); beyond, a weighted sample keeps time bounded. */
  maxAnalyzed?: number;
  /** Unused since summary version 2 (pros and cons come from `digestReviews`); kept so old callers type-check. */
  candidatePool?: number;
  /** Progress bar on stderr (default true; SHOPBOT_QUIET=1 silences it). */
  progress?: boolean;
  reviewLink?: (reviewId: string) => string;
  abstractive?: (input: { productId: string; pros: Excerpt[]; cons: Excerpt[] }) => Promise<string>;
}

export interface SummaryDeps {
  sentiment: SentimentAnalyzer;
  encoder: Pick<Encoder, 'embedMany' | 'checksum'>;
}

export const SUMMARY_VERSION = 4;
const MAX_REVIEW_CHARS = 8000;
const MAX_SENTENCE_CHARS = 1000;

// ---------------------------------------------------------------- sentences

/**
 * Splits text into sentences that are exact substrings of it: at . ! ? (runs of them, e.g. "!!!"),
 * followed by whitespace or the end, and at line breaks. "3.5" and "e.g.x" are not split.
 */
export function splitSentences(text: string): string[] {
  const out: string[] = [];
  let start = 0;
  const push = (end: number) => {
    const s = text.slice(start, end).trim();
    if (/[\p{L}\p{N}]/u.test(s)) out.push(s);
    start = end;
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (c === '\n' || c === '\r') {
      push(i);
      continue;
    }
    if (c === '.' || c === '!' || c === '?') {
      let j = i;
      while (j + 1 < text.length && /[.!?"')\]]/.test(text[j + 1]!)) j++;
      if (j + 1 >= text.length || /\s/.test(text[j + 1]!)) {
        push(j + 1);
        i = j;
      }
    }
  }
  push(text.length);
  return out;
}

// ---------------------------------------------------------------- validation

function validateReviews(reviews: readonly ReviewInput[]): ReviewInput[] {
  const seen = new Set<string>();
  const out: ReviewInput[] = [];
  reviews.forEach((r, i) => {
    if (!isRecord(r)) throw new ReviewInputError(i, 'not an object');
    if (typeof r.id !== 'string' || r.id.trim() === '') throw new ReviewInputError(i, 'id must be a non-empty string');
    if (typeof r.text !== 'string') throw new ReviewInputError(i, 'text must be a string');
    if (r.rating !== null && (typeof r.rating !== 'number' || !Number.isFinite(r.rating) || r.rating < 1 || r.rating > 5)) {
      throw new ReviewInputError(i, 'rating must be a number in [1, 5] or null');
    }
    if (r.date !== null && typeof r.date !== 'string') throw new ReviewInputError(i, 'date must be a string or null');
    if (r.title !== undefined && typeof r.title !== 'string') throw new ReviewInputError(i, 'title must be a string');
    if (seen.has(r.id)) return; // the same review listed twice counts once
    seen.add(r.id);
    // Stars that are a copy of the catalogue average (`reviewStars`) are no rating.
    out.push(r.source !== undefined && reviewStars(r) === null && r.rating !== null ? { ...r, rating: null } : r);
  });
  return out;
}

function monthOf(date: string | null): string | null {
  if (!date) return null;
  const t = Date.parse(date);
  if (!Number.isFinite(t)) return null;
  return new Date(t).toISOString().slice(0, 7);
}

// ---------------------------------------------------------------- aggregation

function labelOf(meanPolarity: number): SentimentLabel {
  return meanPolarity > 0.2 ? 'positive' : meanPolarity < -0.2 ? 'negative' : 'neutral';
}

/** Label shares and mean polarity; `weights` (one per result) make it an estimate from a sample. */
export function breakdown(results: readonly SentimentResult[], weights?: readonly number[]): SentimentBreakdown {
  let total = 0;
  let p = 0;
  let m = 0;
  let pol = 0;
  results.forEach((r, i) => {
    const w = weights?.[i] ?? 1;
    total += w;
    if (r.label === 'positive') p += w;
    else if (r.label === 'negative') m += w;
    pol += w * r.polarity;
  });
  if (total === 0) return { positive: 0, neutral: 0, negative: 0, meanPolarity: 0, label: 'neutral' };
  const round = (x: number) => Math.round(x * 1e4) / 1e4;
  return { positive: round(p / total), neutral: round((total - p - m) / total), negative: round(m / total), meanPolarity: round(pol / total), label: labelOf(pol / total) };
}

/** One review or sentence for the trend: counted always, its sentiment only when it was analyzed. */
interface Dated {
  month: string | null;
  rating: number | null;
  result: SentimentResult | null;
  weight: number;
}

function buckets(items: readonly Dated[]): TrendBucket[] {
  const by = new Map<string, Dated[]>();
  for (const it of items) {
    if (!it.month) continue;
    const list = by.get(it.month) ?? [];
    list.push(it);
    by.set(it.month, list);
  }
  return [...by.keys()].sort().map((month) => {
    const list = by.get(month)!;
    const rated = list.filter((x) => x.rating !== null);
    const analyzed = list.filter((x) => x.result !== null);
    return {
      month,
      count: list.length,
      meanRating: rated.length ? Math.round((rated.reduce((s, x) => s + x.rating!, 0) / rated.length) * 100) / 100 : null,
      ...breakdown(
        analyzed.map((x) => x.result!),
        analyzed.map((x) => x.weight),
      ),
    };
  });
}

function trendSummary(items: readonly (Dated & { date: string | null })[]): TrendSummary {
  const months = buckets(items);
  const undated = items.filter((x) => x.month === null).length;
  const dated = items.filter((x) => x.month !== null && x.result !== null).map((x) => ({ t: Date.parse(x.date!), p: x.result!.polarity, w: x.weight }));
  if (dated.length === 0) return { months, undated, recentMeanPolarity: null, earlierMeanPolarity: null, direction: 'insufficient_data' };
  const last = Math.max(...dated.map((d) => d.t));
  const cut = last - 90 * 86400_000;
  const recent = dated.filter((d) => d.t > cut);
  const earlier = dated.filter((d) => d.t <= cut);
  const mean = (xs: { p: number; w: number }[]) => {
    const w = xs.reduce((s, x) => s + x.w, 0);
    return w > 0 ? Math.round((xs.reduce((s, x) => s + x.w * x.p, 0) / w) * 1e4) / 1e4 : null;
  };
  const r = mean(recent);
  const e = mean(earlier);
  let direction: TrendSummary['direction'] = 'insufficient_data';
  if (recent.length >= 10 && earlier.length >= 10 && r !== null && e !== null) {
    direction = r - e > 0.1 ? 'improving' : e - r > 0.1 ? 'declining' : 'stable';
  }
  return { months, undated, recentMeanPolarity: r, earlierMeanPolarity: e, direction };
}

/** Deterministic 32-bit hash of a string (FNV-1a), for reproducible sampling. */
function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/**
 * Which reviews get the model (sentence by sentence) and the weight each stands for. Up to `max`
 * reviews: all of them, weight 1. Beyond: every review rated 1-3 (they carry most complaints; up to
 * half the budget) and a fixed pseudo-random sample of the others, weighted by the inverse of their
 * stratum's sampling rate, so shares and means stay unbiased estimates.
 */
export function sampleReviews(reviews: readonly ReviewInput[], max: number): number[] {
  const w = new Array<number>(reviews.length).fill(0);
  if (reviews.length <= max) return w.fill(1);
  const low: number[] = [];
  const rest: number[] = [];
  reviews.forEach((r, i) => (r.rating !== null && r.rating <= 3 ? low : rest).push(i));
  const order = (xs: number[]) => xs.sort((a, b) => hash32(reviews[a]!.id) - hash32(reviews[b]!.id) || a - b);
  const takeLow = order(low).slice(0, Math.min(low.length, Math.floor(max / 2)));
  const takeRest = order(rest).slice(0, Math.min(rest.length, max - takeLow.length));
  for (const i of takeLow) w[i] = low.length / takeLow.length;
  for (const i of takeRest) w[i] = rest.length / takeRest.length;
  return w;
}

/** Mean of the parts' probabilities, weighted by the square root of their length. */
export function combineResults(parts: readonly { text: string; result: SentimentResult }[]): SentimentResult {
  const probs = { negative: 0, neutral: 0, positive: 0 };
  let total = 0;
  for (const p of parts) {
    const w = Math.sqrt(Math.max(1, p.text.length));
    total += w;
    for (const l of SENTIMENT_LABELS) probs[l] += w * p.result.probs[l];
  }
  for (const l of SENTIMENT_LABELS) probs[l] /= total || 1;
  return toResult(probs);
}

/**
 * How likely a sentence of an n-star review is negative / neutral / positive before reading it. The
 * classifier reads sentences out of context, and short factual praise ("Setup took two minutes.")
 * is easy to misread; the review's stars are strong evidence, so sentence labels for aspects and
 * pros/cons use p(label | text, stars) proportional to p(label | text) * prior(label | stars). A
 * clearly worded complaint in a 5-star review stays negative ("The only downside: the battery dies
 * fast." 0.98 -> 0.84). Reviews without stars keep the text-only probabilities.
 */
export const RATING_PRIOR: Record<1 | 2 | 3 | 4 | 5, Record<SentimentLabel, number>> = {
  1: { negative: 0.7, neutral: 0.24, positive: 0.06 },
  2: { negative: 0.58, neutral: 0.3, positive: 0.12 },
  3: { negative: 0.3, neutral: 0.4, positive: 0.3 },
  4: { negative: 0.12, neutral: 0.3, positive: 0.58 },
  5: { negative: 0.06, neutral: 0.24, positive: 0.7 },
};

export function withRatingPrior(r: SentimentResult, rating: number | null): SentimentResult {
  if (rating === null) return r;
  const prior = RATING_PRIOR[Math.min(5, Math.max(1, Math.round(rating))) as 1 | 2 | 3 | 4 | 5];
  const probs = { negative: r.probs.negative * prior.negative, neutral: r.probs.neutral * prior.neutral, positive: r.probs.positive * prior.positive };
  const z = probs.negative + probs.neutral + probs.positive || 1;
  return toResult({ negative: probs.negative / z, neutral: probs.neutral / z, positive: probs.positive / z });
}

// ---------------------------------------------------------------- pros and cons

interface Sent {
  text: string;
  reviewId: string;
  review: number;
  result: SentimentResult;
  aspects: string[];
}

function normKey(s: string): string {
  return s.toLowerCase().replace(/\s+/g, ' ').replace(/[.!?\s]+$/, '');
}

/** embedMany in length order (batches pad to similar lengths, about half the work), results in input order. */
export async function embedByLength(encoder: Pick<Encoder, 'embedMany'>, texts: readonly string[]): Promise<Float32Array[]> {
  const order = texts.map((_, i) => i).sort((a, b) => texts[a]!.length - texts[b]!.length);
  const vecs = await encoder.embedMany(order.map((i) => texts[i]!));
  const out = new Array<Float32Array>(texts.length);
  order.forEach((i, k) => (out[i] = vecs[k]!));
  return out;
}

function fitsExcerpt(text: string): boolean {
  const w = text.split(/\s+/).length;
  return text.length >= 20 && text.length <= 240 && w >= 4;
}

// ---------------------------------------------------------------- summary

/** Cache key over everything the summary depends on: reviews, models and options. */
export function summaryKey(productId: string, reviews: readonly ReviewInput[], deps: { sentiment: string; encoder: string }, opts: SummarizeOptions = {}): string {
  const h = createHash('sha256');
  h.update(JSON.stringify([SUMMARY_VERSION, productId, deps.sentiment, deps.encoder, opts.maxPros ?? 5, opts.maxCons ?? 5, opts.maxAspects ?? 12, opts.candidatePool ?? 120, opts.maxAnalyzed ?? 1000, opts.ratingPrior ?? true, opts.aspects ?? null, opts.discover ?? null]));
  for (const r of [...reviews].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    h.update(JSON.stringify([r.id, r.rating, r.date, r.title ?? '', r.text]));
  }
  return h.digest('hex');
}

/**
 * Summarizes the reviews of one product. Every sentence and review is classified in length-sorted
 * batches; aspects are discovered from the sentences (or taken from `opts.aspects`); pros and cons are
 * picked from the confident positive and negative sentences.
 */
export async function summarizeReviewList(productId: string, input: readonly ReviewInput[], deps: SummaryDeps, opts: SummarizeOptions = {}): Promise<ReviewSummary> {
  const t0 = Date.now();
  const reviews = validateReviews(input);
  const key = summaryKey(productId, reviews, { sentiment: deps.sentiment.checksum, encoder: deps.encoder.checksum }, opts);

  // 1. Sentences of every review (for aspect mentions); the model reads the sentences and titles of
  // the analyzed reviews (all of them up to `maxAnalyzed`, else a weighted sample), in length-sorted
  // batches with identical texts once. A review's sentiment is the length-weighted mean of its
  // sentences' and title's probabilities, so each word is read once and the sentence results serve
  // the aspects and the pros/cons as well.
  const weight = sampleReviews(reviews, opts.maxAnalyzed ?? 1000);
  const analyzedCount = weight.filter((w) => w > 0).length;
  const sents: { text: string; review: number }[] = [];
  const titles: (string | null)[] = reviews.map((r, i) => {
    for (const s of splitSentences(r.text.slice(0, MAX_REVIEW_CHARS))) sents.push({ text: s.slice(0, MAX_SENTENCE_CHARS), review: i });
    const t = r.title?.trim().slice(0, MAX_SENTENCE_CHARS);
    return t && weight[i]! > 0 ? t : null;
  });
  const texts = [...titles.filter((t): t is string => t !== null), ...sents.filter((s) => weight[s.review]! > 0).map((s) => s.text)];
  const unique = new Set(texts).size;
  const bar = makeProgress(`reviews ${productId}`, unique + 1, { silent: opts.progress === false || undefined });
  const results = texts.length ? await deps.sentiment.analyzeMany(texts, { onBatch: (n) => bar.tick(n) }) : [];
  const byText = new Map<string, SentimentResult>();
  texts.forEach((t, i) => byText.set(t, results[i]!));
  const usePrior = opts.ratingPrior ?? true;
  const inContext = (res: SentimentResult, review: number) => (usePrior ? withRatingPrior(res, reviews[review]!.rating) : res);
  const parts: { text: string; result: SentimentResult }[][] = reviews.map(() => []);
  titles.forEach((t, i) => {
    if (t) parts[i]!.push({ text: t, result: byText.get(t)! });
  });
  for (const s of sents) if (weight[s.review]! > 0) parts[s.review]!.push({ text: s.text, result: byText.get(s.text)! });
  // Text only (for the agreement with the stars), and in the context of the review's stars.
  const textResult = parts.map((p) => (p.length ? combineResults(p) : null));
  const reviewResult = parts.map((p, i) => (p.length ? combineResults(p.map((x) => ({ text: x.text, result: inContext(x.result, i) }))) : null));

  // 2. Aspects.
  const sentRefs = sents.map((s) => ({ text: s.text, reviewId: reviews[s.review]!.id }));
  // The seed aspects by default: the insights pages use them too, so both show the same aspects.
  // Discovery (new aspects from the reviews' own words) when `discover` options are given.
  const aspects = opts.aspects ? [...opts.aspects] : opts.discover ? await discoverAspects(sentRefs, deps.encoder, opts.discover) : [...SEED_ASPECTS];
  const kept = aspects.slice(0, opts.maxAspects ?? 12);
  const aspectOf = primaryAspectMatcher(kept);
  // One aspect per sentence, read on its own (no star prior).
  const all: (Omit<Sent, 'result'> & { result: SentimentResult | null })[] = sents.map((s, i) => {
    const aspect = aspectOf(s.text);
    return {
      text: s.text,
      reviewId: sentRefs[i]!.reviewId,
      review: s.review,
      result: weight[s.review]! > 0 && byText.has(s.text) ? aspectReading(s.text, aspect, byText.get(s.text)!) : null,
      aspects: aspect ? [aspect] : [],
    };
  });
  const analyzed = all.filter((s): s is Sent => s.result !== null && weight[s.review]! > 0);
  // The per-review analyses and their digest: what the insights pages show for these reviews.
  const bySentences = new Map<number, string[]>();
  for (const s of sents) bySentences.set(s.review, [...(bySentences.get(s.review) ?? []), s.text]);
  const analyses = reviews
    .map((r, i) => ({ r, i }))
    .filter(({ i }) => weight[i]! > 0)
    .map(({ r, i }) => analysisOf({ id: r.id, rating: r.rating, date: r.date ?? '' }, titles[i] ?? '', bySentences.get(i) ?? [], (t) => byText.get(t)!, aspectOf))
    .sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.reviewId < b.reviewId ? -1 : 1));
  const digest = digestReviews(analyses, { ...(opts.maxPros !== undefined ? { maxPros: opts.maxPros } : {}), ...(opts.maxCons !== undefined ? { maxCons: opts.maxCons } : {}) });

  // 3. Overall, ratings, trend.
  const dist: Record<'1' | '2' | '3' | '4' | '5', number> = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 };
  let ratingSum = 0;
  let rated = 0;
  let agree = 0;
  let polar = 0;
  reviews.forEach((r, i) => {
    if (r.rating === null) return;
    const star = String(Math.min(5, Math.max(1, Math.round(r.rating)))) as keyof typeof dist;
    dist[star]++;
    ratingSum += r.rating;
    rated++;
    const res = textResult[i];
    if (!res || ratingToLabel(r.rating) === 'neutral') return;
    polar += weight[i]!;
    if (polarLabel(res) === ratingToLabel(r.rating)) agree += weight[i]!;
  });
  const scoredIdx = reviews.map((_, i) => i).filter((i) => reviewResult[i]);
  const trend = trendSummary(reviews.map((r, i) => ({ date: r.date, month: monthOf(r.date), rating: r.rating, result: reviewResult[i] ?? null, weight: weight[i]! })));

  // 4. Pros and cons: the digest's (one per aspect, each a confident sentence of its polarity about
  // that aspect from a review taking that side), as excerpts citing every review with the sentence.
  const link = opts.reviewLink;
  const withSentence = new Map<string, string[]>();
  for (const x of analyzed) {
    const k = normKey(x.text);
    const ids = withSentence.get(k) ?? [];
    if (!ids.includes(x.reviewId)) ids.push(x.reviewId);
    withSentence.set(k, ids);
  }
  const excerpt = (p: DigestProCon): Excerpt => {
    const same = withSentence.get(normKey(p.text)) ?? [p.reviewId];
    const reviewIds = [p.reviewId, ...same.filter((id) => id !== p.reviewId)];
    const supporting = [...new Set([...reviewIds, ...p.reviewIds])];
    const e: Excerpt = { text: p.text, reviewIds, supportingReviewIds: supporting, support: p.mentions, aspects: [p.aspect], sentiment: p.sentiment, score: p.score };
    if (link) e.links = reviewIds.map(link);
    return e;
  };
  const pros = digest.pros.map(excerpt);
  const cons = digest.cons.map(excerpt);

  // 5. Per aspect (the digest's numbers: reviews mentioning it, each review once with its stance);
  // the best pro and con sentence, and its monthly trend.
  const reviewIndex = new Map(reviews.map((r, i) => [r.id, i]));
  const aspectSummaries: AspectSummary[] = kept.flatMap((a) => {
    const d = digest.aspects.find((x) => x.aspect === a.name);
    if (!d) return [];
    const ms = all.filter((x) => x.aspects.includes(a.name));
    const msA = analyzed.filter((x) => x.aspects.includes(a.name));
    const byReview = new Map<number, SentimentResult[]>();
    for (const x of msA) byReview.set(x.review, [...(byReview.get(x.review) ?? []), x.result]);
    const stanceResults = d.reviewIds.map((id) => {
      const i = reviewIndex.get(id)!;
      return { i, result: combineResults((byReview.get(i) ?? []).map((result) => ({ text: 'x', result }))) };
    });
    const n = d.mentions || 1;
    const meanPol = stanceResults.reduce((t, x) => t + x.result.polarity, 0) / n;
    const round = (x: number) => Math.round(x * 1e4) / 1e4;
    const best = (side: 'positive' | 'negative'): Excerpt | null => {
      const agree = new Set(d.reviewIds.filter((_, k) => d.stances[k] === side));
      const cands = analyses.flatMap((r) => (agree.has(r.reviewId) ? r.aspects.filter((m) => m.aspect === a.name && m.sentiment === side && m.listable).map((m) => ({ r, m })) : []));
      cands.sort((x, y) => (y.m.score ?? 0) - (x.m.score ?? 0));
      const c = cands[0];
      return c ? excerpt({ aspect: a.name, text: c.m.snippet, reviewId: c.r.reviewId, reviewIds: [...agree], mentions: agree.size, sentiment: side, score: c.m.score ?? 0 }) : null;
    };
    return [
      {
        name: a.name,
        terms: a.terms,
        seed: a.seed,
        mentions: new Set(ms.map((x) => x.reviewId)).size,
        reviews: new Set(ms.map((x) => x.reviewId)).size,
        sentences: ms.length,
        sentiment: { positive: round(d.positive / n), neutral: round(d.neutral / n), negative: round(d.negative / n), meanPolarity: round(meanPol), label: labelOf(meanPol) },
        trend: buckets(stanceResults.map((x) => ({ month: monthOf(reviews[x.i]!.date), rating: reviews[x.i]!.rating, result: x.result, weight: weight[x.i]! }))),
        pro: best('positive'),
        con: best('negative'),
      },
    ];
  });
  aspectSummaries.sort((x, y) => y.mentions - x.mentions || x.name.localeCompare(y.name));

  const abstract = opts.abstractive && reviews.length > 0 ? await opts.abstractive({ productId, pros, cons }) : null;
  bar.tick(1);
  bar.done(`${reviews.length} reviews (${analyzedCount} analyzed), ${sents.length} sentences in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  return {
    version: SUMMARY_VERSION,
    productId,
    reviews: reviews.length,
    analyzedReviews: analyzedCount,
    sentences: sents.length,
    overall: {
      ...breakdown(
        scoredIdx.map((i) => reviewResult[i]!),
        scoredIdx.map((i) => weight[i]!),
      ),
      meanRating: rated ? Math.round((ratingSum / rated) * 100) / 100 : null,
      ratingDistribution: dist,
      ratingAgreement: polar ? Math.round((agree / polar) * 1e4) / 1e4 : null,
    },
    trend,
    aspects: aspectSummaries,
    pros,
    cons,
    digest,
    abstract,
    meta: { key, sentimentModel: deps.sentiment.checksum, encoderModel: deps.encoder.checksum, elapsedMs: Date.now() - t0, generatedAt: new Date().toISOString() },
  };
}

// ---------------------------------------------------------------- per-review analyses and the digest
//
// One analysis and one aggregation serve both the insights pages (reviews/insights-core.ts) and the
// chat's review answers (the summary's pros, cons, aspects and numbers come from `digestReviews`), so
// the two always say the same. Faithfulness rules:
//   - a sentence's polarity is the sentiment model's reading of that sentence alone (never the
//     review's stars: a complaint in a 5-star review stays a complaint, and praise stays praise);
//   - a sentence belongs to one aspect at most (`primaryAspect`);
//   - a pro is a confidently positive sentence about its aspect, a con a confidently negative one;
//     sentences that turn ("..., but ...") are never listed, since their halves disagree;
//   - aspect counts and shares count each review once (its sentences about the aspect, averaged).

/**
 * Review sources whose star ratings are not the reviewer's: the Amazon India fixture has no
 * per-review stars, and its builder wrote each product's catalogue average (rounded) into every
 * review (tools/fixtures/reviews.ts). Their stars are not counted as ratings anywhere.
 */
export const PROXY_RATING_SOURCES: ReadonlySet<string> = new Set(['amazon-india']);

/** A review's own stars, or null when it has none (or only a copy of the catalogue average). */
export function reviewStars(r: { rating: number | null; source?: string | null }): number | null {
  if (r.rating === null || !Number.isFinite(r.rating)) return null;
  if (r.source && PROXY_RATING_SOURCES.has(r.source)) return null;
  return r.rating;
}

/** Fewer reviews than this: answers and pages say that there are few. */
export const FEW_REVIEWS = 5;
/** p(label) a sentence needs to be listed as a pro or a con (chosen on sentences-dev.jsonl). */
export const LIST_MIN_SCORE = { positive: 0.9, negative: 0.9 } as const;

const TURN = /\b(but|however|although|though|while|whereas|except|otherwise|yet|only downside|only issue|only problem|only complaint|only thing|wish)\b/i;
/** Negation, conditions and comparisons: the classifier reads many such sentences as praise when they complain. */
const HEDGE = /\b(not|no|never|nothing|nor|cannot|unless|if|should|would|could|expect|expected|expecting|hope|other|others)\b|n['’]t\b/i;

/** True when a sentence turns from one polarity to the other ("great screen, but the battery ..."). */
export function turns(text: string): boolean {
  return TURN.test(text);
}

/**
 * Whether a sentence with this reading may be listed as a pro (positive) or a con (negative):
 * confident, a readable excerpt, no turn, and for a pro no negation, condition or comparison
 * ("For the price, you should be able to ..." and "... unless they make them the same quality as
 * before" are complaints the classifier reads as praise).
 */
export function listable(text: string, r: Pick<SentimentResult, 'label' | 'score'>): boolean {
  if (r.label === 'neutral' || r.score < LIST_MIN_SCORE[r.label]) return false;
  if (!fitsExcerpt(text) || turns(text)) return false;
  return r.label === 'negative' || !HEDGE.test(text);
}

/**
 * The one aspect a sentence is about, or null: the aspect of a two-word term when there is one
 * ("sound quality", "battery life"), else the aspect whose term comes first (the sentence's subject
 * usually does: "Screen size is great." is about the screen).
 */
export function primaryAspectMatcher(aspects: readonly AspectDef[]): (text: string) => string | null {
  const index = new Map<string, number>();
  aspects.forEach((a, i) => {
    for (const t of a.terms) if (!index.has(t)) index.set(t, i);
  });
  return (text: string) => {
    const w = words(text);
    let best: { i: number; pos: number; two: boolean } | null = null;
    for (let k = 0; k < w.length; k++) {
      const two = k + 1 < w.length ? index.get(`${w[k]} ${w[k + 1]}`) : undefined;
      if (two !== undefined && (!best || !best.two)) {
        best = { i: two, pos: k, two: true };
        continue;
      }
      const one = index.get(w[k]!);
      if (one !== undefined && !best) best = { i: one, pos: k, two: false };
    }
    return best ? aspects[best.i]!.name : null;
  };
}

/** One sentence of a review that mentions an aspect. */
export interface AspectMention {
  aspect: string;
  sentiment: SentimentLabel;
  /** The sentence that mentions the aspect (extractive, from the review itself). */
  snippet: string;
  /** The model's probability of `sentiment`, and p(positive) - p(negative), when a model read it. */
  score?: number;
  polarity?: number;
  /** False when the sentence may not be listed as a pro or con (not confident, or it turns). */
  listable?: boolean;
}

/** One review's analysis: what the insights pages cache and what the digest is aggregated from. */
export interface ReviewAnalysis {
  reviewId: string;
  date: string;
  /** The reviewer's stars; null when the source has none (see `reviewStars`). */
  rating: number | null;
  sentiment: SentimentLabel;
  /** p(positive) - p(negative), -1..1. */
  score: number;
  /** Sentences that mention an aspect: one entry per sentence, one aspect per sentence. */
  aspects: AspectMention[];
}

/**
 * Opinion words whose polarity depends on the aspect. The classifier was fine-tuned on movie
 * reviews, where "long" is a complaint: it reads "Has a long battery life." as negative (0.98).
 * A sentence about the aspect with one of these words, and no negation or turn, takes the word's
 * polarity when the model reads the opposite (chosen from issue #15's example, not tuned on the eval).
 */
const ASPECT_OPINIONS: Record<string, { positive: RegExp; negative: RegExp }> = {
  battery: { positive: /\b(long|longer|lasts?|lasting|all day|for days|for weeks)\b/i, negative: /\b(short|drains?|dies|died|dead)\b/i },
  performance: { positive: /\b(fast|faster|quick|quickly|snappy|responsive)\b/i, negative: /\b(slow|slower|sluggish|lags?|laggy|freezes)\b/i },
  size: { positive: /\b(light|lightweight|compact|portable)\b/i, negative: /\b(heavy|bulky)\b/i },
};

/**
 * Praise written with a negation, which the model reads as a complaint: "You can't get such good
 * quality product in such less price", "can't ask for more", "no complaints so far", "not bad at all".
 */
const PRAISE_IDIOM = /\b(?:can'?t|cannot|could ?n'?t|won'?t) (?:get|find|ask for|expect|beat) (?:a |any |such |this |that |anything )?(?:good|great|better|best|nice|more|quality|price|deal|value)\b|\bno (?:complaints?|regrets?)\b|\bnot bad at all\b|\bcan'?t (?:complain|fault it|go wrong)\b|\bnever (?:disappoints?|lets? (?:me|you) down)\b/i;

/** The sentence's reading, corrected by ASPECT_OPINIONS where the model reads the opposite. */
export function aspectReading(text: string, aspect: string | null, r: SentimentResult): SentimentResult {
  // Below LIST_MIN_SCORE, as the corrections below: it sets the stance, never quoted as a pro or con.
  if (r.label === 'negative' && PRAISE_IDIOM.test(text) && !turns(text)) return toResult({ positive: 0.85, neutral: 0.1, negative: 0.05 });
  const o = aspect ? ASPECT_OPINIONS[aspect] : undefined;
  if (!o || turns(text) || HEDGE.test(text)) return r;
  const pos = o.positive.test(text);
  const neg = o.negative.test(text);
  if (pos === neg) return r;
  const want: SentimentLabel = pos ? 'positive' : 'negative';
  if (r.label === want) return r;
  const other: SentimentLabel = want === 'positive' ? 'negative' : 'positive';
  // Below LIST_MIN_SCORE: the correction sets the review's stance, but is not quoted as a pro or con.
  return toResult({ [want]: 0.85, neutral: 0.1, [other]: 0.05 } as Record<SentimentLabel, number>);
}

/** The analysis of one review from its sentences' (and title's) model results; sentences without a star prior. */
export function analysisOf(
  r: { id: string; rating: number | null; date: string },
  title: string,
  sentences: readonly string[],
  result: (text: string) => SentimentResult,
  aspectOf: (text: string) => string | null,
): ReviewAnalysis {
  // The review's overall label reads its stars as a prior (the reviewer's own verdict on the whole
  // review); its sentences never do.
  const parts = (title ? [title, ...sentences] : sentences).map((text) => ({ text, result: withRatingPrior(result(text), r.rating) }));
  const rr = parts.length ? combineResults(parts) : null;
  const aspects: ReviewAnalysis['aspects'] = [];
  for (const s of sentences) {
    const aspect = aspectOf(s);
    if (!aspect) continue;
    const res = aspectReading(s, aspect, result(s));
    aspects.push({ aspect, sentiment: res.label, snippet: s, score: round4(res.score), polarity: round4(res.polarity), listable: listable(s, res) });
  }
  return { reviewId: r.id, date: r.date, rating: r.rating, sentiment: rr?.label ?? 'neutral', score: rr ? round4(rr.polarity) : 0, aspects };
}

const round4 = (x: number) => Math.round(x * 1e4) / 1e4;

/**
 * Per-review analyses (review sentiment, and each aspect-mentioning sentence with its own sentiment)
 * for the insights pages and the eval. Aspects default to the seed list.
 */
export function createReviewAnalyzer(deps: { sentiment: SentimentAnalyzer }, aspects?: readonly AspectDef[]) {
  const aspectOf = primaryAspectMatcher(aspects ?? SEED_ASPECTS);
  return {
    name: `sentiment-minilm:${deps.sentiment.checksum.slice(0, 12)}`,
    async analyze(reviews: readonly { id: string; rating: number | null; title: string; text: string; date: string }[]): Promise<ReviewAnalysis[]> {
      const per = reviews.map((r) => {
        const sentences = splitSentences(r.text.slice(0, MAX_REVIEW_CHARS)).map((s) => s.slice(0, MAX_SENTENCE_CHARS));
        const title = r.title.trim().slice(0, MAX_SENTENCE_CHARS);
        return { r, title, sentences };
      });
      const texts = [...new Set(per.flatMap((p) => (p.title ? [p.title, ...p.sentences] : p.sentences)))];
      const res = texts.length ? await deps.sentiment.analyzeMany(texts) : [];
      const by = new Map<string, SentimentResult>();
      texts.forEach((t, i) => by.set(t, res[i]!));
      return per.map(({ r, title, sentences }) => analysisOf(r, title, sentences, (t) => by.get(t)!, aspectOf));
    },
  };
}

export interface DigestAspect {
  aspect: string;
  /** Reviews that mention the aspect (each review once). */
  mentions: number;
  /** Reviews whose sentences about the aspect are, on average, positive / negative. */
  positive: number;
  negative: number;
  neutral: number;
  /** positive / mentions. */
  positiveShare: number;
  /** The reviews behind it, in the order of the analyses given (newest first on the pages). */
  reviewIds: string[];
  /** The review's stance per review id, same order as reviewIds. */
  stances: SentimentLabel[];
}

export interface DigestProCon {
  aspect: string;
  /** A sentence copied verbatim from the review `reviewId`. */
  text: string;
  reviewId: string;
  /** Every review whose stance on the aspect is the pro's (positive) or the con's (negative). */
  reviewIds: string[];
  /** reviewIds.length: "N reviews say so". */
  mentions: number;
  sentiment: 'positive' | 'negative';
  /** The model's probability of `sentiment` for the sentence. */
  score: number;
}

export interface ReviewDigest {
  reviews: number;
  /** Reviews with the reviewer's own stars. */
  ratedReviews: number;
  /** Mean of the reviewers' own stars; null when none has any. */
  meanRating: number | null;
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
  /** Fewer than FEW_REVIEWS reviews: say so wherever the numbers are shown. */
  fewReviews: boolean;
  aspects: DigestAspect[];
  pros: DigestProCon[];
  cons: DigestProCon[];
}

/** A review's stance on an aspect: the mean polarity of its sentences about it. */
function stanceOf(ms: readonly { sentiment: SentimentLabel; polarity?: number }[]): SentimentLabel {
  const p = ms.reduce((s, m) => s + (m.polarity ?? (m.sentiment === 'positive' ? 1 : m.sentiment === 'negative' ? -1 : 0)), 0) / Math.max(1, ms.length);
  return p > 0.2 ? 'positive' : p < -0.2 ? 'negative' : 'neutral';
}

/**
 * The numbers, aspects, pros and cons of a set of per-review analyses: what the insights page shows
 * and what the chat answers. Pass the analyses newest first.
 */
export function digestReviews(analyses: readonly ReviewAnalysis[], opts: { maxPros?: number; maxCons?: number } = {}): ReviewDigest {
  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } as ReviewDigest['distribution'];
  let rated = 0;
  let sum = 0;
  for (const r of analyses) {
    if (r.rating === null) continue;
    rated++;
    sum += r.rating;
    distribution[String(Math.min(5, Math.max(1, Math.round(r.rating)))) as keyof typeof distribution]++;
  }
  // Aspects: each review once, with its stance from all its sentences about the aspect.
  const by = new Map<string, { reviewIds: string[]; stances: SentimentLabel[]; sentences: { reviewId: string; m: ReviewAnalysis['aspects'][number] }[] }>();
  for (const r of analyses) {
    const mine = new Map<string, ReviewAnalysis['aspects'][number][]>();
    for (const m of r.aspects) mine.set(m.aspect, [...(mine.get(m.aspect) ?? []), m]);
    for (const [aspect, ms] of mine) {
      let a = by.get(aspect);
      if (!a) by.set(aspect, (a = { reviewIds: [], stances: [], sentences: [] }));
      a.reviewIds.push(r.reviewId);
      a.stances.push(stanceOf(ms));
      for (const m of ms) a.sentences.push({ reviewId: r.reviewId, m });
    }
  }
  const aspects: DigestAspect[] = [...by.entries()]
    .map(([aspect, a]) => {
      const positive = a.stances.filter((s) => s === 'positive').length;
      const negative = a.stances.filter((s) => s === 'negative').length;
      const n = a.reviewIds.length;
      return { aspect, mentions: n, positive, negative, neutral: n - positive - negative, positiveShare: n ? positive / n : 0, reviewIds: a.reviewIds, stances: a.stances };
    })
    .sort((x, y) => y.mentions - x.mentions || x.aspect.localeCompare(y.aspect));

  const used = new Set<string>();
  const pick = (a: DigestAspect, side: 'positive' | 'negative'): DigestProCon | null => {
    const agree = new Set(a.reviewIds.filter((_, i) => a.stances[i] === side));
    // Candidates: listable sentences of this polarity from reviews that take that side.
    const list = by.get(a.aspect)!.sentences.filter((s) => s.m.sentiment === side && s.m.listable !== false && agree.has(s.reviewId) && !used.has(normKey(s.m.snippet)));
    if (list.length === 0) return null;
    // The most typical sentence: a readable length, sharing the most words with the others, confident.
    const ws = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []);
    const freq = new Map<string, number>();
    for (const s of list.slice(0, 200)) for (const w of ws(s.m.snippet)) freq.set(w, (freq.get(w) ?? 0) + 1);
    let best = list[0]!;
    let bestScore = -Infinity;
    for (const s of list.slice(0, 200)) {
      const len = s.m.snippet.length;
      const w = [...ws(s.m.snippet)];
      const typical = w.reduce((t, x) => t + Math.log(1 + (freq.get(x) ?? 0)), 0) / Math.max(1, w.length);
      const lengthPenalty = len < 20 ? 1.5 : len > 160 ? 1 + (len - 160) / 80 : 0;
      const score = typical - lengthPenalty + (s.m.score ?? 0);
      if (score > bestScore) {
        bestScore = score;
        best = s;
      }
    }
    used.add(normKey(best.m.snippet));
    const reviewIds = [...agree];
    return { aspect: a.aspect, text: best.m.snippet, reviewId: best.reviewId, reviewIds, mentions: reviewIds.length, sentiment: side, score: best.m.score ?? 0 };
  };
  const minMentions = analyses.length >= 30 ? 3 : 1;
  const pros = aspects
    .filter((a) => a.positive >= minMentions && a.positiveShare >= 0.5)
    .sort((a, b) => b.positive - a.positive || a.aspect.localeCompare(b.aspect))
    .map((a) => pick(a, 'positive'))
    .filter((x): x is DigestProCon => x !== null)
    .slice(0, opts.maxPros ?? 5);
  const cons = aspects
    .filter((a) => a.negative >= minMentions && a.negative / Math.max(1, a.mentions) >= 0.1)
    .sort((a, b) => b.negative - a.negative || a.aspect.localeCompare(b.aspect))
    .map((a) => pick(a, 'negative'))
    .filter((x): x is DigestProCon => x !== null)
    .slice(0, opts.maxCons ?? 5);
  return {
    reviews: analyses.length,
    ratedReviews: rated,
    meanRating: rated ? Math.round((sum / rated) * 100) / 100 : null,
    distribution,
    fewReviews: analyses.length < FEW_REVIEWS,
    aspects,
    pros,
    cons,
  };
}

// ---------------------------------------------------------------- cache and sources

export interface SummaryCache {
  get(productId: string, key: string): ReviewSummary | null;
  set(summary: ReviewSummary): void;
}

/** One JSON file per product under `dir`; a stale key, another version or a corrupt file is a miss. */
export class FileSummaryCache implements SummaryCache {
  constructor(readonly dir: string) {}

  private file(productId: string): string {
    const safe = productId.replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 80);
    return join(this.dir, `${safe}-${createHash('sha256').update(productId).digest('hex').slice(0, 10)}.json`);
  }

  get(productId: string, key: string): ReviewSummary | null {
    let raw: string;
    try {
      raw = readFileSync(this.file(productId), 'utf8');
    } catch {
      return null;
    }
    try {
      const v = JSON.parse(raw) as unknown;
      if (!isRecord(v) || v.version !== SUMMARY_VERSION || v.productId !== productId || !isRecord(v.meta) || v.meta.key !== key) return null;
      if (!Array.isArray(v.pros) || !Array.isArray(v.cons) || !Array.isArray(v.aspects) || !isRecord(v.overall) || !isRecord(v.trend)) return null;
      return v as unknown as ReviewSummary;
    } catch {
      return null;
    }
  }

  set(summary: ReviewSummary): void {
    mkdirSync(this.dir, { recursive: true });
    const path = this.file(summary.productId);
    const tmp = `${path}.${process.pid}.tmp`;
    writeFileSync(tmp, JSON.stringify(summary));
    renameSync(tmp, path);
  }
}

export type ReviewSource = (productId: string) => Promise<readonly ReviewInput[]> | readonly ReviewInput[];

/** Validates one line of the store's reviews.jsonl ({id, product_id, rating, title, text, date, ...}). */
export function parseStoreReview(v: unknown): ReviewInput | string {
  if (!isRecord(v)) return 'expected a JSON object';
  if (typeof v.id !== 'string' || !v.id) return '"id" must be a non-empty string';
  if (typeof v.product_id !== 'string' || !v.product_id) return '"product_id" must be a non-empty string';
  if (typeof v.text !== 'string') return '"text" must be a string';
  if (v.rating !== null && v.rating !== undefined && (typeof v.rating !== 'number' || v.rating < 1 || v.rating > 5)) return '"rating" must be 1-5 or null';
  if (v.date !== null && v.date !== undefined && typeof v.date !== 'string') return '"date" must be a string';
  return {
    id: v.id,
    productId: v.product_id,
    rating: typeof v.rating === 'number' ? v.rating : null,
    title: typeof v.title === 'string' ? v.title : '',
    text: v.text,
    date: typeof v.date === 'string' ? v.date : null,
  };
}

/** A review source over a reviews.jsonl file in the store's format; bad lines are skipped and returned. */
export async function jsonlReviewSource(path: string): Promise<{ source: ReviewSource; errors: LineError[]; products: number }> {
  const { rows, errors } = await readJsonl(path, parseStoreReview);
  const by = new Map<string, ReviewInput[]>();
  for (const r of rows) {
    const list = by.get(r.productId) ?? [];
    list.push(r);
    by.set(r.productId, list);
  }
  return { source: (productId) => by.get(productId) ?? [], errors, products: by.size };
}

export interface ReviewSummarizer {
  summarizeReviews(productId: string): Promise<ReviewSummary>;
}

/** summarizeReviews(productId) over any review source, with an optional cache. */
export function createReviewSummarizer(deps: SummaryDeps & { source: ReviewSource; cache?: SummaryCache | null; options?: SummarizeOptions }): ReviewSummarizer {
  const inflight = new Map<string, Promise<ReviewSummary>>();
  return {
    summarizeReviews(productId: string): Promise<ReviewSummary> {
      if (typeof productId !== 'string' || productId.trim() === '') return Promise.reject(new TypeError('productId must be a non-empty string'));
      const running = inflight.get(productId);
      if (running) return running;
      const job = (async () => {
        const reviews = await deps.source(productId);
        const opts = deps.options ?? {};
        const key = summaryKey(productId, validateReviews(reviews), { sentiment: deps.sentiment.checksum, encoder: deps.encoder.checksum }, opts);
        const hit = deps.cache?.get(productId, key);
        if (hit) return hit;
        const summary = await summarizeReviewList(productId, reviews, deps, opts);
        deps.cache?.set(summary);
        return summary;
      })().finally(() => inflight.delete(productId));
      inflight.set(productId, job);
      return job;
    },
  };
}
