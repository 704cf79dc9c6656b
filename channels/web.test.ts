import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { io as ioClient } from 'socket.io-client';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import { openStore, type SqliteStore } from '../store/index.js';
import { ChannelAdapter } from './channel-adapter.js';
import { Gateway } from './gateway.js';
import { createHttpApp, type HttpApp } from '../app/server.js';
import { connect, conversationOf, sessionOf, type ChatClient } from '../testing/test-client.js';
import { attachWebChannel, type WebChannelOptions } from './web.js';
import { EchoBot } from '../testing/echo-bot.js';

// The web channel and the gateway with real sockets on 127.0.0.1 and a real SQLite file, and a
// small echo bot in place of ShopBot (no models): sessions, guests, per-IP limits, token revocation,
// hand-off state on reconnect, and turns owed after a crash.

/** Echoes each message; while `gate` is set, turns wait for it (a turn "running" at a crash). */
interface Harness {
  app: HttpApp;
  url: string;
  store: SqliteStore;
  gateway: Gateway;
  bot: EchoBot;
}

describe('web channel', () => {
  let dir: string;
  let signer: TokenSigner;
  const open: Harness[] = [];
  const clients: ChatClient[] = [];

  const start = async (opts: Partial<WebChannelOptions> = {}, dbFile = 'shop.db'): Promise<Harness> => {
    const store = openStore(join(dir, dbFile));
    const bot = new EchoBot();
    const gateway = new Gateway(store, new ChannelAdapter(), bot, { log: () => {} });
    const app = createHttpApp({ log: () => {} });
    attachWebChannel(app.io, { gateway, store, signer, log: () => {}, ...opts });
    const address = await app.listen(0, '127.0.0.1');
    const h = { app, url: `http://127.0.0.1:${address.port}`, store, gateway, bot };
    open.push(h);
    return h;
  };
  const stop = async (h: Harness) => {
    open.splice(open.indexOf(h), 1);
    await h.app.close();
    h.store.close();
  };
  const client = async (h: Harness, auth: Record<string, unknown> = {}): Promise<ChatClient> => {
    const c = await connect(h.url, '/chat', auth);
    clients.push(c);
    await c.waitFor((e) => e.event === 'session');
    return c;
  };
  const count = (store: SqliteStore, table: string) => (store.db.prepare(`SELECT count(*) AS n FROM ${table}`).get() as { n: number }).n;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shopbot-web-'));
    signer = new TokenSigner(Buffer.from('web-channel-test-secret-0123456789'));
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    for (const h of [...open]) await stop(h);
    rmSync(dir, { recursive: true, force: true });
  });

  it('creates nothing for bare connections; a guest exists from their first message', async () => {
    const h = await start({ ipLimits: { connectionsPerMinute: 1000, messagesPer10s: 1000 } });
    const before = [count(h.store, 'customers'), count(h.store, 'channel_identities'), count(h.store, 'conversations')];
    const bare = await Promise.all(Array.from({ length: 60 }, () => client(h)));
    expect([count(h.store, 'customers'), count(h.store, 'channel_identities'), count(h.store, 'conversations')]).toEqual(before);
    expect(sessionOf(bare[0]!).conversationId).toBeNull();

    const c = bare[0]!;
    expect((await c.send({ text: 'hello' })).ok).toBe(true);
    const conversationId = await conversationOf(c);
    await c.waitFor((e) => e.event === 'message' && e.data.text === 'echo: hello');
    expect(count(h.store, 'customers')).toBe(before[0]! + 1);
    expect((await h.store.conversations.transcript(conversationId)).map((m) => m.text)).toEqual(['hello', 'echo: hello']);
    // Reconnecting with the token finds the same guest and conversation.
    const again = await client(h, { token: sessionOf(c).token, afterSeq: 0 });
    expect(sessionOf(again).conversationId).toBe(conversationId);
    expect(again.events.filter((e) => e.event === 'message').map((e) => e.data.text)).toEqual(['hello', 'echo: hello']);
  });

  it('limits connections and messages per IP, however many sockets are opened', async () => {
    const h = await start({ ipLimits: { connectionsPerMinute: 5, messagesPer10s: 6 } });
    const ok = await Promise.all(Array.from({ length: 5 }, () => client(h)));
    await expect(connect(h.url, '/chat')).rejects.toThrow(/rate_limited/);
    // Six messages from five sockets of one IP pass, the seventh is refused with a clear code.
    const acks = [];
    for (let i = 0; i < 7; i++) acks.push(await ok[i % 5]!.send({ text: `m${i}` }));
    expect(acks.slice(0, 6).every((a) => a.ok === true)).toBe(true);
    expect(acks[6]).toMatchObject({ ok: false, code: 'rate_limited' });
  });

  it('believes X-Forwarded-For only from a trusted proxy', async () => {
    const viaProxy = async (h: Harness, ip: string) =>
      new Promise<boolean>((resolve) => {
        const s = ioClient(`${h.url}/chat`, { transports: ['websocket'], forceNew: true, reconnection: false, extraHeaders: { 'x-forwarded-for': ip } });
        s.once('connect', () => (s.close(), resolve(true)));
        s.once('connect_error', () => (s.close(), resolve(false)));
      });
    const untrusted = await start({ ipLimits: { connectionsPerMinute: 2, messagesPer10s: 10 } }, 'a.db');
    // Spoofed addresses do not buy more connections.
    expect([await viaProxy(untrusted, '10.0.0.1'), await viaProxy(untrusted, '10.0.0.2'), await viaProxy(untrusted, '10.0.0.3')]).toEqual([true, true, false]);
    const trusted = await start({ ipLimits: { connectionsPerMinute: 2, messagesPer10s: 10 }, trustedProxies: ['loopback'] }, 'b.db');
    // Behind a trusted proxy each client address has its own allowance.
    expect([await viaProxy(trusted, '10.0.0.1'), await viaProxy(trusted, '10.0.0.1'), await viaProxy(trusted, '10.0.0.1'), await viaProxy(trusted, '10.0.0.2')]).toEqual([true, true, false, true]);
  });

  it('revokes older tokens once a newer one is issued and the grace period is over', async () => {
    const h = await start({ ipLimits: { connectionsPerMinute: 1000, messagesPer10s: 1000 } });
    const c = await client(h);
    await c.send({ text: 'hi' });
    const conversationId = await conversationOf(c);
    // The first message issued a stored token generation; the guest-time token is the older one.
    const guestToken = c.events.find((e) => e.event === 'session')!.data.token;
    const current = sessionOf(c).token;
    expect(current).not.toBe(guestToken);
    // Within the grace period the older token still resumes (a tab that has not seen the new one).
    expect(sessionOf(await client(h, { token: guestToken })).conversationId).toBe(conversationId);
    // After it, the older token starts a new guest; the current one keeps working.
    const gen = (await h.store.state.get<{ gen: number; previousUntil: number }>(`webtoken:${signer.verify(current)!.sub}`))!.value;
    await h.store.state.put(`webtoken:${signer.verify(current)!.sub}`, { ...gen, previousUntil: Date.now() - 1 });
    expect(sessionOf(await client(h, { token: guestToken })).conversationId).toBeNull();
    expect(sessionOf(await client(h, { token: current })).conversationId).toBe(conversationId);
  });

  it('sends the hand-off state with the session after a reload or restart', async () => {
    let h = await start({ ipLimits: { connectionsPerMinute: 1000, messagesPer10s: 1000 } });
    const c = await client(h);
    await c.send({ text: 'agent please' });
    const conversationId = await conversationOf(c);
    await h.store.tickets.create({ conversationId, reason: 'customer asked' });
    const token = sessionOf(c).token;
    await stop(h);
    h = await start({ ipLimits: { connectionsPerMinute: 1000, messagesPer10s: 1000 } });
    const again = await client(h, { token });
    expect(sessionOf(again)).toMatchObject({ conversationId, handoff: 'pending' });
    await again.waitFor((e) => e.event === 'handoff' && e.data.status === 'pending' && e.data.position === 1);
  });

  it('answers, after a restart, every message acknowledged before the crash, once', async () => {
    let h = await start({ ipLimits: { connectionsPerMinute: 1000, messagesPer10s: 1000 } });
    let release!: () => void;
    h.bot.gate = new Promise((r) => (release = r));
    const c = await client(h);
    const acks = [];
    for (const text of ['one', 'two', 'three']) acks.push(await c.send({ text }));
    expect(acks.every((a) => a.ok)).toBe(true);
    const conversationId = await conversationOf(c);
    expect(await h.store.pendingTurns.list()).toHaveLength(3);
    // "Crash": the process stops while the turns wait; nothing answered them.
    const token = sessionOf(c).token;
    await stop(h);
    release();
    h = await start({ ipLimits: { connectionsPerMinute: 1000, messagesPer10s: 1000 } });
    const resumed = await h.gateway.resumePending();
    expect(resumed.resumed).toBe(3);
    await resumed.done;
    const texts = (await h.store.conversations.transcript(conversationId)).map((m) => m.text);
    expect(texts).toEqual(['one', 'two', 'three', 'echo: one', 'echo: two', 'echo: three']);
    expect(await h.store.pendingTurns.list()).toHaveLength(0);
    // A second start finds nothing owed: each message was answered exactly once.
    expect((await h.gateway.resumePending()).resumed).toBe(0);
    const again = await client(h, { token, afterSeq: 3 });
    expect(again.events.filter((e) => e.event === 'message').map((e) => e.data.text)).toEqual(['echo: one', 'echo: two', 'echo: three']);
  });
});
