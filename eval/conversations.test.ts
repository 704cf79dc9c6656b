import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../bot/test-server.js';
import type { ChatClient } from '../bot/test-client.js';
import { main, readItems, summarise, type ItemResult } from './conversations.js';
import { asksForIdentity, cardPrice, containsTerm, isRefusal, judge, leaks, repliesInLanguage, type ConversationItem, type Transcript } from './judge.js';

// The acceptance rules of `eval conversations` on hand-made transcripts (pure, no server), and the
// command itself on 3 messages of the CI slice against the real bot (one server start).

const REFUSAL = "I'm the shop's assistant, so I can't help with that one. I can find products, track orders, handle returns and answer questions about the store.";
const NOT_UNDERSTOOD = "I'm not sure I understood. Could you put it another way, or pick one of these?";
const NOT_CONFIDENT = "I'm not confident I have the right answer to that. Could you give me a bit more detail, or would you like to talk to a person?";

function reply(texts: string[], more: Partial<Transcript> = {}): Transcript {
  return { texts, cards: [], chips: [], handoff: [], firstReplyMs: 120, ...more };
}
const card = (title: string, price: number) => ({ title, subtitle: `₹${price.toLocaleString('en-IN')} · ★ 4.1 (1,024)` });
const item = (o: Partial<ConversationItem> & Pick<ConversationItem, 'category'>): ConversationItem => ({ id: 'x-001', text: 'text', ...o });

describe('judge helpers', () => {
  it('matches terms from a word start, short terms as whole words (plurals allowed)', () => {
    expect(containsTerm('Delivery takes 3-5 working days.', 'deliver')).toBe(true);
    expect(containsTerm('We accept UPI, cards and COD.', 'cod')).toBe(true);
    expect(containsTerm('Use the coupon code SAVE10.', 'cod')).toBe(false);
    expect(containsTerm('Retro Coffee Mugs Assorted', 'mug')).toBe(true);
    expect(containsTerm('Environment friendly bag', 'iron')).toBe(false);
  });

  it('recognises the refusal and not-understood wordings, curly apostrophes too', () => {
    expect(isRefusal(REFUSAL)).toBe(true);
    expect(isRefusal(NOT_UNDERSTOOD)).toBe(true);
    expect(isRefusal(NOT_CONFIDENT)).toBe(true);
    expect(isRefusal('Sorry, I can’t help with that.')).toBe(true);
    expect(isRefusal('You can return most items within 10 days of delivery.')).toBe(false);
  });

  it('reads card prices and order-number requests', () => {
    expect(cardPrice('₹1,299 · ★ 4.2 (24,269)')).toBe(1299);
    expect(cardPrice('Rs. 499')).toBe(499);
    expect(cardPrice('no price')).toBeNull();
    expect(asksForIdentity('Could you share your order number or the e-mail you ordered with?')).toBe(true);
    expect(asksForIdentity("I don't see any orders on your account yet.")).toBe(false);
  });

  it('flags what a guest did not give: other orders, e-mails, phones, an order status', () => {
    expect(leaks('where is my order', reply(['Your order ORD-536365 was delivered. It was placed on 1 Dec 2010.']))).not.toEqual([]);
    expect(leaks('my order number is ORD-536365', reply(['Your order ORD-536365 was delivered.']))).toContain("an order's status to an unidentified guest");
    expect(leaks('where is my order', reply(['It is with priya@example.org, call 9876543210']))).toHaveLength(2);
    expect(leaks('my order id is 537121', reply(["I couldn't find ORD-537121 on your account. Could you check it? It looks like ORD-123456."]))).toEqual([]);
    expect(leaks('ORD-540002, my email is a.b@gmail.com', reply(['Your order ORD-540002 is on its way.']))).toEqual([]);
  });

  it('knows a reply in the message language', () => {
    expect(repliesInLanguage('आपका ऑर्डर रास्ते में है', 'hi')).toBe(true);
    expect(repliesInLanguage('Your order is on its way', 'hi')).toBe(false);
    expect(repliesInLanguage('Hola, ¿en qué puedo ayudar?', 'es')).toBe(true);
    expect(repliesInLanguage('aapka order kal tak aa jayega, kya aur madad chahiye', 'hi-latn')).toBe(true);
  });
});

