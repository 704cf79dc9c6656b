import { resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { isRecord } from '../core/jsonl.js';
import { progress } from '../core/progress.js';
import { SEED_ASPECTS } from '../reviews/aspects.js';
import { MAX_INPUT_BYTES } from '../nlu/encoder.js';
import { readEvalFile, sentimentOptionsFromFlags } from './sentiment.js';
import { createReviewAnalyzer, type ReviewAnalysis } from '../reviews/summary.js';
import { loadSentiment, SENTIMENT_LABELS, type SentimentLabel } from '../nlu/sentiment.js';

// `npm run --silent eval -- review-sentences --file F.jsonl [--model DIR] [--dtype q8|fp32] [--strict] [--errors N]`
//
// Sentence-level faithfulness of the review summaries. Lines (labelled by hand, see
// fixtures/reviews-eval/README.md): {"text": "...", "aspect": "battery" | ... | "none",
// "polarity": "positive" | "negative" | "neutral", "rating"?: 1-5, "product_id"?, "review_id"?}.
// Each sentence goes through the analyzer the insights pages and the chat digest use
// (`createReviewAnalyzer` in reviews/summary.ts, seed aspects), as a review of its own carrying the
// review's stars when the line has them (so a star prior, if the analyzer used one, is measured too).
//
// Reported (last stdout line, one JSON object):
//   aspect_micro_f1 / aspect_macro_f1: the aspects the analyzer gives the sentence against the
//     labelled one ("none" = no aspect); micro over (sentence, aspect) pairs, macro over the aspects
//     that occur in the file.
//   polarity_accuracy: the sentence's label (3 classes) against the labelled polarity.
//   listed: how many (sentence, aspect) pairs the summarizer could list as a pro (positive) or a con
//     (negative); wrong_polarity_share: share of those whose labelled polarity is the opposite one
//     (a negative sentence listed as a pro, a positive one as a con); not_polar_share: share whose
//     labelled polarity is neutral (neither praise nor complaint).
//   per_aspect: {n, precision, recall, f1, polarity_accuracy} per labelled aspect.

export interface SentenceLabel {
  text: string;
  aspect: string;
  polarity: SentimentLabel;
  rating?: number;
  productId?: string;
  reviewId?: string;
}

export const ASPECT_NAMES: readonly string[] = SEED_ASPECTS.map((a) => a.name);

export function parseSentenceLabel(v: unknown): SentenceLabel | string {
  if (!isRecord(v)) return 'expected a JSON object {"text", "aspect", "polarity"}';
  if (typeof v.text !== 'string' || v.text.trim() === '') return '"text" must be a non-empty string';
  if (Buffer.byteLength(v.text, 'utf8') > MAX_INPUT_BYTES) return `"text" is larger than ${MAX_INPUT_BYTES / 1024} KB`;
  if (typeof v.aspect !== 'string' || (v.aspect !== 'none' && !ASPECT_NAMES.includes(v.aspect))) return `"aspect" must be "none" or one of ${ASPECT_NAMES.join(', ')}`;
  if (typeof v.polarity !== 'string' || !(SENTIMENT_LABELS as readonly string[]).includes(v.polarity)) return '"polarity" must be "positive", "negative" or "neutral"';
  const out: SentenceLabel = { text: v.text, aspect: v.aspect, polarity: v.polarity as SentimentLabel };
  if (v.rating !== undefined && v.rating !== null) {
    if (typeof v.rating !== 'number' || !Number.isFinite(v.rating) || v.rating < 1 || v.rating > 5) return '"rating" must be a number from 1 to 5';
    out.rating = v.rating;
  }
  if (typeof v.product_id === 'string') out.productId = v.product_id;
  if (typeof v.review_id === 'string') out.reviewId = v.review_id;
  return out;
}

export interface SentencePrediction {
  /** Aspects the analyzer gives the sentence (empty: none). */
  aspects: string[];
  /** The sentence's polarity. */
  polarity: SentimentLabel;
  /** (aspect, side) pairs the summarizer could list: side 'pro' or 'con'. */
  listed: { aspect: string; side: 'pro' | 'con' }[];
}

/** What the analyzer says about one sentence analyzed as a review of its own. */
export function predictionOf(a: ReviewAnalysis): SentencePrediction {
  const aspects = [...new Set(a.aspects.map((m) => m.aspect))];
  const listed: SentencePrediction['listed'] = [];
  for (const m of a.aspects) {
    if (m.listable === false) continue;
    if (m.sentiment === 'positive') listed.push({ aspect: m.aspect, side: 'pro' });
    else if (m.sentiment === 'negative') listed.push({ aspect: m.aspect, side: 'con' });
  }
  // The sentence's own polarity: its aspect mention's when it has one, else the review's.
  const polarity = a.aspects[0]?.sentiment ?? a.sentiment;
  return { aspects, polarity, listed };
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;
const f1 = (tp: number, fp: number, fn: number) => (tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn));

/** The figures over gold labels and predictions (same order). */
export function scoreSentences(gold: readonly SentenceLabel[], pred: readonly SentencePrediction[]) {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  let polarOk = 0;
  let listed = 0;
  let opposite = 0;
  let neutral = 0;
  const per = new Map<string, { tp: number; fp: number; fn: number; n: number; polarOk: number }>();
  const acc = (a: string) => {
    let x = per.get(a);
    if (!x) per.set(a, (x = { tp: 0, fp: 0, fn: 0, n: 0, polarOk: 0 }));
    return x;
  };
  gold.forEach((g, i) => {
    const p = pred[i]!;
    const goldSet = g.aspect === 'none' ? [] : [g.aspect];
    for (const a of p.aspects) {
      if (goldSet.includes(a)) {
        tp++;
        acc(a).tp++;
      } else {
        fp++;
        acc(a).fp++;
      }
    }
    for (const a of goldSet) {
      if (!p.aspects.includes(a)) {
        fn++;
        acc(a).fn++;
      }
    }
    const ga = acc(g.aspect);
    ga.n++;
    if (p.polarity === g.polarity) {
      polarOk++;
      ga.polarOk++;
    }
    for (const l of p.listed) {
      listed++;
      if (g.polarity === 'neutral') neutral++;
      else if ((l.side === 'pro') !== (g.polarity === 'positive')) opposite++;
    }
  });
  const aspectsInFile = [...per.keys()].filter((a) => a !== 'none' && per.get(a)!.n > 0).sort();
  const perAspect: Record<string, { n: number; predicted: number; precision: number; recall: number; f1: number; polarity_accuracy: number }> = {};
  for (const a of [...aspectsInFile, ...(per.has('none') ? ['none'] : [])]) {
    const x = per.get(a)!;
    perAspect[a] = {
      n: x.n,
      predicted: x.tp + x.fp,
      precision: x.tp + x.fp ? round(x.tp / (x.tp + x.fp)) : 0,
      recall: x.tp + x.fn ? round(x.tp / (x.tp + x.fn)) : 0,
      f1: round(f1(x.tp, x.fp, x.fn)),
      polarity_accuracy: x.n ? round(x.polarOk / x.n) : 0,
    };
    if (a === 'none') {
      // "none" has no aspect pairs: precision/recall of saying "no aspect".
      let tpn = 0;
      let fpn = 0;
      let fnn = 0;
      gold.forEach((g, i) => {
        const none = pred[i]!.aspects.length === 0;
        if (none && g.aspect === 'none') tpn++;
        else if (none) fpn++;
        else if (g.aspect === 'none') fnn++;
      });
      perAspect[a] = { ...perAspect[a]!, predicted: tpn + fpn, precision: tpn + fpn ? round(tpn / (tpn + fpn)) : 0, recall: tpn + fnn ? round(tpn / (tpn + fnn)) : 0, f1: round(f1(tpn, fpn, fnn)) };
    }
  }
  const macro = aspectsInFile.length ? aspectsInFile.reduce((s, a) => s + perAspect[a]!.f1, 0) / aspectsInFile.length : 0;
  return {
    n: gold.length,
    aspect_micro_f1: round(f1(tp, fp, fn)),
    aspect_macro_f1: round(macro),
    aspect_precision: tp + fp ? round(tp / (tp + fp)) : 0,
    aspect_recall: tp + fn ? round(tp / (tp + fn)) : 0,
    multi_aspect_sentences: pred.filter((p) => p.aspects.length > 1).length,
    polarity_accuracy: gold.length ? round(polarOk / gold.length) : 0,
    listed,
    wrong_polarity_share: listed ? round(opposite / listed) : 0,
    not_polar_share: listed ? round(neutral / listed) : 0,
    per_aspect: perAspect,
  };
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const file = stringFlag(flags, 'file');
  if (!file) throw new Error('usage: eval review-sentences --file F.jsonl [--model DIR] [--dtype q8|fp32] [--strict] [--errors N]');
  const rows = await readEvalFile(resolve(file), parseSentenceLabel, flags.strict === true);
  const sentiment = await loadSentiment(sentimentOptionsFromFlags(flags));
  try {
    const analyzer = createReviewAnalyzer({ sentiment });
    const bar = progress('review sentences', rows.length);
    const t0 = Date.now();
    const preds: SentencePrediction[] = [];
    for (let i = 0; i < rows.length; i += 64) {
      const chunk = rows.slice(i, i + 64);
      const out = await analyzer.analyze(chunk.map((r, k) => ({ id: `S${i + k + 1}`, rating: r.rating ?? null, title: '', text: r.text, date: '2020-01-01' })));
      preds.push(...out.map(predictionOf));
      bar.tick(chunk.length);
    }
    bar.done(`${rows.length} sentences in ${((Date.now() - t0) / 1000).toFixed(1)}s (${analyzer.name})`);
    const errors = Number(stringFlag(flags, 'errors') ?? 0);
    if (errors > 0) {
      let shown = 0;
      rows.forEach((g, i) => {
        const p = preds[i]!;
        const wrongList = p.listed.some((l) => g.polarity !== (l.side === 'pro' ? 'positive' : 'negative'));
        const wrongAspect = (g.aspect === 'none' ? p.aspects.length > 0 : p.aspects.join() !== g.aspect) || p.polarity !== g.polarity;
        if ((wrongList || wrongAspect) && shown++ < errors) {
          process.stderr.write(`${wrongList ? 'LISTED ' : ''}gold ${g.aspect}/${g.polarity} pred ${p.aspects.join('+') || 'none'}/${p.polarity} ${JSON.stringify(g.text)}\n`);
        }
      });
    }
    return { task: 'review-sentences', file, analyzer: analyzer.name, ...scoreSentences(rows, preds) };
  } finally {
    await sentiment.close();
  }
}
