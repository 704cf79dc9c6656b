import { resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { formatLineErrors, isRecord, readJsonl } from '../core/jsonl.js';
import { progress } from '../core/progress.js';
import { MAX_INPUT_BYTES } from '../nlu/encoder.js';
import { loadSentiment, polarLabel, SENTIMENT_LABELS, sentimentOptions, type SentimentLabel, type SentimentOptions, type SentimentResult } from '../nlu/sentiment.js';

// `npm run --silent eval -- sentiment --test E.jsonl [--chat | --model DIR] [--dtype q8|fp32] [--strict]`
// Lines: {"text": "...", "label": "positive"|"negative"|"neutral"}. A file without neutral labels is
// scored as binary (positive vs negative probability). Malformed lines are reported with their line
// number on stderr and skipped (--strict: the eval fails instead). Prints
// {"task":"sentiment","n":..,"accuracy":..,"macro_f1":..}.

export const MAX_EVAL_LINES = 100_000;

export interface LabeledText {
  text: string;
  label: SentimentLabel;
}

export function parseLabeledText(v: unknown): LabeledText | string {
  if (!isRecord(v)) return 'expected a JSON object {"text", "label"}';
  if (typeof v.text !== 'string' || v.text.trim() === '') return '"text" must be a non-empty string';
  if (Buffer.byteLength(v.text, 'utf8') > MAX_INPUT_BYTES) return `"text" is larger than ${MAX_INPUT_BYTES / 1024} KB`;
  if (typeof v.label !== 'string' || !(SENTIMENT_LABELS as readonly string[]).includes(v.label)) {
    return '"label" must be "positive", "negative" or "neutral"';
  }
  return { text: v.text, label: v.label as SentimentLabel };
}

/** Reads an eval file: at most MAX_EVAL_LINES lines; bad lines are reported (or fatal with strict). */
export async function readEvalFile<T>(path: string, parse: (v: unknown) => T | string, strict: boolean): Promise<T[]> {
  const { rows, errors } = await readJsonl(path, parse, { maxLines: MAX_EVAL_LINES });
  const tooLong = errors.find((e) => e.line > MAX_EVAL_LINES);
  if (tooLong) throw new Error(`${path}: more than ${MAX_EVAL_LINES} lines; split the file`);
  if (errors.length > 0) {
    const report = formatLineErrors(path, errors, 20);
    if (strict) throw new Error(`${errors.length} malformed line(s):\n${report}`);
    process.stderr.write(`rejected ${errors.length} malformed line(s):\n${report}\n`);
  }
  if (rows.length === 0) throw new Error(`${path}: no valid lines`);
  return rows;
}

/** Accuracy and macro-F1 over the given classes. */
export function classificationScores(gold: readonly string[], pred: readonly string[], classes: readonly string[]): { accuracy: number; macro_f1: number; f1: Record<string, number> } {
  let correct = 0;
  gold.forEach((g, i) => {
    if (pred[i] === g) correct++;
  });
  const f1: Record<string, number> = {};
  for (const c of classes) {
    let tp = 0;
    let fp = 0;
    let fn = 0;
    gold.forEach((g, i) => {
      const p = pred[i];
      if (p === c && g === c) tp++;
      else if (p === c) fp++;
      else if (g === c) fn++;
    });
    f1[c] = tp === 0 ? 0 : (2 * tp) / (2 * tp + fp + fn);
  }
  const macro = classes.reduce((s, c) => s + f1[c]!, 0) / classes.length;
  return { accuracy: gold.length ? correct / gold.length : 0, macro_f1: macro, f1 };
}

export function predict(r: SentimentResult, binary: boolean): SentimentLabel {
  return binary ? polarLabel(r) : r.label;
}

/** The sentiment model the evals run: the configured one, or `--model DIR` / `--dtype q8|fp32`. */
export function sentimentOptionsFromFlags(flags: Record<string, string | true>): SentimentOptions {
  const opts = sentimentOptions(loadConfig());
  const model = stringFlag(flags, 'model');
  if (model) opts.model = resolve(model);
  const dtype = stringFlag(flags, 'dtype');
  if (dtype) {
    if (dtype !== 'q8' && dtype !== 'fp32') throw new Error('--dtype must be q8 or fp32');
    opts.dtype = dtype;
  }
  return opts;
}

const round = (x: number) => Math.round(x * 1e4) / 1e4;

/** The chat sentiment head (trained into the data folder if needed) as an analyzeMany. */
async function chatHead(): Promise<{ modelId: string; analyzeMany: (texts: string[], o: { onBatch: (n: number) => void }) => Promise<SentimentResult[]>; close(): Promise<void> }> {
  const config = loadConfig();
  const { loadEncoder } = await import('../nlu/encoder.js');
  const { loadChatSentiment } = await import('../nlu/chat-sentiment.js');
  const encoder = await loadEncoder({ ...config.encoder });
  const { sentiment } = await loadChatSentiment({ config, encoder, log: (l) => process.stderr.write(l + '\n') });
  return {
    modelId: `chat sentiment head on ${encoder.modelId}`,
    async analyzeMany(texts, o) {
      const out: SentimentResult[] = [];
      for (let i = 0; i < texts.length; i += 64) {
        const chunk = texts.slice(i, i + 64);
        const vectors = await encoder.embedMany(chunk);
        chunk.forEach((t, k) => out.push(sentiment.fromVector(vectors[k]!, t)));
        o.onBatch(chunk.length);
      }
      return out;
    },
    close: () => encoder.close(),
  };
}

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const test = stringFlag(flags, 'test');
  if (!test) throw new Error('usage: eval sentiment --test E.jsonl [--chat | --model DIR] [--dtype q8|fp32] [--strict]');
  const rows = await readEvalFile(resolve(test), parseLabeledText, flags.strict === true);
  // --chat: the head that reads chat messages from the shared encoder's vector; default: the
  // fine-tuned classifier used for reviews.
  const sentiment = flags.chat === true ? await chatHead() : await loadSentiment(sentimentOptionsFromFlags(flags));
  try {
    const binary = !rows.some((r) => r.label === 'neutral');
    const bar = progress('sentiment', rows.length);
    const t0 = Date.now();
    const results = await sentiment.analyzeMany(
      rows.map((r) => r.text),
      { onBatch: (n) => bar.tick(n) },
    );
    const pred = results.map((r) => predict(r, binary));
    const classes = binary ? ['negative', 'positive'] : [...SENTIMENT_LABELS];
    const s = classificationScores(
      rows.map((r) => r.label),
      pred,
      classes,
    );
    bar.done(`${rows.length} texts in ${((Date.now() - t0) / 1000).toFixed(1)}s (${binary ? 'binary' : '3-class'}, ${sentiment.modelId})`);
    process.stderr.write(`per-class F1: ${JSON.stringify(Object.fromEntries(Object.entries(s.f1).map(([k, v]) => [k, round(v)])))}\n`);
    return { task: 'sentiment', n: rows.length, accuracy: round(s.accuracy), macro_f1: round(s.macro_f1) };
  } finally {
    await sentiment.close();
  }
}
