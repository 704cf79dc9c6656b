// Personal-data redaction for support texts, before anything is embedded, indexed or stored.
// Pure functions: text in, text with typed placeholders out ({{EMAIL}}, {{ORDER_NUMBER}}, ...).
// Passes run from the most specific pattern to the most generic one, and never look inside a
// placeholder already written, so running redact() twice gives the same text.
//
// Kept on purpose: product model numbers ("iPhone 13", "USB 3.0", "B07JW9H4J1"), prices, dates,
// times, quantities, and the store's public website when it is not a personal link.

export const PII_TYPES = [
  'EMAIL',
  'PHONE',
  'ORDER_NUMBER',
  'INVOICE_NUMBER',
  'TRACKING_NUMBER',
  'CARD_NUMBER',
  'ACCOUNT_NUMBER',
  'ADDRESS',
  'POSTCODE',
  'NAME',
  'USERNAME',
  'URL',
  'NUMBER',
  // The store's own contact data, found through the transcript's known fills or role addresses;
  // filled from the current store settings at reply time.
  'SUPPORT_EMAIL',
  'SUPPORT_PHONE',
  'WEBSITE',
] as const;
export type PiiType = (typeof PII_TYPES)[number];

export interface Redaction {
  type: PiiType;
  value: string;
}

export interface KnownValue {
  value: string;
  type: PiiType;
}

export interface RedactOptions {
  /** Exact values known to be personal (or store contact) data, e.g. a transcript's filled slots. */
  known?: readonly KnownValue[];
  /** Names known for this conversation (customer, agent): replaced wherever they appear as words. */
  names?: readonly string[];
}

export interface RedactResult {
  text: string;
  found: Redaction[];
}

export const placeholder = (type: PiiType): string => `{{${type}}}`;

/** Matches one of our typed placeholders. */
export const PLACEHOLDER_RE = /\{\{([A-Z_]+)\}\}/g;

/** Luhn checksum over the digits of `s` (spaces and dashes ignored). */
export function luhnValid(s: string): boolean {
  const digits = s.replace(/[\s-]/g, '');
  if (!/^\d+$/.test(digits) || digits.length < 12) return false;
  let sum = 0;
  let double = false;
  for (let i = digits.length - 1; i >= 0; i--) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    double = !double;
  }
  return sum % 10 === 0;
}

const digitCount = (s: string): number => (s.match(/\d/g) ?? []).length;
const escapeRe = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

type Replacer = (match: string, ...groups: string[]) => string | null;

/**
 * Applies `re` to the parts of `text` outside existing {{PLACEHOLDER}}s. The replacer returns the
 * replacement, or null to keep the match.
 */
function replaceOutside(text: string, re: RegExp, fn: Replacer): string {
  const parts = text.split(/(\{\{[A-Z_]+\}\})/);
  for (let i = 0; i < parts.length; i += 2) {
    parts[i] = parts[i]!.replace(re, (m: string, ...rest: unknown[]) => {
      const groups = rest.filter((g) => typeof g === 'string' || g === undefined).slice(0, -1) as string[];
      const out = fn(m, ...groups);
      return out === null ? m : out;
    });
  }
  return parts.join('');
}

// --- e-mail -----------------------------------------------------------------------------------

