// The signed shopper identity: the verifier (jose HS256: signature, exp, iat age and future, claims)
// and attaching a browser's web identity to the store's customer, on a real SQLite store.
import { SignJWT, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seededStore } from '../testing/store-helpers.js';
import type { Store } from '../store/index.js';
import { profileKey } from '../linking/linking.js';
import { attachIdentity, IDENTITY_TEXTS, IdentityVerifier, isGuest } from './web-identity.js';

const SECRET = 'identity-test-secret-0123456789abcdef';
const NOW = Date.parse('2026-03-01T12:00:00.000Z');
const nowS = NOW / 1000;

async function sign(claims: JWTPayload, opts: { secret?: string; alg?: string; iat?: number; exp?: number | null } = {}): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: opts.alg ?? 'HS256', typ: 'JWT' }).setIssuedAt(opts.iat ?? nowS);
  if (opts.exp !== null) jwt.setExpirationTime(opts.exp ?? nowS + 300);
  return jwt.sign(new TextEncoder().encode(opts.secret ?? SECRET));
}

describe('IdentityVerifier', () => {
  const verifier = new IdentityVerifier(SECRET, { maxAgeSeconds: 600, clockSkewSeconds: 60, now: () => NOW });

  it('accepts a fresh HS256 token and returns the store customer it names', async () => {
    const r = await verifier.verify(await sign({ sub: 'C-42', email: 'asha@example.org', name: ' Asha Rao ' }));
    expect(r).toEqual({ ok: true, identity: { customerId: 'C-42', email: 'asha@example.org', name: 'Asha Rao', issuedAt: nowS } });
    const bare = await verifier.verify(await sign({ sub: 'C-43' }));
    expect(bare).toMatchObject({ ok: true, identity: { customerId: 'C-43', email: null, name: null } });
  });

  it('refuses a token signed with another secret, or tampered with, as invalid', async () => {
    expect(await verifier.verify(await sign({ sub: 'C-42' }, { secret: 'another-secret-0123456789abcdef-xyz' }))).toMatchObject({ ok: false, code: 'identity_invalid', message: IDENTITY_TEXTS.invalid });
    const good = await sign({ sub: 'C-42' });
    const [h, , sig] = good.split('.');
    const forgedPayload = Buffer.from(JSON.stringify({ sub: 'C-1', iat: nowS, exp: nowS + 300 })).toString('base64url');
    expect(await verifier.verify(`${h}.${forgedPayload}.${sig}`)).toMatchObject({ ok: false, code: 'identity_invalid' });
    expect(await verifier.verify(good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA'))).toMatchObject({ ok: false, code: 'identity_invalid' });
  });

  it('refuses alg none and other algorithms', async () => {
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT' })).toString('base64url')}.${Buffer.from(JSON.stringify({ sub: 'C-42', iat: nowS, exp: nowS + 300 })).toString('base64url')}.`;
    expect(await verifier.verify(none)).toMatchObject({ ok: false, code: 'identity_invalid' });
    expect(await verifier.verify(await sign({ sub: 'C-42' }, { alg: 'HS512' }))).toMatchObject({ ok: false, code: 'identity_invalid' });
  });

  it('refuses expired tokens, tokens older than the max age, and tokens from the future', async () => {
    expect(await verifier.verify(await sign({ sub: 'C-42' }, { iat: nowS - 400, exp: nowS - 100 }))).toMatchObject({ ok: false, code: 'identity_expired', message: IDENTITY_TEXTS.expired });
    // exp far ahead does not stretch the max age (iat decides).
    expect(await verifier.verify(await sign({ sub: 'C-42' }, { iat: nowS - 700, exp: nowS + 86_400 }))).toMatchObject({ ok: false, code: 'identity_expired' });
    expect(await verifier.verify(await sign({ sub: 'C-42' }, { iat: nowS + 600, exp: nowS + 900 }))).toMatchObject({ ok: false, code: 'identity_invalid' });
    // Within the clock skew both ways.
    expect(await verifier.verify(await sign({ sub: 'C-42' }, { iat: nowS + 30, exp: nowS + 300 }))).toMatchObject({ ok: true });
    expect(await verifier.verify(await sign({ sub: 'C-42' }, { iat: nowS - 300, exp: nowS - 30 }))).toMatchObject({ ok: true });
    // exp is required.
    expect(await verifier.verify(await sign({ sub: 'C-42' }, { exp: null }))).toMatchObject({ ok: false, code: 'identity_invalid' });
  });

  it('refuses bad claims: no sub, a ShopBot guest id, a bad e-mail or name', async () => {
    for (const claims of [{}, { sub: '' }, { sub: 'has space' }, { sub: 'x'.repeat(129) }, { sub: `cus_${'a'.repeat(32)}` }, { sub: 'C-1', email: 'not-an-email' }, { sub: 'C-1', email: 42 }, { sub: 'C-1', name: '' }, { sub: 'C-1', name: 'a\u0000b' }, { sub: 'C-1', name: 'n'.repeat(101) }]) {
      expect(await verifier.verify(await sign(claims as JWTPayload)), JSON.stringify(claims)).toMatchObject({ ok: false, code: 'identity_invalid' });
    }
  });

  it('answers garbage without throwing', async () => {
    for (const t of [undefined, null, 42, {}, '', 'abc', 'a.b.c', '....', 'x'.repeat(5000), '<script>alert(1)</script>']) {
      expect(await verifier.verify(t)).toMatchObject({ ok: false, code: 'identity_invalid' });
    }
  });

  it('needs a secret of at least 32 bytes', () => {
    expect(() => new IdentityVerifier('short')).toThrow(/32 bytes/);
  });
});

describe('attachIdentity', () => {
  let ctx: Awaited<ReturnType<typeof seededStore>>;
  let store: Store;
  let n = 0;
  const newExt = () => `web-new-${++n}`;
  beforeAll(async () => {
    ctx = await seededStore();
    store = ctx.store;
  });
  afterAll(() => ctx.cleanup());

  const identity = (customerId: string, extra: { email?: string; name?: string } = {}) => ({ customerId, email: extra.email ?? null, name: extra.name ?? null, issuedAt: nowS });

  it("merges the browser's guest chat into the known customer", async () => {
    const guest = (await store.customers.resolveOrCreate('web', 'web-guest-1')).customer;
    expect(isGuest(guest)).toBe(true);
    const conv = await store.conversations.create({ customerId: guest.id, channel: 'web' });
    await store.conversations.appendMessage(conv.id, { role: 'customer', text: 'hello as a guest' });
    await store.state.put(profileKey(guest.id), { lastCategory: 'Audio' });
    const a = await attachIdentity(store, 'web-guest-1', identity('C2'), newExt);
    expect(a).toMatchObject({ customerId: 'C2', externalId: 'web-guest-1', conversationId: conv.id, how: 'merged_guest', created: false });
    expect(await store.customers.get(guest.id)).toBeUndefined();
    expect((await store.customers.findByIdentity('web', 'web-guest-1'))?.id).toBe('C2');
    expect((await store.conversations.get(conv.id))?.customerId).toBe('C2');
    // The guest's user state moved with it, in the same transaction.
    expect((await store.state.get(profileKey('C2')))?.value).toEqual({ lastCategory: 'Audio' });
    expect(await store.state.get(profileKey(guest.id))).toBeUndefined();
    // Again: nothing changes.
    expect(await attachIdentity(store, 'web-guest-1', identity('C2'), newExt)).toMatchObject({ customerId: 'C2', how: 'already', conversationId: conv.id });
  });

  it('links a browser that never wrote, and creates a customer new to ShopBot from the token', async () => {
    const a = await attachIdentity(store, 'web-fresh-1', identity('C-NEW-7', { email: 'new7@example.org', name: 'Nia' }), newExt);
    expect(a).toMatchObject({ customerId: 'C-NEW-7', externalId: 'web-fresh-1', how: 'linked', created: true });
    expect(await store.customers.get('C-NEW-7')).toMatchObject({ name: 'Nia', email: 'new7@example.org' });
    expect((await store.conversations.get(a.conversationId))?.customerId).toBe('C-NEW-7');
  });

  it("never moves another known customer's chat: a browser of C1 identified as C2 gets a new web identity", async () => {
    const before = (await store.conversations.listForCustomer('C1', 50)).length;
    const a = await attachIdentity(store, 'web-c1', identity('C2'), newExt);
    expect(a.how).toBe('switched');
    expect(a.externalId).toMatch(/^web-new-/);
    expect(a.customerId).toBe('C2');
    expect((await store.customers.findByIdentity('web', 'web-c1'))?.id).toBe('C1');
    expect((await store.customers.findByIdentity('web', a.externalId))?.id).toBe('C2');
    expect((await store.conversations.listForCustomer('C1', 50)).length).toBe(before);
    expect(await store.customers.get('C1')).toBeDefined();
  });
});
