// Measurable attributes a shopper names ("43 inch", "15 litre", "6GB RAM", "20W", "1.5 ton"), so
// results can respect them strictly instead of trusting similarity: a 32-inch TV is not a 43-inch
// TV however alike their titles are.

export interface Attribute {
  value: number;
  unit: string;
  /** The words as the customer wrote them, for the reply. */
  text: string;
}

const UNITS: [RegExp, string][] = [
  [/^(?:inch|inches|in|"|”)$/, 'inch'],
  [/^(?:l|ltr|ltrs|litre|litres|liter|liters)$/, 'litre'],
  [/^(?:kg|kgs|kilo|kilos|kilogram|kilograms)$/, 'kg'],
  [/^(?:gb)$/, 'gb'],
  [/^(?:tb)$/, 'tb'],
  [/^(?:w|watt|watts)$/, 'w'],
  [/^(?:mah)$/, 'mah'],
  [/^(?:ton|tons|tonne)$/, 'ton'],
];

const ATTR_RE = /(\d+(?:\.\d+)?)\s*(inch(?:es)?|in\b|["”]|ltrs?|litres?|liters?|l\b|kgs?|kilos?|kilograms?|gb|tb|watts?|w\b|mah|tons?|tonne)/gi;

function unitOf(raw: string): string | null {
  const u = raw.toLowerCase();
  for (const [re, unit] of UNITS) if (re.test(u)) return unit;
  return null;
}

/** The attributes named in a request; prices ("under 1500") are not attributes. */
export function attributesOf(text: string): Attribute[] {
  const out: Attribute[] = [];
  for (const m of text.matchAll(ATTR_RE)) {
    const unit = unitOf(m[2]!);
    if (!unit) continue;
    const value = Number(m[1]);
    if (!Number.isFinite(value) || value <= 0) continue;
    if (!out.some((a) => a.unit === unit && a.value === value)) out.push({ value, unit, text: m[0] });
  }
  return out;
}

/** Whether a product's text states the attribute (the same number with the same unit). */
export function hasAttribute(productText: string, a: Attribute): boolean {
  for (const m of productText.matchAll(ATTR_RE)) {
    if (unitOf(m[2]!) === a.unit && Math.abs(Number(m[1]) - a.value) < 1e-9) return true;
  }
  return false;
}
