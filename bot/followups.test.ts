import { describe, expect, it } from 'vitest';
import { detectBrandFollowUp, detectFollowUp } from './followups.js';

describe('follow-ups about what was shown', () => {
  it.each(['is it in stock?', 'available or out of stock?', 'available?', 'is this one available', 'stock?', 'sold out?'])('"%s" asks about stock', (text) => {
    expect(detectFollowUp(text)).toEqual({ kind: 'stock' });
  });

  it.each(['is cod available', 'available in my pincode?', 'is emi available on it', 'do you stock sofas', 'is it available in blue'])('"%s" is not a stock question', (text) => {
    expect(detectFollowUp(text)?.kind).not.toBe('stock');
  });

  it('a brand of the kind shown narrows the results; a new thing or an unknown brand does not', () => {
    const brands = new Set(['philips', 'usha', 'bajaj', 'morphy']);
    expect(detectBrandFollowUp('show me philips only', brands)).toEqual({ kind: 'brand', brands: ['philips'] });
    expect(detectBrandFollowUp('only usha', brands)).toEqual({ kind: 'brand', brands: ['usha'] });
    expect(detectBrandFollowUp('any from bajaj?', brands)).toEqual({ kind: 'brand', brands: ['bajaj'] });
    expect(detectBrandFollowUp('only philips or usha', brands)).toEqual({ kind: 'brand', brands: ['philips', 'usha'] });
    expect(detectBrandFollowUp('philips usha', brands)).toBeNull();
    expect(detectBrandFollowUp('gold colour?', new Set([...brands, 'gold', 'colour']))).toBeNull();
    expect(detectBrandFollowUp('philips trimmer', brands)).toBeNull();
    expect(detectBrandFollowUp('show me prestige only', brands)).toBeNull();
    expect(detectBrandFollowUp('philips', new Set())).toBeNull();
  });

  it.each([
    ['more options', 'more'],
    ['show more', 'more'],
    ['any others?', 'more'],
    ['which one is best among these', 'best'],
    ['which is better?', 'best'],
    ['ok add it to cart', 'cart'],
    ['put this in my cart', 'cart'],
    ['under 1000 pls', 'budget'],
    ['budget is 1000 max', 'budget'],
    ['my budget is around 2k', 'budget'],
    ['1500 max', 'budget'],
    ['any cheap option?', 'cheaper'],
    ['cheap one pls', 'cheaper'],
    ['hmm all these r above my budget yaar, show cheaper watches', 'cheaper'],
    ['these are too pricey, i can spend 1500 at most', 'budget'],
    ['white one milega? bathroom tiles are all white', 'refine'],
  ])('"%s" is a %s follow-up', (text, kind) => {
    expect(detectFollowUp(text)?.kind).toBe(kind);
  });

  it.each(['cheap phones under 10000', 'max volume is too low'])('"%s" is a new request, not a follow-up', (text) => {
    expect(detectFollowUp(text)).toBeNull();
  });

  it.each(['which phone is good for gaming under 15000', 'more about your return policy', 'how do i add items to my cart on the website and pay with cod'])('"%s" is no follow-up of that kind', (text) => {
    expect(['best', 'more', 'cart']).not.toContain(detectFollowUp(text)?.kind);
  });
});

describe('counts of times are not cards', () => {
  it.each(['this is the third time my refund failed!!', 'last time the delivery was late', 'second time asking, where is my order'])('"%s" is no follow-up about a card', (text) => {
    expect(detectFollowUp(text)).toBeNull();
  });
  it('still hears "the second one"', () => {
    expect(detectFollowUp('tell me about the second one')).toEqual({ kind: 'ordinal', index: 1 });
  });
});

describe('follow-ups the 16xx batch wrote', () => {
  it.each([
    ['keep it below 600 rupees', { kind: 'budget' }],
    ['anything like this for less money', { kind: 'cheaper' }],
    ['show me 32 inch instead', { kind: 'refine', words: ['32 inch'] }],
    ['128 gb?', { kind: 'refine', words: ['128 gb'] }],
    ['any with noise cancellation', { kind: 'refine', words: ['noise', 'cancellation'] }],
    ['rgb backlit under 1500?', { kind: 'refine', words: ['rgb', 'backlit'] }],
    ['add the cheapest one to cart', { kind: 'cart' }],
  ])('"%s"', (text, expected) => {
    expect(detectFollowUp(text)).toEqual(expected);
  });
});

describe('follow-ups the 17xx batch wrote', () => {
  it.each([
    ['these are too costly, something under 500?', { kind: 'budget' }],
    ['braided wala hai koi? pichla wala jaldi toot gaya', { kind: 'refine', words: ['braided'] }],
    ['oil filled nahi, fan wala, under 1500', { kind: 'refine', words: ['fan'] }],
  ])('"%s"', (text, expected) => {
    expect(detectFollowUp(text)).toEqual(expected);
  });

  it('reads a follow-up said first and explained after ("?" or a comma)', () => {
    expect(detectFollowUp('got any of these in black? my laptop is black so')).toEqual({ kind: 'refine', words: ['black'] });
    expect(detectFollowUp('43 inch ones only, 32 is too small for that wall')).toEqual({ kind: 'refine', words: ['43 inch'] });
    expect(detectFollowUp('nice, but any under 700?')).toEqual({ kind: 'budget' });
    expect(detectFollowUp('any cheap 55 inch? other brand also ok')).toEqual({ kind: 'cheaper' });
    expect(detectFollowUp('ok, show me kettles')).toBeNull();
  });
});

