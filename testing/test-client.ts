import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join, resolve } from 'node:path';
import { io, type Socket } from 'socket.io-client';

// Test helpers: a real socket.io client that records every event, and a local fake of Meta's Graph
// Send API (the one external edge the tests stand in for).

export interface Recorded {
  event: string;
  data: Record<string, unknown>;
}

export interface ChatClient {
  socket: Socket;
  events: Recorded[];
  /** Resolves with the first recorded event (past or future) matching, after index `from`. */
  waitFor(pred: (e: Recorded) => boolean, opts?: { from?: number; timeoutMs?: number }): Promise<Recorded>;
  send(payload: { text?: string; value?: string }): Promise<Record<string, unknown>>;
  emit(event: string, payload: unknown): Promise<Record<string, unknown>>;
  close(): void;
}

export function connect(url: string, namespace: string, auth: Record<string, unknown> = {}): Promise<ChatClient> {
  const socket = io(`${url}${namespace}`, { transports: ['websocket'], auth, reconnection: false, forceNew: true });
  const events: Recorded[] = [];
  const waiters: { pred: (e: Recorded) => boolean; from: number; resolve: (e: Recorded) => void }[] = [];
  socket.onAny((event: string, data: unknown) => {
    const rec = { event, data: (data ?? {}) as Record<string, unknown> };
    events.push(rec);
    for (const w of [...waiters]) {
      if (events.length - 1 >= w.from && w.pred(rec)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(rec);
      }
    }
  });
  const client: ChatClient = {
    socket,
    events,
    waitFor(pred, opts = {}) {
      const from = opts.from ?? 0;
      const found = events.slice(from).find(pred);
      if (found) return Promise.resolve(found);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting; got: ${JSON.stringify(events.slice(from)).slice(0, 1500)}`)), opts.timeoutMs ?? 20_000);
        waiters.push({ pred, from, resolve: (e) => (clearTimeout(timer), resolve(e)) });
      });
    },
    send(payload) {
      return client.emit('message', payload);
    },
    emit(event, payload) {
      return socket.timeout(20_000).emitWithAck(event, payload) as Promise<Record<string, unknown>>;
    },
    close() {
      socket.close();
    },
  };
  return new Promise((resolve, reject) => {
    socket.once('connect', () => resolve(client));
    socket.once('connect_error', (err) => reject(err));
  });
}

/** The client's newest session (a guest's first message brings one that names the conversation). */
export function sessionOf(c: ChatClient): { token: string; customerId: string | null; conversationId: string | null; handoff?: string } & Record<string, unknown> {
  const s = [...c.events].reverse().find((e) => e.event === 'session');
  if (!s) throw new Error('no session event yet');
  return s.data as ReturnType<typeof sessionOf>;
}

/** The conversation id of a client that has written at least once (waits for its session). */
export async function conversationOf(c: ChatClient): Promise<string> {
  const s = await c.waitFor((e) => e.event === 'session' && typeof e.data.conversationId === 'string');
  return String([...c.events].reverse().find((e) => e.event === 'session' && typeof e.data.conversationId === 'string')?.data.conversationId ?? s.data.conversationId);
}

/** Bot messages (role bot/agent) recorded after index `from`. */
export function botTexts(c: ChatClient, from = 0): string[] {
  return c.events.slice(from).filter((e) => e.event === 'message' && e.data.role !== 'customer').map((e) => String(e.data.text));
}

export interface FakeGraph {
  url: string;
  received: { query: string; body: Record<string, unknown> }[];
  /**
   * Scripts Meta's answer to a request (a 500, a Graph error...); undefined or no script: 200 with a
   * fresh message id. Failed requests are recorded in `received` too.
   */
  respond: ((body: Record<string, unknown>) => { status: number; body: unknown } | undefined) | null;
  /** User profiles by PSID, answered to `GET /<psid>?fields=...`; an unknown PSID gets Graph's error. */
  profiles: Map<string, Record<string, unknown>>;
  /** The PSIDs whose profile was asked for, in order. */
  profileRequests: string[];
  close(): Promise<void>;
}

/** A local stand-in for graph.facebook.com's Send API: records each message it is sent. */
export async function fakeGraph(): Promise<FakeGraph> {
  const received: FakeGraph['received'] = [];
  let n = 0;
  const graph: FakeGraph = { url: '', received, respond: null, profiles: new Map(), profileRequests: [], close: async () => {} };
  const server: Server = createServer((req, res) => {
    if (req.method === 'GET') {
      const psid = decodeURIComponent(new URL(req.url ?? '/', 'http://graph').pathname.split('/').pop() ?? '');
      graph.profileRequests.push(psid);
      const profile = graph.profiles.get(psid);
      res.writeHead(profile ? 200 : 400, { 'content-type': 'application/json' });
      res.end(JSON.stringify(profile ? { id: psid, ...profile } : { error: { message: '(#100) The user profile is not available', type: 'OAuthException', code: 100 } }));
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> | undefined;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
        received.push({ query: req.url ?? '', body });
      } catch {
        // recorded nothing: the test will notice
      }
      const scripted = body && graph.respond ? graph.respond(body) : undefined;
      res.writeHead(scripted?.status ?? 200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(scripted ? scripted.body : { recipient_id: '1', message_id: `m_fake_${++n}` }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  graph.url = `http://127.0.0.1:${port}/v21.0`;
  graph.close = () => new Promise((r) => server.close(() => r()));
  return graph;
}

/** POSTs a Messenger webhook body to the server signed with the app secret, as Meta sends it. */
export function postSignedWebhook(baseUrl: string, body: unknown, appSecret: string): Promise<Response> {
  const raw = JSON.stringify(body);
  const signature = 'sha256=' + createHmac('sha256', appSecret).update(raw).digest('hex');
  return fetch(`${baseUrl}/webhooks/messenger`, { method: 'POST', body: raw, headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature } });
}

const FIXTURES = resolve(import.meta.dirname, '../fixtures/store');

/** Rows of a store fixture file (fixtures/store/*.jsonl), to pick seeded customers and orders. */
export function fixtureRows<T>(file: string): T[] {
  return readFileSync(join(FIXTURES, file), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);
}
