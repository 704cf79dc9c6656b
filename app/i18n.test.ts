import { randomUUID } from 'node:crypto';
import type { Activity } from 'botbuilder';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import { translate } from '../core/i18n.js';
import type { Store } from '../store/index.js';
import type { Running } from './main.js';
import { TestServer } from '../testing/test-server.js';
import { botTexts, fixtureRows, type ChatClient, type Recorded } from '../testing/test-client.js';

// The store's languages end to end: the real server (real models, SQLite, recommender) on
// 127.0.0.1, a web chat whose widget says data-locale="hi", an English one, an unknown locale, and
// Bot Framework's activity.locale. The bot still reads English; its replies, buttons, prices and
// dates follow the conversation's locale.

const SECRET = 'i18n-session-secret-0123456789';
const DEVANAGARI = /\p{Script=Devanagari}/u;
const inr = (locale: string, amount: number) => new Intl.NumberFormat(locale, { style: 'currency', currency: 'INR', maximumFractionDigits: 0 }).format(amount);

interface WireCard {
  title: string;
  subtitle: string;
  text: string;
  buttons: { title: string; value: string }[];
}

/** A seeded customer with a web identity and a delivered order. */
function customerWithDeliveredOrder(): { web: string; orderId: string; createdAt: string } {
  const orders = fixtureRows<{ id: string; customer_id: string; status: string; created_at: string }>('orders.jsonl');
  const customers = new Map(fixtureRows<{ id: string; identities: { channel: string; external_id: string }[] }>('customers.jsonl').map((c) => [c.id, c]));
  for (const o of orders) {
    const web = customers.get(o.customer_id)?.identities.find((i) => i.channel === 'web')?.external_id;
    if (o.status === 'delivered' && web) return { web, orderId: o.id, createdAt: o.created_at };
  }
  throw new Error('no fixture customer with a web identity and a delivered order');
}

