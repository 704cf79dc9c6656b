// Transcripts -> question/answer units. A unit is the customer's question (with earlier context
// when the question alone is too short to mean anything) and the agent's resolving answer, both
// redacted. Exact duplicates (same normalized question, same group) merge here; near duplicates by
// embedding merge when the index adds them (index-store.ts).

import { createHash } from 'node:crypto';
import { isRecord } from '../core/jsonl.js';
import { knownFromFilled, redact, type KnownValue } from './redact.js';

export type TurnRole = 'customer' | 'agent' | 'bot';

export interface ConversationTurn {
  role: TurnRole;
  text: string;
  ts?: string | null;
}

/** Any conversation: a store transcript, a fixture row, a resolved hand-off. */
export interface ConversationInput {
  id: string;
  intent?: string | null;
  category?: string | null;
  startedAt?: string | null;
  resolution?: string | null;
  source?: string | null;
  turns: ConversationTurn[];
  /** Values written into the text that are known to be personal or store contact data. */
  filled?: Record<string, unknown> | null;
  /** Names known for this conversation (customer, agent), redacted wherever they appear. */
  names?: string[];
}

export interface QaUnit {
  /** Stable id of the normalized question within its group (dedupe key). */
  key: string;
  question: string;
  answer: string;
  /** Answer group: the intent label when known, else null (the index clusters answers). */
  group: string | null;
  intent: string | null;
  /** Transcript ids this unit came from. */
  sources: string[];
  /** When the answer was given (ISO), for recency. */
  ts: string | null;
}

export interface ExtractOptions {
  /** Only conversations marked resolved (or without a resolution field) give units (default true). */
  requireResolved?: boolean;
  /** Questions shorter than this many words get the previous customer turn as context (default 4). */
  minQuestionWords?: number;
}

const MAX_QUESTION_CHARS = 1000;
const MAX_ANSWER_CHARS = 4000;

/** Lowercased, placeholder-preserving, punctuation-free form used to spot identical questions. */
export function normalizeQuestion(text: string): string {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/\{\{([a-z_]+)\}\}/g, ' $1 ')
    .replace(/[^\p{L}\p{N}_\s]+/gu, ' ')
    .replace(/\s+/g, ' ')
    .trim();
}

export function unitKey(question: string, group: string | null): string {
  return createHash('sha1')
    .update(normalizeQuestion(question) + '\u0000' + (group ?? ''))
    .digest('hex')
    .slice(0, 20);
}

/** Tweets start with @handles and end with agent initials ("-AA", "^JK"): not part of the message. */
function cleanTurn(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/^(?:\s*@\w+)+\s*/, '')
    .replace(/\s+[-^~—–]\s?[A-Z]{1,3}\s*$/, '')
    .trim();
}

const words = (s: string): number => s.split(/\s+/).filter(Boolean).length;

/** Customer messages that carry no question: greetings, thanks, yes/no. */
const PLEASANTRY = /^(?:hi|hello|hey|hiya|good (?:morning|afternoon|evening|day)|thanks?|thank you|thx|ok(?:ay)?|yes|no|yeah|nope|sure|bye)\b[\s\p{L},.!]{0,24}$/iu;

