import { describe, expect, it } from 'vitest';
import { asksForPerson, BACK_TO_BOT, CONDUCT } from './asks-for-person.js';
import { ENTERTAINMENT, HOMEWORK, MARKET_RATE, MEDICAL, TRAVEL, WEATHER, WEATHER_SHOP } from './declines.js';
import { complaintSignals } from '../nlu/chat-mood.js';
import { aboutOneOrder, orderIdOf, POLICY_ASK } from './order-signals.js';
import { glossHinglish } from './hinglish.js';
import { headNoun } from './product-request.js';
import { notWanted } from './product-search.js';
import { saidEarlier } from './order-signals.js';
import { REVIEW_QUESTION } from './product-answers.js';
import { smallTalkReply } from './small-talk.js';

// The message-level signals the policy (shop-bot.ts) reads before it asks any model.
describe('message signals', () => {
  it('hears an ask for a person however it is put, and not a question about contacting the shop', () => {
    for (const t of ['agent please, wrong size shoes delivered', 'is there any human here', 'pls call me back', 'connect me to customer care']) expect(asksForPerson(t), t).toBe(true);
    for (const t of ['what are your customer care hours', 'is the agent 47 figure in stock', 'my personal details']) expect(asksForPerson(t), t).toBe(false);
    expect(CONDUCT.test('the delivery boy was very rude to my mother')).toBe(true);
    expect(BACK_TO_BOT.test('never mind')).toBe(true);
  });

  it('tells one order from orders in general', () => {
    expect(aboutOneOrder('tracking not updating since 3 days', ['delivery'])).toBe(true);
    expect(aboutOneOrder('it says delivered but i never received it', ['delivery'])).toBe(true);
    expect(aboutOneOrder('what if nobody is home when the delivery guy comes', ['delivery'])).toBe(false);
    expect(aboutOneOrder('how long does delivery take to pune', ['delivery'])).toBe(false);
    expect(orderIdOf('#536365')).toBe('ORD-536365');
    expect(orderIdOf('ord-536365')).toBe('ORD-536365');
  });

  it('declines news, medicine and travel, not the products that share their words', () => {
    expect(MARKET_RATE.test('gold rate today')).toBe(true);
    expect(MARKET_RATE.test('gold plated earrings under 500')).toBe(false);
    expect(WEATHER.test('will it rain tomorrow in mumbai') && !WEATHER_SHOP.test('will it rain tomorrow in mumbai')).toBe(true);
    expect(WEATHER_SHOP.test('will it rain, is my parcel delivered before')).toBe(true);
    expect(MEDICAL.test('my bp is 150/95, which tablet should i take')).toBe(true);
    expect(MEDICAL.test('samsung tablet under 20000')).toBe(false);
    expect(TRAVEL.test('pnr status 4512345678')).toBe(true);
    expect(ENTERTAINMENT.test('suggest a good netflix series')).toBe(true);
  });
});

describe('what the 15xx batch of customers wrote (first run: refused)', () => {
  it('hears an ask for a person put as a preference or a hand-over', () => {
    expect(asksForPerson('my issue is complicated, i would rather explain it to one of your executives')).toBe(true);
    expect(asksForPerson('nah forget it, hand me over to a support guy')).toBe(true);
  });

  it('answers small talk with a nickname, a long wish and a question about its name', () => {
    const none = () => false;
    expect(smallTalkReply('gm bhaiya, hope all good at ur end', 'gm bhaiya, hope all good at ur end', none)).toMatchObject({ key: 'smallTalk.howAmI' });
    expect(smallTalkReply('happy diwali to the whole team!', 'happy diwali to the whole team!', none)).toMatchObject({ key: 'smallTalk.wishes' });
    expect(smallTalkReply('do u have a name or just shopbot', 'do u have a name or just shopbot', none)).toMatchObject({ key: 'smallTalk.aboutMe' });
  });

  it('glosses Hinglish machines, "milti hai kya", a number and opening days', () => {
    expect(glossHinglish('amma ke liye roti banane wali machine chahiye')).toContain('roti maker');
    expect(glossHinglish('dahi jamane wali machine milti hai kya?')).toBe('yogurt maker do you have?');
    expect(glossHinglish('customer care ka number kya hai aur sunday ko khula hai kya?')).toBe('customer care number and sunday open?');
    expect(glossHinglish('kuch aur sasta hai kya')).toBe('something else cheap');
  });

  it('reads a question about buyers\' feedback as a review question', () => {
    expect(REVIEW_QUESTION.test('hows the feedback from ppl who bought it')).toBe(true);
    expect(REVIEW_QUESTION.test('what do people who bought it say')).toBe(true);
  });
});

