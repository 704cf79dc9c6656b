// The web channel's `identify` and `reset` events with real sockets on 127.0.0.1 and a real SQLite
// file, and an echo bot in place of ShopBot (no models): a verified identity attaches the browser's
// chat (guest merged, tokens rotated), forged and expired ones are refused and change nothing, and
// reset() revokes the browser's session and tells its other tabs.
import { SignJWT } from 'jose';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import { openStore, type SqliteStore } from '../store/index.js';
import { ChannelAdapter } from './channel-adapter.js';
import { Gateway } from './gateway.js';
import { createHttpApp, type HttpApp } from '../app/server.js';
import { connect, conversationOf, sessionOf, type ChatClient } from '../testing/test-client.js';
import { attachWebChannel } from './web.js';
import { IDENTITY_TEXTS, IdentityVerifier } from './web-identity.js';
import { EchoBot } from '../testing/echo-bot.js';

const SECRET = 'store-identity-secret-0123456789abcdef';

const sign = (sub: string, opts: { secret?: string; ageS?: number; ttlS?: number; email?: string; name?: string } = {}) => {
  const iat = Math.floor(Date.now() / 1000) - (opts.ageS ?? 0);
  return new SignJWT({ ...(opts.email ? { email: opts.email } : {}), ...(opts.name ? { name: opts.name } : {}) })
    .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
    .setSubject(sub)
    .setIssuedAt(iat)
    .setExpirationTime(iat + (opts.ttlS ?? 300))
    .sign(new TextEncoder().encode(opts.secret ?? SECRET));
};

describe('web channel: signed shopper identity', () => {
  let dir: string;
  let app: HttpApp;
  let url: string;
  let store: SqliteStore;
  const logs: string[] = [];
  const clients: ChatClient[] = [];

  const start = async (withIdentity = true) => {
    store = openStore(join(dir, 'shop.db'));
    const gateway = new Gateway(store, new ChannelAdapter(), new EchoBot(), { log: () => {} });
    app = createHttpApp({ log: () => {} });
    attachWebChannel(app.io, { gateway, store, signer: new TokenSigner(Buffer.from('web-channel-test-secret-0123456789')), log: (l) => logs.push(l), ...(withIdentity ? { identity: new IdentityVerifier(SECRET) } : {}) });
    url = `http://127.0.0.1:${(await app.listen(0, '127.0.0.1')).port}`;
  };
  const client = async (auth: Record<string, unknown> = {}): Promise<ChatClient> => {
    const c = await connect(url, '/chat', auth);
    clients.push(c);
    await c.waitFor((e) => e.event === 'session');
    return c;
  };
  const customers = () => (store.db.prepare('SELECT count(*) AS n FROM customers').get() as { n: number }).n;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'shopbot-web-identity-'));
    logs.length = 0;
  });
  afterEach(async () => {
    for (const c of clients.splice(0)) c.close();
    await app.close();
    store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('attaches the chat to the store customer, merging the guest chat and rotating the session token', async () => {
    await start();
    await store.customers.create({ id: 'C-77', name: 'Asha Rao', email: 'asha@example.org' });
    const tab = await client();
    expect((await tab.send({ text: 'hello as a guest' })).ok).toBe(true);
    const conversationId = await conversationOf(tab);
    const guestToken = sessionOf(tab).token;
    const guestId = sessionOf(tab).customerId;
    expect(sessionOf(tab).identified).toBe(false);
    const otherTab = await client({ token: guestToken });

    const from = tab.events.length;
    expect(await tab.emit('identify', { token: await sign('C-77', { email: 'asha@example.org', name: 'Asha' }) })).toEqual({ ok: true, customerId: 'C-77' });
    const session = (await tab.waitFor((e) => e.event === 'session', { from })).data;
    expect(session).toMatchObject({ customerId: 'C-77', conversationId, identified: true });
    expect(session.token).not.toBe(guestToken);
    // The other tab of the browser follows with the same new token.
    await otherTab.waitFor((e) => e.event === 'session' && e.data.customerId === 'C-77');
    expect(await store.customers.get(String(guestId))).toBeUndefined();
    expect((await store.conversations.get(conversationId))?.customerId).toBe('C-77');
    expect((await store.conversations.transcript(conversationId)).map((m) => m.text)).toContain('hello as a guest');
    expect(logs.some((l) => /customer C-77 attached, guest chat merged/.test(l))).toBe(true);

    // The new token resumes the customer; the guest token from before signing in no longer does.
    expect(sessionOf(await client({ token: session.token })).customerId).toBe('C-77');
    const stale = await client({ token: guestToken });
    expect(sessionOf(stale).customerId).toBeNull();
  });

  it('refuses forged, expired and malformed identities with a message, and attaches nothing', async () => {
    await start();
    await store.customers.create({ id: 'C-77', name: 'Asha Rao', email: 'asha@example.org' });
    const tab = await client();
    await tab.send({ text: 'hi' });
    const before = sessionOf(tab);
    const n = customers();
    const forged = await tab.emit('identify', { token: await sign('C-77', { secret: 'not-the-store-secret-0123456789abcdef' }) });
    expect(forged).toEqual({ ok: false, code: 'identity_invalid', message: IDENTITY_TEXTS.invalid });
    const expired = await tab.emit('identify', { token: await sign('C-77', { ageS: 3600, ttlS: 300 }) });
    expect(expired).toEqual({ ok: false, code: 'identity_expired', message: IDENTITY_TEXTS.expired });
    for (const token of [undefined, 42, 'x.y.z', '<img src=x onerror=alert(1)>']) expect(await tab.emit('identify', { token })).toMatchObject({ ok: false, code: 'identity_invalid' });
    expect(await tab.emit('identify', null)).toMatchObject({ ok: false, code: 'identity_invalid' });
    expect(customers()).toBe(n);
    expect(await store.customers.identities('C-77')).toEqual([]);
    expect(sessionOf(tab).customerId).toBe(before.customerId);
    expect(tab.socket.connected).toBe(true);
    expect(logs.filter((l) => /identity refused/.test(l)).length).toBe(7);
  });

  it('with no secret configured, identify is refused as off', async () => {
    await start(false);
    const tab = await client();
    expect(await tab.emit('identify', { token: await sign('C-77') })).toEqual({ ok: false, code: 'identity_off', message: IDENTITY_TEXTS.off });
  });

  it("reset revokes the browser's session and tells its other tabs", async () => {
    await start();
    const tab = await client();
    expect(await tab.emit('identify', { token: await sign('C-NEW', { name: 'Nia' }) })).toMatchObject({ ok: true, customerId: 'C-NEW' });
    const session = await tab.waitFor((e) => e.event === 'session' && e.data.customerId === 'C-NEW');
    const token = String(session.data.token);
    const otherTab = await client({ token });
    expect(sessionOf(otherTab).customerId).toBe('C-NEW');
    expect(await tab.emit('reset', {})).toEqual({ ok: true });
    await otherTab.waitFor((e) => e.event === 'reset');
    const after = await client({ token });
    expect(sessionOf(after).customerId).toBeNull();
    expect(sessionOf(after).identified).toBe(false);
  });
});
