import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import i18next, { type i18n as I18next } from 'i18next';

// The store's language and currency. Every customer-facing text comes from one message catalogue
// per language (locales/<lang>/<namespace>.json, read with i18next); the store's default locale,
// currency and time zone are configuration (SHOPBOT_LOCALE, SHOPBOT_CURRENCY, SHOPBOT_TIMEZONE);
// prices, numbers and dates are formatted with Intl for the conversation's locale. docs/i18n.md
// says how a conversation's locale is chosen and how to add a catalogue.

/** The catalogues' namespaces: the bot's replies, the hand-off desk, account linking, channel notices, the widget. */
export const NAMESPACES = ['bot', 'desk', 'linking', 'channels', 'widget'] as const;
export type Namespace = (typeof NAMESPACES)[number];

/** The language every other catalogue is checked against (and the fallback of a missing key). */
export const SOURCE_LANGUAGE = 'en';

// The folder above core/; compiled, that is dist/, and the project (locales/) is above it.
const HERE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const ROOT = basename(HERE) === 'dist' && !existsSync(resolve(HERE, 'package.json')) ? dirname(HERE) : HERE;
/**
 * The catalogues' folder: SHOPBOT_LOCALES_DIR, else locales/ next to the modules (the project from
 * source), above dist/ (a compiled build in the project), or under SHOPBOT_ROOT (a build elsewhere).
 */
export const LOCALES_DIR = ((): string => {
  const candidates = [process.env.SHOPBOT_LOCALES_DIR, resolve(HERE, 'locales'), resolve(ROOT, 'locales'), process.env.SHOPBOT_ROOT ? resolve(process.env.SHOPBOT_ROOT, 'locales') : undefined];
  return candidates.find((d): d is string => d !== undefined && d !== '' && existsSync(d)) ?? resolve(ROOT, 'locales');
})();

/** The store's own settings (core/config.ts reads them from the environment). */
export interface LocaleSettings {
  /** BCP 47 tag of the store's default locale (SHOPBOT_LOCALE, default en-IN); its language needs a catalogue. */
  locale: string;
  /** ISO 4217 code of the store's currency (SHOPBOT_CURRENCY, default INR). */
  currency: string;
  /** IANA time zone of the store (SHOPBOT_TIMEZONE, default Asia/Kolkata). */
  timeZone: string;
}

export const DEFAULT_LOCALE_SETTINGS: LocaleSettings = { locale: 'en-IN', currency: 'INR', timeZone: 'Asia/Kolkata' };

/** A conversation's locale: the catalogue it reads (`lang`) and the Intl tag it formats with (`tag`). */
export interface Locale {
  lang: string;
  tag: string;
}

export type Vars = Record<string, string | number>;

type Catalogue = Record<string, unknown>;

/** Reads every language folder under `dir` that holds all namespaces. */
export function readCatalogues(dir = LOCALES_DIR): Record<string, Record<Namespace, Catalogue>> {
  const out: Record<string, Record<Namespace, Catalogue>> = {};
  if (!existsSync(dir)) throw new Error(`no message catalogues at ${dir}`);
  for (const lang of readdirSync(dir).sort()) {
    if (!/^[a-z]{2,3}$/.test(lang)) continue;
    const files = NAMESPACES.map((ns) => join(dir, lang, `${ns}.json`));
    if (!files.every((f) => existsSync(f))) continue;
    out[lang] = Object.fromEntries(NAMESPACES.map((ns, i) => [ns, JSON.parse(readFileSync(files[i]!, 'utf8')) as Catalogue])) as Record<Namespace, Catalogue>;
  }
  if (!out[SOURCE_LANGUAGE]) throw new Error(`the ${SOURCE_LANGUAGE} catalogue is missing from ${dir}`);
  return out;
}

let shared: { instance: I18next; catalogues: Record<string, Record<Namespace, Catalogue>> } | null = null;

/** The one i18next instance over the catalogues (read once; the files do not change while running). */
function catalogues() {
  if (shared) return shared;
  const resources = readCatalogues();
  const instance = i18next.createInstance();
  void instance.init({
    resources,
    lng: SOURCE_LANGUAGE,
    fallbackLng: SOURCE_LANGUAGE,
    supportedLngs: Object.keys(resources),
    ns: [...NAMESPACES],
    defaultNS: 'bot',
    // Texts are plain text (channels render them as text, the widget with textContent): no HTML escaping.
    interpolation: { escapeValue: false },
    returnNull: false,
    initAsync: false,
    showSupportNotice: false,
  } as Parameters<I18next['init']>[0]);
  shared = { instance, catalogues: resources };
  return shared;
}

