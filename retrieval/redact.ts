// Personal-data redaction for support texts, before anything is embedded, indexed, stored or shown
// to another customer. Pure functions: text in, text with typed placeholders out ({{EMAIL}},
// {{UPI_ID}}, {{ORDER_NUMBER}}, ...), plus where each replaced value was in the input.
//
// Passes run from the most specific pattern to the most generic one. Each pass sees only the text
// outside the values already claimed (and outside placeholders already in the input), so running
// redact() twice gives the same text, and a later, looser pass never splits an earlier value.
//
// Kept on purpose: product model numbers ("iPhone 13", "Redmi Note 13", "USB 3.0", "B07JW9H4J1"),
// prices ("₹1,499", "1500 rupees"), dates and times that are not a birth date or a card expiry,
// quantities, coupon codes, brands that are also first names ("Peter England", "Usha fan"), and the
// store's public website when it is not a personal link.
//
// Covered: e-mails, phones (international, Indian mobiles and landlines), order / invoice /
// tracking / ticket numbers, card numbers (Luhn; last four digits when named as the card's ending),
// card expiry dates, CVVs, UPI ids, IFSC codes, IBANs and bank account numbers, PAN / Aadhaar /
// GSTIN, one-time codes, passwords and PINs, dates of birth, postcodes and Indian pincodes, street
// addresses (Indian style too: "Flat 402, Sunshine Apartments, 5th Cross, Indiranagar"), personal
// links, user names, and person names: those passed in `names`, and names found by the wording
// ("Hi Priya,", "- Neha from support", "this is Arjun", "Mr. Sharma", "Shalini ji") or by a list of
// common first names (retrieval/redact-names.ts). Measured by `npm run --silent eval -- redaction`
// on fixtures/redaction (see retrieval/README.md).

import { AMBIGUOUS_FIRST_NAMES, FIRST_NAMES, SURNAMES } from './redact-names.js';

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
  // Payment and identity secrets: never filled back, not even for their owner.
  'CARD_EXPIRY',
  'CVV',
  'UPI_ID',
  'IFSC',
  'OTP',
  'PASSWORD',
  'DATE_OF_BIRTH',
  /** PAN, Aadhaar, GSTIN, passport, voter id, driving licence. */
  'GOV_ID',
] as const;
export type PiiType = (typeof PII_TYPES)[number];

export interface Redaction {
  type: PiiType;
  /** The replaced text (NFC-normalized). */
  value: string;
  /** Offsets of the replaced text in the input string (UTF-16 code units, end exclusive). */
  start: number;
  end: number;
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
  /** What was replaced, in the order of the input. */
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
const words = (s: string): string[] => s.split(/\s+/).filter(Boolean);
const isPiiType = (s: string): s is PiiType => (PII_TYPES as readonly string[]).includes(s);

// --- the text being redacted ---------------------------------------------------------------------

/** A value found: offsets into the working text. `pre`: a placeholder that was already there. */
interface Claim {
  start: number;
  end: number;
  type: PiiType;
  pre: boolean;
}

/** A hit of one pass, offsets relative to the stretch of free text the pass was given. */
interface Hit {
  start: number;
  end: number;
  type: PiiType;
}

/** Where a stretch of free text sits: the claims just before and after it. */
interface Stretch {
  offset: number;
  before: Claim | null;
  after: Claim | null;
  /** The whole working text (for looking further back than the stretch). */
  full: string;
}

type MatchFn = (m: RegExpExecArray, g: string, at: Stretch) => Hit | Hit[] | null | undefined;

const withIndices = new Map<RegExp, RegExp>();
/** The same regex with the `d` flag (match indices), cached. */
function indexed(re: RegExp): RegExp {
  let out = withIndices.get(re);
  if (!out) {
    out = new RegExp(re.source, re.flags.includes('d') ? re.flags : re.flags + 'd');
    withIndices.set(re, out);
  }
  return out;
}

/** The whole match as a hit. */
const whole = (m: RegExpExecArray, type: PiiType): Hit => ({ start: m.index, end: m.index + m[0].length, type });
/** Capture group `i` as a hit (null when it did not take part). */
function group(m: RegExpExecArray, i: number, type: PiiType): Hit | null {
  const span = m.indices?.[i];
  return span && span[1] > span[0] ? { start: span[0], end: span[1], type } : null;
}

class Work {
  claims: Claim[] = [];
  constructor(readonly s: string) {}

  /** Runs `fn` on each stretch of text outside the claims; what it returns becomes claims. */
  scan(fn: (g: string, at: Stretch) => Hit[]): void {
    const added: Claim[] = [];
    const claims = this.claims;
    let pos = 0;
    for (let i = 0; i <= claims.length; i++) {
      const end = i < claims.length ? claims[i]!.start : this.s.length;
      if (end > pos) {
        const g = this.s.slice(pos, end);
        const hits = fn(g, { offset: pos, before: i > 0 ? claims[i - 1]! : null, after: i < claims.length ? claims[i]! : null, full: this.s });
        hits.sort((a, b) => a.start - b.start);
        let last = 0;
        for (const h of hits) {
          // Trim white space; drop empty and overlapping hits (a pass's own hits never overlap by
          // construction, this is a guard).
          let a = Math.max(h.start, 0);
          let b = Math.min(h.end, g.length);
          while (a < b && /\s/.test(g[a]!)) a++;
          while (b > a && /\s/.test(g[b - 1]!)) b--;
          if (b <= a || a < last) continue;
          added.push({ start: pos + a, end: pos + b, type: h.type, pre: false });
          last = b;
        }
      }
      if (i < claims.length) pos = claims[i]!.end;
    }
    if (added.length > 0) {
      this.claims = [...claims, ...added].sort((a, b) => a.start - b.start);
    }
  }

