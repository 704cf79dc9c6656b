import { MessageFactory, type Attachment, type CardAction, type TurnContext } from 'botbuilder';
import type { Product, Store } from '../store/index.js';
import type { Locale, Texts, Vars } from '../core/i18n.js';
import { shortTitle } from './cards.js';
import { cardReason } from './card-reasons.js';
import { COLOURS } from './followups.js';
import { interestQuery } from './gift-interests.js';
import { accessoryTitle, attributesOf, categoryNames, hasAttribute, headNoun, modifiersOf, ownPart, plural, thingPhrase, thingWords, titleNames } from './product-request.js';
import { GENERIC_WORDS, STOP_WORDS } from './request-words.js';
import { namesRetailThing, RETAIL_NOUNS } from './retail-nouns.js';
import { bySize, sizeWanted } from './size-wanted.js';
import { correctWord, vocabularyOf } from './spelling.js';
import type { BotServices, Suggestion, SuggestRequest, Understanding } from './services.js';
import type { DialogState } from './shop-bot.js';

// The product search of a chat: what a request asks for (the thing, its kind, a size, a budget, a
// colour, a brand), the catalogue asked for it, only what is the thing kept, and the cards shown
// with their reasons. The bot (shop-bot.ts) decides when a message is a product request and calls
// search(); follow-ups ("cheaper", "in blue", "only philips") call it again within what was shown.

/** Small words a product name never needs. */
/** Indian English names of things whose titles say otherwise. */
const LOCAL_NAMES: Readonly<Record<string, string>> = { fridge: 'refrigerator', geyser: 'heater', telly: 'tv', specs: 'spectacle', almirah: 'wardrobe' };
/** Indian names of things, searched as the titles name them: "mixie" is a mixer grinder (not a hand mixer). */
const SAID_AS: readonly [RegExp, string][] = [
  [/\bmix(?:ie|y|i)e?s?\b/gi, 'mixer grinder'],
  // Misspellings that some titles share ("INALSA Vaccum Cleaner"), so spelling never corrects them.
  [/\bva(?:cc?|k)u+u?m+\b/gi, 'vacuum'],
  [/\brobo\b/gi, 'robot'],
  // Titles say "wireless" where people say "cordless" of these.
  [/\bcordless (mouse|mice|keyboards?|headphones?|earphones?|speakers?)\b/gi, 'wireless $1'],
  // "e-book reader" is a Kindle e-reader; a "hot water bag" is a hot water bottle.
  [/\be[- ]?book readers?\b/gi, 'kindle e-reader'],
  [/\bhot water bags?\b/gi, 'hot water bottle'],
  [/\bpowerbanks?\b/gi, 'power bank'],
  [/\bair ?fr(?:y|i|ie)e?rs?\b/gi, 'air fryer'],
  [/\binduction (?:stove|chulha|chula|plate)s?\b/gi, 'induction cooktop'],
  // Titles call a gaming or calling headset "headphones" (a "VR headset" is one).
  [/\b(?<!vr )headsets?\b/gi, 'headphones'],
];
/** The request with things named as the catalogue's titles name them (SAID_AS). */
function saidAs(text: string): string {
  return SAID_AS.reduce((out, [said, as]) => out.replace(said, as), text);
}

/** How a customer asks for a thing, in the clause that names it. */
const ASKING = /\b(?:looking for|searching for|(?:i|we) (?:need|want|wanna)|need (?:a|an|some|one)|want (?:a|an|some|one|to (?:buy|gift|get|order))|wanna (?:buy|get|gift)|suggest|recommend|show me|do (?:you|u) (?:have|sell|keep)|got any|get me|gift (?:her|him|them|my)|buy (?:a|an|some|my|her|him))\b/i;
/** Words of baking and grilling: the sense of "OTG" as an oven. */
const OVEN_SENSE = /\b(?:bak(?:e|es|ed|ing)|cakes?|cookies?|biscuits?|pizzas?|grill(?:ed|ing)?|roast(?:ed|ing)?|ovens?|tandoori|muffins?)\b/i;
/** Heads that need their kind to name a thing: "roti maker", "coffee machine", "shoe rack". */
const KINDLESS_HEADS = new Set('maker makers machine machines set sets stand stands holder holders box boxes cover covers case cases bag bags cleaner cleaners kit kits container containers organiser organizer mat mats dispenser dispensers cutter cutters rack racks'.split(' '));
/** Words before a thing's name that say nothing of its kind ("hostel ke liye kettle", "cheap and best"). */
const NOT_A_KIND = new Set('mobile cell cellular ke ki ka liye wala wali wale mera meri mere koi aur bhi ek acha accha achha sasta saste badiya badhiya bdiya mast and or best good nice cheap great top quality branded original genuine new latest small big large medium mini'.split(' '));
/** A question about the product in focus, answered from its reviews. */
/** Words that make a different thing of the noun after them ("washing machine"), unlike "hanging lanterns". */
const COMPOUND_GERUNDS = 'washing|sewing|sleeping|running|walking|shaving|swimming|fishing|reading|hearing|dining|dressing|ironing|writing|drawing|gaming';
/** First words of titles that are no brand ("Set of 3 …", "New …"). */
const NOT_BRANDS = new Set('set pack new the a an with for and of in on combo pair mini large small premium classic original'.split(' '));

/** How the search words its replies in the conversation's language, and declines what is not the shop's. */
export interface SearchKit {
  texts: Texts;
  locale(ctx: TurnContext): Locale;
  t(ctx: TurnContext, key: string, vars?: Vars): string;
  chips(ctx: TurnContext, keys: readonly string[]): CardAction[];
  price(ctx: TurnContext, p: Product): string;
  card(ctx: TurnContext, p: Product, reason?: string): Attachment;
  localReasons<T extends { reason: string }>(ctx: TurnContext, suggestions: T[]): T[];
  decline(ctx: TurnContext, state: DialogState): Promise<void>;
}

/** Where a follow-up searches: within the category shown, only some brands, past the products shown. */
export interface SearchWithin {
  category?: string | undefined;
  brands?: readonly string[];
  exclude?: ReadonlySet<string>;
  /** "cheaper": the price of the cheapest product shown before (cards say how much less they cost). */
  cheaperThan?: number;
  /** Words each card must state ("bldc", "cordless", "6gb" of a follow-up that narrows what was shown). */
  require?: readonly string[];
}

