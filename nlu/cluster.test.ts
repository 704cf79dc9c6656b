import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { contentWords, groupByEmbedding, groupByWords, type Embedder } from './cluster.js';
import { loadEncoder, type LoadedEncoder } from './encoder.js';

const MODEL = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'models', 'all-MiniLM-L6-v2');

/** Unit vectors on chosen axes: texts naming the same axis are identical, others orthogonal. */
const axes = (map: Record<string, number[]>): Embedder => ({
  embedMany: async (texts) =>
    texts.map((t) => {
      const v = Float32Array.from(map[t] ?? [0, 0, 0, 1]);
      const n = Math.hypot(...v);
      return v.map((x) => x / n);
    }),
});

describe('grouping unanswered messages', () => {
  it('groups by embedding similarity with a threshold, most frequent wording first, repeats counted', async () => {
    const enc = axes({ 'gift wrap?': [1, 0, 0, 0], 'Gift wrap': [1, 0, 0, 0], 'do you wrap gifts': [0.9, 0.1, 0, 0], 'cricket score': [0, 1, 0, 0], 'poem please': [0, 0, 1, 0] });
    const groups = await groupByEmbedding(['cricket score', 'gift wrap?', 'do you wrap gifts', 'poem please', 'Gift wrap', 'gift wrap?'], enc);
    expect(groups.map((g) => [g.size, g.examples.map((e) => [e.text, e.count])])).toEqual([
      [
        4,
        [
          ['gift wrap?', 3],
          ['do you wrap gifts', 1],
        ],
      ],
      [1, [['cricket score', 1]]],
      [1, [['poem please', 1]]],
    ]);
    expect(groups[0]!.label).toBe('gift wrap?');
    expect(groups[0]!.members).toEqual([1, 2, 4, 5]);
    // A threshold above their similarity keeps them apart.
    expect((await groupByEmbedding(['gift wrap?', 'do you wrap gifts'], enc, { threshold: 0.999 })).map((g) => g.size)).toEqual([1, 1]);
    expect(await groupByEmbedding([], enc)).toEqual([]);
  });

  it('falls back to shared content words', () => {
    expect([...contentWords('Do you have gift cards?')].sort()).toEqual(['card', 'gift']);
    const groups = groupByWords(['do you sell gift cards', 'gift cards available?', 'who won the cricket match', 'cricket match score']);
    expect(groups.map((g) => g.examples.map((e) => e.text).sort())).toEqual([
      ['cricket match score', 'who won the cricket match'],
      ['do you sell gift cards', 'gift cards available?'],
    ]);
  });

  describe('with the shared sentence encoder', () => {
    let encoder: LoadedEncoder;
    beforeAll(async () => {
      encoder = await loadEncoder({ model: MODEL, log: () => {} });
    }, 120_000);
    afterAll(async () => encoder?.close());

    it('puts paraphrases together and unrelated questions apart', async () => {
      const gift = ['do you do gift wrapping?', 'can you gift wrap my order', 'is gift wrapping available', 'Do you do gift wrapping?'];
      const cricket = ['who won the cricket match yesterday', 'what was the score of the india match', 'cricket score please'];
      const groups = await groupByEmbedding([...cricket, 'how to make money online', ...gift, 'write me a poem'], encoder);
      expect(groups.map((g) => g.size)).toEqual([4, 3, 1, 1]);
      expect(groups[0]!.examples.map((e) => e.text).sort()).toEqual(['can you gift wrap my order', 'do you do gift wrapping?', 'is gift wrapping available']);
      expect(groups[1]!.examples.map((e) => e.text).sort()).toEqual([...cricket].sort());
    });
  });
});