describe('acceptance rules', () => {
  const policy = item({ category: 'policy', text: 'how do i return an item?', expect_terms: ['days', 'refund', 'return policy'] });
  it('policy: an answer with an expected term passes; a refusal or an off-topic answer fails', () => {
    expect(judge(policy, reply(['You can return most items within 10 days of delivery; the refund follows the pickup.'])).pass).toBe(true);
    expect(judge(policy, reply([REFUSAL])).reasons).toContain('refused');
    expect(judge(policy, reply(['I found no delivered orders on your account to return.'])).pass).toBe(false);
    expect(judge(policy, reply([NOT_CONFIDENT + ' 10 days'])).pass).toBe(false);
    expect(judge(policy, { ...reply([]), firstReplyMs: null, error: 'no reply within 15000 ms' }).pass).toBe(false);
  });

  it('a clarifying question is not an answer, even when it names the topic', () => {
    const refund = item({ category: 'policy', text: 'refund to wallet or to account?', expect_terms: ['refund', 'days'] });
    const v = judge(refund, reply(['I want to get this right. Is it about refunds, or returns?'], { chips: ['Refunds', 'Returns', 'Talk to a person'] }));
    expect(v).toMatchObject({ pass: false, clarified: true, refused: false });
    expect(v.reasons).toContain('only a clarifying question');
    const order = item({ category: 'order', text: 'where is my order' });
    expect(judge(order, reply(['I want to get this right. Is it about your account?'])).pass).toBe(false);
    // An answer that ends with a question is still an answer.
    expect(judge(refund, reply(['Refunds reach your UPI account in 2-4 working days. Is it about an order you already returned?'])).pass).toBe(true);
  });

  const iron = item({ category: 'product', text: 'steam iron under 1500', max_price: 1500, product_terms: ['iron'], exclude_terms: ['lint'] });
  it('product: relevant cards within budget pass; none, over budget or off-topic fail', () => {
    const ok = ['Usha Steam Pro Steam Iron', 'Philips Dry Iron', 'Bajaj DX-6 Dry Iron', 'Havells Dry Iron', 'Orpat Iron'].map((t, i) => card(t, 600 + i * 100));
    expect(judge(iron, reply(['Here is what I found:'], { cards: ok })).pass).toBe(true);
    expect(judge(iron, reply(['Here is what I found:'], { cards: [...ok.slice(0, 4), card('Philips Steam Iron', 1849)] })).reasons[0]).toMatch(/over 1500/);
    expect(judge(iron, reply(['Here is what I found:'], { cards: [...ok.slice(0, 3), card('Lint Remover', 299), card('Coffee Mug', 221)] })).reasons[0]).toMatch(/3\/5 cards relevant/);
    expect(judge(iron, reply([REFUSAL])).reasons).toEqual(['refused', 'no product cards']);
    // 4 of 5 relevant is the 80% bar
    expect(judge(iron, reply(['Here:'], { cards: [...ok.slice(0, 4), card('Coffee Mug', 221)] })).pass).toBe(true);
  });

  const saree = item({ category: 'product', text: 'sarees for wedding', product_terms: ['saree', 'sari'], expect_no_products: true });
  it('product not in the catalogue: an honest "couldn\'t find" passes, unrelated cards fail', () => {
    expect(judge(saree, reply(["I couldn't find anything matching that in stock right now. Could you describe it differently?"])).pass).toBe(true);
    expect(judge(saree, reply(['Here is what I found:'], { cards: [card('Candle Holder', 89)] })).pass).toBe(false);
    expect(judge(saree, reply([NOT_UNDERSTOOD])).pass).toBe(false);
  });

  const order = item({ category: 'order', text: 'where is my order' });
  it('order: asking for the number or e-mail passes; "no orders", a refusal or a leak fails', () => {
    expect(judge(order, reply(['I can check that. What is your order number, or the e-mail you ordered with?'])).pass).toBe(true);
    expect(judge(order, reply(["I don't see any orders on your account yet."])).pass).toBe(false);
    expect(judge(order, reply([REFUSAL])).pass).toBe(false);
    expect(judge(order, reply(['Your order ORD-536365 is on its way with Evri, tracking number H0UVBNAM5AB9AHDK.'])).reasons.join()).toMatch(/shows data/);
  });

  const human = item({ category: 'human', text: 'can i talk to someone' });
  it('human: a hand-off (event, queue or offline notice) passes; anything else fails', () => {
    expect(judge(human, reply(['Sure, let me get a person for you. You are number 2 in the queue.'], { handoff: [{ status: 'pending', position: 2 }] })).pass).toBe(true);
    expect(judge(human, reply(['Sure, let me get a person for you. Our team is offline right now; leave your message here and an agent will answer as soon as they are back.'])).pass).toBe(true);
    expect(judge(human, reply(["I'm a shopping assistant, happy to chat about what you're looking for."])).pass).toBe(false);
    expect(judge(human, reply([NOT_UNDERSTOOD], { chips: ['Talk to a person'] })).pass).toBe(false);
    // An offer is not a hand-off: the customer asked for one already.
    expect(judge(human, reply(['Could you tell me a bit more? Or I can get a person from our team for you right away.'])).reasons).toContain('no hand-off');
  });

  const complaint = item({ category: 'complaint', text: 'wow great service, 3rd time my refund failed' });
  it('complaint: empathy and help / a person pass; either alone or a refusal fails', () => {
    expect(judge(complaint, reply(["I'm sorry this has been frustrating. Let me get a person to sort it out."])).pass).toBe(true);
    expect(judge(complaint, reply(['I am sorry to hear that.'], { chips: ['Talk to a person'] })).pass).toBe(true);
    expect(judge(complaint, reply(['I am sorry to hear that.'])).reasons).toContain('no help, person or hand-off offered');
    expect(judge(complaint, reply(['Refunds take 5-7 days.'])).reasons).toContain('no empathy');
    expect(judge(complaint, reply([NOT_UNDERSTOOD], { chips: ['Talk to a person'] })).pass).toBe(false);
  });

  const oos = item({ category: 'out_of_scope', text: 'whats the weather in mumbai today' });
  it('out of scope: a polite decline without cards passes', () => {
    expect(judge(oos, reply([REFUSAL])).pass).toBe(true);
    expect(judge(oos, reply([REFUSAL], { cards: [card('Umbrella', 341)] })).pass).toBe(false);
    expect(judge(oos, reply([NOT_UNDERSTOOD])).pass).toBe(false);
    expect(judge(oos, reply(['It will be sunny, 31 degrees.'])).pass).toBe(false);
  });

  const hi = item({ category: 'smalltalk', text: 'hi' });
  it('smalltalk: a short friendly reply passes; a refusal, a hand-off or a long reply fails', () => {
    expect(judge(hi, reply(['Hi! I can help you find products, check an order, or answer questions about the store. What are you looking for today?'])).pass).toBe(true);
    expect(judge(hi, reply([NOT_UNDERSTOOD])).pass).toBe(false);
    expect(judge(hi, reply(['Sure, let me get a person for you.'], { handoff: [{ status: 'pending', position: 1 }] })).reasons).toContain('hand-off');
    expect(judge(hi, reply(['x'.repeat(400)])).pass).toBe(false);
  });

  const hindi = item({ category: 'other_language', text: 'मेरा ऑर्डर कहाँ है?', lang: 'hi' });
  it('other language: the same language, or "English for now" with a person, passes; the generic refusal fails', () => {
    expect(judge(hindi, reply(['कृपया अपना ऑर्डर नंबर बताइए।'])).pass).toBe(true);
    expect(judge(hindi, reply(['Sorry, I can only chat in English for now. Shall I get a person who can help?'], { chips: ['Talk to a person'] })).pass).toBe(true);
    expect(judge(hindi, reply([REFUSAL])).pass).toBe(false);
    expect(judge(hindi, reply(['Where is your order? Please share the order number.'])).pass).toBe(false);
  });
});

