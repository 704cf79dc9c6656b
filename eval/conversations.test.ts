import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestServer } from '../testing/test-server.js';
import type { ChatClient } from '../testing/test-client.js';
import { main, readItems, summarise, turnPayload, type ItemResult } from './conversations.js';
import { asksForIdentity, cardPrice, containsTerm, isRefusal, judge, leaks, namesProduct, repliesInLanguage, type ConversationItem, type Transcript } from './judge.js';

// The acceptance rules of `eval conversations` on hand-made transcripts (pure, no server), and the
// command itself on the CI slice, a few journeys and a few dialogues against the real bot (one
// server start).

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

describe('follow-ups (dialogues)', () => {
  // A product card as the web chat sends it: the buttons carry the product id.
  const wire = (id: string, title: string, price: number) => ({
    ...card(title, price),
    productId: id,
    buttons: ['view', 'add_to_cart', 'more_like'].map((action) => ({ title: { view: 'View', add_to_cart: 'Add to cart', more_like: 'More like this' }[action]!, value: JSON.stringify({ action, productId: id }) })),
  });
  const buds = [wire('P-1', 'boAt Airdopes 141 Bluetooth Truly Wireless Earbuds', 1499), wire('P-2', 'Noise Buds VS104 Truly Wireless Earbuds', 1299), wire('P-3', 'Boult Audio Z20 True Wireless Earbuds', 1399)];
  const shown = reply(['Here is what I found:'], { cards: buds });
  const categories: Record<string, string> = { 'P-1': 'Electronics > Headphones > In-Ear', 'P-2': 'Electronics > Headphones > In-Ear', 'P-3': 'Electronics > Headphones > In-Ear', 'P-4': 'Electronics > Headphones > In-Ear', 'P-5': 'Electronics > Headphones > In-Ear', 'P-9': 'Electronics > Headphones > Earpads' };
  const categoryOf = (id: string) => categories[id];
  const EAR = ['earbud', 'earphone', 'headphone'];

  it('cheaper: every card below the cheapest shown, in the same category; a card not cheaper, another category or no card fails', () => {
    const cheaper = item({ category: 'followup', text: 'cheaper', turns: ['bluetooth earbuds under 2000'], product_terms: EAR, cheaper_than_previous: true, same_category_as_previous: true });
    const ok = reply(['Here is what I found:'], { cards: [wire('P-4', 'PTron Bassbuds Earbuds', 899), wire('P-5', 'Wecool Moonwalk Earbuds', 889)] });
    expect(judge(cheaper, ok, { earlier: [shown], categoryOf }).pass).toBe(true);
    const notCheaper = reply(['Here:'], { cards: [wire('P-4', 'PTron Bassbuds Earbuds', 899), wire('P-5', 'Wecool Moonwalk Earbuds', 1299)] });
    expect(judge(cheaper, notCheaper, { earlier: [shown], categoryOf }).reasons).toEqual(['1 card(s) not cheaper than 1299: 1299']);
    // Earpads for earbuds: the titles say "earbud", the store's categories say otherwise.
    const pads = reply(['Here:'], { cards: [wire('P-9', 'Replacement Ear Tips for Earbuds', 99), wire('P-9', 'Silicone Earbud Tips', 89)] });
    expect(judge(cheaper, pads, { earlier: [shown], categoryOf }).reasons.join()).toMatch(/0\/2 cards in the previous category/);
    // Without the store's categories, product_terms decide.
    expect(judge(cheaper, pads, { earlier: [shown] }).pass).toBe(true);
    expect(judge(cheaper, reply(['Anything else?']), { earlier: [shown] }).reasons).toContain('no product cards');
    expect(judge(cheaper, ok, { earlier: [] }).reasons).toContain('no earlier cards to be cheaper than');
  });

  it('the second one / reviews / warranty: the reply must name the product in focus; another product or a refusal fails', () => {
    const second = item({ category: 'followup', text: 'the second one', turns: ['bluetooth earbuds'], about_card: 2 });
    const view = reply(['Noise Buds VS104 Truly Wireless Earbuds costs ₹1,299. In stock.', 'Anything you want to know about it?'], { cards: [buds[1]!] });
    expect(judge(second, view, { earlier: [shown] }).pass).toBe(true);
    expect(judge(second, reply(['boAt Airdopes 141 Bluetooth Truly Wireless Earbuds costs ₹1,499.'], { cards: [buds[0]!] }), { earlier: [shown] }).reasons[0]).toMatch(/not about card 2/);
    expect(judge(second, reply(['I only showed 1 product(s). Which one did you mean?']), { earlier: [reply(['Here:'], { cards: [buds[0]!] })] }).pass).toBe(false);
    const battery = item({ category: 'followup', text: 'what do people say about the battery', turns: ['bluetooth earbuds', { click: 'view', card: 2 }], about_card: 1, expect_terms: ['battery'] });
    const earlier = [shown, view];
    expect(judge(battery, reply(['About Noise Buds VS104: 12 review(s) mention the battery; 75% of those are positive.']), { earlier }).pass).toBe(true);
    expect(judge(battery, reply(['About boAt Airdopes 141: 3 review(s) mention the battery.']), { earlier }).reasons[0]).toMatch(/not about card 1 \("noise buds vs104"\)/);
    expect(judge(battery, reply([REFUSAL]), { earlier }).reasons).toContain('refused');
    const warranty = item({ category: 'followup', text: 'does it have a warranty', turns: ['bluetooth earbuds', { click: 'view', card: 2 }], about_product_terms: ['noise'], expect_terms: ['warranty'] });
    expect(judge(warranty, reply(['The Noise Buds VS104 come with a 1 year brand warranty.']), { earlier }).pass).toBe(true);
    expect(judge(warranty, reply(['From our Warranty and repairs page: the warranty is given by the brand.']), { earlier }).reasons[0]).toMatch(/does not name the product in focus/);
    // Names are compared word by word, punctuation aside.
    expect(namesProduct(['About Kindle E-reader: 100 reviews'], [], 'Kindle E-reader - White, 6 Glare-Free')).toBe(true);
  });

  it('in blue and a new request: cards must carry the refinement / be of the new thing', () => {
    const blue = item({ category: 'followup', text: 'in blue', turns: ['coffee mugs'], product_terms: ['mug'], with_terms: ['blue'] });
    expect(judge(blue, reply(['Here:'], { cards: [card('Blue Polkadot Coffee Mug', 221), card('Blue/Yellow Flower Design Big Mug', 205)] })).pass).toBe(true);
    expect(judge(blue, reply(['Here:'], { cards: [card('Blue Polkadot Coffee Mug', 221), card('Blue Party Bags', 221)] })).reasons).toEqual(['1/2 cards relevant']);
    expect(judge(blue, reply(['Here:'], { cards: [card('Red Polkadot Coffee Mug', 221)] })).pass).toBe(false);
    // A long title cut before its colour: the card's line says it, as the customer reads it.
    expect(judge(blue, reply(['Here:'], { cards: [{ ...card('Coffee Mug with Lid, Ceramic, 350 ml, Microwave Safe…', 221), text: 'blue' }] })).pass).toBe(true);
    expect(judge(blue, reply(['Here:'], { cards: [{ ...card('Coffee Mug with Lid, Ceramic, 350 ml, Microwave Safe…', 221), text: 'within ₹500' }] })).pass).toBe(false);
    const banks = item({ category: 'followup', text: 'show me power banks', turns: ['earphones under 1000', { click: 'view', card: 1 }], product_terms: ['power bank'] });
    expect(judge(banks, reply(['Here:'], { cards: [card('MI Power Bank 3i 10000mAh', 1149)] })).pass).toBe(true);
    expect(judge(banks, reply(['More like boAt:'], { cards: buds })).pass).toBe(false);
    // A refusal can be allowed explicitly (not_refused: false); a rule is needed all the same.
    const anything = item({ category: 'followup', text: 'ok', turns: ['hi'], expect_terms: ['help'], not_refused: false });
    expect(judge(anything, reply([NOT_UNDERSTOOD + ' I can help with products.'])).pass).toBe(true);
  });

  it('a card click sends the button value the widget sends (Add to cart with what the page cart said)', () => {
    expect(turnPayload({ click: 'view', card: 2 }, [shown])).toEqual({ text: 'View: Noise Buds VS104 Truly Wireless Earbuds', value: JSON.stringify({ action: 'view', productId: 'P-2' }) });
    expect(turnPayload({ click: 'add_to_cart', card: 1 }, [shown, reply(['x'])])).toMatchObject({ value: JSON.stringify({ action: 'add_to_cart', productId: 'P-1', result: 'no_cart' }) });
    expect(turnPayload({ click: 'more_like', card: 4 }, [shown])).toEqual({ error: 'no card 4 to press more_like on (the latest cards: 3)' });
    expect(turnPayload('cheaper', [])).toEqual({ text: 'cheaper' });
  });

  it('reads dialogues and refuses malformed ones', () => {
    const dir = mkdtempSync(join(tmpdir(), 'shopbot-followup-items-'));
    const write = (o: object) => (writeFileSync(join(dir, 'f.jsonl'), JSON.stringify(o) + '\n'), join(dir, 'f.jsonl'));
    expect(readItems(write({ id: 'f', text: 'cheaper', category: 'followup', turns: ['kettle', { click: 'view', card: 1 }], product_terms: ['kettle'], cheaper_than_previous: true }))[0]!.turns).toHaveLength(2);
    expect(() => readItems(write({ id: 'f', text: 'cheaper', category: 'followup', product_terms: ['kettle'] }))).toThrow(/needs turns/);
    expect(() => readItems(write({ id: 'f', text: 'cheaper', category: 'followup', turns: ['kettle'] }))).toThrow(/needs a rule/);
    expect(() => readItems(write({ id: 'f', text: 'x', category: 'followup', turns: [{ click: 'buy', card: 1 }], expect_terms: ['x'] }))).toThrow(/a turn must be/);
    expect(() => readItems(write({ id: 'f', text: 'x', category: 'followup', turns: ['kettle'], same_category_as_previous: true, cheaper_than_previous: true }))).toThrow(/needs product_terms/);
    // Any category may be the last message of a dialogue.
    expect(readItems(write({ id: 'p', text: 'and a kettle', category: 'product', turns: ['hi'], product_terms: ['kettle'] }))).toHaveLength(1);
  });
});