describe('one order, told without "my order"', () => {
  it('hears a parcel out for delivery, orders placed, and how to track one', () => {
    expect(aboutOneOrder('it shows out for delivery since morning, its 8pm now. will it still come today?', ['delivery'])).toBe(true);
    expect(aboutOneOrder('placed 2 orders yesterday, one for my mom and one for me. can u check both', [])).toBe(true);
    expect(aboutOneOrder('NRI here, ordered a tv for my parents in lucknow. how can i track it from abroad', [])).toBe(true);
    expect(aboutOneOrder('what does out for delivery mean', ['delivery'])).toBe(false);
    expect(aboutOneOrder('how many days does delivery take', ['delivery'])).toBe(false);
  });
});

describe('the thing, when the words around it are not', () => {
  it('never takes "not", "sale" or "so" for the thing', () => {
    expect(headNoun('32 inch smart tv not more than 12k')).toBe('tv');
    expect(headNoun('any boat stuff on sale')).toBe('boat');
    expect(headNoun('not more than 10k pls')).toBeNull();
  });
});

describe('what the 16xx batch of customers wrote (first run: missed)', () => {
  it('declines homework even when something in it is "not working"', () => {
    expect(HOMEWORK.test('help me with my python homework, for loop not working')).toBe(true);
    expect(HOMEWORK.test('laptop for my sons online classes')).toBe(false);
  });

  it('asks for the order when a parcel is out for delivery, and answers the policy when the customer changed their mind', () => {
    expect(aboutOneOrder('ordered 12 pcs of egg boiler for my shop, how many got dispatched?', ['delivery'])).toBe(true);
    expect(POLICY_ASK.test('ordered 12 pcs of egg boiler for my shop, how many got dispatched?')).toBe(false);
    expect(aboutOneOrder('parcel already out for delivery but i changed my mind. now what', ['delivery', 'cancellation'])).toBe(false);
  });

  it('hears danger, faults that repeat and no-shows as something that failed', () => {
    for (const t of ['the switch sparked the very first time. scared to even touch it now', 'the induction switches off on its own every 5 minutes, just 2 weeks old', 'pickup guy never came for my return even after 3 reschedules', 'ordered black air fryer got a white one', "courier guy asked 50 rs extra for 'upstairs delivery'", 'bahut gussa aa raha hai']) expect(complaintSignals(t).strength, t).toBeGreaterThan(0);
    expect(complaintSignals('does it switch off automatically when water boils').strength).toBe(0);
  });

  it('wishes from the whole family', () => {
    expect(smallTalkReply('wishing you all a very happy deepavali', 'wishing you all a very happy deepavali', () => false)).toMatchObject({ key: 'smallTalk.wishes' });
  });
});

