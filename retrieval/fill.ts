// Fills the typed placeholders of a stored (redacted) answer for the customer being served, at
// reply time. Values come only from the context the bot passes for THIS customer and from the
// store's own public settings; a placeholder without a value is rephrased generically, and no
// "{{...}}" ever reaches the customer.

import { PII_TYPES, type PiiType } from './redact.js';

/** What the bot knows about the current customer (from the store), all optional. */
export interface CustomerContext {
  name?: string;
  firstName?: string;
  email?: string;
  phone?: string;
  orderNumber?: string;
  invoiceNumber?: string;
  trackingNumber?: string;
  accountNumber?: string;
  username?: string;
  address?: string;
  postcode?: string;
}

/** The store's own public contact data (configuration, not customer data). */
export interface StoreInfo {
  name?: string;
  website?: string;
  supportEmail?: string;
  supportPhone?: string;
}

type Rule = [RegExp, string];

/** Wording used when a placeholder has no value: phrases around it first, then the bare slot. */
const GENERIC: Record<PiiType, { rules: Rule[]; bare: string }> = {
  ORDER_NUMBER: {
    rules: [
      [/\s+(?:labeled |labelled |associated )?with (?:the )?(?:order |purchase )?(?:number|ID|id|no\.?)\s+\{\{ORDER_NUMBER\}\}/g, ''],
      [/\b(?:the |your |my )?(order|purchase)(?: (?:number|ID|id|no\.?|#))?\s*(?:#\s*)?\{\{ORDER_NUMBER\}\}/gi, 'your $1'],
      [/\b(?:the |your )?(?:order |purchase )?(?:number|ID|id|no\.?)\s+\{\{ORDER_NUMBER\}\}/g, 'your order number'],
    ],
    bare: 'your order',
  },
  INVOICE_NUMBER: {
    rules: [
      [/\s+with (?:the )?(?:invoice |bill )?(?:number|ID|id)\s+\{\{INVOICE_NUMBER\}\}/g, ''],
      [/\b(?:the |your )?(invoice|bill|receipt)(?: (?:number|ID|id|no\.?|#))?\s*(?:#\s*)?\{\{INVOICE_NUMBER\}\}/gi, 'your $1'],
    ],
    bare: 'your invoice number',
  },
  TRACKING_NUMBER: {
    rules: [[/\b(?:the |your )?tracking(?: (?:number|ID|id|code|no\.?))?\s*(?:#\s*)?\{\{TRACKING_NUMBER\}\}/gi, 'your tracking number']],
    bare: 'your tracking number',
  },
  ACCOUNT_NUMBER: {
    rules: [[/\b(?:the |your )?(account|membership|customer)(?: (?:number|ID|id|no\.?|#))?\s*(?:#\s*)?\{\{ACCOUNT_NUMBER\}\}/gi, 'your $1 number']],
    bare: 'your account number',
  },
  CARD_NUMBER: {
    rules: [[/\b(?:the |your )?card(?: (?:number|ending (?:in|with)))?\s*\{\{CARD_NUMBER\}\}/gi, 'your card']],
    bare: 'your card',
  },
  EMAIL: { rules: [[/\b(?:the |your )?e-?mail(?: address)?\s*(?:is |:\s*)?\{\{EMAIL\}\}/gi, 'your e-mail address']], bare: 'your e-mail address' },
  PHONE: { rules: [[/\b(?:the |your )?(?:phone|mobile)(?: number)?\s*(?:is |:\s*)?\{\{PHONE\}\}/gi, 'your phone number']], bare: 'your phone number' },
  ADDRESS: { rules: [[/\b(?:the |your )?(?:address|street)\s*(?:is |:\s*)?\{\{ADDRESS\}\}/gi, 'your address']], bare: 'your address' },
  POSTCODE: { rules: [[/\b(?:zip|zip code|postcode|postal code|pin|pin code|pincode)\s*(?:is |:\s*)?\{\{POSTCODE\}\}/gi, 'your postcode']], bare: 'your postcode' },
  NAME: {
    rules: [
      [/\b(Dear)\s+\{\{NAME\}\}/g, '$1 customer'],
      [/\b(Hi|Hello|Hey|Thanks|Thank you|Welcome|Good (?:morning|afternoon|evening)),?\s+\{\{NAME\}\}/g, '$1'],
      [/\b(?:Mr|Mrs|Ms|Miss|Mx|Dr|Prof)\.?\s+\{\{NAME\}\}/g, 'the customer'],
      [/,?\s*\{\{NAME\}\}(?=\s*[,.!?])/g, ''],
    ],
    bare: 'the customer',
  },
  USERNAME: { rules: [[/\b(?:the |your )?user ?name\s*(?:is |:\s*)?\{\{USERNAME\}\}/gi, 'your username'], [/^(?:\{\{USERNAME\}\}\s*)+/g, '']], bare: 'your username' },
  URL: { rules: [[/\b(?:this |the |following )?link:?\s*\{\{URL\}\}/gi, 'the link in your account']], bare: 'the link in your account' },
  NUMBER: { rules: [], bare: 'the reference number' },
  SUPPORT_EMAIL: {
    rules: [[/\b(?:our |the )?(?:customer |support |customer support |customer service )?(?:e-?mail|address)(?: address)?\s*(?:at |is |:\s*)?\{\{SUPPORT_EMAIL\}\}/gi, 'our support e-mail address']],
    bare: 'our support e-mail address',
  },
  SUPPORT_PHONE: {
    rules: [[/\b(?:our |the )?(?:toll-free |customer support |support |customer service )*(?:phone |telephone |hotline |helpline )?(?:number|line),?\s*(?:at |is |:\s*)?\{\{SUPPORT_PHONE\}\}/gi, 'our customer support phone line']],
    bare: 'our customer support phone line',
  },
  WEBSITE: {
    rules: [
      [/\b(?:our|the)\s+\{\{WEBSITE\}\}(?:\s+(?:website|site|platform))?/gi, 'our website'],
      [/\b(your|an?)\s+\{\{WEBSITE\}\}\s+account/gi, '$1 account on our website'],
      [/\{\{WEBSITE\}\}\s+(?:website|site)/gi, 'our website'],
    ],
    bare: 'our website',
  },
  // Payment and identity secrets: always the generic words, never a value.
  CARD_EXPIRY: { rules: [[/\b(?:exp(?:iry|ires)?\.?|valid (?:thru|till|until))\s*(?:date\s*)?(?:is |:\s*)?\{\{CARD_EXPIRY\}\}/gi, "your card's expiry date"]], bare: "your card's expiry date" },
  CVV: { rules: [[/\b(?:cvv|cvc|card verification (?:value|code))\s*(?:is |:\s*)?\{\{CVV\}\}/gi, 'the CVV on your card']], bare: 'the CVV on your card' },
  UPI_ID: { rules: [[/\b(?:the |your )?(?:upi|vpa)(?: id| handle| address)?\s*(?:is |:\s*)?\{\{UPI_ID\}\}/gi, 'your UPI ID']], bare: 'your UPI ID' },
  IFSC: { rules: [[/\b(?:the |your )?ifsc(?: code)?\s*(?:is |:\s*)?\{\{IFSC\}\}/gi, "your bank's IFSC code"]], bare: "your bank's IFSC code" },
  OTP: { rules: [[/\b(?:the |your )?(?:otp|one[- ]time (?:code|password)|verification code|code)\s*(?:is |:\s*)?\{\{OTP\}\}/gi, 'the one-time code we send you']], bare: 'the one-time code we send you' },
  PASSWORD: { rules: [[/\b(?:the |your )?(?:temporary |temp |new )?password\s*(?:is |:\s*)?\{\{PASSWORD\}\}/gi, 'a password you choose']], bare: 'a password you choose' },
  DATE_OF_BIRTH: { rules: [[/\b(?:dob|date of birth|born on)\s*(?:is |:\s*)?\{\{DATE_OF_BIRTH\}\}/gi, 'your date of birth']], bare: 'your date of birth' },
  GOV_ID: { rules: [], bare: 'your ID number' },
};

function valueFor(type: PiiType, c: CustomerContext, s: StoreInfo): string | undefined {
  const nonEmpty = (v: string | undefined): string | undefined => (typeof v === 'string' && v.trim() !== '' ? v.trim() : undefined);
  switch (type) {
    case 'ORDER_NUMBER':
      return nonEmpty(c.orderNumber);
    case 'INVOICE_NUMBER':
      return nonEmpty(c.invoiceNumber);
    case 'TRACKING_NUMBER':
      return nonEmpty(c.trackingNumber);
    case 'ACCOUNT_NUMBER':
      return nonEmpty(c.accountNumber);
    case 'EMAIL':
      return nonEmpty(c.email);
    case 'PHONE':
      return nonEmpty(c.phone);
    case 'ADDRESS':
      return nonEmpty(c.address);
    case 'POSTCODE':
      return nonEmpty(c.postcode);
    case 'NAME':
      return nonEmpty(c.firstName) ?? nonEmpty(c.name);
    case 'USERNAME':
      return nonEmpty(c.username);
    case 'SUPPORT_EMAIL':
      return nonEmpty(s.supportEmail);
    case 'SUPPORT_PHONE':
      return nonEmpty(s.supportPhone);
    case 'WEBSITE':
      return nonEmpty(s.website);
    // Never echoed even for their owner: full card numbers, personal links, unknown identifiers.
    case 'CARD_NUMBER':
    case 'URL':
    case 'NUMBER':
    case 'CARD_EXPIRY':
    case 'CVV':
    case 'UPI_ID':
    case 'IFSC':
    case 'OTP':
    case 'PASSWORD':
    case 'DATE_OF_BIRTH':
    case 'GOV_ID':
      return undefined;
  }
}

/** A generic phrase for a matched slot: "$1" expanded, capitalized when the match was. */
function phrase(match: string, rep: string, groups: unknown[]): string {
  const out = rep.replace(/\$(\d)/g, (_m, i: string) => {
    const g = groups[Number(i) - 1];
    return typeof g === 'string' ? g : '';
  });
  return /^[A-Z]/.test(match) && out !== '' ? out[0]!.toUpperCase() + out.slice(1) : out;
}

/** Turns "Order Details" style leftovers into plain words. */
const humanize = (label: string): string => label.replace(/_/g, ' ').trim().toLowerCase();

/**
 * Fills `text` for the current customer. Only `customer` and `store` are read: an answer mined from
 * someone else's chat can only ever show the data of the customer being served.
 */
export function fill(text: string, customer: CustomerContext = {}, store: StoreInfo = {}): string {
  let out = text;
  for (const type of PII_TYPES) {
    const slot = `{{${type}}}`;
    if (!out.includes(slot)) continue;
    const v = valueFor(type, customer, store);
    if (v !== undefined) {
      // A value is plain text: "$&" and friends must not be read as replacement patterns.
      out = out.split(slot).join(v.replace(/[{}]/g, ''));
      continue;
    }
    for (const [re, rep] of GENERIC[type].rules) out = out.replace(re, (m: string, ...rest: unknown[]) => phrase(m, rep, rest));
    out = out.split(slot).join(GENERIC[type].bare);
  }
  // Anything left that looks like a template slot is shown as words, never as braces.
  out = out.replace(/\{\{\s*([^{}]*?)\s*\}\}/g, (_m, label: string) => humanize(label)).replace(/\{\{|\}\}/g, '');
  return tidy(out);
}

/** Spacing left by removed slots: "Hi ," -> "Hi,", double spaces, "your your". */
function tidy(s: string): string {
  return s
    .replace(/[ \t]+([,.!?;:])/g, '$1')
    .replace(/([,.!?;:])(?:\s*,)+/g, '$1')
    .replace(/[ \t]{2,}/g, ' ')
    .replace(/\b(your|our|the) \1\b/gi, '$1')
    .replace(/^\s*,\s*/, '')
    .trim();
}
