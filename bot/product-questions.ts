import { MessageFactory, type Attachment, type CardAction, type TurnContext } from 'botbuilder';
import type { Product, Store } from '../store/index.js';
import type { Locale, Texts, Vars } from '../core/i18n.js';
import { clip, shortTitle } from './cards.js';
import { ABOUT_PRODUCT, ASPECT_ASKED, keyFeatures, REVIEW_QUESTION } from './product-answers.js';
import { attributesOf } from './product-request.js';
import { specAsked, specOf, unitName } from './product-specs.js';
import { GENERIC_WORDS, STOP_WORDS } from './request-words.js';
import type { ExtremeAsked } from './shown-questions.js';
import type { BotServices, Understanding } from './services.js';
import type { DialogState } from './shop-bot.js';

// Answers about products the customer has seen: a product's summary (View), two compared, the one
// with the most of a measure, and questions about one (its details, measures and reviews). The bot
// (shop-bot.ts) decides when; this words the answers from the store's data.

/** How the bot words a reply in the conversation's language, and what it does beside (search, suggestions). */
export interface ReplyKit {
  texts: Texts;
  locale(ctx: TurnContext): Locale;
  t(ctx: TurnContext, key: string, vars?: Vars): string;
  say(ctx: TurnContext, key: string, vars?: Vars): Promise<unknown>;
  chips(ctx: TurnContext, keys: readonly string[]): CardAction[];
  price(ctx: TurnContext, p: Product): string;
  card(ctx: TurnContext, p: Product, reason?: string): Attachment;
  aspect(ctx: TurnContext, name: string): string;
  /** A product search for the message (when the question names no product). */
  search(ctx: TurnContext, state: DialogState, customerId: string, text: string, nlu: Understanding): Promise<void>;
  /** Related suggestions after an answer, when the bot offers them this turn. */
  inject(ctx: TurnContext, state: DialogState, customerId: string, anchorProductId: string | null, intro: string): Promise<void>;
}

/** One word for each feature however it is written: "switch off automatically" is "Auto Shut Off". */
const FEATURE_SYNONYMS: readonly [RegExp, string][] = [
  [/\b(?:auto(?:matic(?:ally)?)?[\s-]*(?:shut|switch|cut|turn)(?:s|es)?[\s-]*off|(?:shut|switch|cut|turn)(?:s|es)?[\s-]*off[\s-]*(?:by itself|on its own|automatically|auto))\b/g, 'autooff'],
  [/\b(?:water[\s-]?proof|water[\s-]?resistant|ipx?\s?[4-8]|splash[\s-]?proof)\b/g, 'waterproof'],
  [/\b(?:noise[\s-]?cancell?(?:ation|ing)|anc)\b/g, 'noisecancel'],
  [/\b(?:fast|quick|turbo|rapid)[\s-]?charg(?:e|er|ing)\b/g, 'fastcharge'],
];
const FEATURE_TERMS = new Set(FEATURE_SYNONYMS.map(([, w]) => w));
const featureWords = (text: string): string => FEATURE_SYNONYMS.reduce((t, [re, w]) => t.replace(re, w), text.toLowerCase());

/** "any complaints?", "what are the cons", "downsides?": what buyers complain about. */
const CONS_ASKED = /\b(?:complaints?|complain|cons|downsides?|drawbacks?|negatives?|problems?|issues?)\b/i;

/** Words of a measure ("suction power", "capacity"), which a title may share with a question about another product. */
const MEASURE_WORDS = /^(?:suction|power|powerful|capacity|watts?|wattage|litres?|liters?|inch(?:es)?|weight|storage|memory|ram|mah|tons?)$/;

export class ProductQuestions {
  constructor(
    private readonly store: Store,
    private readonly services: BotServices,
    private readonly kit: ReplyKit,
  ) {}

  stockLine(ctx: TurnContext, p: Product): string {
    return p.stock > 0 ? (p.stock < 5 ? this.kit.t(ctx, 'product.fewLeft', { count: p.stock }) : this.kit.t(ctx, 'product.inStock')) : this.kit.t(ctx, 'product.outOfStock');
  }

