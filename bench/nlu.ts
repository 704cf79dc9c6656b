import { existsSync } from 'node:fs';
import { availableParallelism, loadavg } from 'node:os';
import { resolve } from 'node:path';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { createAnalyzer, type SentimentLabel } from '../nlu/analyze.js';
import { extractEntities } from '../nlu/entities.js';
import { ProductMatcher } from '../nlu/entities-products.js';
import { loadBotIntentClassifier } from '../nlu/intent-bot.js';
import { loadChatSentiment } from '../nlu/chat-sentiment.js';
import { loadConfiguredEncoder, loadConfiguredSentiment } from '../nlu/off-thread.js';
import { chatSentences, emit, percentile, round, rssMb } from './stats.js';

// `npm run bench -- nlu [--n 300] [--no-sentiment] [--inference worker|inline] [--chat-sentiment head|model]`: what understanding one chat message costs
// on top of the shared encoder pass, one message at a time (a chat turn, not a bulk job).
//
//   encoder   the shared encoder alone (embed)
//   head      intent head + entities (incl. catalog product matching) on the encoder's vector
//   sentiment the sentiment model alone, when models/sentiment-minilm is there
//   analyze   the whole analyze(): encoder and sentiment concurrently, then head + entities
//   overhead  analyze minus encoder, per message (paired), which is what the target bounds
export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const config = loadConfig();
  const n = intFlag(flags, 'n', 300);
  const log = (line: string) => process.stderr.write(line + '\n');
  // The server's setting (SHOPBOT_INFERENCE, worker threads by default) unless --inference says.
  const inference = stringFlag(flags, 'inference') ?? config.encoder.inference;
  if (inference !== 'worker' && inference !== 'inline') throw new Error(`--inference must be worker or inline (got "${inference}")`);
  const encoder = await loadConfiguredEncoder(config, { inference, over: { model: stringFlag(flags, 'model') ?? config.encoder.model, log } });
  const { classifier, trained } = await loadBotIntentClassifier({ config, encoder, log });
  if (trained) log('bench nlu: trained the bot intent model first (it is loaded from data/intent next time)');
  const productsFile = resolve(config.fixturesDir, 'store/products.jsonl');
  const products = existsSync(productsFile) ? (await ProductMatcher.fromJsonl(productsFile)).matcher : null;

  let sentiment: { analyze(text: string): Promise<{ label: SentimentLabel; score: number }>; close(): Promise<void> } | null = null;
  if (!flags['no-sentiment']) {
    try {
      sentiment = await loadConfiguredSentiment(config, { inference, over: { log } });
    } catch (err) {
      log(`bench nlu: no sentiment model (${(err as Error).message.split('\n')[0]}); measuring intent + entities only`);
    }
  }
  // The server's chat sentiment (SHOPBOT_CHAT_SENTIMENT): the head on the encoder's vector by
  // default, or the fine-tuned model as a second pass (--chat-sentiment model).
  const chatMode = stringFlag(flags, 'chat-sentiment') ?? config.encoder.chatSentiment;
  if (chatMode !== 'head' && chatMode !== 'model') throw new Error(`--chat-sentiment must be head or model (got "${chatMode}")`);
  const chatHead = chatMode === 'head' ? (await loadChatSentiment({ config, encoder, log })).sentiment : null;
  const analyzer = createAnalyzer({ encoder, intent: classifier, sentiment, chatSentiment: chatHead, products, log });
  const messages = chatSentences(n);

  // Warm-up: JIT, ONNX sessions, allocator.
  for (const m of messages.slice(0, 20)) await analyzer.analyze(m);

  const enc: number[] = [];
  const head: number[] = [];
  const sent: number[] = [];
  const full: number[] = [];
  const overhead: number[] = [];
  for (let i = 0; i < messages.length; i++) {
    const text = messages[i]!;
    // Alternate the order of the paired measurements so neither gets the warmer caches.
    const measureEncoder = async () => {
      const t = performance.now();
      const v = await encoder.embed(text);
      enc.push(performance.now() - t);
      return v;
    };
    const measureFull = async () => {
      const t = performance.now();
      await analyzer.analyze(text);
      full.push(performance.now() - t);
    };
    let v: Float32Array;
    if (i % 2 === 0) {
      v = await measureEncoder();
      await measureFull();
    } else {
      await measureFull();
      v = await measureEncoder();
    }
    overhead.push(full[full.length - 1]! - enc[enc.length - 1]!);
    const t = performance.now();
    classifier.predictVector(v, text);
    extractEntities(text, { products: products ?? undefined, vector: v });
    head.push(performance.now() - t);
    if (chatHead) {
      const s = performance.now();
      chatHead.fromVector(v, text);
      sent.push(performance.now() - s);
    } else if (sentiment) {
      const s = performance.now();
      await sentiment.analyze(text);
      sent.push(performance.now() - s);
    }
  }
  const stat = (name: string, xs: number[]) => {
    const row = { phase: name, n: xs.length, p50_ms: round(percentile(xs, 50), 3), p95_ms: round(percentile(xs, 95), 3), mean_ms: round(xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length), 3) };
    emit(row);
    return row;
  };
  const e = stat('encoder', enc);
  const h = stat('head', head);
  const s = sent.length ? stat('sentiment', sent) : null;
  const f = stat('analyze', full);
  const o = stat('overhead', overhead);
  await sentiment?.close();
  await encoder.close();
  return {
    bench: 'nlu',
    messages: n,
    device: encoder.device,
    inference,
    intent_labels: classifier.labels.length,
    products: products?.size ?? 0,
    sentiment: chatHead ? 'head on the encoder vector' : sentiment ? 'fine-tuned model (second pass)' : 'none',
    encoder_p50_ms: e.p50_ms,
    encoder_p95_ms: e.p95_ms,
    head_p50_ms: h.p50_ms,
    head_p95_ms: h.p95_ms,
    sentiment_p50_ms: s?.p50_ms ?? null,
    sentiment_p95_ms: s?.p95_ms ?? null,
    analyze_p50_ms: f.p50_ms,
    analyze_p95_ms: f.p95_ms,
    overhead_p50_ms: o.p50_ms,
    overhead_p95_ms: o.p95_ms,
    target_overhead_p95_ms: 10,
    // Wall-clock figures are only comparable on an otherwise idle machine: say how busy it was.
    cpus: availableParallelism(),
    load_avg_1m: round(loadavg()[0]!, 2),
    rss_mb: rssMb(),
  };
}