describe('the store in Hindi and English (real server)', () => {
  let server: TestServer;
  let running: Running;
  let store: Store;
  const clients: ChatClient[] = [];
  const logs: string[] = [];
  const signer = new TokenSigner(Buffer.from(SECRET, 'utf8'));

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET };
    for (const k of ['MicrosoftAppId', 'MicrosoftAppPassword', 'MicrosoftAppTenantId', 'MicrosoftAppType', 'SHOPBOT_BOTFRAMEWORK', 'SHOPBOT_LOCALE']) delete env[k];
    server = await TestServer.start({ prefix: 'shopbot-i18n-', env, logs, clients });
    ({ running, store } = server);
  }, 1_800_000);

  afterAll(async () => {
    await server?.close();
  });

  const ask = async (c: ChatClient, text: string, until: (events: Recorded[]) => boolean = (e) => e.some((x) => x.event === 'message' && x.data.role === 'bot')) => {
    const from = c.events.length;
    const ack = await c.send({ text });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    await c.waitFor(() => until(c.events.slice(from)), { from });
    return from;
  };
  /** The turn's quick replies arrived (they come last). */
  const chipsCame = (e: Recorded[]) => e.some((x) => x.event === 'suggestions');
  const chipsOf = (c: ChatClient, from: number) => c.events.slice(from).filter((e) => e.event === 'suggestions').flatMap((e) => (e.data.chips as { title: string }[]).map((x) => x.title));
  const cardsOf = (c: ChatClient, from: number) => c.events.slice(from).filter((e) => e.event === 'card').flatMap((e) => e.data.cards as WireCard[]);
  const productOf = async (card: WireCard) => (await store.products.get((JSON.parse(card.buttons[0]!.value) as { productId: string }).productId))!;

  it('a web chat with data-locale "hi" gets Hindi greetings, quick replies, cards with ₹ prices for hi-IN, and Hindi acks', async () => {
    const c = await server.customerClient({ locale: 'hi' });
    let from = await ask(c, 'hello', chipsCame);
    expect(botTexts(c, from)[0]).toMatch(/^नमस्ते! /);
    expect(chipsOf(c, from)).toEqual(['कुछ सुझाइए', 'मेरा ऑर्डर कहाँ है?', 'किसी व्यक्ति से बात करें']);

    from = await ask(c, 'bluetooth speaker under 3000', (e) => e.some((x) => x.event === 'card') && chipsCame(e));
    const cards = cardsOf(c, from);
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) {
      const p = await productOf(card);
      // "₹1,499 · ★ 4.1 (1,234)": the price as Intl writes it for hi-IN, Latin digits.
      expect(card.subtitle.split(' · ')[0]).toBe(inr('hi-IN', p.price));
      expect(card.subtitle).toMatch(/^₹[0-9,]+/);
      expect(card.buttons.map((b) => b.title)).toEqual(['देखें', 'कार्ट में डालें', 'ऐसे और']);
      // "within ₹3,000" and "4.2★ (1,234 रेटिंग)" in Hindi.
      expect(card.text).toMatch(DEVANAGARI);
      expect(card.text).toContain(`${inr('hi-IN', 3000)} के अंदर`);
    }
    expect(botTexts(c, from).join(' ')).toMatch(DEVANAGARI);
    expect(chipsOf(c, from)).toEqual(['इससे सस्ता?', 'पहले वाले के बारे में बताइए', 'कुछ और']);

    // A Hindi quick reply is read as the bot's own English words: "Tell me about the first one".
    from = await ask(c, 'पहले वाले के बारे में बताइए', (e) => e.some((x) => x.event === 'message' && x.data.role === 'bot' && String(x.data.text).includes('की क़ीमत')));
    const described = botTexts(c, from).join(' ');
    const first = await productOf(cards[0]!);
    expect(described).toContain(`की क़ीमत ${inr('hi-IN', first.price)} है।`);

    // The channel's own answers are in Hindi too.
    expect(await c.send({ text: '   ' })).toMatchObject({ ok: false, code: 'empty', message: 'कृपया कोई संदेश लिखें।' });

    // "Talk to a person" tapped in Hindi: the hand-off, said in Hindi (nobody is online here).
    from = await ask(c, 'किसी व्यक्ति से बात करें', (e) => e.some((x) => x.event === 'message' && /ऑफ़लाइन/.test(String(x.data.text))));
    const handoff = botTexts(c, from).join(' ');
    expect(handoff).toMatch(/^ज़रूर, मैं आपके लिए किसी व्यक्ति को बुलाता हूँ।/);
    expect(handoff).toMatch(/ऑफ़लाइन/);
    from = await ask(c, 'सहायक के पास वापस जाएँ');
    expect(botTexts(c, from)[0]).toBe(translate('hi', 'bot:queue.left'));
  });

  it('a signed-in customer hears about their order in Hindi, with the date in Hindi for the store time zone', async () => {
    const mine = customerWithDeliveredOrder();
    const c = await server.customerClient({ token: signer.sign(mine.web, 3600), locale: 'hi-IN' });
    const from = await ask(c, `where is my order ${mine.orderId}?`);
    const reply = botTexts(c, from).join(' ');
    const date = new Intl.DateTimeFormat('hi-IN', { day: 'numeric', month: 'long', year: 'numeric', timeZone: 'Asia/Kolkata' }).format(new Date(mine.createdAt));
    expect(reply).toContain(`आपका ऑर्डर ${mine.orderId}`);
    expect(reply).toContain(`यह ${date} को दिया गया था।`);
  });

  it('an English chat is unchanged: the same words, en-IN prices', async () => {
    const c = await server.customerClient();
    let from = await ask(c, 'hello', chipsCame);
    expect(botTexts(c, from)[0]).toBe('Hi! I can help you find products, check an order, or answer questions about the store. What are you looking for today?');
    expect(chipsOf(c, from)).toEqual(['Recommend something', 'Where is my order?', 'Talk to a person']);
    from = await ask(c, 'bluetooth speaker under 3000', (e) => e.some((x) => x.event === 'card') && chipsCame(e));
    const cards = cardsOf(c, from);
    expect(cards.length).toBeGreaterThan(0);
    for (const card of cards) {
      expect(card.subtitle.split(' · ')[0]).toBe(inr('en-IN', (await productOf(card)).price));
      expect(card.buttons.map((b) => b.title)).toEqual(['View', 'Add to cart', 'More like this']);
      expect(card.text).toContain(`within ${inr('en-IN', 3000)}`);
      expect(card.text).not.toMatch(DEVANAGARI);
    }
    expect(botTexts(c, from).join(' ')).not.toMatch(DEVANAGARI);
  });

  it("a locale without a catalogue (or not a locale at all) gets the store's default, English", async () => {
    for (const locale of ['fr-FR', 'ta', '<script>alert(1)</script>', 'x'.repeat(200)]) {
      const c = await server.customerClient({ locale });
      const from = await ask(c, 'hello', chipsCame);
      expect(botTexts(c, from)[0], locale).toMatch(/^Hi! I can help/);
      expect(chipsOf(c, from), locale).toContain('Talk to a person');
    }
  });

  it("Bot Framework's activity.locale hi-IN gets Hindi replies; en-US stays English", async () => {
    const turn = async (locale: string, text: string) => {
      const user = `user-${randomUUID()}`;
      const res = await fetch(`${running.url}/api/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          type: 'message',
          id: randomUUID(),
          timestamp: new Date().toISOString(),
          channelId: 'emulator',
          serviceUrl: 'http://127.0.0.1:9',
          from: { id: user, name: 'Test User', role: 'user' },
          recipient: { id: 'shopbot-app', name: 'ShopBot', role: 'bot' },
          conversation: { id: `conv-${randomUUID()}` },
          deliveryMode: 'expectReplies',
          locale,
          text,
        }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { activities: Partial<Activity>[] }).activities.filter((a) => a.type === 'message');
    };
    const hindi = await turn('hi-IN', 'hi');
    expect(hindi[0]!.text).toMatch(/^नमस्ते Test जी! मैं प्रोडक्ट ढूँढने/);
    expect(hindi.flatMap((m) => m.suggestedActions?.actions.map((a) => a.title) ?? [])).toContain('किसी व्यक्ति से बात करें');
    const english = await turn('en-US', 'hi');
    expect(english[0]!.text).toMatch(/^Hi Test! I can help/);
  });
});

describe('a store whose default locale is hi-IN (SHOPBOT_LOCALE)', () => {
  let server: TestServer;
  const clients: ChatClient[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET, SHOPBOT_LOCALE: 'hi-IN', SHOPBOT_CURRENCY: 'INR', SHOPBOT_TIMEZONE: 'Asia/Kolkata' };
    server = await TestServer.start({ prefix: 'shopbot-i18n-hi-', env, logs, clients });
  }, 1_800_000);

  afterAll(async () => {
    await server?.close();
  });

  it('answers a chat that names no locale in Hindi, one that asks for English in English, and gives the widget hi-IN as its default', async () => {
    const say = async (c: ChatClient, text: string) => {
      const from = c.events.length;
      expect((await c.send({ text })).ok).toBe(true);
      await c.waitFor((e) => e.event === 'suggestions', { from });
      return botTexts(c, from);
    };
    expect((await say(await server.customerClient(), 'hello'))[0]).toMatch(/^नमस्ते! /);
    expect((await say(await server.customerClient({ locale: 'en-IN' }), 'hello'))[0]).toMatch(/^Hi! I can help/);
    expect((await say(await server.customerClient({ locale: 'fr' }), 'hello'))[0]).toMatch(/^नमस्ते! /);
    const widget = await (await fetch(`${server.running.url}/web-chat/widget.js`)).text();
    expect(widget).toContain('var I18N = {"defaultLocale":"hi-IN"');
  });
});

describe("order updates and their opt-out in the conversation's language", () => {
  it('words an update for the route locale, English by default', async () => {
    const { orderUpdateText } = await import('../channels/order-updates.js');
    const event = { type: 'shipped' as const, orderId: 'ORD-1', tracking: 'AB123', carrier: 'Delhivery' };
    expect(orderUpdateText(event, undefined, { hint: true })).toBe('Good news: your order ORD-1 has shipped with Delhivery. Tracking number: AB123. Don\'t want these updates? Say "stop order updates".');
    expect(orderUpdateText(event, undefined, { hint: true, locale: 'hi-IN' })).toBe('अच्छी ख़बर: आपका ऑर्डर ORD-1 Delhivery के ज़रिए भेज दिया गया है। ट्रैकिंग नंबर: AB123। ये अपडेट नहीं चाहिए? "stop order updates" लिखें।');
  });
});
