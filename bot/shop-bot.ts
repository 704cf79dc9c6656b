import { ActivityHandler, ConversationState, MessageFactory, UserState, type StatePropertyAccessor, type TurnContext } from 'botbuilder';
import type { Order, Product, Store, UnansweredReason } from '../store/index.js';
import { DialogSet, DialogTurnStatus } from 'botbuilder-dialogs';
import { formatPrice, parseCardAction, productCard, shortTitle, type CardActionValue } from './cards.js';
import { ORDER_CHANGE_DIALOG, OrderChangeDialog, orderLine, type OrderChangeOptions, type OrderChangeResult } from './dialogs/order-change.js';
import { COLOURS, detectBrandFollowUp, detectFollowUp } from './followups.js';
import { chatMood, complaintSignals } from '../nlu/chat-mood.js';
import { detectLanguage, englishOnlyReply } from './language.js';
import { applyNotificationRequest, notificationRequest } from './notifications.js';
import { ASKS_FOR_HINDI, glossHinglish, mostlyHinglish } from './hinglish.js';
import { namesRetailThing } from './retail-nouns.js';
import { romaniseHindi } from './devanagari.js';
import { specAsked } from './product-specs.js';
import { smallTalkReply } from './small-talk.js';
import { cardReference, compareAsked, extremeAsked, featureAsked } from './shown-questions.js';
import { ProductQuestions } from './product-questions.js';
import { ProductSearch, requirementsOf } from './product-search.js';
import { GENERIC_WORDS, STOP_WORDS } from './request-words.js';
import { asksForPerson, BACK_TO_BOT, CONDUCT } from './asks-for-person.js';
import { reasonsIn } from './card-reasons.js';
import { chips, DEFAULT_CHIPS, englishOfChip, TOPICS } from './chips.js';
import { ENTERTAINMENT, HOMEWORK, INVESTMENT, MARKET_RATE, MEDICAL, NOT_A_PURCHASE, TRAVEL, WEATHER, WEATHER_SHOP } from './declines.js';
import { aboutOneOrder, MY_ORDER_CONTENTS, orderIdOf, OWN_ORDER, POLICY_ASK, saidEarlier } from './order-signals.js';
import { statusSentence } from './order-status.js';
import { ABOUT_PRODUCT, REVIEW_QUESTION, WARRANTY_IN_DETAILS } from './product-answers.js';
import { headNoun, titleNames } from './product-request.js';
import type { BotServices, CustomerFacts, FaqAnswer, Suggestion, Understanding } from './services.js';
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

/** Asking for a thing ("need a", "looking for", "do you have", "show me"). */
const ASKING_FOR = /\b(?:looking for|searching for|(?:i|we) (?:need|want)|need (?:a|an|some|one)|want (?:a|an|some|one|to buy)|suggest|recommend|show me|do (?:you|u) (?:have|sell)|chahiye|dikhao)\b/i;
const ORDER_INTENTS = new Set(['track_order', 'cancel_order', 'change_order', 'change_shipping_address', 'set_up_shipping_address', 'get_refund', 'track_refund', 'delivery_period']);
const PAYMENT_INTENTS = new Set(['payment_issue', 'check_payment_methods', 'get_invoice', 'check_invoices', 'check_cancellation_fee']);
const SHOPPING_INTENTS = new Set(['product_search', 'recommendation_request', 'price_availability', 'compare_products']);
const HUMAN_INTENTS = new Set(['contact_human_agent']);
/** Whether the message names a price limit ("under 2k", "between 1000 and 2000"). */
const hasBudget = (nlu: Understanding): boolean => nlu.entities.priceMax !== undefined || nlu.entities.priceMin !== undefined;
const SMALL_TALK = new Set(['greeting', 'thanks', 'goodbye', 'chitchat']);
/** Words of the store's policies (not of products). */
const POLICY_WORDS = /\b(return|returns|returned|refund|refunds|refunded|replace|replacement|exchange|warranty|guarantee|shipping|delivery|deliver|courier|cod|cash on delivery|emi|payment|pay|invoice|gst|bill|receipt|cancel|cancellation|account|password|login|sign ?in|newsletter|unsubscribe|helpline|customer care|contact|hours|policy|pickup|pick up)\b/i;
const POLICY_WORDS_ALL = new RegExp(POLICY_WORDS.source, 'gi');

