import { StoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { checkText } from './text.js';

// Answers proposed from resolved hand-offs. An agent's words to one customer become an answer for
// everyone only through this table: proposed as 'pending', served only once a person approved
// them ('approved', with who and when), never served when 'rejected' or deleted.

export type LearnedStatus = 'pending' | 'approved' | 'rejected';
export type LearnedOrigin = 'resolve' | 'migrated' | 'manual';

export interface LearnedAnswer {
  id: number;
  ticketId: number | null;
  conversationId: string | null;
  question: string;
  answer: string;
  status: LearnedStatus;
  origin: LearnedOrigin;
  proposedBy: string | null;
  reviewedBy: string | null;
  reviewedAt: string | null;
  /** The FAQ index unit serving it, while approved. */
  faqLabel: number | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewLearnedAnswer {
  question: string;
  answer: string;
  ticketId?: number | null;
  conversationId?: string | null;
  origin?: LearnedOrigin;
  proposedBy?: string | null;
}

interface Row {
  id: number;
  ticket_id: number | null;
  conversation_id: string | null;
  question: string;
  answer: string;
  status: LearnedStatus;
  origin: LearnedOrigin;
  proposed_by: string | null;
  reviewed_by: string | null;
  reviewed_at: string | null;
  faq_label: number | null;
  created_at: string;
  updated_at: string;
}

const toEntry = (r: Row): LearnedAnswer => ({
  id: r.id,
  ticketId: r.ticket_id,
  conversationId: r.conversation_id,
  question: r.question,
  answer: r.answer,
  status: r.status,
  origin: r.origin,
  proposedBy: r.proposed_by,
  reviewedBy: r.reviewed_by,
  reviewedAt: r.reviewed_at,
  faqLabel: r.faq_label,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const MAX_LEARNED_QUESTION = 4000;
export const MAX_LEARNED_ANSWER = 8000;

function checkPair(question: string, answer: string): { question: string; answer: string } {
  const q = checkText('question', question).trim();
  const a = checkText('answer', answer).trim();
  if (!q || !a) throw new StoreError('invalid_input', 'question and answer must not be empty');
  if (q.length > MAX_LEARNED_QUESTION) throw new StoreError('too_large', `question is ${q.length} characters; the limit is ${MAX_LEARNED_QUESTION}`);
  if (a.length > MAX_LEARNED_ANSWER) throw new StoreError('too_large', `answer is ${a.length} characters; the limit is ${MAX_LEARNED_ANSWER}`);
  return { question: q, answer: a };
}

export class LearnedAnswerRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  async propose(e: NewLearnedAnswer, sql: Sql = this.sql): Promise<LearnedAnswer> {
    const { question, answer } = checkPair(e.question, e.answer);
    const at = this.iso();
    const r = await sql.get<Row>(
      `INSERT INTO learned_answers (ticket_id, conversation_id, question, answer, status, origin, proposed_by, created_at, updated_at)
       VALUES (?, ?, ?, ?, 'pending', ?, ?, ?, ?) RETURNING *`,
      [e.ticketId ?? null, e.conversationId ?? null, question, answer, e.origin ?? 'resolve', e.proposedBy ?? null, at, at],
    );
    return toEntry(r!);
  }

  async get(id: number, sql: Sql = this.sql): Promise<LearnedAnswer | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const r = await sql.get<Row>('SELECT * FROM learned_answers WHERE id = ?', [id]);
    return r ? toEntry(r) : undefined;
  }

  async list(opts: { status?: LearnedStatus; limit?: number } = {}, sql: Sql = this.sql): Promise<LearnedAnswer[]> {
    const limit = Math.max(1, Math.min(1000, Math.floor(opts.limit ?? 200)));
    const rows = opts.status
      ? await sql.all<Row>('SELECT * FROM learned_answers WHERE status = ? ORDER BY id DESC LIMIT ?', [opts.status, limit])
      : await sql.all<Row>('SELECT * FROM learned_answers ORDER BY id DESC LIMIT ?', [limit]);
    return rows.map(toEntry);
  }

  async counts(sql: Sql = this.sql): Promise<Record<LearnedStatus, number>> {
    const out: Record<LearnedStatus, number> = { pending: 0, approved: 0, rejected: 0 };
    for (const r of await sql.all<{ status: LearnedStatus; n: number }>('SELECT status, count(*) AS n FROM learned_answers GROUP BY status')) out[r.status] = Number(r.n);
    return out;
  }

  /** Edits the text. An approved entry goes back to pending: the person approving saw other words. */
  async edit(id: number, text: { question: string; answer: string }, sql: Sql = this.sql): Promise<LearnedAnswer> {
    const { question, answer } = checkPair(text.question, text.answer);
    const r = await sql.get<Row>(
      "UPDATE learned_answers SET question = ?, answer = ?, updated_at = ?, status = CASE status WHEN 'approved' THEN 'pending' ELSE status END WHERE id = ? RETURNING *",
      [question, answer, this.iso(), id],
    );
    if (!r) throw new StoreError('not_found', `learned answer ${id} not found`);
    return toEntry(r);
  }

  /** Marks an entry approved by `reviewerId`, served by FAQ unit `faqLabel`. */
  async approve(id: number, reviewerId: string, faqLabel: number, sql: Sql = this.sql): Promise<LearnedAnswer> {
    const at = this.iso();
    const r = await sql.get<Row>("UPDATE learned_answers SET status = 'approved', reviewed_by = ?, reviewed_at = ?, faq_label = ?, updated_at = ? WHERE id = ? RETURNING *", [
      reviewerId,
      at,
      faqLabel,
      at,
      id,
    ]);
    if (!r) throw new StoreError('not_found', `learned answer ${id} not found`);
    return toEntry(r);
  }

  async reject(id: number, reviewerId: string, sql: Sql = this.sql): Promise<LearnedAnswer> {
    const at = this.iso();
    const r = await sql.get<Row>("UPDATE learned_answers SET status = 'rejected', reviewed_by = ?, reviewed_at = ?, faq_label = NULL, updated_at = ? WHERE id = ? RETURNING *", [
      reviewerId,
      at,
      at,
      id,
    ]);
    if (!r) throw new StoreError('not_found', `learned answer ${id} not found`);
    return toEntry(r);
  }

  /** Clears the FAQ unit of an entry (it was taken out of the index). */
  async clearLabel(id: number, sql: Sql = this.sql): Promise<void> {
    await sql.run('UPDATE learned_answers SET faq_label = NULL, updated_at = ? WHERE id = ?', [this.iso(), id]);
  }

  async delete(id: number, sql: Sql = this.sql): Promise<boolean> {
    return (await sql.run('DELETE FROM learned_answers WHERE id = ?', [id])).changes > 0;
  }
}
