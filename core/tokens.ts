import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

// Signed, expiring tokens (HMAC-SHA256 over a base64url JSON payload). Web customers keep one to
// resume their conversation; nobody can forge another customer's token without the server secret.

export interface TokenPayload {
  sub: string; // the subject: a web identity id
  exp: number; // expiry, epoch seconds
  /** Generation of the subject's tokens; a newer one revokes the older (see channels/web-tokens.ts). */
  gen?: number;
}

function b64url(buf: Buffer | string): string {
  return Buffer.from(buf).toString('base64url');
}

export class TokenSigner {
  constructor(private readonly secret: Buffer) {
    if (secret.length < 16) throw new Error('token secret must be at least 16 bytes');
  }

  static random(): TokenSigner {
    return new TokenSigner(randomBytes(32));
  }

  /**
   * A signer for another purpose (its key is HMAC(secret, purpose)): its tokens never verify as this
   * signer's tokens and vice versa, so e.g. an account-link token can never open a web session.
   */
  derive(purpose: string): TokenSigner {
    return new TokenSigner(createHmac('sha256', this.secret).update(`shopbot:${purpose}`).digest());
  }

  sign(sub: string, ttlSeconds: number, now = Date.now(), gen?: number): string {
    const payload = b64url(JSON.stringify({ sub, exp: Math.floor(now / 1000) + ttlSeconds, ...(gen !== undefined ? { gen } : {}) } satisfies TokenPayload));
    return `${payload}.${this.mac(payload)}`;
  }

  /** Returns the payload of a valid, unexpired token, or null. Never throws on garbage. */
  verify(token: unknown, now = Date.now()): TokenPayload | null {
    if (typeof token !== 'string' || token.length > 1024) return null;
    const dot = token.indexOf('.');
    if (dot <= 0) return null;
    const payload = token.slice(0, dot);
    const given = Buffer.from(token.slice(dot + 1), 'base64url');
    const expected = Buffer.from(this.mac(payload), 'base64url');
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return null;
    try {
      const p = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Partial<TokenPayload>;
      if (typeof p.sub !== 'string' || typeof p.exp !== 'number' || p.exp * 1000 < now) return null;
      return { sub: p.sub, exp: p.exp, ...(typeof p.gen === 'number' && Number.isSafeInteger(p.gen) ? { gen: p.gen } : {}) };
    } catch {
      return null;
    }
  }

  private mac(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}