  /** Runs a global regex on each stretch of free text; `fn` turns a match into hits. */
  pass(re: RegExp, fn: MatchFn): void {
    const rx = indexed(re);
    this.scan((g, at) => {
      const hits: Hit[] = [];
      rx.lastIndex = 0;
      for (let m = rx.exec(g); m !== null; m = rx.exec(g)) {
        if (m[0].length === 0) {
          rx.lastIndex++;
          continue;
        }
        const out = fn(m, g, at);
        if (!out) continue;
        for (const h of Array.isArray(out) ? out : [out]) if (h) hits.push(h);
      }
      return hits;
    });
  }
}

// --- input normalization with an offset map --------------------------------------------------------

/** Working text and, per working-text character, the input range it came from (null: identity). */
interface Mapped {
  s: string;
  from: number[] | null;
  to: number[] | null;
}

/** NFC, cluster by cluster, so each working character still points into the input. */
function normalizeMapped(input: string): Mapped {
  const nfc = input.normalize('NFC');
  if (nfc === input) return { s: input, from: null, to: null };
  let s = '';
  const from: number[] = [];
  const to: number[] = [];
  for (const m of input.matchAll(/\P{M}\p{M}*|\p{M}+/gsu)) {
    const start = m.index;
    const end = start + m[0].length;
    const n = m[0].normalize('NFC');
    for (let k = 0; k < n.length; k++) {
      from.push(n.length === m[0].length ? start + k : start);
      to.push(n.length === m[0].length ? start + k + 1 : end);
    }
    s += n;
  }
  return { s, from, to };
}

/** Regex replacement that keeps the offset map (replaced text maps to the whole match). */
function replaceMapped(src: Mapped, re: RegExp, fn: (m: RegExpExecArray) => string): Mapped {
  re.lastIndex = 0;
  let out = '';
  const from: number[] = [];
  const to: number[] = [];
  let pos = 0;
  let changed = false;
  const f = (i: number) => (src.from ? src.from[i]! : i);
  const t = (i: number) => (src.to ? src.to[i]! : i + 1);
  for (let m = re.exec(src.s); m !== null; m = re.exec(src.s)) {
    if (m[0].length === 0) {
      re.lastIndex++;
      continue;
    }
    const rep = fn(m);
    if (rep === m[0]) continue;
    changed = true;
    for (let i = pos; i < m.index; i++) {
      from.push(f(i));
      to.push(t(i));
    }
    out += src.s.slice(pos, m.index);
    const a = f(m.index);
    const b = t(m.index + m[0].length - 1);
    for (let k = 0; k < rep.length; k++) {
      from.push(a);
      to.push(b);
    }
    out += rep;
    pos = m.index + m[0].length;
  }
  if (!changed) return src;
  for (let i = pos; i < src.s.length; i++) {
    from.push(f(i));
    to.push(t(i));
  }
  out += src.s.slice(pos);
  return { s: out, from, to };
}

// --- e-mail, UPI ------------------------------------------------------------------------------------

// The local part starts with a letter or digit and is at most 64 characters, so a long run of
// symbols cannot make the match quadratic.
const EMAIL_RE = /(?<![\w.+-])[A-Za-z0-9](?:[A-Za-z0-9!#$%&'*+/=?^_`~-]|\.(?!\.)){0,63}@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.){1,8}[A-Za-z]{2,24}\b/g;
/** Role mailboxes belong to a business, not a person. */
const ROLE_MAILBOX = /^(?:support|help|helpdesk|care|customercare|customer[._-]?care|customerservice|customer[._-]?service|customer[._-]?support|service|services|info|contact|orders?|sales|no-?reply|feedback|complaints?|returns|billing|hello|team|shop|store)$/i;
/** "priya dot sharma at gmail dot com" */
const SPELLED_EMAIL_RE = /(?<![\w.-])[A-Za-z0-9][A-Za-z0-9._-]{0,63}(?:\s{1,6}dot\s{1,6}[A-Za-z0-9_-]+)*\s{1,6}(?:at|\[at\]|\(at\))\s{1,6}[A-Za-z0-9-]+(?:\s{1,6}dot\s{1,6}(?:com|in|co|org|net|edu|gov|ac|info|biz|io))+\b/gi;
/** A UPI id: "arjun.k@oksbi", "98xxxxxx21@paytm", "name@okhdfcbank" — an address without a dot after the "@". */
const UPI_RE = /(?<![\w.@+-])[A-Za-z0-9][A-Za-z0-9._-]{1,63}@[A-Za-z][A-Za-z0-9]{1,31}(?![\w@-]|\.[A-Za-z0-9])/g;
/** UPI handles of the payment apps and banks. */
const UPI_HANDLE = /^(?:ok(?:sbi|axis|hdfcbank|icici|bizaxis|bizicici|bizsbi|bizhdfcbank)|ybl|ibl|axl|paytm|pty(?:es)?|pt(?:yes|axis|hdfc|sbi)|upi|apl|yapl|rapl|abfspay|axisbank|axisb|icici|sbi|hdfc|hdfcbank|kotak|kmbl|yesbank|yesbankltd|yes|idfcbank|idfcfirst|idfc|indus|federal|fbl|rbl|aubank|pnb|boi|barodampay|cnrb|unionbank|uboi|ubi|centralbank|cbin|iob|indianbank|idbi|citi|hsbc|sc|dbs|jio|jiopay|airtel|freecharge|mobikwik|ikwik|wa(?:axis|hdfcbank|icici|sbi)|naviaxis|amazonpay|timecosmos|slice|superyes|postbank|kbl|kvb|tjsb|equitas|jupiteraxis|fam|waaxis)$/i;
/** Mail providers written without their domain ("priya@gmail"): an e-mail, not a UPI id. */
const MAIL_PROVIDER = /^(?:gmail|googlemail|yahoo|ymail|hotmail|outlook|live|msn|rediffmail|rediff|icloud|me|aol|protonmail|proton|zoho)$/i;

// --- URLs -------------------------------------------------------------------------------------------

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

// --- secrets named by a keyword: OTPs, passwords, CVVs, card expiry, birth dates ----------------------

const MONTHS = 'jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sep(?:t(?:ember)?)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?';

// "your OTP is 482913", "OTP-776120", "use code 4821 to verify", "your OTP for cash on delivery is 6620"
const OTP_RE = new RegExp(
  String.raw`(?<![\w-])(otp|one[\s-]?time[\s-]?(?:password|passcode|pass|pin|code)|verification\s{1,6}code|verify\s{1,6}code|confirmation\s{1,6}code|login\s{1,6}code|sign[\s-]?in\s{1,6}code|auth(?:entication)?\s{1,6}code|security\s{1,6}pin|passcode|code)` +
    String.raw`((?:\s{0,6}[:=#-]\s{0,6}|\s{1,6})(?:[a-z]+\s{1,6}){0,6}?)(\d{4,8}|\d{3}[\s-]\d{3})(?![\w-]|[.,]\d)`,
  'gi',
);
/** Words before "code" that make it something else: a pincode, a coupon, a product code. */
const NOT_OTP_CODE = /(?:pin|zip|postal|post|area|std|isd|promo|coupon|discount|voucher|referral|gift|hsn|sac|ifsc|swift|branch|bank|country|dial|product|item|style|colou?r|qr|bar|source|error|status|reason|sku|model|offer|tracking)\s{0,6}$/i;
/** A bare "code" is a one-time code after these words ("use code 4821", "i got code 5590"), not in "stock code 10002". */
const OTP_CODE_BEFORE = /(?:^|\b(?:use|enter|type|got|get|getting|received|receive|sent|send|share|shared|the|your|ur|my|this|that|a|new|verification|correct|wrong|same|digit|otp|sms))\s{0,6}$/i;
// "482913 is your OTP", "318402 is your BazaarBox verification code"
const OTP_BEFORE_RE = /(?<![\w-])(\d{4,8})\s{1,6}is\s{1,6}(?:your|the|ur|my)\s{1,6}(?:[A-Za-z]+\s{1,6}){0,2}?(?:otp|one[\s-]?time\s{1,6}(?:password|code|pin)|verification\s{1,6}code|security\s{1,6}code|login\s{1,6}code|code|pin)\b/gi;
// "Enter 248091 to verify", "use 5512 to log in"
const OTP_ENTER_RE = /\b(?:enter|use|type|key\s{1,6}in|input|share)\s{1,6}(\d{4,8})\s{1,6}(?:to|for|as)\s{1,6}(?:verify|confirm|log|login|sign|complete|proceed|continue|activate|validate|reset|authenticate|authori[sz]e|finish|your|the)\b/gi;

// "temporary password: Xk9#pL2q", "my password is rahul1234", "upi pin 4471"
const PASSWORD_RE = new RegExp(
  String.raw`(?<![\w-])((?:(?:new|temporary|temp|login|default|current|old|account|initial|wifi|wi-fi)\s{1,6})?(?:pa?s{1,2}w(?:o?r)?d|pwd|pass\s?word|pass\s?code|pass(?=\s{0,6}[:=]))|(?:upi|atm|debit\s{1,6}card|credit\s{1,6}card|card|m|transaction)[\s-]?pin)` +
    String.raw`((?:\s{0,6}(?:[:=]|-(?=\s)|\b(?:is|was|as|set\s{1,6}to|reset\s{1,6}to|changed\s{1,6}to|now|would\s{1,6}be|will\s{1,6}be|hai)\b))*\s{0,6})(?<=[\s:="'“‘])(["'“‘]?)([^\s"'“”‘’(),-][^\s"'“”‘’(),]{2,39})`,
  'gi',
);
const NOT_PASSWORD = new Set(
  words(
    'reset link is isn\'t was not and the a an of in on at to for from with please pls plz field option page working work changed change ' +
      'updated update mail email e-mail sms again has have had will can cannot can\'t doesnt doesn\'t isnt wasnt does do did you your my ' +
      'our it this that which must should be been being required same manager protected strength length policy rules more less least ' +
      'characters incorrect wrong expired invalid correct sent forgot forgotten reset. recovery hint also only just then there here ' +
      'by via using through yet still never always sometimes now new old temporary temp one',
  ),
);
const PASSWORD_CONTEXT = /\b(?:pa?s{1,2}w(?:o?r)?d|pass\s?word|pwd|log\s?in|sign\s?in|credentials?)\b/i;
/** A quoted token with a digit, in a message about passwords: "now its 'chennai2024'". */
const QUOTED_SECRET_RE = /(?<=["'“‘])(?=[^\s"'“”‘’]*\d)(?=[^\s"'“”‘’]*[A-Za-z])[^\s"'“”‘’]{4,32}(?=["'”’])/g;
/** A token that looks made up as a password: letters, digits and a symbol, or mixed-case letters and digits. */
const PASSWORD_LIKE_RE = /(?<![\w@#$%&*!?.:/-])(?=[^\s]*[A-Za-z])(?=[^\s]*\d)(?:(?=[^\s]*[!@#$%^&*+=?~_])[A-Za-z0-9!@#$%^&*+=?~_-]{6,32}|(?=[^\s]*[a-z])(?=[^\s]*[A-Z])[A-Za-z0-9-]{8,32})(?![\w@#$%&*!?-])/g;

// "cvv 123", "the security code on the back is 081"
const CVV_RE = /(?<![\w-])(cvv2?|cvc2?|csc|card\s{1,6}verification\s{1,6}(?:value|code|number)|security\s{1,6}code)((?:\s{0,6}[:=#-]\s{0,6}|\s{1,6}(?:(?:no\.?|number|code|is|was|on|the|back|of|card|printed|at|my|your)\s{1,6}){0,5}))(\d{3,4})(?![\w-]|[.,]\d)/gi;
const CVV_BEFORE_RE = /(?<![\w-])(\d{3,4})\s{1,6}(?:is\s{1,6})?(?:the\s{1,6}|my\s{1,6})?(?:cvv|cvc)\b/gi;

// "exp 09/29", "valid thru 11/27", "expiry date is 11/2027", "expires in Jan 2028"
const EXPIRY_DATE = String.raw`(?:(?:0?[1-9]|1[0-2])\s?[/-]\s?(?:20)?\d{2}|(?:${MONTHS})\.?[\s',-]*(?:20)?\d{2})`;
const EXPIRY_RE = new RegExp(
  String.raw`(?<![\w-])(exp(?:iry|iration|ires|iring|ire)?\.?|valid\s{1,6}(?:thru|through|till|until|upto|up\s{1,6}to)|validity|good\s{1,6}thru)` +
    String.raw`((?:\s{0,6}[:=-]\s{0,6}|\s{1,6}(?:(?:date|on|in|is|of|card|end|by)\s{1,6}){0,3}|\s{0,6}))(${EXPIRY_DATE})(?![\w/]|[.-]\d)`,
  'gi',
);
/** Right after a card number: "4111 1111 1111 1111 09/29", "..., 09/29". */
const EXPIRY_AFTER_CARD_RE = /^\s{0,6}(?:[,;/]\s{0,6})?(?:(?:exp\w*|valid\s{1,6}\w+)\.?\s{0,6}(?:[:-]\s{0,6})?)?((?:0?[1-9]|1[0-2])\s?[/-]\s?(?:20)?\d{2})(?![\w/]|[.-]\d)/gi;

// "DOB 12/03/1990", "born on 3 March 1991", "date of birth as per our records is 11/06/1985"
const DATE_BODY = String.raw`(?:\d{1,2}[/.-]\d{1,2}[/.-](?:19|20)?\d{2}|(?:19|20)\d{2}[/.-]\d{1,2}[/.-]\d{1,2}|\d{1,2}(?:st|nd|rd|th)?(?:\s{1,6}of)?[\s-]+(?:${MONTHS})\.?(?:,?[\s-]+(?:19|20)\d{2})?|(?:${MONTHS})\.?\s{1,6}\d{1,2}(?:st|nd|rd|th)?(?:,?\s{1,6}(?:19|20)\d{2})?)`;
const DOB_RE = new RegExp(
  String.raw`(?<![\w-])(d\.?\s?o\.?\s?b\.?|date\s{1,6}of\s{1,6}birth|birth\s?date|birth\s?day|b'?day|born)` +
    String.raw`((?:\s{0,6}[:=(\-"]\s{0,6}|\s{1,6}(?:(?:is|was|as|on|in|hai|of|per|our|your|records|my|the|falls|it's|its|date)\s{1,6}){0,6}|\s{0,6})[(:"]?\s{0,6})(${DATE_BODY})(?![\w/]|[.-]\d)`,
  'gi',
);

// --- identifiers named by a keyword: "order 12345", "Order ID: 3348917502", "AWB 14325567891023" ------

const ID_KEYWORDS: Record<string, PiiType> = {
  order: 'ORDER_NUMBER',
  purchase: 'ORDER_NUMBER',
  transaction: 'ORDER_NUMBER',
  txn: 'ORDER_NUMBER',
  booking: 'ORDER_NUMBER',
  invoice: 'INVOICE_NUMBER',
  bill: 'INVOICE_NUMBER',
  receipt: 'INVOICE_NUMBER',
  tracking: 'TRACKING_NUMBER',
  shipment: 'TRACKING_NUMBER',
  parcel: 'TRACKING_NUMBER',
  consignment: 'TRACKING_NUMBER',
  awb: 'TRACKING_NUMBER',
  waybill: 'TRACKING_NUMBER',
  docket: 'TRACKING_NUMBER',
  account: 'ACCOUNT_NUMBER',
  acct: 'ACCOUNT_NUMBER',
  acc: 'ACCOUNT_NUMBER',
  'a/c': 'ACCOUNT_NUMBER',
  iban: 'ACCOUNT_NUMBER',
  membership: 'ACCOUNT_NUMBER',
  member: 'ACCOUNT_NUMBER',
  customer: 'ACCOUNT_NUMBER',
  card: 'CARD_NUMBER',
  ticket: 'NUMBER',
  complaint: 'NUMBER',
  case: 'NUMBER',
  request: 'NUMBER',
  reference: 'NUMBER',
  ref: 'NUMBER',
  utr: 'NUMBER',
  rrn: 'NUMBER',
  refund: 'NUMBER',
  return: 'NUMBER',
  replacement: 'NUMBER',
  exchange: 'NUMBER',
  pickup: 'NUMBER',
  imei: 'NUMBER',
  serial: 'NUMBER',
  warranty: 'NUMBER',
  claim: 'NUMBER',
};
/** Keywords that are ordinary words too: their identifier must be introduced ("case no. 1234"). */
const NEEDS_QUALIFIER = new Set(['case', 'request', 'refund', 'return', 'replacement', 'exchange', 'pickup', 'warranty', 'claim', 'serial']);

const KEYWORD_ID_RE =
  /\b(order|purchase|transaction|txn|booking|invoice|bill|receipt|tracking|shipment|parcel|consignment|awb|waybill|docket|account|acct|acc|a\/c|iban|membership|member|customer|card|ticket|complaint|case|request|reference|ref|utr|rrn|refund|return|replacement|exchange|pickup|imei|serial|warranty|claim)((?:\s{1,6}(?:(?:with|labell?ed(?:\s{1,6}with)?|associated\s{1,6}with|having)(?:\s{1,6}the)?(?:\s{1,6}(?:order|purchase|invoice|bill|tracking|account))?\s{1,6})?(?:(?:ref(?:erence)?|id|tracking|order|request)\.?\s{1,6})?(?:number|no\.?|num|nr\.?|id|code|ref(?:erence)?|#))?)((?:\s{1,6}(?:is|was|of|ending(?:\s{1,6}(?:in|with))?))?\s{0,6}[:#]?\s{0,6}#?\s{0,6})((?:[A-Za-z]{1,5}-)*[A-Za-z0-9]*\d[A-Za-z0-9]*(?:-[A-Za-z0-9]+)*|\d{2,}(?:[ -]\d{2,})+)(?![\w-])/gi;

function keywordId(keyword: string, qualifier: string, joiner: string, token: string): PiiType | null {
  const kw = keyword.toLowerCase();
  const type = ID_KEYWORDS[kw];
  if (!type) return null;
  const digits = digitCount(token);
  const qualified = qualifier.trim() !== '' || /[:#]/.test(joiner) || /ending/i.test(joiner);
  if (type === 'CARD_NUMBER') {
    // "card ending in 4242" is enough to identify a card; a full card number goes to the Luhn pass.
    if (!/ending/i.test(joiner) && digits < 12) return null;
  } else if (qualified) {
    if (digits < 3) return null;
  } else {
    if (NEEDS_QUALIFIER.has(kw)) return null;
    // "order 12345", "purchase ORD-DF-003911"; not "order B07JW9H4J1" (a product the customer wants to order).
    const plainDigits = /^\d{4,}$/.test(token.replace(/[ -]/g, ''));
    const prefixed = /^[A-Za-z]{2,5}(?:-[A-Za-z]{1,5})*-\d{3,}(?:-\d{2,})*$/.test(token);
    // Courier and reference ids mix letters and digits: "tracking SF4412098766IN".
    const courier = type !== 'ORDER_NUMBER' && type !== 'ACCOUNT_NUMBER' && digits >= 6 && token.length >= 8;
    if (!plainDigits && !prefixed && !courier) return null;
  }
  return type;
}

// --- stand-alone identifiers ------------------------------------------------------------------------

const PREFIXED_ID_RE = /(?<![\w-])(ORD|ORDER|PO|SO|OD|INV|BILL|TRK|AWB|ACC|ACCT|RPL|RFD|RET|REF|TKT|CMP)[-_#]?(?:[A-Z]{1,5}[-_])?\d{3,}(?:[-_]\d{2,})*(?![\w-])/gi;
const PREFIX_TYPE: Record<string, PiiType> = {
  ord: 'ORDER_NUMBER',
  order: 'ORDER_NUMBER',
  po: 'ORDER_NUMBER',
  so: 'ORDER_NUMBER',
  od: 'ORDER_NUMBER',
  inv: 'INVOICE_NUMBER',
  bill: 'INVOICE_NUMBER',
  trk: 'TRACKING_NUMBER',
  awb: 'TRACKING_NUMBER',
  acc: 'ACCOUNT_NUMBER',
  acct: 'ACCOUNT_NUMBER',
  rpl: 'NUMBER',
  rfd: 'NUMBER',
  ret: 'NUMBER',
  ref: 'NUMBER',
  tkt: 'NUMBER',
  cmp: 'NUMBER',
};
const HASH_ID_RE = /(?<![\w&#])#\s?\d{4,}(?![\w-])/g;
const IBAN_RE = /\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,3})?\b/g;
const CARD_RE = /(?<![\w-])\d(?:[ -]?\d){12,18}(?![\w-])/g;
/** "XXXX XXXX XXXX 3456", "**** 4242" */
const MASKED_CARD_RE = /(?<![\w*•])(?:(?:[xX]{4}|\*{4}|•{4})[\s-]?){1,3}\d{4}(?![\w-])/g;
/** "Visa ending 1881", "debit card ending with 4521" (the keyword pass takes "card ending in 4242"). */
const CARD_ENDING_RE = /\b(?:visa|master\s?card|amex|american\s{1,6}express|rupay|maestro|diners|discover|card)(?:\s{1,6}(?:card|no\.?|number))?\s{1,6}ending(?:\s{1,6}(?:in|with))?\s{0,6}[:-]?\s{0,6}(\d{4})(?![\w-])/gi;
/** "last 4 digits are 0456" */
const LAST_DIGITS_RE = /\blast\s{1,6}(?:4|four)\s{1,6}digits?(?:\s{1,6}of\s{1,6}(?:the|my|your)\s{1,6}(card|account|a\/c|number|phone|mobile))?\s{0,6}(?:are|is|:|-|=)?\s{0,6}(\d{4})(?![\w-])/gi;
/** "my number ending 4410" */
const PHONE_ENDING_RE = /\b(?:number|no\.?|mobile|phone|contact)\s{1,6}ending(?:\s{1,6}(?:in|with))?\s{0,6}[:-]?\s{0,6}(\d{3,5})(?![\w-])/gi;

// --- bank and government ids -----------------------------------------------------------------------

const IFSC_RE = /(?<![\w-])([A-Za-z]{4})0([A-Za-z0-9]{6})(?![\w-])/g;
const PAN_RE = /(?<![\w-])[A-Za-z]{3}[ABCFGHJLPTabcfghjlpt][A-Za-z]\d{4}[A-Za-z](?![\w-])/g;
const GSTIN_RE = /(?<![\w-])\d{2}[A-Za-z]{5}\d{4}[A-Za-z][1-9A-Za-z][Zz][0-9A-Za-z](?![\w-])/g;
const AADHAAR_RE = /\b(aadhaa?r|aadhar|adhaa?r|adhar|uidai|uid)((?:\s{1,6}(?:card|no\.?|number|num|is|hai))*\s{0,6}[:#-]?\s{0,6})([2-9]\d{3}[\s-]?\d{4}[\s-]?\d{4})(?![\w-])/gi;
const AADHAAR_SPACED_RE = /(?<![\w+-])[2-9]\d{3} \d{4} \d{4}(?![\w-]| \d)/g;
const OTHER_ID_RE = /\b(passport|voter\s?id|epic|driving\s{1,6}licen[cs]e|licen[cs]e|dl(?=\s{1,6}no)|pan)((?:\s{1,6}(?:card|no\.?|number|num|is))*[ \t]{0,6}[:#-]?[ \t]{0,6})(?<=[\s:#-])([A-Za-z0-9][A-Za-z0-9-]{5,17})(?![\w-])/gi;

// --- phones -------------------------------------------------------------------------------------------

// +44 20 7946 0958, +91-98765-43210, 0049 30 1234567, +1 (555) 123-4567
const INTL_PHONE_RE = /(?<![\w+])(?:\+|00)\d{1,3}(?:[\s.-]?\(\d{1,4}\))?(?:[\s.-]?\d{1,5}){1,5}(?![\w-])/g;
// Indian mobiles: 9876543210, 09876543210, 98765-43210, 9448 123 456, "9 8 4 5 0 1 2 3 6 7"
const IN_MOBILE_RE = /(?<![\w+.-])(?<!\d[ -])(?:91[\s-]|0)?[6-9](?:[ -]?\d){9}(?![\w-]|[.,]\d)/g;
// Indian landlines with the STD code: 080-41234567, 022 2640 1187
const IN_LANDLINE_RE = /(?<![\w+.-])(?<!\d[ -])0\d{2,4}[\s-]?\d{3,4}[\s-]?\d{3,4}(?![\w-]|[.,]\d)/g;
// (555) 123-4567, 555-123-4567, 1-800-555-0199, 1800-856-0902, 98765 43210, 020 7946 0958
const NATIONAL_PHONE_RE = /(?<![\w.,/:-])(?:1[\s.-])?(?:\(\d{2,5}\)\s?|\d{2,5}[\s.-])\d{3,5}(?:[\s.-]\d{3,5})?(?![\w/:-]|[.,]\d)/g;
const CONTEXT_PHONE_RE = /\b(phone|mobile|mob|cell|tel|telephone|whatsapp|call me|text me|reach me|contact me|contact no|contact number)((?:\s{1,6}(?:number|no\.?|on|at|is))*\s{0,6}[:#.]?\s{0,6})(\+?\d[\d\s().-]{6,}\d)(?![\w-])/gi;
const TOLL_FREE = /^(?:\+?1[\s.-]?)?\(?8(?:00|33|44|55|66|77|88)\)?|^1[\s.-]?8(?:00|33|44|55|66|77|88)|^0?800\b|^1800|^\+?44\s?800|^\+?91\s?1800/;

function phoneType(value: string): PiiType {
  return TOLL_FREE.test(value.trim()) ? 'SUPPORT_PHONE' : 'PHONE';
}

// --- addresses ---------------------------------------------------------------------------------------

const STREET_TYPES =
  'Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Boulevard|Blvd|Drive|Dr|Way|Court|Ct|Place|Pl|Terrace|Close|Crescent|Square|Sq|Parkway|Pkwy|Highway|Hwy|Row|Mews|Gardens|Grove|Hill|Walk|Marg|Nagar|Salai|Strasse|Straße|Str|Gasse|Weg|Platz|Laan|Straat|Gracht|Rue|Via|Viale|Calle|Avenida|Rua';
const ADDRESS_RE = new RegExp(
  `(?<![\\w./-])\\d{1,5}[A-Za-z]?(?:[-/]\\d{1,4}[A-Za-z]?)?,?\\s{1,6}(?:(?:[A-Z][\\p{L}'’.-]*|of|the|de|la|del)\\s{1,6}){0,4}(?:${STREET_TYPES})\\b` +
    // optional ", City" and a postcode-looking tail
    `(?:,\\s{0,6}[A-Z][\\p{Ll}'’-]+(?:\\s[A-Z][\\p{Ll}'’-]+){0,2})?`,
  'gu',
);
// Street name first, number after (continental Europe): "Hauptstraße 5", "Via Roma 12"
const ADDRESS_NUMBER_AFTER_RE = /\b(?:[A-Z][\p{L}'’-]*(?:strasse|straße|str\.|gasse|weg|platz|laan|straat|gracht)|(?:Via|Viale|Calle|Rue|Avenida|Rua)\s{1,6}[A-Z][\p{L}'’-]+(?:\s[A-Z][\p{L}'’-]+)?)\s{1,6}\d{1,5}[a-zA-Z]?\b/gu;
const UK_POSTCODE_RE = /(?<![\w-])[A-Z]{1,2}\d[A-Z\d]?\s?\d[ABD-HJLNP-UW-Z]{2}(?![\w-])/g;
const CONTEXT_POSTCODE_RE = /(?<![\w-])(zip code|zip|postcode|postal code|pin code|pincode|pin)\b(\s{0,6}(?:is|:|-|no\.?|number)?\s{0,6})([A-Z0-9][A-Z0-9 -]{2,8}[A-Z0-9])(?![\w-]|\.\w)/gi;
/** An Indian pincode on its own: six digits, the first not 0 ("560034", "560 034"). */
const PINCODE_RE = /(?<![\w₹$€£.,/:#+@^-])[1-9]\d{2}\s?\d{3}(?![\w-]|[.,]\d|\s?(?:rs\b|rupees|inr\b|\/-|mah\b|km\b|kg\b|gb\b|mb\b|units?\b|pcs\b|pieces\b|views\b|reviews\b|ratings\b|orders\b|items\b|people\b|customers\b|users\b|downloads\b|times\b|steps\b|calories\b|kcal\b|sq\b|ft\b|w\b|watts?\b|[mkg]?hz\b|mm\b|cm\b|inch|mp\b|px\b|dpi\b|rpm\b|lumens?\b|lm\b|nits\b))/gi;
/** Words just before a six-digit number that make it an amount or a quantity, not a pincode. */
const AMOUNT_BEFORE = /(?:model|part|sku|item|article|art|style|code|version|series|type|no\.?|number|₹|rs\.?|inr|mrp|price|priced|cost|costs|costing|pay|paid|amount|worth|value|valued|upto|up\s{1,6}to|above|below|under|over|around|approx\.?|about|for|of|total|budget|salary|emi|loan|lakh|limit|balance|refund|refunded|charged|debited|credited|deducted)\s{0,6}$/i;

/** House / flat markers that start an address: "Flat 402", "H.No 12-3-45", "Door No 5-67", "#45,". */
const HOUSE_NUMBER = String.raw`[A-Za-z]?-?\d{1,5}[A-Za-z]?(?:[ \t]?[-/][ \t]?\d{1,5}[A-Za-z]?)*`;
const STRONG_ANCHOR_RE = new RegExp(
  [
    // a house marker with its number
    String.raw`(?<![\w-])(?:(?:flat|house|kothi|door|plot|room|shop|villa|bungalow|building|apartment|quarters?|survey|sy|khasra|ward|gali|block|tower|(?:[a-z][ \t-]?)?wing)(?:[ \t]{0,6}(?:no|number|num)\.?)?|h\.?[ \t]?no\.?|hno|d\.?[ \t]?no\.?|qtr\.?(?:[ \t]{0,6}no\.?)?|apt\.?|bldg\.?)(?:[ \t]{0,6}[:#-][ \t]{0,6}|[ \t]{1,6}|(?<=\.))${HOUSE_NUMBER}(?![\w%])(?!\s{0,6}(?:%|off\b|discount|cashback|percent))`,
    // "Block C," "Tower B," "B wing,"
    String.raw`(?<![\w-])(?:block|tower|wing)[ \t]{1,6}[A-Z](?=[ \t]{0,6},)`,
    // "No. 14,"
    String.raw`(?<![\w-])[Nn]o\.?\s?\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)*(?=\s{0,6},)`,
    // "2nd floor," "Ground Floor,"
    String.raw`(?<![\w-])(?:ground|first|second|third|fourth|fifth|top|\d{1,2}(?:st|nd|rd|th))\s{1,6}floor(?=\s{0,6}[,\s])`,
  ].join('|'),
  'giu',
);
const WEAK_ANCHOR_RE = new RegExp(
  [
    // weak: "#45,"
    String.raw`(?<![\w&#])#\s?\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)*(?=\s{0,6},)`,
    // weak: "B-1104," "d-45 2nd floor", "12, Kamaraj Salai", "17/3, Park Street", "14/2 MG Road"
    String.raw`(?<![\w-])[A-Za-z]{1,2}-\d{1,5}[A-Za-z]?(?=\s{0,6},|\s{1,6}\d{1,2}(?:st|nd|rd|th)\s{1,6}floor)`,
    String.raw`(?<![\w.,₹$/-])\d{1,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)?(?=,\s{0,6}[A-Za-z])`,
    // Hyderabad-style door numbers: "3-6-111/2, Himayatnagar"
    String.raw`(?<![\w.,₹$/-])\d{1,4}(?:-\d{1,4}){1,3}(?:/\d{1,4}[A-Za-z]?)?(?=,\s{0,6}[A-Za-z])`,
    String.raw`(?<![\w.,₹$/-])\d{1,4}[A-Za-z]?(?:/\d{1,4}[A-Za-z]?)?(?=\s{1,6}(?:[A-Z][\p{L}'’.-]*\s{1,6}){1,3}(?:${STREET_TYPES})\b)`,
  ].join('|'),
  'gu',
);
const STRONG_ANCHOR = /^(?:flat|house|kothi|h\.?\s?no|hno|door|d\.?\s?no|plot|qtr|quarters?|room|shop|unit|apt|apartment|villa|bungalow|bldg|building|survey|sy|khasra|ward|gali|block|tower|[a-z][ \t-]?wing|wing|no\.?\s?\d|ground|first|second|third|fourth|fifth|top|\d{1,2}(?:st|nd|rd|th)\s{1,6}floor)/i;
/** "landmark: opposite Gopalan school" */
const LANDMARK_RE = /\b(landmark)(\s{0,6}(?:is|:|-)?\s{0,6})(?=\S)/gi;
/** Words that belong to addresses (lower case). */
const ADDRESS_WORDS = new Set(
  words(`
road rd street st lane ln marg path salai cross main layout nagar colony enclave vihar extension extn ext society soc apartments apartment
apts apt residency heights towers tower complex plaza hostel park city garden gardens estate sector sec phase block blk stage pocket
kunj puram halli palya wadi pada nivas niwas bhavan bhawan sadan mansion chs villa villas floor flat house bungalow building bldg wing
plot door near opp opp. opposite behind beside next nr nr. off via post po ps dist dist. district taluk tehsil village vill town east
west north south chowk bazaar bazar market circle junction bypass highway hwy avenue nagara pet peth gali mohalla ward quarters qtrs
qtr campus lines cantonment cantt hills hill lake view point township school college temple mandir masjid church gurudwara hospital
clinic mall station metro bus stop stand depot bank atm above below adjacent petrol pump theatre cinema ground tank office gate signal bridge flyover
complex shop shops lodge hotel apartments row mews court place close terrace square grove walk drive way cross-road main-road
no no. number h.no room ground first second third top
`),
);
/** Words that make "12, Xyz ..." or "B-12, ..." an address without a house marker. */
const STREET_WORDS = new Set(
  words(`
road rd street st lane ln marg path salai cross main layout nagar colony enclave vihar extension extn society soc apartments apartment
apts residency heights towers sector phase stage chowk bazaar bazar circle township puram halli palya wadi pada peth gali mohalla
villas cantonment cantt kunj nivas niwas bhavan bhawan sadan chs avenue
`),
);
/** Words that end an address ("... Bengaluru please", "... Pune and call me"). */
const ADDRESS_STOP = new Set(
  words(`
and but or please pls plz kindly i i'm im i've i'll we we're you he she it they my your our his her their me us them is are was were be been
will would shall should can could may might must do does did done have has had not no yes deliver delivered delivery ship shipped send
sent today tomorrow yesterday tonight before after between by since until till because so if then also only here there this that these
those which who what when where why how as for from with to into at about than of ke ka ki pe par hai mein se ko aur bhi thanks thank thx
regards call contact phone mobile pin pincode zip landmark order parcel package item product the a an get got keep keeps saying
says said told tell asked ask want need needs address adress correct wrong instead same also right ok okay sir madam mam
`),
);
/** Capitalized words that still end an address ("... Bengaluru Please call"). */
const ADDRESS_CAP_STOP = new Set(words('i please pls plz thanks thank kindly call contact also and but deliver regards landmark pin pincode phone mobile order note my your we you it this he she they is was will can'));
const ORDINAL_OR_NUMBER = /^(?:\d+[A-Za-z]?(?:[-/]\d+[A-Za-z]?)*|\d+(?:st|nd|rd|th)|[A-Za-z]-?\d+[A-Za-z]?)$/;
const ADDRESS_CONTEXT_BEFORE = /(?:address|adress|addr|landmark)\s{0,6}(?:is|:|-|to|at)?\s{0,6}$|\b(?:deliver(?:ed)?|ship(?:ped)?|send|sent|dispatch(?:ed)?|courier)\s{1,6}(?:it\s{1,6}|them\s{1,6}|this\s{1,6}|the\s{1,6}\w+\s{1,6})?(?:to|at)\s{1,6}$|\b(?:pick(?:ed)?\s?up\s{1,6}from|live\s{1,6}(?:at|in)|stay(?:ing)?\s{1,6}at|located\s{1,6}at)\s{1,6}$/i;

/**
 * From an address anchor, takes the rest of the address: comma- or space-separated words while they
 * look like an address (numbers, capitalized words, address words; in a lower-case message any word
 * that is not a function word), up to a pincode, a sentence end or a word that ends it.
 */
function addressEnd(g: string, from: number, lowerMode: boolean): number {
  const re = /\s{0,6}([,;:|()]|[.!?](?=\s|$)|\n|[-–](?=\s)|[^\s,;:|()!?]+)/gy;
  re.lastIndex = from;
  let end = from;
  let count = 0;
  let prev = '';
  for (let m = re.exec(g); m !== null && count < 28; m = re.exec(g)) {
    const tok = m[1]!;
    if (tok === '\n' || tok === ';' || tok === '(' || tok === ')' || tok === '|' || tok === ':' || /^[.!?]$/.test(tok)) break;
    if (tok === ',' || tok === '-' || tok === '–') {
      prev = tok;
      continue;
    }
    // A trailing full stop that ends the sentence ("... Chennai."), not an abbreviation ("No.", "Opp.").
    let word = tok;
    let endsSentence = false;
    if (/\.$/.test(word) && !/^(?:no|opp|nr|st|rd|h\.no|d\.no|dist|qtr|vill|extn|ext|apt|bldg|soc|sec|blk|[a-z])\.$/i.test(word)) {
      const next = ahead(g, m.index + m[0].length);
      if (next === '' || /^\s/.test(next)) {
        word = word.slice(0, -1);
        endsSentence = true;
      }
    }
    const lw = word.toLowerCase().replace(/[’]/g, "'");
    // A pincode or a postcode ends the address (it is redacted on its own).
    if (/^\d{6}$/.test(word) || /^\d{3}$/.test(word) && /^\s\d{3}\b/.test(ahead(g, m.index + m[0].length)) || /^[A-Z]{1,2}\d[A-Z\d]?$/.test(word) && /^\s\d[A-Z]{2}\b/.test(ahead(g, m.index + m[0].length))) break;
    if (/^\d{5,}$/.test(word)) break;
    const isAddr = ADDRESS_WORDS.has(lw) || ADDRESS_WORDS.has(lw.replace(/\.$/, ''));
    let ok: boolean;
    const capital = /^[A-Z]/.test(word);
    if (capital ? ADDRESS_CAP_STOP.has(lw) : ADDRESS_STOP.has(lw) && !isAddr) {
      // "near the temple", "next to the bank", "Indian Institute of Science"
      ok = !capital && ((lw === 'the' && /^(?:near|opp\.?|opposite|behind|beside|to)$/i.test(prev)) || (lw === 'to' && /^next$/i.test(prev)) || (lw === 'of' && /^[A-Z]/.test(prev) && /^\s{0,6}[A-Z]/.test(ahead(g, m.index + m[0].length))));
    } else if (ORDINAL_OR_NUMBER.test(word) || isAddr || /\d/.test(word)) ok = true;
    else if (/^[A-Z]/.test(word) || /^[A-Z&.'’-]+$/.test(word)) ok = true;
    else ok = lowerMode && /^[a-z][a-z'’.-]*$/.test(word);
    if (!ok) break;
    end = m.index + m[0].length - (endsSentence ? 1 : 0);
    prev = word;
    count++;
    if (endsSentence) break;
  }
  return end;
}

// --- names ---------------------------------------------------------------------------------------------

/** Capitalized words that follow "Hi", "I'm", "Dear" without being names. */
const NOT_NAMES = new Set(
  (
    'a an the there all everyone team guys folks friend friends sir madam maam ma\'am mam customer customers support agent ' +
    'again so very really just not no yes ok okay good great fine happy sorry glad here back new looking trying having ' +
    'interested unable able afraid sure still also writing calling contacting reaching wondering going getting worried ' +
    'frustrated disappointed upset confused concerned annoyed angry excited thankful grateful curious waiting morning ' +
    'afternoon evening day night thanks thank please hello hi hey dear i me my we our you your it this that what when where ' +
    'how why who which can could would should will may might do does did is are was were be been am have has had order ' +
    'orders account refund delivery shipping payment invoice help ' +
    // added for the Indian store: fillers and words that start sentences or fill name slots
    'mr mrs ms miss mx dr prof shri shree sri smt kumari ' +
    'bhai bro boss sirji ji respected all everybody indian from in on at for to of with and or but if then because as by ' +
    'unfortunately fortunately luckily hopefully ideally usually normally generally typically apparently obviously clearly ' +
    'actually finally meanwhile however therefore otherwise additionally firstly secondly basically honestly anyway anyways ' +
    'btw perfect awesome cool noted done understood alright right correct true exactly absolutely definitely certainly indeed ' +
    'apologies today tomorrow yesterday now well wow oh ah hmm lol wait kindly regarding note update service care ' +
    'monday tuesday wednesday thursday friday saturday sunday january february march april june july august september ' +
    'october november december welcome regards cheers best warm kind yours sincerely bazaarbox store shop online app ' +
    'cash card upi bank wallet courier product item items package parcel pickup return replacement exchange customer ' +
    'name names gst invoice bill email mail phone mobile number details address pincode otp password status ' +
    'ekart delhivery dtdc xpressbees shadowfax bluedart blue dart fedex dhl aramex ecom express amazon flipkart myntra ' +
    'samsung apple redmi xiaomi oneplus oppo vivo realme poco nothing motorola nokia sony lg philips havells bajaj prestige ' +
    'boat noise jbl dell hp lenovo asus acer whirlpool bosch ifb voltas godrej haier panasonic tcl puma nike adidas siri alexa ' +
    'google cortana bixby'
  ).split(/\s+/),
);
const NAME_WORD = "[A-Z](?:[a-zà-ÿ]+(?:['’][A-Z]?[a-zà-ÿ]+)?|['’][A-Z][a-zà-ÿ]+)(?![A-Za-zà-ÿ])";
const LOWER_WORD = '[a-z]+';
const ANY_NAME_WORD = `(?:${NAME_WORD}|${LOWER_WORD})`;
/** Listed names that are too common as Hindi or English words to be taken in lower case anywhere. */
const LOWER_CASE_ONLY_IN_CONTEXT = new Set(
  words(
    'aman anand prem kamal jyoti deepak kiran asha roshni jeevan sagar noor param raja rani shanti pawan pavan madhu sona heena hina ' +
      'chetan gagan akash dhruv kavya geeta gita komal sapna suraj chandan aarti arti khushi vikas vijay mahima sakshi disha karan ' +
      'babu bala lekha rekha seema sadhana pushpa archana vandana shraddha prerna mansi kumar kumari devi lal bobby paras satya uday ' +
      'amar indu sahil nidhi mohan rana harsh dimple karen sundar sundari nirmal anmol neelam varsha bindu kavita sandhya chandra',
  ),
);

const low = (w: string): string => w.toLowerCase().replace(/’/g, "'");
/** A first name from the list that is not also an ordinary word or a brand. */
const listedName = (w: string): boolean => FIRST_NAMES.has(low(w)) && !AMBIGUOUS_FIRST_NAMES.has(low(w));
const anyListedName = (w: string): boolean => FIRST_NAMES.has(low(w)) || AMBIGUOUS_FIRST_NAMES.has(low(w));
const isCap = (w: string): boolean => new RegExp(`^${NAME_WORD}$`).test(w);
/** A word that can fill a name slot ("Hi ___", "this is ___", "Mr. ___"). */
function slotName(w: string): boolean {
  // "Understandably, ...", "Alternatively, ...": adverbs, unless a listed name (Emily, Kelly).
  if (isCap(w)) return !NOT_NAMES.has(low(w).replace(/'s$/, '')) && (!/ly$/.test(w) || anyListedName(w));
  return listedName(w) || SURNAMES.has(low(w));
}

/** After a name, the surname and initials that go with it: "Priya [Sharma]", "Neha [S.]", "Manoj [Kumar Yadav]". */
function nameEnd(g: string, end: number, capitalized: boolean, generous = false): number {
  for (let k = 0; k < 2; k++) {
    const m = /^[ \t]{1,6}([A-Z]\.?(?![\w])|[\p{L}'’]+)/u.exec(ahead(g, end));
    if (!m) break;
    const w = m[1]!;
    if (/^[A-Z]\.?$/.test(w)) {
      // An initial: "Neha S." / "Arvind K" (not "Priya I" as in "Priya I have...").
      if (w === 'I' || w === 'A') break;
      end += m[0].length;
      continue;
    }
    const listed = SURNAMES.has(low(w)) || FIRST_NAMES.has(low(w));
    const shape = capitalized ? isCap(w) : /^[a-z]+$/.test(w);
    if (!shape) break;
    // Generous (a surname not in the list): one capitalized word, not the start of a Title Case run
    // ("Anna Freeman", not "Danish Rose Round Sewing Box").
    const unlisted = generous && k === 0 && isCap(w) && !NOT_NAMES.has(low(w)) && !/^[ \t]{1,6}[A-Z]/.test(g.slice(end + m[0].length));
    if (!(listed || unlisted)) break;
    end += m[0].length;
  }
  return end;
}

const TITLE_NAME_RE = new RegExp(`\\b(Mr|Mrs|Ms|Miss|Mx|Dr|Prof|Shri|Shree|Sri|Smt|Kumari|mr|mrs|ms)(\\.?\\s{1,6})(${ANY_NAME_WORD})`, 'g');
// Case-insensitive lead-in, case-sensitive name (no inline regex modifiers on Node 20).
const INTRO_NAME_RE = new RegExp(
  `\\b([Mm]y [Nn]ame is|[Mm]y [Nn]ame's|[Nn]ame is|[Nn]ame'?s|[Tt]his is|[Ii]t'?s|I am|i am|I'm|i'm|I’m|[Ii]m|[Mm]yself|[Cc]all me|[Ss]igned|[Rr]egards,?|[Cc]heers,?|[Mm]era naam|[Nn]aam|` +
    `(?:[Cc]ustomer|[Rr]eceiver|[Rr]ecipient|[Cc]onsignee|[Bb]eneficiary) [Nn]ame|(?:[Aa]ccount|[Cc]ard) ?[Hh]older(?: [Nn]ame)?|[Nn]ame on (?:the )?card|^[Nn]ame|\\n[Nn]ame|[Nn]ame)` +
    `([ \\t]{0,6}(?:is|:|-|to|as|=)?[ \\t]{0,6})(${ANY_NAME_WORD}(?:[ \\t]{1,6}${NAME_WORD}){0,2})`,
  'g',
);
const GREETING_NAME_RE = new RegExp(
  `\\b(Dear|Hi+|Hello|Helo|Hlo|Hey|Heya|Thanks|Thank you|Thank u|Thanku|Thankyou|Thanx|Thx|Welcome|Namaste|Namaskar|Vanakkam|Congrats|Congratulations|Good (?:morning|afternoon|evening|night)|` +
    `dear|hi+|hello|helo|hlo|hey|thanks|thank you|thank u|thanku|thanx|thx|namaste|ok|okay|Ok|Okay)((?: (?:so much|a lot|very much|again))?,?[ \\t]{1,6})(${ANY_NAME_WORD}(?:[ \\t]{1,6}${NAME_WORD})?)`,
  'g',
);
/** The closing line of a message, then the name on the next line: "Regards,\nPooja". */
const SIGNOFF_NAME_RE = new RegExp(`\\b((?:thanks|thank you|thanks (?:and|&) regards|(?:warm|best|kind|with)? ?regards|rgds|cheers|sincerely|yours (?:sincerely|truly)|best|thx|ty)[,.!]?[ \\t]{0,6}\\n[ \\t]{0,6})(${NAME_WORD}(?:[ \\t]{1,6}(?:${NAME_WORD}|[A-Z]\\.?)){0,2})(?![\\p{L}])`, 'giu');
/** "- Neha from support", "~ Riya (BazaarBox Care)", "- Neha, BazaarBox Support" */
const DASH_NAME_RE = new RegExp(`(?:^|\\n)([ \\t]{0,6}[-–—~]+[ \\t]{0,6})(${NAME_WORD}(?:[ \\t]{1,6}(?:${NAME_WORD}|[A-Z]\\.?))?)(?=[ \\t]{0,6}(?:$|\\n|,|\\(|\\||from\\b|at\\b))`, 'g');
/** "your agent Divya", "the delivery boy Sunil", "my husband Amit", "delivery agent name Mahendra" */
const ROLE_NAME_RE = new RegExp(
  `\\b(boy|guy|person|agent|executive|partner|rider|man|associate|technician|engineer|manager|supervisor|representative|rep|staff|driver|colleague|husband|wife|son|daughter|mother|father|mom|mum|dad|brother|sister|friend|neighbour|neighbor|uncle|aunt|aunty|cousin|boss|beta|didi|nephew|niece|fiance|fiancee|grandmother|grandfather|mother-in-law|father-in-law)` +
    `((?:\\s{1,6}(?:name(?:d)?|called))?\\s{0,6}(?:is|:|-|,)?\\s{1,6})(${ANY_NAME_WORD})`,
  'g',
);
/** "Sharma ji", "Naveen ji", "ganesh sir", "Lakshmi ma'am" */
const HONORIFIC_NAME_RE = new RegExp(`(?<![A-Za-zà-ÿ'’])(${ANY_NAME_WORD})(?=\\s{1,6}(?:ji|jee|sir|madam|ma'?am|mam|bhai|garu|saab|sahab|didi|aunty|uncle)\\b)`, 'g');
/** "Meera from support said", "Vikram here", "Vinay this side" */
const FROM_SUPPORT_RE = new RegExp(`(?<![A-Za-zà-ÿ'’])(${ANY_NAME_WORD})(?=\\s{1,6}(?:from\\s{1,6}(?:the\\s{1,6})?(?:support|customer\\s{1,6}(?:care|support|service)|care|team|bazaarbox|your\\s{1,6}team|helpdesk|help\\s{1,6}desk)\\b|here\\b|this\\s{1,6}side\\b))`, 'g');
/** A name that opens the message: "Arjun, for you we saved...", "Ishita: Hi". */
const OPENING_NAME_RE = new RegExp(`^(\\s{0,6})(${NAME_WORD})(?=\\s{0,6}([,:])\\s{0,6}(\\S+))`, 'g');
const ADDRESSING_NEXT = /^(?:i|i've|i'm|i'll|we|we've|we're|we'll|you|your|you're|you'll|please|pls|kindly|thanks|thank|as|for|just|sorry|unfortunately|good|great|congrats|congratulations|the|this|our|it|it's|its|can|could|would|do|did|is|hope|here|there|hi|hello|welcome)$/i;
/** A listed first name anywhere (the list decides, not the wording). */
const LISTED_NAME_RE = /(?<![\p{L}\p{N}_@.'’-])[\p{L}]+(?:['’][A-Z]?[\p{Ll}]+)?(?![\p{L}\p{N}_@-])/gu;
/** Ambiguous names never taken from the list alone, whatever comes before them. */
const NEVER_BY_LIST = new Set(words('may june april august summer autumn siri alexa max will mark bill hope joy grace crystal amber ruby jade iris daisy lily rose dawn'));
/** A place or institution named after someone: "Xavier University", "Rajiv Gandhi Hospital". */
const INSTITUTION_AFTER = /^\s{1,6}(?:University|College|School|Hospital|Institute|Academy|Stadium|Airport|Station|Road|Rd|Street|Marg|Nagar|Park|Mall|Market|Hall|Chowk|Circle|Bridge|Colony|Layout|Vihar|Memorial|Foundation|Trust|Temple|Mandir|Church|Masjid|Jewellers|Jewelers|Textiles|Stores|Traders|Enterprises|Electronics|Sweets|Bhavan|Bhawan)\b/;
/** What comes before an ambiguous name that makes it a person ("ask Pooja who...", "spoke to Will"). */
const PERSON_VERB_BEFORE = /\b(?:to|with|by|ask|asked|tell|told|inform|informed|call|called|contact|contacted|meet|met|cc|thank|thanked|spoke|talked|connect\s{1,6}me\s{1,6}to|for)\s{1,6}$/i;

const USERNAME_RE = /\b(user ?name|user ?id|user|login(?: id)?|handle)(\s{0,6}(?:is|:)\s{0,6}|\s{1,6})([A-Za-z0-9._-]*\d[A-Za-z0-9._-]*|[A-Za-z0-9._-]{3,}(?=\s{0,6}$)|(?<=:\s{0,6})[A-Za-z][A-Za-z0-9]*[._][A-Za-z0-9._]+)/gi;
const HANDLE_RE = /(?<![\w.@])@[A-Za-z0-9_]{2,30}\b/g;

function nameWords(m: string): boolean {
  const ws = m.split(/\s+/);
  return ws.every((w) => !NOT_NAMES.has(w.toLowerCase().replace(/[’']s$/, '')));
}

// --- generic long numbers ------------------------------------------------------------------------------

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

/** At most `n` characters of `g` before / from offset `i`: look-arounds done in code stay local (linear). */
const upTo = (g: string, i: number, n: number): string => g.slice(Math.max(0, i - n), i);
const ahead = (g: string, i: number, n = 120): string => g.slice(i, i + n);

/** The text of the whole working string just before a stretch-relative offset. */
const before = (at: Stretch, i: number, n: number): string => at.full.slice(Math.max(0, at.offset + i - n), at.offset + i);

/** Passes for payment and login secrets, one-time codes and birth dates. */
function secrets(w: Work): void {
  w.pass(CVV_RE, (m) => group(m, 3, 'CVV'));
  w.pass(CVV_BEFORE_RE, (m) => group(m, 1, 'CVV'));
  w.pass(EXPIRY_RE, (m) => group(m, 3, 'CARD_EXPIRY'));
  w.pass(DOB_RE, (m) => group(m, 3, 'DATE_OF_BIRTH'));
  w.pass(OTP_RE, (m, g) => {
    const kw = m[1]!.toLowerCase();
    if (kw === 'code' && (NOT_OTP_CODE.test(g.slice(Math.max(0, m.index - 16), m.index)) || !OTP_CODE_BEFORE.test(g.slice(Math.max(0, m.index - 24), m.index)))) return null;
    // The words between keyword and code must not say it is something else ("code for pincode 560034").
    if (/\b(?:pin\s?code|pincode|zip|postal|order|invoice|tracking|awb|rs|rupees|inr|price)\b/i.test(m[2]!)) return null;
    return group(m, 3, 'OTP');
  });
  w.pass(OTP_BEFORE_RE, (m) => group(m, 1, 'OTP'));
  w.pass(OTP_ENTER_RE, (m) => group(m, 1, 'OTP'));
  w.pass(PASSWORD_RE, (m) => {
    const kw = m[1]!.toLowerCase();
    const joiner = m[2]!;
    const quote = m[3]!;
    let token = m[4]!;
    const tokenStart = m.indices![4]![0];
    // A closing quote or sentence punctuation is not part of the password.
    token = token.replace(/[.,;:!?)\]]+$/, '');
    if (token.length < 3) return null;
    if (/pin$/.test(kw)) return /^\d{4,6}$/.test(token) ? { start: tokenStart, end: tokenStart + token.length, type: 'PASSWORD' } : null;
    if (NOT_PASSWORD.has(token.toLowerCase())) return null;
    const strong = /\d/.test(token) || /[^A-Za-z]/.test(token);
    const announced = quote !== '' || /[:=]/.test(joiner);
    if (!strong && !(announced && token.length >= 4)) return null;
    return { start: tokenStart, end: tokenStart + token.length, type: 'PASSWORD' };
  });
}

/** Bank and government ids. */
function bankAndGovernmentIds(w: Work): void {
  w.pass(GSTIN_RE, (m, g, at) => (/^[\dA-Z]+$/.test(m[0]) || /gst/i.test(before(at, m.index, 30)) ? whole(m, 'GOV_ID') : null));
  w.pass(PAN_RE, (m, g, at) => (/^[A-Z\d]+$/.test(m[0]) || /\bpan\b/i.test(before(at, m.index, 30)) ? whole(m, 'GOV_ID') : null));
  w.pass(AADHAAR_RE, (m) => group(m, 3, 'GOV_ID'));
  w.pass(OTHER_ID_RE, (m) => (digitCount(m[3]!) >= 2 ? group(m, 3, 'GOV_ID') : null));
  w.pass(IFSC_RE, (m, g, at) => {
    const named = /ifsc|branch\s{1,6}code/i.test(before(at, m.index, 30));
    const upper = /^[A-Z]{4}$/.test(m[1]!);
    return (upper || named) && (/\d/.test(m[2]!) || named) ? whole(m, 'IFSC') : null;
  });
}

/** Street addresses from a house marker or a numbered street, Indian style included. */
function addresses(w: Work): void {
  w.pass(LANDMARK_RE, (m, g) => {
    const from = m.index + m[0].length;
    const end = addressEnd(g, from, !/[A-Z]/.test(g.slice(from, from + 40)));
    return end > from ? { start: from, end, type: 'ADDRESS' } : null;
  });
  for (const re of [STRONG_ANCHOR_RE, WEAK_ANCHOR_RE]) w.scan((g, at) => {
    const hits: Hit[] = [];
    re.lastIndex = 0;
    for (let m = re.exec(g); m !== null; m = re.exec(g)) {
      let anchor = m[0];
      const anchorEnd = m.index + anchor.length;
      // "d-45 2nd floor ...", "12, 3rd Floor, ...": the house number before a floor belongs to it.
      if (/floor$/i.test(anchor)) {
        const back = /(?<![\w-])(?:[A-Za-z]{1,2}-)?\d{1,5}[A-Za-z]?(?:[-/]\d{1,5}[A-Za-z]?)*\s{0,6},?\s{0,6}$/.exec(upTo(g, m.index, 40));
        if (back) {
          const start = m.index - (upTo(g, m.index, 40).length - back.index);
          anchor = g.slice(start, anchorEnd);
          m.index = start;
        }
      }
      const lowerMode = !/[A-Z]/.test(anchor.replace(/\d+[A-Za-z]?/g, '')) && !/[A-Z]/.test(g.slice(anchorEnd, anchorEnd + 30).replace(/\b[A-Z]{1,3}\b/g, ''));
      const end = addressEnd(g, anchorEnd, lowerMode);
      const body = g.slice(anchorEnd, end);
      const strong = STRONG_ANCHOR.test(anchor.trim());
      // "Sector 7, ...", "Phase 2, ...": the address word before a bare number belongs to it.
      if (!strong) {
        const back = /(?<![\w-])([A-Za-z]+)[ \t]{1,6}$/.exec(upTo(g, m.index, 40));
        if (back && ADDRESS_WORDS.has(low(back[1]!))) m.index -= upTo(g, m.index, 40).length - back.index;
      }
      if (!strong) {
        // A bare number or "B-12" is an address only with an address word in what follows, a
        // pincode right after, or wording that announces an address.
        const tail = g.slice(end, end + 12);
        if (/[:=]\s{0,6}$/.test(upTo(g, m.index, 10))) continue;
        const hasWord = body.split(/[\s,]+/).some((t) => STREET_WORDS.has(low(t)));
        const pin = /^\s{0,6}[,-]?\s{0,6}(?:[A-Za-z]+\s{0,6}[,-]?\s{0,6})?[1-9]\d{2}\s?\d{3}\b/.test(tail);
        const announced = ADDRESS_CONTEXT_BEFORE.test(before(at, m.index, 40)) && /[A-Za-z]/.test(body);
        if (!hasWord && !pin && !announced) continue;
        if (body.trim() === '') continue;
      } else if (body.trim() === '' && (!/\d/.test(anchor) || /floor$/i.test(anchor))) continue;
      hits.push({ start: m.index, end: Math.max(end, anchorEnd), type: 'ADDRESS' });
      re.lastIndex = Math.max(end, anchorEnd);
    }
    return hits;
  });
  // An address line without a house marker that ends in a pincode: "5th cross, 2nd main,
  // vijayanagar, mysore 570017", "Near Big Bazaar, Ring Road, Surat 395002".
  w.scan((g, at) => {
    const hits: Hit[] = [];
    const re = PINCODE_RE;
    re.lastIndex = 0;
    let floor = 0;
    for (let m = re.exec(g); m !== null; m = re.exec(g)) {
      if (AMOUNT_BEFORE.test(before(at, m.index, 16))) continue;
      const head = g.slice(Math.max(floor, m.index - 200), m.index);
      const cut = Math.max(head.search(/(?:[^\n.!?:]*)$/), 0);
      const seg = head.slice(cut);
      const segStart = Math.max(floor, m.index - 200) + cut;
      const lowerMode = !/[A-Z]/.test(seg);
      const toks = [...seg.matchAll(/[^\s,;-]+|[,;]/g)];
      let first = -1;
      let last = -1;
      let count = 0;
      let chunks = 1;
      let street = false;
      let num = false;
      for (let k = toks.length - 1; k >= 0 && count < 16; k--) {
        const tok = toks[k]![0];
        if (tok === ';') break;
        if (tok === ',') {
          if (count > 0) chunks++;
          continue;
        }
        const word = tok.replace(/\.$/, '');
        const lw = low(word);
        const capital = /^[A-Z]/.test(word);
        if (capital ? ADDRESS_CAP_STOP.has(lw) : ADDRESS_STOP.has(lw) && !ADDRESS_WORDS.has(lw)) break;
        const ok = ORDINAL_OR_NUMBER.test(word) || ADDRESS_WORDS.has(lw) || /\d/.test(word) || capital || (lowerMode && /^[a-z][a-z'’.]*$/.test(word));
        if (!ok) break;
        if (last < 0) last = toks[k]!.index + tok.length;
        first = toks[k]!.index;
        count++;
        if (STREET_WORDS.has(lw) || STREET_WORDS.has(lw.replace(/s$/, ''))) street = true;
        if (/\d/.test(word)) num = true;
      }
      if (first >= 0 && count >= 2 && (street || num || chunks >= 3)) hits.push({ start: segStart + first, end: segStart + last, type: 'ADDRESS' });
      floor = m.index + m[0].length;
    }
    return hits;
  });
  w.pass(ADDRESS_RE, (m) => whole(m, 'ADDRESS'));
  w.pass(ADDRESS_NUMBER_AFTER_RE, (m) => whole(m, 'ADDRESS'));
  w.pass(CONTEXT_POSTCODE_RE, (m) => (/\d/.test(m[3]!) ? group(m, 3, 'POSTCODE') : null));
  w.pass(UK_POSTCODE_RE, (m) => whole(m, 'POSTCODE'));
  w.pass(PINCODE_RE, (m, g, at) => {
    if (AMOUNT_BEFORE.test(before(at, m.index, 16))) return null;
    return whole(m, /^[1-8]/.test(m[0]) ? 'POSTCODE' : 'NUMBER');
  });
}

/** Person names: by the wording around them, then by the first-name list. */
function names(w: Work): void {
  const nameHit = (g: string, start: number, end: number, capitalized: boolean, generous = false): Hit => ({ start, end: nameEnd(g, end, capitalized, generous), type: 'NAME' });
  /** The longest run of leading words that can be a name, as an end offset (or -1). */
  const leadingName = (g: string, start: number, text: string): number => {
    const ws = text.split(/(\s+)/);
    let end = -1;
    let pos = start;
    for (let k = 0; k < ws.length; k += 2) {
      const word = ws[k]!;
      if (!slotName(word) || (k > 0 && !isCap(word))) break;
      end = pos + word.length;
      pos = end + (ws[k + 1]?.length ?? 0);
    }
    return end;
  };

  w.pass(TITLE_NAME_RE, (m, g) => {
    const title = m[1]!;
    const word = m[3]!;
    const start = m.indices![3]![0];
    if (isCap(word)) return NOT_NAMES.has(low(word)) ? null : nameHit(g, start, start + word.length, true, true);
    return /^[a-z]/.test(title) && (anyListedName(word) || SURNAMES.has(word)) ? nameHit(g, start, start + word.length, false) : null;
  });
  w.pass(INTRO_NAME_RE, (m, g) => {
    const lead = m[1]!;
    // "Name: Arjun Rao" starts a field; "Color Name: Pink" is a product attribute.
    if (/^\n?[Nn]ame'?s?$/.test(lead) && !/(?:^|[\n.!?,;]\s{0,6}|\b(?:my|your|his|her|their|full|first|last|the|customer|receiver|sender)\s{1,6})$/i.test(upTo(g, m.indices![1]![0] + (lead.startsWith('\n') ? 1 : 0), 40))) return null;
    // "Card holder: X", "account holder name X"; not "Cardholder Gingham Star" (a product).
    if (/[Hh]older$/.test(lead) && !/[:=-]|\bis\b/.test(m[2]!)) return null;
    const text = m[3]!;
    // "It's Halloween", "it's Priya here": only a listed name.
    if (/^it'?s$/i.test(m[1]!) && !anyListedName(text.split(/\s+/)[0]!)) return null;
    const start = m.indices![3]![0];
    const first = text.split(/\s+/)[0]!;
    if (isCap(first)) {
      // "I'm" and "this is" are followed by many non-names ("I'm Looking"): every word must pass,
      // and an unlisted name must end the phrase ("This is Generic Airtel Tv Remote" is no name).
      const end = leadingName(g, start, text);
      if (end <= start) return null;
      if (/^(?:this is|it'?s|i am|i'm|i’m|im)$/i.test(lead) && !anyListedName(first) && !/^\s{0,6}(?:[,.!?;:)(\n]|$|from\b|here\b|and\b|-)/.test(ahead(g, end))) return null;
      return nameHit(g, start, end, true);
    }
    return anyListedName(first) || SURNAMES.has(first) ? nameHit(g, start, start + first.length, false) : null;
  });
  w.pass(GREETING_NAME_RE, (m, g) => {
    const greet = m[1]!;
    const text = m[3]!;
    const start = m.indices![3]![0];
    const parts = text.split(/\s+/);
    const first = parts[0]!;
    const hits: Hit[] = [];
    const after = (end: number) => ahead(g, end);
    if (isCap(first)) {
      if (NOT_NAMES.has(low(first))) return null;
      const listed = anyListedName(first) || SURNAMES.has(low(first));
      if (/^(?:ok|welcome)/i.test(greet) && !listed) return null;
      // Unknown capitalized words count only when the greeting clearly ends with them ("Hi Team" is no name).
      const end = nameWords(text) && isCap(parts[1] ?? '') ? start + text.length : start + first.length;
      const closes = /^\s{0,6}(?:[,!.:;?)]|$|\n|ji\b|sir\b|madam\b|ma'?am\b|mam\b|bhai\b|and\b|for\b|:\))/.test(after(end));
      if (!listed && !closes) return null;
      hits.push(nameHit(g, start, end, true));
    } else {
      if (!listedName(first)) return null;
      hits.push(nameHit(g, start, start + first.length, false));
    }
    // "Hi Aditi and Varun,"
    const last = hits[hits.length - 1]!;
    const and = new RegExp(`^\\s{1,6}and\\s{1,6}(${ANY_NAME_WORD})(?![A-Za-zà-ÿ])`).exec(ahead(g, last.end));
    if (and && ((isCap(and[1]!) ? anyListedName(and[1]!) : listedName(and[1]!)) || (isCap(and[1]!) && !NOT_NAMES.has(low(and[1]!)) && /^\s{0,6}[,!.]/.test(ahead(g, last.end + and[0].length))))) {
      const s = last.end + and[0].length - and[1]!.length;
      hits.push(nameHit(g, s, s + and[1]!.length, isCap(and[1]!)));
    }
    return hits;
  });
  w.pass(SIGNOFF_NAME_RE, (m, g) => {
    const text = m[2]!;
    const start = m.indices![2]![0];
    const end = leadingName(g, start, text);
    return end > start ? { start, end, type: 'NAME' } : null;
  });
  w.pass(DASH_NAME_RE, (m, g) => {
    const text = m[2]!;
    const start = m.indices![2]![0];
    // A sign-off closes the message; "- Google Pay" in a bulleted list is no name.
    const rest = ahead(g, start + text.length, 300);
    const listItem = /(?:^|\n)[ \t]{0,6}[-–—~*•][ \t]{0,6}\S/.test(upTo(g, m.index, 300)) || /\n[ \t]{0,6}[-–—~*•]/.test(rest);
    if (listItem || (!anyListedName(text.split(/\s+/)[0]!) && rest.replace(/^[^\n]*/, '').trim().length > 60)) return null;
    const end = leadingName(g, start, text);
    return end > start ? { start, end, type: 'NAME' } : null;
  });
  w.pass(ROLE_NAME_RE, (m, g) => {
    const word = m[3]!;
    const start = m.indices![3]![0];
    // "my husband Amit", "the delivery boy Sunil", "your agent Divya"; not "download driver, Resolution".
    if (!/\b(?:my|your|our|the|a|his|her|their|delivery|courier|support|care|service|customer|sales)\s{1,6}(?:\w+\s{1,6})?$/i.test(g.slice(Math.max(0, m.index - 30), m.index))) return null;
    if (/[A-Za-zà-ÿ]/.test(g[start + word.length] ?? '')) return null;
    if (isCap(word)) return slotName(word) ? nameHit(g, start, start + word.length, true) : null;
    return listedName(word) ? nameHit(g, start, start + word.length, false) : null;
  });
  w.pass(HONORIFIC_NAME_RE, (m, g) => {
    const word = m[1]!;
    if (/[A-Za-zà-ÿ'’]/.test(g[m.index - 1] ?? '')) return null;
    if (isCap(word)) return slotName(word) && !/^(?:respected|dear|hello|hi|yes|no|ok|okay|thank|thanks|sorry|good|please|pls)$/i.test(word) ? whole(m, 'NAME') : null;
    if (listedName(word) || SURNAMES.has(word)) return whole(m, 'NAME');
    // "ganesh sir" is a person; "ganesh ji" may be the deity.
    return AMBIGUOUS_FIRST_NAMES.has(word) && /^\s{1,6}(?:sir|madam|ma'?am|mam|bhai|garu|saab|sahab)\b/.test(ahead(g, m.index + word.length)) ? whole(m, 'NAME') : null;
  });
  w.pass(FROM_SUPPORT_RE, (m, g) => {
    const word = m[1]!;
    if (/[A-Za-zà-ÿ'’]/.test(g[m.index - 1] ?? '')) return null;
    if (!isCap(word)) return listedName(word) ? whole(m, 'NAME') : null;
    if (!slotName(word)) return null;
    if (anyListedName(word)) return whole(m, 'NAME');
    // An unknown capitalized word: at the start of a sentence, and clearly introducing someone.
    const opens = /(?:^|[\n,.!?:]\s{0,6}|\b(?:hi|hello|hey|hlo|dear|madam|mam|sir|this is|i am|i'm|im)\s{0,6},?\s{0,6})$/i.test(upTo(g, m.index, 40));
    const rest = ahead(g, m.index + word.length);
    const introduces = /^\s{1,6}(?:here\s{0,6}(?:[,.!]|$|from\b|and\b)|this\s{1,6}side\b|from\s)/i.test(rest);
    return opens && introduces ? whole(m, 'NAME') : null;
  });
  w.pass(OPENING_NAME_RE, (m, g, at) => {
    if (at.offset !== 0 && at.full[at.offset - 1] !== '\n') return null;
    const word = m[2]!;
    const start = m.indices![2]![0];
    const sep = m[3]!;
    const next = m[4]!.replace(/[^A-Za-z']/g, '');
    if (listedName(word) || (anyListedName(word) && sep === ',')) return nameHit(g, start, start + word.length, true);
    // An unknown word: only when it is followed by words addressing someone, and does not look
    // like an adverb or adjective opening the sentence ("Overall, I like it", "Honestly, you...").
    if (sep === ',' && slotName(word) && ADDRESSING_NEXT.test(next) && !/(?:ly|all|ever|wise|ing|ed|ful|less|ness|ment|tion|sion|ous|ive|able|ible|est)$/.test(word)) return nameHit(g, start, start + word.length, true);
    return null;
  });
  w.scan((g) => {
    const hits: Hit[] = [];
    const re = LISTED_NAME_RE;
    re.lastIndex = 0;
    for (let m = re.exec(g); m !== null; m = re.exec(g)) {
      let word = m[0];
      const possessive = /['’]s$/.exec(word);
      if (possessive) word = word.slice(0, -2);
      const start = m.index;
      const lw = low(word);
      let hit: Hit | null = null;
      if (isCap(word) && listedName(word)) {
        // A capitalized word after a listed first name is taken as the surname ("Anna Freeman").
        hit = nameHit(g, start, start + word.length, true, true);
        // "Xavier University", "Rajiv Gandhi Hospital": a place named after someone; "Woodland
        // Charlotte Bag": a product title in Title Case (capitalized words before and after).
        const after = ahead(g, hit.end);
        const next = /^[ \t]{1,6}([A-Z][a-z]*)/.exec(after);
        const titleCase = next !== null && !FIRST_NAMES.has(low(next[1]!)) && !SURNAMES.has(low(next[1]!)) && /\b[A-Z][\p{L}]*[ \t]{1,6}$/u.test(g.slice(Math.max(0, start - 30), start)) && !/\b(?:Hi|Hello|Hey|Dear|Thanks|Mr|Mrs|Ms|Dr)\.?[ \t]{1,6}$/.test(g.slice(Math.max(0, start - 10), start));
        // "Tom & Jerry", "Jack & Jones"
        if (INSTITUTION_AFTER.test(after) || titleCase || /^[ \t]{0,6}&/.test(after)) hit = null;
      }
      else if (/^[a-z]+$/.test(word) && listedName(word) && word.length >= 5 && !LOWER_CASE_ONLY_IN_CONTEXT.has(lw)) hit = nameHit(g, start, start + word.length, false);
      else if (isCap(word) && AMBIGUOUS_FIRST_NAMES.has(lw) && !NEVER_BY_LIST.has(lw) && PERSON_VERB_BEFORE.test(g.slice(Math.max(0, start - 24), start))) {
        const next = ahead(g, start + m[0].length);
        if (!/^\s{0,6}(?:[A-Z0-9&+]|$)/.test(next)) hit = { start, end: start + word.length, type: 'NAME' };
      }
      if (hit) {
        hits.push(hit);
        re.lastIndex = Math.max(re.lastIndex, hit.end);
      }
    }
    return hits;
  });
}

/**
 * Replaces personal data in `text` with typed placeholders and lists what it replaced, with its
 * place in the input. Never throws: any string goes in (including HTML, SQL-looking text or
 * emoji), a string comes out. Should a pass ever fail on some input, the text is redacted the
 * blunt way instead (every token with a digit or an "@", every capitalized word), never returned as is.
 */
export function redact(input: string, opts: RedactOptions = {}): RedactResult {
  const raw = typeof input === 'string' ? input : '';
  try {
    return redactPasses(raw, opts);
  } catch {
    return redactBluntly(raw);
  }
}

/** The fallback of redact(): numbers, addresses with "@" and capitalized words all go. */
function redactBluntly(raw: string): RedactResult {
  const found: Redaction[] = [];
  let text = '';
  let pos = 0;
  for (const m of raw.matchAll(/[^\s{}]*[\d@][^\s{}]*|(?<![\p{L}])\p{Lu}[\p{L}'’-]*/gu)) {
    const type: PiiType = /[\d@]/.test(m[0]) ? 'NUMBER' : 'NAME';
    text += raw.slice(pos, m.index) + placeholder(type);
    found.push({ type, value: m[0], start: m.index, end: m.index + m[0].length });
    pos = m.index + m[0].length;
  }
  text += raw.slice(pos);
  return { text: text.replace(/\{\{(?![A-Z_]+\}\})/g, '{').replace(/(?<!\{\{[A-Z_]+)\}\}/g, '}'), found };
}

/** redact() without its fallback: an error in a pass is thrown. For tests, which must never see one. */
export function redactUnchecked(input: string, opts: RedactOptions = {}): RedactResult {
  return redactPasses(typeof input === 'string' ? input : '', opts);
}

function redactPasses(raw: string, opts: RedactOptions): RedactResult {
  let base = normalizeMapped(raw);
  // Template slots left unfilled: our own types stay; named slots become typed ones or plain labels.
  base = replaceMapped(base, /\{\{\s{0,6}([^{}]{1,80}?)\s{0,6}\}\}/g, (m) => {
    const name = m[1]!;
    if (isPiiType(name)) return `{{${name}}}`;
    const type = templateSlotType(name);
    return type ? placeholder(type) : name;
  });
  // Stray braces must not be able to forge a placeholder later.
  base = replaceMapped(base, /\{\{(?![A-Z_]+\}\})/g, () => '{');
  base = replaceMapped(base, /(?<!\{\{[A-Z_]+)\}\}/g, () => '}');

  const w = new Work(base.s);
  for (const m of base.s.matchAll(/\{\{([A-Z_]+)\}\}/g)) {
    if (isPiiType(m[1]!)) w.claims.push({ start: m.index, end: m.index + m[0].length, type: m[1], pre: true });
  }

  // 1. Values known for this conversation, longest first (a phone inside a longer string, etc.).
  const known = [...(opts.known ?? [])].filter((k) => typeof k?.value === 'string' && k.value.trim().length >= 3 && isPiiType(k.type)).sort((a, b) => b.value.length - a.value.length);
  for (const k of known) {
    const v = k.value.trim().normalize('NFC');
    w.pass(new RegExp(`(?<![\\w])${escapeRe(v)}(?![\\w])`, 'gi'), (m) => whole(m, k.type));
  }
  const knownNames = (opts.names ?? [])
    .filter((n): n is string => typeof n === 'string')
    .map((n) => n.normalize('NFC').trim().split(/\s+/).filter((p) => p.length >= 2))
    .filter((parts) => parts.length > 0);
  for (const parts of knownNames) {
    w.pass(new RegExp(`(?<![\\p{L}\\d])${parts.map(escapeRe).join('\\s{1,6}')}(?![\\p{L}\\d])`, 'giu'), (m) => whole(m, 'NAME'));
  }

  // 2. E-mail addresses (before URLs: "mailto:" and user info), UPI ids, then links.
  emailsAndLinks(w);

  // Each part of a known name on its own, once e-mails are out of the way ("priya.s@..." stays an
  // e-mail). In any case ("priya", "deshmukh") when the part is a listed first name or surname;
  // otherwise as written: "Rose" the name, not "rose" the flower; "Admin User" not "user".
  for (const parts of knownNames) {
    for (const p of parts) {
      if (p.length < 3 || NOT_NAMES.has(p.toLowerCase())) continue;
      const anyCase = (listedName(p) || SURNAMES.has(low(p))) && !LOWER_CASE_ONLY_IN_CONTEXT.has(low(p));
      const flags = anyCase ? 'giu' : 'gu';
      w.pass(new RegExp(`(?<![\\p{L}\\d_@.+-])${escapeRe(p)}(?![\\p{L}\\d_@+-]|\\.[\\p{L}\\d])`, flags), (m) => whole(m, 'NAME'));
    }
  }

  // 3. Secrets named by a keyword: CVV, card expiry, birth date, one-time codes, passwords.
  secrets(w);
  rest(w, base.s);
  return output(w, base);
}

/** E-mail addresses, UPI ids, personal links. */
function emailsAndLinks(w: Work): void {
  w.pass(EMAIL_RE, (m) => whole(m, ROLE_MAILBOX.test(m[0].slice(0, m[0].indexOf('@'))) ? 'SUPPORT_EMAIL' : 'EMAIL'));
  w.pass(SPELLED_EMAIL_RE, (m) => {
    const [local = '', domain = ''] = m[0].split(/\s+(?:at|\[at\]|\(at\))\s+/i);
    return MAIL_PROVIDER.test(domain.split(/\s+/)[0] ?? '') || /\sdot\s|[\d._]/i.test(local) ? whole(m, 'EMAIL') : null;
  });
  w.pass(UPI_RE, (m) => {
    const at = m[0].indexOf('@');
    const local = m[0].slice(0, at);
    const handle = m[0].slice(at + 1);
    if (MAIL_PROVIDER.test(handle)) return whole(m, 'EMAIL');
    // A known UPI handle, or an id-looking name before a lower-case handle ("made@travel" is chat, not an id).
    const idLike = /[\d._-]/.test(local) && !/\.\.|[._-]$/.test(local) && /^[a-z][a-z0-9]{1,19}$/.test(handle);
    return UPI_HANDLE.test(handle) || idLike ? whole(m, 'UPI_ID') : null;
  });
  w.pass(URL_RE, (m) => {
    const trail = /[.,;:!?)\]]+$/.exec(m[0])?.[0] ?? '';
    const url = trail ? m[0].slice(0, -trail.length) : m[0];
    return isPersonalUrl(url) ? { start: m.index, end: m.index + url.length, type: 'URL' } : null;
  });
}

/** Everything after the secrets: identifiers, phones, addresses, user names and person names, long numbers. */
function rest(w: Work, s: string): void {
  // 4. Identifiers: government and bank ids, ids named by a keyword, prefixed, "#12345", IBANs,
  // then card numbers by Luhn, what names a card by its last digits, and an expiry right after a card.
  bankAndGovernmentIds(w);
  w.pass(KEYWORD_ID_RE, (m) => {
    const type = keywordId(m[1]!, m[2]!, m[3]!, m[4]!);
    return type ? group(m, 4, type) : null;
  });
  w.pass(PREFIXED_ID_RE, (m) => whole(m, PREFIX_TYPE[m[1]!.toLowerCase()] ?? 'ORDER_NUMBER'));
  w.pass(HASH_ID_RE, (m) => whole(m, 'ORDER_NUMBER'));
  w.pass(IBAN_RE, (m) => (digitCount(m[0]) >= 10 ? whole(m, 'ACCOUNT_NUMBER') : null));
  w.pass(CARD_RE, (m) => (luhnValid(m[0]) ? whole(m, 'CARD_NUMBER') : null));
  // A 16-digit run in groups of four that fails Luhn is a mistyped card or some other account id.
  w.pass(CARD_RE, (m) => (/^\d{4}([ -]?)\d{4}\1\d{4}\1\d{1,7}$/.test(m[0]) ? whole(m, 'NUMBER') : null));
  w.pass(MASKED_CARD_RE, (m) => whole(m, 'CARD_NUMBER'));
  w.pass(CARD_ENDING_RE, (m) => group(m, 1, 'CARD_NUMBER'));
  w.pass(LAST_DIGITS_RE, (m) => group(m, 2, /account|a\/c/i.test(m[1] ?? '') ? 'ACCOUNT_NUMBER' : /number|phone|mobile/i.test(m[1] ?? '') ? 'PHONE' : 'CARD_NUMBER'));
  w.pass(PHONE_ENDING_RE, (m) => group(m, 1, 'PHONE'));
  w.pass(EXPIRY_AFTER_CARD_RE, (m, g, at) => (at.before?.type === 'CARD_NUMBER' ? group(m, 1, 'CARD_EXPIRY') : null));
  w.pass(AADHAAR_SPACED_RE, (m) => whole(m, 'GOV_ID'));

  // 5. Phone numbers.
  w.pass(CONTEXT_PHONE_RE, (m) => {
    const d = digitCount(m[3]!);
    return d >= 7 && d <= 15 ? group(m, 3, phoneType(m[3]!)) : null;
  });
  w.pass(INTL_PHONE_RE, (m) => {
    // "00" is an international prefix only when followed by a country code and grouped digits
    // ("0049 30 1234567"); "00123842" is a zero-padded identifier.
    if (m[0].startsWith('00') && (m[0][2] === '0' || !/[\s.()-]/.test(m[0]))) return null;
    const d = digitCount(m[0]);
    return d >= 8 && d <= 15 ? whole(m, phoneType(m[0])) : null;
  });
  w.pass(IN_MOBILE_RE, (m) => whole(m, 'PHONE'));
  w.pass(IN_LANDLINE_RE, (m) => {
    const d = digitCount(m[0]);
    return d >= 10 && d <= 12 ? whole(m, phoneType(m[0])) : null;
  });
  w.pass(NATIONAL_PHONE_RE, (m) => {
    const d = digitCount(m[0]);
    return d >= 9 && d <= 13 ? whole(m, phoneType(m[0])) : null;
  });

  // 6. Made-up looking tokens in a message about passwords ("new one is Mango@777").
  if (PASSWORD_CONTEXT.test(s)) {
    // Near a word about passwords, before or after it ("I changed it to Sunrise#2023 ... wrong password").
    const near = (m: RegExpExecArray, at: Stretch) => PASSWORD_CONTEXT.test(before(at, m.index, 80)) || PASSWORD_CONTEXT.test(at.full.slice(at.offset + m.index, at.offset + m.index + m[0].length + 80));
    w.pass(PASSWORD_LIKE_RE, (m, g, at) => (near(m, at) ? whole(m, 'PASSWORD') : null));
    w.pass(QUOTED_SECRET_RE, (m, g, at) => (near(m, at) ? whole(m, 'PASSWORD') : null));
  }

  // 7. Addresses and postcodes.
  addresses(w);

  // 8. User names, then person names.
  w.pass(USERNAME_RE, (m) => {
    const joiner = m[2]!;
    const user = m[3]!;
    if (!/\d/.test(user) && !/[:]|\bis\b/i.test(joiner)) return null;
    if (user.length < 3 || NOT_PASSWORD.has(user.toLowerCase())) return null;
    return group(m, 3, 'USERNAME');
  });
  w.pass(HANDLE_RE, (m) => whole(m, 'USERNAME'));
  names(w);

  // 9. Whatever long number is left is some identifier of someone.
  w.pass(LONG_NUMBER_RE, (m) => whole(m, 'NUMBER'));
}

/** The text with placeholders, and what was replaced, with input offsets. */
function output(w: Work, base: Mapped): RedactResult {
  let text = '';
  const found: Redaction[] = [];
  let pos = 0;
  for (const c of w.claims) {
    text += base.s.slice(pos, c.start);
    if (c.pre) text += base.s.slice(c.start, c.end);
    else {
      text += placeholder(c.type);
      const start = base.from ? base.from[c.start]! : c.start;
      const end = base.to ? base.to[c.end - 1]! : c.end;
      found.push({ type: c.type, value: base.s.slice(c.start, c.end), start, end });
    }
    pos = c.end;
  }
  text += base.s.slice(pos);
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
