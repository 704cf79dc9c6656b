import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SqliteStore, StaffRole } from '../store/index.js';
import type { Running } from '../app/main.js';
import { connect } from '../testing/test-client.js';
import { TestServer } from '../testing/test-server.js';

// Staff sign-in on the real server (issue 13, item 8): JSON-only login, per-account lockout that no
// change of client address lifts, logout that ends the session everywhere, insights for staff only,
// and a /healthz that tells the public nothing but "ok". Requests are sent from different loopback
// addresses (127.0.0.x) so each test has its own per-address login budget, and so the lock is
// shown to follow the e-mail, not the address.

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  json: Record<string, unknown>;
}

const PASSWORD = 'correct horse battery';

describe('staff sign-in, roles and sessions', () => {
  let server: TestServer;
  let running: Running;
  let store: SqliteStore;

  beforeAll(async () => {
    server = await TestServer.start({ prefix: 'shopbot-staff-', env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'staff-auth-secret-0123456789' } });
    ({ running, store } = server);
  }, 1_800_000);

  afterAll(async () => {
    await server?.close();
  });

  /** One HTTP request from loopback address `from` (127.0.0.x). */
  const send = (path: string, opts: { method?: string; body?: string; headers?: Record<string, string>; from?: string } = {}): Promise<Reply> => {
    const u = new URL(running.url);
    return new Promise((resolve, reject) => {
      const body = opts.body === undefined ? undefined : Buffer.from(opts.body);
      const headers = { ...(body ? { 'content-length': String(body.length) } : {}), ...(opts.headers ?? {}) };
      const req = request({ host: u.hostname, port: u.port, path, method: opts.method ?? 'GET', headers, localAddress: opts.from ?? '127.0.0.1' }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: Record<string, unknown> = {};
          try {
            json = JSON.parse(text) as Record<string, unknown>;
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text, json });
        });
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end(body);
    });
  };
  const login = (email: string, password: string, from = '127.0.0.1', headers: Record<string, string> = {}) =>
    send('/api/agents/login', { method: 'POST', body: JSON.stringify({ email, password }), headers: { 'content-type': 'application/json', ...headers }, from });
  const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

  let n = 0;
  /** A fresh staff account (written through the test's own handle on the server's database). */
  const account = async (role: StaffRole): Promise<{ email: string; id: string }> => {
    const email = `staff-${role}-${++n}@example.com`;
    const a = await store.agents.create({ name: `Staff ${n}`, email, password: PASSWORD, role });
    return { email, id: a.id };
  };
  const signIn = async (email: string, from: string): Promise<string> => {
    const r = await login(email, PASSWORD, from);
    expect(r.status, r.body).toBe(200);
    return String(r.json.token);
  };

  it('login takes JSON only: forms, text/plain and bodies without a type are 415, whatever they hold', async () => {
    const a = await account('agent');
    const from = '127.0.0.2';
    const creds = JSON.stringify({ email: a.email, password: PASSWORD });
    const form = `email=${encodeURIComponent(a.email)}&password=${encodeURIComponent(PASSWORD)}`;
    for (const [type, body] of [
      ['application/x-www-form-urlencoded', form],
      ['text/plain', creds],
      ['text/plain;charset=UTF-8', creds],
      ['multipart/form-data; boundary=x', `--x\r\nContent-Disposition: form-data; name="email"\r\n\r\n${a.email}\r\n--x--\r\n`],
      ['application/jsonx', creds],
    ] as const) {
      const r = await send('/api/agents/login', { method: 'POST', body, headers: { 'content-type': type }, from });
      expect(r.status, type).toBe(415);
      expect(r.json.token).toBeUndefined();
    }
    expect((await send('/api/agents/login', { method: 'POST', body: creds, from })).status).toBe(415);
    expect((await send('/api/agents/login', { from })).status).toBe(405);
    // The same credentials as JSON sign in, and the answer names the role.
    const ok = await login(a.email, PASSWORD, from, { 'content-type': 'Application/JSON; charset=utf-8' });
    expect(ok.status).toBe(200);
    expect(ok.json.agent).toMatchObject({ id: a.id, role: 'agent' });
    expect(ok.headers['cache-control']).toBe('no-store');
  });

  it('locks an account after 5 failures whatever address the guesses come from, tells the wait, and a success resets it', async () => {
    const a = await account('agent');
    const b = await account('agent');
    // Five wrong passwords from five addresses, each with its own X-Forwarded-For.
    for (let i = 0; i < 5; i++) {
      const r = await login(a.email, `wrong-${i}`, `127.0.1.${i + 1}`, { 'x-forwarded-for': `203.0.113.${i}` });
      expect(r.status, r.body).toBe(401);
    }
    // Now even the right password, from a sixth address, is refused with the seconds to wait.
    const locked = await login(a.email, PASSWORD, '127.0.1.9');
    expect(locked.status).toBe(429);
    expect(locked.json.retryAfter).toBeGreaterThan(50);
    expect(locked.json.retryAfter).toBeLessThanOrEqual(60);
    expect(locked.headers['retry-after']).toBe(String(locked.json.retryAfter));
    expect(locked.json.token).toBeUndefined();
    // Another account is not affected.
    expect((await login(b.email, PASSWORD, '127.0.1.9')).status).toBe(200);
    // The lock is in the database (it survives a restart): lift it there as if the minute had passed.
    const row = store.db.prepare<[string], { failures: number; locked_until: string }>('SELECT failures, locked_until FROM login_failures WHERE email = ?').get(a.email);
    expect(row?.failures).toBe(5);
    store.db.prepare('UPDATE login_failures SET locked_until = ? WHERE email = ?').run(new Date(Date.now() - 1000).toISOString(), a.email);
    expect((await login(a.email, PASSWORD, '127.0.1.9')).status).toBe(200);
    expect(store.db.prepare('SELECT count(*) FROM login_failures WHERE email = ?').pluck().get(a.email)).toBe(0);
  });

  it('an e-mail without an account locks the same way, so the answers do not tell which e-mails exist', async () => {
    const real = await account('agent');
    const answers = async (email: string, from: string) => {
      const out: [number, unknown][] = [];
      for (let i = 0; i < 6; i++) {
        const r = await login(email, 'wrong', from);
        out.push([r.status, r.json.error]);
      }
      return out;
    };
    const ghost = await answers('nobody-here@example.com', '127.0.2.1');
    const known = await answers(real.email, '127.0.2.2');
    expect(ghost.map(([s]) => s)).toEqual([401, 401, 401, 401, 401, 429]);
    expect(ghost).toEqual(known);
  });

  it('limits attempts per client address (the socket address; X-Forwarded-For does not reset it)', async () => {
    const from = '127.0.3.1';
    for (let i = 0; i < 10; i++) expect((await login(`guess-${i}@example.com`, 'x', from, { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(401);
    const r = await login('guess-10@example.com', 'x', from, { 'x-forwarded-for': '198.51.100.200' });
    expect(r.status).toBe(429);
    expect(r.json.error).toMatch(/address/);
  });

  it('logout revokes the session: its console socket is disconnected, and /agents, insights and logout refuse the old token', async () => {
    const a = await account('admin');
    const from = '127.0.4.1';
    const token = await signIn(a.email, from);
    const other = await signIn(a.email, from); // a second session (another tab) stays signed in
    const console1 = await server.staffClient(token);
    const console2 = await server.staffClient(other);
    expect((await send('/api/insights/products?limit=1', { headers: bearer(token) })).status).toBe(200);
    const dropped = new Promise<string>((resolve) => console1.socket.once('disconnect', (reason) => resolve(reason)));

    expect((await send('/api/agents/logout', { method: 'POST', from })).status).toBe(401);
    expect((await send('/api/agents/logout', { method: 'GET', headers: bearer(token), from })).status).toBe(405);
    const out = await send('/api/agents/logout', { method: 'POST', headers: bearer(token), from });
    expect(out.status).toBe(200);
    expect(await dropped).toBe('io server disconnect');
    expect(console1.events.some((e) => e.event === 'session_ended')).toBe(true);

    expect(await store.agents.verifySession(token)).toBeNull();
    await expect(connect(running.url, '/agents', { token })).rejects.toThrow(/unauthorized/);
    expect((await send('/api/insights/products?limit=1', { headers: bearer(token) })).status).toBe(401);
    expect((await send('/api/insights/export.csv', { headers: bearer(token) })).status).toBe(401);
    expect((await send('/api/agents/logout', { method: 'POST', headers: bearer(token), from })).status).toBe(401);
    // The other session is untouched.
    expect(console2.socket.connected).toBe(true);
    expect(await console2.emit('search_products', { query: 'headphones' })).toMatchObject({ ok: true });
  });

  it('a console socket whose session ended elsewhere is refused at its next event', async () => {
    const a = await account('agent');
    const token = await signIn(a.email, '127.0.5.1');
    const c = await server.staffClient(token);
    expect(await c.emit('search_products', { query: 'kindle' })).toMatchObject({ ok: true });
    await store.agents.revokeSession(token); // e.g. revoked by another server process, or expired
    const dropped = new Promise<void>((resolve) => c.socket.once('disconnect', () => resolve()));
    const answer = c.emit('search_products', { query: 'kindle' }).catch((err: unknown) => err);
    await dropped;
    expect(c.socket.connected).toBe(false);
    void answer; // never answered: the event was not handled
    expect(c.events.some((e) => e.event === 'session_ended')).toBe(true);
  });

  it('product-team accounts sign in and read insights but may not join the chat namespace', async () => {
    const p = await account('product');
    const token = await signIn(p.email, '127.0.6.1');
    await expect(connect(running.url, '/agents', { token })).rejects.toThrow(/forbidden/);
    expect((await send('/api/insights/products?limit=1', { headers: bearer(token) })).status).toBe(200);
    const csv = await send('/api/insights/export.csv', { headers: bearer(token) });
    expect(csv.status).toBe(200);
    expect(csv.headers['content-disposition']).toMatch(/attachment/);
  });

  it('insights need a staff session (401 otherwise); the catalogue stays public', async () => {
    for (const path of ['/api/insights/products', '/api/insights/export.json', '/api/insights/products/x/reviews']) {
      for (const headers of [{}, bearer('forged-token'), { authorization: 'Bearer' }] as Record<string, string>[]) {
        const r = await send(path, { headers });
        expect(r.status, `${path} ${JSON.stringify(headers)}`).toBe(401);
      }
    }
    const a = await account('agent');
    expect((await send('/api/insights/products?limit=1', { headers: bearer(await signIn(a.email, '127.0.7.1')) })).status).toBe(200);
    expect((await send('/api/catalog?q=kindle')).status).toBe(200);
  });

  it('/healthz says only ok; the details are on /api/staff/health for signed-in staff', async () => {
    const h = await send('/healthz');
    expect(h.status).toBe(200);
    expect(h.json).toEqual({ ok: true });
    expect(h.body).not.toMatch(/agent|model|worker|inference|\/tmp|data|restarts/i);
    expect((await send('/api/staff/health')).status).toBe(401);
    const a = await account('agent');
    const detail = await send('/api/staff/health', { headers: bearer(await signIn(a.email, '127.0.8.1')) });
    expect(detail.status).toBe(200);
    expect(detail.json).toMatchObject({ ok: true, agentsOnline: expect.any(Number), models: { inference: 'worker', chatSentiment: 'head', encoderRestarts: 0, sentimentRestarts: 0 } });
  });

  it('an initial password gives a session that can only change it: HTTP 403, the console socket refused, then all works', async () => {
    const email = `new-${++n}@example.com`;
    const a = await store.agents.create({ name: 'New', email, password: 'initial-pass-123', mustChangePassword: true });
    const from = '127.0.9.1';
    const r = await login(email, 'initial-pass-123', from);
    expect(r.status).toBe(200);
    expect(r.json.agent).toMatchObject({ id: a.id, mustChangePassword: true });
    const token = String(r.json.token);
    const health = await send('/api/staff/health', { headers: bearer(token) });
    expect(health.status).toBe(403);
    expect(health.json).toEqual({ error: 'change your password first', mustChangePassword: true });
    expect((await send('/api/insights/products?limit=1', { headers: bearer(token) })).status).toBe(403);
    expect((await send('/api/staff/agents', { headers: bearer(token) })).status).toBe(403);
    await expect(connect(running.url, '/agents', { token })).rejects.toThrow(/password_change_required/);

    const change = (body: unknown, headers: Record<string, string> = { 'content-type': 'application/json', ...bearer(token) }) =>
      send('/api/agents/password', { method: 'POST', body: JSON.stringify(body), headers, from });
    expect((await change({ currentPassword: 'initial-pass-123', newPassword: 'my-own-password' }, { 'content-type': 'application/json' })).status).toBe(401);
    expect((await change({ currentPassword: 'initial-pass-123', newPassword: 'my-own-password' }, { 'content-type': 'text/plain', ...bearer(token) })).status).toBe(415);
    expect((await change({ currentPassword: 'initial-pass-123' })).status).toBe(400);
    const wrong = await change({ currentPassword: 'guess', newPassword: 'my-own-password' });
    expect([wrong.status, wrong.json.error]).toEqual([400, 'the current password is wrong']);
    const short = await change({ currentPassword: 'initial-pass-123', newPassword: 'short' });
    expect([short.status, short.json.error]).toEqual([400, 'the new password needs at least 10 characters']);
    const ok = await change({ currentPassword: 'initial-pass-123', newPassword: 'my-own-password' });
    expect(ok.status, ok.body).toBe(200);
    expect(ok.json.agent).toMatchObject({ mustChangePassword: false });
    // the same session now works everywhere
    expect((await send('/api/staff/health', { headers: bearer(token) })).status).toBe(200);
    const c = await server.staffClient(token);
    expect(await c.emit('search_products', { query: 'kindle' })).toMatchObject({ ok: true });
    expect((await login(email, 'my-own-password', from)).json.agent).toMatchObject({ mustChangePassword: false });
    expect((await login(email, 'initial-pass-123', from)).status).toBe(401);
  });

  it('admins manage agents, teams and VIP customers; other roles get 403, no session 401, and bad input is named', async () => {
    const admin = await account('admin');
    const from = '127.0.10.1';
    const adminToken = await signIn(admin.email, from);
    const agentToken = await signIn((await account('agent')).email, from);
    const productToken = await signIn((await account('product')).email, from);
    const call = (method: string, path: string, token: string | null, body?: unknown) =>
      send(path, { method, ...(body !== undefined ? { body: JSON.stringify(body) } : {}), headers: { ...(body !== undefined ? { 'content-type': 'application/json' } : {}), ...(token ? bearer(token) : {}) }, from });

    expect((await call('GET', '/api/staff/agents', null)).status).toBe(401);
    expect((await call('GET', '/api/staff/agents', agentToken)).status).toBe(403);
    expect((await call('GET', '/api/staff/teams', productToken)).status).toBe(403);
    expect((await call('POST', '/api/staff/vip', agentToken, { customer: 'x', vip: true })).status).toBe(403);

    // a new agent: generated password, to be changed at first sign-in
    const email = `mei-${++n}@example.com`;
    const created = await call('POST', '/api/staff/agents', adminToken, { name: 'Mei <b>', email, role: 'agent', skills: 'orders, payments', maxChats: 2 });
    expect(created.status, created.body).toBe(201);
    expect(created.json.agent).toMatchObject({ name: 'Mei <b>', email, role: 'agent', skills: ['orders', 'payments'], mustChangePassword: true, maxChats: 2, openChats: 0, online: false, active: true });
    const mei = created.json.agent as { id: string };
    const first = await login(email, String(created.json.initialPassword), '127.0.10.2');
    expect(first.json.agent).toMatchObject({ mustChangePassword: true });

    expect((await call('POST', '/api/staff/agents', adminToken, { name: 'X', email })).status).toBe(409);
    for (const [body, error] of [
      [{ email: 'y@example.com' }, /name is required/],
      [{ name: 'Y', email: 'not-an-email' }, /not an e-mail/],
      [{ name: 'Y', email: 'y@example.com', role: 'owner' }, /role must be one of agent, admin, product/],
      [{ name: 'Y', email: 'y@example.com', maxChats: 1000 }, /maxChats/],
      [{ name: 'Y', email: 'y@example.com', skills: [1] }, /skills/],
    ] as const) {
      const r = await call('POST', '/api/staff/agents', adminToken, body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(String(r.json.error)).toMatch(error);
    }
    const form = await send('/api/staff/agents', { method: 'POST', body: 'name=x', headers: { 'content-type': 'application/x-www-form-urlencoded', ...bearer(adminToken) }, from });
    expect(form.status).toBe(415);

    // change role, skills and cap; the last active admin cannot be demoted or deactivated
    const changed = await call('POST', `/api/staff/agents/${mei.id}`, adminToken, { skills: ['product'], maxChats: null });
    expect(changed.json.agent).toMatchObject({ skills: ['product'], maxChats: null });
    expect((await call('POST', '/api/staff/agents/ghost', adminToken, { skills: [] })).status).toBe(404);
    for (const other of (await store.agents.list()).filter((a) => a.role === 'admin' && a.id !== admin.id)) await store.agents.setActive(other.id, false);
    try {
      const demote = await call('POST', `/api/staff/agents/${admin.id}`, adminToken, { role: 'agent' });
      expect([demote.status, demote.json.error]).toEqual([409, 'at least one active admin must remain']);
      expect((await call('POST', `/api/staff/agents/${admin.id}`, adminToken, { active: false })).status).toBe(409);
    } finally {
      for (const other of (await store.agents.list()).filter((a) => a.role === 'admin' && a.id !== admin.id)) await store.agents.setActive(other.id, true);
    }

    // teams with skills and members
    const team = await call('POST', '/api/staff/teams', adminToken, { name: `Payments ${n}`, skills: 'payments' });
    expect(team.status).toBe(201);
    const teamId = (team.json.team as { id: string }).id;
    expect((await call('POST', '/api/staff/teams', adminToken, { name: `payments ${n}` })).status).toBe(409);
    const joined = await call('POST', `/api/staff/teams/${teamId}`, adminToken, { addMember: mei.id, skills: ['payments', 'refunds'] });
    expect(joined.json.team).toMatchObject({ skills: ['payments', 'refunds'], memberIds: [mei.id] });
    expect((await call('POST', `/api/staff/teams/${teamId}`, adminToken, { addMember: 'ghost' })).status).toBe(404);
    const listed = await call('GET', '/api/staff/agents', adminToken);
    expect((listed.json.agents as { id: string; teams: string[] }[]).find((a) => a.id === mei.id)?.teams).toEqual([teamId]);
    expect(listed.json.settings).toEqual({ mode: 'manual', maxChats: 3, replyTimeoutMs: 0 });
    expect((await call('DELETE', `/api/staff/teams/${teamId}`, adminToken)).status).toBe(200);
    expect(await store.teams.get(teamId)).toBeUndefined();

    // VIP customers
    const customer = store.db.prepare<[], { id: string; email: string }>('SELECT id, email FROM customers WHERE email IS NOT NULL ORDER BY id LIMIT 1').get()!;
    const vip = await call('POST', '/api/staff/vip', adminToken, { customer: customer.email, vip: true });
    expect(vip.json).toEqual({ customerId: customer.id, vip: true });
    expect(await store.vip.isVip(customer.id)).toBe(true);
    expect((await call('POST', '/api/staff/vip', adminToken, { customer: 'nobody@nowhere.example', vip: true })).status).toBe(404);
    expect((await call('POST', '/api/staff/vip', adminToken, { customer: customer.id, vip: 'yes' })).status).toBe(400);
    await call('POST', '/api/staff/vip', adminToken, { customer: customer.id, vip: false });
    expect(await store.vip.isVip(customer.id)).toBe(false);
  });

  it('a password reset or a deactivation ends the account\'s sessions: its console is disconnected and HTTP refused', async () => {
    const admin = await account('admin');
    const from = '127.0.11.1';
    const adminToken = await signIn(admin.email, from);
    const target = await account('agent');
    const token = await signIn(target.email, from);
    const c = await server.staffClient(token);
    const dropped = new Promise<void>((resolve) => c.socket.once('disconnect', () => resolve()));
    const reset = await send(`/api/staff/agents/${target.id}/reset-password`, { method: 'POST', headers: bearer(adminToken), from });
    expect(reset.status).toBe(200);
    await dropped;
    expect(c.events.some((e) => e.event === 'session_ended')).toBe(true);
    expect((await send('/api/staff/health', { headers: bearer(token) })).status).toBe(401);
    await expect(connect(running.url, '/agents', { token })).rejects.toThrow(/unauthorized/);
    expect((await login(target.email, PASSWORD, from)).status).toBe(401);
    const again = await login(target.email, String(reset.json.password), from);
    expect(again.json.agent).toMatchObject({ mustChangePassword: true });

    // deactivated: no sign-in at all
    const off = await send(`/api/staff/agents/${target.id}`, { method: 'POST', body: JSON.stringify({ active: false }), headers: { 'content-type': 'application/json', ...bearer(adminToken) }, from });
    expect(off.json.agent).toMatchObject({ active: false });
    expect((await login(target.email, String(reset.json.password), '127.0.11.2')).status).toBe(401);
    expect(await store.agents.sessionAccount(String(again.json.token))).toBeNull();
  });

  it('the demo staff accounts have their roles', async () => {
    expect((await store.agents.getByEmail('agent@example.com'))?.role).toBe('admin');
    expect((await store.agents.getByEmail('product@example.com'))?.role).toBe('product');
  });
});
