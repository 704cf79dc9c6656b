import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { faqAnswerer } from '../app/wiring.js';
import type { Encoder } from '../nlu/encoder-types.js';
import { loadEncoder, type LoadedEncoder } from '../nlu/encoder.js';
import { FaqRetriever } from './answer.js';
import { FaqIndex } from './index-store.js';
import { ArticleSearch, chunkArticles, chunkUnits, isKnowledgeUnit, KnowledgeError, loadArticles, markdownToText, parseArticle, parseKnowledgeKey, reindexKnowledge, syncKnowledge } from './knowledge.js';
import { pairsToUnits, parsePair, type FaqPair } from './pairs.js';
import { countingEncoder } from '../testing/counting-encoder.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);
const HELP = join(ROOT, 'fixtures/store/help');

/**
 * Mined transcript answers on the same topics as the articles (and one the articles do not cover),
 * 12 per group from the eval fixture: the articles must win against real competition.
 */
function transcriptPairs(): FaqPair[] {
  const groups = ['get_refund', 'check_refund_policy', 'track_refund', 'check_payment_methods', 'payment_issue', 'cancel_order', 'delivery_options', 'delivery_period', 'review'];
  const per = new Map<string, number>();
  return readFileSync(join(ROOT, 'fixtures/retrieval/faq-index.jsonl'), 'utf8')
    .trim()
    .split('\n')
    .map((l) => parsePair(JSON.parse(l)))
    .filter((p): p is FaqPair => typeof p !== 'string' && groups.includes(p.group))
    .filter((p) => {
      const n = per.get(p.group) ?? 0;
      per.set(p.group, n + 1);
      return n < 12;
    });
}