/** The languages with a catalogue ("en", "hi"). */
export function languages(): string[] {
  return Object.keys(catalogues().catalogues);
}

/** One namespace of a language's catalogue, as written (the widget gets its own this way). */
export function catalogue(lang: string, ns: Namespace): Catalogue {
  const all = catalogues().catalogues;
  return (all[lang] ?? all[SOURCE_LANGUAGE]!)[ns];
}

export interface DateFormats {
  /** A time of day ("9:00 am", "सुबह 9:00"). */
  time: Intl.DateTimeFormatOptions;
  /** A calendar date ("1 Dec 2010", "1 दिसंबर 2010"). */
  date: Intl.DateTimeFormatOptions;
  /** A day of the coming days ("Monday, 14 Dec"). */
  day: Intl.DateTimeFormatOptions;
}

/** How a language writes times and dates: the `formats` of its bot catalogue (Intl.DateTimeFormat options). */
export function dateFormats(lang: string | Locale): DateFormats {
  const l = typeof lang === 'string' ? lang : lang.lang;
  const own = (catalogue(l, 'bot').formats ?? {}) as Partial<DateFormats>;
  const source = catalogue(SOURCE_LANGUAGE, 'bot').formats as DateFormats;
  return { time: own.time ?? source.time, date: own.date ?? source.date, day: own.day ?? source.day };
}

/** A BCP 47 tag in canonical form ("hi_in" -> "hi-IN"), or null when it is none. */
export function canonicalTag(tag: unknown): string | null {
  if (typeof tag !== 'string' || tag.length === 0 || tag.length > 35) return null;
  const t = tag.trim().replace(/_/g, '-');
  if (!/^[A-Za-z]{2,3}(?:-[A-Za-z0-9]{1,8})*$/.test(t)) return null;
  try {
    return Intl.getCanonicalLocales(t)[0] ?? null;
  } catch {
    return null;
  }
}

/** The text of `key` ("bot:greet.hello", or a key of the bot namespace) in a language, with its placeholders filled. */
export function translate(lang: string | Locale, key: string, vars: Vars = {}): string {
  const lng = typeof lang === 'string' ? lang : lang.lang;
  return catalogues().instance.t(key, { ...vars, lng }) as string;
}

/** Whether a language's catalogue (or the source one) has `key`. */
export function hasKey(lang: string, key: string): boolean {
  return catalogues().instance.exists(key, { lng: lang });
}

const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>();
function cached<T extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, make: () => T): T {
  let f = formatters.get(key) as T | undefined;
  if (!f) {
    f = make();
    if (formatters.size > 500) formatters.clear();
    formatters.set(key, f);
  }
  return f;
}

/**
 * Prices, numbers and dates in a locale. Digits are always Latin ("₹1,499" in hi-IN too): ICU gives
 * Latin digits for hi-IN already, and `numberingSystem: 'latn'` keeps them so where it would not.
 */
export function formatAmount(amount: number, opts: { locale: string; currency: string }): string {
  const key = `price|${opts.locale}|${opts.currency}`;
  return cached(key, () => new Intl.NumberFormat(opts.locale, { style: 'currency', currency: opts.currency || 'INR', maximumFractionDigits: 0, numberingSystem: 'latn' })).format(amount);
}

export function formatNumber(n: number, locale: string, digits?: number): string {
  const key = `num|${locale}|${digits ?? ''}`;
  return cached(key, () => new Intl.NumberFormat(locale, { numberingSystem: 'latn', ...(digits !== undefined ? { minimumFractionDigits: digits, maximumFractionDigits: digits } : {}) })).format(n);
}

export function formatDate(at: Date | number | string, opts: { locale: string; timeZone: string } & Intl.DateTimeFormatOptions): string {
  const { locale, timeZone, ...rest } = opts;
  const key = `date|${locale}|${timeZone}|${JSON.stringify(rest)}`;
  return cached(key, () => new Intl.DateTimeFormat(locale, { timeZone, numberingSystem: 'latn', ...rest })).format(typeof at === 'string' ? new Date(at) : at);
}

/** A language's own name in a locale ("Tamil", "तमिल"); the code itself when Intl has no name. */
export function languageName(code: string, locale: string): string {
  try {
    return new Intl.DisplayNames([locale], { type: 'language' }).of(code) ?? code;
  } catch {
    return code;
  }
}

