// Review insights for product teams: per-review analyses (sentiment, aspects with polarity) are
// computed once per product by a pluggable analyzer and cached; everything a page shows (sentiment
// over time, aspect table with trends, pros and cons, rating distribution) is aggregated from them
// for any date range in a few milliseconds.

export type Polarity = 'positive' | 'neutral' | 'negative';

export interface AspectMention {
  aspect: string;
  sentiment: Polarity;
  /** The sentence that mentions the aspect (extractive, from the review itself). */
  snippet: string;
}

export interface ReviewAnalysis {
  reviewId: string;
  date: string;
  rating: number;
  sentiment: Polarity;
  /** -1 (negative) .. 1 (positive). */
  score: number;
  aspects: AspectMention[];
}

/** Anything that turns reviews into per-review analyses. Batches stay small so the server keeps serving. */
export interface ReviewAnalyzer {
  readonly name: string;
  analyze(reviews: readonly { id: string; rating: number; title: string; text: string; date: string }[]): Promise<ReviewAnalysis[]>;
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

export interface AspectRow {
  aspect: string;
  mentions: number;
  positive: number;
  negative: number;
  /** Share of mentions that are positive, 0..1. */
  positiveShare: number;
  /** Positive share per period (oldest first) over the last periods with mentions, for a sparkline. */
  trend: { period: string; mentions: number; positiveShare: number }[];
  /** Change of positive share between the older and the newer half of the mentions, -1..1. */
  trendDelta: number;
  direction: 'up' | 'down' | 'flat';
  /** Reviews behind this aspect, newest first. */
  reviewIds: string[];
}

export interface ProCon {
  aspect: string;
  text: string;
  reviewId: string;
  /** All reviews saying the same about this aspect, newest first. */
  reviewIds: string[];
  mentions: number;
}

export interface InsightSummary {
  reviews: number;
  meanRating: number | null;
  sentiment: SentimentShare;
  distribution: Record<'1' | '2' | '3' | '4' | '5', number>;
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

/** Aggregates cached analyses of one product for a date range. */
export function summarize(analyses: readonly ReviewAnalysis[], range: { from?: string; to?: string } = {}): InsightSummary {
  const rows = analyses.filter((a) => inRange(a.date, range.from, range.to)).sort((a, b) => (a.date < b.date ? 1 : a.date > b.date ? -1 : a.reviewId < b.reviewId ? -1 : 1));
  const distribution = { '1': 0, '2': 0, '3': 0, '4': 0, '5': 0 } as InsightSummary['distribution'];
  for (const r of rows) {
    const k = String(Math.min(5, Math.max(1, Math.round(r.rating)))) as keyof typeof distribution;
    distribution[k]++;
  }
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
    return { month, count: list.length, meanRating: list.length ? list.reduce((s, r) => s + r.rating, 0) / list.length : null, ...share(list) };
  });

  // Aspects: mentions counted once per review (the review's first sentence about it decides).
  interface Acc {
    mentions: { reviewId: string; date: string; sentiment: Polarity; snippet: string }[];
  }
  const acc = new Map<string, Acc>();
  for (const r of rows) {
    const seen = new Set<string>();
    for (const m of r.aspects) {
      if (seen.has(m.aspect)) continue;
      seen.add(m.aspect);
      const a = acc.get(m.aspect) ?? { mentions: [] };
      a.mentions.push({ reviewId: r.reviewId, date: r.date, sentiment: m.sentiment, snippet: m.snippet });
      acc.set(m.aspect, a);
    }
  }
  const aspects: AspectRow[] = [...acc.entries()]
    .map(([aspect, a]) => {
      const positive = a.mentions.filter((m) => m.sentiment === 'positive').length;
      const negative = a.mentions.filter((m) => m.sentiment === 'negative').length;
      const chronological = [...a.mentions].reverse();
      const half = Math.floor(chronological.length / 2);
      const ps = (list: typeof chronological) => (list.length ? list.filter((m) => m.sentiment === 'positive').length / list.length : 0);
      const trendDelta = chronological.length >= 6 ? ps(chronological.slice(half)) - ps(chronological.slice(0, half)) : 0;
      return {
        aspect,
        mentions: a.mentions.length,
        positive,
        negative,
        positiveShare: a.mentions.length ? positive / a.mentions.length : 0,
        trend: trendOf(chronological),
        trendDelta,
        direction: (trendDelta > 0.05 ? 'up' : trendDelta < -0.05 ? 'down' : 'flat') as AspectRow['direction'],
        reviewIds: a.mentions.map((m) => m.reviewId),
      };
    })
    .sort((x, y) => y.mentions - x.mentions || x.aspect.localeCompare(y.aspect));

  const pick = (aspect: string, polarity: Polarity): ProCon | null => {
    const list = acc.get(aspect)?.mentions.filter((m) => m.sentiment === polarity) ?? [];
    if (list.length === 0) return null;
    // The most typical sentence: a readable length, sharing the most words with the others.
    const words = (s: string) => new Set(s.toLowerCase().match(/[\p{L}\p{N}']+/gu) ?? []);
    const freq = new Map<string, number>();
    for (const m of list.slice(0, 200)) for (const w of words(m.snippet)) freq.set(w, (freq.get(w) ?? 0) + 1);
    let best = list[0]!;
    let bestScore = -Infinity;
    for (const m of list.slice(0, 200)) {
      const len = m.snippet.length;
      const ws = [...words(m.snippet)];
      const typical = ws.reduce((s, w) => s + Math.log(1 + (freq.get(w) ?? 0)), 0) / Math.max(1, ws.length);
      const lengthPenalty = len < 20 ? 1.5 : len > 160 ? 1 + (len - 160) / 80 : 0;
      const score = typical - lengthPenalty;
      if (score > bestScore) {
        bestScore = score;
        best = m;
      }
    }
    return { aspect, text: best.snippet, reviewId: best.reviewId, reviewIds: list.map((m) => m.reviewId), mentions: list.length };
  };
  const minMentions = rows.length >= 30 ? 3 : 1;
  const pros = aspects
    .filter((a) => a.positive >= minMentions && a.positiveShare >= 0.5)
    .sort((a, b) => b.positive - a.positive)
    .slice(0, 5)
    .map((a) => pick(a.aspect, 'positive'))
    .filter((x): x is ProCon => x !== null);
  const cons = aspects
    .filter((a) => a.negative >= minMentions && a.negative / Math.max(1, a.mentions) >= 0.1)
    .sort((a, b) => b.negative - a.negative)
    .slice(0, 5)
    .map((a) => pick(a.aspect, 'negative'))
    .filter((x): x is ProCon => x !== null);

  return {
    reviews: rows.length,
    meanRating: rows.length ? rows.reduce((s, r) => s + r.rating, 0) / rows.length : null,
    sentiment: share(rows),
    distribution,
    monthly,
    aspects,
    pros,
    cons,
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
