import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { readJsonl } from '../core/jsonl.js';
import { extractUnit, extractUnits, fromStoreTranscript, normalizeQuestion, parseConversation } from './extract.js';

const FILE = fileURLToPath(new URL('../fixtures/retrieval/conversations-small.jsonl', import.meta.url));

describe('extract', async () => {
  const { rows, errors } = await readJsonl(FILE, parseConversation);
  const byId = new Map(rows.map((r) => [r.id, r]));

  it('reports bad lines with their line number and keeps the good ones', () => {
    expect(rows).toHaveLength(8);
    expect(errors).toEqual([{ line: 9, error: 'id must be a non-empty string' }]);
  });

  it('takes the customer question and the agent’s resolving answer, redacted', () => {
    const u = extractUnit(byId.get('C-3')!)!;
    expect(u.group).toBe('change_shipping_address');
    // Consecutive customer messages form the question; the info request and the goodbye are not the answer.
    expect(u.question).toBe(
      'Hi, my name is {{NAME}} and I moved to {{ADDRESS}} {{POSTCODE}}. Can you change the delivery address of {{ORDER_NUMBER}}? My email is {{EMAIL}}',
    );
    expect(u.answer).toMatch(/^Thanks \{\{NAME\}\}\. I have updated the shipping address of order \{\{ORDER_NUMBER\}\} to \{\{ADDRESS\}\}\. A confirmation was sent to \{\{EMAIL\}\}/);
    for (const pii of ['Priya', 'Patel', 'Baker', '536365', 'priya.patel', '7946']) {
      expect(u.question).not.toContain(pii);
      expect(u.answer).not.toContain(pii);
    }
  });

  it('uses the filled slots of a transcript to type the store’s contact data', () => {
    const u = extractUnit(byId.get('C-1')!)!;
    expect(u.answer).toBe(
      'To cancel order {{ORDER_NUMBER}}, log into {{WEBSITE}}, open Order Details, find the order with the number {{ORDER_NUMBER}} and press Cancel Order. Our team is available on {{SUPPORT_PHONE}} if you need help.',
    );
  });

  it('skips unresolved conversations and ones without a question or an answer; bot turns are never answers', () => {
    expect(extractUnit(byId.get('C-4')!)).toBeNull(); // escalated
    expect(extractUnit(byId.get('C-4')!, { requireResolved: false })).toBeNull(); // only an info request
    expect(extractUnit(byId.get('C-5')!)).toBeNull(); // greetings only
    const handoff = extractUnit(byId.get('C-6')!)!;
    expect(handoff.answer).toMatch(/^Hi \{\{NAME\}\}, I'm sorry about the double charge/);
    expect(handoff.question).toBe('my card {{CARD_NUMBER}} was charged twice for order #{{ORDER_NUMBER}}, call me on {{PHONE}}');
    expect(handoff.group).toBeNull();
  });

  it('adds the earlier customer turn when the question alone is too short', () => {
    const u = extractUnit({ id: 'x', turns: [{ role: 'customer', text: 'My parcel from last week never came' }, { role: 'agent', text: 'Which order is it?' }, { role: 'customer', text: 'the blue one' }, { role: 'agent', text: 'I have sent a replacement for it today, it arrives in two days.' }] })!;
    expect(u.question).toBe('My parcel from last week never came');
    const short = extractUnit({
      id: 'y',
      turns: [
        { role: 'customer', text: 'hello there friend' },
        { role: 'agent', text: 'Hi!' },
        { role: 'customer', text: 'I sent the shoes back' },
        { role: 'agent', text: 'Thanks, noted.' },
        { role: 'customer', text: 'refund?' },
        { role: 'agent', text: 'Refunds reach your card within 5 working days of the return.' },
      ],
    })!;
    // The first real question is "I sent the shoes back" (4 words); "refund?" alone would get it as context.
    expect(short.question).toBe('I sent the shoes back');
    const ctx = extractUnit({
      id: 'z',
      turns: [
        { role: 'customer', text: 'hi' },
        { role: 'customer', text: 'laptop broken' },
        { role: 'agent', text: 'Hello!' },
        { role: 'customer', text: 'return it?' },
        { role: 'agent', text: 'Yes: a faulty laptop can be returned within 30 days from My Orders > Return.' },
      ],
    })!;
    expect(ctx.question).toBe('laptop broken return it?');
  });

  it('merges identical questions (after redaction and normalization) and keeps the latest answer', () => {
    const units = extractUnits(rows);
    expect(units).toHaveLength(4);
    const cancel = units.find((u) => u.group === 'cancel_order')!;
    expect(cancel.sources).toEqual(['C-1', 'C-2', 'C-7']);
    expect(cancel.answer).toBe('To cancel order {{ORDER_NUMBER}}, sign in to your account, open Order Details and press Cancel Order.');
    expect(normalizeQuestion('How can I cancel purchase {{ORDER_NUMBER}}?')).toBe(normalizeQuestion('how can i  cancel purchase {{ORDER_NUMBER}}'));
  });

  it('reads store transcripts', () => {
    const c = fromStoreTranscript({
      id: 'conv-1',
      intent: null,
      category: null,
      startedAt: '2024-01-01T00:00:00.000Z',
      resolution: 'resolved',
      origin: null,
      filled: null,
      messages: [
        { role: 'customer', text: 'how long does delivery take to Pune?', createdAt: '2024-01-01T00:00:01.000Z' },
        { role: 'bot', text: 'I am not sure.', createdAt: '2024-01-01T00:00:02.000Z' },
        { role: 'agent', text: 'Delivery to Pune takes 2-4 working days.', createdAt: '2024-01-01T00:01:00.000Z' },
      ],
    });
    expect(extractUnit(c)).toMatchObject({ question: 'how long does delivery take to Pune?', answer: 'Delivery to Pune takes 2-4 working days.', sources: ['conv-1'] });
  });
});
