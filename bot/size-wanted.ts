import { attributesOf } from './product-request.js';

// "chhota wala chalega", "small one for a bachelor", "for a family of 6": a size said in words, not
// as a measure. The products that state their measure are shown smallest (or largest) first; a
// measure said as a number ("1.5 litre") is a requirement instead (product-request.ts attributes).

const SMALL = /\b(?:small|smaller|smallest|mini|compact|chh?ot[aie]|little|tiny|bachelors?|single person|for (?:one|1|two|2|me alone|myself) (?:people|persons?|log|members?)?|(?:sirf|only|just) (?:1|2|one|two|ek|do) (?:log|people|persons?|members?)|hostel)\b/i;
const LARGE = /\b(?:big|bigger|biggest|large|larger|largest|bada|badi|bade|jumbo|huge|family of (?:[4-9]|1\d|four|five|six|seven|eight)|(?:[4-9]|four|five|six|seven|eight) (?:people|persons|log|members)|joint family|big family)\b/i;

/** Units that tell a thing's size, in the order they are looked for. */
const SIZE_UNITS = ['litre', 'kg', 'inch', 'ton'] as const;

/** Whether the customer asked for a small or a large one in words, or null. */
export function sizeWanted(text: string): 'small' | 'large' | null {
  const small = SMALL.test(text);
  const large = LARGE.test(text);
  return small === large ? null : small ? 'small' : 'large';
}

/**
 * The items ordered by the size their titles state (the unit most of them state), smallest first
 * for 'small'; those that state none keep their order after them. Stable otherwise.
 */
export function bySize<T>(items: readonly T[], titleOf: (item: T) => string, want: 'small' | 'large'): T[] {
  const measures = items.map((item) => attributesOf(titleOf(item)));
  const unit = SIZE_UNITS.map((u) => ({ u, n: measures.filter((m) => m.some((a) => a.unit === u)).length })).sort((a, b) => b.n - a.n)[0]!;
  if (unit.n < 2) return [...items];
  const sizeOf = (i: number) => measures[i]!.find((a) => a.unit === unit.u)?.value;
  const sign = want === 'small' ? 1 : -1;
  return items
    .map((item, i) => ({ item, i, size: sizeOf(i) }))
    .sort((a, b) => (a.size === undefined ? (b.size === undefined ? a.i - b.i : 1) : b.size === undefined ? -1 : sign * (a.size - b.size) || a.i - b.i))
    .map((x) => x.item);
}
