import { describe, expect, it } from 'vitest';
import type { Message } from '../store/index.js';
import { chatMoodNow, summarizeChat } from './summary.js';

// The one mood the console shows for a chat (queue row, tab, header, summary).

describe('chatMoodNow', () => {
  it('keeps an angry customer upset through a neutral "agent please" or an order number', () => {
    expect(chatMoodNow('asked', ['negative', 'neutral'])).toBe('upset');
    expect(chatMoodNow('asked', ['negative', 'neutral', 'neutral'])).toBe('upset');
  });

  it('lets a positive message, or three calm ones, end it', () => {
    expect(chatMoodNow('asked', ['negative', 'positive'])).toBe('positive');
    expect(chatMoodNow('asked', ['negative', 'neutral', 'neutral', 'neutral'])).toBe('neutral');
  });

  it('stays upset when the chat was handed over for it, and reads no sentiment as neutral', () => {
    expect(chatMoodNow('negative_sentiment', ['positive'])).toBe('upset');
    expect(chatMoodNow('asked', [null, 'neutral', undefined])).toBe('neutral');
    expect(chatMoodNow(null, [])).toBe('neutral');
  });
});

describe('summarizeChat', () => {
  const msg = (seq: number, role: Message['role'], text: string, sentiment: string | null = null, intent: string | null = null, payload: unknown = null) =>
    ({ seq, role, text, sentiment, intent, payload }) as unknown as Message;

  it('names the help article that answered a question, not the intent head\'s "out of scope"', () => {
    const s = summarizeChat([
      msg(1, 'customer', 'cod available??', 'neutral', 'out_of_scope'),
      msg(2, 'bot', 'From our Payment methods page: Cash on delivery is available …', null, null, { replyTo: 1 }),
      msg(3, 'customer', 'ok and where is my order', 'neutral', 'track_order'),
    ]);
    expect(s).toMatch(/^The customer wrote 2 message\(s\) about payment methods \(help article\), tracking an order\./);
  });

  it('names the complaint first and leaves greetings and asks for a person out of the topics', () => {
    const s = summarizeChat([
      msg(1, 'customer', 'hi', 'neutral', 'greeting'),
      msg(2, 'customer', 'tv screen has a crack in the left corner', 'negative', 'out_of_scope'),
      msg(3, 'bot', 'From our Returns policy page: …', null, null, { replyTo: 2 }),
      msg(4, 'customer', 'human pls', 'neutral', 'contact_human_agent'),
    ]);
    expect(s).toMatch(/^The customer wrote 3 message\(s\) about a complaint, returns policy \(help article\)\./);
  });

  it('says the same mood as the queue', () => {
    const s = summarizeChat(
      [msg(1, 'customer', 'this is the third time my refund failed!!', 'negative', 'complaint'), msg(2, 'bot', 'I am sorry'), msg(3, 'customer', 'agent please', 'neutral', 'contact_human_agent')],
      'asked',
    );
    expect(s).toContain('Mood now: upset (1 of 2 message(s) negative, 0 positive).');
    expect(s).toContain('Last message: “agent please”');
  });
});
