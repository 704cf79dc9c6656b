import { describe, expect, it } from 'vitest';
import { namesRetailThing } from './retail-nouns.js';

describe('things shops sell', () => {
  it('finds a thing a shop sells in a request, plurals included', () => {
    for (const text of ['cricket bat english willow', 'double door refrigerator', 'hair dryers for my sister', 'sofa sets', 'mens kurta xl']) expect(namesRetailThing(text), text).toBe(true);
  });
  it('finds none in requests that are not shopping, nor in a verb after "to"', () => {
    for (const text of ['recommend a good movie to watch', "what's the price of bitcoin today", 'who will win the next election', 'how to make biryani']) expect(namesRetailThing(text), text).toBe(false);
  });
});
