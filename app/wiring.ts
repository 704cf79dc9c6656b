import type { Recommender } from '../recommender/recommender.js';
import { isContentFree } from '../recommender/text-match.js';
import type { FaqRetriever } from '../retrieval/answer.js';
import type { Store } from '../store/index.js';
import type { AnswerIndex, FaqAnswerer, Suggester, SuggestionEvent, SuggestRequest } from '../bot/services.js';

// Adapters from the real components to the small interfaces the dialogue layer codes against.

/**
 * FAQ answers for the dialogue layer. An answer from a help article says where it comes from:
 * "From our Returns policy page: …" and the link to the section (`baseUrl` + the article's url), so
 * the customer can read the whole policy; `attribute: false` leaves that to the caller (`source`).
 */
export function faqAnswerer(retriever: FaqRetriever, opts: { attribute?: boolean; baseUrl?: string } = {}): FaqAnswerer {
  // An article's link on the store's site (`baseUrl` + its url).
  const linked = <S extends { url?: string }>(source: S | undefined): S | undefined => (source ? { ...source, ...(source.url && opts.baseUrl ? { url: joinUrl(opts.baseUrl, source.url) } : {}) } : undefined);
  return {
    async answer(question, ctx) {
      const customer = { ...(ctx.facts.name ? { name: ctx.facts.name, firstName: ctx.facts.name.split(' ')[0]! } : {}), ...(ctx.facts.email ? { email: ctx.facts.email } : {}), ...(ctx.facts.orderNumber ? { orderNumber: ctx.facts.orderNumber } : {}) };
      const actx = { intent: ctx.intent ?? null, customer, ...(ctx.lenient ? { articleRule: LENIENT_ARTICLES } : {}) };
      const a = ctx.vector ? retriever.answerVector(ctx.vector, actx) : await retriever.answer(question, actx);
      const source = linked(a.source);
      const confident = a.confident && a.answer !== null;
      let answer = a.answer ?? '';
      if (confident && source?.kind === 'article' && opts.attribute !== false) answer = attributed(answer, source);
      // The source of the answer given: none when there is no answer.
      return { answer, score: a.score, sources: a.sources, confident, ...(confident && source ? { source } : {}) };
    },
    topics: (question) => retriever.topics(question),
    async fromArticle(question, slug, ctx) {
      const a = retriever.articleSection(ctx.vector ?? (await retriever.encoder.embed(question)), slug);
      if (!a?.answer) return null;
      const source = linked(a.source);
      const answer = source && opts.attribute !== false ? attributed(a.answer, source) : a.answer;
      return { answer, score: a.score, sources: a.sources, confident: true, ...(source ? { source } : {}) };
    },
  };
}

/**
 * The article rule for a message nothing else answers: a clear lead over the next section still
 * decides, from a lower similarity (chosen on the conversation dev set, never on its heldout part).
 */
const LENIENT_ARTICLES = { minSim: 0.68, weakSim: 0.5, lead: 0.04, margin: 0.02 };

function joinUrl(base: string, path: string): string {
  return /^[a-z][a-z0-9+.-]*:/i.test(path) ? path : `${base.replace(/\/+$/, '')}/${path.replace(/^\/+/, '')}`;
}

/** "From our <title> page: <text>" (a list starts on its own line) and the link to the section. */
export function attributed(text: string, source: { title?: string; url?: string }): string {
  const from = source.title ? `From our ${source.title} page:` : 'From our help pages:';
  const body = /^\s*([-*•]|\d+[.)])\s/.test(text) ? `${from}\n${text}` : `${from} ${text}`;
  return source.url ? `${body}\n\nMore: ${source.url}` : body;
}

/** Source ids of the index's units: 'learned:<id>' for approved answers, 'live:…' for units learned without approval. */
const LEARNED = 'learned:';
const LEGACY = 'live:';

export function answerIndex(retriever: FaqRetriever): AnswerIndex {
  const index = retriever.index;
  return {
    async put(entry) {
      // A group of its own: never merged into (or overwriting) a transcript unit, so removing it
      // removes exactly what was approved.
      const key = `${LEARNED}${entry.id}:${Date.now()}`;
      const r = await index.add([{ key, question: entry.question, answer: entry.answer, group: `${LEARNED}${entry.id}`, intent: null, sources: [`${LEARNED}${entry.id}`], ts: new Date().toISOString() }]);
      return r.labels[0]!;
    },
    async remove(label) {
      await index.remove(label);
    },
    legacy() {
      return index
        .allUnits()
        .filter((u) => u.sources.some((s) => s.startsWith(LEGACY)))
        .map((u) => ({ label: u.label, question: u.question, answer: u.answer }));
    },
  };
}

export function suggester(recommender: Recommender): Suggester {
  const record = async (es: SuggestionEvent[]): Promise<void> => {
    const events = es.map((e) => ({ customerId: e.customerId, productId: e.productId, type: e.type, ...(typeof e.context?.conversationId === 'string' ? { session: e.context.conversationId } : {}) }));
    try {
      await recommender.recordEvents(events);
    } catch {
      // A product the recommender does not know (removed from the catalogue) is not worth failing a
      // chat turn, nor losing the turn's other events: record those one by one.
      for (const e of events) {
        try {
          await recommender.recordEvent(e);
        } catch {
          // skipped
        }
      }
    }
  };
  return {
    async recommend(req: SuggestRequest) {
      // "recommend something", "any suggestions?": the profile and this session decide, not the words.
      const contentFree = req.query !== undefined && isContentFree(req.query);
      return recommender.recommend({
        customerId: req.customerId,
        ...(contentFree ? { contentFree: true } : req.query ? { query: req.query } : {}),
        k: req.k,
        context: {
          ...(req.queryVector && !contentFree ? { queryVector: req.queryVector } : {}),
          ...(req.filters ? { filters: req.filters } : {}),
          ...(req.excludeIds?.length ? { exclude: req.excludeIds } : {}),
          ...(req.conversationId ? { session: { id: req.conversationId } } : {}),
        },
      });
    },
    async related(productId, k) {
      try {
        return recommender.related(productId, { k });
      } catch {
        return []; // a product the recommender has not seen yet: nothing related to show
      }
    },
    recordEvent: (e) => record([e]),
    recordEvents: record,
  };
}
