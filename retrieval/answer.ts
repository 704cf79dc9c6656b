// answer(question, context): redact the question, embed it, search the index, re-rank the
// candidates (answer-group agreement, recency, NLU intent), and decide with the calibrated
// confidence whether to present the best answer. Below the threshold there is no answer: the bot
// decides what to ask (its intent topics) or offers a person.
//
// The store's own help articles (retrieval/knowledge.ts, units of groups `kb:…`) come first: a
// second search over article units only decides with its own rule (ArticleRule) whether a section
// answers the question, and when one does it wins over any mined transcript answer. An article's
// answer is its text as written (no placeholder filling) with the article's title and link.

import type { Config } from '../core/config.js';
import { EncoderInputError, type Encoder } from '../nlu/encoder-types.js';
import { confidence, resolveCalibration, type Calibration, type Features } from './calibration.js';
import { extractUnit, type ConversationInput, type ExtractOptions } from './extract.js';
import { fill, type CustomerContext, type StoreInfo } from './fill.js';
import { FaqIndex, type AddResult, type FaqIndexOptions, type SearchHit, type StoredUnit } from './index-store.js';
import { ArticleSearch, articleKeywords, articleOf, hasArticles, isKnowledgeUnit, KB_META_KEY, KB_PREFIX } from './knowledge.js';
import { TopicMatcher } from './topics.js';
import { redactText } from './redact.js';

export interface AnswerContext {
  /** Intent from NLU for this message, if any. */
  intent?: string | null;
  intentConfidence?: number;
  /** The customer being served: the only personal data an answer may contain. */
  customer?: CustomerContext;
  /** The store's public contact settings. */
  store?: StoreInfo;
  /** Ranked units to return (default 5). */
  k?: number;
  /** Clock for recency (ms). */
  now?: number;
  /** This call's article rule, over the retriever's (a caller with no other answer may accept weaker matches). */
  articleRule?: Partial<ArticleRule>;
}

export interface RankedUnit {
  label: number;
  group: string;
  /** Cosine similarity to the question. */
  similarity: number;
  /** Similarity after re-ranking. */
  score: number;
  question: string;
  sources: string[];
}

/** Where an answer comes from: a help article (with its title and link), a mined transcript, or an answer agents taught. */
export interface AnswerSource {
  kind: 'article' | 'transcript' | 'learned';
  /** The article's title (articles only). */
  title?: string;
  /** Link to the article's section (articles only). */
  url?: string;
}

/**
 * When a help-article section answers a question (decided on cosine similarities of the article
 * units only, then compared with the best other unit). Chosen with the demo store's articles on 67
 * hand-written customer questions (+ 20 off-topic) and the FAQ calibration and test questions with
 * the out-of-scope lines: no article answer on a wrong topic there, and only one out-of-scope line
 * answered ("can I buy a gift card" -> the non-returnable items, which name gift cards). On 50
 * customer questions written afterwards (+ 16 off-topic), 32 got an article answer, all from the
 * right article, and no off-topic one did (fixtures/store/help/README.md).
 */
export interface ArticleRule {
  /** A section this similar to the question answers it, whatever the transcripts say. */
  minSim: number;
  /** Down to this similarity, a section answers when it leads every non-article unit by `lead`… */
  weakSim: number;
  lead: number;
  /** …and the next article section by `margin`. */
  margin: number;
}

export const DEFAULT_ARTICLE_RULE: ArticleRule = { minSim: 0.75, weakSim: 0.62, lead: 0.1, margin: 0.03 };

export interface FaqAnswer {
  /** The answer filled for this customer (an article's text as written); null unless confident. */
  answer: string | null;
  /**
   * Calibrated probability that the best answer is the right one, in [0, 1]. For an article answer
   * (source.kind 'article'), the section's cosine similarity to the question, which its rule decides on.
   */
  score: number;
  confident: boolean;
  /** Transcript ids behind the answer (for agents; customers see the answer only). */
  sources: string[];
  groupId: string | null;
  /** The re-ranked units, best first (k of them). */
  ranked: RankedUnit[];
  features: Features;
  /** Where the best answer comes from (absent when nothing was found). */
  source?: AnswerSource;
}

