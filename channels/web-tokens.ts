import type { TokenPayload, TokenSigner } from '../core/tokens.js';
import type { Store } from '../store/index.js';

// Web chat session tokens with revocation. Each web identity has a token generation in the state
// table; a token is valid while its generation is the current one, or the previous one within a
// short grace period after a newer token was issued (so a tab that has not picked up the new token
// yet can still reconnect once). A token is refreshed (a new generation issued) when it is older
// than `refreshAfterS`; tokens of earlier releases (no generation) count as generation 0.

interface Generation {
  gen: number;
  /** Until when (epoch ms) the previous generation is still accepted. */
  previousUntil: number;
}

const key = (externalId: string) => `webtoken:${externalId}`;

export interface WebTokenOptions {
  ttlSeconds: number;
  graceMs?: number;
  refreshAfterS?: number;
  now?: () => number;
}

export class WebTokens {
  private readonly graceMs: number;
  private readonly refreshAfterS: number;
  private readonly now: () => number;

  constructor(
    private readonly signer: TokenSigner,
    private readonly store: Store,
    private readonly opts: WebTokenOptions,
  ) {
    this.graceMs = opts.graceMs ?? 60_000;
    this.refreshAfterS = opts.refreshAfterS ?? 24 * 3600;
    this.now = opts.now ?? Date.now;
  }

  private async generation(externalId: string): Promise<Generation> {
    return (await this.store.state.get<Generation>(key(externalId)))?.value ?? { gen: 0, previousUntil: 0 };
  }

  /** The payload of a valid, unexpired, unrevoked token; null otherwise. */
  async verify(token: unknown): Promise<TokenPayload | null> {
    const p = this.signer.verify(token, this.now());
    if (!p) return null;
    const g = await this.generation(p.sub);
    const gen = p.gen ?? 0;
    if (gen === g.gen) return p;
    if (gen === g.gen - 1 && this.now() < g.previousUntil) return p;
    return null;
  }

  /**
   * The token a session should hold: the presented one while it is current and fresh, else a new
   * generation (which revokes the older tokens once the grace period is over). A guest who has
   * not written yet (`persist` false) gets a generation-0 token and nothing is stored.
   */
  async tokenFor(externalId: string, presented: TokenPayload | null, presentedToken: unknown, persist: boolean): Promise<string> {
    const valid = presented !== null && presented.sub === externalId && typeof presentedToken === 'string';
    if (!persist) return valid ? presentedToken : this.signer.sign(externalId, this.opts.ttlSeconds, this.now(), 0);
    const g = await this.generation(externalId);
    const issuedAt = presented ? presented.exp - this.opts.ttlSeconds : 0;
    if (valid && g.gen > 0 && (presented.gen ?? 0) === g.gen && this.now() / 1000 - issuedAt < this.refreshAfterS) return presentedToken;
    // A tab still holding the previous generation (within its grace) gets the current one: a new
    // generation here would cut off the tab that caused the last one.
    if (valid && g.gen > 0 && (presented.gen ?? 0) === g.gen - 1) return this.signer.sign(externalId, this.opts.ttlSeconds, this.now(), g.gen);
    return this.issue(externalId);
  }

  /** A new generation for the identity: older tokens stop working after the grace period. */
  async issue(externalId: string): Promise<string> {
    const g = await this.generation(externalId);
    const next: Generation = { gen: g.gen + 1, previousUntil: this.now() + this.graceMs };
    await this.store.state.put(key(externalId), next);
    return this.signer.sign(externalId, this.opts.ttlSeconds, this.now(), next.gen);
  }

  /** Every token of the identity stops working now (e.g. the shopper logged out). */
  async revokeAll(externalId: string): Promise<void> {
    const g = await this.generation(externalId);
    await this.store.state.put(key(externalId), { gen: g.gen + 2, previousUntil: 0 });
  }
}