describe('what the 17xx batch of customers wrote (first run: missed)', () => {
  it('hears dents, lids that do not close, forum threats, scam calls and Hinglish "kya bhej diya" as complaints', () => {
    for (const t of ['kettle came with a big dent on the side and the lid doesnt close', 'if my money is not back by tomorrow i am going to the consumer forum. enough is enough', 'ye kya bhej diya aapne?? maine black earphones mangaye the, white aaye aur wo bhi used lag rahe hai', 'someone called my father asking for card details and otp, is this you people??', 'cancelled within 10 mins of ordering, it still got shipped']) expect(complaintSignals(t).strength, t).toBeGreaterThan(0);
  });

  it('glosses "jisme … dikhe", "ghante" and "ek baar"', () => {
    expect(glossHinglish('amma ke liye ek smartwatch chahiye jisme heart rate aur spo2 dikhe, 2500 tak')).toContain('smartwatch want with heart rate and spo2');
    expect(glossHinglish('ek baar full charge pe kitne ghante bajega')).toContain('hours last');
  });

  it('reads the fifth session\'s batches: stories, Hinglish, relatives\' orders, greetings with wishes', () => {
    // Complaints told as what happened.
    for (const text of [
      'tv screen has a crack in the left corner. delivery guy left the box and ran',
      '3 glass mugs sent in a flimsy envelope without any bubble wrap. obviously all 3 came in pieces',
      'the headphones i got had someone elses hair stuck in the ear cushions and the box tape was already cut',
      '4 mails, 2 calls, zero reply. next stop is twitter',
      'if the replacement phone doesnt reach me by friday im raising a chargeback. last warning',
      'I chose bank transfer for the refund and it has been added as store credit instead',
    ]) expect(complaintSignals(text).strength, text).toBeGreaterThanOrEqual(0.4);
    // A feature asked for, and a screen that resists cracks, are no complaints.
    expect(complaintSignals('i want an electric kettle that switches off on its own').strength).toBe(0);
    expect(complaintSignals('can i get a tv with a crack proof screen').strength).toBe(0);
    // Asks for a person, in a sentence of their own or in Hinglish.
    expect(asksForPerson('ok this isnt going anywhere. human pls.')).toBe(true);
    expect(asksForPerson('bot se nahi hoga, kisi staff ko bulao')).toBe(true);
    expect(asksForPerson('put me in touch with your escalation team')).toBe(true);
    expect(asksForPerson('live agent pls, ur answers are going in circles')).toBe(true);
    expect(asksForPerson('how do i reach the human resources team of a company')).toBe(false);
    // A relative's order is one's own order.
    expect(aboutOneOrder('my grandson ordered a room heater for me last week, i want to know if it has been sent', [])).toBe(true);
    // Hinglish: ordinals, "difference", "small", "for it".
    expect(glossHinglish('teesre wale pe kitni warranty milti hai?')).toMatch(/^third one/);
    expect(glossHinglish('2nd aur 3rd me kya farak hai?')).toContain('difference');
    expect(glossHinglish('koi chhota fan chahiye')).toContain('small fan');
    expect(glossHinglish('wall mount bhi chahiye iske liye')).toContain('for it');
    // Marks and counts after the thing do not name it.
    expect(headNoun('bike helmet isi mark')).toBe('helmet');
    expect(headNoun('gas stove 3 burner')).toBe('stove');
    expect(headNoun('tea set as a gift')).toBe('tea');
    // What the customer does not want.
    expect(notWanted('bluetooth keyboard for my tv. dont need a mouse', 'keyboard')).toEqual(['mouse']);
    expect(notWanted('not too costly', 'kettle')).toEqual([]);
    // Greetings with a wish, and praise with a joke, are small talk.
    expect(smallTalkReply('good afternoon! hope ur having a nice day', 'good afternoon! hope ur having a nice day', () => false)).toBe('greet');
    const joke = 'you are so patient, my husband could learn from you 😂';
    expect(smallTalkReply(joke, joke, () => false)).toEqual({ key: 'smallTalk.praised', chips: 'more' });
    expect(smallTalkReply('you are fast, now show me kettles', 'you are fast, now show me kettles', () => false)).toBeNull();
    // The order number and e-mail written earlier in the chat, newest first.
    expect(saidEarlier([{ role: 'customer', text: 'its ORD-536398, mail a@b.in' }, { role: 'agent', text: 'ORD-999999 x@y.in' }, { role: 'customer', text: 'ORD-111111' }])).toEqual({ orderIds: ['ORD-111111', 'ORD-536398'], emails: ['a@b.in'] });
  });
});

