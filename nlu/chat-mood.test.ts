import { describe, expect, it } from 'vitest';
import { chatMood, complaintSignals } from './chat-mood.js';

const neutral = { label: 'neutral' as const, score: 0.6 };
const positive = { label: 'positive' as const, score: 0.8 };

describe('chatMood', () => {
  it('reads complaints written as statements, in capitals, with !!! or sarcastically as negative', () => {
    for (const text of [
      'this is the third time my refund failed, absolutely useless!!',
      'MY ORDER STILL NOT DELIVERED',
      'wow great service, 3rd time my payment failed',
      'thanks for nothing',
      'order not received for 2 weeks',
      'worst experience ever 😡',
      'very disappointed with the delivery',
      'my tv screen came cracked, who will pay for this',
      'the mixer arrived broken',
      'u guys cancelled my order without telling me why',
      'the delivery person asked me for extra money',
      'item is totally different from what was shown in the pic',
      'ordered a phone got a soap bar inside the box',
      'your courier guy threw my parcel over the gate',
      'customer care kept me on hold for 40 mins and disconnected',
      'package was wet and the book inside is ruined',
      'no one informed me that my order was delayed',
      'bad bad bad. never shopping here',
      'refund amount is less than what i paid',
      "i received someone else's order",
      'called your helpline 5 times today and nobody picks up',
      'money got deducted twice for the same order',
      'rs 2499 was debited but order not placed',
      'ordered a steam iron and got a hair straightener in the box. what is this',
      'box was already open when it came and the charger was missing',
      'tracking says delivered at 3pm. i was home the whole day, nobody came',
      'thanks for delivering a tv with a cracked screen. really appreciate it',
      'paid for 2 mugs, the box had 1 mug and a whole lot of bubble wrap. seriously?',
      'the tv has a green line across the screen right out of the box. 40k down the drain',
      'the phone i got is clearly used. fingerprints on the screen, scratches on the back and the seal was already broken',
      'applied coupon SAVE200 and it showed the discount, but i was charged the full amount at the end',
      'why was i charged the cod fee when i paid online upfront??',
      "executive said he'd call me back in 2 hrs. that was yesterday afternoon. still waiting",
      'great job guys 👍 ordered a black smartwatch for my son, received a pink one',
    ]) {
      expect(chatMood(text, positive).label, text).toBe('negative');
      expect(chatMood(text, neutral).label, text).toBe('negative');
    }
  });

  it('hears a problem told calmly (an empty box, a delay) as a complaint signal', () => {
    for (const text of ['package was empty inside', 'the box came empty', 'my order is delayed', 'got an empty parcel']) expect(complaintSignals(text).strength, text).toBeGreaterThan(0);
    for (const text of ['empty bottle for my office', 'late night delivery possible?']) expect(complaintSignals(text).strength, text).toBe(0);
  });

  it('leaves ordinary questions and praise alone, and reads a request for a person as neutral', () => {
    expect(chatMood('how do i return an item?', neutral)).toEqual(neutral);
    expect(chatMood('great headphones, thanks!', positive)).toEqual(positive);
    expect(chatMood('Talk to a person', { label: 'negative', score: 0.7 }).label).toBe('neutral');
    expect(chatMood('can i speak to a human', positive).label).toBe('neutral');
    // An e-mail address is no mood ("fake" in a name is not a fake product).
    expect(chatMood('ORD-536398 rahul.verma.fake@gmail.com', neutral)).toEqual(neutral);
    // "please" is not praise: a short ask for a person is neutral whatever the head read.
    for (const text of ['agent please', 'human pls', 'need a real person', 'get me your manager', 'customer care please!']) {
      expect(chatMood(text, positive).label, text).toBe('neutral');
    }
    expect(complaintSignals('steam iron under 1500').strength).toBe(0);
    expect(complaintSignals('i used the iron once, how do i clean it').strength).toBe(0);
    expect(complaintSignals('is the colour different from the photo usually?').strength).toBe(0);
    expect(complaintSignals('who will pay the return shipping').strength).toBe(0);
    expect(complaintSignals('can i pay twice for two orders').strength).toBe(0);
    expect(complaintSignals('what is your helpline number').strength).toBe(0);
    expect(complaintSignals('wet grinder for idli dosa batter').strength).toBe(0);
    expect(complaintSignals('oops ordered the wrong colour by mistake, can it be cancelled').strength).toBe(0);
    expect(complaintSignals('is this phone used or new?').strength).toBe(0);
    expect(complaintSignals('is the shop open on sunday').strength).toBe(0);
    expect(complaintSignals('i ordered a kettle and a toaster, when will they come').strength).toBe(0);
    for (const text of ['very bad quality, earphones stopped working in 2 days', 'product was used and dirty when i opened the box!!', 'nice, another delay. really professional', 'i am a regular customer and this is how you treat me'])
      expect(chatMood(text, neutral).label, text).toBe('negative');
  });
});
