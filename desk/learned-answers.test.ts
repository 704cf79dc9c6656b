import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore } from '../store/index.js';
import type { Running } from '../app/main.js';
import { TestServer } from '../testing/test-server.js';
import { botTexts, conversationOf, type ChatClient } from '../testing/test-client.js';

// Issue 13.1, end to end on the real server: an agent's answer to one customer (with that
// customer's card expiry and UPI id) is never served to another customer. Resolving offers a
// redacted draft; only what a person approved is indexed; deleting takes it out at once; answers
// learned by older releases without approval go to review on the next start.

const LEAK = 'Arjun, for you we saved your card exp 09/29 and UPI arjun.k@oksbi, and you can also pay by net banking.';
const QUESTION = 'what payment methods do you accept?';
const MARKER = 'kiwi-desk';
const APPROVED = `We accept credit and debit cards, UPI, net banking and cash on delivery (${MARKER}).`;

describe('learned answers need a person', () => {
  let server: TestServer;
  let running: Running;
  let store: SqliteStore;

  beforeAll(async () => {
    server = await TestServer.start({ prefix: 'shopbot-learned-', env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'learned-secret-0123456789' } });
    ({ running, store } = server);
  }, 1_800_000);

  afterAll(async () => {
    await server?.close();
  });

  const staff = async (email: string, password: string): Promise<ChatClient> => {
    const res = await fetch(`${running.url}/api/agents/login`, { method: 'POST', body: JSON.stringify({ email, password }), headers: { 'content-type': 'application/json' } });
    expect(res.status).toBe(200);
    const { token } = (await res.json()) as { token: string };
    return server.staffClient(token);
  };

  const ask = async (c: ChatClient, text: string, until: (texts: string[]) => boolean = (t) => t.length > 0): Promise<string[]> => {
    const from = c.events.length;
    const ack = await c.send({ text });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    await c.waitFor(() => until(botTexts(c, from)), { from });
    // A turn may send more than one message: give it a moment to finish.
    await new Promise((r) => setTimeout(r, 400));
    return botTexts(c, from);
  };

  /** A customer who asks, gets a person, and is answered by `agent` with `answer`; returns the resolve ack. */
  const handOff = async (agent: ChatClient, answer: string) => {
    const customer = await server.customerClient();
    await ask(customer, QUESTION);
    await ask(customer, 'talk to a human', (t) => t.some((x) => /queue|offline|agent/i.test(x)));
    const conversationId = await conversationOf(customer);
    const ticket = (await store.tickets.openForConversation(conversationId))!;
    expect(ticket.status).toBe('pending');
    expect((await agent.emit('accept', { ticketId: ticket.id })).ok).toBe(true);
    expect((await agent.emit('message', { ticketId: ticket.id, text: answer })).ok).toBe(true);
    const resolved = await agent.emit('resolve', { ticketId: ticket.id });
    expect(resolved.ok, JSON.stringify(resolved)).toBe(true);
    return { ticketId: ticket.id, draft: resolved.draft as { question: string; answer: string; redacted: string[] } | null };
  };

  const newCustomerAsks = async (): Promise<string> => (await ask(await server.customerClient(), QUESTION)).join('\n');

  it('serves nothing an agent wrote to one customer until a person approves a redacted draft', async () => {
    const admin = await staff('agent@example.com', 'demo-agent');
    const { ticketId, draft } = await handOff(admin, LEAK);
    expect(draft).not.toBeNull();
    expect(draft!.answer).not.toMatch(/arjun|09\/29|oksbi/i);
    expect(draft!.redacted.length).toBeGreaterThan(0);
    // Resolving learned nothing by itself, before or after a restart.
    expect(await store.learned.list()).toHaveLength(0);
    expect(await newCustomerAsks()).not.toMatch(/arjun|09\/29|oksbi/i);

    // The agent types personal data back into the draft: refused with a clear reason, nothing saved.
    const typedBack = await admin.emit('learned_propose', { ticketId, question: draft!.question, answer: `${APPROVED} Your UPI arjun.k@oksbi works too.` });
    expect(typedBack.ok).toBe(false);
    expect(String(typedBack.error)).toMatch(/personal data/i);
    expect(await store.learned.list()).toHaveLength(0);

    // An admin's save approves it at once, with who and when; the next customer gets it.
    const saved = await admin.emit('learned_propose', { ticketId, question: draft!.question, answer: APPROVED });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    const entry = saved.entry as { id: number; status: string; reviewedBy: string; reviewedAt: string; faqLabel: number };
    expect(entry).toMatchObject({ status: 'approved', reviewedBy: (await store.agents.getByEmail('agent@example.com'))!.id });
    expect(Date.parse(entry.reviewedAt)).not.toBeNaN();
    expect(await newCustomerAsks()).toContain(MARKER);

    // Deleting takes it out of the index at once.
    expect((await admin.emit('learned_delete', { id: entry.id })).ok).toBe(true);
    expect(await store.learned.get(entry.id)).toBeUndefined();
    expect(await newCustomerAsks()).not.toContain(MARKER);
  });

  it("keeps a regular agent's save pending until an admin approves it; only admins review", async () => {
    await store.agents.create({ name: 'Ravi', email: 'ravi@example.com', password: 'ravi-pass-123', role: 'agent' });
    const ravi = await staff('ravi@example.com', 'ravi-pass-123');
    const { ticketId, draft } = await handOff(ravi, 'You can pay with cards, UPI or cash on delivery.');
    const saved = await ravi.emit('learned_propose', { ticketId, question: draft!.question, answer: APPROVED });
    expect(saved.ok, JSON.stringify(saved)).toBe(true);
    const id = (saved.entry as { id: number; status: string }).id;
    expect((await store.learned.get(id))!.status).toBe('pending');
    expect(await newCustomerAsks()).not.toContain(MARKER);
    // A regular agent can neither list nor approve.
    expect((await ravi.emit('learned_list', {})).ok).toBe(false);
    expect((await ravi.emit('learned_approve', { id })).ok).toBe(false);

    const admin = await staff('agent@example.com', 'demo-agent');
    const listed = await admin.emit('learned_list', { status: 'pending' });
    expect((listed.entries as { id: number }[]).map((e) => e.id)).toContain(id);
    // The admin edits before approving: the edited words are what customers get.
    const edited = await admin.emit('learned_edit', { id, question: draft!.question, answer: `${APPROVED} Cash on delivery is up to ₹50,000.`, approve: true });
    expect(edited.ok, JSON.stringify(edited)).toBe(true);
    expect((await store.learned.get(id))!.status).toBe('approved');
    const reply = await newCustomerAsks();
    expect(reply).toContain(MARKER);
    expect(reply).toContain('₹50,000');
    expect((await admin.emit('learned_reject', { id })).ok).toBe(true);
    expect(await newCustomerAsks()).not.toContain(MARKER);
  });

  it('takes answers learned without approval (older releases) out of the index on start', async () => {
    // What an older release wrote: a unit sourced from a live hand-off, with a customer's data in it.
    store.db
      .prepare(
        `INSERT INTO faq_units (label, key, question, answer, group_id, intent, sources, ts, vector, deleted, created_at)
         SELECT (SELECT max(label) + 1 FROM faq_units), 'legacy-live-unit', ?, ?, 'legacy-group', NULL, '["live:conv-legacy:1"]', ts, vector, 0, created_at
         FROM faq_units WHERE deleted = 0 ORDER BY label LIMIT 1`,
      )
      .run(QUESTION, `${LEAK} (${MARKER}-legacy)`);
    await server.restart();
    ({ running, store } = server);
    const migrated = (await store.learned.list({ status: 'pending' })).filter((e) => e.answer.includes(`${MARKER}-legacy`));
    expect(migrated).toHaveLength(1);
    expect(migrated[0]!.status).toBe('pending');
    const reply = await newCustomerAsks();
    expect(reply).not.toContain(`${MARKER}-legacy`);
    expect(reply).not.toMatch(/oksbi/);
  }, 600_000);
});