/** Words that state the same feature in titles ("Cordless" vacuums are also sold as "Wireless"). */
const SAME_FEATURE: Readonly<Record<string, readonly string[]>> = {
  cordless: ['cordless', 'wireless', 'rechargeable', 'battery'],
  wireless: ['wireless', 'cordless', 'bluetooth'],
  bluetooth: ['bluetooth', 'wireless'],
  'noise cancellation': ['noise cancellation', 'noise cancelling', 'noise-cancelling', 'noise canceling', 'anc', 'enc'],
  'noise cancelling': ['noise cancellation', 'noise cancelling', 'noise-cancelling', 'noise canceling', 'anc', 'enc'],
  'non-stick': ['non-stick', 'nonstick', 'non stick'],
  nonstick: ['non-stick', 'nonstick', 'non stick'],
};

/** The requirements of a follow-up's narrowing words: a feature of two words ("noise cancellation") is one. */
export function requirementsOf(words: readonly string[]): string[] {
  const phrase = words.join(' ');
  return SAME_FEATURE[phrase] ? [phrase] : [...words];
}

/**
 * Whether a title's product name (before the first ",", "|" or "(") names another thing shops sell
 * and not the one asked for ("Fire-Boltt Ring Pro Bluetooth Calling Smartwatch, … Speaker" for "speaker").
 */
