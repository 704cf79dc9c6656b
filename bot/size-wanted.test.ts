import { describe, expect, it } from 'vitest';
import { bySize, sizeWanted } from './size-wanted.js';

describe('a size said in words', () => {
  it('reads small and large however they are said', () => {
    for (const t of ['rice cooker chahiye, hum sirf 2 log hai so chhota wala chalega', 'small pressure cooker for a bachelor', 'compact microwave for hostel']) expect(sizeWanted(t), t).toBe('small');
    for (const t of ['big fridge for family of 6', 'large kettle for office', 'bada wala cooker chahiye']) expect(sizeWanted(t), t).toBe('large');
    for (const t of ['rice cooker under 3000', 'small and big both ok', '1.8 litre kettle']) expect(sizeWanted(t), t).toBeNull();
  });

  it('orders by the measure the titles state, keeping the rest after them', () => {
    const titles = ['Panasonic Rice Cooker, 2.2 Liters', 'Prestige Rice Cooker 1.8 Liters', 'AGARO Rice Cooker, 3L', 'Cooker with steamer', 'Prestige Rice Cooker (1 L, White)'];
    expect(bySize(titles, (t) => t, 'small')).toEqual(['Prestige Rice Cooker (1 L, White)', 'Prestige Rice Cooker 1.8 Liters', 'Panasonic Rice Cooker, 2.2 Liters', 'AGARO Rice Cooker, 3L', 'Cooker with steamer']);
    expect(bySize(titles, (t) => t, 'large')[0]).toBe('AGARO Rice Cooker, 3L');
    expect(bySize(['A mug', 'B 300 ml mug'], (t) => t, 'small')).toEqual(['A mug', 'B 300 ml mug']);
  });
});
