import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateSessions } from '../eval/recommend-session.js';
import { Recommender } from './recommender.js';
import { StoreEvents } from './store-sources.js';
import { PRODUCT_BY_ID, seededTestStore, storeRecommender, testEncoder, type TestStore } from '../testing/recommender-support.js';
import { isContentFree } from './text-match.js';
import { RecommenderError, type CatalogItem, type Interaction, type Recommendation } from './types.js';

// Content-free requests ("recommend something", "any suggestions?") follow the customer: their
// long-term profile and this conversation's views, clicks and add-to-carts, on a real SQLite file
// (seeded through store/seed.ts) with the real all-MiniLM-L6-v2 encoder.

const ids = (list: Recommendation[]) => list.map((r) => r.productId);
const category = (id: string) => String(PRODUCT_BY_ID.get(id)!.category);
const isAudio = (id: string) => category(id).startsWith('Electronics > Headphones');
const HEADPHONES = ['P-HP-SONY', 'P-HP-BOAT450', 'P-EAR-NORD'];

describe('content-free requests follow the customer (profile + session)', () => {
  let t: TestStore;
  let rec: Recommender;
  let clock: { now: () => number; advance: (ms: number) => void };
  let vector: (text: string) => Promise<Float32Array>;

  beforeAll(async () => {
    t = await seededTestStore();
    ({ rec, clock } = await storeRecommender(t));
    const enc = await testEncoder();
    vector = (text) => enc.embed(text);
  });
  afterAll(async () => {
    t?.cleanup();
    await (await testEncoder()).close();
  });

  /** A brand-new guest, as the bot creates one for a first web visit. */
  const guest = async (id: string) => (await t.store.customers.resolveOrCreate('web', `visitor-${id}`)).customer.id;

  /** What the bot sends today for "recommend something": the words and NLU's vector of them. */
  const asked = async (customerId: string, text: string, extra: object = {}) =>
    rec.recommend({ customerId, query: text, context: { queryVector: await vector(text), ...extra }, k: 5 });

  it('request words are no content: "recommend something", "any suggestions?"; product words are', () => {
    for (const q of ['recommend something', 'Any suggestions?', 'what should I buy?', 'Recommend something', 'show me something under 500', 'kuch accha batao', 'any ideas for me', "what's good today?", ''])
      expect(isContentFree(q), q).toBe(true);
    for (const q of ['wireless earbuds', 'recommend a gift', 'something for my kitchen', 'popular products', 'suggest a phone charger', 'headphones under 2000'])
      expect(isContentFree(q), q).toBe(false);
  });

  it('a new guest gets the cold-start list, the same with or without the words, and the same as any other guest', async () => {
    const a = await guest('cold-a');
    const b = await guest('cold-b');
    const plain = await rec.recommend({ customerId: a, k: 5 });
    expect(rec.lastDebug.coldStart).toBe(true);
    for (const r of plain) expect(r.reason).toMatch(/^popular in /);
    expect(ids(await asked(a, 'recommend something'))).toEqual(ids(plain));
    expect(rec.lastDebug).toMatchObject({ contentFree: true, usedQueryVector: false, coldStart: true, sessionEvents: 0 });
    expect(ids(await rec.recommend({ customerId: b, contentFree: true, context: { session: { id: 'conv-b' } }, k: 5 }))).toEqual(ids(plain));
  });

  it('three headphone views and add-to-carts in this conversation: "recommend something" gives headphone-related items at once, not the cold-start list, and never the cart', async () => {
    const customerId = await guest('audio');
    const conversationId = 'conv-audio-1';
    const coldStart = ids(await asked(customerId, 'recommend something', { session: { id: conversationId } }));
    for (const productId of HEADPHONES) {
      clock.advance(30_000);
      await rec.recordEvent({ customerId, productId, type: 'view', session: conversationId });
    }
    // after the views alone, within the same conversation (no restart, no retraining)
    const afterViews = await asked(customerId, 'recommend something', { session: { id: conversationId } });
    expect(rec.lastDebug).toMatchObject({ contentFree: true, coldStart: false, sessionEvents: 3 });
    expect(ids(afterViews)).not.toEqual(coldStart);
    expect(afterViews.slice(0, 3).filter((r) => isAudio(r.productId)).length).toBeGreaterThanOrEqual(2);

    for (const productId of HEADPHONES) {
      clock.advance(30_000);
      await rec.recordEvent({ customerId, productId, type: 'add_to_cart', session: conversationId });
    }
    for (const text of ['recommend something', 'any suggestions?']) {
      const list = await asked(customerId, text, { session: { id: conversationId } });
      expect(rec.lastDebug.sessionEvents).toBe(6);
      expect(ids(list)).not.toEqual(coldStart);
      expect(list[0] && isAudio(list[0].productId)).toBe(true);
      expect(list.filter((r) => isAudio(r.productId)).length).toBeGreaterThanOrEqual(2);
      for (const id of HEADPHONES) expect(ids(list)).not.toContain(id); // in the cart: not suggested again
      expect(list.some((r) => /because you (viewed|added)|similar to/.test(r.reason))).toBe(true);
    }
    // the explicit flag and no words at all give the same list
    const flagged = await rec.recommend({ customerId, contentFree: true, context: { session: { id: conversationId } }, k: 5 });
    expect(ids(flagged)).toEqual(ids(await asked(customerId, 'recommend something', { session: { id: conversationId } })));
    // a real search still searches
    const search = await asked(customerId, 'coffee mug');
    expect(rec.lastDebug.contentFree).toBe(false);
    expect(search.slice(0, 3).every((r) => category(r.productId).includes('Mugs'))).toBe(true);
  });

  it('cart items stay out of content-free suggestions after the 24 h "recently seen" window, until they are bought', async () => {
    const customerId = await guest('cart');
    await rec.recordEvent({ customerId, productId: 'P-EAR-JBL', type: 'view' });
    await rec.recordEvent({ customerId, productId: 'P-EAR-JBL', type: 'add_to_cart' });
    await rec.recordEvent({ customerId, productId: 'P-EAR-REALME', type: 'view' });
    clock.advance(3 * 86_400_000);
    const list = await rec.recommend({ customerId, contentFree: true, k: 10 });
    expect(ids(list)).not.toContain('P-EAR-JBL'); // still in the cart
    expect(ids(list)).toContain('P-EAR-REALME'); // only viewed, three days ago: may come back
  });

  it('the long-term profile counts next to the session, and another conversation is not this session', async () => {
    // C-B05 bought a mug set with coffee beans (seeded order); today they browse earbuds
    const customerId = 'C-B05';
    const profileOnly = await rec.recommend({ customerId, contentFree: true, k: 5 });
    expect(rec.lastDebug.sessionEvents).toBe(0);
    expect(profileOnly.some((r) => /Kitchen/.test(category(r.productId)))).toBe(true);
    await rec.recordEvent({ customerId, productId: 'P-EAR-BOAT141', type: 'view', session: 'conv-c-1' });
    await rec.recordEvent({ customerId, productId: 'P-EAR-NORD', type: 'view', session: 'conv-c-1' });
    const withSession = await rec.recommend({ customerId, contentFree: true, context: { session: { id: 'conv-c-1' } }, k: 5 });
    expect(rec.lastDebug.sessionEvents).toBe(2);
    // what goes with today's earbuds comes in near the top (a power bank bought with them, more earbuds)
    expect(withSession.slice(0, 3).some((r) => isAudio(r.productId) || /Power Banks/.test(category(r.productId)))).toBe(true);
    expect(withSession.some((r) => /because you viewed boAt Airdopes|similar to boAt Airdopes/.test(r.reason))).toBe(true);
    // the profile still has its say: something from the kitchen stays in the list
    expect(withSession.some((r) => /Kitchen/.test(category(r.productId)))).toBe(true);
    // all session: only this conversation's events
    const sessionOnly = await rec.recommend({ customerId, contentFree: true, context: { session: { id: 'conv-c-1', weight: 1 } }, k: 5 });
    expect(sessionOnly.slice(0, 3).every((r) => !/Kitchen/.test(category(r.productId)))).toBe(true);
    // a later, different conversation: those views are history now, not its session
    clock.advance(2 * 3_600_000);
    await rec.recommend({ customerId, contentFree: true, context: { session: { id: 'conv-c-2' } }, k: 5 });
    expect(rec.lastDebug.sessionEvents).toBe(0);
  });

  it('untagged events (a bot that does not pass the conversation id) form the session by time: the latest run without a 30-minute gap', async () => {
    const customerId = await guest('untagged');
    await rec.recordEvent({ customerId, productId: 'P-MUG-BLUE', type: 'view' });
    clock.advance(2 * 3_600_000);
    await rec.recordEvent({ customerId, productId: 'P-HP-SONY', type: 'view' });
    clock.advance(60_000);
    await rec.recordEvent({ customerId, productId: 'P-HP-BOAT450', type: 'view' });
    await asked(customerId, 'any suggestions?');
    expect(rec.lastDebug.sessionEvents).toBe(2);
    // since (the conversation's start) decides when given
    await rec.recommend({ customerId, contentFree: true, context: { session: { since: clock.now() - 30_000 } }, k: 5 });
    expect(rec.lastDebug.sessionEvents).toBe(1);
  });

  it('session tags are stored with the event (context.conversationId) and read back after a restart', async () => {
    const customerId = await guest('restart');
    await rec.recordEvents(HEADPHONES.map((productId) => ({ customerId, productId, type: 'view' as const, session: 'conv-restart' })));
    const stored = await t.store.events.recentForCustomer(customerId, { limit: 5 });
    expect(stored.map((e) => e.context)).toEqual(HEADPHONES.map(() => ({ conversationId: 'conv-restart' })));
    const history = await new StoreEvents(t.store).history(customerId, 10);
    expect(history.map((e) => e.session)).toEqual(['conv-restart', 'conv-restart', 'conv-restart']);
    const before = ids(await rec.recommend({ customerId, contentFree: true, context: { session: { id: 'conv-restart' } }, k: 5 }));
    const { rec: fresh } = await storeRecommender(t, { clock: clock.now });
    const after = ids(await fresh.recommend({ customerId, contentFree: true, context: { session: { id: 'conv-restart' } }, k: 5 }));
    expect(fresh.lastDebug.sessionEvents).toBe(3);
    expect(after).toEqual(before);
  });

  it('bad session input is refused with a typed error', async () => {
    await expect(rec.recommend({ customerId: 'C-ANU', context: { session: { weight: 2 } } })).rejects.toBeInstanceOf(RecommenderError);
    await expect(rec.recommend({ customerId: 'C-ANU', context: { session: { since: Number.NaN } } })).rejects.toBeInstanceOf(RecommenderError);
    await expect(rec.recordEvent({ customerId: 'C-ANU', productId: 'P-HP-SONY', type: 'view', session: 42 as unknown as string })).rejects.toThrow(RecommenderError);
  });
});

