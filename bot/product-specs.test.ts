import { describe, expect, it } from 'vitest';
import { specAsked, specOf } from './product-specs.js';

describe('a measure of the product in focus', () => {
  it.each([
    ['how many litres is it', 'litre'],
    ['what is the capacity?', 'litre'],
    ['whats the screen size', 'inch'],
    ['wattage?', 'w'],
    ['how heavy is it', 'kg'],
    ['how much ram', 'gb'],
  ])('"%s" asks for %s', (text, unit) => {
    expect(specAsked(text)).toBe(unit);
  });

  it.each(['5 litre pressure cooker', 'laptop with 8gb ram under 40000', 'is it good'])('"%s" asks for no measure', (text) => {
    expect(specAsked(text)).toBeNull();
  });

  it('answers from the title, then from the first line of the details that states it, else null', () => {
    const fryer = { title: 'PHILIPS Digital Air Fryer HD9252/90, 1400W, 4.1 Liter, (Black)', description: 'Large, 4.1 L basket\nRapid Air' };
    expect(specOf(fryer, 'litre')).toBe('4.1 litres');
    expect(specOf({ title: 'Philips Steam Iron GC2147/30-2400W', description: '' }, 'w')).toBe('2400 watts');
    expect(specOf({ title: 'Kettle', description: 'Stainless steel\nCapacity: 1.5 litres, 1500 W' }, 'w')).toBe('Capacity: 1.5 litres, 1500 W');
    expect(specOf(fryer, 'inch')).toBeNull();
  });
});
