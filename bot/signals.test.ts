import { describe, expect, it } from 'vitest';
import { asksForPerson, BACK_TO_BOT, CONDUCT } from './asks-for-person.js';
import { ENTERTAINMENT, MARKET_RATE, MEDICAL, TRAVEL, WEATHER, WEATHER_SHOP } from './declines.js';
import { aboutOneOrder, orderIdOf } from './order-signals.js';

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