describe('the data set', () => {
  it('has every category in dev, heldout and the CI slice, and the CI slice is taken from dev', () => {
    const dir = resolve(import.meta.dirname, '../fixtures/conversations');
    const dev = readItems(`${dir}/dev.jsonl`);
    const held = readItems(`${dir}/heldout.jsonl`);
    const ci = readItems(`${dir}/ci-slice.jsonl`);
    const cats = (xs: ConversationItem[]) => new Set(xs.map((x) => x.category)).size;
    expect([cats(dev), cats(held), cats(ci)]).toEqual([8, 8, 8]);
    const devIds = new Set(dev.map((x) => x.id));
    expect(ci.every((x) => devIds.has(x.id))).toBe(true);
    expect(held.some((x) => devIds.has(x.id))).toBe(false);
    expect(dev.length + held.length).toBeGreaterThanOrEqual(420);
  });

  it('summarises per category', () => {
    const r = (category: ConversationItem['category'], pass: boolean, refused = false): ItemResult => ({ item: item({ category }), transcript: reply(['x']), verdict: { pass, reasons: [], refused, handoff: false, clarified: false } });
    const s = summarise([r('policy', true), r('policy', false, true), r('out_of_scope', true)]);
    expect(s.per_category.policy).toEqual({ n: 2, pass: 1, rate: 0.5 });
    expect(s.overall).toBe(0.667);
    expect(s.in_scope_refused).toBe(0.5);
  });
});

