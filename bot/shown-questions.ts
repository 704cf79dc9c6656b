// Questions about the cards just shown, asked at more length than a short follow-up ("does the 2nd
// one switch off automatically", "compare first two", "which one has the biggest battery").
// Recognised by pattern here; the policy answers them from the products' own titles and details.

const ORDINAL_WORDS: Readonly<Record<string, number>> = { first: 0, '1st': 0, one: 0, '1': 0, second: 1, '2nd': 1, two: 1, '2': 1, third: 2, '3rd': 2, three: 2, '3': 2, fourth: 3, '4th': 3, four: 3, '4': 3, fifth: 4, '5th': 4, five: 4, '5': 4, last: -1 };

/** "the 2nd one", "first product", "option 3", "no. 2", "#3": which card, from 0 (-1: the last). */
export function cardReference(text: string): number | null {
  const t = text.toLowerCase();
  const m = /\b(?:the\s+)?(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+(?:one|item|product|model|option|card|pick)\b/.exec(t) ?? /\b(?:option|no\.?|number|#)\s*([1-5])\b/.exec(t);
  return m ? ORDINAL_WORDS[m[1]!]! : null;
}

/** "compare first two", "compare 1 and 3", "difference between the first and second", "2nd vs 3rd": which two cards. */
export function compareAsked(text: string): [number, number] | null {
  const t = text.toLowerCase();
  const picks = [...t.matchAll(/\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last|[1-5])\b(?!\s*(?:gb|tb|inch|l|litres?|kg|w|k|rs|mah))/g)].map((m) => ORDINAL_WORDS[m[1]!]!);
  // "which is better, 1st or 3rd", "2nd or 4th, which should i take": a choice between two cards.
  const ordinals = [...t.matchAll(/\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b/g)].length;
  if (ordinals >= 2 && picks[0] !== picks[1] && /\b(?:which|better|best|should i|go for|pick|choose)\b/.test(t) && /\bor\b/.test(t)) return [picks[0]!, picks[1]!];
  if (!/\b(?:compare|comparison|difference|differences|diff|vs|versus)\b/.test(t)) return null;
  // "compare the first two", "top 2", "these two", "both", "compare them": the first two shown.
  if (/\b(?:first|top)\s+(?:two|2)\b/.test(t)) return [0, 1];
  if (picks.length >= 2 && picks[0] !== picks[1]) return [picks[0]!, picks[1]!];
  return /\b(?:these|those|them|both|two|2)\b/.test(t) || t.split(/\s+/).length <= 3 ? [0, 1] : null;
}

/** The measure a superlative asks about, by the unit details state it in, and which end. */
const MEASURES: readonly [RegExp, string][] = [
  [/\bbattery\b|\bmah\b|\bbackup\b/, 'mah'],
  [/\bscreen\b|\bdisplay\b|\binch/, 'inch'],
  [/\bcapacity\b|\blitres?\b|\bliters?\b/, 'litre'],
  [/\bstorage\b|\bmemory\b|\bgb\b|\bram\b/, 'gb'],
  [/\bpowerful\b|\bpower\b|\bwatts?\b|\bwattage\b/, 'w'],
  [/\bweight\b|\blight(?:est|er)?\b|\bheav(?:iest|ier|y)\b/, 'kg'],
];

export interface ExtremeAsked {
  unit: string;
  want: 'max' | 'min';
}

/** "which one has the biggest battery", "which is the lightest", "the one with most storage". */
export function extremeAsked(text: string): ExtremeAsked | null {
  const t = text.toLowerCase();
  if (!/\b(?:which|what)\b|\bthe one with\b/.test(t) || t.split(/\s+/).length > 14) return null;
  const most = /\b(?:biggest|largest|bigger|larger|most|highest|longest|maximum|max|best|more|heaviest|heavier|powerful)\b/.test(t);
  const least = /\b(?:smallest|smaller|least|lowest|minimum|min|lightest|lighter|less)\b/.test(t);
  if (most === least) return null;
  const unit = MEASURES.find(([re]) => re.test(t))?.[1];
  if (!unit) return null;
  // "lightest" asks for the least weight; "most powerful" for the most watts.
  const want = unit === 'kg' && /\blight(?:est|er)?\b/.test(t) ? 'min' : most ? 'max' : 'min';
  return { unit, want };
}

/** Words of a feature that say nothing by themselves ("touch buttons": touch). */
const FEATURE_FILLER = new Set('attachment attachments button buttons feature features option options function functions facility mode modes support the and with one also inside included'.split(' '));

/**
 * "which of these has touch buttons", "in these which one comes with a chopper attachment": the
 * words of the feature asked of the cards shown; null for other questions ("which is better").
 */
export function featureAsked(text: string): string[] | null {
  const m = /\bwhich\b(?:\s+(?:of|among)\s+(?:these|them|those))?(?:\s+(?:one|ones))?\s+(?:has|have|comes? with|supports?|includes?|gives?)\s+(?:a |an |the )?([a-z0-9 -]{3,40}?)\s*(?:[?,.]|$)/i.exec(text);
  if (!m) return null;
  const words = m[1]!.toLowerCase().split(/\s+/).filter((w) => w.length > 2 && !FEATURE_FILLER.has(w));
  return words.length > 0 && words.length <= 3 ? words : null;
}

