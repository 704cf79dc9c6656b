import { redact, type KnownValue } from '../retrieval/redact.js';
import type { Agent, LearnedAnswer, LearnedStatus, Message, Store, Ticket } from '../store/index.js';
import type { AnswerIndex } from '../bot/services.js';

// Answers learned from resolved hand-offs, with a person in the loop. What an agent wrote to one
// customer is never served to another until a person approved a redacted draft of it:
//   resolve -> draft (redacted, editable, shown to the agent) -> "Save as an answer for everyone"
//   -> pending (an admin's save approves at once) -> approve -> indexed -> served.
// Editing an approved entry takes it out of the index until it is approved again; rejecting or
// deleting takes it out at once. Entries learned before this flow existed come back as pending.

export interface Draft {
  question: string;
  answer: string;
  /** What the redaction replaced, by type, so the agent sees why words became placeholders. */
  redacted: string[];
}

export class LearnedAnswerError extends Error {}

const isAdmin = (agent: Agent) => agent.role === 'admin';

export class LearnedAnswers {
  constructor(
    private readonly store: Store,
    private readonly index: AnswerIndex,
    private readonly log: (line: string) => void = (l) => console.error(l),
  ) {}

  /** Names and values of this conversation that must never leave it: the customer's and every agent's. */
  private async personal(conversationId: string | null): Promise<{ names: string[]; known: KnownValue[] }> {
    const names = (await this.store.agents.list()).map((a) => a.name);
    const known: KnownValue[] = [];
    const conversation = conversationId ? await this.store.conversations.get(conversationId) : undefined;
    const customer = conversation?.customerId ? await this.store.customers.get(conversation.customerId) : undefined;
    if (customer) {
      if (customer.name && customer.name !== 'Guest') names.push(customer.name);
      if (customer.email) known.push({ value: customer.email, type: 'EMAIL' });
      for (const o of await this.store.orders.listForCustomer(customer.id, { limit: 50 })) known.push({ value: o.id, type: 'ORDER_NUMBER' });
    }
    return { names, known };
  }

  /** A redacted draft of a resolved chat: the customer's last questions and the agent's answers. */
  async draft(ticket: Ticket, transcript: readonly Message[]): Promise<Draft | null> {
    const question = transcript
      .filter((m) => m.role === 'customer' && m.text.trim() && m.intent !== 'contact_human_agent')
      .map((m) => m.text.trim())
      .slice(-3)
      .join(' ');
    const answer = transcript
      .filter((m) => m.role === 'agent')
      .map((m) => m.text.trim())
      .join(' ');
    if (!question || !answer) return null;
    const p = await this.personal(ticket.conversationId);
    const q = redact(question.slice(0, 4000), p);
    const a = redact(answer.slice(0, 8000), p);
    return { question: q.text, answer: a.text, redacted: [...new Set([...q.found, ...a.found].map((f) => f.type))] };
  }

  /**
   * Refuses text in which the redactor still finds personal data: the person saving it may have
   * typed a value back into the draft.
   */
  private async checkClean(conversationId: string | null, question: string, answer: string): Promise<void> {
    const p = await this.personal(conversationId);
    const found = [...redact(question, p).found, ...redact(answer, p).found];
    if (found.length > 0) {
      const types = [...new Set(found.map((f) => f.type.toLowerCase().replace(/_/g, ' ')))].join(', ');
      throw new LearnedAnswerError(`This still contains personal data (${types}). Remove it or leave the {{PLACEHOLDER}} in its place.`);
    }
  }

  /** "Save as an answer for everyone": pending for review, approved at once when an admin saves it. */
  async propose(agent: Agent, ticket: Ticket, text: { question: string; answer: string }): Promise<LearnedAnswer> {
    await this.checkClean(ticket.conversationId, text.question, text.answer);
    const entry = await this.store.learned.propose({ ticketId: ticket.id, conversationId: ticket.conversationId, question: text.question, answer: text.answer, proposedBy: agent.id });
    this.log(`[learned] answer ${entry.id} proposed by ${agent.id} from ticket ${ticket.id}`);
    return isAdmin(agent) ? this.approve(agent, entry.id) : entry;
  }

  async list(agent: Agent, status?: LearnedStatus): Promise<{ entries: LearnedAnswer[]; counts: Record<LearnedStatus, number> }> {
    this.requireAdmin(agent);
    return { entries: await this.store.learned.list(status ? { status } : {}), counts: await this.store.learned.counts() };
  }