const EMAIL_RE = /(?<![\w.+-])[A-Za-z0-9!#$%&'*+/=?^_`~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`~-]+)*@(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?\.)+[A-Za-z]{2,24}\b/g;
/** Role mailboxes belong to a business, not a person. */
const ROLE_MAILBOX = /^(?:support|help|helpdesk|care|customercare|customer[._-]?care|customerservice|customer[._-]?service|customer[._-]?support|service|services|info|contact|orders?|sales|no-?reply|feedback|complaints?|returns|billing|hello|team|shop|store)$/i;

// --- URLs -------------------------------------------------------------------------------------

const URL_RE = /\b(?:https?:\/\/|www\.)[^\s<>"'`{}|\\^]+/gi;
/** Path or query words that make a link point at one person's data. */
const PERSONAL_URL_WORDS = /(?:order|track|account|user|profile|invoice|reset|verify|token|unsubscribe|session|auth|login|customer|receipt|confirm)/i;

function isPersonalUrl(url: string): boolean {
  let rest = url.replace(/^https?:\/\//i, '');
  const slash = rest.search(/[/?#]/);
  const host = slash < 0 ? rest : rest.slice(0, slash);
  if (host.includes('@')) return true; // user info
  rest = slash < 0 ? '' : rest.slice(slash);
  if (rest.includes('?') && /[?&][^=&]+=[^&]+/.test(rest)) return true;
  if (/\d{4,}/.test(rest)) return true;
  if (rest.split(/[/?#&=]/).some((seg) => seg.length >= 16 && /\d/.test(seg) && /[a-z]/i.test(seg))) return true;
  return PERSONAL_URL_WORDS.test(rest) && /[/=][^/=]*\d/.test(rest);
}

// --- identifiers named by a keyword: "order 12345", "Order ID: 3348917502", "account no. 42-1234" --

const ID_KEYWORDS: Record<string, PiiType> = {
  order: 'ORDER_NUMBER',
  purchase: 'ORDER_NUMBER',
  transaction: 'ORDER_NUMBER',
  booking: 'ORDER_NUMBER',
  invoice: 'INVOICE_NUMBER',
  bill: 'INVOICE_NUMBER',
  receipt: 'INVOICE_NUMBER',
  tracking: 'TRACKING_NUMBER',
  shipment: 'TRACKING_NUMBER',
  parcel: 'TRACKING_NUMBER',
  account: 'ACCOUNT_NUMBER',
  acct: 'ACCOUNT_NUMBER',
  'a/c': 'ACCOUNT_NUMBER',
  iban: 'ACCOUNT_NUMBER',
  membership: 'ACCOUNT_NUMBER',
  member: 'ACCOUNT_NUMBER',
  customer: 'ACCOUNT_NUMBER',
  card: 'CARD_NUMBER',
};

const KEYWORD_ID_RE =
  /\b(order|purchase|transaction|booking|invoice|bill|receipt|tracking|shipment|parcel|account|acct|a\/c|iban|membership|member|customer|card)((?:\s+(?:(?:with|labell?ed(?:\s+with)?|associated\s+with|having)(?:\s+the)?(?:\s+(?:order|purchase|invoice|bill|tracking|account))?\s+)?(?:number|no\.?|num|nr\.?|id|code|ref(?:erence)?|#))?)((?:\s+(?:is|was|of|ending\s+(?:in|with)))?\s*[:#]?\s*#?\s*)((?:[A-Za-z]{1,5}-)*[A-Za-z0-9]*\d[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|\d{2,}(?:[ -]\d{2,})+)(?![\w-])/gi;

function keywordId(m: string, keyword: string, qualifier: string, joiner: string, token: string): string | null {
  const type = ID_KEYWORDS[keyword.toLowerCase()];
  if (!type) return null;
  const digits = digitCount(token);
  const qualified = qualifier.trim() !== '' || /[:#]/.test(joiner) || /ending/i.test(joiner);
  if (type === 'CARD_NUMBER') {
    // "card ending in 4242" is enough to identify a card; a full card number goes to the Luhn pass.
    if (!/ending/i.test(joiner) && digits < 12) return null;
  } else if (qualified) {
    if (digits < 3) return null;
  } else {
    // "order 12345", "purchase ORD-DF-003911"; not "order B07JW9H4J1" (a product the customer wants to order).
    const plainDigits = /^\d{4,}$/.test(token.replace(/[ -]/g, ''));
    const prefixed = /^[A-Za-z]{2,5}(?:-[A-Za-z]{1,5})*-\d{3,}(?:-\d{2,})*$/.test(token);
    if (!plainDigits && !prefixed) return null;
  }
  return `${keyword}${qualifier}${joiner}${placeholder(type)}`;
}

// --- stand-alone identifiers ------------------------------------------------------------------

const PREFIXED_ID_RE = /(?<![\w-])(ORD|ORDER|PO|SO|INV|BILL|TRK|AWB|ACC|ACCT)[-_#]?(?:[A-Z]{1,5}[-_])?\d{3,}(?:[-_]\d{2,})*(?![\w-])/gi;
const PREFIX_TYPE: Record<string, PiiType> = {
  ord: 'ORDER_NUMBER',
  order: 'ORDER_NUMBER',
  po: 'ORDER_NUMBER',
  so: 'ORDER_NUMBER',
  inv: 'INVOICE_NUMBER',
  bill: 'INVOICE_NUMBER',
  trk: 'TRACKING_NUMBER',
  awb: 'TRACKING_NUMBER',
  acc: 'ACCOUNT_NUMBER',
  acct: 'ACCOUNT_NUMBER',
};
const HASH_ID_RE = /(?<![\w&#])#\s?\d{4,}(?![\w-])/g;
const IBAN_RE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const CARD_RE = /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g;

// --- phones -------------------------------------------------------------------------------------

// +44 20 7946 0958, +91-98765-43210, 0049 30 1234567, +1 (555) 123-4567
const INTL_PHONE_RE = /(?<![\w+])(?:\+|00)\d{1,3}(?:[\s.-]?\(\d{1,4}\))?(?:[\s.-]?\d{1,5}){1,5}(?![\w-])/g;
// (555) 123-4567, 555-123-4567, 1-800-555-0199, 1800-856-0902, 98765 43210, 020 7946 0958
const NATIONAL_PHONE_RE = /(?<![\w.,/:-])(?:1[\s.-])?(?:\(\d{2,5}\)\s?|\d{2,5}[\s.-])\d{3,5}(?:[\s.-]\d{3,5})?(?![\w/:-]|[.,]\d)/g;
const CONTEXT_PHONE_RE = /\b(phone|mobile|cell|tel|telephone|whatsapp|call me|text me|reach me|contact me)((?:\s+(?:number|no\.?|on|at|is))*\s*[:#]?\s*)(\+?\d[\d\s().-]{6,}\d)(?![\w-])/gi;
const TOLL_FREE = /^(?:\+?1[\s.-]?)?\(?8(?:00|33|44|55|66|77|88)\)?|^1[\s.-]?8(?:00|33|44|55|66|77|88)|^0?800\b|^1800|^\+?44\s?800|^\+?91\s?1800/;

function phoneType(value: string): PiiType {
  return TOLL_FREE.test(value.trim()) ? 'SUPPORT_PHONE' : 'PHONE';
}

// --- addresses ----------------------------------------------------------------------------------

const STREET_TYPES =
  'Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Court|Ct|Place|Pl|Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Row|Mews|Gardens|Grove|Hill|Walk|Marg|Nagar|Strasse|Straße|Str|Gasse|Weg|Platz|Laan|Straat|Gracht|Rue|Via|Viale|Calle|Avenida|Rua';
const ADDRESS_RE = new RegExp(
  `(?<![\\w-])\\d{1,5}[A-Za-z]?(?:[-/]\\d{1,4}[A-Za-z]?)?,?\\s+(?:(?:[A-Z][\\p{L}'’.-]*|of|the|de|la|del)\\s+){0,4}(?:${STREET_TYPES})\\b` +
    // optional ", City" and a postcode-looking tail
    `(?:,\\s*[A-Z][\\p{Ll}'’-]+(?:\\s[A-Z][\\p{Ll}'’-]+){0,2})?`,
  'gu',
);
// Street name first, number after (continental Europe): "Hauptstraße 5", "Via Roma 12"
const ADDRESS_NUMBER_AFTER_RE = /\b(?:[A-Z][\p{L}'’-]*(?:strasse|straße|str\.|gasse|weg|platz|laan|straat|gracht)|(?:Via|Viale|Calle|Rue|Avenida|Rua)\s+[A-Z][\p{L}'’-]+(?:\s[A-Z][\p{L}'’-]+)?)\s+\d{1,5}[a-zA-Z]?\b/gu;
const UK_POSTCODE_RE = /\b[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}\b/g;
const CONTEXT_POSTCODE_RE = /\b(zip code|zip|postcode|postal code|pin code|pincode|pin)(\s*(?:is|:)?\s*)([A-Z0-9][A-Z0-9 -]{2,8}[A-Z0-9])\b/gi;

// --- names ----------------------------------------------------------------------------------------

/** Capitalized words that follow "Hi", "I'm", "Dear" without being names. */
const NOT_NAMES = new Set(
  (
    'a an the there all everyone team guys folks friend friends sir madam maam ma\'am customer customers support agent ' +
    'again so very really just not no yes ok okay good great fine happy sorry glad here back new looking trying having ' +
    'interested unable able afraid sure still also writing calling contacting reaching wondering going getting worried ' +
    'frustrated disappointed upset confused concerned annoyed angry excited thankful grateful curious waiting morning ' +
    'afternoon evening day night thanks thank please hello hi hey dear i me my we our you your it this that what when where ' +
    'how why who which can could would should will may might do does did is are was were be been am have has had order ' +
    'orders account refund delivery shipping payment invoice help'
  ).split(/\s+/),
);
const NAME_WORD = "[A-Z][a-zà-ÿ'’-]+";
// Case-insensitive lead-in, case-sensitive name (no inline regex modifiers on Node 20).
const INTRO_NAME_RE = new RegExp(
  `\\b([Mm]y [Nn]ame is|[Mm]y [Nn]ame's|[Nn]ame is|[Tt]his is|I am|I'm|I’m|[Cc]all me|[Ss]igned|[Rr]egards,?|[Cc]heers,?)(\\s+)(${NAME_WORD}(?:\\s+${NAME_WORD}){0,2})`,
  'g',
);
const GREETING_NAME_RE = new RegExp(`\\b(Dear|Hi|Hello|Hey|Thanks|Thank you|Welcome|Good (?:morning|afternoon|evening))(,?\\s+)(${NAME_WORD}(?:\\s+${NAME_WORD})?)(?=\\s*[,!.:;?]|\\s*$)`, 'g');
const TITLE_NAME_RE = new RegExp(`\\b(Mr|Mrs|Ms|Miss|Mx|Dr|Prof)(\\.?\\s+)(${NAME_WORD}(?:\\s+${NAME_WORD})?)`, 'g');
const USERNAME_RE = /\b(user ?name|user ?id|login|handle)(\s*(?:is|:)\s*|\s+)([A-Za-z0-9._-]*\d[A-Za-z0-9._-]*|[A-Za-z0-9._-]{3,}(?=\s*$))/gi;
const HANDLE_RE = /(?<![\w.@])@[A-Za-z0-9_]{2,30}\b/g;

function nameWords(m: string): boolean {
  const words = m.split(/\s+/);
  return words.every((w) => !NOT_NAMES.has(w.toLowerCase().replace(/[’']s$/, '')));
}

// --- generic long numbers -----------------------------------------------------------------------

const LONG_NUMBER_RE = /(?<![\w.,$€£₹¥-])\d{7,}(?![\w-]|[.,]\d)/g;

/** Maps Bitext-style template slots ({{Order Number}}) still present in a text to our types. */
function templateSlotType(name: string): PiiType | null {
  const n = name.trim().toLowerCase();
  if (/^[A-Z_]+$/.test(name.trim())) return null;
  if (/(order|purchase) (number|id)/.test(n)) return 'ORDER_NUMBER';
  if (/(bill|invoice) number/.test(n)) return 'INVOICE_NUMBER';
  if (/tracking number/.test(n)) return 'TRACKING_NUMBER';
  if (/account number/.test(n)) return 'ACCOUNT_NUMBER';
  if (/(support|service|assistance|complaint|feedback).*(email|e-mail)/.test(n)) return 'SUPPORT_EMAIL';
  if (/(support|service|assistance|complaint).*phone/.test(n)) return 'SUPPORT_PHONE';
  if (/e-?mail/.test(n)) return 'EMAIL';
  if (/phone/.test(n)) return 'PHONE';
  if (/^(website( url| name)?|company website|service website|website\/app name|website or app)( anonymized)?$/.test(n)) return 'WEBSITE';
  if (/name field|customer name|^name$/.test(n)) return 'NAME';
  if (/address/.test(n)) return 'ADDRESS';
  return null;
}

/**
 * Replaces personal data in `text` with typed placeholders and lists what it replaced. Never
 * throws: any string goes in (including HTML, SQL-looking text or emoji), a string comes out.
 */
export function redact(input: string, opts: RedactOptions = {}): RedactResult {
  const found: Redaction[] = [];
  let text = typeof input === 'string' ? input.normalize('NFC') : '';
  const put = (type: PiiType, value: string): string => {
    found.push({ type, value });
    return placeholder(type);
  };

  // Template slots left unfilled: our own types stay; named slots become typed ones or plain labels.
  text = text.replace(/\{\{\s*([^{}]{1,80}?)\s*\}\}/g, (m, name: string) => {
    if ((PII_TYPES as readonly string[]).includes(name)) return `{{${name}}}`;
    const type = templateSlotType(name);
    return type ? placeholder(type) : name;
  });
  // Stray braces must not be able to forge a placeholder later.
  text = text.replace(/\{\{(?![A-Z_]+\}\})/g, '{').replace(/(?<!\{\{[A-Z_]+)\}\}/g, '}');

  // 1. Values known for this conversation, longest first (a phone inside a longer string, etc.).
  const known = [...(opts.known ?? [])].filter((k) => k.value.trim().length >= 3).sort((a, b) => b.value.length - a.value.length);
  for (const k of known) {
    const v = k.value.trim();
    const re = new RegExp(`(?<![\\w])${escapeRe(v)}(?![\\w])`, 'gi');
    text = replaceOutside(text, re, (m) => put(k.type, m));
  }
  for (const name of opts.names ?? []) {
    const parts = name.trim().split(/\s+/).filter((p) => p.length >= 2);
    if (parts.length === 0) continue;
    const full = new RegExp(`(?<![\\p{L}\\d])${parts.map(escapeRe).join('\\s+')}(?![\\p{L}\\d])`, 'giu');
    text = replaceOutside(text, full, (m) => put('NAME', m));
    for (const p of parts) {
      if (p.length < 3 || NOT_NAMES.has(p.toLowerCase())) continue;
      const one = new RegExp(`(?<![\\p{L}\\d])${escapeRe(p)}(?![\\p{L}\\d])`, 'gu'); // case-sensitive: "Rose" the name, not "rose"
      text = replaceOutside(text, one, (m) => put('NAME', m));
    }
  }

  // 2. E-mail addresses (before URLs: "mailto:" and user info), then links.
  text = replaceOutside(text, EMAIL_RE, (m) => put(ROLE_MAILBOX.test(m.slice(0, m.indexOf('@'))) ? 'SUPPORT_EMAIL' : 'EMAIL', m));
  text = replaceOutside(text, URL_RE, (m) => {
    const trail = /[.,;:!?)\]]+$/.exec(m)?.[0] ?? '';
    const url = trail ? m.slice(0, -trail.length) : m;
    return isPersonalUrl(url) ? put('URL', url) + trail : null;
  });

  // 3. Identifiers: named by a keyword, prefixed, "#12345", IBANs, then card numbers by Luhn.
  text = replaceOutside(text, KEYWORD_ID_RE, (m, keyword = '', qualifier = '', joiner = '', token = '') => {
    const out = keywordId(m, keyword, qualifier, joiner, token);
    if (out === null) return null;
    found.push({ type: ID_KEYWORDS[keyword.toLowerCase()]!, value: token });
    return out;
  });
  text = replaceOutside(text, PREFIXED_ID_RE, (m, prefix = '') => put(PREFIX_TYPE[prefix.toLowerCase()] ?? 'ORDER_NUMBER', m));
  text = replaceOutside(text, HASH_ID_RE, (m) => put('ORDER_NUMBER', m));
  text = replaceOutside(text, IBAN_RE, (m) => (digitCount(m) >= 10 ? put('ACCOUNT_NUMBER', m) : null));
  text = replaceOutside(text, CARD_RE, (m) => (luhnValid(m) ? put('CARD_NUMBER', m) : null));
  // A 16-digit run in groups of four that fails Luhn is a mistyped card or some other account id.
  text = replaceOutside(text, CARD_RE, (m) => (/^\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}$/.test(m) ? put('NUMBER', m) : null));

  // 4. Phone numbers.
  text = replaceOutside(text, CONTEXT_PHONE_RE, (m, kw = '', joiner = '', num = '') => {
    const d = digitCount(num);
    if (d < 7 || d > 15) return null;
    found.push({ type: phoneType(num), value: num });
    return `${kw}${joiner}${placeholder(phoneType(num))}`;
  });
  text = replaceOutside(text, INTL_PHONE_RE, (m) => {
    // "00" is an international prefix only when followed by a country code and grouped digits
    // ("0049 30 1234567"); "00123842" is a zero-padded identifier.
    if (m.startsWith('00') && (m[2] === '0' || !/[\s.()-]/.test(m))) return null;
    const d = digitCount(m);
    return d >= 8 && d <= 15 ? put(phoneType(m), m) : null;
  });
  text = replaceOutside(text, NATIONAL_PHONE_RE, (m) => {
    const d = digitCount(m);
    return d >= 9 && d <= 13 ? put(phoneType(m), m) : null;
  });

  // 5. Addresses and postcodes.
  text = replaceOutside(text, ADDRESS_RE, (m) => put('ADDRESS', m));
  text = replaceOutside(text, ADDRESS_NUMBER_AFTER_RE, (m) => put('ADDRESS', m));
  text = replaceOutside(text, CONTEXT_POSTCODE_RE, (m, kw = '', joiner = '', code = '') => {
    if (!/\d/.test(code)) return null;
    found.push({ type: 'POSTCODE', value: code });
    return `${kw}${joiner}${placeholder('POSTCODE')}`;
  });
  text = replaceOutside(text, UK_POSTCODE_RE, (m) => put('POSTCODE', m));

  // 6. Names and user names where the wording gives them away.
  text = replaceOutside(text, USERNAME_RE, (m, kw = '', joiner = '', user = '') => {
    found.push({ type: 'USERNAME', value: user });
    return `${kw}${joiner}${placeholder('USERNAME')}`;
  });
  text = replaceOutside(text, HANDLE_RE, (m) => put('USERNAME', m));
  text = replaceOutside(text, TITLE_NAME_RE, (m, title = '', sep = '', name = '') => {
    found.push({ type: 'NAME', value: name });
    return `${title}${sep}${placeholder('NAME')}`;
  });
  text = replaceOutside(text, INTRO_NAME_RE, (m, intro = '', sep = '', name = '') => {
    // "I'm" and "this is" are followed by many non-names ("I'm Looking"): require every word to pass.
    if (!/^[A-Z]/.test(name) || !nameWords(name)) return null;
    found.push({ type: 'NAME', value: name });
    return `${intro}${sep}${placeholder('NAME')}`;
  });
  text = replaceOutside(text, GREETING_NAME_RE, (m, greet = '', sep = '', name = '') => {
    if (!nameWords(name)) return null;
    found.push({ type: 'NAME', value: name });
    return `${greet}${sep}${placeholder('NAME')}`;
  });

  // 7. Whatever long number is left is some identifier of someone.
  text = replaceOutside(text, LONG_NUMBER_RE, (m) => put('NUMBER', m));

  return { text, found };
}

/** redact() when only the text is needed. */
export function redactText(text: string, opts: RedactOptions = {}): string {
  return redact(text, opts).text;
}

/**
 * Known values of a transcript's `filled` slots (Bitext: placeholder name -> fake value written
 * into the text), typed from the slot name. Slots that are not personal (hours, durations, UI
 * labels) are left out.
 */
export function knownFromFilled(filled: Record<string, unknown> | null | undefined): KnownValue[] {
  if (!filled) return [];
  const out: KnownValue[] = [];
  for (const [key, raw] of Object.entries(filled)) {
    if (typeof raw !== 'string' || raw.trim() === '') continue;
    const n = key.toLowerCase();
    let type: PiiType | null = null;
    if (/(order|purchase) (number|id)/.test(n)) type = 'ORDER_NUMBER';
    else if (/(bill|invoice) number/.test(n)) type = 'INVOICE_NUMBER';
    else if (/tracking/.test(n)) type = 'TRACKING_NUMBER';
    else if (/email or phone/.test(n)) type = raw.includes('@') ? 'SUPPORT_EMAIL' : 'SUPPORT_PHONE';
    else if (/(support|service|assistance|complaint|feedback).*(email|e-mail)/.test(n)) type = 'SUPPORT_EMAIL';
    else if (/(support|service|assistance|complaint).*phone/.test(n) || n === 'phone' || n === 'phone number') type = 'SUPPORT_PHONE';
    else if (/e-?mail/.test(n)) type = 'SUPPORT_EMAIL';
    else if (/website|company website|service website|website\/app|website or app/.test(n)) type = 'WEBSITE';
    else if (/name field/.test(n)) type = 'NAME';
    else if (/account number/.test(n)) type = 'ACCOUNT_NUMBER';
    if (type) out.push({ value: raw.trim(), type });
  }
  return out;
}
