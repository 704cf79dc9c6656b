import type { ProductMatcher } from './entities-products.js';

// Entities the dialogue needs, from one chat message: order numbers, e-mail addresses, a price
// range, a quantity, sizes, colours and catalog products. Pure, synchronous functions built on
// regular expressions with bounded work: input longer than MAX_ENTITY_INPUT characters is cut,
// so a pasted novel costs no more than a long message. Non-string input gives empty entities.

export const MAX_ENTITY_INPUT = 4000;

export type EntityType = 'order_number' | 'email' | 'price' | 'quantity' | 'size' | 'colour' | 'product';

/** One match in the message: where it is and what it means. */
export interface EntitySpan {
  type: EntityType;
  /** Normalized value: "ORD-536365", "a@b.com", "<=500", "2", "XL", "navy blue", product id. */
  value: string;
  text: string;
  start: number;
  end: number;
}

/** Shape consumed by the dialogue layer (bot/services.ts `Entities`), plus the spans. */
export interface Entities {
  /** Canonical "ORD-<digits>" (or the ORD- code as written, upper-cased). */
  orderNumbers: string[];
  emails: string[];
  priceMin?: number;
  priceMax?: number;
  /** "cheap", "budget", "premium": a price wish without a figure. */
  priceLevel?: 'low' | 'high';
  quantity?: number;
  sizes: string[];
  colors: string[];
  /** Catalog products mentioned, best match first. */
  products: { productId: string; score: number; title: string }[];
  spans: EntitySpan[];
}

export function emptyEntities(): Entities {
  return { orderNumbers: [], emails: [], sizes: [], colors: [], products: [], spans: [] };
}

// ---------------------------------------------------------------------------------------------
// Numbers

const SMALL_NUMBERS: Record<string, number> = {
  zero: 0, one: 1, a: 1, an: 1, single: 1, two: 2, couple: 2, pair: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8,
  nine: 9, ten: 10, eleven: 11, twelve: 12, dozen: 12, fifteen: 15, twenty: 20, thirty: 30, fifty: 50, hundred: 100,
};

/** Parses "1,299", "1.5k", "15k", "2 lakh", "1.2l", "2 crore", "₹ 999.00"; NaN when not a number. */
export function parseAmount(raw: string): number {
  const m = /^(\d{1,3}(?:,\d{2,3})+|\d+(?:\.\d+)?)\s*(k|thousand|thou|l|lakh|lakhs|lac|lacs|cr|crore|crores)?$/i.exec(raw.trim());
  if (!m) return NaN;
  const n = Number(m[1]!.replace(/,/g, ''));
  const unit = (m[2] ?? '').toLowerCase();
  const mult = unit === 'k' || unit === 'thousand' || unit === 'thou' ? 1e3 : unit.startsWith('l') ? 1e5 : unit.startsWith('cr') ? 1e7 : 1;
  return Math.round(n * mult * 100) / 100;
}

// An amount: digits with optional grouping/decimals and a magnitude suffix; currency around it.
const AMT = String.raw`(\d{1,3}(?:,\d{2,3})+|\d+(?:\.\d+)?)(?:\s?(k|thousand|thou|lakhs?|lacs?|crores?|cr)\b|(?<=\d)(l)\b)?`;
const CUR_PRE = String.raw`(?:₹|rs\.?|inr|rupees?|\$|usd|€|eur|£)\s?`;
const CUR_POST = String.raw`(?:\s?(?:₹|rs\.?|inr|rupees?|bucks|\/-|dollars?|euros?|pounds?))`;
const MONEY = String.raw`(?:${CUR_PRE})?${AMT}(?:${CUR_POST})?`;

function amountFrom(m: RegExpExecArray, at: number): number {
  const digits = m[at];
  if (digits === undefined) return NaN;
  const unit = m[at + 1] ?? m[at + 2] ?? '';
  return parseAmount(unit ? `${digits}${unit}` : digits);
}