  async approve(agent: Agent, id: number): Promise<LearnedAnswer> {
    this.requireAdmin(agent);
    const entry = await this.get(id);
    if (entry.status === 'approved' && entry.faqLabel !== null) return entry;
    await this.checkClean(entry.conversationId, entry.question, entry.answer);
    const label = await this.index.put({ id: entry.id, question: entry.question, answer: entry.answer });
    this.log(`[learned] answer ${id} approved by ${agent.id}`);
    return this.store.learned.approve(id, agent.id, label);
  }

  /** Edits an entry; an approved one leaves the index until it is approved again (or at once with `approve`). */
  async edit(agent: Agent, id: number, text: { question: string; answer: string }, approve = false): Promise<LearnedAnswer> {
    this.requireAdmin(agent);
    const entry = await this.get(id);
    await this.checkClean(entry.conversationId, text.question, text.answer);
    await this.unindex(entry);
    const edited = await this.store.learned.edit(id, text);
    return approve ? this.approve(agent, id) : edited;
  }

  async reject(agent: Agent, id: number): Promise<LearnedAnswer> {
    this.requireAdmin(agent);
    await this.unindex(await this.get(id));
    return this.store.learned.reject(id, agent.id);
  }

  async delete(agent: Agent, id: number): Promise<boolean> {
    this.requireAdmin(agent);
    await this.unindex(await this.get(id));
    this.log(`[learned] answer ${id} deleted by ${agent.id}`);
    return this.store.learned.delete(id);
  }

  /**
   * Entries the index learned on its own before approvals existed leave the index and wait for a
   * person as pending entries. Idempotent: run on every start.
   */
  async migrateLegacy(): Promise<number> {
    let moved = 0;
    for (const u of this.index.legacy()) {
      try {
        await this.store.learned.propose({ question: u.question, answer: u.answer, origin: 'migrated' });
        await this.index.remove(u.label);
        moved++;
      } catch (err) {
        this.log(`[learned] could not move learned unit ${u.label} to review: ${(err as Error).message}`);
      }
    }
    if (moved > 0) this.log(`[learned] ${moved} answer(s) learned without approval were taken out of the index and wait for review`);
    return moved;
  }

  private async unindex(entry: LearnedAnswer): Promise<void> {
    if (entry.faqLabel === null) return;
    await this.index.remove(entry.faqLabel);
    await this.store.learned.clearLabel(entry.id);
  }

  private async get(id: number): Promise<LearnedAnswer> {
    const entry = await this.store.learned.get(id);
    if (!entry) throw new LearnedAnswerError('no such learned answer');
    return entry;
  }

  private requireAdmin(agent: Agent): void {
    if (!isAdmin(agent)) throw new LearnedAnswerError('only an admin can review learned answers');
  }
}

type On = (event: string, fn: (data: Record<string, unknown>) => Promise<Record<string, unknown>> | Record<string, unknown>) => void;

const text = (v: unknown, field: string): string => {
  if (typeof v !== 'string' || !v.trim()) throw new LearnedAnswerError(`${field} must not be empty`);
  return v;
};
const idOf = (v: unknown): number => {
  if (typeof v !== 'number' || !Number.isSafeInteger(v)) throw new LearnedAnswerError('no such learned answer');
  return v;
};
const STATUSES: readonly LearnedStatus[] = ['pending', 'approved', 'rejected'];

/**
 * The agent console's events: the resolving agent saves a draft (`learned_propose`); admins list,
 * edit, approve, reject and delete (`learned_*`).
 */
export function learnedAnswerEvents(learned: LearnedAnswers, store: Store, agent: Agent, on: On): void {
  on('learned_propose', async (d) => {
    const t = typeof d.ticketId === 'number' ? await store.tickets.get(d.ticketId) : undefined;
    if (!t || t.agentId !== agent.id || t.status !== 'resolved') throw new LearnedAnswerError('only the agent who resolved a chat can save its answer');
    return { entry: await learned.propose(agent, t, { question: text(d.question, 'question'), answer: text(d.answer, 'answer') }) };
  });
  on('learned_list', (d) => learned.list(agent, STATUSES.find((s) => s === d.status)));
  on('learned_edit', async (d) => ({ entry: await learned.edit(agent, idOf(d.id), { question: text(d.question, 'question'), answer: text(d.answer, 'answer') }, d.approve === true) }));
  on('learned_approve', async (d) => ({ entry: await learned.approve(agent, idOf(d.id)) }));
  on('learned_reject', async (d) => ({ entry: await learned.reject(agent, idOf(d.id)) }));
  on('learned_delete', async (d) => ({ deleted: await learned.delete(agent, idOf(d.id)) }));
}
