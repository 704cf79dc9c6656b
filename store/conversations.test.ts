import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Store } from './index.js';
import { clock, errorOf, seededStore } from '../testing/store-helpers.js';

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;
const time = clock();

beforeEach(async () => {
  ctx = await seededStore(undefined, time.now);
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

describe('ConversationRepo', () => {
  it('creates live conversations and finds them per customer', () => {
    const c = store.conversations.create({ customerId: 'C2', channel: 'web' });
    expect(c).toMatchObject({ customerId: 'C2', channel: 'web', status: 'open', handoff: 'none', source: 'live', intent: null });
    expect(store.conversations.get(c.id)).toEqual(c);
    expect(store.conversations.latestOpen('C2', 'web')?.id).toBe(c.id);
    expect(store.conversations.latestOpen('C2', 'messenger')).toBeUndefined();
    expect(store.conversations.listForCustomer('C2').map((x) => x.id)).toEqual([c.id]);
    expect(store.conversations.listForCustomer('C1').map((x) => x.id)).toEqual(['T1']); // historical ones too
    expect(errorOf(() => store.conversations.create({ customerId: 'ghost', channel: 'web' })).code).toBe('not_found');
    const anon = store.conversations.create({ customerId: null, channel: 'web' });
    expect(anon.customerId).toBeNull();
  });

  it('appends turns in both directions with NLU annotations and returns the transcript in order', () => {
    const c = store.conversations.create({ customerId: 'C1', channel: 'messenger' });
    const m1 = store.conversations.appendMessage(c.id, {
      role: 'customer',
      text: 'Where is my order O1?',
      intent: 'order_status',
      confidence: 0.93,
      sentiment: 'neutral',
      sentimentScore: 0.1,
    });
    time.advance(1000);
    const m2 = store.conversations.appendMessage(c.id, { role: 'bot', text: 'It was delivered.', payload: { card: 'order', orderId: 'O1' } });
    expect(m1).toMatchObject({ seq: 1, direction: 'in', role: 'customer', channel: 'messenger', customerId: 'C1', intent: 'order_status', confidence: 0.93 });
    expect(m2).toMatchObject({ seq: 2, direction: 'out', role: 'bot', payload: { card: 'order', orderId: 'O1' }, sentiment: null });
    expect(store.conversations.transcript(c.id)).toEqual([m1, m2]);
    expect(store.conversations.transcript(c.id, { afterId: m1.id })).toEqual([m2]);
    expect(store.conversations.recentMessages(c.id, 1)).toEqual([m2]);
    expect(store.conversations.get(c.id)!.updatedAt).toBe(m2.createdAt);
  });

  it('annotates a stored message with NLU results afterwards', () => {
    const c = store.conversations.create({ customerId: 'C1', channel: 'web' });
    const m = store.conversations.appendMessage(c.id, { role: 'customer', text: 'this is broken!!' });
    const a = store.conversations.annotateMessage(m.id, { intent: 'product_defect', confidence: 0.8, sentiment: 'negative', sentimentScore: 0.97 });
    expect(a).toMatchObject({ id: m.id, text: 'this is broken!!', intent: 'product_defect', confidence: 0.8, sentiment: 'negative', sentimentScore: 0.97 });
    expect(store.conversations.annotateMessage(m.id, { confidence: 0.5 })).toMatchObject({ intent: 'product_defect', confidence: 0.5 });
    expect(store.conversations.getMessage(m.id)!.confidence).toBe(0.5);
    expect(errorOf(() => store.conversations.annotateMessage(99999, { intent: 'x' })).code).toBe('not_found');
    expect(errorOf(() => store.conversations.annotateMessage(m.id, { confidence: 2 })).code).toBe('invalid_input');
  });

  it('validates messages', () => {
    const c = store.conversations.create({ customerId: 'C1', channel: 'web' });
    expect(errorOf(() => store.conversations.appendMessage('ghost', { role: 'customer', text: 'hi' })).code).toBe('not_found');
    expect(errorOf(() => store.conversations.appendMessage(c.id, { role: 'robot' as never, text: 'hi' })).code).toBe('invalid_input');
    expect(errorOf(() => store.conversations.appendMessage(c.id, { role: 'bot', text: 'hi', confidence: 1.5 })).code).toBe('invalid_input');
    expect(errorOf(() => store.conversations.appendMessage(c.id, { role: 'bot', text: 'hi', sentiment: 'angry' as never })).code).toBe('invalid_input');
    const big = errorOf(() => store.conversations.appendMessage(c.id, { role: 'customer', text: 'é'.repeat(40_000) }));
    expect(big.code).toBe('too_large');
    expect(big.message).toMatch(/message text is 80000 bytes; the limit is 65536 bytes/);
    expect(store.conversations.appendMessage(c.id, { role: 'customer', text: 'x'.repeat(65536) }).text).toHaveLength(65536);
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(errorOf(() => store.conversations.appendMessage(c.id, { role: 'bot', text: 'x', payload: circular })).code).toBe('invalid_input');
    expect(store.conversations.transcript(c.id)).toHaveLength(1);
  });

  it('tracks intent, hand-off state and closing', () => {
    const c = store.conversations.create({ customerId: 'C1', channel: 'web' });
    store.conversations.setIntent(c.id, 'cancel_order', 'orders');
    store.conversations.setHandoff(c.id, 'pending');
    store.conversations.close(c.id, 'resolved by bot');
    expect(store.conversations.get(c.id)).toMatchObject({ intent: 'cancel_order', category: 'orders', handoff: 'pending', status: 'closed', resolution: 'resolved by bot' });
    expect(store.conversations.latestOpen('C1', 'web')).toBeUndefined();
    expect(errorOf(() => store.conversations.setHandoff(c.id, 'robot' as never)).code).toBe('invalid_input');
    expect(errorOf(() => store.conversations.close('ghost')).code).toBe('not_found');
  });

  it('streams historical transcripts with their messages and leaves live ones out', () => {
    store.conversations.create({ customerId: 'C1', channel: 'web' });
    const all = [...store.conversations.historical()];
    expect(all.map((t) => t.id)).toEqual(['T1', 'T2']);
    expect(all[0]).toMatchObject({ source: 'historical', status: 'closed', customerId: 'C1', intent: 'order_status', origin: 'test', resolution: 'resolved' });
    expect(all[0]!.messages.map((m) => [m.seq, m.role, m.direction, m.text])).toEqual([
      [1, 'customer', 'in', 'Where is my order?'],
      [2, 'agent', 'out', 'It ships tomorrow.'],
    ]);
    expect(all[1]!.filled).toEqual({ order_id: 'O1' });
    expect(all[1]!.intent).toBeNull();
    expect(store.conversations.count('historical')).toBe(2);
    expect(store.conversations.count('live')).toBe(1);
  });
});
