// Short follow-ups that only make sense against what was just said: "the second one", "cheaper?",
// "in blue?". Recognised by pattern, resolved against the dialogue state by the policy.

export type FollowUp =
  | { kind: 'ordinal'; index: number }
  | { kind: 'cheaper' }
  | { kind: 'similar' }
  | { kind: 'budget' }
  | { kind: 'refine'; words: string[] };

const ORDINALS: Record<string, number> = { first: 0, '1st': 0, second: 1, '2nd': 1, third: 2, '3rd': 2, fourth: 3, '4th': 3, fifth: 4, '5th': 4, last: -1 };
export const COLOURS = ['black', 'white', 'red', 'blue', 'green', 'yellow', 'pink', 'purple', 'grey', 'gray', 'brown', 'orange', 'silver', 'gold', 'navy', 'beige'];

export function detectFollowUp(text: string): FollowUp | null {
  const t = text.toLowerCase().trim();
  const words = t.split(/\s+/);
  if (words.length > 8) return null;
  // "anything under 1000?", "below 2k": the last request with a new budget.
  if (/^(?:(?:any|anything|something|show|me|ones?|options?|some|got|do you have)\s+)*(?:under|below|less than|within|upto|up to|max|around)\s*(?:rs\.?|inr|₹)?\s*\d[\d,.]*\s*k?\s*(?:rs|rupees)?\s*\??$/.test(t)) return { kind: 'budget' };
  const ord = t.match(/\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b(?: one| item| product)?/);
  if (ord && /\b(one|item|product|show|that|the|tell|about|more|buy|take|want)\b/.test(t)) return { kind: 'ordinal', index: ORDINALS[ord[1]!]! };
  if (/\b(cheaper|less expensive|lower price|more affordable|budget)\b/.test(t)) return { kind: 'cheaper' };
  if (/\b(similar|more like (?:this|that|it)|like (?:this|that) one|alternatives?|other options?)\b/.test(t)) return { kind: 'similar' };
  const colours = COLOURS.filter((c) => new RegExp(`\\b${c}\\b`).test(t));
  // "blue one?", "do you have it in blue": a colour of what was shown.
  const aboutShown = /\b(it|this|that|one|ones|same)\b/.test(t);
  if (colours.length > 0 && (words.length <= 5 || (aboutShown && words.length <= 7))) return { kind: 'refine', words: colours };
  // "only 32 inch ones": a size of what was shown.
  const size = /\b\d+(?:\.\d+)?\s*(?:inch(?:es)?|in|litres?|liters?|ltr|l|kg|gb|tb|w|watts?|mah|tons?)\b/.exec(t);
  if (size && aboutShown && words.length <= 6) return { kind: 'refine', words: [size[0]] };
  return null;
}
