// The Messenger user's locale, for pages that may read it: Meta's webhook events carry none, and
// the user profile's `locale` ("hi_IN") needs the `pages_user_locale` permission. Read once a day per
// user (MESSENGER_USER_LOCALE=1), with a short time-out: a slow or refused look-up costs the
// customer nothing but the store's default language.

const DAY_MS = 86_400_000;
const RETRY_MS = 10 * 60_000;
const MAX_USERS = 10_000;

export class MessengerUserLocales {
  private readonly cache = new Map<string, { locale: string | undefined; until: number }>();
  private warned = false;

  constructor(
    private readonly graphBase: string,
    private readonly pageAccessToken: string,
    private readonly log: (line: string) => void,
    private readonly now: () => number = Date.now,
    private readonly timeoutMs = 2000,
  ) {}

  /** The user's locale as a BCP 47 tag ("hi-IN"), or undefined when Meta gave none. */
  async of(psid: string): Promise<string | undefined> {
    const known = this.cache.get(psid);
    if (known && known.until > this.now()) return known.locale;
    let locale: string | undefined;
    let ttl = DAY_MS;
    try {
      const url = `${this.graphBase}/${encodeURIComponent(psid)}?fields=locale&access_token=${encodeURIComponent(this.pageAccessToken)}`;
      const res = await fetch(url, { signal: AbortSignal.timeout(this.timeoutMs) });
      const body = (await res.json().catch(() => ({}))) as { locale?: unknown; error?: { message?: unknown } };
      if (!res.ok) throw new Error(`${res.status} ${typeof body.error?.message === 'string' ? body.error.message.slice(0, 200) : ''}`.trim());
      // Meta writes "hi_IN"; a tag is "hi-IN".
      if (typeof body.locale === 'string' && /^[a-z]{2,3}(?:_[A-Za-z]{2,4})?$/.test(body.locale)) locale = body.locale.replace('_', '-');
    } catch (err) {
      ttl = RETRY_MS;
      if (!this.warned) this.log(`[messenger] could not read a user's locale (is pages_user_locale granted?): ${(err as Error).message}`);
      this.warned = true;
    }
    if (this.cache.size >= MAX_USERS) this.cache.delete(this.cache.keys().next().value!);
    this.cache.set(psid, { locale, until: this.now() + ttl });
    return locale;
  }
}
