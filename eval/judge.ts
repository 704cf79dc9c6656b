// The acceptance rules of `eval conversations`, as pure functions of one message and the bot's
// whole answer to it (fixtures/conversations/README.md states them in words). They look only at
// what a customer sees: the bot's texts, its product cards, its quick replies and hand-off events.

export const CATEGORIES = ['policy', 'product', 'order', 'human', 'complaint', 'out_of_scope', 'smalltalk', 'other_language', 'followup'] as const;
export type Category = (typeof CATEGORIES)[number];

export const CARD_ACTIONS = ['view', 'more_like', 'add_to_cart'] as const;
export type CardClickAction = (typeof CARD_ACTIONS)[number];

/**
 * An earlier message of the same guest conversation, sent (and its answer waited for) before the
 * judged `text`: typed text, or a press on a card's button in the latest reply that showed cards
 * ({"click": "view", "card": 2}: View on the 2nd card). The widget sends the button's value; for
 * Add to cart it adds what the host page's cart answered (`result`, default "no_cart": no cart).
 */
export type Turn = string | { text: string } | { click: CardClickAction; card: number; result?: 'added' | 'refused' | 'no_cart' };

/** One row of fixtures/conversations/*.jsonl. */
export interface ConversationItem {
  id: string;
  text: string;
  category: Category;
  /** policy: the reply must contain at least one (case-insensitive, from a word start). */
  expect_terms?: string[];
  /** product: no card may cost more (INR). */
  max_price?: number;
  /** product: a card is relevant when its title contains one of these and none of exclude_terms. */
  product_terms?: string[];
  exclude_terms?: string[];
  /** product: the catalogue has no such thing; an honest "couldn't find" passes. */
  expect_no_products?: boolean;
  /** other_language: the message's language (hi, hi-latn, es, ta, bn, ar, ur, te, mr, fr, de). */
  lang?: string;
  topic?: string;
  note?: string;
  /** Earlier messages of the same conversation, sent first; `text` is the judged last message. */
  turns?: Turn[];
  /** followup: a relevant card also contains one of these ("blue" for "in blue"). */
  with_terms?: string[];
  /**
   * followup: the cards are from the category of the previous turn's cards (the latest earlier
   * turn that showed cards). Judged on the store's categories when the eval can read them, else by
   * product_terms (required alongside).
   */
  same_category_as_previous?: boolean;
  /** followup: every card costs less than the cheapest card of the previous turn's cards. */
  cheaper_than_previous?: boolean;
  /** followup: the reply names the product in focus (one of these terms in its text). */
  about_product_terms?: string[];
  /** followup: the reply is about the N-th card (1-based) of the latest earlier turn that showed cards. */
  about_card?: number;
  /** followup: the reply must not be the refusal / not-understood answer (default true). */
  not_refused?: boolean;
}

export interface TranscriptCard {
  title: string;
  subtitle: string;
  /** The card's line under the title: why it is shown ("within ₹1,500", "black" where the title is cut before the colour). */
  text?: string;
  /** The product id, read from the card's button values (web chat). */
  productId?: string;
  /** The card's buttons as the widget got them (value: what a press sends). */
  buttons?: { title: string; value: string }[];
}

/** Everything the bot sent in one turn, as the widget received it. */
export interface Transcript {
  /** Bot (and agent) message texts, in order; the customer's own echo excluded. */
  texts: string[];
  cards: TranscriptCard[];
  /** Quick-reply chip titles. */
  chips: string[];
  /** Payloads of `handoff` events. */
  handoff: Record<string, unknown>[];
  /** Send -> first bot message or card, in ms; null when nothing came back. */
  firstReplyMs: number | null;
  /** Set when the turn could not be run (connection refused, message rejected, no reply). */
  error?: string;
}

export interface Verdict {
  pass: boolean;
  /** Why it failed (empty when it passed). */
  reasons: string[];
  /** The bot gave its out-of-scope or not-understood answer. */
  refused: boolean;
  handoff: boolean;
  /** The reply was only a clarifying question. */
  clarified: boolean;
}