  async describe(ctx: TurnContext, state: DialogState, customerId: string, productId: string): Promise<void> {
    const p = await this.store.products.get(productId);
    if (!p) {
      await this.kit.say(ctx, 'product.gone');
      return;
    }
    state.focusProductId = p.id;
    await this.services.recommender.recordEvent({ customerId, productId: p.id, type: 'view', context: { conversationId: ctx.activity.conversation.id } });
    const L = this.kit.locale(ctx);
    const stock = this.stockLine(ctx, p);
    const rating = p.rating !== null ? (p.ratingCount ? this.kit.t(ctx, 'product.ratedFrom', { rating: this.kit.texts.number(p.rating, L, 1), count: this.kit.texts.number(p.ratingCount, L) }) : this.kit.t(ctx, 'product.rated', { rating: this.kit.texts.number(p.rating, L, 1) })) : '';
    const features = keyFeatures(p.description);
    const list = features.length ? `\n${features.map((f) => `- ${f}`).join('\n')}` : '';
    await ctx.sendActivity(MessageFactory.attachment(this.kit.card(ctx, p), this.kit.t(ctx, 'product.costs', { title: clip(p.title, 120), price: this.kit.price(ctx, p), stock, rating, features: list })));
    await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['whatPeopleSay', 'cheaper', 'somethingElse']), this.kit.t(ctx, 'product.askMore')));
  }

  /** "compare first two": price, rating and the measures either states, then which is cheaper and which buyers rate higher. */
  /** "which of these has touch buttons": those shown whose title or details say so, or that none does. */
  async whichHas(ctx: TurnContext, state: DialogState, words: readonly string[]): Promise<void> {
    const shown = await this.store.products.getMany(state.lastProducts.slice(0, 5));
    const has = shown.filter((p) => words.every((w) => new RegExp(`\\b${w.replace(/[^a-z0-9-]/g, '')}`, 'i').test(`${p.title} ${p.description}`)));
    const feature = words.join(' ');
    if (has.length === 0) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['talkToPerson', 'somethingElse']), this.kit.t(ctx, 'shown.noneHas', { feature })));
      return;
    }
    if (has.length === 1) state.focusProductId = has[0]!.id;
    await ctx.sendActivity(MessageFactory.carousel(has.map((p) => this.kit.card(ctx, p, feature)), this.kit.t(ctx, 'shown.theseHave', { feature })));
  }

  async compare(ctx: TurnContext, state: DialogState, pair: readonly [number, number]): Promise<void> {
    const ids = pair.map((k) => (k === -1 ? state.lastProducts.at(-1) : state.lastProducts[k]));
    const products = await this.store.products.getMany(ids.filter((id): id is string => id !== undefined));
    const two = ids.map((id) => products.find((p) => p.id === id));
    if (two.some((p) => p === undefined)) {
      await this.kit.say(ctx, 'shop.onlyShowed', { count: state.lastProducts.length });
      return;
    }
    const [a, b] = two as [Product, Product];
    const L = this.kit.locale(ctx);
    const units = ['inch', 'litre', 'gb', 'mah', 'w', 'kg', 'ton'].filter((u) => specOf(a, u) !== null || specOf(b, u) !== null);
    const line = (p: Product, n: number) =>
      this.kit.t(ctx, 'shown.compareLine', {
        n: String(pair[n]! === -1 ? state.lastProducts.length : pair[n]! + 1),
        product: shortTitle(p.title),
        price: this.kit.price(ctx, p),
        rating: p.rating !== null && (p.ratingCount ?? 0) > 0 ? this.kit.t(ctx, 'shown.compareRating', { rating: this.kit.texts.number(p.rating, L, 1), count: this.kit.texts.number(p.ratingCount ?? 0, L) }) : '',
        specs: units.map((u) => specOf(p, u)).filter((s): s is string => s !== null && s.length <= 30).map((s) => `, ${s}`).join(''),
      });
    const lines = [this.kit.t(ctx, 'shown.compareIntro'), line(a, 0), line(b, 1)];
    if (a.price !== b.price) {
      const cheap = a.price < b.price ? a : b;
      lines.push(this.kit.t(ctx, 'shown.cheaperBy', { product: shortTitle(cheap.title), diff: this.kit.texts.price(Math.abs(a.price - b.price), L, cheap.currency) }));
    }
    const rated = (p: Product) => ((p.ratingCount ?? 0) >= 20 ? (p.rating ?? null) : null);
    const ra = rated(a);
    const rb = rated(b);
    if (ra !== null && rb !== null && Math.abs(ra - rb) >= 0.2) lines.push(this.kit.t(ctx, 'shown.ratedHigher', { product: shortTitle((ra > rb ? a : b).title) }));
    await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['tellFirst', 'cheaper', 'somethingElse']), lines.join('\n')));
  }

  /** "which one has the biggest battery": the shown product whose title or details state the most (least). */
  async extreme(ctx: TurnContext, state: DialogState, asked: ExtremeAsked): Promise<void> {
    const products = await this.store.products.getMany(state.lastProducts.slice(0, 5));
    const measured = products.flatMap((p) => {
      const stated = attributesOf(p.title).find((a) => a.unit === asked.unit) ?? p.description.split(/\r?\n/).flatMap((l) => attributesOf(l)).find((a) => a.unit === asked.unit);
      return stated ? [{ p, value: stated.value, text: `${stated.value} ${unitName(asked.unit)}` }] : [];
    });
    if (measured.length === 0) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['talkToPerson', 'somethingElse']), this.kit.t(ctx, 'shown.notStated')));
      return;
    }
    const best = measured.sort((x, y) => (asked.want === 'max' ? y.value - x.value : x.value - y.value))[0]!;
    state.focusProductId = best.p.id;
    await ctx.sendActivity(MessageFactory.carousel([this.kit.card(ctx, best.p)], this.kit.t(ctx, asked.want === 'max' ? 'shown.most' : 'shown.least', { product: shortTitle(best.p.title), value: best.text })));
  }

  async question(ctx: TurnContext, state: DialogState, customerId: string, text: string, nlu: Understanding): Promise<void> {
    // A product named outright wins; a review word that happens to be in some title ("battery" in
    // "Disco Ball Rotator Battery Operated") does not beat the product in focus, nor answer alone.
    const named = nlu.entities.products[0];
    // With a product in focus, another one must be named by more than one word of its title.
    const focus = state.focusProductId ?? state.lastProducts[0];
    const needed = !focus ? 1 : /\b(it|its|this|that)\b/i.test(text) ? 3 : 2;
    const clearlyNamed = named && named.productId !== focus && (await this.namesBeyondReviewWords(text, named.productId)) >= needed ? named.productId : undefined;
    const productId = clearlyNamed ?? state.focusProductId ?? state.lastProducts[0];
    if (!productId && ABOUT_PRODUCT.test(text)) {
      await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['recommend']), this.kit.t(ctx, 'product.whichOne')));
      return;
    }
    if (!productId) return this.kit.search(ctx, state, customerId, text, nlu);
    // A measure ("how many litres is it") is what the details state: of the product in focus, or
    // of each product just shown when none is.
    const unit = specAsked(text);
    if (unit) {
      const ids = clearlyNamed || state.focusProductId ? [productId] : state.lastProducts.slice(0, 5);
      const lines = (await this.store.products.getMany(ids)).map((q) => {
        const stated = specOf(q, unit);
        return stated ? this.kit.t(ctx, 'product.spec', { product: shortTitle(q.title), spec: stated }) : this.kit.t(ctx, ids.length === 1 ? 'product.specUnknown' : 'product.specNotStated', { product: shortTitle(q.title) });
      });
      if (lines.length > 0) {
        if (ids.length === 1) state.focusProductId = ids[0];
        await ctx.sendActivity(lines.join('\n'));
        return;
      }
    }
    const p = await this.store.products.get(productId);
    if (!p) return this.kit.search(ctx, state, customerId, text, nlu);
    state.focusProductId = p.id;
    // "does it support fast charging?", "is it waterproof?": its own details answer first.
    if (/^\s*(does|do|is|are|can|could|has|have|will)\s+(it|this|they|these|the|its)\b/i.test(text)) {
      const feature = this.detailAbout(p, text);
      if (feature) {
        await this.kit.say(ctx, 'product.fromDetails', { product: shortTitle(p.title), detail: feature });
        // Its details answered: what reviewers say is for when it is asked.
        if (!REVIEW_QUESTION.test(text)) return;
      } else if (!REVIEW_QUESTION.test(text) && !ASPECT_ASKED.test(text)) {
        // "does it come with a remote?": the details do not say; a person can find out.
        await ctx.sendActivity(MessageFactory.suggestedActions(this.kit.chips(ctx, ['talkToPerson', 'whatPeopleSay']), this.kit.t(ctx, 'product.specUnknown', { product: shortTitle(p.title) })));
        return;
      }
    }
    const L = this.kit.locale(ctx);
    const num = (n: number, digits?: number) => this.kit.texts.number(n, L, digits);
    const digest = await this.services.reviews.digest(p.id);
    if (!digest || digest.reviews === 0) {
      await ctx.sendActivity(p.rating !== null ? this.kit.t(ctx, 'reviews.noneRated', { product: shortTitle(p.title), price: this.kit.price(ctx, p), rating: num(p.rating, 1) }) : this.kit.t(ctx, 'reviews.none', { product: shortTitle(p.title), price: this.kit.price(ctx, p) }));
    } else {
      const lower = text.toLowerCase();
      const aspect = digest.aspects.find((a) => lower.includes(a.aspect.toLowerCase()));
      const lines: string[] = [];
      const asked = ASPECT_ASKED.exec(lower)?.[1];
      const rated = (key: 'overall' | 'catalogue', rating: number, count: number | null | undefined) => (count ? this.kit.t(ctx, `reviews.${key}From`, { rating: num(rating, 1), count: num(count) }) : this.kit.t(ctx, `reviews.${key}`, { rating: num(rating, 1) }));
      if (!aspect && asked) {
        lines.push(digest.reviews === 1 ? this.kit.t(ctx, 'reviews.oneSaysNothing', { aspect: this.kit.aspect(ctx, asked) }) : this.kit.t(ctx, 'reviews.noneSay', { count: num(digest.reviews), aspect: this.kit.aspect(ctx, asked) }));
        const rating = digest.catalogRating ?? p.rating;
        if (rating != null) lines.push(rated('overall', rating, digest.catalogRatingCount ?? p.ratingCount));
      } else if (aspect) {
        // Read from the most recent reviews only: said so, so the chat never seems to contradict the insights page.
        const sampled = digest.totalReviews > digest.reviews;
        lines.push(this.kit.t(ctx, sampled ? 'reviews.aspectRecent' : 'reviews.aspect', { count: num(aspect.mentions), sample: num(digest.reviews), aspect: this.kit.aspect(ctx, aspect.aspect), share: num(Math.round(aspect.positiveShare * 100)) }));
        const quotes = [...digest.pros, ...digest.cons].filter((q) => q.aspect === aspect.aspect);
        for (const e of quotes.slice(0, 2)) lines.push(this.kit.t(ctx, 'reviews.quote', { text: e.text }));
      } else {
        const reviews = digest.totalReviews > digest.reviews ? this.kit.t(ctx, 'reviews.recentOf', { count: num(digest.reviews), total: num(digest.totalReviews) }) : digest.reviews === 1 ? this.kit.t(ctx, 'reviews.one') : this.kit.t(ctx, 'reviews.many', { count: num(digest.reviews) });
        const counted = digest.fewReviews ? this.kit.t(ctx, 'reviews.onlySoFar', { reviews }) : reviews;
        lines.push(digest.meanRating !== null ? this.kit.t(ctx, 'reviews.countAverage', { reviews: counted, average: num(digest.meanRating, 1) }) : this.kit.t(ctx, 'reviews.count', { reviews: counted }));
        const rating = digest.catalogRating ?? p.rating;
        const ratings = digest.catalogRatingCount ?? p.ratingCount;
        if (rating !== null && rating !== undefined) lines.push(rated('catalogue', rating, ratings));
        // "any complaints?": the cons first, up to two, or that reviews name none.
        if (CONS_ASKED.test(text)) {
          for (const con of digest.cons.slice(0, 2)) lines.push(this.kit.t(ctx, 'reviews.complain', { text: con.text }));
          if (digest.cons.length === 0) lines.push(this.kit.t(ctx, 'reviews.noComplaints'));
        } else {
          if (digest.pros[0]) lines.push(this.kit.t(ctx, 'reviews.like', { text: digest.pros[0].text }));
          if (digest.cons[0]) lines.push(this.kit.t(ctx, 'reviews.complain', { text: digest.cons[0].text }));
          if (!digest.pros[0] && !digest.cons[0]) lines.push(this.kit.t(ctx, 'reviews.noProsCons'));
        }
        const top = digest.aspects.slice(0, 3).map((a) => this.kit.t(ctx, 'reviews.topAspect', { aspect: this.kit.aspect(ctx, a.aspect), share: num(Math.round(a.positiveShare * 100)) }));
        if (top.length) lines.push(this.kit.t(ctx, 'reviews.mostDiscussed', { aspects: top.join(this.kit.t(ctx, 'reviews.listJoiner')) }));
      }
      await this.kit.say(ctx, 'reviews.about', { product: shortTitle(p.title), lines: lines.join(' ') });
    }
    await this.kit.inject(ctx, state, customerId, p.id, this.kit.t(ctx, 'shop.alsoLike'));
  }

  /** How many words the message shares with the product's title besides review words ("battery", "sound"). */
  private async namesBeyondReviewWords(text: string, productId: string): Promise<number> {
    const title = new Set(((await this.store.products.get(productId))?.title.toLowerCase().match(/[a-z0-9]+/g) ?? []));
    // Measures asked about ("suction power?") name no product either.
    const words = (text.toLowerCase().match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 2 && !STOP_WORDS.has(w) && !GENERIC_WORDS.has(w) && !ABOUT_PRODUCT.test(w) && !ASPECT_ASKED.test(w) && !MEASURE_WORDS.test(w));
    return new Set(words.filter((w) => title.has(w))).size;
  }

  /** The line of a product's details that mentions what the question asks about, if any. */
  private detailAbout(p: Product, question: string): string | null {
    const words = (featureWords(question).match(/[a-z0-9]+/g) ?? []).filter((w) => w.length > 2 && !STOP_WORDS.has(w) && !GENERIC_WORDS.has(w) && !/^(does|support|supports|have|this|they|these|will|when|really|just|only|too|also|can|come|comes|with|the|its|and|not|any)$/.test(w));
    // What the product is called ("vacuum" of a robotic vacuum) is no feature asked about.
    const name = featureWords(p.title.split(/\s*[|,(]\s*/)[0] ?? '');
    const asked = words.filter((w) => !name.includes(w)).length > 0 ? words.filter((w) => !name.includes(w)) : words;
    if (asked.length === 0) return null;
    // The title's parts ("… | Auto Shut Off | 1.5 L") state features as often as the details do.
    const titleParts = p.title.split(/\s*[|,(]\s*/).filter((x) => x.length >= 6).map((x) => clip(x.replace(/\)$/, ''), 160));
    const lines = titleParts.concat(keyFeatures(p.description.replace(/\r?\n/g, '\n')), p.description.split(/\r?\n|(?<=\.)\s+/).map((x) => clip(x.trim(), 160)));
    const said = (l: string) => featureWords(l);
    return lines.find((l) => asked.every((w) => said(l).includes(w.replace(/s$/, '')))) ?? lines.find((l) => asked.some((w) => w.length > 4 && FEATURE_TERMS.has(w) && said(l).includes(w))) ?? lines.find((l) => asked.some((w) => w.length > 4 && said(l).includes(w))) ?? null;
  }
}
