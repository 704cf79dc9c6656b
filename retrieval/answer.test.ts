import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder, type LoadedEncoder } from '../nlu/encoder.js';
import { FaqRetriever } from './answer.js';
import { loadCalibration, DEFAULT_CALIBRATION_PATH } from './calibration.js';
import { FaqIndex } from './index-store.js';
import { EncoderEmbeddings, FaqVectorStore } from './langchain.js';
import { pairsToUnits, parsePair, type FaqPair } from './pairs.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const GROUPS = ['cancel_order', 'track_order', 'get_refund', 'recover_password', 'check_payment_methods', 'delivery_period', 'change_shipping_address', 'newsletter_subscription'];

/** 25 indexed pairs per group from the eval fixture (a small index keeps the test quick). */
function samplePairs(): FaqPair[] {
  const per = new Map<string, number>();
  return readFileSync(join(ROOT, 'fixtures/retrieval/faq-index.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => parsePair(JSON.parse(l)))
    .filter((p): p is FaqPair => typeof p !== 'string' && GROUPS.includes(p.group))
    .filter((p) => {
      const n = per.get(p.group) ?? 0;
      per.set(p.group, n + 1);
      return n < 25;
    });
}

describe('FaqRetriever', () => {
  let enc: LoadedEncoder;
  let dir: string;
  let retriever: FaqRetriever;
  beforeAll(async () => {
    enc = await loadEncoder({ model: join(ROOT, 'models/all-MiniLM-L6-v2') });
    dir = mkdtempSync(join(tmpdir(), 'faq-answer-test-'));
    const index = await FaqIndex.open({ dbPath: join(dir, 'shop.db'), encoder: enc, log: () => undefined });
    await index.add(pairsToUnits(samplePairs()));
    retriever = new FaqRetriever(index, enc);
  });
  afterAll(async () => {
    await retriever.close();
    await enc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('uses the production calibration', () => {
    expect(retriever.calibrationFrom).toBe(DEFAULT_CALIBRATION_PATH);
    expect(retriever.calibration).toEqual(loadCalibration(DEFAULT_CALIBRATION_PATH));
  });

  it('answers a paraphrase of a known question confidently, filled for this customer', async () => {
    const res = await retriever.answer('I would like to cancel my order ORD-777777, how do I do that?', {
      customer: { firstName: 'Bob', orderNumber: 'ORD-777777' },
      store: { supportPhone: '1800 123 456', website: 'shop.example.com' },
    });
    expect(res.confident).toBe(true);
    expect(res.groupId).toBe('cancel_order');
    expect(res.score).toBeGreaterThanOrEqual(retriever.calibration.threshold);
    expect(res.sources.length).toBeGreaterThan(0);
    expect(res.sources.every((s) => s.startsWith('T-BX-'))).toBe(true);
    expect(res.answer).toMatch(/cancel/i);
    expect(res.answer).not.toMatch(/\{\{|\}\}/);
    // Only this customer's data or the store's: no digits from anybody else's order or phone.
    const digits = (res.answer!.match(/\d{4,}/g) ?? []).filter((d) => !'ORD-777777 1800 123 456'.includes(d));
    expect(digits).toEqual([]);
  });

  it('ranks the right group first for other unseen paraphrases', async () => {
    const cases: [string, string][] = [
      ['how can I check the status of my order', 'track_order'],
      ['I cannot remember my password', 'recover_password'],
      ['which ways can I pay', 'check_payment_methods'],
      ['I want my money back', 'get_refund'],
    ];
    for (const [q, g] of cases) expect((await retriever.answer(q)).ranked[0]?.group, q).toBe(g);
  });

  it('does not present a weak match: unrelated questions get no answer', async () => {
    for (const q of ['what is the capital of australia', 'tell me a joke about cats', 'is this laptop good for gaming?']) {
      const res = await retriever.answer(q);
      expect(res.confident, q).toBe(false);
      expect(res.answer).toBeNull();
    }
  });

  it('reuses a vector the bot already computed', async () => {
    const q = 'how do I track my order';
    const vec = await enc.embed(q);
    const a = retriever.answerVector(vec, {});
    const b = await retriever.answer(q);
    expect(a.groupId).toBe(b.groupId);
    expect(a.score).toBeCloseTo(b.score, 5);
  });

  it('boosts the intent NLU found when candidates are close', async () => {
    const vec = await enc.embed('change my order');
    const plain = retriever.rank(vec);
    const withIntent = retriever.rank(vec, { intent: plain[1]!.group, intentConfidence: 1 });
    expect(withIntent[0]!.score).toBeGreaterThanOrEqual(plain[0]!.score);
    expect(withIntent.find((r) => r.group === plain[1]!.group)!.score).toBeGreaterThan(plain[1]!.score);
  });

  it('never crashes on hostile input', async () => {
    const hostile: unknown[] = [
      '',
      '   ',
      '<script>alert(1)</script><b>cancel</b> my order',
      "'; DROP TABLE faq_units; --",
      '😀😀😀🔥',
      'a'.repeat(200_000),
      ('where is my order ' + '🔥'.repeat(10) + ' ').repeat(5000),
      null,
      42,
      '\u0000\u0007\u202e',
    ];
    for (const h of hostile) {
      const res = await retriever.answer(h as string);
      expect(typeof res.confident).toBe('boolean');
      if (!res.confident) expect(res.answer).toBeNull();
    }
    expect((await retriever.answer('<p>how do I <i>cancel</i> my order?</p>')).groupId).toBe('cancel_order');
  });

  it('learns from a resolved hand-off without a restart, redacted', async () => {
    const question = 'Do you offer same-day delivery in Bengaluru for orders placed before noon?';
    const before = await retriever.answer(question);
    expect(before.groupId).not.toBe('handoff:same_day');
    const res = await retriever.learn({
      id: 'conv-handoff-1',
      intent: 'handoff:same_day',
      resolution: 'resolved',
      turns: [
        { role: 'customer', text: `${question} My number is +91 98765 43210.` },
        { role: 'bot', text: 'Let me get a colleague for you.' },
        { role: 'agent', text: 'Hi Meera, yes: orders placed before 12:00 in Bengaluru arrive the same day. We will text +91 98765 43210 when it leaves.' },
      ],
    });
    expect(res).toMatchObject({ added: 1 });
    const after = await retriever.answer('same day delivery in Bengaluru if I order before noon?', { customer: { phone: '+44 7700 900123' } });
    expect(after.groupId).toBe('handoff:same_day');
    expect(after.sources).toContain('conv-handoff-1');
    const unit = retriever.index.unit(after.ranked[0]!.label)!;
    expect(unit.question).not.toContain('98765');
    expect(unit.answer).not.toMatch(/Meera|98765/);
    if (after.answer) expect(after.answer).not.toMatch(/Meera|98765/);
  });

  it('works as a LangChain vector store and retriever', async () => {
    const store = new FaqVectorStore(retriever.index, new EncoderEmbeddings(enc));
    const docs = await store.asRetriever({ k: 3 }).invoke('how can I reset my password?');
    expect(docs).toHaveLength(3);
    expect(docs[0]!.metadata.groupId).toBe('recover_password');
    expect(typeof docs[0]!.metadata.answer).toBe('string');
    const filtered = await store.similaritySearch('how can I reset my password?', 2, { group: 'get_refund' });
    expect(filtered.every((d) => d.metadata.groupId === 'get_refund')).toBe(true);
    const ids = await store.addDocuments([{ pageContent: 'do you ship to Nepal? my email is x.y+z@example.org', metadata: { answer: 'Yes, we ship to Nepal in 7-10 days.', group: 'ship_nepal', source: 'doc-1' } }]);
    expect(ids).toHaveLength(1);
    const [top] = await store.similaritySearchWithScore('shipping to nepal', 1);
    expect(top![0].metadata.groupId).toBe('ship_nepal');
    expect(top![0].pageContent).toBe('do you ship to Nepal? my email is {{EMAIL}}');
  });
});