/** Longest question considered; the rest of a huge paste is not a question. */
export const MAX_QUESTION_CHARS = 2000;

const YEAR_MS = 365 * 24 * 3600 * 1000;

/** Plain text of a chat message: tags dropped, whitespace collapsed, length bounded. */
export function cleanQuestion(text: unknown): string {
  if (typeof text !== 'string') return '';
  return text
    .slice(0, MAX_QUESTION_CHARS * 2)
    .replace(/<[^<>]{0,200}>/g, ' ')
    .replace(/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, MAX_QUESTION_CHARS);
}

export interface RetrieverOptions {
  calibration?: Calibration;
  /** The article rule's settings; false answers from articles only through the calibrated model. */
  articles?: Partial<ArticleRule> | false;
}

export class FaqRetriever {
  readonly calibration: Calibration;
  readonly calibrationFrom: string;
  readonly articleRule: ArticleRule | null;
  private readonly articles: ArticleSearch;
  private topicCache: { raw: string; matcher: TopicMatcher } | null = null;

  constructor(
    readonly index: FaqIndex,
    readonly encoder: Encoder,
    opts: RetrieverOptions = {},
  ) {
    if (opts.calibration) {
      this.calibration = opts.calibration;
      this.calibrationFrom = 'option';
    } else {
      const r = resolveCalibration(index.indexPath);
      this.calibration = r.calibration;
      this.calibrationFrom = r.from;
    }
    this.articleRule = opts.articles === false ? null : { ...DEFAULT_ARTICLE_RULE, ...(opts.articles ?? {}) };
    this.articles = new ArticleSearch(index);
  }

  /** Opens the index of the configured database (faq_ tables in it, faq.hnsw next to it). */
  static async open(config: Config, encoder: Encoder, opts: RetrieverOptions & Partial<FaqIndexOptions> = {}): Promise<FaqRetriever> {
    const index = await FaqIndex.open({ dbPath: config.dbPath, ...opts, encoder });
    return new FaqRetriever(index, encoder, opts);
  }

  /** Answers a customer message. Never throws on bad input: it answers "not confident" instead. */
  async answer(question: string, ctx: AnswerContext = {}): Promise<FaqAnswer> {
    const q = cleanQuestion(question);
    if (q === '' || this.index.size === 0) return this.noAnswer();
    let vec: Float32Array;
    try {
      vec = await this.encoder.embed(redactText(q));
    } catch (e) {
      if (e instanceof EncoderInputError) return this.noAnswer();
      throw e;
    }
    return this.answerVector(vec, ctx);
  }

  /** Same as answer() for a vector the bot already computed for this message (one encoder pass). */
  answerVector(vec: Float32Array, ctx: AnswerContext = {}): FaqAnswer {
    const ranked = this.rank(vec, ctx);
    const k = Math.max(1, Math.min(ctx.k ?? 5, 50));
    if (ranked.length === 0) return this.noAnswer();
    const article = this.articleAnswer(vec, ranked, ctx, k);
    if (article) return article;
    const features = featuresOf(ranked, this.calibration.rerank.tau);
    const score = confidence(this.calibration, features);
    const top = ranked[0]!;
    // With the article rule on, an article unit on top that the rule did not take is no answer.
    const confident = score >= this.calibration.threshold && !(this.articleRule && isKnowledgeUnit(top));
    const sources: string[] = [];
    for (const r of ranked) {
      if (r.group !== top.group) continue;
      for (const s of r.sources) if (!sources.includes(s) && sources.length < 10) sources.push(s);
    }
    const out: FaqAnswer = {
      answer: null,
      score,
      confident,
      sources,
      groupId: top.group,
      ranked: ranked.slice(0, k).map((r) => ({ ...r, sources: [...r.sources] })),
      features,
      source: this.sourceOf(top.group, top.sources),
    };
    if (confident) {
      const unit = this.index.unit(top.label);
      // An article's text is the store's own, numbers and all: nothing to fill.
      out.answer = unit ? (isKnowledgeUnit(unit) ? unit.answer : fill(unit.answer, ctx.customer ?? {}, ctx.store ?? {})) : null;
      out.confident = out.answer !== null;
    }
    return out;
  }

