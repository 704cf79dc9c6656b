import { ActivityHandler } from 'botbuilder';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { BotServices } from '../bot/services.js';
import { ChannelAdapter } from '../channels/channel-adapter.js';
import { Gateway } from '../channels/gateway.js';
import { attachWebChannel } from '../channels/web.js';
import { TokenSigner } from '../core/tokens.js';
import { HandoffService } from '../desk/handoff.js';
import type { Encoder } from '../nlu/encoder-types.js';
import type { CatalogSync } from '../recommender/catalog-sync.js';
import { MemoryCatalog, MemoryEvents } from '../recommender/memory-sources.js';
import { Recommender } from '../recommender/recommender.js';
import { FaqIndex } from '../retrieval/index-store.js';
import { createSqlStore, type Store } from '../store/index.js';
import { openPostgresCluster, type PostgresCluster } from '../store/sql/cluster.js';
import { PostgresSql } from '../store/sql/postgres.js';
import { postgresEnabled } from '../testing/engines.js';
import { freshPostgres, type FreshPostgres } from '../testing/postgres.js';
import { connect, conversationOf, type ChatClient } from '../testing/test-client.js';
import { keepInStep } from './cluster-sync.js';
import { createHttpApp, type HttpApp } from './server.js';

// Two nodes in one test process on one PostgreSQL database (issue #19 item 2), each with its own
// pool, cluster connection, socket.io server (postgres adapter) on 127.0.0.1, gateway, hand-off desk
// and, where a test needs them, FAQ index and recommender. The bot is a small echo bot that notes
// when each turn starts and ends; no models, so each test takes about a second.

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 5_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Echoes each message after `delayMs`, noting `start:text` / `end:text` in a log all nodes share. */
class EchoBot extends ActivityHandler {
  gate: Promise<void> | null = null;
  constructor(node: string, log: string[], delayMs = 0) {
    super();
    this.onMessage(async (ctx, next) => {
      log.push(`start:${ctx.activity.text}`);
      if (this.gate) await this.gate;
      if (delayMs) await sleep(delayMs);
      await ctx.sendActivity(`echo from ${node}: ${ctx.activity.text}`);
      log.push(`end:${ctx.activity.text}`);
      await next();
    });
  }
}

/** Words hashed into 32 dimensions: enough for the FAQ index to find a question again. */
const fakeEncoder: Encoder = {
  dim: 32,
  modelId: 'fake',
  checksum: 'fake-encoder',
  device: 'cpu',
  dtype: 'fp32',
  embed: async (text) => embed(text),
  embedMany: async (texts) => texts.map(embed),
  close: async () => {},
};
function embed(text: string): Float32Array {
  const v = new Float32Array(32);
  for (const w of text.toLowerCase().split(/\W+/).filter(Boolean)) {
    let h = 0;
    for (const ch of w) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
    v[h % 32]! += 1;
  }
  const n = Math.hypot(...v) || 1;
  return v.map((x) => x / n);
}

interface Node {
  name: string;
  sql: PostgresSql;
  store: Store;
  cluster: PostgresCluster;
  http: HttpApp;
  url: string;
  gateway: Gateway;
  handoff: HandoffService;
  bot: EchoBot;
  close(): Promise<void>;
}

const services = { faq: { answer: async () => ({ answer: null, score: 0, sources: [] }) }, recommender: { recommend: async () => [] } } as unknown as BotServices;