describe('session next-item eval (prequential replay)', () => {
  it('scores the next new item of a session; the session finds what is bought together, popularity and the bare profile do not', async () => {
    // ten pairs that are always browsed and bought together: (a0, b0), (a1, b1), ...
    const items: CatalogItem[] = [];
    for (let i = 0; i < 10; i++) items.push({ id: `a${i}`, title: `alpha ${i}`, category: 'A' }, { id: `b${i}`, title: `beta ${i}`, category: 'B' });
    const events: Interaction[] = [];
    let t = Date.parse('2026-01-01T00:00:00Z');
    for (let u = 0; u < 60; u++) {
      const i = u % 10;
      const customerId = `u${u}`;
      events.push({ customerId, productId: `a${i}`, type: 'view', ts: (t += 60_000) });
      events.push({ customerId, productId: `b${i}`, type: 'view', ts: (t += 60_000) });
      events.push({ customerId, productId: `a${i}`, type: 'purchase', ts: (t += 60_000) }, { customerId, productId: `b${i}`, type: 'purchase', ts: t });
      t += 86_400_000; // next customer tomorrow: sessions never touch
    }
    const r = await evaluateSessions(items, undefined, events, {}, { k: 3, warmup: 0.2 });
    expect(r.sessions).toBe(60);
    expect(r.queries).toBe(48); // one point per session (b after a), the first 20% train only
    expect(r.all.profile_session / r.queries).toBeGreaterThan(0.9);
    expect(r.all.popularity / r.queries).toBeLessThan(0.5);
    expect(r.all.profile).toBeLessThan(r.all.profile_session);
    expect(r.with_profile.queries).toBe(0); // every customer is new
  });
});
