import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import { postgresEnabled } from '../testing/engines.js';
import { copyWarmStore, dropSqliteStore } from '../testing/pg-store.js';
import { freshPostgres, type FreshPostgres } from '../testing/postgres.js';
import { startServerProcess, type ServerProcess } from '../testing/server-process.js';
import { botTexts, connect, conversationOf, fakeGraph, fixtureRows, postSignedWebhook, sessionOf, type ChatClient, type FakeGraph, type Recorded } from '../testing/test-client.js';
import { warmDataDir } from '../testing/test-template.js';

// Issue #19 item 2, "several nodes", end to end: two real server processes (node A and node B,
// `tsx app/main.ts`) on 127.0.0.1 with one PostgreSQL database and the same SHOPBOT_SECRET, each with
// a data folder of its own. A customer's web tab is on A, the agent's console on B, the customer's
// Messenger webhook arrives at B (Meta's Graph API is a local fake): every message reaches every side
// once and in order. Then A dies (SIGKILL) right after acknowledging a message; the customer
// reconnects to B with its session token and finds the history intact and that message answered once.

const SECRET = 'nodes-e2e-session-secret-0123456789';
const APP_SECRET = 'nodes-e2e-app-secret';
/** Generous: on 2 busy cores a turn can take seconds, and taking over a dead node's turns more. */
const WAIT = { timeoutMs: 120_000 };
/** Each node's log is kept here after the run, to read when a step fails (test-artifacts/ is ignored). */
const LOGS = resolve(import.meta.dirname, '../test-artifacts/nodes-e2e');

interface FixtureCustomer {
  id: string;
  identities: { channel: string; external_id: string }[];
}

/** A seeded customer with a web and a Messenger identity: one profile on both channels. */
function twoChannelCustomer(): { id: string; web: string; psid: string } {
  for (const c of fixtureRows<FixtureCustomer>('customers.jsonl')) {
    const web = c.identities.find((i) => i.channel === 'web')?.external_id;
    const psid = c.identities.find((i) => i.channel === 'messenger')?.external_id;
    if (web && psid) return { id: c.id, web, psid };
  }
  throw new Error('no fixture customer with both a web and a Messenger identity');
}

interface StoredMessage {
  seq: number;
  role: string;
  text: string;
  channel: string;
  replyTo: number | null;
}

/** The seqs of a web tab's message and card events, in arrival order, each (event, seq) once or more. */
const tabSeqs = (c: ChatClient, from = 0) => c.events.slice(from).filter((e) => (e.event === 'message' || e.event === 'card') && typeof e.data.seq === 'number').map((e) => ({ event: e.event, seq: Number(e.data.seq) }));

