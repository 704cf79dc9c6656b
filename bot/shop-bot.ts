import { ActivityHandler, ConversationState, MessageFactory, UserState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import type { Order, Product, Store, UnansweredReason } from '../store/index.js';
import { DialogSet, DialogTurnStatus } from 'botbuilder-dialogs';
import { clip, formatPrice, parseCardAction, productCard, shortTitle, type CardActionValue } from './cards.js';
import { ORDER_CHANGE_DIALOG, OrderChangeDialog, orderLine, type OrderChangeOptions, type OrderChangeResult } from './dialogs/order-change.js';
import { COLOURS, detectBrandFollowUp, detectFollowUp } from './followups.js';
import { chatMood, complaintSignals } from '../nlu/chat-mood.js';
import { detectLanguage, englishOnlyReply } from './language.js';
import { applyNotificationRequest, notificationRequest } from './notifications.js';
import { ASKS_FOR_HINDI, glossHinglish, mostlyHinglish } from './hinglish.js';
import { namesRetailThing, RETAIL_NOUNS } from './retail-nouns.js';
import { romaniseHindi } from './devanagari.js';
import { correctWord, vocabularyOf } from './spelling.js';
import { specAsked, specOf } from './product-specs.js';
import { smallTalkReply } from './small-talk.js';
import { interestQuery } from './gift-interests.js';
import { cardReference, compareAsked, extremeAsked, type ExtremeAsked } from './shown-questions.js';
import { bySize, sizeWanted } from './size-wanted.js';
import { asksForPerson, BACK_TO_BOT, CONDUCT } from './asks-for-person.js';
import { cardReason, reasonsIn } from './card-reasons.js';
import { chips, DEFAULT_CHIPS, englishOfChip, TOPICS, type ChipKey } from './chips.js';
import { ENTERTAINMENT, INVESTMENT, MARKET_RATE, MEDICAL, NOT_A_PURCHASE, TRAVEL, WEATHER, WEATHER_SHOP } from './declines.js';
import { aboutOneOrder, MY_ORDER_CONTENTS, orderIdOf, OWN_ORDER, POLICY_ASK } from './order-signals.js';
import { statusSentence } from './order-status.js';
import { ABOUT_PRODUCT, ASPECT_ASKED, keyFeatures, REVIEW_QUESTION, WARRANTY_IN_DETAILS } from './product-answers.js';
import { attributesOf, categoryNames, hasAttribute, headNoun, modifiersOf, ownPart, plural, thingPhrase, thingWords, titleNames } from './product-request.js';
import type { BotServices, CustomerFacts, FaqAnswer, Suggestion, SuggestRequest, Understanding } from './services.js';
import { describeOpening, isOpen, nextOpening, type BusinessHours } from '../core/business-hours.js';
import { defaultTexts, hasKey, translate, type Locale, type Texts, type Vars } from '../core/i18n.js';

/** What the policy remembers between turns of one conversation (ConversationState). */
export interface DialogState {
  turn: number;
  lowConfidenceStreak: number;
  negativeStreak: number;
  /** Products shown last, in order, for "the second one". */
  lastProducts: string[];
  lastQuery?: { text: string; minPrice?: number; maxPrice?: number; category?: string };
  /** Every product shown for lastQuery so far ("more options" shows the next ones). */
  shownForQuery?: string[];
  focusProductId?: string;
  /** Turn at which suggestions were last pushed without being asked for. */
  lastInjectedTurn: number;
  /** A guest's order look-up in progress: what they gave so far and how many tries they used. */
  orderLookup?: { orderId?: string; email?: string; attempts: number };
  /** The note that answers come in English was said (once a conversation is enough). */
  languageNoted?: boolean;
}

export interface HandoffRequest {
  conversationId: string;
  customerId: string;
  reason: 'asked' | 'repeated_failure' | 'negative_sentiment' | 'needs_human';
  skill: 'orders' | 'payments' | 'product' | 'general';
  priority: number;
}

/** `typicalWaitMs`: how long waiting customers recently waited for an agent (median), when known. */
export type HandoffOutcome = { status: 'pending'; position: number; typicalWaitMs?: number } | { status: 'offline' };

/** The hand-off desk as the bot sees it (desk/handoff.ts implements it). */
export interface HandoffDesk {
  request(req: HandoffRequest): Promise<HandoffOutcome>;
  /** A customer wrote while a human has (or is about to have) the conversation. */
  customerWrote(conversationId: string): Promise<void>;
  /** The customer left the queue before an agent took the chat. */
  cancel(conversationId: string): Promise<void>;
  agentsOnline(): number;
}

export interface ShopBotOptions {
  /** Unsolicited suggestions at most once per this many turns. */
  suggestionEveryTurns?: number;
  /** Below this intent confidence a turn counts as not understood. */
  minConfidence?: number;
  log?: (line: string) => void;
  /** When the support team works; outside these hours a hand-off says when it is back. */
  supportHours?: BusinessHours;
  /** The store's locale, currency and time zone, and the catalogues' texts (core/i18n.ts); English (India) when absent. */
  texts?: Texts;
}

const ORDER_INTENTS = new Set(['track_order', 'cancel_order', 'change_order', 'change_shipping_address', 'set_up_shipping_address', 'get_refund', 'track_refund', 'delivery_period']);
const PAYMENT_INTENTS = new Set(['payment_issue', 'check_payment_methods', 'get_invoice', 'check_invoices', 'check_cancellation_fee']);
const SHOPPING_INTENTS = new Set(['product_search', 'recommendation_request', 'price_availability', 'compare_products']);
const HUMAN_INTENTS = new Set(['contact_human_agent']);
/** Whether the message names a price limit ("under 2k", "between 1000 and 2000"). */
const hasBudget = (nlu: Understanding): boolean => nlu.entities.priceMax !== undefined || nlu.entities.priceMin !== undefined;
const SMALL_TALK = new Set(['greeting', 'thanks', 'goodbye', 'chitchat']);
/** Words that name no product even where a title contains them. */
const GENERIC_WORDS = new Set(
  'order orders allowed above below the and for with what which who whom whose how why when where are was were you your yours our can could would should will shall does did have has had not but any all some this that these those there their them they his her its from into about than then today tomorrow yesterday price rate cost best better good great new old want need get give show tell know think please pls plz kindly hello thanks thank okay yes sir madam one two three four five time times day days week weeks month months year years'.split(' '),
);
/** Small words a product name never needs. */
/** Indian English names of things whose titles say otherwise. */
const LOCAL_NAMES: Readonly<Record<string, string>> = { fridge: 'refrigerator', geyser: 'heater', telly: 'tv', specs: 'spectacle', almirah: 'wardrobe' };
/** Indian names of things, searched as the titles name them: "mixie" is a mixer grinder (not a hand mixer). */
const SAID_AS: readonly [RegExp, string][] = [
  [/\bmix(?:ie|y|i)e?s?\b/gi, 'mixer grinder'],
  // Titles say "wireless" where people say "cordless" of these.
  [/\bcordless (mouse|mice|keyboards?|headphones?|earphones?|speakers?)\b/gi, 'wireless $1'],
];
const STOP_WORDS = new Set('a an i me my to of in on at is it be do so or if as by we us am im pls plz any some need want looking buy show find get too also ok okay and'.split(' '));
/** Words of the store's policies (not of products). */
const POLICY_WORDS = /\b(return|returns|returned|refund|refunds|refunded|replace|replacement|exchange|warranty|guarantee|shipping|delivery|deliver|courier|cod|cash on delivery|emi|payment|pay|invoice|gst|bill|receipt|cancel|cancellation|account|password|login|sign ?in|newsletter|unsubscribe|helpline|customer care|contact|hours|policy|pickup|pick up)\b/i;
const POLICY_WORDS_ALL = new RegExp(POLICY_WORDS.source, 'gi');

const NEEDS_HUMAN = new Set(['complaint', 'payment_issue']);
/** "the 2nd one" in a question about it: read as "it" once the card is in focus. */
const CARD_PHRASE = /\b(?:the\s+)?(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+(?:one|item|product|model|option|card|pick)\b/i;
/** Heads that need their kind to name a thing: "roti maker", "coffee machine", "shoe rack". */
const KINDLESS_HEADS = new Set('maker makers machine machines set sets stand stands holder holders box boxes cover covers case cases bag bags cleaner cleaners kit kits container containers organiser organizer mat mats dispenser dispensers cutter cutters rack racks'.split(' '));
/** Words before a thing's name that say nothing of its kind ("hostel ke liye kettle", "cheap and best"). */
const NOT_A_KIND = new Set('mobile cell cellular ke ki ka liye wala wali wale mera meri mere koi aur bhi ek acha accha achha sasta saste badiya badhiya bdiya mast and or best good nice cheap great top quality branded original genuine new latest small big large medium mini'.split(' '));
/** A question, not the name of a thing. */
const QUESTION = /\?|^\s*(is|are|was|can|could|do|does|did|will|would|should|tell|explain)\b|\b(what|who|whom|whose|why|how|when|where)\b/i;
/** Starts with a question word ("how's the weather …"), whatever follows. */
const WH_QUESTION = /^\s*(?:what|who|whom|whose|why|how|when|where)\b/i;
const ASKED = /\?|^\s*(?:is|are|was|can|could|do|does|did|will|would|should|what|who|whom|whose|why|how|when|where|which)\b/i;
/** Where one question of a message ends and the next begins. */
const CLAUSE_BREAK = /[?.!;\n]+|\b(?:and|also|plus)\b/i;
/** A question about the product in focus, answered from its reviews. */
/** Words that make a different thing of the noun after them ("washing machine"), unlike "hanging lanterns". */
const COMPOUND_GERUNDS = 'washing|sewing|sleeping|running|walking|shaving|swimming|fishing|reading|hearing|dining|dressing|ironing|writing|drawing|gaming';

/** First words of titles that are no brand ("Set of 3 …", "New …"). */
const NOT_BRANDS = new Set('set pack new the a an with for and of in on combo pair mini large small premium classic original'.split(' '));

/**
 * The shop assistant: one ActivityHandler whose message handler runs the policy
 * (understand -> decide -> reply). Components return data; only this class words replies.
 */
export class ShopBot extends ActivityHandler {
  private readonly dialog: StatePropertyAccessor<DialogState>;
  /** Bot Framework dialogs for the multi-turn flows; their stack is kept in ConversationState. */
  private readonly dialogs: DialogSet;
  private readonly every: number;
  private readonly minConfidence: number;
  private readonly log: (line: string) => void;
  private readonly hours: BusinessHours | undefined;
  private readonly texts: Texts;
  /** The catalogue's words (see catalogueWords), read from its titles at most once a minute. */
  private words: { vocabulary: Map<string, number>; kinds: Set<string>; brands: Set<string>; categories: string[]; at: number } | null = null;
  /** The last text spelled() corrected, against which catalogue words. */
  private lastSpelled: { text: string; out: string; words: object } | null = null;

  constructor(
    private readonly store: Store,
    private readonly services: BotServices,
    private readonly handoff: HandoffDesk,
    private readonly conversationState: ConversationState,
    private readonly userState: UserState,
    opts: ShopBotOptions = {},
  ) {
    super();
    this.dialog = conversationState.createProperty<DialogState>('dialog');
    this.dialogs = new DialogSet(conversationState.createProperty('dialogStack'));
    this.texts = opts.texts ?? defaultTexts;
    this.dialogs.add(new OrderChangeDialog(store, this.texts));
    this.every = opts.suggestionEveryTurns ?? 3;
    this.minConfidence = opts.minConfidence ?? 0.5;
    this.log = opts.log ?? ((l) => console.error(l));
    this.hours = opts.supportHours;

    this.onMessage(async (ctx, next) => {
      try {
        await this.handleMessage(ctx);
      } catch (err) {
        this.log(`[bot] turn failed: ${(err as Error).stack ?? err}`);
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['talkToPerson']), this.t(ctx, 'error.turn')));
      }
      await next();
    });
  }

  override async run(ctx: TurnContext): Promise<void> {
    await super.run(ctx);
    await this.conversationState.saveChanges(ctx, false);
    await this.userState.saveChanges(ctx, false);
  }

  /** The conversation's locale: the gateway puts it on every activity (the store's default when none). */
  private locale(ctx: TurnContext): Locale {
    return this.texts.resolve(ctx.activity.locale);
  }

  /** A text of the bot catalogue in the conversation's language. */
  private t(ctx: TurnContext, key: string, vars: Vars = {}): string {
    return this.texts.t(this.locale(ctx), key, vars);
  }

  private chips(ctx: TurnContext, keys: readonly string[]) {
    return chips(this.texts, this.locale(ctx), keys);
  }

  private say(ctx: TurnContext, key: string, vars: Vars = {}) {
    return ctx.sendActivity(this.t(ctx, key, vars));
  }

  /** A product's price for the conversation's locale. */
  private price(ctx: TurnContext, p: Product): string {
    return formatPrice(p, this.locale(ctx));
  }

  private card(ctx: TurnContext, p: Product, reason?: string) {
    return productCard(p, reason, this.locale(ctx));
  }

  /** An aspect of reviews ("battery") in the conversation's language, when the catalogue names it. */
  private aspect(ctx: TurnContext, name: string): string {
    const key = `bot:aspects.${name}`;
    return hasKey(this.locale(ctx).lang, key) ? this.t(ctx, key) : name;
  }

  /** The recommender's suggestions with their reasons in the conversation's language. */
  private localReasons<T extends { reason: string }>(ctx: TurnContext, suggestions: T[]): T[] {
    const locale = this.locale(ctx);
    return suggestions.map((s) => ({ ...s, reason: reasonsIn(this.texts, locale, s.reason) ?? '' }));
  }

  private customerId(ctx: TurnContext): string {
    return (ctx.activity.channelData as { customerId: string }).customerId;
  }

  private async handleMessage(ctx: TurnContext): Promise<void> {
    const state = await this.dialog.get(ctx, { turn: 0, lowConfidenceStreak: 0, negativeStreak: 0, lastProducts: [], lastInjectedTurn: -99 });
    state.turn++;
    const customerId = this.customerId(ctx);
    const conversationId = ctx.activity.conversation.id;
    const channelData = ctx.activity.channelData as { messageId?: number; tooLong?: boolean };

    const conversation = await this.store.conversations.get(conversationId);
    if (conversation && conversation.handoff !== 'none') {
      const typed = (ctx.activity.text ?? '').trim();
      const raw = englishOfChip(typed) ?? typed;
      if (conversation.handoff === 'pending' && BACK_TO_BOT.test(raw)) {
        await this.handoff.cancel(conversationId);
        await ctx.sendActivity({ type: 'event', name: 'handoff.status', value: { status: 'returned' } });
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, DEFAULT_CHIPS), this.t(ctx, 'queue.left')));
        return;
      }
      await this.handoff.customerWrote(conversationId);
      // A human has the chat: the bot stays quiet. While the customer waits in the queue the bot
      // keeps answering; the agent who takes the chat sees those turns in the transcript.
      if (conversation.handoff === 'agent') return;
      if (asksForPerson(raw)) {
        const position = await this.store.tickets.position((await this.store.tickets.openForConversation(conversationId))?.id ?? -1);
        await ctx.sendActivity(position !== null ? this.t(ctx, 'queue.alreadyAt', { position }) : this.t(ctx, 'queue.already'));
        return;
      }
    }

    const action = parseCardAction(ctx.activity.value);
    if (action) {
      // A card click is a new request: a pending confirmation question is no longer open.
      await (await this.dialogs.createContext(ctx)).cancelAllDialogs();
      return this.cardAction(ctx, state, customerId, action);
    }

    const written = (ctx.activity.text ?? (typeof ctx.activity.value === 'string' ? ctx.activity.value : '')).trim();
    if (!written) {
      await this.say(ctx, 'input.empty');
      return;
    }
    // A button tapped in another language reads as its English words.
    const said = englishOfChip(written) ?? written;
    if (channelData.tooLong) await this.say(ctx, 'input.tooLong');

    // A multi-turn flow (order change confirmation) gets the message first; if the customer said
    // something else entirely, the flow ends and the message is understood as a new request.
    const dc = await this.dialogs.createContext(ctx);
    if (dc.activeDialog) {
      const r = await dc.continueDialog();
      if (!(r.status === DialogTurnStatus.complete && (r.result as OrderChangeResult | undefined)?.fallThrough)) return;
    }

    // "Stop sending me order updates" / "turn them back on" (bot/notifications.ts, api/order-events.ts).
    const notifications = notificationRequest(said);
    if (notifications) return void (await ctx.sendActivity(await applyNotificationRequest(this.store.sql, customerId, notifications, undefined, (key) => this.t(ctx, `notifications.${key}`))));

    // The encoder reads English only: another language gets an honest answer and a person, never
    // the out-of-scope refusal (nor a guess at what the words meant).
    // Romanised Hindi is read through an English gloss of its words; the answer says, in Hinglish,
    // that it comes in English.
    // Hindi in Devanagari is read the same way once its words are written in Latin letters.
    const romanised = romaniseHindi(said);
    const gloss = romanised ? (glossHinglish(romanised) ?? romanised) : glossHinglish(said);
    const text = gloss ?? said;
    const language = detectLanguage(said);
    const hinglish = gloss !== null && (romanised !== null || language.lang === 'hi' || mostlyHinglish(said));
    if ((language.lang !== 'en' && !hinglish) || (hinglish && ASKS_FOR_HINDI.test(said))) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['talkToPerson']), englishOnlyReply(language.lang === 'en' ? { lang: 'hi', name: 'Hindi' } : language, this.locale(ctx))));
      return;
    }
    // In a Hindi conversation the bot's own words are Hindi already; elsewhere the answer says, in Hindi, that it comes in English.
    if (romanised) {
      if (this.locale(ctx).lang !== 'hi' && !state.languageNoted) await ctx.sendActivity(translate('hi', 'bot:language.answerInEnglish'));
      state.languageNoted = true;
    } else if (hinglish && !state.languageNoted) {
      await this.say(ctx, 'language.hinglishNote');
      state.languageNoted = true;
    }

    await ctx.sendActivity({ type: 'typing' });
    const nlu = await this.services.nlu.analyze(text);
    // The mood of a glossed message is read on what the customer wrote as well.
    if (gloss) nlu.sentiment = chatMood(said, nlu.sentiment);
    // One commit for the turn's understanding: the message's annotations and the conversation's intent.
    // Scope: two single-statement updates (this turn's message, this conversation's row), nothing read first.
    await this.store.sql.transaction(async (tx) => {
      if (channelData.messageId) await this.store.conversations.annotateMessage(channelData.messageId, { intent: nlu.intent, confidence: nlu.confidence, sentiment: nlu.sentiment.label, sentimentScore: nlu.sentiment.score }, tx);
      await this.store.conversations.setIntent(conversationId, nlu.intent, undefined, tx);
    }, { scope: `conversation:${conversationId}` });

    state.negativeStreak = nlu.sentiment.label === 'negative' ? state.negativeStreak + 1 : 0;
    const understood = nlu.intent !== 'out_of_scope' && nlu.confidence >= this.minConfidence;
    state.lowConfidenceStreak = understood ? 0 : state.lowConfidenceStreak + 1;

    // Longer questions about the cards just shown: two of them compared, the one with the most of a
    // measure, or a question about the n-th ("does the 2nd one switch off automatically").
    if (state.lastProducts.length > 1) {
      const pair = compareAsked(text);
      if (pair) return this.compare(ctx, state, pair);
      const extreme = extremeAsked(text);
      if (extreme) return this.extreme(ctx, state, extreme);
    }
    const card = state.lastProducts.length > 0 && /\?|^\s*(?:does|do|is|are|can|will|would|has|have|how|what|which)\b/i.test(text) ? cardReference(text) : null;
    const cardId = card === null ? undefined : card === -1 ? state.lastProducts.at(-1) : state.lastProducts[card];
    if (cardId) {
      state.focusProductId = cardId;
      state.lowConfidenceStreak = 0;
      return this.productQuestion(ctx, state, customerId, text.replace(CARD_PHRASE, 'it'), { ...nlu, intent: 'product_question', entities: { ...nlu.entities, products: [] } });
    }

    // Short follow-ups about what was just shown are understood from context, whatever NLU says.
    // A brand beats a refinement: "only jbl ones" narrows to JBL, not to titles with the word "jbl".
    const pattern = state.lastQuery || state.lastProducts.length ? detectFollowUp(text) : null;
    const follow = state.lastQuery || state.lastProducts.length ? ((!pattern || pattern.kind === 'refine') && text.length <= 60 ? (detectBrandFollowUp(text, (await this.catalogueWords()).brands) ?? pattern) : pattern) : null;
    if (follow) {
      state.lowConfidenceStreak = 0;
      return this.followUp(ctx, state, customerId, follow, nlu);
    }
    // The help articles the message names by their topic words (once a turn; several steps ask).
    const topics = this.services.faq.topics(text);
    // About the product in focus or just shown ("what do people say about the battery?"), or a
    // review question with nothing shown yet (the answer asks which product).
    // Asked as a question ("how is the battery life", "does it support fast charging?"): a new
    // request that names a feature ("usb c charging cable") is a search, not a question.
    const asksAbout = ABOUT_PRODUCT.test(text) && (REVIEW_QUESTION.test(text) || /\?|^\s*(what|does|do|is|are|can|will|has|have|any)\b|\bhow\b/i.test(text));
    // "how many litres is it", "what is the screen size": a measure of what is shown.
    const spec = state.focusProductId || state.lastProducts.length > 0 ? specAsked(text) : null;
    if ((((state.focusProductId || state.lastProducts.length > 0) && (asksAbout || spec)) || REVIEW_QUESTION.test(text)) && !ORDER_INTENTS.has(nlu.intent) && (topics.length === 0 || spec)) {
      state.lowConfidenceStreak = 0;
      return this.productQuestion(ctx, state, customerId, text, { ...nlu, intent: 'product_question' });
    }

    // Complaint signals, read on the words as written too: a gloss loses some of the ways people
    // complain ("kitne baar"). Several steps below ask.
    const complaint = [complaintSignals(said), complaintSignals(text)].sort((a, b) => b.strength - a.strength)[0]!;

    // An order number (or the e-mail a guest's order look-up is waiting for) is an order question,
    // whatever the intent head made of the words around it.
    // An e-mail given to find an order ("can u check status, my mail id is …") starts the look-up.
    const emailForOrder = nlu.entities.emails.length > 0 && /\b(status|order|orders|track|tracking|parcel|package|shipment|delivery)\b/i.test(text);
    if ((nlu.entities.orderNumbers.length > 0 && !ORDER_INTENTS.has(nlu.intent)) || emailForOrder || (state.orderLookup && (nlu.entities.emails.length > 0 || nlu.entities.orderNumbers.length > 0))) {
      state.lowConfidenceStreak = 0;
      // "refund for ORD-… was promised in 7 days, today is day 16": sorry before the look-up.
      if (complaint.strength >= 0.4) await this.say(ctx, 'empathy.sorry');
      return this.orderStatus(ctx, state, customerId, nlu);
    }

    // Small talk needs no understanding ("tnx for helping", "acha theek hai", "gd evng bot, hows ur day going").
    const small = smallTalkReply(text, said, (w) => POLICY_WORDS.test(w));
    if (small) {
      state.lowConfidenceStreak = 0;
      if (small === 'greet') return this.greet(ctx, state, customerId);
      if (!small.chips) return void (await this.say(ctx, small.key));
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, small.chips === 'more' ? ['anythingElse', 'recommend'] : DEFAULT_CHIPS), this.t(ctx, small.key)));
      return;
    }

    // Hand-off triggers: asked for, needs a human, very unhappy, or we keep failing.
    // Very unhappy: a strong reading with words of a complaint behind it, or a second upset turn
    // (the head alone reads some plain requests, "tell me a joke", as strongly negative).
    const angry = nlu.sentiment.label === 'negative' && ((nlu.sentiment.score >= 0.9 && complaint.strength > 0) || state.negativeStreak >= 2) && !SHOPPING_INTENTS.has(nlu.intent) && nlu.intent !== 'product_question' && (complaint.strength > 0 || (!hasBudget(nlu) && !namesRetailThing(headNoun(this.requestClause(text) ?? text) ?? '')));
    // Whether the message is about one order.
    const oneOrder = aboutOneOrder(text, topics);
    // "how can i contact you" asks how, not for a person now: the contact article answers it.
    const asksHowToContact = topics.includes('contact') && POLICY_ASK.test(text);
    if (asksForPerson(text) || (HUMAN_INTENTS.has(nlu.intent) && !asksHowToContact)) return this.startHandoff(ctx, state, 'asked', nlu, complaint.strength >= 0.4);
    // A complaint handed to a person still hears that we are sorry.
    // A calm question about a policy ("how many years is this covered if something goes wrong?") is
    // answered by the article, whatever the head makes of "goes wrong".
    const calmQuestion = complaint.strength === 0 && ASKED.test(text) && topics.length > 0;
    if (NEEDS_HUMAN.has(nlu.intent) && understood && !calmQuestion) return this.startHandoff(ctx, state, 'needs_human', nlu, nlu.intent === 'complaint' || complaint.strength > 0 || nlu.sentiment.label === 'negative');
    if (CONDUCT.test(text)) return this.startHandoff(ctx, state, 'needs_human', nlu, true);
    if (angry) return this.startHandoff(ctx, state, 'negative_sentiment', nlu);
    if (state.lowConfidenceStreak >= 2) return this.startHandoff(ctx, state, 'repeated_failure', nlu);

    // Upset, not yet angry: empathy first, then help (or a person when we cannot tell what went wrong).
    // A problem told calmly ("package was empty inside") that nothing else answers is upsetting too.
    const budget = hasBudget(nlu);
    // Asked as a question ("?" or a question word first), not "… when it came".
    const unexplained = complaint.strength > 0 && !understood && topics.length === 0 && !oneOrder && !budget && !ASKED.test(text);
    const upset = ((nlu.sentiment.label === 'negative' && nlu.sentiment.score >= 0.6) || unexplained) && complaint.strength > 0 && !(understood && SHOPPING_INTENTS.has(nlu.intent));
    if (upset) {
      await this.say(ctx, /\b(again|\d+(?:st|nd|rd|th)? time|second time|third time|still)\b/i.test(text) ? 'empathy.again' : 'empathy.sorry');
      if (!understood && topics.length === 0 && !oneOrder) {
        state.lowConfidenceStreak = 0;
        this.unanswered(ctx, 'unsure');
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['talkToPerson', 'whereIsMyOrder']), this.t(ctx, 'empathy.tellMore')));
        return;
      }
    }

    // One order's state or trouble: the order flow, before any article about orders in general.
    if (oneOrder && !POLICY_ASK.test(text)) {
      state.lowConfidenceStreak = 0;
      // "item missing from my order", "why is my order delayed again": sorry first, then the order.
      if (complaint.strength > 0 && !upset) await this.say(ctx, /\b(again|still)\b/i.test(text) ? 'empathy.again' : 'empathy.sorry');
      return this.orderStatus(ctx, state, customerId, nlu);
    }
    // Tomorrow's weather and what to take for a fever are not the shop's to answer, whatever
    // article ("Chennai" in the delivery zones) or product ("tablet") their words meet.
    if (WEATHER.test(text) && !WEATHER_SHOP.test(text)) return this.decline(ctx, state);
    if (MEDICAL.test(text)) return this.decline(ctx, state, 'unsure.medical');
    if (INVESTMENT.test(text) || TRAVEL.test(text) || (ENTERTAINMENT.test(text) && !namesRetailThing(text.replace(/\b(?:series|shows?)\b/gi, '')))) return this.decline(ctx, state);
    // "does it have a warranty?" about the product in focus: what its own details say, then the policy.
    if (state.focusProductId && topics.includes('warranty') && (/\b(it|this|that|this one|these)\b/i.test(text) || text.split(/\s+/).length <= 5)) {
      const p = await this.store.products.get(state.focusProductId);
      const own = p ? WARRANTY_IN_DETAILS.exec(p.description) : null;
      if (p) await ctx.sendActivity(own ? this.t(ctx, 'warranty.own', { product: shortTitle(p.title), warranty: own[0].replace(/\s+/g, ' ').trim() }) : this.t(ctx, 'warranty.unknown', { product: shortTitle(p.title) }));
    }
    // The message names a policy topic by the store's own words for it ("refund kab tak aayega",
    // "cod charges?", "retrun policy"): that article answers, up to two for two questions in one,
    // unless it is a product request with a budget ("phone with emi under 15000"). An order action
    // on one's own order ("please cancel my order ORD-…") is the order flow's.
    const orderAction = understood && ORDER_INTENTS.has(nlu.intent) && (nlu.entities.orderNumbers.length > 0 || OWN_ORDER.test(text));
    // "do you have kindle and what is the warranty": the article answers its question, then the
    // product part is searched, each with its own words.
    const parts = topics.length > 0 && !orderAction ? await this.productAndPolicy(text) : null;
    if (topics.length > 0 && !orderAction && (parts || !(await this.productRequestWithBudget(text, nlu)))) {
      // An answer the store's people approved for this very question still comes first.
      const taught = await this.services.faq.answer(text, { vector: nlu.vector, facts: await this.facts(customerId) }).catch(() => null);
      if (taught?.confident && taught.source?.kind === 'learned') {
        state.lowConfidenceStreak = 0;
        return this.answerFromKnowledge(ctx, taught);
      }
      const answers = await this.topicAnswers(parts?.policy ?? text, parts ? null : nlu.vector);
      if (answers.length > 0 && parts) {
        state.lowConfidenceStreak = 0;
        for (const a of answers) await ctx.sendActivity(a.answer);
        return this.shop(ctx, state, customerId, parts.product, { ...nlu, intent: 'product_search' });
      }
      if (answers.length > 0) {
        state.lowConfidenceStreak = 0;
        for (const a of answers.slice(0, -1)) await ctx.sendActivity(a.answer);
        return this.answerFromKnowledge(ctx, answers[answers.length - 1]!);
      }
    }

    // Today's gold rate or petrol price is news, whatever the head makes of "rate" and "price".
    if (MARKET_RATE.test(text)) return this.decline(ctx, state);

    // The store's own evidence decides scope before the intent head's threshold does: its help
    // articles, the catalogue, its orders. A message none of them supports is out of scope.
    // The weaker article match is asked for at most once a turn, by whichever step needs it first.
    let lenient: Promise<FaqAnswer | null> | undefined;
    const lenientArticle = async () => {
      const a = await (lenient ??= this.services.faq.answer(text, { vector: nlu.vector, facts: await this.facts(customerId), lenient: true }).catch(() => null));
      return a?.confident && a.source?.kind === 'article' ? a : null;
    };
    const evidence = await this.evidence(text, nlu, customerId, understood, lenientArticle);
    if (evidence.kind === 'article') {
      state.lowConfidenceStreak = 0;
      return this.answerFromKnowledge(ctx, evidence.answer);
    }
    if (evidence.kind === 'product') {
      state.lowConfidenceStreak = 0;
      return this.shop(ctx, state, customerId, text, { ...nlu, intent: SHOPPING_INTENTS.has(nlu.intent) ? nlu.intent : 'product_search' });
    }

    if (!understood) {
      // About one of their own orders ("i placed an order yesterday, any update?"): the order flow.
      if (OWN_ORDER.test(text) && ((nlu.top ?? []).some((t) => ORDER_INTENTS.has(t.intent) && t.score >= 0.1) || /\b(?:order|parcel|package|shipment)\b/i.test(text))) {
        state.lowConfidenceStreak = 0;
        return this.orderStatus(ctx, state, customerId, nlu);
      }
      // Nothing better to say: a help article that matches less closely is still an answer.
      const weaker = evidence.kind === 'none' ? await lenientArticle() : null;
      if (weaker) {
        state.lowConfidenceStreak = 0;
        return this.answerFromKnowledge(ctx, weaker);
      }
      if (evidence.kind === 'answer') {
        state.lowConfidenceStreak = 0;
        return this.answerFromKnowledge(ctx, evidence.answer);
      }
      const candidates = this.clarifyTopics(nlu);
      // Nothing of the shop's to ask about ("how to make money online"): declined, not a guess.
      if (candidates.length > 0 || SHOPPING_INTENTS.has(nlu.intent) || SMALL_TALK.has(nlu.intent)) {
        // Between "clearly answered" and "clearly out of scope": ask, and learn nothing from a guess.
        this.unanswered(ctx, 'unsure');
        const L = this.locale(ctx);
        await ctx.sendActivity(
          MessageFactory.suggestedActions(
            [...candidates.map((c) => ({ type: 'imBack', title: this.t(ctx, `topics.${c}`), value: this.t(ctx, `topics.${c}`) })), ...chips(this.texts, L, ['talkToPerson'])].slice(0, 4),
            candidates.length ? this.t(ctx, 'unsure.about', { topics: candidates.map((c) => this.t(ctx, `topics.${c}`).toLocaleLowerCase(L.tag)).join(this.t(ctx, 'unsure.or')) }) : this.t(ctx, 'unsure.rephrase'),
          ),
        );
        return;
      }
      return this.decline(ctx, state);
    }

    switch (nlu.intent) {
      case 'greeting':
        return this.greet(ctx, state, customerId);
      case 'thanks':
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['anythingElse', 'recommend']), this.t(ctx, 'smallTalk.welcome')));
        return;
      case 'goodbye':
        await this.say(ctx, 'smallTalk.goodbye');
        return;
      case 'chitchat':
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, DEFAULT_CHIPS), this.t(ctx, 'smallTalk.chitchat')));
        return;
      case 'product_search':
      case 'recommendation_request':
      case 'price_availability':
      case 'compare_products':
        return this.shop(ctx, state, customerId, text, nlu);
      case 'product_question':
        return this.productQuestion(ctx, state, customerId, text, nlu);
      case 'delivery_period':
        // "how long does delivery take" is a policy question; "when will my order arrive" is not.
        if (nlu.entities.orderNumbers.length === 0 && !/\b(my|mine|our)\b/i.test(text)) return this.faq(ctx, state, customerId, text, nlu);
        return this.orderStatus(ctx, state, customerId, nlu);
      case 'track_order':
        return this.orderStatus(ctx, state, customerId, nlu);
      case 'cancel_order':
        return this.startOrderChange(ctx, state, customerId, nlu, 'cancel');
      case 'get_refund':
      case 'track_refund':
        return this.startOrderChange(ctx, state, customerId, nlu, 'return');
      case 'change_shipping_address':
      case 'set_up_shipping_address':
        return this.startOrderChange(ctx, state, customerId, nlu, 'address');
      default:
        return this.faq(ctx, state, customerId, text, nlu);
    }
  }

  /**
   * What the store itself says about a message: a help article that answers it (preferred even
   * over a shopping intent, "is emi available on phones" is a policy question), a product request
   * (a shopping intent among the head's candidates, or a budget), or a confident past answer.
   */
  private async evidence(text: string, nlu: Understanding, customerId: string, understood: boolean, lenientArticle: () => Promise<FaqAnswer | null>): Promise<{ kind: 'article' | 'answer'; answer: FaqAnswer } | { kind: 'product' } | { kind: 'none' }> {
    if (understood && SMALL_TALK.has(nlu.intent)) return { kind: 'none' };
    // Asking the assistant to write, sing or solve something ("write me a poem about love") is not
    // a product request, whatever product words it holds.
    if (NOT_A_PURCHASE.test(text)) return { kind: 'none' };
    // About one of the customer's own orders (a number, or "my order" from someone who has orders):
    // the order flow answers. "how long does delivery take", or any order question from a guest,
    // is a policy question first.
    const orderish = ORDER_INTENTS.has(nlu.intent) && understood && (nlu.entities.orderNumbers.length > 0 || OWN_ORDER.test(text));
    const shoppingScore = Math.max(0, ...(nlu.top ?? []).filter((t) => SHOPPING_INTENTS.has(t.intent)).map((t) => t.score));
    const budget = hasBudget(nlu);
    // "only 1 item out of 2 in my order", "wrong colour in my parcel": about what came, not a search.
    const insideOwnOrder = MY_ORDER_CONTENTS.test(text) && !budget;
    let answer: FaqAnswer | null = null;
    if (!orderish && !(budget && SHOPPING_INTENTS.has(nlu.intent))) {
      try {
        // No intent hint: a shopping or order intent would pull past answers of that intent ahead
        // of the article that answers the words.
        answer = await this.services.faq.answer(text, { vector: nlu.vector, facts: await this.facts(customerId) });
      } catch (err) {
        this.log(`[bot] knowledge look-up failed: ${(err as Error).message}`);
      }
    }
    if (answer?.confident && answer.source?.kind === 'article' && !budget) return { kind: 'article', answer };
    // Words of the store's policies and no budget ("free shipping above how much", "will you replace
    // it"): a help article that matches less closely beats a product search.
    if (!understood && !budget && POLICY_WORDS.test(text)) {
      const weaker = await lenientArticle();
      if (weaker) return { kind: 'article', answer: weaker };
    }
    if (insideOwnOrder) return answer?.confident ? { kind: 'answer', answer } : { kind: 'none' };
    // The catalogue is asked with typos in the thing's name corrected ("kindel paperwhite").
    const spelled = understood ? text : await this.spelled(text);
    if (!understood && (budget || (shoppingScore >= 0.25 && (await this.namesCatalogueThings(spelled))))) return { kind: 'product' };
    if (answer?.confident) return { kind: 'answer', answer };
    // A short name of a thing ("bluetooth speaker", "echo dot", "usb hub") that the catalogue holds
    // with every word of it: a product request, whatever the intent head made of two words.
    if (!understood && !budget && !POLICY_WORDS.test(text) && (await this.catalogueHasAll(spelled))) return { kind: 'product' };
    // The thing a request names is something the catalogue sells ("alarm clock for my son",
    // "birthday greeting cards"): a product request, whatever the intent head made of it.
    if (!understood && !POLICY_WORDS.test(text) && (shoppingScore >= 0.1 || nlu.intent !== 'out_of_scope') && (await this.catalogueSellsHead(spelled))) return { kind: 'product' };
    // The head's best in-scope guess is a product search and the message names a thing ("double door
    // refrigerator", "dumbbells 5kg pair"): a request for something the store may not sell, which
    // shop() answers honestly, not a refusal.
    // A short request whose thing, as written, is a thing shops sell ("english willow cricket bat"):
    // shop() shows it or says the store has none, never a refusal. As written: a spelling
    // correction makes "plates" of "places" and "plant" of "plan".
    const head = headNoun(spelled);
    const clause = this.requestClause(text) ?? text;
    if (!understood && !budget && !POLICY_WORDS.test(text) && !WH_QUESTION.test(clause) && !WH_QUESTION.test(text) && clause.split(/\s+/).length <= 12 && namesRetailThing(headNoun(clause) ?? '')) return { kind: 'product' };
    const search = (nlu.top ?? []).find((t) => t.intent !== 'out_of_scope');
    if (!understood && search && (search.intent === 'product_search' || search.intent === 'recommendation_request') && search.score >= 0.15 && !QUESTION.test(text) && head) return { kind: 'product' };
    return { kind: 'none' };
  }

  /**
   * Whether a message names something the catalogue has ("iron", "geyser", "boat"): a word of it
   * found in the product titles. "bitcoin price" or "virat or rohit" name nothing the store sells.
   */
  private async namesCatalogueThings(text: string): Promise<boolean> {
    const words = (text.toLowerCase().match(/[a-z][a-z0-9-]{2,}/g) ?? []).filter((w) => !GENERIC_WORDS.has(w)).slice(0, 8);
    // One FTS query: any of the words (the search's default) in any product.
    return words.length > 0 && (await this.store.products.search(words.join(' '), { limit: 1 })).length > 0;
  }

  /**
   * One article answer per question of the message (at most two: "is cod available? and how many
   * days for delivery"). Where one question names several topics ("upi refund takes how many
   * days": payments and refunds), the section nearest to the message decides.
   */
  private async topicAnswers(text: string, vector: Float32Array | null | undefined): Promise<FaqAnswer[]> {
    const out: { slug: string; answer: FaqAnswer }[] = [];
    for (const clause of text.split(CLAUSE_BREAK)) {
      const slugs = this.services.faq.topics(clause).filter((slug) => !out.some((a) => a.slug === slug));
      if (slugs.length === 0) continue;
      const found = await Promise.all(slugs.slice(0, 3).map(async (slug) => ({ slug, answer: await this.services.faq.fromArticle(text, slug, vector ? { vector } : {}).catch(() => null) })));
      const best = found.filter((f): f is { slug: string; answer: FaqAnswer } => f.answer !== null).sort((a, b) => b.answer.score - a.answer.score)[0];
      if (best) out.push(best);
      if (out.length === 2) break;
    }
    return out.map((o) => o.answer);
  }

  /**
   * A message of two questions, one asking for a product and the other about a policy ("do you have
   * kindle and what is the warranty", "is cod available? also show me pressure cookers"): the two
   * parts, or null. The product part names a thing shops sell, which the catalogue has, and no
   * policy word.
   */
  private async productAndPolicy(text: string): Promise<{ product: string; policy: string } | null> {
    const clauses = text.split(CLAUSE_BREAK).map((c) => c?.trim() ?? '').filter((c) => /[a-z]{2}/i.test(c));
    if (clauses.length < 2) return null;
    let product: string | undefined;
    for (const c of clauses) {
      if (POLICY_WORDS.test(c) || this.services.faq.topics(c).length > 0) continue;
      const things = ((await this.spelled(c)).toLowerCase().match(/[a-z][a-z-]+/g) ?? []).filter((w) => namesRetailThing(w));
      if (things.length > 0 && (await this.store.products.search(things.join(' '), { limit: 1 })).length > 0) {
        product = c;
        break;
      }
    }
    if (!product) return null;
    const policy = clauses.filter((c) => c !== product).join('; ');
    return this.services.faq.topics(policy).length > 0 ? { product, policy } : null;
  }

  /** A budget and something the catalogue has: a product request, whatever policy words it carries. */
  private async productRequestWithBudget(text: string, nlu: Understanding): Promise<boolean> {
    return hasBudget(nlu) && (await this.namesCatalogueThings(text.replace(POLICY_WORDS_ALL, ' ')));
  }

  /** The request with typos in the name of the thing corrected against the catalogue's words ("kindel" -> "kindle"). */
  private async spelled(text: string): Promise<string> {
    const words = thingWords(text);
    if (words.length === 0) return text;
    const catalogue = await this.catalogueWords();
    // The routing step and the search of one turn ask for the same text: corrected once.
    if (this.lastSpelled?.text === text && this.lastSpelled.words === catalogue) return this.lastSpelled.out;
    let out = text;
    for (const w of words) {
      const fixed = correctWord(w, catalogue.vocabulary, catalogue.kinds);
      if (fixed) out = out.replace(new RegExp(`\\b${w}\\b`, 'i'), fixed);
    }
    for (const [said, as] of SAID_AS) out = out.replace(said, as);
    this.lastSpelled = { text, out, words: catalogue };
    return out;
  }

  /** Whether a request's head noun ("clock", "card", "calculator") is what some product's title names. */
  private async catalogueSellsHead(text: string): Promise<boolean> {
    if (QUESTION.test(text)) return false;
    const head = headNoun(text);
    if (!head || head.length < 3 || GENERIC_WORDS.has(head)) return false;
    return (await this.store.products.search(head, { limit: 20 })).some((p) => titleNames(p.title, head));
  }

  /**
   * Whether the catalogue sells the thing a request names: a title names it ("kettle"), a candidate's
   * title holds it written as one word ("powerbank", "harddisk"), or it is a local name of one
   * ("mixie").
   */
  private async sellsThing(head: string, candidates: readonly { productId: string }[], byId: ReadonlyMap<string, Product>, text = ''): Promise<boolean> {
    const name = LOCAL_NAMES[head] ?? head;
    if (name.length < 3 || GENERIC_WORDS.has(name)) return true;
    // "washing machine", "sleeping bag": the thing is the pair of words, which a sewing machine is not.
    const kind = new RegExp(`\\b(${COMPOUND_GERUNDS}) ${name}s?\\b`, 'i').exec(text);
    if (kind) return (await this.store.products.search(`${kind[1]} ${name}`, { limit: 30 })).some((p) => new RegExp(`\\b${kind[1]} ${name}`, 'i').test(ownPart(p.title)));
    // "dinner set", "sofa sets": a set of the thing, which "Dinner Candles" is not.
    const set = new RegExp(`\\b${name}s? (sets?|combos?)\\b`, 'i').exec(text);
    if (set) return (await this.store.products.search(`${name} ${set[1]}`, { limit: 30 })).some((p) => new RegExp(`\\b${name}s? ${set[1]!.replace(/s$/, '')}`, 'i').test(p.title));
    if ((await this.store.products.search(name, { limit: 30 })).some((p) => titleNames(p.title, name))) return true;
    // The title's own part: "Lint Remover for Washing Machine Dryer" is no dryer. Written as one
    // word only for longer names: "bat" is in "battery".
    return name.length >= 5 && candidates.some((c) => ownPart(byId.get(c.productId)?.title ?? '').replace(/[^a-z0-9]+/g, '').includes(name));
  }

  /** Whether products exist whose text has every content word of a short message (at most six). */
  private async catalogueHasAll(text: string): Promise<boolean> {
    const words = (text.toLowerCase().match(/[a-z0-9][a-z0-9-]*/g) ?? []).filter((w) => !GENERIC_WORDS.has(w) && !STOP_WORDS.has(w));
    // A question ("what is love", "who is the pm of india") is not the name of a product.
    // Numbers and symbols alone ("' OR 1=1 --") name no product.
    if (!words.some((w) => /^[a-z]{2,}/.test(w))) return false;
    if (words.length === 0 || words.length > 6 || /\?/.test(text) || /^\s*(what|who|whom|whose|why|how|when|where|which|is|are|was|can|could|do|does|did|will|would|should|tell|explain)\b/i.test(text)) return false;
    return (await this.store.products.search(words.join(' '), { limit: 1, match: 'all' })).length > 0;
  }

  /** Topics worth offering when the head's best guesses are in scope but unsure. */
  private clarifyTopics(nlu: Understanding): string[] {
    const out: string[] = [];
    for (const t of nlu.top ?? []) {
      const topic = TOPICS[t.intent];
      if (topic && t.score >= 0.15 && !out.includes(topic)) out.push(topic);
    }
    return out.slice(0, 3);
  }

  /** Not the shop's business: declined politely. That is not the bot failing, so it does not count towards a hand-off. */
  private async decline(ctx: TurnContext, state: DialogState, key = 'unsure.outOfScope'): Promise<void> {
    state.lowConfidenceStreak = 0;
    this.unanswered(ctx, 'out_of_scope');
    await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, DEFAULT_CHIPS), this.t(ctx, key)));
  }

  private async answerFromKnowledge(ctx: TurnContext, answer: FaqAnswer): Promise<void> {
    await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['thatHelped', 'talkToPerson']), answer.answer));
  }

  private async greet(ctx: TurnContext, state: DialogState, customerId: string): Promise<void> {
    const customer = await this.store.customers.get(customerId);
    const name = customer && customer.name !== 'Guest' ? customer.name.split(' ')[0] : '';
    await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, DEFAULT_CHIPS), name ? this.t(ctx, 'smallTalk.greetName', { name }) : this.t(ctx, 'smallTalk.greet')));
    void state;
  }

  private async show(ctx: TurnContext, state: DialogState, customerId: string, suggestions: Suggestion[], intro: string): Promise<void> {
    const products = await this.store.products.getMany(suggestions.map((s) => s.productId));
    const byId = new Map(products.map((p) => [p.id, p]));
    // Two listings of one product (the same title, another seller) are one card.
    const titles = new Set<string>();
    const shown = suggestions
      .map((s) => ({ s, p: byId.get(s.productId) }))
      .filter((x): x is { s: Suggestion; p: Product } => x.p !== undefined && !titles.has(x.p.title.toLowerCase()) && titles.add(x.p.title.toLowerCase()) !== undefined);
    if (shown.length === 0) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['recommend', 'talkToPerson']), this.t(ctx, 'shop.nothingInStock')));
      return;
    }
    state.lastProducts = shown.map((x) => x.p.id);
    await this.services.recommender.recordEvents(shown.map(({ p }) => ({ customerId, productId: p.id, type: 'impression' as const, context: { conversationId: ctx.activity.conversation.id } })));
    await ctx.sendActivity(MessageFactory.carousel(shown.map(({ s, p }) => this.card(ctx, p, s.reason)), intro));
    await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['cheaper', 'tellFirst', 'somethingElse']), this.t(ctx, 'shop.narrowDown')));
  }

  /** `category`: a follow-up ("cheaper", "in blue") stays in the category of what was shown. */
  private async shop(ctx: TurnContext, state: DialogState, customerId: string, request: string, nlu: Understanding, within: { category?: string | undefined; brands?: readonly string[]; exclude?: ReadonlySet<string> } = {}): Promise<void> {
    const { category, brands, exclude } = within;
    const brand = brands?.length ? brands : undefined;
    /** The whole message: a size said in another clause than the thing ("…, chhota wala chalega") still counts. */
    const whole = request;
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
    const text = category ? request : await this.spelled(request);
    if (!category) state.focusProductId = undefined;
    state.lastQuery = { text, ...(nlu.entities.priceMin !== undefined ? { minPrice: nlu.entities.priceMin } : {}), ...(nlu.entities.priceMax !== undefined ? { maxPrice: nlu.entities.priceMax } : {}), ...(category ? { category } : {}) };
    // Named measures ("43 inch", "15 litre") are requirements: ask for more candidates and keep
    // those that state them; when none does, show the nearest and say so.
    const attributes = attributesOf(text);
    const prices = { ...(nlu.entities.priceMin !== undefined ? { minPrice: nlu.entities.priceMin } : {}), ...(nlu.entities.priceMax !== undefined ? { maxPrice: nlu.entities.priceMax } : {}) };
    const conversationId = ctx.activity.conversation.id;
    const ask = (filters: SuggestRequest['filters']) => this.services.recommender.recommend({ customerId, query: text, queryVector: nlu.vector, filters, conversationId, k: 30 });
    // The candidates' products, read from the store once for every step below.
    const known = new Map<string, Product>();
    const productsOf = async (ids: readonly string[]): Promise<Map<string, Product>> => {
      for (const p of await this.store.products.getMany(ids.filter((id) => !known.has(id)))) known.set(p.id, p);
      return known;
    };
    const head = this.thingHead(text);
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
      const none = prices.maxPrice !== undefined ? this.t(ctx, 'shop.noneUnder', { thing: leaf, price: this.texts.price(prices.maxPrice + 1, this.locale(ctx)) }) : this.t(ctx, 'shop.noneLikeThat', { thing: leaf });
      const cheapest = shown && prices.maxPrice !== undefined && shown.price > prices.maxPrice ? ` ${this.t(ctx, 'shop.cheapestShown', { product: shortTitle(shown.title), price: this.price(ctx, shown) })}` : '';
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['somethingElse', 'talkToPerson']), `${none}${cheapest}`));
      return;
    }
    // The thing asked for ("fairy lights", "tea mugs") must be what a card shows, not a word of it
    // elsewhere ("Fairy Dreams Incense", "Tea Towels", "Adapter for Cellular Phone"): when at least
    // two candidates name it in their own title, only those are shown.
    const byId = await productsOf(candidates.map((c) => c.productId));
    let intro = this.t(ctx, nlu.intent === 'recommendation_request' ? 'shop.picks' : 'shop.found');
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
    const isTheThing = (c: { productId: string }) => titleNames(byId.get(c.productId)?.title ?? '', head ?? '') || (oneKind(byId.get(c.productId)?.category) && !forTheThing(byId.get(c.productId)?.title ?? ''));
    if (!category && head && !brand && pool.length > 0 && !pool.some(isTheThing)) {
      const things = (await this.services.recommender.recommend({ customerId, query: plural(head), filters: prices, conversationId, k: 30 })).filter((c) => !exclude?.has(c.productId));
      const named = await productsOf(things.map((c) => c.productId));
      const theThing = things.filter((c) => titleNames(named.get(c.productId)?.title ?? '', head) || oneKind(named.get(c.productId)?.category));
      if (theThing.length > 0) {
        for (const c of theThing) byId.set(c.productId, named.get(c.productId)!);
        pool = theThing;
        intro = this.t(ctx, 'shop.nearestLine', { thing: plural(thingPhrase(text, head)) });
        nearest = true;
      }
    }
    if (exclude && pool.length === 0) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['somethingElse', 'talkToPerson']), this.t(ctx, 'shop.noMore')));
      return;
    }
    // A thing the catalogue does not sell ("hair dryer", "double bedsheet") is said so, not filled
    // with products that share a word of it. A line the store carries ("kindle paperwhite" where it
    // sells other Kindles) is offered as the nearest, labelled as such.
    if (!category && head && !(await this.sellsThing(head, candidates, byId, text))) {
      const phrase = plural(thingPhrase(text, head));
      // A line is what the store files products under ("Amazon Devices > Kindle"), not any word of a title.
      const leads = (id: string, word: string) => categoryNames(byId.get(id)?.category ?? '', word);
      const line = modifiersOf(text, head).find((m) => candidates.filter((c) => leads(c.productId, m)).length >= 2);
      if (!line && !namesRetailThing(text) && !LOCAL_NAMES[head]) {
        // Nothing a shop sells ("a good movie to watch", "bitcoin price today"): not the shop's business.
        return this.decline(ctx, state);
      }
      if (!line) {
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['recommend', 'talkToPerson']), this.t(ctx, 'shop.notSold', { thing: phrase })));
        return;
      }
      pool = candidates.filter((c) => leads(c.productId, line));
      intro = this.t(ctx, 'shop.nearestLine', { thing: phrase });
      nearest = true;
    }
    // Things for the thing ("Laptop Desk", "RAM … for laptop") go when the thing itself is among
    // them; products whose titles do not say what they are ("Redmi 10A" for "mobile") stay.
    // Those whose titles say nothing of the thing stay in a category where the thing is ("Redmi 10A"
    // among Smartphones) or with another word of the request in their title ("Echo Plus" for "echo
    // dot"), not otherwise (a plastic box among vacuum cleaners for "vacuum for sofa and car seats").
    if (head && pool.some(isTheThing)) {
      const mentions = new RegExp(`\\b${head}(?:e?s)?\\b`, 'i');
      const where = new Set(pool.filter(isTheThing).map((c) => byId.get(c.productId)?.category));
      const asked = (text.toLowerCase().match(/[a-z][a-z0-9-]{2,}/g) ?? []).filter((w) => w !== head && !STOP_WORDS.has(w) && !GENERIC_WORDS.has(w) && !/^(?:for|with|and|the|under|below|above)$/.test(w));
      const sharesAWord = (title: string) => asked.some((w) => new RegExp(`\\b${w}`, 'i').test(title));
      const things = pool.filter((c) => {
        const p = byId.get(c.productId);
        // The shared word is in the product's own name ("Echo Plus"), not in what it comes with
        // ("Smartwatch with Alexa Built-in" is no Alexa speaker).
        return isTheThing(c) || (!mentions.test(p?.title ?? '') && (where.has(p?.category) || sharesAWord(ownPart(p?.title ?? ''))));
      });
      if (things.length > 0) pool = things;
    }
    // A name with two senses in different departments ("OTG": an oven or a USB adapter): the sense
    // the rest of the request speaks of ("for baking cakes") is the thing.
    if (head && !category) pool = this.inTheSenseAsked(text, head, pool, byId);
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
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['somethingElse', 'talkToPerson']), prices.maxPrice !== undefined ? this.t(ctx, 'shop.noneUnder', { thing, price: this.texts.price(prices.maxPrice + 1, this.locale(ctx)) }) : this.t(ctx, 'shop.noneLikeThat', { thing })));
        return;
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
        intro = this.t(ctx, 'shop.nearestWith', { wanted: colours.join(', ') });
        nearest = true;
      }
    }
    // None of what is left is the thing asked for ("office chair": a phone holder and a wrist rest):
    // said so, not filled with other things.
    // Written as one word or two ("powerbank", "Power Bank"): the thing all the same.
    const saysTheThing = (c: { productId: string }) => isTheThing(c) || `${byId.get(c.productId)?.title ?? ''} ${byId.get(c.productId)?.category ?? ''}`.toLowerCase().replace(/[\s-]+/g, '').includes(head ?? '');
    if (!category && head && !brand && !nearest && pool.length > 0 && !pool.slice(0, 5).some(saysTheThing) && namesRetailThing(head)) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['recommend', 'talkToPerson']), this.t(ctx, 'shop.notSold', { thing: plural(thingPhrase(text, head)) })));
      return;
    }
    // The kind of the thing ("pressure" of "pressure cooker", "dslr" of "dslr camera") that no
    // result has anywhere in its details: the results are the nearest, and said so.
    const kind = !category && head && !nearest ? await this.missingKind(text, head, pool.slice(0, 5).map((c) => byId.get(c.productId))) : null;
    if (kind) intro = this.t(ctx, 'shop.nearestLine', { thing: plural(`${kind} ${head}`) });
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
      else if (!kind) intro = this.t(ctx, nlu.entities.priceMax !== undefined ? 'shop.nearestWithBudget' : 'shop.nearestWith', { wanted });
    }
    suggestions = suggestions.map((c) => ({ ...c, reason: cardReason(this.texts, this.locale(ctx), byId.get(c.productId), c.reason, nlu.entities.priceMax, asked.get(c.productId)) }));
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
  private requestClause(text: string, kinds?: ReadonlySet<string>): string | null {
    // A thing shops sell, or one this catalogue files products under ("cleaners" of "Vacuum Cleaners").
    const sold = (h: string | null) => h !== null && (namesRetailThing(h) || (kinds?.has(h) ?? false) || (kinds?.has(`${h}s`) ?? false));
    if (sold(headNoun(text))) return null;
    const clauses = text.split(/[.,;!?\n]+|\b(?:so|but|because|since|as i|and i|also i)\b/i).map((c) => c.trim()).filter((c) => c.length > 0);
    if (clauses.length < 2) return null;
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
    // A tripod "for DSLR" is not a DSLR camera: the product must be the thing, and of that kind.
    const ofKind = (p: Product) => (titleNames(p.title, head) || categoryNames(p.category, head)) && said.test(`${p.title} ${p.description} ${p.category}`);
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
    if (own.length >= 2) return own;
    if (strong.length >= 2) return strong;
    // A head that names no kind by itself ("maker", "machine"): a roti maker is not a coffee maker,
    // so the one that is the kind asked for stands alone.
    if (kinds.length > 0 && strong.length === 1 && KINDLESS_HEADS.has(head)) return own.length ? own : strong;
    if (modifiers.length === 0 || named[0] === candidates[0]) return named;
    return candidates;
  }

  private async followUp(ctx: TurnContext, state: DialogState, customerId: string, follow: NonNullable<ReturnType<typeof detectFollowUp>>, nlu: Understanding): Promise<void> {
    if (follow.kind === 'ordinal') {
      const id = follow.index === -1 ? state.lastProducts.at(-1) : state.lastProducts[follow.index];
      if (!id) {
        await this.say(ctx, 'shop.onlyShowed', { count: state.lastProducts.length });
        return;
      }
      return this.describe(ctx, state, customerId, id);
    }
    if (follow.kind === 'similar') {
      const anchor = state.focusProductId ?? state.lastProducts[0];
      const p = anchor ? await this.store.products.get(anchor) : undefined;
      // "something similar from boat?", "similar ones in white": the same kind, that brand or colour.
      const words: string[] = (ctx.activity.text ?? '').toLowerCase().match(/[a-z0-9][a-z0-9-]*/g) ?? [];
      const { brands } = await this.catalogueWords();
      const brand = words.find((w) => brands.has(w) && !COLOURS.includes(w));
      const colours = COLOURS.filter((c) => words.includes(c));
      if (p && state.lastQuery && (brand || colours.length)) {
        const last = state.lastQuery;
        const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, colors: colours, ...(last.maxPrice !== undefined ? { priceMax: last.maxPrice } : {}) } };
        return this.shop(ctx, state, customerId, `${brand ?? ''} ${colours.join(' ')} ${last.text}`.trim(), refined, { category: p.category, ...(brand ? { brands: [brand] } : {}) });
      }
      if (p) {
        const related = await this.services.recommender.related(p.id, 5);
        if (related.length > 0) return this.show(ctx, state, customerId, this.localReasons(ctx, related), this.t(ctx, 'shop.moreLike', { product: shortTitle(p.title) }));
      }
    }
    if (follow.kind === 'stock') {
      // The product in focus, else each of those just shown.
      const ids = state.focusProductId ? [state.focusProductId] : state.lastProducts.slice(0, 5);
      const lines = (await this.store.products.getMany(ids)).map((p) => this.t(ctx, 'product.stockOf', { product: shortTitle(p.title), stock: this.stockLine(ctx, p) }));
      if (lines.length > 0) {
        await ctx.sendActivity(lines.join('\n'));
        return;
      }
    }
    if (follow.kind === 'best' && state.lastProducts.length > 1) {
      // The best rated of what was shown, its many ratings weighing more than a few perfect ones.
      const score = (p: Product) => (p.rating ?? 0) * Math.log10((p.ratingCount ?? 0) + 10);
      const best = (await this.store.products.getMany(state.lastProducts)).sort((a, b) => score(b) - score(a))[0];
      if (best && best.rating !== null) {
        const L = this.locale(ctx);
        await this.say(ctx, 'shop.bestOf', { product: shortTitle(best.title), rating: this.texts.number(best.rating, L, 1), count: this.texts.number(best.ratingCount ?? 0, L) });
        return this.describe(ctx, state, customerId, best.id);
      }
    }
    if (follow.kind === 'cart') {
      // A chat cannot fill the page's cart: the product's card is, one tap away.
      const id = state.focusProductId ?? (state.lastProducts.length === 1 ? state.lastProducts[0] : undefined);
      const p = id ? await this.store.products.get(id) : undefined;
      const button = this.t(ctx, 'card.addToCart');
      if (p) await ctx.sendActivity(MessageFactory.carousel([this.card(ctx, p, '')], this.t(ctx, 'cart.tapToAdd', { product: shortTitle(p.title), button })));
      else await this.say(ctx, 'cart.whichOne', { button });
      return;
    }
    const last = state.lastQuery;
    if (follow.kind === 'more' && last) {
      const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, ...(last.maxPrice !== undefined ? { priceMax: last.maxPrice } : {}), ...(last.minPrice !== undefined ? { priceMin: last.minPrice } : {}) } };
      return this.shop(ctx, state, customerId, last.text, refined, { category: (await this.shownCategory(state)) ?? last.category, exclude: new Set([...(state.shownForQuery ?? []), ...state.lastProducts]) });
    }
    if (follow.kind === 'brand') return this.shop(ctx, state, customerId, `${follow.brands.join(' ')} ${last?.text ?? ''}`.trim(), { ...nlu, vector: null, entities: { ...nlu.entities, ...(last?.maxPrice !== undefined ? { priceMax: last.maxPrice } : {}) } }, { category: (await this.shownCategory(state)) ?? last?.category, brands: follow.brands });
    if (!last) return this.shop(ctx, state, customerId, follow.kind === 'refine' ? follow.words.join(' ') : 'recommend something', nlu);
    if (follow.kind === 'cheaper') {
      const prices = (await this.store.products.getMany(state.lastProducts)).map((p) => p.price);
      const maxPrice = prices.length ? Math.min(...prices) - 1 : last.maxPrice;
      const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, ...(maxPrice !== undefined ? { priceMax: maxPrice } : {}), ...(last.minPrice !== undefined ? { priceMin: last.minPrice } : {}) } };
      return this.shop(ctx, state, customerId, last.text, refined, { category: (await this.shownCategory(state)) ?? last.category });
    }
    if (follow.kind === 'budget') {
      const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, ...(nlu.entities.priceMax !== undefined ? { priceMax: nlu.entities.priceMax } : {}), ...(nlu.entities.priceMin !== undefined ? { priceMin: nlu.entities.priceMin } : {}) } };
      return this.shop(ctx, state, customerId, last.text, refined, { category: (await this.shownCategory(state)) ?? last.category });
    }
    // A colour or a size of what was shown ("blue one?", "only 32 inch ones"); with nothing similar
    // to show, the last request again. The new words go first: the last word stays the thing.
    const words = follow.kind === 'refine' ? follow.words : [];
    const text = `${words.join(' ')} ${last.text}`.trim();
    // A budget said with it ("only steel body ones, below 800") replaces the last one.
    const maxPrice = nlu.entities.priceMax ?? last.maxPrice;
    const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, colors: words.filter((w) => COLOURS.includes(w)), ...(maxPrice !== undefined ? { priceMax: maxPrice } : {}) } };
    return this.shop(ctx, state, customerId, text, refined, { category: (await this.shownCategory(state)) ?? last.category });
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
  private async catalogueWords(): Promise<{ vocabulary: Map<string, number>; kinds: Set<string>; brands: Set<string>; categories: string[] }> {
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

  private stockLine(ctx: TurnContext, p: Product): string {
    return p.stock > 0 ? (p.stock < 5 ? this.t(ctx, 'product.fewLeft', { count: p.stock }) : this.t(ctx, 'product.inStock')) : this.t(ctx, 'product.outOfStock');
  }

  /** The category of the product in focus, else the one most of the last results share. */
  private async shownCategory(state: DialogState): Promise<string | undefined> {
    if (state.focusProductId) return (await this.store.products.get(state.focusProductId))?.category;
    const counts = new Map<string, number>();
    for (const p of await this.store.products.getMany(state.lastProducts)) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
  }

  private async describe(ctx: TurnContext, state: DialogState, customerId: string, productId: string): Promise<void> {
    const p = await this.store.products.get(productId);
    if (!p) {
      await this.say(ctx, 'product.gone');
      return;
    }
    state.focusProductId = p.id;
    await this.services.recommender.recordEvent({ customerId, productId: p.id, type: 'view', context: { conversationId: ctx.activity.conversation.id } });
    const L = this.locale(ctx);
    const stock = this.stockLine(ctx, p);
    const rating = p.rating !== null ? (p.ratingCount ? this.t(ctx, 'product.ratedFrom', { rating: this.texts.number(p.rating, L, 1), count: this.texts.number(p.ratingCount, L) }) : this.t(ctx, 'product.rated', { rating: this.texts.number(p.rating, L, 1) })) : '';
    const features = keyFeatures(p.description);
    const list = features.length ? `\n${features.map((f) => `- ${f}`).join('\n')}` : '';
    await ctx.sendActivity(MessageFactory.attachment(this.card(ctx, p), this.t(ctx, 'product.costs', { title: clip(p.title, 120), price: this.price(ctx, p), stock, rating, features: list })));
    await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['whatPeopleSay', 'cheaper', 'somethingElse']), this.t(ctx, 'product.askMore')));
  }

  /** "compare first two": price, rating and the measures either states, then which is cheaper and which buyers rate higher. */
  private async compare(ctx: TurnContext, state: DialogState, pair: readonly [number, number]): Promise<void> {
    const ids = pair.map((k) => (k === -1 ? state.lastProducts.at(-1) : state.lastProducts[k]));
    const products = await this.store.products.getMany(ids.filter((id): id is string => id !== undefined));
    const two = ids.map((id) => products.find((p) => p.id === id));
    if (two.some((p) => p === undefined)) {
      await this.say(ctx, 'shop.onlyShowed', { count: state.lastProducts.length });
      return;
    }
    const [a, b] = two as [Product, Product];
    const L = this.locale(ctx);
    const units = ['inch', 'litre', 'gb', 'mah', 'w', 'kg', 'ton'].filter((u) => specOf(a, u) !== null || specOf(b, u) !== null);
    const line = (p: Product, n: number) =>
      this.t(ctx, 'shown.compareLine', {
        n: String(pair[n]! === -1 ? state.lastProducts.length : pair[n]! + 1),
        product: shortTitle(p.title),
        price: this.price(ctx, p),
        rating: p.rating !== null && (p.ratingCount ?? 0) > 0 ? this.t(ctx, 'shown.compareRating', { rating: this.texts.number(p.rating, L, 1), count: this.texts.number(p.ratingCount ?? 0, L) }) : '',
        specs: units.map((u) => specOf(p, u)).filter((s): s is string => s !== null && s.length <= 30).map((s) => `, ${s}`).join(''),
      });
    const lines = [this.t(ctx, 'shown.compareIntro'), line(a, 0), line(b, 1)];
    if (a.price !== b.price) {
      const cheap = a.price < b.price ? a : b;
      lines.push(this.t(ctx, 'shown.cheaperBy', { product: shortTitle(cheap.title), diff: this.texts.price(Math.abs(a.price - b.price), L, cheap.currency) }));
    }
    const rated = (p: Product) => ((p.ratingCount ?? 0) >= 20 ? (p.rating ?? null) : null);
    const ra = rated(a);
    const rb = rated(b);
    if (ra !== null && rb !== null && Math.abs(ra - rb) >= 0.2) lines.push(this.t(ctx, 'shown.ratedHigher', { product: shortTitle((ra > rb ? a : b).title) }));
    await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['tellFirst', 'cheaper', 'somethingElse']), lines.join('\n')));
  }

  /** "which one has the biggest battery": the shown product whose title or details state the most (least). */
  private async extreme(ctx: TurnContext, state: DialogState, asked: ExtremeAsked): Promise<void> {
    const products = await this.store.products.getMany(state.lastProducts.slice(0, 5));
    const measured = products.flatMap((p) => {
      const stated = attributesOf(p.title).find((a) => a.unit === asked.unit) ?? p.description.split(/\r?\n/).flatMap((l) => attributesOf(l)).find((a) => a.unit === asked.unit);
      return stated ? [{ p, value: stated.value, text: stated.text }] : [];
    });
    if (measured.length === 0) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['talkToPerson', 'somethingElse']), this.t(ctx, 'shown.notStated')));
      return;
    }
    const best = measured.sort((x, y) => (asked.want === 'max' ? y.value - x.value : x.value - y.value))[0]!;
    state.focusProductId = best.p.id;
    await ctx.sendActivity(MessageFactory.carousel([this.card(ctx, best.p)], this.t(ctx, asked.want === 'max' ? 'shown.most' : 'shown.least', { product: shortTitle(best.p.title), value: best.text })));
  }

  private async productQuestion(ctx: TurnContext, state: DialogState, customerId: string, text: string, nlu: Understanding): Promise<void> {
    // A product named outright wins; a review word that happens to be in some title ("battery" in
    // "Disco Ball Rotator Battery Operated") does not beat the product in focus, nor answer alone.
    const named = nlu.entities.products[0];
    // With a product in focus, another one must be named by more than one word of its title.
    const focus = state.focusProductId ?? state.lastProducts[0];
    const needed = !focus ? 1 : /\b(it|its|this|that)\b/i.test(text) ? 3 : 2;
    const clearlyNamed = named && named.productId !== focus && (await this.namesBeyondReviewWords(text, named.productId)) >= needed ? named.productId : undefined;
    const productId = clearlyNamed ?? state.focusProductId ?? state.lastProducts[0];
    if (!productId && ABOUT_PRODUCT.test(text)) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['recommend']), this.t(ctx, 'product.whichOne')));
      return;
    }
    if (!productId) return this.shop(ctx, state, customerId, text, nlu);
    // A measure ("how many litres is it") is what the details state: of the product in focus, or
    // of each product just shown when none is.
    const unit = specAsked(text);
    if (unit) {
      const ids = clearlyNamed || state.focusProductId ? [productId] : state.lastProducts.slice(0, 5);
      const lines = (await this.store.products.getMany(ids)).map((q) => {
        const stated = specOf(q, unit);
        return stated ? this.t(ctx, 'product.spec', { product: shortTitle(q.title), spec: stated }) : this.t(ctx, ids.length === 1 ? 'product.specUnknown' : 'product.specNotStated', { product: shortTitle(q.title) });
      });
      if (lines.length > 0) {
        if (ids.length === 1) state.focusProductId = ids[0];
        await ctx.sendActivity(lines.join('\n'));
        return;
      }
    }
    const p = await this.store.products.get(productId);
    if (!p) return this.shop(ctx, state, customerId, text, nlu);
    state.focusProductId = p.id;
    // "does it support fast charging?", "is it waterproof?": its own details answer first.
    if (/^\s*(does|do|is|are|can|has|have|will)\s+(it|this|they|these)\b/i.test(text)) {
      const feature = this.detailAbout(p, text);
      if (feature) await this.say(ctx, 'product.fromDetails', { product: shortTitle(p.title), detail: feature });
    }
    const L = this.locale(ctx);
    const num = (n: number, digits?: number) => this.texts.number(n, L, digits);
    const digest = await this.services.reviews.digest(p.id);
    if (!digest || digest.reviews === 0) {
      await ctx.sendActivity(p.rating !== null ? this.t(ctx, 'reviews.noneRated', { product: shortTitle(p.title), price: this.price(ctx, p), rating: num(p.rating, 1) }) : this.t(ctx, 'reviews.none', { product: shortTitle(p.title), price: this.price(ctx, p) }));
    } else {
      const lower = text.toLowerCase();
      const aspect = digest.aspects.find((a) => lower.includes(a.aspect.toLowerCase()));
      const lines: string[] = [];
      const asked = ASPECT_ASKED.exec(lower)?.[1];
      const rated = (key: 'overall' | 'catalogue', rating: number, count: number | null | undefined) => (count ? this.t(ctx, `reviews.${key}From`, { rating: num(rating, 1), count: num(count) }) : this.t(ctx, `reviews.${key}`, { rating: num(rating, 1) }));
      if (!aspect && asked) {
        lines.push(digest.reviews === 1 ? this.t(ctx, 'reviews.oneSaysNothing', { aspect: this.aspect(ctx, asked) }) : this.t(ctx, 'reviews.noneSay', { count: num(digest.reviews), aspect: this.aspect(ctx, asked) }));
        const rating = digest.catalogRating ?? p.rating;
        if (rating != null) lines.push(rated('overall', rating, digest.catalogRatingCount ?? p.ratingCount));
      } else if (aspect) {
        lines.push(this.t(ctx, 'reviews.aspect', { count: num(aspect.mentions), aspect: this.aspect(ctx, aspect.aspect), share: num(Math.round(aspect.positiveShare * 100)) }));
        const quotes = [...digest.pros, ...digest.cons].filter((q) => q.aspect === aspect.aspect);
        for (const e of quotes.slice(0, 2)) lines.push(this.t(ctx, 'reviews.quote', { text: e.text }));
      } else {
        const reviews = digest.reviews === 1 ? this.t(ctx, 'reviews.one') : this.t(ctx, 'reviews.many', { count: num(digest.reviews) });
        const counted = digest.fewReviews ? this.t(ctx, 'reviews.onlySoFar', { reviews }) : reviews;
        lines.push(digest.meanRating !== null ? this.t(ctx, 'reviews.countAverage', { reviews: counted, average: num(digest.meanRating, 1) }) : this.t(ctx, 'reviews.count', { reviews: counted }));
        const rating = digest.catalogRating ?? p.rating;
        const ratings = digest.catalogRatingCount ?? p.ratingCount;
        if (rating !== null && rating !== undefined) lines.push(rated('catalogue', rating, ratings));
        if (digest.pros[0]) lines.push(this.t(ctx, 'reviews.like', { text: digest.pros[0].text }));
        if (digest.cons[0]) lines.push(this.t(ctx, 'reviews.complain', { text: digest.cons[0].text }));
        if (!digest.pros[0] && !digest.cons[0]) lines.push(this.t(ctx, 'reviews.noProsCons'));
        const top = digest.aspects.slice(0, 3).map((a) => this.t(ctx, 'reviews.topAspect', { aspect: this.aspect(ctx, a.aspect), share: num(Math.round(a.positiveShare * 100)) }));
        if (top.length) lines.push(this.t(ctx, 'reviews.mostDiscussed', { aspects: top.join(this.t(ctx, 'reviews.listJoiner')) }));
      }
      await this.say(ctx, 'reviews.about', { product: shortTitle(p.title), lines: lines.join(' ') });
    }
    await this.maybeInject(ctx, state, customerId, p.id, this.t(ctx, 'shop.alsoLike'));
  }

  /** How many words the message shares with the product's title besides review words ("battery", "sound"). */
  private async namesBeyondReviewWords(text: string, productId: string): Promise<number> {
    const title = new Set(((await this.store.products.get(productId))?.title.toLowerCase().match(/[a-z0-9]+/g) ?? []));
    const words = (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 2 && !STOP_WORDS.has(w) && !GENERIC_WORDS.has(w) && !ABOUT_PRODUCT.test(w) && !ASPECT_ASKED.test(w));
    return new Set(words.filter((w) => title.has(w))).size;
  }

  /** The line of a product's details that mentions what the question asks about, if any. */
  private detailAbout(p: Product, question: string): string | null {
    const asked = (question.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 3 && !STOP_WORDS.has(w) && !GENERIC_WORDS.has(w) && !/^(does|support|supports|have|this|they|these|will)$/.test(w));
    if (asked.length === 0) return null;
    const lines = keyFeatures(p.description.replace(/\r?\n/g, '\n')).concat(p.description.split(/\r?\n|(?<=\.)\s+/).map((x) => clip(x.trim(), 160)));
    return lines.find((l) => asked.every((w) => l.toLowerCase().includes(w.replace(/s$/, '')))) ?? lines.find((l) => asked.some((w) => w.length > 4 && l.toLowerCase().includes(w))) ?? null;
  }

  /** Suggestions nobody asked for: only where natural and at most once every few turns. */
  private async maybeInject(ctx: TurnContext, state: DialogState, customerId: string, anchorProductId: string | null, intro: string): Promise<void> {
    if (state.turn - state.lastInjectedTurn < this.every) return;
    const suggestions = anchorProductId ? await this.services.recommender.related(anchorProductId, 3) : await this.services.recommender.recommend({ customerId, conversationId: ctx.activity.conversation.id, k: 3 });
    const products = (await this.store.products.getMany(suggestions.map((s) => s.productId))).filter((p) => p.stock > 0);
    if (products.length === 0) return;
    state.lastInjectedTurn = state.turn;
    const reasons = new Map(this.localReasons(ctx, suggestions).map((s) => [s.productId, s.reason]));
    await this.services.recommender.recordEvents(products.map((p) => ({ customerId, productId: p.id, type: 'impression' as const, context: { injected: true, conversationId: ctx.activity.conversation.id } })));
    await ctx.sendActivity(MessageFactory.carousel(products.map((p) => this.card(ctx, p, reasons.get(p.id))), intro));
  }

  private async ownOrder(customerId: string, nlu: Understanding, filter: (o: Order) => boolean): Promise<{ order?: Order; foreign: boolean }> {
    const mine = await this.store.orders.listForCustomer(customerId, { limit: 50 });
    for (const raw of nlu.entities.orderNumbers) {
      const id = orderIdOf(raw);
      const found = mine.find((o) => o.id === id);
      // Another customer's order number gets the same answer as a wrong one: nothing leaks.
      return found ? { order: found, foreign: false } : { foreign: true };
    }
    return { order: mine.find(filter), foreign: false };
  }

  private async orderStatus(ctx: TurnContext, state: DialogState, customerId: string, nlu: Understanding): Promise<void> {
    // No orders on this account (a guest): check number and e-mail together.
    if ((await this.store.orders.listForCustomer(customerId, { limit: 1 })).length === 0) return this.guestOrder(ctx, state, nlu);
    state.orderLookup = undefined;
    const { order, foreign } = await this.ownOrder(customerId, nlu, () => true);
    if (foreign || !order) {
      await this.say(ctx, 'order.notOnAccount');
      return;
    }
    await ctx.sendActivity(this.status(ctx, order));
    await this.maybeInject(ctx, state, customerId, order.lines[0]?.productId ?? null, this.t(ctx, 'shop.alsoLooked'));
  }

  /**
   * An order question from someone whose account has no orders (a guest, or signed in elsewhere):
   * the order number and the e-mail on the order, checked together. A wrong pair gets the same
   * answer whichever half was wrong, and tries are limited, so nobody can probe others' orders.
   */
  private async guestOrder(ctx: TurnContext, state: DialogState, nlu: Understanding): Promise<void> {
    const lookup = state.orderLookup ?? { attempts: 0 };
    const raw = nlu.entities.orderNumbers[0];
    if (raw) lookup.orderId = orderIdOf(raw);
    if (nlu.entities.emails[0]) lookup.email = nlu.entities.emails[0];
    state.orderLookup = lookup;
    if (!lookup.orderId || !lookup.email) {
      const ask = this.t(ctx, !lookup.orderId && !lookup.email ? 'order.askBoth' : !lookup.orderId ? 'order.askNumber' : 'order.askEmail');
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['talkToPerson']), ask));
      return;
    }
    lookup.attempts++;
    const order = await this.store.orders.get(lookup.orderId);
    const owner = order ? await this.store.customers.get(order.customerId) : undefined;
    if (!order || !owner?.email || owner.email.trim().toLowerCase() !== lookup.email.trim().toLowerCase()) {
      const tooMany = lookup.attempts >= 3;
      state.orderLookup = tooMany ? undefined : { attempts: lookup.attempts };
      await ctx.sendActivity(
        MessageFactory.suggestedActions(
          this.chips(ctx, ['talkToPerson']),
          this.t(ctx, tooMany ? 'order.noMatchFinal' : 'order.noMatch'),
        ),
      );
      return;
    }
    state.orderLookup = undefined;
    await ctx.sendActivity(this.status(ctx, order));
  }

  /** What an order's status is, in a sentence of the conversation's language. */
  private status(ctx: TurnContext, o: Order): string {
    return statusSentence(this.texts, this.locale(ctx), o);
  }

  private async startOrderChange(ctx: TurnContext, state: DialogState, customerId: string, nlu: Understanding, kind: 'cancel' | 'return' | 'address'): Promise<void> {
    // Nothing on this account to change (a guest): how it works, from the help articles, or the
    // order look-up by number and e-mail.
    if (nlu.entities.orderNumbers.length === 0 && (await this.store.orders.listForCustomer(customerId, { limit: 1 })).length === 0) {
      const how = await this.services.faq.answer(kind === 'cancel' ? 'how do i cancel an order' : kind === 'return' ? 'how do i return an item' : 'can i change the delivery address', { facts: {} }).catch(() => null);
      if (how?.confident && how.source?.kind === 'article') return this.answerFromKnowledge(ctx, how);
      return this.guestOrder(ctx, state, nlu);
    }
    const eligible = (o: Order) => (kind === 'cancel' ? o.status === 'processing' : kind === 'return' ? o.status === 'delivered' || o.status === 'return_requested' || o.status === 'returned' : o.status === 'processing');
    const { order, foreign } = await this.ownOrder(customerId, nlu, eligible);
    if (foreign) {
      await this.say(ctx, 'order.notOnAccountShort');
      return;
    }
    if (!order) {
      const none = { cancel: 'order.noneToCancel', return: 'order.noneToReturn', address: 'order.noneToReaddress' };
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['whereIsMyOrder', 'talkToPerson']), this.t(ctx, none[kind])));
      return;
    }
    if (kind === 'return' && (order.status === 'return_requested' || order.status === 'returned')) {
      await ctx.sendActivity(this.status(ctx, order));
      return;
    }
    if (!eligible(order)) {
      await this.say(ctx, kind === 'cancel' ? 'order.tooLateCancel' : kind === 'address' ? 'order.tooLateAddress' : 'order.notYetReturnable', { status: this.status(ctx, order) });
      return;
    }
    const line = orderLine(order, this.locale(ctx), this.texts);
    if (kind === 'address') {
      await this.beginOrderChange(ctx, { kind, orderId: order.id, question: this.t(ctx, 'order.askAddress', { order: line }) });
      return;
    }
    const question = kind === 'cancel' ? this.t(ctx, 'order.askCancel', { order: line, total: this.texts.price(order.total, this.locale(ctx)) }) : this.t(ctx, 'order.askReturn', { order: line });
    await this.beginOrderChange(ctx, { kind, orderId: order.id, question });
  }

  private async beginOrderChange(ctx: TurnContext, options: OrderChangeOptions): Promise<void> {
    const dc = await this.dialogs.createContext(ctx);
    await dc.cancelAllDialogs();
    await dc.beginDialog(ORDER_CHANGE_DIALOG, options);
  }

  private async facts(customerId: string): Promise<CustomerFacts> {
    const c = await this.store.customers.get(customerId);
    const latest = (await this.store.orders.listForCustomer(customerId, { limit: 1 }))[0];
    return { ...(c?.name && c.name !== 'Guest' ? { name: c.name } : {}), ...(c?.email ? { email: c.email } : {}), ...(latest ? { orderNumber: latest.id } : {}) };
  }

  private async faq(ctx: TurnContext, state: DialogState, customerId: string, text: string, nlu: Understanding): Promise<void> {
    const result = await this.services.faq.answer(text, { intent: nlu.intent, vector: nlu.vector, facts: await this.facts(customerId) });
    if (result.confident) {
      await this.answerFromKnowledge(ctx, result);
      await this.maybeInject(ctx, state, customerId, null, this.t(ctx, 'shop.whileHere'));
      return;
    }
    state.lowConfidenceStreak++;
    if (state.lowConfidenceStreak >= 2) return this.startHandoff(ctx, state, 'repeated_failure', nlu);
    this.unanswered(ctx, 'no_answer');
    await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['talkToPerson', 'whereIsMyOrder']), this.t(ctx, 'unsure.notConfident')));
  }

  private async cardAction(ctx: TurnContext, state: DialogState, customerId: string, action: CardActionValue): Promise<void> {
    const p = await this.store.products.get(action.productId);
    if (!p) {
      await this.say(ctx, 'product.unavailable');
      return;
    }
    if (action.action === 'view') {
      await this.services.recommender.recordEvent({ customerId, productId: p.id, type: 'click', context: { conversationId: ctx.activity.conversation.id } });
      return this.describe(ctx, state, customerId, p.id);
    }
    if (action.action === 'add_to_cart') {
      state.focusProductId = p.id;
      // Only what the store's cart did is confirmed: the widget asked the page before telling us.
      const cart = action.cart?.result;
      if (cart === 'added') {
        await this.services.recommender.recordEvent({ customerId, productId: p.id, type: 'add_to_cart', context: { conversationId: ctx.activity.conversation.id } });
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['moreLikeThis', 'anythingElse']), this.t(ctx, 'cart.added', { product: shortTitle(p.title), price: this.price(ctx, p) })));
      } else if (cart === 'refused') {
        const why = action.cart?.reason;
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['moreLikeThis', 'talkToPerson']), why ? this.t(ctx, 'cart.refusedWhy', { product: shortTitle(p.title), reason: why }) : this.t(ctx, 'cart.refused', { product: shortTitle(p.title) })));
      } else if (p.stock <= 0) {
        await this.say(ctx, 'cart.outOfStock', { product: shortTitle(p.title) });
      } else {
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['moreLikeThis', 'anythingElse']), this.t(ctx, 'cart.noCart', { product: shortTitle(p.title), price: this.price(ctx, p) })));
      }
      return;
    }
    await this.services.recommender.recordEvent({ customerId, productId: p.id, type: 'click', context: { action: 'more_like', conversationId: ctx.activity.conversation.id } });
    const related = await this.services.recommender.related(p.id, 5);
    state.lastInjectedTurn = state.turn;
    await this.show(ctx, state, customerId, this.localReasons(ctx, related), this.t(ctx, 'shop.moreLike', { product: shortTitle(p.title) }));
  }

  /** Marks the turn's customer message as one the bot could not answer (the reports group them). */
  private unanswered(ctx: TurnContext, reason: UnansweredReason): void {
    const messageId = (ctx.activity.channelData as { messageId?: number } | undefined)?.messageId;
    if (!messageId) return;
    // Not awaited: the mark is bookkeeping for the reports, never worth holding the turn's reply.
    void this.store.unanswered.record(messageId, reason).catch((err: unknown) => this.log(`[bot] could not mark message ${messageId} unanswered: ${(err as Error).message}`));
  }

  private async startHandoff(ctx: TurnContext, state: DialogState, reason: HandoffRequest['reason'], nlu: Understanding, sorry = false): Promise<void> {
    if (reason === 'repeated_failure') this.unanswered(ctx, 'repeated_failure');
    // A person takes over: whatever the bot was asking is dropped.
    await (await this.dialogs.createContext(ctx)).cancelAllDialogs();
    state.lowConfidenceStreak = 0;
    state.negativeStreak = 0;
    const skill: HandoffRequest['skill'] = ORDER_INTENTS.has(nlu.intent) ? 'orders' : PAYMENT_INTENTS.has(nlu.intent) ? 'payments' : SHOPPING_INTENTS.has(nlu.intent) || nlu.intent === 'product_question' ? 'product' : 'general';
    const priority = reason === 'negative_sentiment' ? 2 : reason === 'needs_human' ? 1 : 0;
    const outcome = await this.handoff.request({ conversationId: ctx.activity.conversation.id, customerId: this.customerId(ctx), reason, skill, priority });
    const why = this.t(ctx, { asked: sorry ? 'handoff.askedSorry' : 'handoff.asked', needs_human: sorry ? 'handoff.needsHumanSorry' : 'handoff.needsHuman', negative_sentiment: 'handoff.upset', repeated_failure: 'handoff.failing' }[reason]);
    // Outside the team's hours: when it is back, and the message waits for it as a ticket.
    if (this.hours && !isOpen(this.hours)) {
      const back = nextOpening(this.hours);
      await ctx.sendActivity(back !== null ? this.t(ctx, 'handoff.awayUntil', { why, when: describeOpening(this.hours, back, Date.now(), this.locale(ctx)) }) : this.t(ctx, 'handoff.away', { why }));
      if (outcome.status === 'pending') await ctx.sendActivity({ type: 'event', name: 'handoff.status', value: { status: 'pending', position: outcome.position } });
      return;
    }
    if (outcome.status === 'offline') {
      await this.say(ctx, 'handoff.offline', { why });
      return;
    }
    const position = this.texts.number(outcome.position, this.locale(ctx));
    await ctx.sendActivity(
      outcome.typicalWaitMs !== undefined ? this.t(ctx, 'handoff.queuedWait', { why, position, count: Math.max(1, Math.round(outcome.typicalWaitMs / 60_000)) }) : this.t(ctx, 'handoff.queued', { why, position }),
    );
    await ctx.sendActivity({ type: 'event', name: 'handoff.status', value: { status: 'pending', position: outcome.position } });
  }
}