describe('help articles: parsing and chunking', () => {
  const ARTICLE = `---
title: "Gift wrap"
slug: gift-wrap
url: /help/gift-wrap
updated: 2026-09-01
---

# Gift wrap

We wrap gifts by hand.

## Price and options

<!-- Questions: How much is gift wrapping? | Can I add a message? -->

Gift wrap costs **₹30** per item. See [our gifts](/gifts) for ideas.

Questions: Do you wrap gifts?

### Messages

Add a message of up to 200 characters.

## Price and options

A second section with the same heading gets its own anchor.
`;

  it('reads the front matter, the sections with their anchors and the written questions', () => {
    const a = parseArticle(ARTICLE, 'gift-wrap.md');
    expect(a).toMatchObject({ slug: 'gift-wrap', title: 'Gift wrap', url: '/help/gift-wrap', updated: '2026-09-01' });
    expect(a.sections.map((s) => s.anchor)).toEqual(['', 'price-and-options', 'price-and-options-1']);
    const price = a.sections[1]!;
    expect(price.questions).toEqual(['How much is gift wrapping?', 'Can I add a message?', 'Do you wrap gifts?']);
    // Chat text: no Markdown marks, no question lists, the link spelled out, the sub-heading kept.
    expect(price.text).toBe('Gift wrap costs ₹30 per item. See our gifts (/gifts) for ideas.\n\nMessages:\n\nAdd a message of up to 200 characters.');
    expect(markdownToText('- **a** and `b`\n* c')).toBe('- a and b\n- c');
  });

  it('rejects what it cannot index, naming the file', () => {
    expect(() => parseArticle('---\nslug: Bad Slug\n---\n## A\ntext', 'x.md')).toThrow(KnowledgeError);
    expect(() => parseArticle('---\nupdated: someday\n---\n## A\ntext', 'x.md')).toThrow(/x\.md: updated/);
    expect(() => parseArticle('## Empty\n\n## Next\ntext', 'x.md')).toThrow(/"Empty" has no text/);
  });

  it('cuts long sections with the LangChain Markdown splitter, every chunk keeping its section', async () => {
    const long = Array.from({ length: 12 }, (_, i) => `Paragraph ${i + 1}: ${'delivery partners pick up parcels every evening. '.repeat(3)}`).join('\n\n');
    const a = parseArticle(`---\ntitle: Long\nslug: long\n---\n## Big section\n<!-- Questions: a long question? -->\n${long}\n`, 'long.md');
    const chunks = await chunkArticles([a], { chunkSize: 400, chunkOverlap: 40 });
    expect(chunks.length).toBeGreaterThan(3);
    expect(chunks.map((c) => c.id)).toEqual(chunks.map((_, i) => `long#big-section${i === 0 ? '' : `~${i + 1}`}`));
    expect(new Set(chunks.map((c) => c.source))).toEqual(new Set(['kb:long#big-section']));
    expect(chunks.every((c) => c.text.length <= 400 && c.answer === a.sections[0]!.text)).toBe(true);
    expect(chunks[0]!.questions).toEqual(['a long question?']);
    expect(chunks.slice(1).every((c) => c.questions.length === 0)).toBe(true);
    const units = chunkUnits(chunks[0]!);
    expect(units).toHaveLength(2);
    expect(units.map((u) => parseKnowledgeKey(u.key))).toEqual([
      { id: 'long#big-section', hash: chunks[0]!.hash, n: 0 },
      { id: 'long#big-section', hash: chunks[0]!.hash, n: 1 },
    ]);
    expect(units[0]).toMatchObject({ group: 'kb:long#big-section', sources: ['kb:long#big-section'], intent: null });
  });

  it('loads the demo store articles with their sources, links and consistent numbers', async () => {
    const articles = loadArticles(HELP);
    const slugs = articles.map((a) => a.slug);
    for (const s of ['returns', 'refunds', 'payment-methods', 'delivery', 'cancellation', 'exchanges', 'warranty', 'account', 'invoices', 'address-changes', 'contact', 'newsletter']) expect(slugs).toContain(s);
    const chunks = await chunkArticles(articles);
    for (const c of chunks) {
      expect(c.source).toBe(c.anchor ? `kb:${c.slug}#${c.anchor}` : `kb:${c.slug}`);
      expect(c.url).toBe(c.anchor ? `/help/${c.slug}#${c.anchor}` : `/help/${c.slug}`);
      expect(c.answer).not.toMatch(/\*\*|<!--|\{\{/);
    }
    // Every section of the demo store has questions written for it, and every amount is one of the store's.
    expect(articles.flatMap((a) => a.sections.filter((s) => s.anchor !== '' && s.questions.length === 0).map((s) => `${a.slug}#${s.anchor}`))).toEqual([]);
    const amounts = new Set(articles.flatMap((a) => a.sections.flatMap((s) => s.text.match(/₹\d+(?:,\d+)*/g) ?? [])));
    expect([...amounts].sort()).toEqual(['₹100', '₹3,000', '₹40', '₹49', '₹50,000', '₹499', '₹99'].sort());
    const text = (slug: string, anchor: string) => articles.find((a) => a.slug === slug)!.sections.find((s) => s.anchor === anchor)!.text;
    expect(text('returns', 'return-window')).toMatch(/10 days[\s\S]*7 days/);
    expect(text('payment-methods', 'cash-on-delivery')).toMatch(/₹50,000.*₹49/);
    expect(text('refunds', 'refunds-for-cash-on-delivery-orders')).toContain('₹49');
    expect(text('delivery', 'delivery-charges')).toMatch(/₹499.*₹40.*₹99/s);
    expect(text('delivery', 'express-next-day-delivery')).toContain('₹99');
  });
});

describe('help articles in the FAQ index', () => {
  let enc: LoadedEncoder;
  let counter: Encoder & { texts: number };
  let dir: string;
  let help: string;
  let index: FaqIndex;
  let retriever: FaqRetriever;
  let chunkCount: number;

  beforeAll(async () => {
    enc = await loadEncoder({ model: join(ROOT, 'models/all-MiniLM-L6-v2') });
    counter = countingEncoder(enc);
    dir = mkdtempSync(join(tmpdir(), 'kb-test-'));
    help = join(dir, 'help');
    cpSync(HELP, help, { recursive: true });
    index = await FaqIndex.open({ dbPath: join(dir, 'shop.db'), encoder: counter, log: () => undefined });
    await index.add(pairsToUnits(transcriptPairs()));
    retriever = new FaqRetriever(index, counter);
    chunkCount = (await chunkArticles(loadArticles(help))).length;
  });
  afterAll(async () => {
    await retriever?.close();
    await enc?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const kbUnits = () => index.allUnits().filter((u) => u.group.startsWith('kb:'));

  it('indexes every chunk with its source, in answer groups of its own', async () => {
    const transcripts = index.size;
    const lines: string[] = [];
    const r = await reindexKnowledge(index, help, counter, { log: (l) => lines.push(l) });
    expect(r).toMatchObject({ added: chunkCount, updated: 0, removed: 0, unchanged: 0, articles: 12, chunks: chunkCount });
    expect(lines.join('\n')).toContain(`${chunkCount} added`);
    const units = kbUnits();
    expect(units.length).toBe(r.unitsAdded);
    expect(index.size).toBe(transcripts + units.length);
    expect(units.every((u) => u.sources.length === 1 && u.sources[0] === u.group.replace(/#$/, ''))).toBe(true);
    const window = units.filter((u) => u.group === 'kb:returns#return-window');
    expect(window.length).toBeGreaterThan(2); // the chunk and its written questions
    expect(window.map((u) => u.question)).toContain('What is your return policy?');
    expect(window[0]!.answer).toMatch(/10 days.*\n.*7 days/);
  }, 240_000); // embeds every article once: slow on a loaded machine

  it('does nothing when re-indexing unchanged articles', async () => {
    const before = counter.texts;
    const labels = kbUnits().map((u) => u.label);
    const r = await reindexKnowledge(index, help, counter);
    expect(r).toMatchObject({ added: 0, updated: 0, removed: 0, unchanged: chunkCount, unitsAdded: 0, unitsRemoved: 0 });
    expect(counter.texts).toBe(before);
    expect(kbUnits().map((u) => u.label)).toEqual(labels);
  });

  it('answers realistic questions from the articles, with their source and the exact numbers', async () => {
    const cases: [string, string, RegExp[]][] = [
      ['how do i return an item?', '/help/returns#how-to-start-a-return', [/My Orders/, /10 days of delivery \(7 days for electronics\)/]],
      ['can i pay with cash on delivery?', '/help/payment-methods#cash-on-delivery', [/up to ₹50,000/, /₹49/]],
      ['upi refund takes how many days', '/help/refunds#refund-timelines-by-payment-method', [/UPI.*2–4 working days/, /cards.*5–7 working days/]],
      ['is emi available on phones', '/help/payment-methods#emi-and-no-cost-emi', [/over ₹3,000/, /[Nn]o-cost EMI/]],
      ['do you take amex cards', '/help/payment-methods#credit-and-debit-cards', [/American Express \(Amex\)/, /RuPay/]],
      ['whats ur return policy', '/help/returns#return-window', [/10 days/, /7 days/]],
    ];
    for (const [q, url, patterns] of cases) {
      const res = await retriever.answer(q);
      expect(res.confident, q).toBe(true);
      expect(res.source, q).toMatchObject({ kind: 'article', url });
      expect(res.source?.title, q).toBeTruthy();
      expect(res.sources, q).toEqual([`kb:${url.slice('/help/'.length)}`]);
      for (const p of patterns) expect(res.answer, q).toMatch(p);
      expect(res.answer, q).not.toMatch(/\{\{|\*\*/);
    }
  });

  it('searches the article units exactly, as the index would with a filter', async () => {
    const search = new ArticleSearch(index);
    for (const q of ['can i pay with cash on delivery?', 'how long does delivery take to guwahati', 'tell me a joke']) {
      const vec = await enc.embed(q);
      const exact = search.search(vec, 5);
      const graph = index.search(vec, 5, isKnowledgeUnit);
      expect(exact.map((h) => h.label), q).toEqual(graph.map((h) => h.label));
      exact.forEach((h, i) => expect(h.score).toBeCloseTo(graph[i]!.score, 4));
    }
  });

  it('prefers the article over a mined answer that matches too, and keeps transcripts for the rest', async () => {
    const q = 'How can I cancel my order?';
    // A transcript answer matches this question well…
    const transcriptOnly = new FaqRetriever(index, counter, { articles: false });
    const vec = await enc.embed(q);
    const bestTranscript = transcriptOnly.rank(vec).find((r) => !r.group.startsWith('kb:'))!;
    expect(bestTranscript.group).toBe('cancel_order');
    expect(bestTranscript.similarity).toBeGreaterThan(0.8);
    // …but the store's own policy wins.
    const res = retriever.answerVector(vec);
    expect(res.source).toMatchObject({ kind: 'article', title: 'Cancellations', url: '/help/cancellation#cancel-before-shipping' });
    expect(res.ranked[0]!.group).toBe('kb:cancellation#cancel-before-shipping');
    // An answer agents taught wins over an article when it is the closer match, not otherwise.
    await index.add([{ key: 'learned:7:1', question: 'Can I pay cash on delivery for a Ladakh pincode?', answer: 'Not yet: COD is not available in Ladakh.', group: 'learned:7', intent: null, sources: ['learned:7'], ts: new Date().toISOString() }]);
    const ladakh = await retriever.answer('can i pay cash on delivery for a ladakh pincode?');
    expect(ladakh).toMatchObject({ confident: true, answer: 'Not yet: COD is not available in Ladakh.', source: { kind: 'learned' } });
    expect((await retriever.answer('can i pay with cash on delivery?')).source?.kind).toBe('article');
    // No article on reviews: the transcript answers, and says so.
    const review = await retriever.answer('I would like to leave a review for your service');
    expect(review.groupId).toBe('review');
    expect(review.source).toEqual({ kind: 'transcript' });
    // Out of scope stays out of scope.
    for (const oos of ['tell me a joke', 'is the oneplus nord waterproof', 'what is the weather in mumbai today']) {
      const r = await retriever.answer(oos);
      expect(r.confident, oos).toBe(false);
      expect(r.answer, oos).toBeNull();
    }
  });

  it('tells the customer where an article answer comes from (bot wiring)', async () => {
    const a = await faqAnswerer(retriever).answer('can i pay with cash on delivery?', { facts: {} });
    expect(a.confident).toBe(true);
    expect(a.source).toEqual({ kind: 'article', title: 'Payment methods', url: '/help/payment-methods#cash-on-delivery' });
    expect(a.answer).toMatch(/^From our Payment methods page: Cash on delivery \(COD\) is available on orders up to ₹50,000/);
    expect(a.answer).toMatch(/\n\nMore: \/help\/payment-methods#cash-on-delivery$/);
    const plain = await faqAnswerer(retriever, { attribute: false, baseUrl: 'https://shop.example.in/' }).answer('can i pay with cash on delivery?', { facts: {} });
    expect(plain.answer).toMatch(/^Cash on delivery/);
    expect(plain.source?.url).toBe('https://shop.example.in/help/payment-methods#cash-on-delivery');
    const none = await faqAnswerer(retriever).answer('tell me a joke', { facts: {} });
    expect(none).toMatchObject({ confident: false, answer: '' });
    expect(none.source).toBeUndefined();
  });

  it('replaces only the chunk of an edited section', async () => {
    const file = join(help, 'returns.md');
    const original = readFileSync(file, 'utf8');
    const others = kbUnits().filter((u) => u.group !== 'kb:returns#return-pickup');
    const pickup = kbUnits().filter((u) => u.group === 'kb:returns#return-pickup');
    writeFileSync(file, original.replace('we add up to ₹100 of courier charges', 'we add up to ₹150 of courier charges'));
    const before = counter.texts;
    const r = await reindexKnowledge(index, help, counter);
    expect(r).toMatchObject({ added: 0, updated: 1, removed: 0, unchanged: chunkCount - 1, unitsRemoved: pickup.length, unitsAdded: pickup.length });
    expect(counter.texts - before).toBe(pickup.length); // only that chunk was embedded again
    expect(kbUnits().filter((u) => u.group !== 'kb:returns#return-pickup')).toEqual(others);
    const now = kbUnits().filter((u) => u.group === 'kb:returns#return-pickup');
    expect(now.every((u) => u.answer.includes('₹150') && !pickup.some((p) => p.label === u.label))).toBe(true);
    expect((await retriever.answer('is return pickup free?')).answer).toContain('₹150');

    // Editing it back re-uses nothing removed (keys stay unique) and restores the text.
    writeFileSync(file, original);
    expect(await reindexKnowledge(index, help, counter)).toMatchObject({ updated: 1, unchanged: chunkCount - 1 });
    expect((await retriever.answer('is return pickup free?')).answer).toContain('₹100');
  });

  it('removes the units of a deleted article, and of a deleted section', async () => {
    const newsletter = kbUnits().filter((u) => u.group.startsWith('kb:newsletter'));
    const sections = new Set(newsletter.map((u) => u.group)).size;
    expect(sections).toBe(3);
    rmSync(join(help, 'newsletter.md'));
    const r = await reindexKnowledge(index, help, counter);
    expect(r).toMatchObject({ added: 0, updated: 0, removed: 3, unchanged: chunkCount - 3, unitsRemoved: newsletter.length, articles: 11 });
    expect(kbUnits().some((u) => u.group.startsWith('kb:newsletter'))).toBe(false);
    const res = await retriever.answer('how do i unsubscribe from your newsletter?');
    expect(res.ranked.some((u) => u.group.startsWith('kb:newsletter'))).toBe(false);
    if (res.confident) expect(res.source?.kind).not.toBe('article');

    const file = join(help, 'invoices.md');
    const text = readFileSync(file, 'utf8');
    writeFileSync(file, text.slice(0, text.indexOf('## Wrong details on an invoice')));
    expect(await reindexKnowledge(index, help, counter)).toMatchObject({ removed: 1, updated: 0, added: 0 });
    expect(kbUnits().some((u) => u.group === 'kb:invoices#wrong-details-on-an-invoice')).toBe(false);
  });

  it('keeps what it had when an article is broken, and at start never throws', async () => {
    const size = index.size;
    writeFileSync(join(help, 'broken.md'), '---\nslug: returns\n---\n## Dup\ntext\n');
    await expect(reindexKnowledge(index, help, counter)).rejects.toThrow(/slug "returns" is also used/);
    expect(index.size).toBe(size);
    const lines: string[] = [];
    expect(await syncKnowledge(index, { helpDir: help }, { log: (l) => lines.push(l) })).toBeNull();
    expect(lines.join('\n')).toMatch(/not re-indexed, the index keeps the ones it had/);
    expect(index.size).toBe(size);
    rmSync(join(help, 'broken.md'));
    expect(await syncKnowledge(index, { helpDir: help }, { log: () => undefined })).toMatchObject({ added: 0, updated: 0, removed: 0 });
    expect(await syncKnowledge(index, { helpDir: join(dir, 'nowhere', 'store', 'help') }, { log: (l) => lines.push(l) })).toBeNull();
    expect(lines.at(-1)).toMatch(/no help articles/);
  });
});
