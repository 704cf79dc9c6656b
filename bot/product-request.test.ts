import { describe, expect, it } from 'vitest';
import { attributesOf, hasAttribute } from './product-request.js';

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
