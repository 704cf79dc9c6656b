import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAnalyzer, MAX_ANALYZE_CHARS, type Analyzer, type SentimentPort } from './analyze.js';
import { loadEncoder, type LoadedEncoder } from './encoder.js';
import { EncoderInputError, cosine } from './encoder-types.js';
import { ProductMatcher } from './entities-products.js';
import type { IntentExample } from './intent-data.js';
import { OUT_OF_SCOPE, trainIntentClassifier } from './intent.js';

const ROOT = resolve(import.meta.dirname, '..');
const MODEL = resolve(ROOT, 'models/all-MiniLM-L6-v2');
const SENTIMENT_MODEL = resolve(ROOT, 'models/sentiment-minilm');
const HAS_SENTIMENT = existsSync(resolve(SENTIMENT_MODEL, 'config.json'));
const INTENTS = ['track_order', 'cancel_order', 'get_refund', 'complaint', 'product_search', 'product_question', 'price_availability', 'greeting', 'thanks', 'goodbye'];

function subset(): IntentExample[] {
  const rows = readFileSync(resolve(ROOT, 'fixtures/nlu/intents-train.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as IntentExample);
  const out: IntentExample[] = [];
  for (const intent of INTENTS) out.push(...rows.filter((r) => r.label === intent).slice(0, 60));
  out.push(...rows.filter((r) => r.label === OUT_OF_SCOPE).slice(0, 60));
  return out;
}

describe('analyze (real encoder, intent head, entities, products)', () => {
  let enc: LoadedEncoder;
  let analyzer: Analyzer;
  let sentimentClose: (() => Promise<void>) | null = null;
  let embedCalls = 0;

  beforeAll(async () => {
    enc = await loadEncoder({ model: MODEL });
    const { classifier } = await trainIntentClassifier(subset(), (t) => enc.embedMany(t), enc.checksum, { epochs: 6 });
    const products = ProductMatcher.fromProducts([
      { id: 'P-1', title: 'boAt Airdopes 141 Bluetooth Truly Wireless in Ear Earbuds (Bold Black)' },
      { id: 'P-3', title: 'Philips HD9306/06 1.5-Litre Electric Kettle (Multicolor)' },
      { id: 'P-8', title: 'Thank You Card Red Hearts' },
    ]);
    let sentiment: SentimentPort | null = null;
    if (HAS_SENTIMENT) {
      const { loadSentiment } = await import('./sentiment.js');
      const s = await loadSentiment({ model: SENTIMENT_MODEL });
      sentiment = s;
      sentimentClose = () => s.close();
    }
    // The real encoder, counted: analyze must run exactly one encoder pass per message.
    const counted = Object.create(enc) as LoadedEncoder;
    counted.embed = (t: string) => {
      embedCalls++;
      return enc.embed(t);
    };
    counted.embedMany = (t: readonly string[]) => {
      embedCalls += t.length;
      return enc.embedMany(t);
    };
    analyzer = createAnalyzer({ encoder: counted, intent: classifier, sentiment, products, log: () => {} });
  });
  afterAll(async () => {
    await sentimentClose?.();
    await enc?.close();
  });

  it('returns intent, confidence, entities, sentiment and the vector from one encoder pass', async () => {
    const before = embedCalls;
    const a = await analyzer.analyze('Where is my order ORD-536365? It was supposed to arrive on Monday');
    expect(embedCalls - before).toBe(1);
    expect(a.intent).toBe('track_order');
    expect(a.confidence).toBeGreaterThan(0.3);
    expect(a.confidence).toBeLessThanOrEqual(1);
    expect(a.entities.orderNumbers).toEqual(['ORD-536365']);
    expect(a.vector).toBeInstanceOf(Float32Array);
    expect(a.vector!.length).toBe(384);
    // The returned vector is the encoder's vector for this text, reusable by retrieval.
    expect(cosine(a.vector!, await enc.embed('Where is my order ORD-536365? It was supposed to arrive on Monday'))).toBeGreaterThan(0.9999);
    expect(['positive', 'neutral', 'negative']).toContain(a.sentiment.label);
    expect(a.truncated).toBe(false);
  });

  it('understands a shopping request with price, colour and size', async () => {
    const a = await analyzer.analyze('show me black running shoes in size 9 under ₹2,000');
    expect(a.intent).toBe('product_search');
    expect(a.entities.priceMax).toBe(2000);
    expect(a.entities.colors).toEqual(['black']);
    expect(a.entities.sizes).toEqual(['9']);
  });

  it('links product questions to catalog products, and keeps small talk free of products', async () => {
    const q = await analyzer.analyze('is the boAt Airdopes 141 waterproof?');
    expect(q.intent).toBe('product_question');
    expect(q.entities.products[0]?.productId).toBe('P-1');
    const t = await analyzer.analyze('thank you so much!');
    expect(t.intent).toBe('thanks');
    expect(t.entities.products).toEqual([]);
  });

  it('falls back to out_of_scope for unrelated messages', async () => {
    for (const text of ['what is the capital of australia', 'solve 3x + 5 = 20 for x', 'who will win the next election']) {
      const a = await analyzer.analyze(text);
      expect(a.intent, text).toBe(OUT_OF_SCOPE);
    }
  });

  it.runIf(HAS_SENTIMENT)('reads the customer mood with the real sentiment model', async () => {
    const angry = await analyzer.analyze('this is the third time my refund failed, absolutely useless service!!');
    expect(angry.sentiment.label).toBe('negative');
    const happy = await analyzer.analyze('thanks, the kettle arrived early and works great');
    expect(happy.sentiment.label).toBe('positive');
  });

  it('rejects non-messages with typed errors', async () => {
    for (const bad of ['', '   \n\t', null, undefined, 42, { text: 'hi' }]) {
      await expect(analyzer.analyze(bad as unknown as string)).rejects.toBeInstanceOf(EncoderInputError);
    }
  });

  it('gives sane output for HTML, SQL, emoji, other languages and huge messages', async () => {
    const cases = [
      '<script>alert("hi")</script><b>where is my order</b>',
      "1' OR '1'='1'; DROP TABLE orders; --",
      '😡😡😡',
      '🙂',
      'मेरा ऑर्डर कहाँ है?',
      '我的订单在哪里',
      'Où est ma commande ?',
      'asdfghjkl qwerty',
      'refund '.repeat(20_000),
    ];
    for (const text of cases) {
      const a = await analyzer.analyze(text);
      expect(typeof a.intent, text.slice(0, 20)).toBe('string');
      expect(a.confidence).toBeGreaterThanOrEqual(0);
      expect(a.confidence).toBeLessThanOrEqual(1);
      expect(a.vector!.length).toBe(384);
    }
    const huge = await analyzer.analyze('I want a refund for my order. '.repeat(5000));
    expect(huge.truncated).toBe(true);
    expect(huge.confidence).toBeGreaterThanOrEqual(0);
    expect(MAX_ANALYZE_CHARS).toBeLessThan(5000 * 30);
  });

  it('handles concurrent messages independently', async () => {
    const texts = ['hello', 'cancel my order please', 'how much is the philips kettle', 'bye bye'];
    const results = await Promise.all(texts.map((t) => analyzer.analyze(t)));
    expect(results.map((r) => r.intent)).toEqual(['greeting', 'cancel_order', 'price_availability', 'goodbye']);
    expect(results[2]!.entities.products[0]?.productId).toBe('P-3');
  });
});
