// Questions about a measure of the product in focus ("how many litres is it", "what is the screen
// size", "wattage?"), answered from its own title and details, never from reviews: the number the
// seller states is the answer, and reviews rarely repeat it.

import { attributesOf } from './product-request.js';

/** The words that ask for each measure, by the unit the details state it in. */
const ASKS: readonly [RegExp, string][] = [
  [/\b(?:litres?|liters?|ltrs?|capacity|how much (?:water|milk|rice|food) (?:can|does|will) it)\b/, 'litre'],
  [/\b(?:inch(?:es)?|screen size|display size|how big is the (?:screen|display|tv))\b/, 'inch'],
  [/\b(?:watts?|wattage|power consumption|how much power|suction(?: power)?|motor power)\b/, 'w'],
  [/\b(?:kgs?|weight|how heavy|weigh)\b/, 'kg'],
  [/\b(?:gb|storage|ram|memory)\b/, 'gb'],
  [/\b(?:mah|battery capacity)\b/, 'mah'],
  [/\b(?:tons?|tonnage)\b/, 'ton'],
];

/** "how many", "what is the", "which", "how much", or a bare measure word with a question mark. */
const ASKING = /\b(?:how many|how much|how big|how heavy|what(?:'s|s| is)? (?:the |its )?|which|tell me the|kitna|kitne)\b|\?\s*$/;

/** How the answer writes each unit ("2400W" in a title is "2400 watts"). */
const UNIT_NAMES: Readonly<Record<string, string>> = { litre: 'litres', inch: 'inches', w: 'watts', kg: 'kg', gb: 'GB', tb: 'TB', mah: 'mAh', ton: 'ton' };

/** How an answer names a unit ("w" is "watts"). */
export function unitName(unit: string): string {
  return UNIT_NAMES[unit] ?? unit;
}

/** The unit a question about the product's measure asks for, or null. */
export function specAsked(text: string): string | null {
  const t = text.toLowerCase();
  if (!ASKING.test(t) || t.split(/\s+/).length > 10) return null;
  // "128 gb?" names a measure wanted, not one asked about.
  if (/\d\s*(?:gb|tb|inch|in|litres?|liters?|ltrs?|l|kg|w|watts?|mah|tons?)\b/.test(t)) return null;
  return ASKS.find(([re]) => re.test(t))?.[1] ?? null;
}

/**
 * Where the product states that measure: its title's words ("4.1 Liter") or the first line of its
 * details that states it, or null when neither does.
 */
export function specOf(product: { title: string; description: string }, unit: string): string | null {
  const inTitle = attributesOf(product.title).find((a) => a.unit === unit);
  if (inTitle) return `${inTitle.value} ${UNIT_NAMES[unit] ?? unit}`;
  const line = product.description.split(/\r?\n/).find((l) => attributesOf(l).some((a) => a.unit === unit));
  return line ? line.trim().slice(0, 160) : null;
}