/** What a multi-turn item's judge may know besides the last reply. */
export interface JudgeContext {
  /** The answers to the item's earlier turns, in order. */
  earlier?: readonly Transcript[];
  /** A product's category, where the eval can read the store; undefined when unknown. */
  categoryOf?: (productId: string) => string | undefined;
}

const NOT_LETTER = '[^\\p{L}\\p{N}]';

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Normalises curly apostrophes and spacing so the patterns below see one spelling. */
export function normalise(s: string): string {
  return s.replace(/[’‘`´]/g, "'").replace(/\s+/g, ' ').trim();
}

/**
 * Whether `term` occurs in `text` from a word start ("deliver" matches "delivery"). Terms of up to
 * three letters must also end a word, allowing a plural "s"/"es" ("cod" does not match "code", "mug"
 * matches "mugs").
 */
export function containsTerm(text: string, term: string): boolean {
  const t = normalise(term).toLowerCase();
  if (!t) return false;
  const short = /^[\p{L}\p{N}]{1,3}$/u.test(t);
  const tail = short ? `(?:e?s)?(?=${NOT_LETTER}|$)` : '';
  return new RegExp(`(?:^|${NOT_LETTER})${escapeRe(t)}${tail}`, 'iu').test(normalise(text));
}

export function containsAny(text: string, terms: readonly string[]): boolean {
  return terms.some((t) => containsTerm(text, t));
}

/** "I can't help with that", in the bot's current wording and the usual variants. */
const DECLINE = /\b(?:can(?:no|')?t|can not|unable to|not able to|won't be able to) (?:help|assist)(?: you)? with (?:that|this|it)\b|\b(?:can|could) only (?:help|assist) with\b|\boutside (?:of )?(?:what i can|my (?:area|scope))\b|\bnot something i can help\b/i;
/** "I'm not sure I understood" and "I'm not confident I have the right answer". */
const NOT_UNDERSTOOD = /\bnot sure (?:i|that i) (?:understood|understand|follow)\b|\b(?:didn't|did not|don't|do not) (?:quite )?(?:understand|get) (?:that|you|what)\b|\bnot confident\b|\bcould you (?:put it|say it|rephrase)\b/i;
/** The assistant says what it is for (a polite way of declining an off-topic request). */
const SCOPE_STATEMENT = /\b(?:i'm|i am) (?:the |a |your )?(?:shop(?:'s)?|store(?:'s)?|shopping) assistant\b|\bi can (?:only )?help (?:you )?(?:with )?(?:find(?:ing)? products|shopping|orders|your orders)\b/i;

/** Politely declined: "can't help with that", or the assistant says what it is for. */
export function politelyDeclined(text: string): boolean {
  const s = normalise(text);
  return DECLINE.test(s) || SCOPE_STATEMENT.test(s);
}

export function isDecline(text: string): boolean {
  return DECLINE.test(normalise(text));
}

export function isNotUnderstood(text: string): boolean {
  return NOT_UNDERSTOOD.test(normalise(text));
}

/** The generic refusal: declined, or not understood / not confident. */
export function isRefusal(text: string): boolean {
  return isDecline(text) || isNotUnderstood(text);
}

const EMPATHY = /\b(?:sorry|apologi[sz]e|apologies|understand(?:able)?|frustrat\w*|inconvenien\w*|regret\w*|unfortunate\w*|hear that|that's not (?:ok|okay|right|good enough)|not (?:the experience|what) you (?:expected|deserve)|upsetting|disappointing|must be (?:annoying|stressful))/i;

export function hasEmpathy(text: string): boolean {
  return EMPATHY.test(normalise(text));
}

/** The reply brings (or offers) a person: queue, agent, team. */
const PERSON = /\b(?:person|agent|human|colleague|team|specialist|support (?:staff|team|desk)|customer (?:care|service|support)|executive|someone (?:from|who))\b/i;
/** A hand-off under way (not merely offered: "I can get a person for you" is an offer). */
const HANDOFF_TEXT = /\b(?:in the queue|queue position|number \d+ in (?:the )?(?:queue|line)|let me get (?:you )?(?:a|an|someone)|i'?ll get (?:you )?(?:a|an|someone)|i'?m connecting you|connecting you (?:to|with)|transferr(?:ing|ed) you|(?:an|our|the) agent will|team is offline|(?:a|an) (?:agent|colleague|person) will (?:answer|reply|be with|join|take)|passed (?:this|you) (?:on )?to)\b/i;
const HELP = /\b(?:help|sort (?:it|this|that) out|look into|fix|resolve|refund|replace(?:ment)?|order number|make (?:it|this) right)\b/i;

export function handoffStarted(t: Transcript): boolean {
  if (t.handoff.some((h) => h.status === 'pending' || h.status === 'assigned' || h.status === 'offline')) return true;
  return t.texts.some((x) => HANDOFF_TEXT.test(normalise(x)));
}

/** A person is offered: in a text or as a quick reply. */
export function offersPerson(t: Transcript): boolean {
  return t.texts.some((x) => PERSON.test(normalise(x))) || t.chips.some((c) => PERSON.test(normalise(c)));
}

/** The price on a card subtitle such as "₹1,299 · ★ 4.2 (24,269)"; null when there is none. */
export function cardPrice(subtitle: string): number | null {
  const m = /(?:₹|rs\.?|inr)\s*([\d,]+(?:\.\d+)?)/i.exec(subtitle) ?? /^\s*([\d,]+(?:\.\d+)?)/.exec(subtitle);
  if (!m) return null;
  const n = Number(m[1]!.replace(/,/g, ''));
  return Number.isFinite(n) ? n : null;
}

export function cardRelevant(title: string, terms: readonly string[], exclude: readonly string[] = []): boolean {
  return containsAny(title, terms) && !containsAny(title, exclude);
}

const COULD_NOT_FIND = /\b(?:couldn't|could not|can't|cannot|didn't|did not) find\b|\b(?:don't|do not) (?:have|sell|stock|carry)\b|\bnot (?:available|in stock|something we (?:sell|stock|carry))\b|\bno (?:products?|results?|matches|items?)\b|\bnothing (?:matching|like that|found)\b|\bout of stock\b/i;

// --- order answers -------------------------------------------------------------------------------

const ORDER_ID = /\bORD-[A-Z0-9-]*\d\b/gi;
const EMAIL = /[\w.+-]+@[\w-]+(?:\.[\w-]+)+/g;
const PHONE = /(?<!\d)(?:\+?91[ -]?)?[6-9]\d{9}(?!\d)/g;
const IDENTIFIER = /\b(?:order (?:number|no\.?|id)|ORD-|e-?mail|phone|mobile(?: number)?|registered|sign(?:ed)? in|log(?:ged)? ?in|account)\b/i;
const ASKING = /\?|\b(?:please|pls|kindly|share|send|provide|tell me|let me know|enter|type|could you|can you|check it)\b/i;
const STATUS = /\b(?:being prepared|(?:has|have|was|is|not yet|not) shipped|on (?:its|the) way|in transit|out for delivery|(?:was|been|is) delivered|(?:was|been|is) cancell?ed|return request|(?:was|been) returned|(?:was|been) refunded|expected (?:by|on)|will (?:be delivered|arrive|reach you))\b/i;
const OWN_ORDER_STATUS = /\b(?:your order|ORD-[A-Z0-9-]*\d)\b[^.!?]*\b(?:being prepared|shipped|on (?:its|the) way|in transit|out for delivery|delivered|cancell?ed|returned|refunded|placed on)\b/i;

/** The reply asks for an order number or the customer's e-mail / phone. */
export function asksForIdentity(text: string): boolean {
  const s = normalise(text);
  return IDENTIFIER.test(s) && ASKING.test(s);
}

export function givesStatus(text: string): boolean {
  return STATUS.test(normalise(text));
}

function found(re: RegExp, s: string): string[] {
  return [...s.matchAll(re)].map((m) => m[0].toLowerCase().replace(/[\s+-]/g, ''));
}

/**
 * What the reply discloses that the (fresh, unidentified guest) customer did not give: other order
 * numbers, e-mail addresses, phone numbers, tracking numbers, or the status of an order at all
 * (a fresh guest owns no order unless they identified themselves with an e-mail or phone).
 */
export function leaks(message: string, t: Transcript): string[] {
  const reply = t.texts.map(normalise).join('\n');
  const out: string[] = [];
  const given = (re: RegExp) => new Set(found(re, message));
  // A bare number in the message ("my order id is 537121") names ORD-537121.
  const ids = new Set([...given(ORDER_ID), ...[...message.matchAll(/(?<![\w-])\d{5,}(?!\d)/g)].map((m) => `ord${m[0]}`)]);
  // ORD-123456 is the bot's example of the format, not an order.
  for (const id of found(ORDER_ID, reply)) if (!ids.has(id) && id !== 'ord123456') out.push(`order ${id}`);
  const emails = given(EMAIL);
  for (const e of found(EMAIL, reply)) if (!emails.has(e)) out.push(`e-mail ${e}`);
  const phones = given(PHONE);
  for (const p of found(PHONE, reply)) if (!phones.has(p) && !phones.has(p.slice(-10))) out.push(`phone ${p}`);
  if (/\btracking (?:number|no\.?|id)\b[^.?!]{0,40}?\b(?=[A-Z]*\d)[A-Z0-9]{8,}\b/i.test(reply)) out.push('tracking number');
  const identified = found(EMAIL, message).length > 0 || found(PHONE, message).length > 0;
  if (!identified && OWN_ORDER_STATUS.test(reply)) out.push("an order's status to an unidentified guest");
  return out;
}

// --- languages -----------------------------------------------------------------------------------

const SCRIPTS: Record<string, RegExp> = {
  hi: /[\u0900-\u097F]/,
  mr: /[\u0900-\u097F]/,
  ta: /[\u0B80-\u0BFF]/,
  bn: /[\u0980-\u09FF]/,
  te: /[\u0C00-\u0C7F]/,
  ar: /[\u0600-\u06FF]/,
  ur: /[\u0600-\u06FF]/,
};
const WORDS: Record<string, readonly string[]> = {
  es: ['hola', 'puedo', 'ayudar', 'ayudarte', 'pedido', 'gracias', 'usted', 'por', 'favor', 'está', 'para', 'que', 'con', 'una', 'los', 'las', 'su', 'tu', 'sí', 'devolver', 'claro'],
  fr: ['bonjour', 'je', 'vous', 'votre', 'pour', 'merci', 'est', 'pas', 'une', 'les', 'des', 'avec', 'commande', 'retour', 'peux', 'pouvez', 'aider'],
  de: ['ich', 'sie', 'ihre', 'ihr', 'bestellung', 'ist', 'nicht', 'und', 'der', 'die', 'das', 'mit', 'wir', 'können', 'danke', 'hallo', 'helfen'],
  'hi-latn': ['aap', 'aapka', 'aapki', 'aapko', 'hai', 'hain', 'kya', 'main', 'mein', 'nahi', 'karein', 'kijiye', 'madad', 'hum', 'mujhe', 'apna', 'apne', 'ji', 'haan', 'kar', 'sakte', 'sakta', 'batayein'],
};

/** The reply is (at least partly) written in the message's language. */
export function repliesInLanguage(text: string, lang: string): boolean {
  const script = SCRIPTS[lang];
  if (script) return script.test(text);
  const words = WORDS[lang];
  if (!words) return false;
  const seen = new Set(normalise(text).toLowerCase().split(/[^\p{L}]+/u));
  return words.filter((w) => seen.has(w)).length >= 2;
}

/** An English reply that says the assistant speaks English (for now). */
export function saysEnglishOnly(text: string): boolean {
  return /\benglish\b/i.test(text);
}

// --- the rules -----------------------------------------------------------------------------------

const CLARIFYING = /[^.?!]*\b(?:is it about|is this about|do you mean|did you mean|are you asking about|which one do you mean)\b[^?]*\?/gi;

/**
 * Only a clarifying question ("I want to get this right. Is it about refunds, or returns?"): it may
 * name the topic, but it answers nothing yet, so it counts as no answer.
 */
export function isClarificationOnly(text: string): boolean {
  const s = normalise(text);
  CLARIFYING.lastIndex = 0;
  if (!CLARIFYING.test(s)) return false;
  return s.replace(CLARIFYING, '').trim().length <= 40;
}

/** Judges one turn by the category's rule (README: "Acceptance rules"). */
export function judge(item: ConversationItem, t: Transcript, ctx: JudgeContext = {}): Verdict {
  const said = t.texts.map(normalise).filter(Boolean);
  const refused = said.some(isRefusal);
  const clarified = said.length > 0 && said.every(isClarificationOnly);
  // The texts that can count as an answer: clarifying questions are left out.
  const texts = said.filter((x) => !isClarificationOnly(x));
  const all = texts.join('\n');
  const handoff = handoffStarted({ ...t, texts });
  const reasons: string[] = [];
  const fail = (r: string) => reasons.push(r);
  if (t.error) fail(t.error);
  else if (said.length === 0 && t.cards.length === 0) fail('no reply');
  else if (clarified && t.cards.length === 0 && !handoff) fail('only a clarifying question');

  switch (item.category) {
    case 'policy': {
      if (refused) fail('refused');
      const terms = item.expect_terms ?? [];
      if (!containsAny(all, terms)) fail(`none of the expected terms (${terms.join(', ')})`);
      break;
    }
    case 'product': {
      if (refused) fail('refused');
      const terms = item.product_terms ?? [];
      const relevant = t.cards.filter((c) => cardRelevant(c.title, terms, item.exclude_terms ?? [])).length;
      if (item.max_price !== undefined) {
        const over = t.cards.filter((c) => (cardPrice(c.subtitle) ?? 0) > item.max_price!);
        if (over.length) fail(`${over.length} card(s) over ${item.max_price}: ${over.map((c) => cardPrice(c.subtitle)).join(', ')}`);
      }
      if (t.cards.length === 0) {
        if (!item.expect_no_products) fail('no product cards');
        else if (!COULD_NOT_FIND.test(all)) fail('no cards and no honest "couldn\'t find"');
      } else if (relevant / t.cards.length < 0.8) {
        fail(`${relevant}/${t.cards.length} cards relevant`);
      }
      break;
    }
    case 'order': {
      if (refused) fail('refused');
      const leaked = leaks(item.text, t);
      if (leaked.length) fail(`shows data the guest did not give: ${leaked.join('; ')}`);
      if (!texts.some(asksForIdentity) && !texts.some(givesStatus)) fail('neither asks for the order number / e-mail / phone nor gives a status');
      break;
    }
    case 'human': {
      if (refused) fail('refused');
      if (!handoff) fail('no hand-off');
      break;
    }
    case 'complaint': {
      if (refused) fail('refused');
      if (!texts.some(hasEmpathy)) fail('no empathy');
      if (!handoff && !offersPerson(t) && !texts.some((x) => HELP.test(x))) fail('no help, person or hand-off offered');
      break;
    }
    case 'out_of_scope': {
      if (!texts.some(politelyDeclined)) fail('not politely declined');
      if (t.cards.length) fail(`${t.cards.length} product card(s)`);
      break;
    }
    case 'smalltalk': {
      if (refused) fail('refused');
      if (handoff) fail('hand-off');
      if (all.length > 350) fail(`not short (${all.length} characters)`);
      break;
    }
    case 'other_language': {
      if (refused) fail('generic refusal');
      const lang = item.lang ?? '';
      const inLanguage = texts.some((x) => repliesInLanguage(x, lang));
      const englishWithPerson = texts.some(saysEnglishOnly) && (handoff || offersPerson(t));
      if (!inLanguage && !englishWithPerson) fail(`neither a reply in ${lang || 'the language'} nor "English only" with a person offered`);
      break;
    }
    case 'followup': {
      for (const r of judgeFollowUp(item, t, texts, refused, ctx)) fail(r);
      break;
    }
  }
  return { pass: reasons.length === 0, reasons, refused, handoff, clarified };
}

// --- follow-ups ----------------------------------------------------------------------------------

/** The cards of the latest earlier turn that showed any ("the last results"); [] when none did. */
export function previousCards(earlier: readonly Transcript[] = []): TranscriptCard[] {
  for (let i = earlier.length - 1; i >= 0; i--) if (earlier[i]!.cards.length) return earlier[i]!.cards;
  return [];
}

/** Lowercased letter-and-digit words ("Kindle E-reader - White" -> kindle, e, reader, white). */
function words(s: string): string[] {
  return normalise(s).toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
}

/** The words a reply names a product by: the first three words of its title ("boAt Rockerz 255"). */
export function productName(title: string): string {
  return words(title).slice(0, 3).join(' ');
}

/**
 * Whether the reply names the product (its title's first three words, in order, punctuation
 * aside), in a text or as its only card.
 */
export function namesProduct(texts: readonly string[], cards: readonly TranscriptCard[], title: string): boolean {
  const name = productName(title);
  if (!name) return false;
  const said = (s: string) => ` ${words(s).join(' ')} `.includes(` ${name} `);
  if (texts.some(said)) return true;
  return cards.length === 1 && productName(cards[0]!.title) === name;
}

/** The follow-up rule's failures (README: "Acceptance rules", followup). */
export function judgeFollowUp(item: ConversationItem, t: Transcript, texts: readonly string[], refused: boolean, ctx: JudgeContext = {}): string[] {
  const reasons: string[] = [];
  const all = texts.join('\n');
  if (item.not_refused !== false && refused) reasons.push('refused');
  if (item.expect_terms?.length && !containsAny(all, item.expect_terms)) reasons.push(`none of the expected terms (${item.expect_terms.join(', ')})`);
  const prev = previousCards(ctx.earlier);
  const wantsCards = Boolean(item.product_terms?.length || item.same_category_as_previous || item.cheaper_than_previous || item.max_price !== undefined);
  if (wantsCards && t.cards.length === 0) reasons.push('no product cards');
  if (t.cards.length) {
    if (item.product_terms?.length) {
      const withTerms = item.with_terms ?? [];
      const relevant = t.cards.filter((c) => cardRelevant(c.title, item.product_terms!, item.exclude_terms ?? []) && (!withTerms.length || containsAny(`${c.title} ${c.text ?? ''}`, withTerms))).length;
      if (relevant / t.cards.length < 0.8) reasons.push(`${relevant}/${t.cards.length} cards relevant`);
    }
    if (item.max_price !== undefined) {
      const over = t.cards.filter((c) => (cardPrice(c.subtitle) ?? 0) > item.max_price!);
      if (over.length) reasons.push(`${over.length} card(s) over ${item.max_price}: ${over.map((c) => cardPrice(c.subtitle)).join(', ')}`);
    }
    if (item.cheaper_than_previous) {
      const prices = prev.map((c) => cardPrice(c.subtitle)).filter((x): x is number => x !== null);
      if (!prices.length) reasons.push('no earlier cards to be cheaper than');
      else {
        const floor = Math.min(...prices);
        const notCheaper = t.cards.filter((c) => (cardPrice(c.subtitle) ?? Infinity) >= floor);
        if (notCheaper.length) reasons.push(`${notCheaper.length} card(s) not cheaper than ${floor}: ${notCheaper.map((c) => cardPrice(c.subtitle)).join(', ')}`);
      }
    }
    if (item.same_category_as_previous) {
      const category = (c: TranscriptCard) => (c.productId && ctx.categoryOf ? ctx.categoryOf(c.productId) : undefined);
      const before = prev.map(category);
      const now = t.cards.map(category);
      if (!prev.length) reasons.push('no earlier cards to compare the category with');
      // Categories only where every card's is known; otherwise product_terms (checked above) decide.
      else if (before.every(Boolean) && now.every(Boolean)) {
        const shown = new Set(before);
        const same = now.filter((c) => shown.has(c)).length;
        if (same / now.length < 0.8) reasons.push(`${same}/${now.length} cards in the previous category (${[...shown].join('; ')})`);
      }
    }
  }
  if (item.about_product_terms?.length) {
    const single = t.cards.length === 1 ? [t.cards[0]!.title] : [];
    if (!containsAny([...texts, ...single].join('\n'), item.about_product_terms)) reasons.push(`does not name the product in focus (${item.about_product_terms.join(', ')})`);
  }
  if (item.about_card !== undefined) {
    const target = prev[item.about_card - 1];
    if (!target) reasons.push(`the earlier reply had no card ${item.about_card}`);
    else if (!namesProduct(texts, t.cards, target.title)) reasons.push(`not about card ${item.about_card} ("${productName(target.title)}")`);
  }
  return reasons;
}
