// `npm run --silent eval -- faq --index P.jsonl --test Q.jsonl [--k 5] [--calibration file.json]`
//
// Builds a fresh index from P, answers every question of Q with the production answer() path
// (redact, embed, search, re-rank, calibrated threshold) and returns
//   {"task":"faq","n","hit@1","hit@5","mrr","answered_rate","precision_when_answered","p95_ms"}
// n counts every question. hit@1, hit@5 and mrr (over the top k) are measured on the questions whose
// group exists in P (a question of another group, e.g. "none", cannot be hit). answered_rate is over
// all questions; precision_when_answered is the share of answered questions whose answer's group is
// the question's group (an answered out-of-scope question is wrong). p95_ms is the latency of one
// answer() call (embed + search + re-rank), one question at a time.

import { resolve } from 'node:path';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { loadEncoder } from '../nlu/encoder.js';
import { percentile, round } from '../bench/stats.js';
import { cleanQuestion, FaqRetriever } from '../retrieval/answer.js';
import { loadCalibration } from '../retrieval/calibration.js';
import { buildTempIndex, parsePair, parseQuestion, readRows } from '../retrieval/pairs.js';
import { redactText } from '../retrieval/redact.js';

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const indexFile = stringFlag(flags, 'index');
  const testFile = stringFlag(flags, 'test');
  if (!indexFile || !testFile) throw new Error('usage: eval faq --index P.jsonl --test Q.jsonl [--k 5] [--calibration file.json]');
  const k = intFlag(flags, 'k', 5);
  const calibFile = stringFlag(flags, 'calibration');
  const pairs = await readRows(resolve(indexFile), parsePair, 'index');
  const questions = await readRows(resolve(testFile), parseQuestion, 'test');

  const config = loadConfig();
  const encoder = await loadEncoder({ ...config.encoder });
  const temp = await buildTempIndex(pairs, encoder);
  try {
    const retriever = new FaqRetriever(temp.index, encoder, calibFile ? { calibration: loadCalibration(resolve(calibFile)) } : {});
    process.stderr.write(`faq eval: calibration ${retriever.calibrationFrom} (threshold ${retriever.calibration.threshold.toFixed(4)})\n`);
    for (const q of questions.slice(0, 8)) await retriever.answer(q.question); // warm-up

    const known = new Set(pairs.map((p) => p.group));
    const depth = Math.max(k, 5);
    let inScope = 0;
    let hit1 = 0;
    let hit5 = 0;
    let rr = 0;
    let answered = 0;
    let answeredRight = 0;
    let noneAnswered = 0;
    const ms: number[] = [];
    for (const q of questions) {
      const t0 = performance.now();
      const res = await retriever.answer(q.question, { k: depth });
      ms.push(performance.now() - t0);
      if (res.confident) {
        answered++;
        if (res.groupId === q.group) answeredRight++;
        else if (!known.has(q.group)) noneAnswered++;
      }
      if (!known.has(q.group)) continue;
      inScope++;
      const rank = res.ranked.findIndex((r) => r.group === q.group);
      if (rank === 0) hit1++;
      if (rank >= 0 && rank < 5) hit5++;
      if (rank >= 0 && rank < k) rr += 1 / (rank + 1);
    }
    const n = questions.length;
    // The part after the encoder (search + re-rank + confidence + fill), timed on its own: the
    // encoder's share of a CPU answer depends on the machine's load, this part should not.
    const vecs = await encoder.embedMany(questions.map((q) => redactText(cleanQuestion(q.question)) || '?'));
    const post: number[] = [];
    for (const v of vecs) {
      const t0 = performance.now();
      retriever.answerVector(v, { k: depth });
      post.push(performance.now() - t0);
    }
    process.stderr.write(`faq eval: p50 ${round(percentile(ms, 50), 2)} ms per answer; search + re-rank alone p95 ${round(percentile(post, 95), 3)} ms\n`);
    process.stderr.write(
      `faq eval: ${pairs.length} pairs -> ${temp.index.size} units; ${n} questions (${inScope} in scope, ${n - inScope} out of scope, ${noneAnswered} of those answered)\n`,
    );
    return {
      task: 'faq',
      n,
      'hit@1': round(inScope ? hit1 / inScope : 0, 4),
      'hit@5': round(inScope ? hit5 / inScope : 0, 4),
      mrr: round(inScope ? rr / inScope : 0, 4),
      answered_rate: round(answered / n, 4),
      precision_when_answered: answered ? round(answeredRight / answered, 4) : null,
      p95_ms: round(percentile(ms, 95), 2),
    };
  } finally {
    await temp.dispose();
    await encoder.close();
  }
}