  /**
   * The article pass: the article units nearest to the question, and the ArticleRule on the best
   * one's similarity, its margin over the next article section and its lead over the best other
   * unit among `ranked`. Null when the index has no articles or no section qualifies.
   */
  private articleAnswer(vec: Float32Array, ranked: readonly RankedUnit[], ctx: AnswerContext, k: number): FaqAnswer | null {
    if (!this.articleRule || !hasArticles(this.index)) return null;
    const rule: ArticleRule = { ...this.articleRule, ...(ctx.articleRule ?? {}) };
    const rr = this.calibration.rerank;
    const hits = this.articles.search(vec, rr.candidates);
    const best = hits[0];
    if (!best) return null;
    const sim = best.score;
    const nextSection = hits.find((h) => h.unit.group !== best.unit.group)?.score ?? -1;
    const other = ranked.reduce((m, r) => (isKnowledgeUnit(r) ? m : Math.max(m, r.similarity)), -1);
    const ok = sim >= rule.minSim || (sim >= rule.weakSim && sim - other >= rule.lead && sim - nextSection >= rule.margin);
    if (!ok) return null;
    // Articles win over mined transcripts; an answer agents taught wins when it is the closer one.
    const learned = ranked.reduce((m, r) => (isLearned(r.group, r.sources) ? Math.max(m, r.similarity) : m), -1);
    if (learned > sim) return null;
    // Best first: the chosen section's units, the other article candidates, then everything else.
    const kb = rerank(hits, rr, ctx);
    const chosen = kb.filter((r) => r.group === best.unit.group);
    const seen = new Set(chosen.map((r) => r.label));
    const merged = [...chosen, ...kb.filter((r) => !seen.has(r.label)), ...ranked.filter((r) => !isKnowledgeUnit(r))];
    const sources: string[] = [];
    for (const r of chosen) for (const s of r.sources) if (!sources.includes(s) && sources.length < 10) sources.push(s);
    return {
      answer: best.unit.answer,
      score: sim,
      confident: true,
      sources,
      groupId: best.unit.group,
      ranked: merged.slice(0, k).map((r) => ({ ...r, sources: [...r.sources] })),
      features: featuresOf(merged, rr.tau),
      source: this.sourceOf(best.unit.group, best.unit.sources),
    };
  }

  /** The help articles a message names by their topic words (`keywords` of each article), in order. */
  topics(question: string): string[] {
    const raw = this.index.getMeta(KB_META_KEY) ?? '';
    if (this.topicCache?.raw !== raw) this.topicCache = { raw, matcher: new TopicMatcher(articleKeywords(this.index)) };
    return this.topicCache.matcher.topics(question);
  }

  /**
   * The section of one article (`slug`) nearest to the question: for a message whose topic words
   * already name the article, the vector only has to pick the section. Null when the article has none.
   */
  articleSection(vec: Float32Array, slug: string): FaqAnswer | null {
    const prefix = `${KB_PREFIX}${slug}#`;
    const hits = this.articles.search(vec, Number.MAX_SAFE_INTEGER).filter((h) => h.unit.group.startsWith(prefix));
    const best = hits[0];
    if (!best) return null;
    return {
      answer: best.unit.answer,
      score: best.score,
      confident: true,
      sources: [...best.unit.sources],
      groupId: best.unit.group,
      ranked: [],
      features: { sim: best.score, share: 1, margin: 0 },
      source: this.sourceOf(best.unit.group, best.unit.sources),
    };
  }

  /** Kind (and for an article, title and link) of a unit's answer. */
  sourceOf(group: string, sources: readonly string[]): AnswerSource {
    if (group.startsWith('kb:')) {
      const a = articleOf(this.index, group);
      return a ? { kind: 'article', title: a.title, url: a.url } : { kind: 'article' };
    }
    if (isLearned(group, sources)) return { kind: 'learned' };
    return { kind: 'transcript' };
  }