/** Reads and checks the store's settings from the environment (core/config.ts). */
export function localeSettings(env: NodeJS.ProcessEnv = process.env): LocaleSettings {
  const locale = canonicalTag(env.SHOPBOT_LOCALE || DEFAULT_LOCALE_SETTINGS.locale);
  if (!locale) throw new Error(`SHOPBOT_LOCALE must be a BCP 47 locale such as en-IN or hi-IN (got "${env.SHOPBOT_LOCALE}")`);
  const lang = locale.split('-')[0]!.toLowerCase();
  if (!languages().includes(lang)) throw new Error(`SHOPBOT_LOCALE ${locale}: there is no "${lang}" message catalogue under locales/ (have: ${languages().join(', ')}); see docs/i18n.md`);
  const currency = (env.SHOPBOT_CURRENCY?.trim() || DEFAULT_LOCALE_SETTINGS.currency).toUpperCase();
  if (!/^[A-Z]{3}$/.test(currency) || !Intl.supportedValuesOf('currency').includes(currency)) throw new Error(`SHOPBOT_CURRENCY must be an ISO 4217 currency code such as INR (got "${env.SHOPBOT_CURRENCY}")`);
  const timeZone = env.SHOPBOT_TIMEZONE?.trim() || DEFAULT_LOCALE_SETTINGS.timeZone;
  try {
    new Intl.DateTimeFormat('en', { timeZone }).format(0);
  } catch {
    throw new Error(`SHOPBOT_TIMEZONE must be an IANA time zone such as Asia/Kolkata (got "${timeZone}")`);
  }
  return { locale, currency, timeZone };
}

/**
 * The store's texts for one server: the conversation's locale from what a channel says of it (the
 * widget's data-locale, Bot Framework's activity.locale, ...) or the store's default, and the texts
 * and formats in that locale.
 */
export class Texts {
  readonly settings: LocaleSettings;
  private own: Locale | null = null;
  private readonly resolved = new Map<string, Locale>();

  constructor(settings: Partial<LocaleSettings> = {}) {
    this.settings = { ...DEFAULT_LOCALE_SETTINGS, ...settings };
  }

  /** The store's default locale (its language's catalogue; English when it has none). */
  get fallback(): Locale {
    if (!this.own) {
      const tag = canonicalTag(this.settings.locale) ?? DEFAULT_LOCALE_SETTINGS.locale;
      const lang = tag.split('-')[0]!.toLowerCase();
      this.own = languages().includes(lang) ? { lang, tag } : { lang: SOURCE_LANGUAGE, tag };
    }
    return this.own;
  }

  /**
   * The locale for a requested tag: its language's catalogue when there is one ("hi-IN", "hi" ->
   * hi), formatted for the tag's region, else the region of the store's locale ("hi" in an en-IN
   * store: hi-IN); the store's default for anything else (no tag, "fr", garbage).
   */
  resolve(requested?: unknown): Locale {
    if (typeof requested !== 'string' || requested === '') return this.fallback;
    const hit = this.resolved.get(requested);
    if (hit) return hit;
    const canonical = canonicalTag(requested);
    const lang = canonical?.split('-')[0]!.toLowerCase();
    let out = this.fallback;
    if (canonical && lang && languages().includes(lang)) {
      const region = /^[a-z]{2,3}(?:-[A-Z][a-z]{3})?-([A-Z]{2}|\d{3})\b/.exec(canonical)?.[1];
      const storeRegion = /-([A-Z]{2}|\d{3})\b/.exec(this.fallback.tag)?.[1];
      out = { lang, tag: region ? canonical : lang === this.fallback.lang ? this.fallback.tag : storeRegion ? `${lang}-${storeRegion}` : lang };
    }
    if (this.resolved.size < 200) this.resolved.set(requested, out);
    return out;
  }

  /** The text of `key` in a locale (a Locale, a requested tag, or the store's default when absent). */
  t(locale: Locale | string | undefined | null, key: string, vars: Vars = {}): string {
    return translate(this.of(locale), key, vars);
  }

  /** An amount in the store's currency (or `currency`) for a locale: "₹1,499". */
  price(amount: number, locale?: Locale | string | null, currency?: string | null): string {
    return formatAmount(amount, { locale: this.of(locale).tag, currency: currency || this.settings.currency });
  }

  number(n: number, locale?: Locale | string | null, digits?: number): string {
    return formatNumber(n, this.of(locale).tag, digits);
  }

  /** A date (or time) in the store's time zone, for a locale. */
  date(at: Date | number | string, locale: Locale | string | null | undefined, opts: Intl.DateTimeFormatOptions): string {
    return formatDate(at, { locale: this.of(locale).tag, timeZone: this.settings.timeZone, ...opts });
  }

  private of(locale: Locale | string | undefined | null): Locale {
    return typeof locale === 'object' && locale !== null ? locale : this.resolve(locale ?? undefined);
  }
}

/** The texts of a server with the default settings (English, INR, Asia/Kolkata), for code and tests without a configuration. */
export const defaultTexts = new Texts();
