import { translate } from '../core/i18n.js';
import { errors, jwtVerify } from 'jose';
import type { Customer, Store } from '../store/index.js';
import { consolidateLive, mergeProfiles } from '../linking/linking.js';

// Signed shopper identity for the web chat (contract: docs/identity.md). The store's backend signs
// who the shopper is as a short-lived JWT (HS256, with SHOPBOT_IDENTITY_SECRET), the page hands it
// to the widget (`ShopBotChat.identify({ token })` or `data-identity`), and the widget sends it on
// the socket (`identify`). A verified identity attaches the browser's chat to that customer; a
// forged, expired or malformed one is refused and changes nothing.

/** Who the store says the shopper is. */
export interface ShopperIdentity {
  /** The store's customer id: the id its orders carry in ShopBot's store. */
  customerId: string;
  email: string | null;
  name: string | null;
  /** Epoch seconds. */
  issuedAt: number;
}

export type IdentityCode = 'identity_invalid' | 'identity_expired' | 'identity_off';

export type IdentityCheck = { ok: true; identity: ShopperIdentity } | { ok: false; code: IdentityCode; message: string; /** For the log, never shown. */ reason: string };

/** What the widget shows when an identity is refused (the chat goes on as a guest), in English; the web channel words it in the chat's locale. */
export const IDENTITY_TEXTS = {
  invalid: translate('en', 'channels:identity.invalid'),
  expired: translate('en', 'channels:identity.expired'),
  off: translate('en', 'channels:identity.off'),
} as const;

/** Guests the web chat and Messenger create have ids like this (store/ids.ts); a store's own customer never does. */
const GUEST_ID = /^cus_[0-9a-f]{32}$/;
export const isGuest = (c: Pick<Customer, 'id'>): boolean => GUEST_ID.test(c.id);

const MAX_TOKEN_CHARS = 4096;
const PRINTABLE_ID = /^[\x21-\x7e]{1,128}$/;
const EMAIL = /^[^\s@]{1,64}@[^\s@]{1,190}$/;
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;

export interface IdentityVerifierOptions {
  /** Tokens older than this (by `iat`) are refused whatever their `exp` says. Default 600 s. */
  maxAgeSeconds?: number;
  /** Clock difference tolerated between the store's backend and ShopBot. Default 60 s. */
  clockSkewSeconds?: number;
  now?: () => number;
}

/** Checks identity tokens: HS256 only, signature, exp, iat (not older than the max age, not in the future), claims. */
export class IdentityVerifier {
  private readonly key: Uint8Array;
  readonly maxAgeSeconds: number;
  private readonly skew: number;
  private readonly now: () => number;

  constructor(secret: string, opts: IdentityVerifierOptions = {}) {
    if (Buffer.byteLength(secret, 'utf8') < 32) throw new Error('the identity secret must be at least 32 bytes (HS256 keys shorter than the hash are weak)');
    this.key = new TextEncoder().encode(secret);
    this.maxAgeSeconds = opts.maxAgeSeconds ?? 600;
    this.skew = opts.clockSkewSeconds ?? 60;
    this.now = opts.now ?? Date.now;
  }

  /** Never throws: any token, even garbage, gets an answer. */
  async verify(token: unknown): Promise<IdentityCheck> {
    const refuse = (code: IdentityCode, reason: string): IdentityCheck => ({ ok: false, code, reason, message: code === 'identity_expired' ? IDENTITY_TEXTS.expired : code === 'identity_off' ? IDENTITY_TEXTS.off : IDENTITY_TEXTS.invalid });
    if (typeof token !== 'string' || token.length === 0 || token.length > MAX_TOKEN_CHARS) return refuse('identity_invalid', 'not a token');
    let payload: Record<string, unknown>;
    try {
      // jose compares the HMAC in constant time (WebCrypto verify) and checks exp, and iat against
      // maxTokenAge in both directions (older than the max age: expired; in the future: invalid).
      ({ payload } = await jwtVerify(token, this.key, {
        algorithms: ['HS256'],
        requiredClaims: ['sub', 'iat', 'exp'],
        maxTokenAge: this.maxAgeSeconds,
        clockTolerance: this.skew,
        currentDate: new Date(this.now()),
      }));
    } catch (err) {
      if (err instanceof errors.JWTExpired) return refuse('identity_expired', err.message);
      return refuse('identity_invalid', err instanceof errors.JOSEError ? `${err.code}: ${err.message}` : 'unreadable token');
    }
    const { sub, email, name, iat } = payload;
    if (typeof sub !== 'string' || !PRINTABLE_ID.test(sub)) return refuse('identity_invalid', 'sub must be the store customer id (1-128 printable characters)');
    if (GUEST_ID.test(sub)) return refuse('identity_invalid', 'sub names a ShopBot guest, not a store customer');
    if (email !== undefined && email !== null && (typeof email !== 'string' || email.length > 254 || !EMAIL.test(email))) return refuse('identity_invalid', 'email is not an e-mail address');
    if (name !== undefined && name !== null && (typeof name !== 'string' || name.trim().length === 0 || name.length > 100 || CONTROL.test(name))) return refuse('identity_invalid', 'name must be 1-100 characters');
    return { ok: true, identity: { customerId: sub, email: typeof email === 'string' ? email : null, name: typeof name === 'string' ? name.trim() : null, issuedAt: Number(iat) } };
  }
}

export interface Attached {
  customerId: string;
  /** The web identity the browser continues with (a new one when it was another known customer's). */
  externalId: string;
  /** The one live conversation the customer continues in. */
  conversationId: string;
  how: 'already' | 'linked' | 'merged_guest' | 'switched';
  /** The customer was new to ShopBot and was created from the token. */
  created: boolean;
}

/**
 * Attaches a browser's web identity to the verified customer, in one transaction:
 * - the customer is the store's customer with that id, created (with the token's name and e-mail)
 *   when ShopBot does not know them yet;
 * - the browser's guest (its web identity's customer, a ShopBot guest) is merged into them: its
 *   chat, events and other identities move over, and the customer keeps one live conversation;
 * - a browser whose web identity belongs to another known customer (someone else signed in on it
 *   without ShopBotChat.reset()) gets a new web identity instead: nothing of theirs moves.
 */
export function attachIdentity(store: Store, webExternalId: string, identity: ShopperIdentity, newExternalId: () => string): Promise<Attached> {
  return store.sql.transaction(async (tx): Promise<Attached> => {
    let how: Attached['how'] = 'linked';
    const known = await store.customers.get(identity.customerId, tx);
    const customer = known ?? (await store.customers.create({ id: identity.customerId, name: identity.name ?? 'Customer', email: identity.email }, tx));
    const current = await store.customers.findByIdentity('web', webExternalId, tx);
    let externalId = webExternalId;
    if (current?.id === customer.id) {
      how = 'already';
    } else if (current && isGuest(current)) {
      await store.customers.mergeCustomers(customer.id, current.id, tx);
      await mergeProfiles(store, customer.id, current.id, tx);
      how = 'merged_guest';
    } else if (current) {
      externalId = newExternalId();
      await store.customers.linkIdentity(customer.id, 'web', externalId, tx);
      how = 'switched';
    } else {
      await store.customers.linkIdentity(customer.id, 'web', externalId, tx);
    }
    const conversation = await consolidateLive(store, customer.id, 'web', tx);
    return { customerId: customer.id, externalId, conversationId: conversation.id, how, created: !known };
  });
}