  /** Candidates from the graph, re-ranked: similarity + agreement of their answer group + recency + intent. */
  rank(vec: Float32Array, ctx: AnswerContext = {}): RankedUnit[] {
    const rr = this.calibration.rerank;
    const hits = this.index.search(vec, Math.max(rr.candidates, ctx.k ?? 5));
    return rerank(hits, rr, ctx);
  }

  /**
   * Online learning: a resolved hand-off (or any resolved conversation) becomes a unit of the
   * index, redacted, searchable by the next question without a restart. Returns null when the
   * conversation has no question/answer unit.
   */
  async learn(conv: ConversationInput, opts: ExtractOptions = {}): Promise<AddResult | null> {
    const unit = extractUnit(conv, opts);
    if (!unit) return null;
    return this.index.add([unit], { sourceIds: [conv.id] });
  }

  close(): Promise<void> {
    return this.index.close();
  }

  private noAnswer(): FaqAnswer {
    return { answer: null, score: 0, confident: false, sources: [], groupId: null, ranked: [], features: { sim: 0, share: 0, margin: 0 } };
  }
}

/** An answer agents taught: approved ('learned:<id>') or learned before reviews existed ('live:…'). */
const isLearned = (group: string, sources: readonly string[]): boolean => group.startsWith('learned:') || sources.some((s) => s.startsWith('learned:') || s.startsWith('live:'));

/** Group vote weights: softmax of similarities with temperature tau. */
function groupShares(hits: readonly { group: string; similarity: number }[], tau: number): Map<string, number> {
  const shares = new Map<string, number>();
  if (hits.length === 0) return shares;
  const best = Math.max(...hits.map((h) => h.similarity));
  let total = 0;
  for (const h of hits) {
    const w = Math.exp((h.similarity - best) / Math.max(tau, 1e-6));
    shares.set(h.group, (shares.get(h.group) ?? 0) + w);
    total += w;
  }
  for (const [g, w] of shares) shares.set(g, w / total);
  return shares;
}

export function rerank(hits: readonly SearchHit[], rr: Calibration['rerank'], ctx: AnswerContext = {}): RankedUnit[] {
  const now = ctx.now ?? Date.now();
  const base = hits.map((h) => ({ h, group: h.unit.group, similarity: h.score }));
  const shares = groupShares(base, rr.tau);
  const ranked = base.map(({ h, group, similarity }) => {
    let score = similarity + rr.agreement * (shares.get(group) ?? 0);
    if (rr.recency > 0 && h.unit.ts) {
      const age = now - Date.parse(h.unit.ts);
      if (Number.isFinite(age)) score += rr.recency * Math.exp(-Math.max(0, age) / YEAR_MS);
    }
    if (ctx.intent && h.unit.intent === ctx.intent) score += rr.intent * Math.max(0, Math.min(1, ctx.intentConfidence ?? 1));
    return { label: h.label, group, similarity, score, question: h.unit.question, sources: h.unit.sources };
  });
  ranked.sort((a, b) => b.score - a.score || b.similarity - a.similarity);
  return ranked;
}

/** Confidence features of a ranked list (its first entry is the proposed answer). */
export function featuresOf(ranked: readonly RankedUnit[], tau: number): Features {
  const top = ranked[0];
  if (!top) return { sim: 0, share: 0, margin: 0 };
  const shares = groupShares(ranked, tau);
  let bestSame = -1;
  let bestOther = -1;
  for (const r of ranked) {
    if (r.group === top.group) bestSame = Math.max(bestSame, r.similarity);
    else bestOther = Math.max(bestOther, r.similarity);
  }
  return { sim: top.similarity, share: shares.get(top.group) ?? 0, margin: bestOther < 0 ? 0.2 : Math.max(-0.2, Math.min(0.2, bestSame - bestOther)) };
}

export type { StoredUnit };
