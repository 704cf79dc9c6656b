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

// "in" is inches ("43 in tv"), but not before what holds something ("2 in my order", "1 in the box").
const ATTR_RE = /(\d+(?:\.\d+)?)\s*(inch(?:es)?|in\b(?!\s+(?:my|mine|the|our|your|his|her|a|an|it|this|that|one|stock|total|cart|hand)\b)|["”]|ltrs?|litres?|liters?|l\b|kgs?|kilos?|kilograms?|gb|tb|watts?|w\b|mah|tons?|tonne)/gi;

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

/** Words that never name the thing wanted: requests, politeness, quantities, qualities. */
const NOT_HEAD = new Set(
  'a an the some any me my i we us you show find get need want looking for buy please pls plz good best nice cheap cheapest budget new latest one something anything thing things stuff gift gifts present presents idea ideas option options suggestion suggestions item items product products under below above over around within less more than between upto up to max maximum min minimum approx rs inr price prices rate rates cost costs of in with and or to from by at on is are can do have has which what that this these those'.split(' ')
    // Sizes, counts and materials said after the thing ("kurta xl", "dumbbells 5kg pair", "bedsheet cotton").
    // Verbs of asking ("recommend something", "suggest a gift") name no thing.
    .concat('recommend recommended suggest suggested browse search see check tell give send help sell sells selling carry stock wants wanted needs needed likes loves'.split(' '))
    // "Sets" and "combos" count the thing ("sofa sets", "dinner set"): the thing is the word before.
    // When: "bitcoin price today" names no "today".
    .concat('today tomorrow tonight yesterday now week weeks month months year years daily'.split(' '))
    // "ok and an egg boiler too": the words around a request name nothing.
    .concat('too also ok okay then yes yeah kindly would could should shall may might must does did was were been being had as just only mainly mostly'.split(' '))
    // Sales and amounts ("any boat stuff on sale", "not more than 12k", "lot of hair") name no thing.
    .concat('not no never sale sales offer offers discount discounts deal deals lot lots everywhere anywhere so very really much many thou thousand thousands hundred lakh lakhs'.split(' '))
    // Whom it is for ("amma ke liye roti maker"): never the thing.
    .concat('mom mum mummy mommy mother amma ammi maa papa dad daddy father nani dadi nana dada didi son daughter wife husband kids kid child children grandma grandpa grandfather grandmother parents sister brother bhai bhaiya friend colleague'.split(' '))
    // Hinglish grammar words ("papa ke liye smartwatch, walk track karne ke liye"): never the thing.
    .concat('ke ki ka liye karne karna karni wala wali wale se ko mein chahiye dikhao'.split(' '))
    .concat('xs xl xxl xxxl size sizes pair pairs pack packs set sets combo combos piece pieces pcs quality mark cotton silk leather wooden woollen steel plastic ceramic brass copper gold silver'.split(' '))
    // Marks, grades and flavours said after the thing ("bike helmet isi mark", "cricket bat english willow").
    .concat('isi certified certification flavour flavor flavoured grade finish edition version variant willow english'.split(' ')),
);
/**
 * Words that, right after the thing in a product title, make the product something for it:
 * "Router Cable", "Webcam Cover", "Mouse Pad", "Smart Watch Strap".
 */
const FOR_THE_THING = new Set(
  'wall bracket brackets desk desks table tables tabletop riser risers tray trays sticker stickers lock locks cable cables cover covers case cases pad pads mat mats charm charms grip grips charger chargers strap straps stand stands holder holders protector protectors guard guards tip tips sleeve sleeves skin skins mount mounts adapter adapters remote remotes bag bags box boxes pouch pouches cleaner refill refills filter filters spare spares part parts accessory accessories kit splitter splitters extension extensions converter converters hanger hangers hook hooks organiser organisers organizer organizers glove gloves mitt mitts apron aprons towel towels'.split(' '),
);
/** Features that qualify the thing but never name it, said before or after it ("gaming mouse rgb"). */
const FEATURE_WORDS = new Set('rgb wireless wired bluetooth waterproof portable rechargeable foldable cordless auto automatic clean cleaning'.split(' '));
/** Words after which the rest of a request only qualifies the thing ("for kids", "under 500"). */
const QUALIFIER = /^(?:for|with|under|below|above|over|around|within|less|upto|between|in|of|from|without|that|which|near|at|like|same|compatible|suitable|not|on|jo|jisse|jise|jisme|taki)$/;

const singular = (w: string): string => (w.length > 4 && w.endsWith('ies') ? `${w.slice(0, -3)}y` : w.length > 3 && /(?:ches|shes|sses|xes)$/.test(w) ? w.slice(0, -2) : w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w);

/**
 * The thing a product request asks for, as English puts it: the last noun before the qualifiers
 * ("fairy lights for diwali" -> "light", "laptop sleeve 15.6 inch" -> "sleeve", "usb c to lightning
 * cable under 500" -> "cable"). Null when the request names no thing ("something for my mom").
 */
export function headNoun(text: string): string | null {
  const words = text.toLowerCase().replace(/[’']s\b/g, '').match(/[a-z][a-z0-9-]*|\d+(?:\.\d+)?[a-z]*/g) ?? [];
  let head: string | null = null;
  let placeholder = false;
  let previous = '';
  for (const w of words) {
    // "something for my mom's kitchen", "gift for dad": the thing is left open.
    if (QUALIFIER.test(w) && (head !== null || placeholder)) break;
    // "a movie to watch": after "to" comes what one does with it, not the thing.
    const afterTo = previous === 'to';
    const before = previous;
    previous = w;
    // "mug to gift a colleague": nothing after it names the thing.
    if (afterTo && head !== null && !/^(?:lightning|type-c|usb|hdmi|vga|rca|aux)$/.test(w)) break;
    if (PLACEHOLDER.test(w)) placeholder = true;
    // Numbers and measures ("15.6", "750w", "2k") qualify, they do not name.
    if (/^\d/.test(w) || ATTR_UNIT_WORD.test(w) || NOT_HEAD.has(w) || FEATURE_WORDS.has(w) || w.length < 2) continue;
    // A count of parts after the thing ("gas stove 3 burner", "fridge 2 door") qualifies it.
    if (head !== null && /^\d/.test(before)) continue;
    head = w;
  }
  return head ? singular(head) : null;
}
/**
 * The words, as written, that name the thing a request asks for: the head noun and the words
 * before it that qualify it ("kindel paperwhite", "hedphones" of "hedphones under 2k").
 */
export function thingWords(text: string): string[] {
  const head = headNoun(text);
  if (!head) return [];
  const words = text.toLowerCase().replace(/[’']s\b/g, '').match(/[a-z][a-z0-9-]*/g) ?? [];
  const end = words.findIndex((w) => singular(w) === head || w === head);
  return words.slice(0, end + 1).filter((w) => !NOT_HEAD.has(w) && !PLACEHOLDER.test(w) && !QUALIFIER.test(w) && !ATTR_UNIT_WORD.test(w));
}
const PLACEHOLDER = /^(?:something|anything|thing|things|stuff|gift|gifts|present|presents|ideas?|options?|suggestions?)$/;
const ATTR_UNIT_WORD = /^(?:inch|inches|litre|litres|liter|liters|ltr|kg|gb|tb|watt|watts|mah|ton|tons|cm|mm|meter|metre|meters|metres)$/;

/**
 * Whether a product title names the thing itself, not something for it: the head noun in the
 * title's own part, before " for " / " with " ("Adapter for Cellular Phone" is not a phone).
 */
export function titleNames(title: string, head: string): boolean {
  const words = ownPart(title).match(/[a-z][a-z0-9-]*/g) ?? [];
  // When the thing is itself such a word ("laptop bag"), the next one names it again ("Bag Sleeve Case").
  const thingFor = FOR_THE_THING.has(head) || FOR_THE_THING.has(`${head}s`);
  return words.some((w, i) => {
    if (!(singular(w) === head || w === head) || thingFor) return singular(w) === head || w === head;
    if (words[i + 1] !== undefined && FOR_THE_THING.has(words[i + 1]!) && singular(words[i + 1]!) !== head) return false;
    // "Phone Charging Cable", "Phone Sponge Craft Sticker": an accessory a few words on.
    return !words.slice(i + 2, i + 4).some((next) => ACCESSORY.has(singular(next)) && singular(next) !== head);
  });
}
/** Whether a title's own part names a thing made for others ("Bumper Case Cover", "Watch Strap") and not the thing itself. */
export function accessoryTitle(title: string, head: string): boolean {
  const words = (ownPart(title).match(/[a-z][a-z0-9-]*/g) ?? []).map(singular);
  return !words.includes(head) && words.some((w) => ACCESSORY.has(w) || (FOR_THE_THING.has(w) && !NOT_HEAD.has(w)));
}
/** Things that are only ever for something else, even a few words after its name. */
const ACCESSORY = new Set('cable cover case sticker stand holder mount charger adapter protector guard strap skin pouch sleeve tripod remote'.split(' '));

/**
 * Whether a product's category says it is the thing: the leaf names it, alone or as the end of a
 * word ("Smartphones" for "phone"), where titles often do not ("Samsung Galaxy M13 5G").
 */
export function categoryNames(category: string, head: string): boolean {
  const leaf = (category.split('>').pop() ?? '').toLowerCase();
  const words = leaf.match(/[a-z]+/g) ?? [];
  // "Smart Watches" names a smartwatch.
  return words.some((w, i) => singular(w) === head || (head.length >= 4 && singular(w).endsWith(head)) || (i + 1 < words.length && `${w}${singular(words[i + 1]!)}` === head));
}

/** A product title's own part, lower-cased: before " for " / " with " / "compatible with" / "fits". */
export function ownPart(title: string): string {
  return title.toLowerCase().split(/\s(?:for|with|compatible with|fits)\s/)[0]!;
}

/** The thing as the customer named it, its qualifiers included ("hair dryer", "kindle paperwhite"). */
export function thingPhrase(text: string, head: string): string {
  const words = text.toLowerCase().replace(/[’']s\b/g, '').match(/[a-z][a-z0-9-]*/g) ?? [];
  let end = words.findIndex((w) => singular(w) === head || w === head);
  if (end < 0) return head;
  // "dinner set": the set is what was asked for.
  if (/^(?:sets?|combos?)$/.test(words[end + 1] ?? '')) end++;
  let start = end;
  while (start > 0 && !NOT_HEAD.has(words[start - 1]!) && !QUALIFIER.test(words[start - 1]!) && !PLACEHOLDER.test(words[start - 1]!) && end - start < 3) start--;
  return words.slice(start, end + 1).join(' ');
}

/** A thing's name in the plural for a sentence ("hair dryers", "bedsheets"); one already in -s stays. */
export function plural(phrase: string): string {
  if (/s$/.test(phrase)) return phrase;
  if (/\bmouse$/.test(phrase)) return `${phrase.slice(0, -5)}mice`;
  if (/(?:x|z|ch|sh)$/.test(phrase)) return `${phrase}es`;
  if (/[^aeiou]y$/.test(phrase)) return `${phrase.slice(0, -1)}ies`;
  return `${phrase}s`;
}

/** The words that qualify the thing before it ("samsung phone" -> ["samsung"]), stems for matching titles. */
export function modifiersOf(text: string, head: string): string[] {
  const words = text.toLowerCase().replace(/[’']s\b/g, '').match(/[a-z][a-z0-9-]*/g) ?? [];
  const out: string[] = [];
  for (const w of words) {
    if (singular(w) === head) break;
    if (NOT_HEAD.has(w) || PLACEHOLDER.test(w) || ATTR_UNIT_WORD.test(w) || w.length < 3) continue;
    out.push(singular(w));
  }
  return out;
}
