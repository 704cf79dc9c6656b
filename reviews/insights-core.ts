// Review insights for product teams: per-review analyses (sentiment, aspects with polarity) are
// computed once per product by a pluggable analyzer and cached; everything a page shows (sentiment
// over time, aspect table with trends, pros and cons, rating distribution) is aggregated from them
// for any date range in a few milliseconds, by the same function the chat's review answers use
// (`digestReviews` in reviews/summary.ts).

import type { SentimentLabel } from '../nlu/sentiment.js';
import { digestReviews, type AspectMention, type DigestAspect, type DigestProCon, type ReviewAnalysis, type ReviewDigest } from './summary.js';

// The per-review analysis and the digest's aspects and pros/cons are reviews/summary.ts's shapes;
// the page adds only what is over time (months, trends) and the date range.
export type { AspectMention, ReviewAnalysis };
export type Polarity = SentimentLabel;

/** Anything that turns reviews into per-review analyses. Batches stay small so the server keeps serving. */
export interface ReviewAnalyzer {
  readonly name: string;
  analyze(reviews: readonly { id: string; rating: number | null; title: string; text: string; date: string }[]): Promise<ReviewAnalysis[]>;
}

export interface SentimentShare {
  positive: number;
  neutral: number;
  negative: number;
  /** Mean of +1 / 0 / -1 over the reviews, -1..1. */
  score: number;
}

export interface MonthPoint extends SentimentShare {
  month: string;
  count: number;
  meanRating: number | null;
}

/** A digest aspect (reviewIds newest first) with its trend over time. */
export interface AspectRow extends Pick<DigestAspect, 'aspect' | 'mentions' | 'positive' | 'negative' | 'positiveShare' | 'reviewIds'> {
  /** Positive share per period (oldest first) over the last periods with mentions, for a sparkline. */
  trend: { period: string; mentions: number; positiveShare: number }[];
  /** Change of positive share between the older and the newer half of the mentions, -1..1. */
  trendDelta: number;
  direction: 'up' | 'down' | 'flat';
}

/** A digest pro or con as the page lists it (reviewIds newest first). */
export type ProCon = Pick<DigestProCon, 'aspect' | 'text' | 'reviewId' | 'reviewIds' | 'mentions'>;

/** The digest's numbers, aspects, pros and cons for a date range, with sentiment over time. */
export interface InsightSummary extends Pick<ReviewDigest, 'reviews' | 'ratedReviews' | 'meanRating' | 'fewReviews' | 'distribution'> {
  sentiment: SentimentShare;
  monthly: MonthPoint[];
  aspects: AspectRow[];
  pros: ProCon[];
  cons: ProCon[];
  firstDate: string | null;
  lastDate: string | null;
}

const POLARITY_VALUE: Record<Polarity, number> = { positive: 1, neutral: 0, negative: -1 };

export function share(items: readonly { sentiment: Polarity }[]): SentimentShare {
  const n = items.length;
  if (n === 0) return { positive: 0, neutral: 0, negative: 0, score: 0 };
  let p = 0;
  let m = 0;
  for (const i of items) {
    if (i.sentiment === 'positive') p++;
    else if (i.sentiment === 'negative') m++;
  }
  return { positive: p / n, neutral: (n - p - m) / n, negative: m / n, score: items.reduce((s, i) => s + POLARITY_VALUE[i.sentiment], 0) / n };
}

export const monthOf = (iso: string): string => iso.slice(0, 7);

/** Every month from `first` to `last` inclusive ("2021-11", "2021-12", "2022-01", ...). */
export function monthRange(first: string, last: string): string[] {
  const out: string[] = [];
  let y = Number(first.slice(0, 4));
  let m = Number(first.slice(5, 7));
  const ly = Number(last.slice(0, 4));
  const lm = Number(last.slice(5, 7));
  if (!Number.isFinite(y) || !Number.isFinite(m)) return out;
  while ((y < ly || (y === ly && m <= lm)) && out.length < 600) {
    out.push(`${y}-${String(m).padStart(2, '0')}`);
    m++;
    if (m > 12) {
      m = 1;
      y++;
    }
  }
  return out;
}

