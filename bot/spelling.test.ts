import { describe, expect, it } from 'vitest';
import { correctWord, editDistance, vocabularyOf } from './spelling.js';

const vocabulary = vocabularyOf([
  'boAt Rockerz 255 Pro+ Bluetooth Neckband Headphones',
  'Sony WH-CH510 Wireless Headphones',
  'Kindle Paperwhite 16 GB',
  'Kindle (10th Gen) with a Built-in Front Light',
  'Prestige Pressure Cooker 3 Litre',
  'Hawkins Pressure Cooker 5 Litre',
  'Bluetooth Speaker with Mic',
]);

describe('typos in the names of things', () => {
  it('measures edits, a swap of neighbours as one', () => {
    expect(editDistance('kindel', 'kindle', 2)).toBe(1);
    expect(editDistance('hedphones', 'headphones', 2)).toBe(1);
    expect(editDistance('cooker', 'kettle', 2)).toBe(3);
  });

  it('corrects a word the titles do not use to a near one they use', () => {
    expect(correctWord('hedphones', vocabulary)).toBe('headphones');
    expect(correctWord('kindel', vocabulary)).toBe('kindle');
    expect(correctWord('coocker', vocabulary)).toBe('cooker');
    expect(correctWord('blutooth', vocabulary)).toBe('bluetooth');
  });

  it('leaves known words, short words and far ones alone', () => {
    expect(correctWord('kindle', vocabulary)).toBeNull();
    expect(correctWord('gym', vocabulary)).toBeNull();
    expect(correctWord('bitcoin', vocabulary)).toBeNull();
    expect(correctWord('mother', vocabulary)).toBeNull();
    // A typo of the store's service words is never read as a product: "cancle" is no "candle".
    expect(correctWord('cancle', vocabularyOf(['Scented Candle Jar', 'Candle Holder Set']))).toBeNull();
  });
});
