import { describe, expect, it } from 'vitest';
import { attributesOf, hasAttribute, headNoun, titleNames } from './product-request.js';

describe('product attributes', () => {
  it('reads measures, not prices', () => {
    expect(attributesOf('43 inch smart tv below 25000').map((a) => [a.value, a.unit])).toEqual([[43, 'inch']]);
    expect(attributesOf('geyser 15 litre for bathroom').map((a) => [a.value, a.unit])).toEqual([[15, 'litre']]);
    expect(attributesOf('phone with 8GB ram and 5000mAh').map((a) => [a.value, a.unit])).toEqual([[8, 'gb'], [5000, 'mah']]);
    expect(attributesOf('steam iron under 1500')).toEqual([]);
  });

  it('matches the same number with the same unit only', () => {
    const [inch43] = attributesOf('43 inch tv');
    expect(hasAttribute('VU 108 cm (43 inches) Premium Series Full HD', inch43!)).toBe(true);
    expect(hasAttribute('Samsung 80 cm (32 Inches) Wondertainment', inch43!)).toBe(false);
    expect(hasAttribute('TCL 43" 4K TV', inch43!)).toBe(true);
  });
});

describe('head noun of a product request', () => {
  it.each([
    ['fairy lights for diwali decoration', 'light'],
    ['laptop sleeve 15.6 inch', 'sleeve'],
    ['usb c to lightning cable under 500', 'cable'],
    ['show me some tea mugs', 'mug'],
    ['mixer grinder 750w', 'grinder'],
    ['43 inch smart tv below 25000', 'tv'],
    ["something for my mom's kitchen", null],
    ['samsung phone', 'phone'],
    ['dinner set for 6 people, microwave safe', 'set'],
  ])('"%s" asks for %s', (text, head) => {
    expect(headNoun(text)).toBe(head);
  });

  it('finds the thing in a title, not the thing it is for', () => {
    expect(titleNames('Samsung Galaxy M13 5G Phone (Aqua Green)', 'phone')).toBe(true);
    expect(titleNames('Samsung 25W USB Travel Adapter for Cellular Phone', 'phone')).toBe(false);
    expect(titleNames('Vintage Billboard Tea Mug', 'mug')).toBe(true);
    expect(titleNames('Set 2 Tea Towels I Love London', 'mug')).toBe(false);
  });
});