describe.skipIf(!postgresEnabled())('several nodes on one PostgreSQL store (SHOPBOT_TEST_POSTGRES)', () => {
  let pg: FreshPostgres | undefined;
  let dir: string | undefined;
  const nodes: Node[] = [];
  const clients: ChatClient[] = [];
  const turns: string[] = [];
  const signer = TokenSigner.random();
  const cleanups: (() => Promise<void> | void)[] = [];

  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const c of cleanups.splice(0).reverse()) await c();
    for (const n of nodes.splice(0)) await n.close();
    await pg?.drop();
    pg = undefined;
    if (dir) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
    turns.length = 0;
  });

  const node = async (name: string, opts: { delayMs?: number; assignment?: { mode: 'auto' | 'manual'; maxChats: number; replyTimeoutMs: number } } = {}): Promise<Node> => {
    pg ??= await freshPostgres();
    const sql = new PostgresSql({ connectionString: pg.url, max: 6 });
    const store = createSqlStore(sql);
    const cluster = await openPostgresCluster({ connectionString: pg.url, pool: sql.pool, log: () => {}, leaderRetryMs: 200, socketAdapter: { heartbeatInterval: 200, heartbeatTimeout: 1_000 } });
    const http = createHttpApp({ log: () => {}, cluster: { adapter: cluster.socketAdapter! } });
    const bot = new EchoBot(name, turns, opts.delayMs ?? 0);
    const gateway = new Gateway(store, new ChannelAdapter(), bot, { log: () => {}, turns: cluster.turns });
    attachWebChannel(http.io, { gateway, store, signer, log: () => {}, ipLimits: { connectionsPerMinute: 1000, messagesPer10s: 1000 } });
    const handoff = new HandoffService({ store, services, gateway, cluster, log: () => {}, ...(opts.assignment ? { assignment: opts.assignment } : {}) });
    handoff.attach(http.io);
    const address = await http.listen(0, '127.0.0.1');
    let closed = false;
    const n: Node = {
      name,
      sql,
      store,
      cluster,
      http,
      url: `http://127.0.0.1:${address.port}`,
      gateway,
      handoff,
      bot,
      async close() {
        if (closed) return;
        closed = true;
        handoff.close();
        await http.close();
        await cluster.close();
        await sql.close();
      },
    };
    nodes.push(n);
    return n;
  };

  /** Both nodes' socket.io adapters know each other (heartbeats went both ways). */
  const acquainted = async (...ns: Node[]) => {
    for (const n of ns) for (const nsp of ['/chat', '/agents']) await until(async () => (await n.http.io.of(nsp).adapter.serverCount()) === ns.length, 5_000, `${n.name}${nsp} to see ${ns.length} nodes`);
  };

  const client = async (n: Node, namespace = '/chat', auth: Record<string, unknown> = {}) => {
    const c = await connect(n.url, namespace, auth);
    clients.push(c);
    if (namespace === '/chat') await c.waitFor((e) => e.event === 'session');
    return c;
  };

  const agent = async (store: Store, name: string) => {
    const a = await store.agents.create({ name, email: `${name.toLowerCase()}@example.com`, password: 'pw-123456' });
    return { id: a.id, token: (await store.agents.createSession(a.id)).token };
  };

  it('a message sent to a conversation on node A reaches its customer connected to node B', async () => {
    const [a, b] = [await node('A'), await node('B')];
    await acquainted(a, b);
    const customer = await client(b);
    expect((await customer.send({ text: 'hello' })).ok).toBe(true);
    const conversationId = await conversationOf(customer);
    await customer.waitFor((e) => e.event === 'message' && e.data.text === 'echo from B: hello');
    // The desk on node A (an agent's message, a queue notice) writes to that conversation.
    await a.gateway.sendToConversation(conversationId, { type: 'message', text: 'written on A' });
    await customer.waitFor((e) => e.event === 'message' && e.data.text === 'written on A', { timeoutMs: 3_000 });
  });

  it("one conversation's turns run one at a time across nodes, in the order the messages were stored", async () => {
    const [a, b] = [await node('A', { delayMs: 60 }), await node('B', { delayMs: 60 })];
    const first = await a.gateway.receive({ channel: 'web', externalId: 'shopper-1', text: 'a0' });
    await first.done;
    turns.length = 0;
    // Messages of one customer arrive on both nodes at once (a web tab on A, a second tab on B).
    const received = await Promise.all(['a1', 'b1', 'a2', 'b2', 'a3', 'b3'].map((text) => (text.startsWith('a') ? a : b).gateway.receive({ channel: 'web', externalId: 'shopper-1', text })));
    await Promise.all(received.map((r) => r.done));
    expect(new Set(received.map((r) => r.conversationId))).toEqual(new Set([first.conversationId]));
    // Never two turns at once: each start is followed by its own end.
    expect(turns).toHaveLength(12);
    for (let i = 0; i < turns.length; i += 2) expect(turns[i + 1]).toBe(turns[i]!.replace('start:', 'end:'));
    // In the order stored (seq), whichever node took each message in.
    const bySeq = [...received].sort((x, y) => x.seq - y.seq).map((r) => r.seq);
    const transcript = await a.store.conversations.transcript(first.conversationId, { limit: 100 });
    const text = new Map(transcript.map((m) => [m.seq, m.text]));
    expect(turns.filter((t) => t.startsWith('start:')).map((t) => t.slice(6))).toEqual(bySeq.map((s) => text.get(s)));
    // Each answered once, and nothing is owed any more.
    const replies = transcript.filter((m) => m.role === 'bot').map((m) => (m.payload as { replyTo?: number }).replyTo);
    expect(replies.sort((x, y) => x! - y!)).toEqual([transcript.find((m) => m.text === 'a0')!.seq, ...bySeq]);
    expect(await a.store.pendingTurns.list()).toEqual([]);
  });

  it("a new customer's first messages on two nodes at once open one conversation", async () => {
    const [a, b] = [await node('A'), await node('B')];
    for (let k = 0; k < 8; k++) {
      const received = await Promise.all([a, b].map((n, i) => n.gateway.receive({ channel: 'web', externalId: `newcomer-${k}`, text: `hi ${i}` })));
      await Promise.all(received.map((r) => r.done));
      expect(new Set(received.map((r) => r.customerId)).size).toBe(1);
      expect(new Set(received.map((r) => r.conversationId)).size).toBe(1);
    }
  });

  it('a turn owed by a node that died is answered once by another node', async () => {
    const [a, b] = [await node('A'), await node('B')];
    a.bot.gate = new Promise(() => {}); // A's turns never finish: it "dies" in the middle of one
    const r = await a.gateway.receive({ channel: 'web', externalId: 'shopper-2', text: 'are you there?' });
    await until(() => turns.includes('start:are you there?'));
    // While A lives, its conversation is its own.
    expect((await b.gateway.resumePending({ olderThanMs: 0 })).resumed).toBe(0);
    // A dies: its session ends and PostgreSQL frees its locks (its half-run turn never replies).
    await a.cluster.close();
    const resumed = await b.gateway.resumePending({ olderThanMs: 0 });
    expect(resumed.resumed).toBe(1);
    await resumed.done;
    expect((await b.gateway.resumePending({ olderThanMs: 0 })).resumed).toBe(0);
    const replies = (await b.store.conversations.transcript(r.conversationId)).filter((m) => m.role === 'bot');
    expect(replies.map((m) => m.text)).toEqual(['echo from B: are you there?']);
    expect(await b.store.pendingTurns.list()).toEqual([]);
  });

  it("agents' presence counts consoles on every node", async () => {
    const [a, b] = [await node('A'), await node('B')];
    await acquainted(a, b);
    const ravi = await agent(a.store, 'Ravi');
    const meera = await agent(a.store, 'Meera');
    await client(a, '/agents', { token: ravi.token });
    const onB = await client(b, '/agents', { token: meera.token });
    for (const n of [a, b]) await until(() => n.handoff.onlineAgentIds().size === 2, 3_000, `${n.name} to see both agents`);
    expect(a.handoff.onlineAgentIds()).toEqual(new Set([ravi.id, meera.id]));
    expect(a.handoff.agentsOnline()).toBe(2);
    onB.close();
    await until(() => a.handoff.agentsOnline() === 1, 3_000, 'A to see Meera leave');
    expect(a.handoff.onlineAgentIds()).toEqual(new Set([ravi.id]));
  });

  it('assignment rounds on two nodes at once give each waiting chat to one agent, within the caps', async () => {
    const assignment = { mode: 'auto' as const, maxChats: 1, replyTimeoutMs: 0 };
    const [a, b] = [await node('A', { assignment }), await node('B', { assignment })];
    await acquainted(a, b);
    const ravi = await agent(a.store, 'Ravi');
    const meera = await agent(a.store, 'Meera');
    const atA = await client(a, '/agents', { token: ravi.token });
    const atB = await client(b, '/agents', { token: meera.token });
    for (const n of [a, b]) await until(() => n.handoff.onlineAgentIds().size === 2, 3_000, `${n.name} to see both agents`);
    // Whatever the connections scheduled has run; now three chats wait.
    await sleep(300);
    const tickets = [];
    for (let i = 0; i < 3; i++) {
      const customer = await a.store.customers.create({ name: `Customer ${i}` });
      const conversation = await a.store.conversations.create({ customerId: customer.id, channel: 'web' });
      tickets.push(await a.store.tickets.create({ conversationId: conversation.id, reason: 'customer asked' }));
    }
    // Both nodes run a round at the same moment (as two sweeps would without a leader).
    await Promise.all([a.handoff.assigner.run(), b.handoff.assigner.run()]);
    const after = await Promise.all(tickets.map((t) => a.store.tickets.get(t.id)));
    const assigned = after.filter((t) => t!.status === 'assigned');
    expect(assigned).toHaveLength(2);
    expect(new Set(assigned.map((t) => t!.agentId))).toEqual(new Set([ravi.id, meera.id]));
    await sleep(300);
    const told = [...atA.events, ...atB.events].filter((e) => e.event === 'chat_assigned');
    expect(told).toHaveLength(2);
    expect(new Set(told.map((e) => e.data.ticketId))).toEqual(new Set(assigned.map((t) => t!.id)));
  });

  it('a chat queued on one node shows in the consoles of every node once; its customer hears the position from one node', async () => {
    const [a, b] = [await node('A'), await node('B')];
    await acquainted(a, b);
    expect([a.cluster.leader.isLeader(), b.cluster.leader.isLeader()]).toEqual([true, false]);
    const ravi = await agent(a.store, 'Ravi');
    const meera = await agent(a.store, 'Meera');
    const atA = await client(a, '/agents', { token: ravi.token });
    const atB = await client(b, '/agents', { token: meera.token });
    for (const n of [a, b]) await until(() => n.handoff.agentsOnline() === 2, 3_000, `${n.name} to see both agents`);
    // Two customers chat on B; the turns that ask for a person run on B (the bot tells them their place).
    const queued: { customer: ChatClient; conversationId: string }[] = [];
    for (const position of [1, 2]) {
      const customer = await client(b);
      await customer.send({ text: 'I want a person' });
      const conversationId = await conversationOf(customer);
      const { customerId } = (await b.store.conversations.get(conversationId))!;
      expect(await b.handoff.request({ conversationId, customerId: customerId!, reason: 'asked', skill: 'general', priority: 1 })).toMatchObject({ status: 'pending', position });
      queued.push({ customer, conversationId });
    }
    for (const c of [atA, atB]) for (const q of queued) await c.waitFor((e) => e.event === 'queue_add' && e.data.conversationId === q.conversationId, { timeoutMs: 3_000 });
    await sleep(1_200); // two queue flush windows: nothing more comes
    for (const c of [atA, atB]) expect(c.events.filter((e) => e.event === 'queue_add')).toHaveLength(2);
    // The desk does not repeat the place the bot gave.
    expect(queued[1]!.customer.events.filter((e) => e.event === 'handoff')).toEqual([]);
    // The first leaves the queue on A: the second moves up, and hears it once (from the leader), not once per node.
    await a.handoff.cancel(queued[0]!.conversationId);
    await queued[1]!.customer.waitFor((e) => e.event === 'handoff' && e.data.position === 1, { timeoutMs: 3_000 });
    for (const c of [atA, atB]) await c.waitFor((e) => e.event === 'queue_remove', { timeoutMs: 3_000 });
    await sleep(1_200);
    expect(queued[1]!.customer.events.filter((e) => e.event === 'handoff')).toEqual([{ event: 'handoff', data: { status: 'pending', position: 1 } }]);
  });

  it('a node that does not lead asks the leader for an assignment round', async () => {
    const assignment = { mode: 'auto' as const, maxChats: 2, replyTimeoutMs: 0 };
    const [a, b] = [await node('A', { assignment }), await node('B', { assignment })];
    await acquainted(a, b);
    const meera = await agent(a.store, 'Meera');
    const atB = await client(b, '/agents', { token: meera.token });
    await until(() => a.handoff.agentsOnline() === 1, 3_000, 'A to see Meera');
    const customer = await b.store.customers.create({ name: 'Waiting customer' });
    const conversation = await b.store.conversations.create({ customerId: customer.id, channel: 'web' });
    const ticket = await b.store.tickets.create({ conversationId: conversation.id, reason: 'customer asked' });
    b.handoff.assigner.schedule(); // B does not lead: A runs the round
    const told = await atB.waitFor((e) => e.event === 'chat_assigned', { timeoutMs: 3_000 });
    expect(told.data).toMatchObject({ ticketId: ticket.id, by: 'auto' });
    expect((await a.store.tickets.get(ticket.id))!.agentId).toBe(meera.id);
  });

  it('an answer approved on node A is found by node B within a second; removed there too', async () => {
    const [a, b] = [await node('A'), await node('B')];
    dir = mkdtempSync(join(tmpdir(), 'shopbot-cluster-faq-'));
    const open = (n: Node) => FaqIndex.open({ dbPath: join(dir!, `${n.name}.db`), indexPath: join(dir!, `${n.name}.hnsw`), sql: n.sql, encoder: fakeEncoder, autosaveMs: 0, log: () => {} });
    const [fa, fb] = [await open(a), await open(b)];
    cleanups.push(() => fa.close(), () => fb.close());
    cleanups.push(keepInStep(a.cluster.bus, { faq: fa, log: () => {} }), keepInStep(b.cluster.bus, { faq: fb, log: () => {} }));
    const question = 'can I return sandals after a month';
    // As desk/learned-answers.ts stores an approved answer (app/wiring.ts answerIndex).
    const { labels } = await fa.add([{ key: 'learned:7:1', question, answer: 'Yes, within 45 days.', group: 'learned:7', intent: null, sources: ['learned:7'], ts: new Date().toISOString() }]);
    const t0 = Date.now();
    await until(() => fb.search(embed(question), 1)[0]?.unit.answer === 'Yes, within 45 days.', 1_000, 'B to find the approved answer');
    expect(Date.now() - t0).toBeLessThan(1_000);
    expect(fb.size).toBe(fa.size);
    await fa.remove(labels[0]!);
    await until(() => fb.unit(labels[0]!) === undefined, 1_000, 'B to drop the removed answer');
    expect(fb.search(embed(question), 1)[0]?.label).not.toBe(labels[0]);
  });

  it("a behavioural event recorded on node A shows in node B's recommender", async () => {
    const [a, b] = [await node('A'), await node('B')];
    const items = [
      { id: 'P1', title: 'Trail running shoes', category: 'Sports > Shoes', price: 3000, stock: 5 },
      { id: 'P2', title: 'Running socks', category: 'Sports > Socks', price: 300, stock: 50 },
      { id: 'P3', title: 'Water bottle', category: 'Sports > Bottles', price: 500, stock: 20 },
    ];
    const recommender = () => Recommender.create({ catalog: new MemoryCatalog(items), events: new MemoryEvents(), silent: true });
    const [ra, rb] = [await recommender(), await recommender()];
    cleanups.push(keepInStep(a.cluster.bus, { recommender: ra, log: () => {} }), keepInStep(b.cluster.bus, { recommender: rb, log: () => {} }));
    expect(rb.related('P1', { kind: 'bought_together' })).toEqual([]);
    const ts = Date.now();
    await ra.recordEvents([
      { customerId: 'C9', productId: 'P1', type: 'purchase', ts, basket: 'O-1' },
      { customerId: 'C9', productId: 'P2', type: 'purchase', ts, basket: 'O-1' },
    ]);
    expect(ra.related('P1', { kind: 'bought_together' }).map((r) => r.productId)).toEqual(['P2']);
    await until(() => rb.related('P1', { kind: 'bought_together' }).length > 0, 1_000, "B's recommender to learn the basket");
    expect(rb.related('P1', { kind: 'bought_together' }).map((r) => r.productId)).toEqual(['P2']);
  });

  it("a catalogue change applied on node A makes node B apply the catalogue's changes", async () => {
    const [a, b] = [await node('A'), await node('B')];
    let synced = 0;
    const catalog = { sync: async () => void synced++ } as unknown as CatalogSync;
    cleanups.push(keepInStep(b.cluster.bus, { catalog, log: () => {} }));
    // What app/main.ts passes mountAdminApi as onCatalogChanged.
    await a.cluster.bus.publish('catalog', {});
    await until(() => synced === 1, 1_000, 'B to sync its catalogue');
  });
});