describe('the data set', () => {
  it('has every category in dev, heldout and the CI slice, and the CI slice is taken from dev', () => {
    const dir = resolve(import.meta.dirname, '../fixtures/conversations');
    const dev = readItems(`${dir}/dev.jsonl`);
    const held = readItems(`${dir}/heldout.jsonl`);
    const ci = readItems(`${dir}/ci-slice.jsonl`);
    const shopping = readItems(`${dir}/heldout-shopping.jsonl`);
    const cats = (xs: ConversationItem[]) => new Set(xs.map((x) => x.category)).size;
    expect([cats(dev), cats(held), cats(ci), cats(shopping)]).toEqual([9, 8, 8, 2]);
    const devIds = new Set(dev.map((x) => x.id));
    expect(ci.every((x) => devIds.has(x.id))).toBe(true);
    expect(held.some((x) => devIds.has(x.id))).toBe(false);
    expect(shopping.some((x) => devIds.has(x.id) || held.some((h) => h.id === x.id))).toBe(false);
    expect(dev.length + held.length).toBeGreaterThanOrEqual(420);
    // Issue #15: 150 product requests and 40 dialogues in dev; 40 and 15 held out.
    const count = (xs: ConversationItem[], c: string) => xs.filter((x) => x.category === c).length;
    expect(count(dev, 'product')).toBeGreaterThanOrEqual(150);
    expect(count(dev, 'followup')).toBeGreaterThanOrEqual(40);
    expect(count(shopping, 'product')).toBeGreaterThanOrEqual(40);
    expect(count(shopping, 'followup')).toBeGreaterThanOrEqual(15);
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
    expect(await server.store.conversations.count('live')).toBeGreaterThanOrEqual(40);
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

  it('keeps the context of a dialogue: the second one, cheaper, a new request, a card click (thresholds that fail when context is lost)', async () => {
    const EAR = ['earphone', 'earbud', 'headphone', 'neckband', 'buds', 'airdopes', 'rockerz'];
    const items: ConversationItem[] = [
      { id: 'd1', category: 'followup', turns: ['bluetooth earphones under 2k'], text: 'the second one', about_card: 2 },
      { id: 'd2', category: 'followup', turns: ['bluetooth earphones under 2k'], text: 'cheaper', product_terms: EAR, exclude_terms: ['case', 'cover'], cheaper_than_previous: true, same_category_as_previous: true },
      { id: 'd3', category: 'followup', turns: ['electric kettle', { click: 'view', card: 1 }], text: 'show me power banks', product_terms: ['power bank', 'powerbank'] },
      { id: 'd4', category: 'followup', turns: ['smart watch under 3000', { click: 'view', card: 2 }], text: 'what do people say about the battery', about_card: 1, expect_terms: ['battery'] },
      { id: 'd5', category: 'followup', turns: ['mixer grinder', { click: 'more_like', card: 1 }], text: 'the first one', about_card: 1 },
    ];
    const dir = mkdtempSync(join(tmpdir(), 'shopbot-dialogues-'));
    const file = join(dir, 'dialogues.jsonl');
    writeFileSync(file, items.map((x) => JSON.stringify(x)).join('\n') + '\n');
    const out = await main(['--file', file, '--url', server.running.url, '--store-db', server.running.config.dbPath, '--max-wait-ms', '60000']);
    expect(out).toMatchObject({ n: items.length, no_reply: 0 });
    // Each of these passes today; a bot that forgets what it showed fails at least two.
    expect((out.per_category as Record<string, { pass: number }>).followup!.pass).toBeGreaterThanOrEqual(4);
  }, 300_000);
});