const NEEDS_HUMAN = new Set(['complaint', 'payment_issue']);
/** "the 2nd one" in a question about it: read as "it" once the card is in focus. */
const CARD_PHRASE = /\b(?:the\s+)?(?:first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\s+(?:one|item|product|model|option|card|pick)\b/i;
/** A question, not the name of a thing. */
const QUESTION = /\?|^\s*(is|are|was|can|could|do|does|did|will|would|should|tell|explain)\b|\b(what|who|whom|whose|why|how|when|where)\b/i;
/** Starts with a question word ("how's the weather …"), whatever follows. */
const WH_QUESTION = /^\s*(?:what|who|whom|whose|why|how|when|where)\b/i;
const ASKED = /\?|^\s*(?:is|are|was|can|could|do|does|did|will|would|should|what|who|whom|whose|why|how|when|where|which)\b/i;
/** Where one question of a message ends and the next begins. */
const CLAUSE_BREAK = /[?.!;\n]+|\b(?:and|also|plus)\b/i;


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
  /** The product search: what a request asks for, the catalogue asked, the cards shown (product-search.ts). */
  private readonly catalog: ProductSearch;
  /** Answers about products seen: summaries, comparisons, measures, reviews (product-questions.ts). */
  private readonly products: ProductQuestions;

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
    this.catalog = new ProductSearch(store, services, {
      texts: this.texts,
      locale: (ctx) => this.locale(ctx),
      t: (ctx, key, vars) => this.t(ctx, key, vars),
      chips: (ctx, keys) => this.chips(ctx, keys),
      price: (ctx, p) => this.price(ctx, p),
      card: (ctx, p, reason) => this.card(ctx, p, reason),
      localReasons: (ctx, suggestions) => this.localReasons(ctx, suggestions),
      decline: (ctx, state) => this.decline(ctx, state),
    });
    this.products = new ProductQuestions(store, services, {
      texts: this.texts,
      locale: (ctx) => this.locale(ctx),
      t: (ctx, key, vars) => this.t(ctx, key, vars),
      say: (ctx, key, vars) => this.say(ctx, key, vars),
      chips: (ctx, keys) => this.chips(ctx, keys),
      price: (ctx, p) => this.price(ctx, p),
      card: (ctx, p, reason) => this.card(ctx, p, reason),
      aspect: (ctx, name) => this.aspect(ctx, name),
      search: (ctx, state, customerId, text, nlu) => this.catalog.search(ctx, state, customerId, text, nlu),
      inject: (ctx, state, customerId, anchor, intro) => this.maybeInject(ctx, state, customerId, anchor, intro),
    });

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
    // The sentiment head reads some plain requests ("electric kettle under 1000", "only havells or
    // racold") as negative: a request for products, or about those shown, with no word of a
    // complaint is neutral (else it builds a streak that hands a calm customer to a person).
    // Complaint signals, read on the words as written too: a gloss loses some of the ways people
    // complain ("kitne baar"). Read once; several steps below ask.
    const complaint = [complaintSignals(said), complaintSignals(text)].sort((a, b) => b.strength - a.strength)[0]!;
    const calm = complaint.strength === 0;
    // A request for a thing, told with a feeling ("dishwasher for a family of 4, tired of doing
    // utensils every night"), not about something that went wrong: shopping, not a complaint.
    const failed = complaint.reasons.includes('something failed') || complaint.reasons.includes('a problem');
    const firstClause = text.split(/[,.;!?]/)[0] ?? '';
    const namesThingFirst = firstClause.split(/\s+/).length <= 6 && namesRetailThing(headNoun(firstClause) ?? '') && !/\b(?:i|my|it|the|this|your|you)\b/i.test(firstClause);
    // Whether the clause that names a thing names one shops sell; read once, the anger step asks too.
    const namesThing = namesRetailThing(headNoun(this.catalog.requestClause(text) ?? text) ?? '');
    const askingForThing = !failed && !OWN_ORDER.test(text) && (ASKING_FOR.test(text) || hasBudget(nlu) || namesThingFirst) && namesThing;
    // A short follow-up about what was shown, as glossed, or as written when the gloss took its
    // marker away ("fan wala"); read once, for the mood here and the follow-up step below.
    const shown = state.lastQuery !== undefined || state.lastProducts.length > 0;
    const followGlossed = shown ? detectFollowUp(text) : null;
    const pattern = followGlossed ?? (shown && gloss ? detectFollowUp(said) : null);
    const shopping = hasBudget(nlu) || SHOPPING_INTENTS.has(nlu.intent) || nlu.intent === 'product_question' || (state.focusProductId !== undefined && ASKED.test(text)) || namesRetailThing(headNoun(text) ?? '') || followGlossed !== null;
    if (calm && shopping && nlu.sentiment.label === 'negative') nlu.sentiment = { ...nlu.sentiment, label: 'neutral' };
    // "human pls" is a request for a person whatever the head read: stored so, the queue quotes the
    // message before it as the reason.
    if (nlu.intent !== 'contact_human_agent' && (asksForPerson(text) || asksForPerson(said))) nlu.intent = 'contact_human_agent';
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
      if (pair) return this.products.compare(ctx, state, pair);
      const extreme = extremeAsked(text);
      if (extreme) return this.products.extreme(ctx, state, extreme);
      const feature = featureAsked(text);
      if (feature) return this.products.whichHas(ctx, state, feature);
    }
    const card = state.lastProducts.length > 0 && /\?|^\s*(?:does|do|is|are|can|will|would|has|have|how|what|which)\b/i.test(text) ? cardReference(text) : null;
    const cardId = card === null ? undefined : card === -1 ? state.lastProducts.at(-1) : state.lastProducts[card];
    if (cardId) {
      state.focusProductId = cardId;
      state.lowConfidenceStreak = 0;
      return this.products.question(ctx, state, customerId, text.replace(CARD_PHRASE, 'it'), { ...nlu, intent: 'product_question', entities: { ...nlu.entities, products: [] } });
    }

    // Short follow-ups about what was just shown are understood from context, whatever NLU says.
    // A brand beats a refinement: "only jbl ones" narrows to JBL, not to titles with the word "jbl".
    const follow = shown ? ((!pattern || pattern.kind === 'refine') && text.length <= 60 ? (detectBrandFollowUp(text, (await this.catalog.catalogueWords()).brands) ?? pattern) : pattern) : null;
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
    // "can it mop too?", "is the basket easy to clean?": a question about the product just viewed.
    const aboutFocus = state.focusProductId !== undefined && /^\s*(?:is|are|can|could|does|do|will|would|has|have)\s+(?:it|this|that|the|its|they|these)\b/i.test(text) && !ASKING_FOR.test(text);
    const asksAbout = aboutFocus || (ABOUT_PRODUCT.test(text) && (REVIEW_QUESTION.test(text) || /\?|^\s*(what|does|do|is|are|can|will|has|have|any)\b|\bhow\b/i.test(text)));
    // "how many litres is it", "what is the screen size": a measure of what is shown.
    const spec = state.focusProductId || state.lastProducts.length > 0 ? specAsked(text) : null;
    // A narrowing follow-up ("silent click wala hai koi?") narrows; it is no question about one product.
    if ((((state.focusProductId || state.lastProducts.length > 0) && (asksAbout || spec)) || REVIEW_QUESTION.test(text)) && !ORDER_INTENTS.has(nlu.intent) && (topics.length === 0 || spec) && pattern?.kind !== 'refine') {
      state.lowConfidenceStreak = 0;
      return this.products.question(ctx, state, customerId, text, { ...nlu, intent: 'product_question' });
    }


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
    const angry = nlu.sentiment.label === 'negative' && ((nlu.sentiment.score >= 0.9 && complaint.strength > 0) || state.negativeStreak >= 2) && !SHOPPING_INTENTS.has(nlu.intent) && nlu.intent !== 'product_question' && (complaint.strength > 0 || (!hasBudget(nlu) && !namesThing));
    // Whether the message is about one order.
    const oneOrder = aboutOneOrder(text, topics);
    // "how can i contact you" asks how, not for a person now: the contact article answers it.
    const asksHowToContact = topics.includes('contact') && POLICY_ASK.test(text);
    if (asksForPerson(text) || (HUMAN_INTENTS.has(nlu.intent) && !asksHowToContact)) return this.startHandoff(ctx, state, 'asked', nlu, complaint.strength >= 0.4);
    // Homework and code are a tutor's, even when something in them is "not working".
    if (HOMEWORK.test(text) && !namesRetailThing(headNoun(text) ?? '')) return this.decline(ctx, state);
    // A complaint handed to a person still hears that we are sorry.
    // A calm question about a policy ("how many years is this covered if something goes wrong?") is
    // answered by the article, whatever the head makes of "goes wrong".
    const calmQuestion = complaint.strength === 0 && ASKED.test(text) && topics.length > 0;
    // A problem told with a question an article answers ("mixie stopped working after 5 months. whom
    // to contact for repair", "courier asked 50 rs extra, is this your policy??"), without anger:
    // sorry, then the article; a person stays one tap away.
    const problemQuestion = complaint.strength > 0 && topics.length > 0 && !oneOrder && /\?|\b(?:how|whom|who|where|what|which|is this|is it|can i|should i)\b/i.test(text) && !complaint.reasons.some((r) => r === 'angry words' || r === 'outrage' || r === 'sarcasm' || r === 'capitals');
    if (NEEDS_HUMAN.has(nlu.intent) && understood && !calmQuestion && !problemQuestion) return this.startHandoff(ctx, state, 'needs_human', nlu, nlu.intent === 'complaint' || complaint.strength > 0 || nlu.sentiment.label === 'negative');
    if (CONDUCT.test(text)) return this.startHandoff(ctx, state, 'needs_human', nlu, true);
    if (angry && !problemQuestion && !askingForThing) return this.startHandoff(ctx, state, 'negative_sentiment', nlu);
    if (state.lowConfidenceStreak >= 2) return this.startHandoff(ctx, state, 'repeated_failure', nlu);

    // Upset, not yet angry: empathy first, then help (or a person when we cannot tell what went wrong).
    // A problem told calmly ("package was empty inside") that nothing else answers is upsetting too.
    const budget = hasBudget(nlu);
    // Asked as a question ("?" or a question word first), not "… when it came".
    const unexplained = complaint.strength > 0 && !understood && topics.length === 0 && !oneOrder && !budget && !ASKED.test(text);
    // A budget request with only an eye-roll or "!!" in it ("obsessed with waffles 🙄 any waffle maker
    // below ₹1,500?") is shopping, not a complaint.
    // Something clearly went wrong (a crack, a refund not as chosen, a laugh at the customer): sorry
    // first, whatever the head read and whichever article answers next.
    const upset = ((nlu.sentiment.label === 'negative' && nlu.sentiment.score >= 0.6) || unexplained || problemQuestion || (complaint.strength >= 0.4 && failed)) && complaint.strength > 0 && !(understood && SHOPPING_INTENTS.has(nlu.intent)) && !(budget && complaint.strength < 0.4) && !askingForThing;
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
    const parts = topics.length > 0 && !orderAction && complaint.strength < 0.4 ? await this.productAndPolicy(text) : null;
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
        return this.catalog.search(ctx, state, customerId, parts.product, { ...nlu, intent: 'product_search' });
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
    // What went wrong with a thing they have ("there is a long crack across the glass top"), told
    // without asking for one: help or a person, not products that share its words.
    if (evidence.kind === 'product' && upset && failed && !budget && !ASKING_FOR.test(text)) {
      state.lowConfidenceStreak = 0;
      this.unanswered(ctx, 'unsure');
      await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['talkToPerson', 'whereIsMyOrder']), this.t(ctx, 'empathy.tellMore')));
      return;
    }
    if (evidence.kind === 'product') {
      state.lowConfidenceStreak = 0;
      return this.catalog.search(ctx, state, customerId, text, { ...nlu, intent: SHOPPING_INTENTS.has(nlu.intent) ? nlu.intent : 'product_search' });
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
      // Something went wrong and nothing here answers it: help or a person, never "can't help with that".
      if (complaint.strength > 0) {
        state.lowConfidenceStreak = 0;
        this.unanswered(ctx, 'unsure');
        await ctx.sendActivity(MessageFactory.suggestedActions(this.chips(ctx, ['talkToPerson', 'whereIsMyOrder']), this.t(ctx, 'empathy.tellMore')));
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
        return this.catalog.search(ctx, state, customerId, text, nlu);
      case 'product_question':
        return this.products.question(ctx, state, customerId, text, nlu);
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
    const spelled = understood ? text : await this.catalog.spelled(text);
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
    const clause = this.catalog.requestClause(text) ?? text;
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
      const things = ((await this.catalog.spelled(c)).toLowerCase().match(/[a-z][a-z-]+/g) ?? []).filter((w) => namesRetailThing(w));
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

  /** Whether a request's head noun ("clock", "card", "calculator") is what some product's title names. */
  private async catalogueSellsHead(text: string): Promise<boolean> {
    if (QUESTION.test(text)) return false;
    const head = headNoun(text);
    if (!head || head.length < 3 || GENERIC_WORDS.has(head)) return false;
    return (await this.store.products.search(head, { limit: 20 })).some((p) => titleNames(p.title, head));
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

  private async followUp(ctx: TurnContext, state: DialogState, customerId: string, follow: NonNullable<ReturnType<typeof detectFollowUp>>, nlu: Understanding): Promise<void> {
    if (follow.kind === 'ordinal') {
      const id = follow.index === -1 ? state.lastProducts.at(-1) : state.lastProducts[follow.index];
      if (!id) {
        await this.say(ctx, 'shop.onlyShowed', { count: state.lastProducts.length });
        return;
      }
      return this.products.describe(ctx, state, customerId, id);
    }
    if (follow.kind === 'similar') {
      const anchor = state.focusProductId ?? state.lastProducts[0];
      const p = anchor ? await this.store.products.get(anchor) : undefined;
      // "something similar from boat?", "similar ones in white": the same kind, that brand or colour.
      const words: string[] = (ctx.activity.text ?? '').toLowerCase().match(/[a-z0-9][a-z0-9-]*/g) ?? [];
      const { brands } = await this.catalog.catalogueWords();
      const brand = words.find((w) => brands.has(w) && !COLOURS.includes(w));
      const colours = COLOURS.filter((c) => words.includes(c));
      if (p && state.lastQuery && (brand || colours.length)) {
        const last = state.lastQuery;
        const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, colors: colours, ...(last.maxPrice !== undefined ? { priceMax: last.maxPrice } : {}) } };
        return this.catalog.search(ctx, state, customerId, `${brand ?? ''} ${colours.join(' ')} ${last.text}`.trim(), refined, { category: p.category, ...(brand ? { brands: [brand] } : {}) });
      }
      if (p) {
        const related = await this.likeIt(p);
        if (related.length > 0) return this.catalog.show(ctx, state, customerId, this.localReasons(ctx, related), this.t(ctx, 'shop.moreLike', { product: shortTitle(p.title) }));
      }
    }
    if (follow.kind === 'stock') {
      // The product in focus, else each of those just shown.
      const ids = state.focusProductId ? [state.focusProductId] : state.lastProducts.slice(0, 5);
      const lines = (await this.store.products.getMany(ids)).map((p) => this.t(ctx, 'product.stockOf', { product: shortTitle(p.title), stock: this.products.stockLine(ctx, p) }));
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
        return this.products.describe(ctx, state, customerId, best.id);
      }
    }
    if (follow.kind === 'cart') {
      // A chat cannot fill the page's cart: the product's card is, one tap away.
      // "add the cheapest one", "the 2nd one to cart": that card of those shown; else the one in focus.
      const said = (ctx.activity.text ?? '').toLowerCase();
      const shown = /\b(?:cheapest|costliest|most expensive)\b/.test(said) ? await this.store.products.getMany(state.lastProducts) : [];
      const byPrice = [...shown].sort((a, b) => a.price - b.price);
      const card = cardReference(said);
      const id = /\bcheapest\b/.test(said) && byPrice[0] ? byPrice[0].id : /\b(?:costliest|most expensive)\b/.test(said) && byPrice.length ? byPrice.at(-1)!.id : card !== null ? (card === -1 ? state.lastProducts.at(-1) : state.lastProducts[card]) : (state.focusProductId ?? (state.lastProducts.length === 1 ? state.lastProducts[0] : undefined));
      const p = id ? await this.store.products.get(id) : undefined;
      if (p) state.focusProductId = p.id;
      const button = this.t(ctx, 'card.addToCart');
      if (p) await ctx.sendActivity(MessageFactory.carousel([this.card(ctx, p, '')], this.t(ctx, 'cart.tapToAdd', { product: shortTitle(p.title), button })));
      else await this.say(ctx, 'cart.whichOne', { button });
      return;
    }
    const last = state.lastQuery;
    if (follow.kind === 'more' && last) {
      const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, ...(last.maxPrice !== undefined ? { priceMax: last.maxPrice } : {}), ...(last.minPrice !== undefined ? { priceMin: last.minPrice } : {}) } };
      return this.catalog.search(ctx, state, customerId, last.text, refined, { category: (await this.shownCategory(state)) ?? last.category, exclude: new Set([...(state.shownForQuery ?? []), ...state.lastProducts]) });
    }
    if (follow.kind === 'brand') return this.catalog.search(ctx, state, customerId, `${follow.brands.join(' ')} ${last?.text ?? ''}`.trim(), { ...nlu, vector: null, entities: { ...nlu.entities, ...(last?.maxPrice !== undefined ? { priceMax: last.maxPrice } : {}) } }, { category: (await this.shownCategory(state)) ?? last?.category, brands: follow.brands });
    if (!last) return this.catalog.search(ctx, state, customerId, follow.kind === 'refine' ? follow.words.join(' ') : 'recommend something', nlu);
    if (follow.kind === 'cheaper') {
      const prices = (await this.store.products.getMany(state.lastProducts)).map((p) => p.price);
      const maxPrice = prices.length ? Math.min(...prices) - 1 : last.maxPrice;
      const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, ...(maxPrice !== undefined ? { priceMax: maxPrice } : {}), ...(last.minPrice !== undefined ? { priceMin: last.minPrice } : {}) } };
      return this.catalog.search(ctx, state, customerId, last.text, refined, { category: (await this.shownCategory(state)) ?? last.category, ...(prices.length ? { cheaperThan: Math.min(...prices) } : {}) });
    }
    if (follow.kind === 'budget') {
      const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, ...(nlu.entities.priceMax !== undefined ? { priceMax: nlu.entities.priceMax } : {}), ...(nlu.entities.priceMin !== undefined ? { priceMin: nlu.entities.priceMin } : {}) } };
      return this.catalog.search(ctx, state, customerId, last.text, refined, { category: (await this.shownCategory(state)) ?? last.category });
    }
    // A colour or a size of what was shown ("blue one?", "only 32 inch ones"); with nothing similar
    // to show, the last request again. The new words go first: the last word stays the thing.
    const words = follow.kind === 'refine' ? follow.words : [];
    const text = `${words.join(' ')} ${last.text}`.trim();
    // A budget said with it ("only steel body ones, below 800") replaces the last one.
    const maxPrice = nlu.entities.priceMax ?? last.maxPrice;
    const refined: Understanding = { ...nlu, vector: null, entities: { ...nlu.entities, colors: words.filter((w) => COLOURS.includes(w)), ...(maxPrice !== undefined ? { priceMax: maxPrice } : {}) } };
    // The words that narrow ("bldc", "cordless", "6gb ram") are requirements, as a colour is.
    const require = requirementsOf(words.filter((w) => !COLOURS.includes(w) && !STOP_WORDS.has(w) && !GENERIC_WORDS.has(w) && w.length >= 2));
    return this.catalog.search(ctx, state, customerId, text, refined, { category: (await this.shownCategory(state)) ?? last.category, ...(require.length ? { require } : {}) });
  }

  /** The category of the product in focus, else the one most of the last results share. */
  private async shownCategory(state: DialogState): Promise<string | undefined> {
    if (state.focusProductId) return (await this.store.products.get(state.focusProductId))?.category;
    const counts = new Map<string, number>();
    for (const p of await this.store.products.getMany(state.lastProducts)) counts.set(p.category, (counts.get(p.category) ?? 0) + 1);
    return [...counts].sort((a, b) => b[1] - a[1])[0]?.[0];
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

  private async ownOrder(ctx: TurnContext, customerId: string, nlu: Understanding, filter: (o: Order) => boolean): Promise<{ order?: Order; foreign: boolean }> {
    const mine = await this.store.orders.listForCustomer(customerId, { limit: 50 });
    for (const raw of nlu.entities.orderNumbers) {
      const id = orderIdOf(raw);
      const found = mine.find((o) => o.id === id);
      // Another customer's order number gets the same answer as a wrong one: nothing leaks.
      return found ? { order: found, foreign: false } : { foreign: true };
    }
    // "where is it now?": the order of theirs they named earlier in this chat (to the bot, or to a
    // person before the chat came back), else the latest one that fits.
    const earlier = (await this.earlierDetails(ctx)).orderIds.map((id) => mine.find((o) => o.id === id && filter(o))).find((o) => o);
    return { order: earlier ?? mine.find(filter), foreign: false };
  }

  /** The order numbers and e-mails the customer wrote in this chat's latest messages. */
  private async earlierDetails(ctx: TurnContext): Promise<{ orderIds: string[]; emails: string[] }> {
    const recent = await this.store.conversations.recentMessages(ctx.activity.conversation.id, 30).catch(() => []);
    return saidEarlier(recent);
  }

  private async orderStatus(ctx: TurnContext, state: DialogState, customerId: string, nlu: Understanding): Promise<void> {
    // No orders on this account (a guest): check number and e-mail together.
    if ((await this.store.orders.listForCustomer(customerId, { limit: 1 })).length === 0) return this.guestOrder(ctx, state, nlu);
    state.orderLookup = undefined;
    const { order, foreign } = await this.ownOrder(ctx, customerId, nlu, () => true);
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
    // A look-up takes what the customer already wrote in this chat (to a person during a hand-off,
    // say), newest first: their own words, never anyone else's. Tries stay limited.
    if (!lookup.orderId || !lookup.email) {
      const earlier = await this.earlierDetails(ctx);
      lookup.orderId ??= earlier.orderIds[0];
      lookup.email ??= earlier.emails[0];
    }
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
    const { order, foreign } = await this.ownOrder(ctx, customerId, nlu, eligible);
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
      return this.products.describe(ctx, state, customerId, p.id);
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
    const related = await this.likeIt(p);
    state.lastInjectedTurn = state.turn;
    await this.catalog.show(ctx, state, customerId, this.localReasons(ctx, related), this.t(ctx, 'shop.moreLike', { product: shortTitle(p.title) }));
  }

  /**
   * Five products like `p` ("More like this", "anything similar?"): of its own kind first (a fan
   * heater's like are fan heaters, not oil radiators), then the nearest of other kinds.
   */
  private async likeIt(p: Product): Promise<Suggestion[]> {
    const nearest = await this.services.recommender.related(p.id, 15);
    const kinds = new Map((await this.store.products.getMany(nearest.map((r) => r.productId))).map((q) => [q.id, q.category]));
    const own = nearest.filter((r) => kinds.get(r.productId) === p.category);
    return (own.length >= 3 ? [...own, ...nearest.filter((r) => !own.includes(r))] : nearest).slice(0, 5);
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