export function inRange(date: string, from?: string, to?: string): boolean {
  if (from && date < from) return false;
  if (to && date > to) return false;
  return true;
}

/**
 * Aggregates cached analyses of one product for a date range. The numbers, aspects, pros and cons
 * are `digestReviews` (reviews/summary.ts), the same function the chat's review answers come from.
 */
export function summarize(analyses: readonly ReviewAnalysis[], range: { from?: string; to?: string } = {}): InsightSummary {
  const rows = analyses.filter((a) => inRange(a.date, range.from, range.to)).sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.reviewId < b.reviewId ? -1 : 1));
  const digest = digestReviews(rows);
  const firstDate = rows.length ? rows[rows.length - 1]!.date : null;
  const lastDate = rows.length ? rows[0]!.date : null;

  // Sentiment over time, every month of the range (empty months included so gaps are visible).
  const byMonth = new Map<string, ReviewAnalysis[]>();
  for (const r of rows) {
    const k = monthOf(r.date);
    const list = byMonth.get(k);
    if (list) list.push(r);
    else byMonth.set(k, [r]);
  }
  const months = firstDate && lastDate ? monthRange(monthOf(firstDate), monthOf(lastDate)) : [];
  const monthly: MonthPoint[] = months.map((month) => {
    const list = byMonth.get(month) ?? [];
    const stars = list.filter((r) => r.rating !== null).map((r) => r.rating!);
    return { month, count: list.length, meanRating: stars.length ? stars.reduce((s, x) => s + x, 0) / stars.length : null, ...share(list) };
  });

  // Aspects: each review once (its stance from all its sentences about the aspect).
  const dateOf = new Map(rows.map((r) => [r.reviewId, r.date]));
  const aspects: AspectRow[] = digest.aspects.map((a) => {
    const chronological = a.reviewIds.map((id, i) => ({ date: dateOf.get(id)!, sentiment: a.stances[i]! })).reverse();
    const half = Math.floor(chronological.length / 2);
    const ps = (list: typeof chronological) => (list.length ? list.filter((m) => m.sentiment === 'positive').length / list.length : 0);
    const trendDelta = chronological.length >= 6 ? ps(chronological.slice(half)) - ps(chronological.slice(0, half)) : 0;
    return {
      aspect: a.aspect,
      mentions: a.mentions,
      positive: a.positive,
      negative: a.negative,
      positiveShare: a.positiveShare,
      trend: trendOf(chronological),
      trendDelta,
      direction: (trendDelta > 0.05 ? 'up' : trendDelta < -0.05 ? 'down' : 'flat') as AspectRow['direction'],
      reviewIds: a.reviewIds,
    };
  });
  const proCon = (p: DigestProCon): ProCon => ({ aspect: p.aspect, text: p.text, reviewId: p.reviewId, reviewIds: p.reviewIds, mentions: p.mentions });

  return {
    reviews: rows.length,
    ratedReviews: digest.ratedReviews,
    meanRating: digest.meanRating,
    fewReviews: digest.fewReviews,
    sentiment: share(rows),
    distribution: digest.distribution,
    monthly,
    aspects,
    pros: digest.pros.map(proCon),
    cons: digest.cons.map(proCon),
    firstDate,
    lastDate,
  };
}

/** Positive share per period for a sparkline: quarters, the last 12 with mentions. */
function trendOf(chronological: readonly { date: string; sentiment: Polarity }[]): AspectRow['trend'] {
  const byQuarter = new Map<string, { n: number; p: number }>();
  for (const m of chronological) {
    const q = `${m.date.slice(0, 4)}-Q${Math.floor((Number(m.date.slice(5, 7)) - 1) / 3) + 1}`;
    const b = byQuarter.get(q) ?? { n: 0, p: 0 };
    b.n++;
    if (m.sentiment === 'positive') b.p++;
    byQuarter.set(q, b);
  }
  return [...byQuarter.entries()]
    .sort((a, b) => (a[0] < b[0] ? -1 : 1))
    .slice(-12)
    .map(([period, b]) => ({ period, mentions: b.n, positiveShare: b.p / b.n }));
}
