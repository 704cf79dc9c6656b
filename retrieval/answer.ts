// answer(question, context): redact the question, embed it, search the index, re-rank the
// candidates (answer-group agreement, recency, NLU intent), and decide with the calibrated
// confidence whether to present the best answer. Below the threshold there is no answer: the bot
// gets a clarifying choice or a hand-off suggestion instead.

import type { Config } from '../core/config.js';
import { EncoderInputError, type Encoder } from '../nlu/encoder-types.js';
import { confidence, resolveCalibration, type Calibration, type Features } from './calibration.js';
import { extractUnit, type ConversationInput, type ExtractOptions } from './extract.js';
import { fill, type CustomerContext, type StoreInfo } from './fill.js';
import { FaqIndex, type AddResult, type FaqIndexOptions, type SearchHit, type StoredUnit } from './index-store.js';
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

export type NextStep = 'answer' | 'clarify' | 'handoff';

export interface FaqAnswer {
  /** The answer filled for this customer; null unless confident. */
  answer: string | null;
  /** Calibrated probability that the best answer is the right one, in [0, 1]. */
  score: number;
  confident: boolean;
  /** Transcript ids behind the answer (for agents; customers see the answer only). */
  sources: string[];
  groupId: string | null;
  /** What the bot should do: present the answer, ask which of `clarify` is meant, or offer a human. */
  next: NextStep;
  /** Up to three questions of different answer groups for a clarifying choice (generic wording). */
  clarify: string[];
  /** The re-ranked units, best first (k of them). */
  ranked: RankedUnit[];
  features: Features;
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
}

export class FaqRetriever {
  readonly calibration: Calibration;
  readonly calibrationFrom: string;

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
    const features = featuresOf(ranked, this.calibration.rerank.tau);
    const score = confidence(this.calibration, features);
    const confident = score >= this.calibration.threshold;
    const top = ranked[0]!;
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
      next: 'handoff',
      clarify: [],
      ranked: ranked.slice(0, k).map((r) => ({ ...r, sources: [...r.sources] })),
      features,
    };
    if (confident) {
      const unit = this.index.unit(top.label);
      out.answer = unit ? fill(unit.answer, ctx.customer ?? {}, ctx.store ?? {}) : null;
      out.next = out.answer ? 'answer' : 'handoff';
      out.confident = out.answer !== null;
    } else if (features.sim >= this.calibration.clarifyFloor) {
      const seen = new Set<string>();
      for (const r of ranked) {
        if (seen.has(r.group)) continue;
        seen.add(r.group);
        out.clarify.push(fill(r.question, {}, ctx.store ?? {}));
        if (out.clarify.length === 3) break;
      }
      out.next = out.clarify.length >= 2 ? 'clarify' : 'handoff';
      if (out.next === 'handoff') out.clarify = [];
    }
    return out;
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
    return { answer: null, score: 0, confident: false, sources: [], groupId: null, next: 'handoff', clarify: [], ranked: [], features: { sim: 0, share: 0, margin: 0 } };
  }
}

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