describe.skipIf(!postgresEnabled())('two nodes on one PostgreSQL database (needs SHOPBOT_TEST_POSTGRES: skipped without it)', () => {
  const who = twoChannelCustomer();
  const signer = new TokenSigner(Buffer.from(SECRET, 'utf8'));
  let pg: FreshPostgres;
  let graph: FakeGraph;
  let a: ServerProcess;
  let b: ServerProcess;
  const dirs: string[] = [];
  const clients: ChatClient[] = [];
  // Shared by the steps below, in order.
  let tab: ChatClient;
  let agent: ChatClient;
  let conversationId: string;
  let ticketId: number | undefined;
  /** The seq of the "Anna joined the chat" message: what the agent is sent starts after it. */
  let joinedSeq = 0;
  /** Whether the agent holds the chat (accepted, not yet given back to the bot). */
  let held = false;

  const transcript = async (): Promise<StoredMessage[]> => {
    const rows = await pg.sql.all<{ seq: number; role: string; text: string; channel: string; payload: string | null }>('SELECT seq, role, text, channel, payload FROM messages WHERE conversation_id = ? ORDER BY seq', [conversationId]);
    return rows.map((r) => ({ seq: r.seq, role: r.role, text: r.text, channel: r.channel, replyTo: (JSON.parse(r.payload ?? '{}') as { replyTo?: number }).replyTo ?? null }));
  };

  /** Every stored message reached the tab once (each of its events once) and in order. */
  const expectTabHasEachOnceInOrder = async (c: ChatClient) => {
    const seen = tabSeqs(c);
    const keys = seen.map((s) => `${s.event}:${s.seq}`);
    expect(keys, 'an event reached the tab twice').toEqual([...new Set(keys)]);
    const order = seen.map((s) => s.seq).filter((s, i, all) => i === 0 || s !== all[i - 1]);
    expect(order, 'messages reached the tab out of order').toEqual([...order].sort((x, y) => x - y));
    expect([...new Set(order)]).toEqual((await transcript()).map((m) => m.seq));
  };

  /** What the agent was sent of the customer's messages since it took the chat: each once, in order. */
  const expectAgentHasEachOnceInOrder = async () => {
    const got = agent.events.filter((e) => e.event === 'customer_message' && e.data.conversationId === conversationId).map((e) => (e.data.message as { seq: number }).seq);
    const want = (await transcript()).filter((m) => m.role === 'customer' && m.seq > joinedSeq).map((m) => m.seq);
    expect(got).toEqual(want);
  };

  /** Polls the store until `check` holds (or the wait runs out); what a step waits for that no socket shows. */
  const until = async (check: () => Promise<boolean>) => {
    const deadline = Date.now() + WAIT.timeoutMs;
    while (!(await check()) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 200));
    return check();
  };
  const backWithBot = async () => (await pg.sql.get<{ handoff: string }>('SELECT handoff FROM conversations WHERE id = ?', [conversationId]))?.handoff === 'none';

  const ask = async (c: ChatClient, text: string, until: (texts: string[]) => boolean) => {
    const from = c.events.length;
    const ack = await c.send({ text });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    await c.waitFor(() => until(botTexts(c, from)), { from, ...WAIT });
    return { from, seq: Number(ack.seq) };
  };

  const client = async (url: string, namespace: string, auth: Record<string, unknown>) => {
    const c = await connect(url, namespace, auth);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    graph = await fakeGraph();
    pg = await freshPostgres();
    // Each node has a data folder of its own (model caches, FAQ graph file); the store is the database.
    for (const name of ['a', 'b']) dirs.push(await warmDataDir(`shopbot-node-${name}-`));
    await copyWarmStore(dirs[0]!, pg.sql);
    for (const d of dirs) dropSqliteStore(d);
    const env = {
      SHOPBOT_SECRET: SECRET,
      DATABASE_URL: pg.url,
      SHOPBOT_ASSIGNMENT: 'manual',
      SHOPBOT_LOG_FORMAT: 'text',
      MESSENGER_APP_SECRET: APP_SECRET,
      MESSENGER_VERIFY_TOKEN: 'verify-me',
      MESSENGER_PAGE_TOKEN: 'page-token',
      MESSENGER_GRAPH_BASE: graph.url,
    };
    // Both at once, as a deployment starts them: migrations and the seed check run once between them.
    [a, b] = await Promise.all([startServerProcess({ name: 'A', dataDir: dirs[0]!, env }), startServerProcess({ name: 'B', dataDir: dirs[1]!, env })]);
  }, 1_800_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await Promise.all([a?.stop(), b?.stop()]);
    mkdirSync(LOGS, { recursive: true });
    for (const n of [a, b]) if (n) writeFileSync(join(LOGS, `node-${n.name}.log`), n.log());
    await graph?.close();
    await pg?.drop();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('hands a chat from a customer on node A to an agent on node B, and relays both ways, each message once and in order', async () => {
    const login = await fetch(`${b.url}/api/agents/login`, { method: 'POST', body: JSON.stringify({ email: 'agent@example.com', password: 'demo-agent' }), headers: { 'content-type': 'application/json' } });
    expect(login.status).toBe(200);
    agent = await client(b.url, '/agents', { token: ((await login.json()) as { token: string }).token });
    tab = await client(a.url, '/chat', { token: signer.sign(who.web, 3600), afterSeq: 0 });
    await tab.waitFor((e) => e.event === 'session');
    expect(sessionOf(tab).customerId).toBe(who.id);

    // Node A knows the agent on node B is online: the customer is queued, not told the team is away.
    const { from } = await ask(tab, 'I want to talk to a human please', (t) => t.some((x) => /queue|offline|away/i.test(x)));
    expect(botTexts(tab, from).join(' ')).toMatch(/number \d+ in the queue/);
    conversationId = await conversationOf(tab);
    const rows = (e: Recorded) => (e.event === 'queue' ? (e.data as unknown as { ticketId: number; conversationId: string }[]) : e.event === 'queue_add' ? [e.data as { ticketId: number; conversationId: string }] : []);
    const queued = await agent.waitFor((e) => rows(e).some((t) => t.conversationId === conversationId), WAIT);
    ticketId = rows(queued).find((t) => t.conversationId === conversationId)!.ticketId;

    const accepted = await agent.emit('accept', { ticketId });
    expect(accepted.ok, JSON.stringify(accepted)).toBe(true);
    held = true;
    const joined = await tab.waitFor((e) => e.event === 'message' && /Anna .*joined/.test(String(e.data.text)), { from, ...WAIT });
    joinedSeq = Number(joined.data.seq);

    const fromAgent = 'Hi, Anna here. I am answering from node B.';
    expect((await agent.emit('message', { ticketId, text: fromAgent })).ok).toBe(true);
    await tab.waitFor((e) => e.event === 'message' && e.data.role === 'agent' && e.data.text === fromAgent, { from, ...WAIT });
    const fromCustomer = 'Thanks Anna, my tab is on node A.';
    expect((await tab.send({ text: fromCustomer })).ok).toBe(true);
    await agent.waitFor((e) => e.event === 'customer_message' && e.data.conversationId === conversationId && (e.data.message as { text: string }).text === fromCustomer, WAIT);

    // The bot stayed quiet while the agent had the chat; the store has each message once.
    const stored = await transcript();
    expect(stored.filter((m) => m.text === fromAgent)).toHaveLength(1);
    expect(stored.filter((m) => m.text === fromCustomer)).toHaveLength(1);
    expect(stored.filter((m) => m.seq > joinedSeq && m.role === 'bot')).toHaveLength(0);
    await expectTabHasEachOnceInOrder(tab);
    await expectAgentHasEachOnceInOrder();
  }, 600_000);

  it('takes a Messenger webhook on node B for the customer whose tab is on node A: the tab, the agent and Meta each get every message once, in order', async () => {
    expect(ticketId, 'the hand-off step did not get the chat to the agent').toBeDefined();
    const text = 'Writing from Messenger now: the parcel number is on the invoice.';
    const body = { object: 'page', entry: [{ id: 'page', time: Date.now(), messaging: [{ sender: { id: who.psid }, recipient: { id: 'page' }, timestamp: Date.now(), message: { mid: 'mid.nodes-e2e.1', text } }] }] };
    expect((await postSignedWebhook(b.url, body, APP_SECRET)).status).toBe(200);
    await tab.waitFor((e) => e.event === 'message' && e.data.role === 'customer' && e.data.text === text, WAIT);
    await agent.waitFor((e) => e.event === 'customer_message' && (e.data.message as { text: string }).text === text, WAIT);
    // Meta delivers again (to the other node this time): the message is stored once.
    expect((await postSignedWebhook(a.url, body, APP_SECRET)).status).toBe(200);

    // The chat now routes to Messenger: the agent's reply goes to Meta once, and to the web tab.
    const reply = 'Got it on Messenger, thank you.';
    expect((await agent.emit('message', { ticketId, text: reply })).ok).toBe(true);
    await tab.waitFor((e) => e.event === 'message' && e.data.role === 'agent' && e.data.text === reply, WAIT);
    const toMeta = () => graph.received.filter((r) => (r.body.recipient as { id?: string } | undefined)?.id === who.psid && r.body.message).map((r) => String((r.body.message as { text?: string }).text ?? ''));
    const deadline = Date.now() + WAIT.timeoutMs;
    while (!toMeta().includes(reply) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
    expect(toMeta().filter((t) => t === reply)).toHaveLength(1);

    // The agent hands the chat back to the bot (the next step talks to the bot).
    expect((await agent.emit('return', { ticketId })).ok).toBe(true);
    held = false;
    expect(await until(backWithBot)).toBe(true);

    const stored = await transcript();
    expect(stored.filter((m) => m.text === text).map((m) => m.role)).toEqual(['customer']);
    expect(stored.filter((m) => m.text === reply)).toHaveLength(1);
    await expectTabHasEachOnceInOrder(tab);
    await expectAgentHasEachOnceInOrder();
    // What Meta got of this chat is what the store sent after the Messenger message, in order.
    const sentAfter = stored.filter((m) => m.role !== 'customer' && m.seq > stored.find((x) => x.text === text)!.seq && m.text).map((m) => m.text);
    expect(toMeta().filter((t) => sentAfter.includes(t))).toEqual(sentAfter.filter((t) => toMeta().includes(t)));
    expect(toMeta()).toContain(reply);
  }, 600_000);

  it('loses nothing when node A dies: the customer resumes on node B, history intact, the message A acknowledged answered once', async () => {
    if (!tab) {
      tab = await client(a.url, '/chat', { token: signer.sign(who.web, 3600), afterSeq: 0 });
      await tab.waitFor((e) => e.event === 'session');
    }
    // The chat talks to the bot here: if an earlier step left it with the agent, the agent gives it back.
    if (held) {
      expect((await agent.emit('return', { ticketId })).ok).toBe(true);
      held = false;
      expect(await until(backWithBot)).toBe(true);
    }
    // Acknowledged by A (stored with its pending turn), then A is killed at once.
    const ack = await tab.send({ text: 'what payment methods do you accept?' });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    await a.kill();
    const asked = Number(ack.seq);
    conversationId ??= await conversationOf(tab);
    const seenOnA = tabSeqs(tab);
    const lastSeen = Math.max(0, ...seenOnA.map((s) => s.seq));
    const session = sessionOf(tab);
    tab.close();

    // The widget reconnects (the load balancer now sends it to B) with its token and last seq.
    const again = await client(b.url, '/chat', { token: session.token, afterSeq: lastSeen });
    expect((await again.waitFor((e) => e.event === 'session')).data.conversationId).toBe(conversationId);
    // A may have answered before it died (then the tab has the answer already), or B answers it now.
    const answers = (c: ChatClient) => c.events.filter((e) => e.event === 'message' && e.data.role === 'bot' && e.data.replyTo === asked).length;
    if (answers(tab) === 0) await again.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && e.data.replyTo === asked, WAIT);
    // Once its pending turn is cleared, nothing can answer it again.
    const message = await pg.sql.get<{ id: number }>('SELECT id FROM messages WHERE conversation_id = ? AND seq = ?', [conversationId, asked]);
    expect(await until(async () => !(await pg.sql.get('SELECT 1 AS one FROM pending_turns WHERE message_id = ?', [message!.id])))).toBe(true);
    const stored = await transcript();
    expect(stored.filter((m) => m.role === 'bot' && m.replyTo === asked)).toHaveLength(1);
    expect(answers(tab) + answers(again)).toBe(1);

    // History intact: everything the tab saw on A is stored as it was, and a fresh tab on B gets it all.
    const before = tab.events.filter((e) => e.event === 'message').map((e) => ({ seq: Number(e.data.seq), text: String(e.data.text) }));
    for (const m of before) expect(stored.find((s) => s.seq === m.seq)?.text).toBe(m.text);
    const full = await client(b.url, '/chat', { token: session.token, afterSeq: 0 });
    await full.waitFor((e) => e.event === 'message' && e.data.seq === stored.at(-1)!.seq, WAIT);
    await expectTabHasEachOnceInOrder(full);

    // And the chat goes on, on B.
    const { from } = await ask(again, 'how long does delivery take?', (t) => t.length > 0);
    expect(botTexts(again, from).length).toBeGreaterThan(0);
    expect(b.child.exitCode).toBeNull();
  }, 600_000);
});