const CLOSING =
  /^(?:(?:hi|hello|hey|thanks?|thank you|you'?re welcome|no problem|ok(?:ay)?|great|perfect|sure|glad|have a (?:great|nice|good|wonderful)|is there anything else|anything else|good (?:day|bye)|bye)\b[^\n]{0,80})$/i;
const ASKS_FOR_INFO =
  /\b(?:may I (?:have|ask|get)|could you (?:please )?(?:provide|share|send|confirm|tell|give)|can you (?:please )?(?:provide|share|send|confirm|tell|give|dm|follow)|please (?:send|dm|provide|share|confirm|follow)|send us a (?:dm|direct message|private message)|(?:dm|direct message|private message) us|what is your|what's your)\b/i;

/** How much an agent turn looks like the answer itself (0 = not an answer). */
function answerScore(text: string): number {
  const t = text.trim();
  if (words(t) < 4) return 0;
  if (CLOSING.test(t)) return 0;
  if (ASKS_FOR_INFO.test(t) && t.length < 240) return 0;
  if (t.endsWith('?') && t.length < 160) return 0;
  return Math.min(t.length, 2000);
}

/**
 * The question/answer unit of one conversation, or null when it has none (no customer question,
 * no informative agent answer, or not resolved).
 */
export function extractUnit(conv: ConversationInput, opts: ExtractOptions = {}): QaUnit | null {
  const requireResolved = opts.requireResolved ?? true;
  const minWords = opts.minQuestionWords ?? 4;
  if (requireResolved && conv.resolution && conv.resolution !== 'resolved') return null;
  // Bot turns are left out: in a hand-off they are the bot's failed attempt, never the answer.
  const turns = conv.turns
    .filter((t) => t && typeof t.text === 'string' && t.role !== 'bot')
    .map((t) => ({ role: t.role, text: cleanTurn(t.text), ts: t.ts ?? null }))
    .filter((t) => t.text !== '');

  // The question: the first customer message with substance, plus the customer messages right after it.
  const substantive = (t: { role: string; text: string }) => t.role === 'customer' && !PLEASANTRY.test(t.text) && (words(t.text) >= 3 || t.text.includes('?'));
  const first = turns.findIndex(substantive);
  if (first < 0) return null;
  let end = first;
  while (end + 1 < turns.length && turns[end + 1]!.role === 'customer') end++;
  let question = turns
    .slice(first, end + 1)
    .map((t) => t.text)
    .join(' ');
  if (words(question) < minWords) {
    const earlier = turns.slice(0, first).filter((t) => t.role === 'customer' && !PLEASANTRY.test(t.text));
    const prev = earlier[earlier.length - 1];
    if (prev) question = `${prev.text} ${question}`;
  }

  // The answer: the most informative agent message after the question.
  let best: { text: string; ts: string | null; score: number } | null = null;
  for (const t of turns.slice(end + 1)) {
    if (t.role !== 'agent') continue;
    const score = answerScore(t.text);
    if (score > 0 && (!best || score >= best.score)) best = { text: t.text, ts: t.ts, score };
  }
  if (!best) return null;

  // Whatever personal data the customer wrote anywhere in the chat is also looked for, verbatim, in
  // the answer: an agent echoing it back in an unusual format is still caught.
  const known: KnownValue[] = knownFromFilled(conv.filled ?? null);
  const names = [...(conv.names ?? [])];
  for (const t of turns) {
    if (t.role !== 'customer') continue;
    for (const f of redact(t.text, { known, names }).found) {
      if (f.type === 'NAME') names.push(f.value);
      else if (f.value.trim().length >= 4) known.push({ value: f.value, type: f.type });
    }
  }
  const red = (s: string, max: number): string => redact(s.slice(0, max), { known, names }).text.trim();
  const q = red(question, MAX_QUESTION_CHARS);
  const a = red(best.text, MAX_ANSWER_CHARS);
  if (q === '' || a === '' || normalizeQuestion(q) === '') return null;
  const group = conv.intent ? String(conv.intent) : null;
  return { key: unitKey(q, group), question: q, answer: a, group, intent: group, sources: [conv.id], ts: best.ts ?? conv.startedAt ?? null };
}

/** Units of many conversations with exact duplicates merged (sources concatenated, latest ts kept). */
export function extractUnits(convs: Iterable<ConversationInput>, opts: ExtractOptions = {}): QaUnit[] {
  const byKey = new Map<string, QaUnit>();
  for (const c of convs) {
    const u = extractUnit(c, opts);
    if (!u) continue;
    const seen = byKey.get(u.key);
    if (!seen) byKey.set(u.key, u);
    else mergeInto(seen, u);
  }
  return [...byKey.values()];
}

export const MAX_SOURCES = 50;

export function mergeInto(target: QaUnit, other: QaUnit): void {
  for (const s of other.sources) if (!target.sources.includes(s) && target.sources.length < MAX_SOURCES) target.sources.push(s);
  if (other.ts && (!target.ts || other.ts > target.ts)) {
    target.ts = other.ts;
    target.answer = other.answer; // the most recent wording of the answer
  }
}

/** Validates one line of a transcripts JSONL file (fixtures/store/transcripts.jsonl format). */
export function parseConversation(v: unknown): ConversationInput | string {
  if (!isRecord(v)) return 'expected an object';
  if (typeof v.id !== 'string' || v.id === '') return 'id must be a non-empty string';
  if (!Array.isArray(v.turns)) return 'turns must be an array';
  const turns: ConversationTurn[] = [];
  for (const [i, t] of v.turns.entries()) {
    if (!isRecord(t) || typeof t.text !== 'string') return `turns[${i}] needs a text`;
    if (t.role !== 'customer' && t.role !== 'agent' && t.role !== 'bot') return `turns[${i}].role must be customer, agent or bot`;
    turns.push({ role: t.role, text: t.text, ts: typeof t.ts === 'string' ? t.ts : null });
  }
  const str = (x: unknown): string | null => (typeof x === 'string' ? x : null);
  return {
    id: v.id,
    intent: str(v.intent),
    category: str(v.category),
    startedAt: str(v.started_at),
    resolution: str(v.resolution),
    source: str(v.source),
    turns,
    filled: isRecord(v.filled) ? v.filled : null,
  };
}

/** A store transcript (store/types.ts Transcript) as a ConversationInput. */
export function fromStoreTranscript(t: {
  id: string;
  intent: string | null;
  category: string | null;
  startedAt: string;
  resolution: string | null;
  origin: string | null;
  filled: Record<string, unknown> | null;
  messages: readonly { role: string; text: string; createdAt: string }[];
}): ConversationInput {
  return {
    id: t.id,
    intent: t.intent,
    category: t.category,
    startedAt: t.startedAt,
    resolution: t.resolution,
    source: t.origin,
    filled: t.filled,
    turns: t.messages
      .filter((m) => m.role === 'customer' || m.role === 'agent' || m.role === 'bot')
      .map((m) => ({ role: m.role as TurnRole, text: m.text, ts: m.createdAt })),
  };
}