function namedOtherFirst(title: string, head: string): boolean {
  if (!head) return false;
  const name = (ownPart(title).split(/[|(,[]/)[0]!.match(/[a-z][a-z0-9-]*/g) ?? []).slice(0, 8);
  const said = (w: string) => w === head || w.replace(/e?s$/, '') === head || w.endsWith(head);
  return !name.some(said) && name.some((w) => RETAIL_NOUNS.has(w) || RETAIL_NOUNS.has(w.replace(/e?s$/, '')));
}

/** Whether a title is of something made for the thing: its name run into an accessory's ("smartwatchcharger"). */
function accessoryOf(title: string, head: string): boolean {
  // A sleeve or a case asked for is itself the accessory ("Laptop Sleeve Case" is one).
  if (/^(?:charger|case|cover|strap|band|protector|guard|cable|stand|holder|mount|adapter|skin|pouch|remote|sleeve|bag)s?$/.test(head)) return false;
  return new RegExp(`${head.replace(/[^a-z0-9]/g, '')}e?s?(?:charger|case|cover|strap|band|protector|guard|cable|stand|holder|mount|adapter|skin|pouch|remote)`).test(title.toLowerCase().replace(/[^a-z0-9]/g, ''));
}

/** Things the customer says they do not want ("dont need a mouse", "no charger", "without remote"). */
export function notWanted(text: string, head: string | null): string[] {
  const out: string[] = [];
  for (const m of text.toLowerCase().matchAll(/\b(?:dont|don'?t|do not|no need (?:of|for)|not|without|no)\s+(?:need|want|require|looking for)?\s*(?:a |an |the |any )?([a-z]+)\b/g)) {
    const w = m[1]!.replace(/e?s$/, '');
    if (w !== head && (RETAIL_NOUNS.has(w) || RETAIL_NOUNS.has(m[1]!))) out.push(w);
  }
  return out;
}

/** Whether a product's title or details state a narrowing word: a measure by its value, else the word. */
function states(p: Product, word: string, titleOnly = false): boolean {
  const measure = attributesOf(word)[0];
  if (measure) return hasAttribute(p.title, measure) || (!titleOnly && hasAttribute(p.description, measure));
  const text = titleOnly ? p.title : `${p.title} ${p.description}`;
  return (SAME_FEATURE[word] ?? [word]).some((w) => new RegExp(`\\b${w.replace(/[^a-z0-9 -]/g, '')}`, 'i').test(text));
}

export class ProductSearch {
  /** The catalogue's words (see catalogueWords), read from its titles at most once a minute. */
  private words: { vocabulary: Map<string, number>; kinds: Set<string>; brands: Set<string>; categories: string[]; at: number } | null = null;
  /** The last text spelled() corrected, against which catalogue words. */
  private lastSpelled: { text: string; out: string; words: object } | null = null;

  constructor(
    private readonly store: Store,
    private readonly services: BotServices,
    private readonly kit: SearchKit,
  ) {}

  /** The request with typos in the name of the thing corrected against the catalogue's words ("kindel" -> "kindle"). */
  async spelled(text: string): Promise<string> {
    const words = thingWords(text);
    if (words.length === 0) return text;
    const catalogue = await this.catalogueWords();
    // The routing step and the search of one turn ask for the same text: corrected once.
    if (this.lastSpelled?.text === text && this.lastSpelled.words === catalogue) return this.lastSpelled.out;
    let out = text;
    for (const w of words) {
      // A name of a thing shops sell is spelt right ("air cooler" is no "cooker").
      if (RETAIL_NOUNS.has(w) || RETAIL_NOUNS.has(w.replace(/e?s$/, ''))) continue;
      const fixed = correctWord(w, catalogue.vocabulary, catalogue.kinds);
      if (fixed) out = out.replace(new RegExp(`\\b${w}\\b`, 'i'), fixed);
    }
    out = saidAs(out);
    this.lastSpelled = { text, out, words: catalogue };
    return out;
  }

  /**
   * Whether the catalogue sells the thing a request names: a title names it ("kettle"), a candidate's
   * title holds it written as one word ("powerbank", "harddisk"), or it is a local name of one
   * ("mixie").
   */
  async sellsThing(head: string, candidates: readonly { productId: string }[], byId: ReadonlyMap<string, Product>, text = ''): Promise<boolean> {
    const name = LOCAL_NAMES[head] ?? head;
    if (name.length < 3 || GENERIC_WORDS.has(name)) return true;
    // "washing machine", "sleeping bag": the thing is the pair of words, which a sewing machine is not.
    const kind = new RegExp(`\\b(${COMPOUND_GERUNDS}) ${name}s?\\b`, 'i').exec(text);
    if (kind) return (await this.store.products.search(`${kind[1]} ${name}`, { limit: 30 })).some((p) => new RegExp(`\\b${kind[1]} ${name}`, 'i').test(ownPart(p.title)));
    // "dinner set", "sofa sets": a set of the thing, which "Dinner Candles" is not.
    const set = new RegExp(`\\b${name}s? (sets?|combos?)\\b`, 'i').exec(text);
    if (set) return (await this.store.products.search(`${name} ${set[1]}`, { limit: 30 })).some((p) => new RegExp(`\\b${name}s? ${set[1]!.replace(/s$/, '')}`, 'i').test(p.title));
    if ((await this.store.products.search(name, { limit: 30 })).some((p) => titleNames(p.title, name))) return true;
    // A category of its own ("Smartphones" for "phone", whose titles say "Redmi 10A"), not one of several kinds.
    if ((await this.catalogueWords()).categories.some((c) => !/[&,]/.test(c.split('>').pop() ?? '') && categoryNames(c, name) && !/accessor/i.test(c))) return true;
    // The title's own part: "Lint Remover for Washing Machine Dryer" is no dryer. Written as one
    // word only for longer names: "bat" is in "battery".
    return name.length >= 5 && candidates.some((c) => ownPart(byId.get(c.productId)?.title ?? '').replace(/[^a-z0-9]+/g, '').includes(name));
  }

  /**
   * The catalogue's words, from one read of its titles, rebuilt a minute after the last build
   * (products change through the admin API):
   * - vocabulary: title words and how often they occur, for spelling;
   * - brands: a title's first word that starts at least two titles; a brand the kind of product
   *   shown does not carry still narrows it ("only philips" after cheap dry irons is answered "none");
   * - kinds: what a typo may become, the names of kinds of things (category words, things shops
   *   sell) and brands.
   */
  async catalogueWords(): Promise<{ vocabulary: Map<string, number>; kinds: Set<string>; brands: Set<string>; categories: string[] }> {
    if (!this.words || Date.now() - this.words.at > 60_000) {
      const titles = await this.store.products.titles();
      const firsts = new Map<string, number>();
      for (const title of titles) {
        const first = /^[a-z][a-z0-9-]+/.exec(title.toLowerCase())?.[0];
        if (first && !NOT_BRANDS.has(first)) firsts.set(first, (firsts.get(first) ?? 0) + 1);
      }
      const brands = new Set([...firsts].filter(([, n]) => n >= 2).map(([w]) => w));
      const kinds = new Set<string>(brands);
      const categories = (await this.store.products.categories()).filter((c) => c.inStock > 0).map((c) => c.category);
      for (const category of categories) for (const w of category.toLowerCase().match(/[a-z]{4,}/g) ?? []) kinds.add(w);
      for (const n of RETAIL_NOUNS) kinds.add(n).add(`${n}s`).add(`${n}es`);
      this.words = { vocabulary: vocabularyOf(titles), kinds, brands, categories, at: Date.now() };
    }
    return this.words;
  }

  async show(ctx: TurnContext, state: DialogState, customerId: string, suggestions: Suggestion[], intro: string): Promise<void> {
    const products = await this.store.products.getMany(suggestions.map((s) => s.productId));
    const byId = new Map(products.map((p) => [p.id, p]));
    // Two listings of one product (the same title, another seller) are one card.
    const titles = new Set<string>();
    const shown = suggestions
      .map((s) => ({ s, p: byId.get(s.productId) }))
      .filter((x): x is { s: Suggestion; p: Product } => x.p !== undefined && !titles.has(x.p.title.toLowerCase()) && titles.add(x.p.title.toLowerCase()) !== undefined);
    if (shown.length === 0) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['recommend', 'talkToPerson']), this.kit.t(ctx, 'shop.nothingInStock')));
      return;
    }
    state.lastProducts = shown.map((x) => x.p.id);
    await this.services.recommender.recordEvents(shown.map(({ p }) => ({ customerId, productId: p.id, type: 'impression' as const, context: { conversationId: ctx.activity.conversation.id } })));
    await ctx.sendActivity(MessageFactory.carousel(shown.map(({ s, p }) => this.kit.card(ctx, p, s.reason)), intro));
    await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['cheaper', 'tellFirst', 'somethingElse']), this.kit.t(ctx, 'shop.narrowDown')));
  }

  /** `category`: a follow-up ("cheaper", "in blue") stays in the category of what was shown. */
  async search(ctx: TurnContext, state: DialogState, customerId: string, request: string, nlu: Understanding, within: SearchWithin = {}): Promise<void> {
    const { category, brands, exclude, require } = within;
    const brand = brands?.length ? brands : undefined;
    /** The whole message: a size said in another clause than the thing ("…, chhota wala chalega") still counts. */
    const whole = request;
    // The catalogue's names first ("airfrier for my mom" names an air fryer), so the clause that names the thing is found.
    if (!category) request = saidAs(request);
    // A long message names its thing in one clause ("my kids have online classes … which printer
    // would you suggest for home use"): that clause is the request; the budget is the message's.
    if (!category) request = this.requestClause(request, (await this.catalogueWords()).kinds) ?? request;
    // "do you have a wall mount for it": for the thing asked for before.
    const before = state.lastQuery?.text;
    const forIt = /\bfor (?:it|this|that|this one|that one|them|these)\b/i;
    /** The thing "for it" stands for: the products for it name it ("TV Wall Mount"). */
    let forThing: string | undefined;
    if (!category && before && forIt.test(request)) {
      forThing = headNoun(before) ?? undefined;
      if (forThing) request = request.replace(forIt, `for ${forThing}`);
    }
    // A gift named by what the person enjoys, not by a thing ("he likes old hindi songs").
    const interest = !category && headNoun(request) === null ? interestQuery(whole) : null;
    if (interest) request = interest;
    // A new request (not a follow-up of what was shown) replaces the product in focus; the name of
    // the thing it asks for is read with its typos corrected ("hedphones under 2k").
    // "OTG" is an oven toaster grill to someone who bakes, a USB adapter to someone with a phone.
    const spelledText = category ? request : await this.spelled(request);
    const text = /\botg\b/i.test(spelledText) && OVEN_SENSE.test(whole) ? spelledText.replace(/\botg\b/i, 'otg oven') : spelledText;
    if (!category) state.focusProductId = undefined;
    state.lastQuery = { text, ...(nlu.entities.priceMin !== undefined ? { minPrice: nlu.entities.priceMin } : {}), ...(nlu.entities.priceMax !== undefined ? { maxPrice: nlu.entities.priceMax } : {}), ...(category ? { category } : {}) };
    // Named measures ("43 inch", "15 litre") are requirements: ask for more candidates and keep
    // those that state them; when none does, show the nearest and say so.
    const attributes = attributesOf(text);
    const prices = { ...(nlu.entities.priceMin !== undefined ? { minPrice: nlu.entities.priceMin } : {}), ...(nlu.entities.priceMax !== undefined ? { maxPrice: nlu.entities.priceMax } : {}) };
    const conversationId = ctx.activity.conversation.id;
    // The message's vector is of all it says; a request read from one clause of a story ("want to
    // start baking cakes …, need an OTG") is searched by that clause's own words.
    const vector = request === whole && text === spelledText ? nlu.vector : null;
    const ask = (filters: SuggestRequest['filters']) => this.services.recommender.recommend({ customerId, query: text, queryVector: vector, filters, conversationId, k: 30 });
    // The candidates' products, read from the store once for every step below.
    const known = new Map<string, Product>();
    const productsOf = async (ids: readonly string[]): Promise<Map<string, Product>> => {
      for (const p of await this.store.products.getMany(ids.filter((id) => !known.has(id)))) known.set(p.id, p);
      return known;
    };
    const head = this.thingHead(text);
    // A brand and no thing ("what all do you have from philips under 2k?"): that brand's best rated, in the budget.
    if (!category && !brand) {
      const words = await this.catalogueWords();
      const named = [...new Set((text.toLowerCase().match(/[a-z][a-z0-9-]*/g) ?? []).filter((w) => words.brands.has(w) && !COLOURS.includes(w) && !RETAIL_NOUNS.has(w) && !NOT_A_KIND.has(w) && w.length >= 3))];
      const thingless = !head || !(words.kinds.has(head) || words.kinds.has(`${head}s`) || namesRetailThing(head));
      // Said as a brand ("from philips", "boat products", "what all philips"), never a title's first word
      // that is also a common one ("home", "wall", "kitchen").
      const asBrand = named.length === 1 && new RegExp(`\\b(?:from|by|of|all)\\s+${named[0]}\\b|\\b${named[0]}\\s+(?:products?|brand|items?|stuff|ka|ke|ki|ki cheezein)\\b|^\\s*(?:any(?:thing)?\\s+)?${named[0]}\\s*(?:(?:under|below|within|upto)\\s+\\S+)?\\s*\\??\\s*$`, 'i').test(text);
      if (asBrand && thingless && !namesRetailThing(text)) {
        const score = (p: Product) => (p.rating ?? 3) * Math.log10((p.ratingCount ?? 0) + 10);
        const theirs = (await this.store.products.search(named[0]!, { ...prices, inStock: true, limit: 100 })).filter((p) => new RegExp(`^${named[0]}\\b`, 'i').test(p.title)).sort((a, b) => score(b) - score(a));
        if (theirs.length > 0) {
          const picks = theirs.slice(0, 5).map((p) => ({ productId: p.id, score: 0, reason: cardReason(this.kit.texts, this.kit.locale(ctx), p, '', nlu.entities.priceMax) }));
          await this.show(ctx, state, customerId, picks, this.kit.t(ctx, 'shop.found'));
          return;
        }
      }
    }
    let candidates = await ask(category ? { ...prices, category } : prices);
    // The categories that hold only the thing ("Smartphones" for "phone"), whose titles often do not
    // name it ("Redmi 10A"): asked too, when the nearest by meaning are mostly elsewhere (keypad
    // phones, phone cables). The scores of one query are comparable across categories.
    // Not when a kind is asked ("button phone", "bluetooth adapter"): those categories hold other kinds.
    if (!category && head && !brand && modifiersOf(text, head).every((m) => NOT_A_KIND.has(m) || COLOURS.includes(m) || /\d/.test(m))) {
      const kindCategories = (await this.catalogueWords()).categories.filter((c) => !/[&,]/.test(c.split('>').pop() ?? '') && categoryNames(c, head));
      const shown = await productsOf(candidates.map((c) => c.productId));
      if (kindCategories.length > 0 && candidates.slice(0, 10).filter((c) => kindCategories.includes(shown.get(c.productId)?.category ?? '')).length < 5) {
        const more = (await Promise.all(kindCategories.slice(0, 3).map((c) => ask({ ...prices, category: c })))).flat();
        const seen = new Set(candidates.map((c) => c.productId));
        candidates = [...candidates, ...more.filter((c) => !seen.has(c.productId) && seen.add(c.productId))].sort((a, b) => b.score - a.score);
      }
    }
    // Nothing in that exact category: its parent ("Kettles & Hot Water Dispensers" for "Electric
    // Kettles"), where the head noun still keeps the thing asked for.
    const parent = category?.split('>').slice(0, -1).join('>').trim();
    if (candidates.length === 0 && parent && parent.includes('>')) {
      const wider = await ask({ ...prices, category: parent });
      const byId = await productsOf(wider.map((c) => c.productId));
      // The kind asked for too: cheaper "steam irons" are not dry irons.
      const kinds = head ? modifiersOf(text, head).filter((m) => !COLOURS.includes(m)) : [];
      candidates = this.namingTheThing(text, head, wider, byId).filter((c) => {
        const title = byId.get(c.productId)?.title ?? '';
        return titleNames(title, head ?? '') && kinds.every((m) => title.toLowerCase().includes(m));
      });
    }
    if (candidates.length === 0 && category) {
      // A follow-up ("cheaper", "under 1000") that the kind of product shown cannot meet: said so,
      // not filled with other things.
      const leaf = category.split('>').pop()!.trim().toLowerCase();
      // The cheapest of those just shown is the answer to "cheaper": named, not left to be found.
      const shown = (await this.store.products.getMany(state.lastProducts)).filter((p) => p.category === category).sort((a, b) => a.price - b.price)[0];
      const none = prices.maxPrice !== undefined ? this.kit.t(ctx, 'shop.noneUnder', { thing: leaf, price: this.kit.texts.price(prices.maxPrice + 1, this.kit.locale(ctx)) }) : this.kit.t(ctx, 'shop.noneLikeThat', { thing: leaf });
      const cheapest = shown && prices.maxPrice !== undefined && shown.price > prices.maxPrice ? ` ${this.kit.t(ctx, 'shop.cheapestShown', { product: shortTitle(shown.title), price: this.kit.price(ctx, shown) })}` : '';
      await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['somethingElse', 'talkToPerson']), `${none}${cheapest}`));
      return;
    }
    // The thing asked for ("fairy lights", "tea mugs") must be what a card shows, not a word of it
    // elsewhere ("Fairy Dreams Incense", "Tea Towels", "Adapter for Cellular Phone"): when at least
    // two candidates name it in their own title, only those are shown.
    const byId = await productsOf(candidates.map((c) => c.productId));
    let intro = this.kit.t(ctx, nlu.intent === 'recommendation_request' ? 'shop.picks' : 'shop.found');
    /** Whether the intro already says the results are only the nearest. */
    let nearest = false;
    let pool = this.namingTheThing(text, head, candidates, byId).filter((c) => !exclude?.has(c.productId));
    // None of them is the thing ("fairy lights": incense and cake candles) though the store sells
    // it: the things themselves, as the nearest.
    // A category that holds one kind ("Smartphones") names its products; "Candles & Lights" does not.
    const oneKind = (category: string | undefined) => !/[&,]/.test((category ?? '').split('>').pop() ?? '') && categoryNames(category ?? '', head ?? '');
    // A category's product whose title names the thing only after "for" ("Mini UPS for WiFi Router"
    // filed under Routers) is for the thing.
    const forTheThing = (title: string) => head !== null && new RegExp(`\\b${head}`, 'i').test(title) && !new RegExp(`\\b${head}`, 'i').test(ownPart(title));
    const isTheThing = (c: { productId: string }) => {
      const title = byId.get(c.productId)?.title ?? '';
      // A smartwatch "with Built-in Mic and Speaker" names the speaker after its own name.
      return (titleNames(title, head ?? '') && !namedOtherFirst(title, head ?? '')) || (oneKind(byId.get(c.productId)?.category) && !forTheThing(title) && !accessoryTitle(title, head ?? ''));
    };
    if (!category && head && !brand && pool.length > 0 && !pool.some(isTheThing)) {
      const things = (await this.services.recommender.recommend({ customerId, query: plural(head), filters: prices, conversationId, k: 30 })).filter((c) => !exclude?.has(c.productId));
      const named = await productsOf(things.map((c) => c.productId));
      const theThing = things.filter((c) => titleNames(named.get(c.productId)?.title ?? '', head) || oneKind(named.get(c.productId)?.category));
      if (theThing.length > 0) {
        for (const c of theThing) byId.set(c.productId, named.get(c.productId)!);
        pool = theThing;
        intro = this.kit.t(ctx, 'shop.nearestLine', { thing: plural(thingPhrase(text, head)) });
        nearest = true;
      }
    }
    if (exclude && pool.length === 0) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['somethingElse', 'talkToPerson']), this.kit.t(ctx, 'shop.noMore')));
      return;
    }
    // A thing the catalogue does not sell ("hair dryer", "double bedsheet") is said so, not filled
    // with products that share a word of it. A line the store carries ("kindle paperwhite" where it
    // sells other Kindles) is offered as the nearest, labelled as such.
    if (!category && head && !(await this.sellsThing(head, candidates, byId, text))) {
      const phrase = plural(thingPhrase(text, head));
      // A line is what the store files products under ("Amazon Devices > Kindle"), not any word of a title.
      const leads = (id: string, word: string) => categoryNames(byId.get(id)?.category ?? '', word);
      // A name, not a short word many categories share ("air" of "air cooler", "gas" of "gas stove").
      const line = modifiersOf(text, head).find((m) => m.length >= 4 && candidates.filter((c) => leads(c.productId, m)).length >= 2);
      if (!line && !namesRetailThing(text) && !LOCAL_NAMES[head]) {
        // Nothing a shop sells ("a good movie to watch", "bitcoin price today"): not the shop's business.
        return this.kit.decline(ctx, state);
      }
      if (!line) {
        await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['recommend', 'talkToPerson']), this.kit.t(ctx, 'shop.notSold', { thing: phrase })));
        return;
      }
      pool = candidates.filter((c) => leads(c.productId, line));
      intro = this.kit.t(ctx, 'shop.nearestLine', { thing: phrase });
      nearest = true;
    }
    // Things for the thing ("Laptop Desk", "RAM … for laptop") go when the thing itself is among
    // them; products whose titles do not say what they are ("Redmi 10A" for "mobile") stay.
    // Those whose titles say nothing of the thing stay in a category where the thing is ("Redmi 10A"
    // among Smartphones) or with another word of the request in their title ("Echo Plus" for "echo
    // dot"), not otherwise (a plastic box among vacuum cleaners for "vacuum for sofa and car seats").
    // Made for the thing ("Noise_Colorfit Smart Watch Charger" for a smartwatch), however the title spaces it.
    if (head) {
      const notFor = pool.filter((c) => !accessoryOf(byId.get(c.productId)?.title ?? '', head));
      if (notFor.length > 0) pool = notFor;
    }
    if (head && pool.some(isTheThing)) {
      const mentions = new RegExp(`\\b${head}(?:e?s)?\\b`, 'i');
      const where = new Set(pool.filter(isTheThing).map((c) => byId.get(c.productId)?.category));
      const asked = (text.toLowerCase().match(/[a-z][a-z0-9-]{2,}/g) ?? []).filter((w) => w !== head && !STOP_WORDS.has(w) && !GENERIC_WORDS.has(w) && !/^(?:for|with|and|the|under|below|above)$/.test(w));
      const sharesAWord = (title: string) => asked.some((w) => new RegExp(`\\b${w}`, 'i').test(title));
      // A follow-up within what was shown ("cheaper ones?" after scented candles): the thing itself
      // only, not incense beside it, when it is named by two or more (not "jewellery", which titles do not say).
      const named = pool.filter(isTheThing).length;
      const strict = category !== undefined && !brand && named >= 2;
      const things = pool.filter((c) => {
        const p = byId.get(c.productId);
        if (strict) return isTheThing(c);
        // A case or a strap filed beside the thing is not it: within what was shown ("cheaper?"), or
        // where the thing itself fills the cards.
        if ((category || named >= 5) && !isTheThing(c) && accessoryTitle(p?.title ?? '', head)) return false;
        // The shared word is in the product's own name ("Echo Plus"), not in what it comes with
        // ("Smartwatch with Alexa Built-in" is no Alexa speaker).
        return isTheThing(c) || (!mentions.test(p?.title ?? '') && (where.has(p?.category) || sharesAWord(ownPart(p?.title ?? ''))));
      });
      if (things.length > 0) pool = things;
    }
    // A name with two senses in different departments ("OTG": an oven or a USB adapter): the sense
    // the rest of the request speaks of ("for baking cakes") is the thing.
    // The whole message speaks of the sense ("want to start baking cakes …, need an OTG": the oven).
    if (head && !category) pool = this.inTheSenseAsked(whole, head, pool, byId);
    // "a wall mount for it" after TVs: those made for TVs, when there are some.
    if (forThing) {
      const named = new RegExp(`\\b${forThing.endsWith('y') ? `${forThing.slice(0, -1)}(?:y|ies)` : `${forThing}(?:e?s)?`}\\b`, 'i');
      // Made for it and the thing asked for: a charger for batteries, not the batteries.
      const thing = head && head !== forThing ? new RegExp(`\\b${head}`, 'i') : null;
      const forIt = pool.filter((c) => named.test(byId.get(c.productId)?.title ?? '') && (!thing || thing.test(byId.get(c.productId)?.title ?? '')));
      if (forIt.length > 0) pool = forIt;
    }
    // One product in several colours or listings ("Fire-Boltt Ninja 3 Smartwatch … (Green)", "… (Silver)")
    // is shown once: the first words of the title's own part name the model.
    const seen = new Set<string>();
    pool = pool.filter((c) => {
      const t = ownPart(byId.get(c.productId)?.title ?? c.productId).replace(/[^a-z0-9]+/g, ' ').trim().split(' ').slice(0, 6).join(' ');
      if (seen.has(t)) return false;
      seen.add(t);
      return true;
    });
    // "philips only": that brand's, or say there is none (within the budget), never others.
    if (brand) {
      const word = new RegExp(`\\b(?:${brand.join('|')})\\b`, 'i');
      pool = pool.filter((c) => word.test(byId.get(c.productId)?.title ?? ''));
      if (pool.length === 0) {
        const thing = `${brand.map((b) => `${b[0]!.toUpperCase()}${b.slice(1)}`).join(' or ')} ${plural((category ?? '').split('>').pop()!.trim().toLowerCase() || 'product')}`;
        await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['somethingElse', 'talkToPerson']), prices.maxPrice !== undefined ? this.kit.t(ctx, 'shop.noneUnder', { thing, price: this.kit.texts.price(prices.maxPrice + 1, this.kit.locale(ctx)) }) : this.kit.t(ctx, 'shop.noneLikeThat', { thing })));
        return;
      }
    }
    // "bluetooth keyboard …, dont need a mouse": never the thing said not to be wanted, when others are left.
    const unwanted = notWanted(whole, head);
    if (unwanted.length) {
      const kept = pool.filter((c) => !unwanted.some((w) => new RegExp(`\\b${w}`, 'i').test(byId.get(c.productId)?.title ?? '')));
      if (kept.length > 0) pool = kept;
    }
    // A feature or measure a follow-up narrows by ("bldc wale", "cordless ones only", "6gb ram?"):
    // every card states it; when none of the nearest by meaning does, the category's own list (in
    // the budget) is read for those that do; when none at all does, the nearest, said so.
    if (require?.length) {
      const fits = (id: string) => {
        const p = byId.get(id);
        return p !== undefined && require.every((w) => states(p, w));
      };
      let fitting = pool.filter((c) => fits(c.productId));
      // "silent click wala": the first word names the feature ("Silent Plus") when no product states both.
      if (fitting.length === 0 && require.length > 1) {
        const first = require[0]!;
        const firstFits = pool.filter((c) => byId.has(c.productId) && states(byId.get(c.productId)!, first));
        if (firstFits.length > 0) fitting = firstFits;
      }
      if (fitting.length === 0 && category) {
        const listed = (await this.store.products.listByCategory(category, { ...prices, inStock: true, limit: 200 })).filter((p) => !exclude?.has(p.id) && require.every((w) => states(p, w)));
        for (const p of listed) byId.set(p.id, p);
        fitting = listed.map((p) => ({ productId: p.id, score: 0, reason: '' }));
      }
      // The title says what the product is ("Fan Heater"); details also say what it has ("with fan").
      const inTitle = fitting.filter((c) => require.every((w) => states(byId.get(c.productId)!, w, true)));
      if (inTitle.length > 0) fitting = inTitle;
      if (fitting.length > 0) pool = fitting;
      else {
        intro = this.kit.t(ctx, 'shop.nearestWith', { wanted: require.join(' ') });
        nearest = true;
      }
    }
    // A colour asked for is a requirement where the titles say it ("Red Polkadot Coffee Mug").
    const colours = nlu.entities.colors.map((c) => c.toLowerCase()).filter((c) => COLOURS.includes(c));
    /** The asked colour a product's title states, if any. */
    const colourOf = (id: string) => colours.find((col) => new RegExp(`\\b${col}\\b`).test(byId.get(id)?.title.toLowerCase() ?? ''));
    if (colours.length) {
      let coloured = pool.filter((c) => colourOf(c.productId) !== undefined);
      // Not among the nearest by meaning ("any in red?" after kettles): the catalogue asked for that
      // colour of the thing, in the same category and budget.
      if (coloured.length === 0 && head) {
        // Of the same kind: a red box is no red lunch box.
        const kinds = modifiersOf(text, head).filter((m) => !COLOURS.includes(m));
        const ofKind = (title: string) => kinds.every((m) => new RegExp(`\\b${m.replace(/[^a-z0-9]/g, '')}`, 'i').test(title));
        const found = (await this.store.products.search(`${colours.join(' ')} ${head}`, { ...prices, ...(category ? { category } : {}), match: 'all', limit: 30 })).filter((p) => titleNames(p.title, head) && ofKind(`${p.title} ${p.category}`) && !exclude?.has(p.id));
        for (const p of found) byId.set(p.id, p);
        coloured = found.filter((p) => colourOf(p.id) !== undefined).map((p) => ({ productId: p.id, score: 0, reason: '' }));
      }
      if (coloured.length > 0) pool = coloured;
      else {
        intro = this.kit.t(ctx, 'shop.nearestWith', { wanted: colours.join(', ') });
        nearest = true;
      }
    }
    // None of what is left is the thing asked for ("office chair": a phone holder and a wrist rest):
    // said so, not filled with other things.
    // Written as one word or two ("powerbank", "Power Bank"): the thing all the same.
    const saysTheThing = (c: { productId: string }) => isTheThing(c) || `${byId.get(c.productId)?.title ?? ''} ${byId.get(c.productId)?.category ?? ''}`.toLowerCase().replace(/[\s-]+/g, '').includes(head ?? '');
    if (!category && head && !brand && !nearest && pool.length > 0 && !pool.slice(0, 5).some(saysTheThing) && namesRetailThing(head)) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['recommend', 'talkToPerson']), this.kit.t(ctx, 'shop.notSold', { thing: plural(thingPhrase(text, head)) })));
      return;
    }
    // The kind of the thing ("pressure" of "pressure cooker", "dslr" of "dslr camera") that no
    // result has anywhere in its details: the results are the nearest, and said so.
    const kind = !category && head && !nearest ? await this.missingKind(text, head, pool.slice(0, 5).map((c) => byId.get(c.productId))) : null;
    // A kind no product anywhere names ("yoga" mat, "dumb" bells): the store has none, and the nearest
    // would be other things altogether (mouse mats, sleigh bells).
    const vocabulary = (await this.catalogueWords()).vocabulary;
    if (kind && kind.length >= 4 && !vocabulary.has(kind) && !vocabulary.has(`${kind}s`)) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['recommend', 'talkToPerson']), this.kit.t(ctx, 'shop.notSold', { thing: plural(`${kind} ${head}`) })));
      return;
    }
    if (kind) intro = this.kit.t(ctx, 'shop.nearestLine', { thing: plural(`${kind} ${head}`) });
    // "chhota wala chalega", "for a family of 6": among the nearest, the smallest (largest) first.
    const size = sizeWanted(whole);
    if (size) pool = [...bySize(pool.slice(0, 8), (c) => byId.get(c.productId)?.title ?? '', size), ...pool.slice(8)];
    let suggestions = pool.slice(0, 5);
    /** What a card has that was asked for ("43 inch", "black"), in the customer's own words. */
    const asked = new Map<string, string>();
    // A colour the title states, said on the card: long titles are cut before it.
    for (const c of suggestions) {
      const col = colourOf(c.productId);
      if (col) asked.set(c.productId, col);
    }
    if (attributes.length) {
      // The title states what the product is ("256GB Storage"); details also say what it could be
      // ("expandable up to 256GB"), so they count only when no title states it.
      const stating = (inDetails: boolean) =>
        pool.filter((c) => {
          const p = byId.get(c.productId);
          return p !== undefined && attributes.every((a) => hasAttribute(inDetails ? `${p.title} ${p.description}` : p.title, a));
        });
      const inTitles = stating(false);
      const fitting = inTitles.length > 0 ? inTitles : stating(true);
      const wanted = attributes.map((a) => a.text).join(', ');
      if (fitting.length) {
        suggestions = fitting.slice(0, 5);
        for (const f of suggestions) asked.set(f.productId, wanted);
      }
      // A missing kind ("pressure" of "pressure cooker") says more than a missing measure.
      else if (!kind) intro = this.kit.t(ctx, nlu.entities.priceMax !== undefined ? 'shop.nearestWithBudget' : 'shop.nearestWith', { wanted });
    }
    suggestions = suggestions.map((c) => ({ ...c, reason: cardReason(this.kit.texts, this.kit.locale(ctx), byId.get(c.productId), c.reason, nlu.entities.priceMax, asked.get(c.productId), within.cheaperThan) }));
    state.lastInjectedTurn = state.turn;
    state.shownForQuery = [...(exclude ? (state.shownForQuery ?? []) : []), ...suggestions.map((c) => c.productId)].slice(-60);
    await this.show(ctx, state, customerId, suggestions, intro);
  }

  /**
   * The candidates of the department the request's other words speak of, when the thing's name is
   * found in two departments and the products of one share none of those words; all otherwise.
   */
  private inTheSenseAsked<T extends { productId: string }>(text: string, head: string, pool: T[], byId: ReadonlyMap<string, Product>): T[] {
    const department = (id: string) => byId.get(id)?.category.split('>')[0]!.trim() ?? '';
    const departments = new Set(pool.map((c) => department(c.productId)));
    if (departments.size < 2) return pool;
    const context = (text.toLowerCase().match(/[a-z][a-z-]{3,}/g) ?? []).filter((w) => w !== head && !w.startsWith(head) && !STOP_WORDS.has(w) && !GENERIC_WORDS.has(w) && !NOT_A_KIND.has(w) && !COLOURS.includes(w));
    if (context.length === 0) return pool;
    const speaksOf = (id: string) => {
      const p = byId.get(id);
      return p !== undefined && context.some((w) => new RegExp(`\\b${w.replace(/e?s$/, '')}`, 'i').test(`${p.title} ${p.category}`));
    };
    const spoken = new Set(pool.filter((c) => speaksOf(c.productId)).map((c) => department(c.productId)));
    return spoken.size > 0 && spoken.size < departments.size ? pool.filter((c) => spoken.has(department(c.productId))) : pool;
  }

  /**
   * The clause of a longer message that names a thing shops sell, when the message's own head
   * noun does not ("rice cooker want, hum sirf 2 log so chhota chalega"); null otherwise.
   */
  requestClause(text: string, kinds?: ReadonlySet<string>): string | null {
    // A thing shops sell, or one this catalogue files products under ("cleaners" of "Vacuum Cleaners").
    const sold = (h: string | null) => h !== null && (namesRetailThing(h) || (kinds?.has(h) ?? false) || (kinds?.has(`${h}s`) ?? false));
    const whole = headNoun(text);
    // Not inside a number ("1.5 litre", "₹1,500").
    const clauses = text.split(/(?:[;!?\n]|(?<!\d)[.,]|[.,](?!\d))+|\p{Extended_Pictographic}+|\b(?:so|but|because|since|as i|and i|also i)\b/iu).map((c) => c.trim()).filter((c) => c.length > 0);
    if (clauses.length < 2) return null;
    // The clause that asks ("…writes letters by hand, looking for a nice fountain pen for him")
    // names the thing, whatever the story around it names.
    // The story's words do not qualify the thing ("laptop gets soo hot …, need a cooling pad"); a
    // measure said in another clause still does ("need a kettle, 1.5 litre").
    const withMeasures = (clause: string) => [clause, ...clauses.filter((c) => c !== clause && attributesOf(c).length > 0)].join(', ');
    // Not a thing said not to be wanted ("dont need a mouse").
    const asking = clauses.filter((c) => ASKING.test(c) && !/\b(?:dont|don'?t|do not|no|not|never)\s+(?:\w+\s+)?(?:need|want|looking)\b/i.test(c) && sold(headNoun(c)));
    if (asking.length === 1) return withMeasures(asking[0]!);
    // A message that opens with the thing and then tells what it is for ("steam iron, husband needs
    // crisp shirts for office"): a short first clause that names only a thing sold.
    const first = clauses[0]!;
    if (asking.length === 0 && first.split(/\s+/).length <= 4 && sold(headNoun(first)) && headNoun(first) !== whole) return withMeasures(first);
    if (sold(whole)) return null;
    return clauses.find((c) => sold(headNoun(c))) ?? null;
  }

  /** The thing a request names; brands said after it ("pressure cooker hawkins or prestige") do not name it. */
  private thingHead(text: string): string | null {
    const head = headNoun(text);
    if (!head) return head;
    // The thing before "<brand> or <brand>" / "<brand> and <brand>": the last name of a thing shops sell.
    const alternatives = /^(.*\b[a-z]+s?)\s+[a-z][a-z0-9-]*\s+(?:or|and|\/)\s+[a-z][a-z0-9-]*\s*$/i.exec(text.replace(/[?.!]+\s*$/, ''));
    if (!alternatives || namesRetailThing(head)) return head;
    const before = headNoun(alternatives[1]!);
    return before && namesRetailThing(before) ? before : head;
  }

  /**
   * The word right before the thing's name that says which kind of it was asked for, when none of
   * the products to show is that thing of that kind: not a colour, a brand, a measure or a word of asking.
   */
  private async missingKind(text: string, head: string, products: readonly (Product | undefined)[]): Promise<string | null> {
    const kind = modifiersOf(text, head).at(-1);
    if (!kind || kind.length < 3 || COLOURS.includes(kind) || NOT_A_KIND.has(kind) || (await this.catalogueWords()).brands.has(kind) || /\d/.test(kind)) return null;
    // It must come right before the thing's name ("pressure cooker", not "cooker for pressure").
    if (!new RegExp(`\\b${kind}s?\\s+${head}`, 'i').test(text.toLowerCase())) return null;
    const said = new RegExp(`\\b${kind.replace(/[^a-z0-9]/g, '')}`, 'i');
    // Written as one word ("Soundbar" for "sound bar"): the thing, of that kind.
    const joined = new RegExp(`\\b${kind.replace(/[^a-z0-9]/g, '')}${head}`, 'i');
    // A tripod "for DSLR" is not a DSLR camera: the product must be the thing, and of that kind.
    const ofKind = (p: Product) => joined.test(p.title) || ((titleNames(p.title, head) || categoryNames(p.category, head)) && said.test(`${p.title} ${p.description} ${p.category}`));
    return products.length > 0 && !products.some((p) => p && ofKind(p)) ? kind : null;
  }

  /**
   * The candidates whose own title names the thing asked for, when that is a safe cut: at least
   * two that also carry a word of what qualifies it ("tea mugs": a mug with "tea"), or, for a bare
   * thing ("kettle"), at least two, or when the best candidate itself names it. Otherwise (the
   * titles say "Galaxy M13" where the customer said "phone") all candidates, as ranked.
   */
  private namingTheThing<T extends { productId: string }>(text: string, head: string | null, candidates: T[], byId: ReadonlyMap<string, Product>): T[] {
    if (!head) return candidates;
    const titles = new Map(candidates.map((c) => [c.productId, byId.get(c.productId)?.title.toLowerCase() ?? '']));
    // "tea set", "dinner set": sets of it ("Retrospot Tea Set Ceramic"), not tea towels, when there are some.
    if (new RegExp(`\\b${head}s? (?:sets?|combos?)\\b`, 'i').test(text)) {
      const sets = candidates.filter((c) => new RegExp(`\\b${head}s?(?: [a-z]+){0,2} (?:sets?|combos?)\\b`).test(titles.get(c.productId) ?? ''));
      if (sets.length > 0) return sets;
    }
    const named = candidates.filter((c) => titleNames(titles.get(c.productId) ?? '', head) || categoryNames(byId.get(c.productId)?.category ?? '', head));
    if (named.length < 2) return candidates;
    // Words that say no kind ("good", "mobile" of "mobile phone") qualify nothing.
    const modifiers = modifiersOf(text, head).filter((m) => !NOT_A_KIND.has(m));
    // Every qualifying word that is not a colour ("lunch" of "blue lunch bag"); colours are weighed later.
    const kinds = modifiers.filter((m) => !COLOURS.includes(m));
    // As a word: "hand" of "hand blender" is not the "Handheld" of a milk frother.
    const has = (id: string, m: string) => new RegExp(`\\b${m.replace(/[^a-z0-9]/g, '')}(?:e?s)?\\b`).test(titles.get(id) ?? '');
    const strong = named.filter((c) => (kinds.length ? kinds.every((m) => has(c.productId, m)) : modifiers.some((m) => has(c.productId, m))));
    // Those whose own part names the thing first: a frother filed under "Hand Blenders", its
    // title ending "… for Coffee, Hand Blender", is not one.
    const own = strong.filter((c) => titleNames(titles.get(c.productId) ?? '', head));
    // The kind said before the thing ("Wet Grinder", "Smart Android LED TV") beats the word
    // elsewhere ("Mixer Grinder with … Wet Grinding Jar").
    const last = kinds.at(-1)?.replace(/[^a-z0-9]/g, '');
    const adjacent = last && kinds.length === 1 ? own.filter((c) => new RegExp(`\\b${last}s?(?:[\\s-]+[a-z0-9-]+){0,3}[\\s-]+${head}`).test(titles.get(c.productId) ?? '')) : [];
    if (adjacent.length >= 2) return adjacent;
    // The only one of the kind asked for ("fountain pen" among gel and ball pens): that one alone.
    if (adjacent.length === 1 && strong.length === 1) return adjacent;
    if (own.length >= 2) return own;
    if (strong.length >= 2) return strong;
    // A head that names no kind by itself ("maker", "machine"): a roti maker is not a coffee maker,
    // so the one that is the kind asked for stands alone.
    if (kinds.length > 0 && strong.length === 1 && KINDLESS_HEADS.has(head)) return own.length ? own : strong;
    if (modifiers.length === 0 || named[0] === candidates[0]) return named;
    return candidates;
  }
}