describe('eval conversations against the real bot', () => {
  let server: TestServer;
  const logs: string[] = [];
  const clients: ChatClient[] = [];

  // The first file of a run builds the warm data folder (minutes on 2 busy cores); others wait for it.
  beforeAll(async () => {
    server = await TestServer.start({ prefix: 'shopbot-conversations-', env: { ...process.env, SHOPBOT_QUIET: '1' }, logs, clients });
  }, 1_800_000);

  afterAll(async () => {
    await server?.close();
  });

  it('answers the CI slice as fresh guests well enough (thresholds that fail on the old bot)', async () => {
    const file = resolve(import.meta.dirname, '../fixtures/conversations/ci-slice.jsonl');
    const out = await main(['--file', file, '--url', server.running.url, '--max-wait-ms', '60000']);
    expect(out).toMatchObject({ task: 'conversations', n: 40, no_reply: 0 });
    const per = out.per_category as Record<string, { n: number; pass: number; rate: number }>;
    expect(Object.values(per).reduce((a, c) => a + c.n, 0)).toBe(40);
    // The bot before the evidence-based scope answered about a third of such messages; today's
    // figures on this slice are 0.975 overall and no category under 0.8 (one miss in five).
    expect(out.overall as number).toBeGreaterThanOrEqual(0.85);
    for (const [category, c] of Object.entries(per)) expect(c.rate, category).toBeGreaterThanOrEqual(0.6);
    expect(out.in_scope_refused as number).toBeLessThanOrEqual(0.1);
    expect(out.reply_p50_ms).toBeGreaterThan(0);
    // Each message was a new guest conversation: nothing from one leaks into the next.
    expect(server.store.conversations.count('live')).toBeGreaterThanOrEqual(40);
  }, 600_000);

  it('answers what customers write: Hinglish, typos, the store\'s words for a topic, complaints as statements', async () => {
    // Each of these was refused, clarified or answered off-topic before topic words, the Hinglish
    // gloss and the one-order rule.
    const items: ConversationItem[] = [
      { id: 'j1', text: 'refund kab tak aayega', category: 'policy', expect_terms: ['Refunds page'] },
      { id: 'j2', text: 'retrun policy for electronics', category: 'policy', expect_terms: ['7 days'] },
      { id: 'j3', text: 'cash on delivery for orders above 10000 allowed?', category: 'policy', expect_terms: ['cash on delivery'] },
      { id: 'j4', text: 'koi insaan hai kya', category: 'human' },
      { id: 'j5', text: "i'm done with your store", category: 'complaint' },
      { id: 'j6', text: 'please tell me delivery date of my order', category: 'order' },
      { id: 'j7', text: 'sasta wala phone dikhao', category: 'other_language', lang: 'hi-latn' },
      { id: 'j8', text: 'show me some tea mugs', category: 'product', product_terms: ['mug'], exclude_terms: ['towel'] },
      { id: 'j9', text: 'how to file income tax return', category: 'out_of_scope' },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'shopbot-journeys-'));
    const file = join(dir, 'journeys.jsonl');
    writeFileSync(file, items.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const out = await main(['--file', file, '--url', server.running.url, '--max-wait-ms', '60000']);
    expect(out).toMatchObject({ n: items.length, overall: 1 });
  }, 300_000);
});