function hasCurrency(s: string): boolean {
  return /₹|\brs\b|\brs\.|\binr\b|rupee|\$|usd|€|£|bucks|\/-|dollar|euro|pound|\d\s?(k|lakhs?|lacs?|cr|crores?)\b/i.test(s);
}

// ---------------------------------------------------------------------------------------------
// Patterns

const EMAIL = /[A-Za-z0-9](?:[A-Za-z0-9._%+-]{0,63})@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)*\.[A-Za-z]{2,24}/g;
// ORD-536365, and the prefixed form of some stores' numbers: ORD-DF-001518.
const ORDER_CODE = /\bORD[-_ ]?((?:[A-Z]{2,3}[-_])?\d{4,20})\b/gi;
const ORDER_HASH = /(?<![\w#])#\s?(\d{5,20})\b/g;
const ORDER_WORD =
  /\b(?:order|orders|purchase|ord|booking|shipment|package|parcel)\s*(?:no\.?|number|num|nr|id|#|ref(?:erence)?)?\s*(?:is|was|:|=)?\s*#?\s?(\d{5,20})\b/gi;

const PRICE_PATTERNS: { re: RegExp; kind: 'max' | 'min' | 'between' | 'around'; strictMoney?: boolean }[] = [
  { re: new RegExp(String.raw`\b(?:between|b\/w|btw)\s+${MONEY}\s*(?:and|&|to|-|–)\s*${MONEY}`, 'gi'), kind: 'between' },
  { re: new RegExp(String.raw`\bfrom\s+${MONEY}\s*(?:to|-|–|till|until)\s*${MONEY}`, 'gi'), kind: 'between' },
  { re: new RegExp(String.raw`(?<![\w.,])${MONEY}\s*(?:-|–|to)\s*${MONEY}`, 'gi'), kind: 'between', strictMoney: true },
  {
    re: new RegExp(
      String.raw`(?:\b(?:under|below|less\s+than|lesser\s+than|cheaper\s+than|up\s?to|upto|within|max(?:imum)?|at\s+most|not\s+more\s+than|no\s+more\s+than|not\s+above|not\s+over|budget\s+(?:is|of)?|my\s+budget\s+is|inside|under\s+a)\s*:?\s*|<=?\s*)${MONEY}`,
      'gi',
    ),
    kind: 'max',
  },
  {
    re: new RegExp(
      String.raw`(?:\b(?:above|over|more\s+than|greater\s+than|at\s+least|min(?:imum)?|starting\s+(?:from|at)|from|upwards\s+of|not\s+less\s+than)\s*:?\s*|>=?\s*)${MONEY}(?:\s*(?:and\s+above|or\s+more|plus|\+))?`,
      'gi',
    ),
    kind: 'min',
    strictMoney: true,
  },
  { re: new RegExp(String.raw`${MONEY}\s*(?:and\s+above|or\s+more|plus|onwards|\+)`, 'gi'), kind: 'min', strictMoney: true },
  { re: new RegExp(String.raw`${MONEY}\s*(?:or\s+less|and\s+below|or\s+below|max|maximum|at\s+most|at\s+the\s+most|tops)`, 'gi'), kind: 'max', strictMoney: true },
  { re: new RegExp(String.raw`\b(?:can|could|will|want\s+to|only)\s+(?:only\s+)?(?:spend|afford|pay)\s+(?:only\s+|upto\s+|up\s+to\s+|around\s+|about\s+)?${MONEY}`, 'gi'), kind: 'max' },
  { re: new RegExp(String.raw`\b(?:around|about|approx(?:imately|\.)?|roughly|close\s+to|near|~)\s*${MONEY}`, 'gi'), kind: 'around', strictMoney: true },
  // "1000 rupees or so", "2k or so".
  { re: new RegExp(String.raw`${MONEY}\s*(?:rupees?|rs\.?)?\s*(?:or\s+so|or\s+thereabouts|give\s+or\s+take)\b`, 'gi'), kind: 'around', strictMoney: true },
];

const PRICE_WORDS = /\b(?:price[sd]?|pricing|cost(?:s|ing)?|budget|range|rs|rupees?|spend|priced|mrp|rate)\b/i;
const CHEAP = /\b(?:cheap(?:er|est)?|budget|affordable|inexpensive|low[\s-]?(?:cost|price[d]?|budget)|economical|value\s+for\s+money|sasta|saste|sasti)\b/i;
const PREMIUM = /\b(?:premium|expensive|high[\s-]?end|luxury|luxurious|top[\s-]?end|costly|flagship)\b/i;

const NUMBER_WORDS = Object.keys(SMALL_NUMBERS)
  .filter((w) => !['a', 'an', 'single', 'pair', 'couple'].includes(w))
  .join('|');
const COUNT_NOUNS = String.raw`(?:pieces?|pcs|units?|items?|nos|packs?|packets?|boxes|box|sets?|pairs?|bottles?|copies|of\s+(?:them|these|those|it|each|this|that))`;
const QTY_PATTERNS: RegExp[] = [
  // The whole message is a count (the answer to "how many?").
  new RegExp(String.raw`^\s*(?:just\s+|only\s+)?(\d{1,3}|${NUMBER_WORDS})\s*(?:please|pls|plz|nos?)?\s*[.!]?\s*$`, 'gi'),
  /\b(?:a\s+)?(dozen|couple\s+of|pair\s+of)\b(?!\s+(?:days?|weeks?|months?|years?|hours?|minutes?|times?|questions?)\b)/gi,
  new RegExp(String.raw`\b(?:qty|quantity|quantities)\s*(?:of|is|:|=|-)?\s*(\d{1,4}|${NUMBER_WORDS})\b`, 'gi'),
  new RegExp(String.raw`(?<![\w.,₹$])(\d{1,4}|${NUMBER_WORDS})\s+${COUNT_NOUNS}\b`, 'gi'),
  new RegExp(String.raw`(?<![\w])[x×]\s?(\d{1,3})\b(?!\s*(?:inch|cm|mm|gb|tb))`, 'gi'),
  new RegExp(String.raw`\b(\d{1,3})\s?[x×](?![\w])`, 'gi'),
  new RegExp(
    String.raw`\b(?:buy|order|want|need|get|add|take|send|ordering|buying|purchase)\s+(?:me\s+|another\s+|only\s+|just\s+)?(\d{1,3}|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|a\s+dozen|a\s+couple\s+of|a\s+pair\s+of)\s+(?!(?:k|rs|inr|rupees?|gb|tb|mb|inch(?:es)?|cm|mm|m|kg|g|l|ml|litres?|liters?|w|watts?|mah|hz|days?|weeks?|months?|years?|hours?|mins?|minutes?|am|pm|percent|%)\b)(?=[a-z])`,
    'gi',
  ),
];

const APPAREL_SIZES = ['XXXS', 'XXS', 'XS', 'S', 'M', 'L', 'XL', 'XXL', 'XXXL', '2XL', '3XL', '4XL', '5XL'];
const SIZE_WORDS: Record<string, string> = {
  'extra small': 'XS',
  'extra-small': 'XS',
  small: 'S',
  medium: 'M',
  large: 'L',
  'extra large': 'XL',
  'extra-large': 'XL',
  'double xl': 'XXL',
  'free size': 'Free Size',
  freesize: 'Free Size',
  'one size': 'One Size',
};
const SIZE_EXPLICIT = /\bsize\s*(?:is|of|:|=|-)?\s*((?:uk|us|eu|in)\s?\d{1,2}(?:\.5)?|\d{1,2}(?:\.5)?|xxxs|xxs|xs|s|m|l|xl|xxl|xxxl|[2-5]xl|extra[\s-]small|small|medium|large|extra[\s-]large|free)\b/gi;
const SIZE_NUMBER_BEFORE = /\b((?:uk|us|eu)\s?\d{1,2}(?:\.5)?)\b/gi;
const SIZE_TOKEN = /(?<![\w-])(XXXS|XXS|XS|XXXL|XXL|XL|[2-5]XL|S|M|L)(?![\w-])/g;
const SIZE_TOKEN_CI = /(?<![\w-])(xxxs|xxs|xs|xxxl|xxl|xl|[2-5]xl)(?![\w-])/gi;
const SIZE_WORD_CONTEXT =
  /\b(?:in|a|size|sized|in\s+a|the|fit)\s+(extra[\s-]small|small|medium|large|extra[\s-]large|free\s?size|one\s+size)\b(?!\s+(?:room|house|flat|family|kitchen|amount|budget|business|car|screen|tv|price|order|quantity|number|issue|problem|question|doubt|thing|change|fee|discount|refund|bedroom|office))|\b(extra[\s-]small|small|medium|large|extra[\s-]large)\s+(?:size|sized|one)\b|\b(free\s?size|one\s+size)\b/gi;

const COLOURS: Record<string, string> = {
  black: 'black', white: 'white', red: 'red', blue: 'blue', green: 'green', yellow: 'yellow', pink: 'pink', purple: 'purple',
  violet: 'violet', orange: 'orange', grey: 'grey', gray: 'grey', silver: 'silver', gold: 'gold', golden: 'gold', brown: 'brown',
  beige: 'beige', maroon: 'maroon', navy: 'navy', 'navy blue': 'navy', 'sky blue': 'sky blue', 'light blue': 'light blue',
  'dark blue': 'dark blue', 'royal blue': 'royal blue', teal: 'teal', turquoise: 'turquoise', cyan: 'cyan', magenta: 'magenta',
  cream: 'cream', ivory: 'ivory', khaki: 'khaki', olive: 'olive', 'olive green': 'olive', 'dark green': 'dark green',
  'light green': 'light green', 'bottle green': 'bottle green', mint: 'mint', peach: 'peach', lavender: 'lavender', lilac: 'lilac',
  'rose gold': 'rose gold', copper: 'copper', bronze: 'bronze', charcoal: 'charcoal', wine: 'wine', burgundy: 'burgundy',
  mustard: 'mustard', coral: 'coral', tan: 'tan', 'off white': 'off-white', 'off-white': 'off-white', transparent: 'transparent',
  multicolour: 'multicolour', multicolor: 'multicolour', 'multi colour': 'multicolour', 'multi-colour': 'multicolour',
  'multi color': 'multicolour', 'multi-color': 'multicolour', 'dark grey': 'dark grey', 'light grey': 'light grey',
  'dark gray': 'dark grey', 'light gray': 'light grey', 'space grey': 'space grey', 'space gray': 'space grey',
};
const COLOUR_RE = new RegExp(
  String.raw`\b(${Object.keys(COLOURS)
    .sort((a, b) => b.length - a.length)
    .map((k) => k.replace(/[-/\\^$*+?.()|[\]{}]/g, '\\$&').replace(/ /g, '\\s+'))
    .join('|')})(?:ish)?\b`,
  'gi',
);
/** Words that make a colour word mean something else ("black friday", "gold plan", "orange juice"). */
const COLOUR_FALSE_FRIENDS = /^(?:\s+(?:friday|card|plan|membership|member|account|tier|label|juice|money|box|list|mirror|belt)\b)/i;

// ---------------------------------------------------------------------------------------------

function collect(re: RegExp, text: string, fn: (m: RegExpExecArray) => void): void {
  re.lastIndex = 0;
  let m: RegExpExecArray | null;
  let guard = 0;
  while ((m = re.exec(text)) !== null && guard++ < 200) {
    fn(m);
    if (m[0].length === 0) re.lastIndex++;
  }
}

function overlaps(taken: readonly [number, number][], s: number, e: number): boolean {
  return taken.some(([a, b]) => s < b && e > a);
}

export interface ExtractOptions {
  products?: ProductMatcher;
  /** The message embedding, for re-ranking products when the matcher has title vectors. */
  vector?: Float32Array | null;
  /** Most products returned. */
  maxProducts?: number;
}

const AMOUNT_WORDS: Readonly<Record<string, number>> = { one: 1, two: 2, three: 3, four: 4, five: 5, six: 6, seven: 7, eight: 8, nine: 9, ten: 10, eleven: 11, twelve: 12, fifteen: 15, twenty: 20, twenty_five: 25, thirty: 30, forty: 40, fifty: 50, seventy: 70, hundred: 100 };
const SCALES: Readonly<Record<string, number>> = { hundred: 100, thousand: 1e3, thou: 1e3, lakh: 1e5, lakhs: 1e5 };

/**
 * "under five thousand", "two lakh": the amount in digits, zero-padded to the phrase's own length so
 * every span keeps its place in the message ("five thousand" -> "0000000005000").
 */
function numberWordsAsDigits(text: string): string {
  // "3 thousand", "3-4 thousand": a thousand written out after digits is a "k", padded to the same length.
  text = text.replace(/(\d+(?:\.\d+)?)(\s*)(thousand|thou|hazaar|hazar)\b/gi, (phrase, n: string) => `${n}k`.padEnd(phrase.length, ' '));
  return text.replace(/\b(one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|fifteen|twenty(?:[\s-]five)?|thirty|forty|fifty|seventy)\s+(hundred|thousand|thou|lakhs?)\b/gi, (phrase, n: string, scale: string) => {
    const value = String(AMOUNT_WORDS[n.toLowerCase().replace(/[\s-]/, '_')]! * SCALES[scale.toLowerCase()]!);
    return value.length <= phrase.length ? value.padStart(phrase.length, '0') : phrase;
  });
}

/** All entities of one message. Never throws: bad input yields empty entities. */
export function extractEntities(input: unknown, opts: ExtractOptions = {}): Entities {
  const out = emptyEntities();
  if (typeof input !== 'string' || input.length === 0) return out;
  // Cut, and fold full-width digits/letters (NFKC) so "１２３" and "ＸＬ" read as ASCII.
  const text = numberWordsAsDigits(input.slice(0, MAX_ENTITY_INPUT).normalize('NFKC'));
  const taken: [number, number][] = [];
  const push = (span: EntitySpan): void => {
    out.spans.push(span);
    taken.push([span.start, span.end]);
  };

  // E-mails first: their digits and dots must not become order numbers or prices.
  collect(EMAIL, text, (m) => {
    const value = m[0].toLowerCase();
    if (!out.emails.includes(value)) out.emails.push(value);
    push({ type: 'email', value, text: m[0], start: m.index, end: m.index + m[0].length });
  });

  // Order numbers.
  const addOrder = (value: string, m: RegExpExecArray): void => {
    const s = m.index;
    const e = m.index + m[0].length;
    if (overlaps(taken, s, e)) return;
    if (!out.orderNumbers.includes(value)) out.orderNumbers.push(value);
    push({ type: 'order_number', value, text: m[0], start: s, end: e });
  };
  collect(ORDER_CODE, text, (m) => addOrder(`ORD-${m[1]!.toUpperCase().replace('_', '-')}`, m));
  collect(ORDER_WORD, text, (m) => addOrder(`ORD-${m[1]!}`, m));
  collect(ORDER_HASH, text, (m) => {
    // "bill #37777", "invoice #00108", "ticket #4411" are other documents.
    if (/\b(?:invoice|bill|receipt|ticket|case|complaint|phone|mobile|pin(?:code)?)\s*(?:no\.?|number|num|id)?\s*$/i.test(text.slice(Math.max(0, m.index - 24), m.index))) return;
    addOrder(`ORD-${m[1]!}`, m);
  });

  // Price range.
  for (const p of PRICE_PATTERNS) {
    collect(p.re, text, (m) => {
      const s = m.index;
      const e = m.index + m[0].length;
      if (overlaps(taken, s, e)) return;
      // Bare numbers ("200-400", "over 300", "around 50") are prices only with a currency or a
      // price word nearby; otherwise they are sizes, counts or model numbers.
      // Four digits or a "k" after "around"/"over" reads as rupees too ("tv around 15000"), unless a
      // unit follows ("over 1000 watt").
      const bigBare = /\d{4,}|\d\s*k\b/i.test(m[0]) && !/^\s*(?:inch|in\b|cm|mm|l\b|ltr|litre|liter|w\b|watt|mah|gb|tb|kg|rpm|hz|mp|sq)/i.test(text.slice(e));
      if (p.strictMoney && !hasCurrency(m[0]) && !PRICE_WORDS.test(text) && !bigBare) return;
      let min: number | undefined;
      let max: number | undefined;
      if (p.kind === 'between') {
        const a = amountFrom(m, 1);
        let b = amountFrom(m, 4);
        if (!Number.isFinite(a) || !Number.isFinite(b)) return;
        // "10-15k": the magnitude written once applies to both ends.
        const aUnit = m[2] ?? m[3];
        const bUnit = m[5] ?? m[6];
        let a2 = a;
        if (!aUnit && bUnit && b / a >= 100) a2 = parseAmount(`${m[1]!}${bUnit}`);
        if (a2 > b) [a2, b] = [b, a2];
        // A plain "2-3" with no currency is a quantity or a size, not a price.
        if (p.strictMoney && b < 50 && !hasCurrency(m[0])) return;
        if (!Number.isFinite(a2)) return;
        min = a2;
        max = b;
      } else {
        const v = amountFrom(m, 1);
        if (!Number.isFinite(v)) return;
        if (!hasCurrency(m[0]) && v < 10) return; // "under 2" is rarely a price
        if (p.kind === 'max') max = v;
        else if (p.kind === 'min') min = v;
        else {
          min = Math.round(v * 0.8);
          max = Math.round(v * 1.2);
        }
      }
      if (min !== undefined) out.priceMin = out.priceMin === undefined ? min : Math.max(out.priceMin, min);
      if (max !== undefined) out.priceMax = out.priceMax === undefined ? max : Math.min(out.priceMax, max);
      const value = min !== undefined && max !== undefined ? `${min}-${max}` : min !== undefined ? `>=${min}` : `<=${max}`;
      push({ type: 'price', value, text: m[0], start: s, end: e });
    });
  }
  if (out.priceMin !== undefined && out.priceMax !== undefined && out.priceMin > out.priceMax) {
    // Contradictory wishes ("under 500 ... above 2000"): keep the later, more specific one.
    const last = out.spans.filter((s) => s.type === 'price').pop()!;
    if (last.value.startsWith('>=')) delete out.priceMax;
    else delete out.priceMin;
  }
  if (out.priceMin === undefined && out.priceMax === undefined) {
    const cheap = CHEAP.exec(text);
    const premium = PREMIUM.exec(text);
    if (cheap && !premium) out.priceLevel = 'low';
    else if (premium && !cheap) out.priceLevel = 'high';
  }

  // Sizes (before quantities, so "size 9" is never a quantity).
  const addSize = (value: string, s: number, e: number, raw: string): void => {
    if (overlaps(taken, s, e)) return;
    if (!out.sizes.includes(value)) out.sizes.push(value);
    push({ type: 'size', value, text: raw, start: s, end: e });
  };
  const normSize = (raw: string): string => {
    const r = raw.toLowerCase().replace(/[\s-]+/g, ' ').trim();
    if (SIZE_WORDS[r]) return SIZE_WORDS[r]!;
    if (r === 'free') return 'Free Size';
    const region = /^(uk|us|eu|in)\s?(\d.*)$/.exec(r);
    if (region) return `${region[1]!.toUpperCase()} ${region[2]!}`;
    return /^\d/.test(r) && !/xl$/.test(r) ? r : r.toUpperCase();
  };
  collect(SIZE_EXPLICIT, text, (m) => addSize(normSize(m[1]!), m.index, m.index + m[0].length, m[0]));
  collect(SIZE_NUMBER_BEFORE, text, (m) => addSize(normSize(m[1]!), m.index, m.index + m[0].length, m[0]));
  collect(SIZE_TOKEN_CI, text, (m) => addSize(m[1]!.toUpperCase(), m.index, m.index + m[0].length, m[0]));
  collect(SIZE_TOKEN, text, (m) => {
    // A lone capital S/M/L is a size only where a size makes sense ("in L", "L size", "M or L", "S/M").
    const v = m[1]!;
    if (v.length === 1) {
      const before = text.slice(Math.max(0, m.index - 8), m.index).toLowerCase();
      const after = text.slice(m.index + 1, m.index + 9).toLowerCase();
      const ctx = /\b(?:in|size|a|an|or|and|,|\/)\s*$/.test(before) || /^\s*(?:size|or|and|\/|,)/.test(after);
      if (!ctx || /\b(?:i|we|you)\s*$/.test(before)) return;
    }
    if (!APPAREL_SIZES.includes(v)) return;
    addSize(v, m.index, m.index + m[0].length, m[0]);
  });
  collect(SIZE_WORD_CONTEXT, text, (m) => {
    const raw = (m[1] ?? m[2] ?? m[3])!;
    const off = m.index + m[0].toLowerCase().indexOf(raw.toLowerCase());
    addSize(normSize(raw.replace(/\s+/g, ' ')), off, off + raw.length, raw);
  });

  // Quantity.
  for (const re of QTY_PATTERNS) {
    collect(re, text, (m) => {
      const s = m.index;
      const e = m.index + m[0].length;
      if (out.quantity !== undefined || overlaps(taken, s, e)) return;
      const raw = m[1]!.toLowerCase().replace(/\s+/g, ' ');
      const word = raw.replace(/^a /, '').replace(/ of$/, '').trim();
      const n = /^\d+$/.test(raw) ? Number(raw) : (SMALL_NUMBERS[word] ?? NaN);
      if (!Number.isFinite(n) || n <= 0 || n > 1000) return;
      out.quantity = n;
      push({ type: 'quantity', value: String(n), text: m[0], start: s, end: e });
    });
  }

  // Colours.
  collect(COLOUR_RE, text, (m) => {
    const s = m.index;
    const e = m.index + m[0].length;
    if (overlaps(taken, s, e)) return;
    if (COLOUR_FALSE_FRIENDS.test(text.slice(e, e + 16))) return;
    const value = COLOURS[m[1]!.toLowerCase().replace(/\s+/g, ' ')] ?? m[1]!.toLowerCase();
    if (!out.colors.includes(value)) out.colors.push(value);
    push({ type: 'colour', value, text: m[0], start: s, end: e });
  });

  // Products from the catalog, ignoring words already read as other entities.
  if (opts.products) {
    const exclude = out.spans.filter((s) => s.type !== 'colour').map((s) => [s.start, s.end] as const);
    for (const p of opts.products.match(text, { k: opts.maxProducts ?? 5, exclude, vector: opts.vector ?? null })) {
      out.products.push({ productId: p.productId, score: p.score, title: p.title });
      if (p.start >= 0) push({ type: 'product', value: p.productId, text: text.slice(p.start, p.end), start: p.start, end: p.end });
    }
  }
  out.spans.sort((a, b) => a.start - b.start || a.end - b.end);
  return out;
}
