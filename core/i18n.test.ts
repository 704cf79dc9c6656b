import { describe, expect, it } from 'vitest';
import { catalogue, formatAmount, languages, localeSettings, NAMESPACES, readCatalogues, SOURCE_LANGUAGE, Texts, translate } from './i18n.js';

// The message catalogues (locales/<lang>/<namespace>.json): every language has every key of the
// English one and no other, with the same placeholders, and a text of its own (docs/i18n.md says
// how to add a language; this test is the check).

type Tree = { [key: string]: string | Tree };
const PLURAL = /_(zero|one|two|few|many|other)$/;

/** Leaf keys ("order.askCancel", plural forms with their suffix) and their texts; `formats` are Intl options, not texts. */
function leaves(tree: Tree, prefix = ''): Map<string, string> {
  const out = new Map<string, string>();
  for (const [k, v] of Object.entries(tree)) {
    const key = prefix ? `${prefix}.${k}` : k;
    if (!prefix && k === 'formats') continue;
    if (typeof v === 'string') out.set(key, v);
    else for (const [kk, vv] of leaves(v, key)) out.set(kk, vv);
  }
  return out;
}
const placeholders = (text: string) => [...text.matchAll(/\{\{\s*([\w.]+)\s*\}\}/g)].map((m) => m[1]).sort();
/** A plural key's base and the forms a language's plural rules ask for. */
const base = (key: string) => key.replace(PLURAL, '');
const forms = (lang: string) => new Intl.PluralRules(lang).resolvedOptions().pluralCategories;

const all = readCatalogues();
const others = Object.keys(all).filter((l) => l !== SOURCE_LANGUAGE);

describe('message catalogues', () => {
  it('ship English and Hindi, every namespace', () => {
    expect(languages()).toEqual(expect.arrayContaining(['en', 'hi']));
    for (const lang of languages()) for (const ns of NAMESPACES) expect(Object.keys(catalogue(lang, ns)).length, `${lang}/${ns}`).toBeGreaterThan(0);
  });

  for (const lang of others) {
    for (const ns of NAMESPACES) {
      it(`${lang}/${ns}.json has exactly the keys of en/${ns}.json, with the same placeholders`, () => {
        const en = leaves(all[SOURCE_LANGUAGE]![ns] as Tree);
        const own = leaves(all[lang]![ns] as Tree);
        const bases = (m: Map<string, string>) => new Set([...m.keys()].map(base));
        expect([...bases(en)].filter((k) => !bases(own).has(k)), `missing in ${lang}/${ns}.json`).toEqual([]);
        expect([...bases(own)].filter((k) => !bases(en).has(k)), `not in en/${ns}.json`).toEqual([]);
        for (const [key, text] of own) {
          expect(text.trim(), `${lang}/${ns}.json ${key} is empty`).not.toBe('');
          // The same placeholders as the English text of the key (any plural form of it).
          const english = en.get(key) ?? [...en].find(([k]) => base(k) === base(key))?.[1] ?? '';
          expect(placeholders(text), `${lang}/${ns}.json ${key}`).toEqual(placeholders(english));
        }
        // Plural keys carry every form the language's plural rules need.
        for (const b of new Set([...own.keys()].filter((k) => PLURAL.test(k)).map(base))) {
          for (const form of forms(lang)) expect(own.has(`${b}_${form}`), `${lang}/${ns}.json ${b}_${form}`).toBe(true);
        }
      });
    }
  }

  it('Hindi texts are written in Hindi (Devanagari), not left in English', () => {
    const untranslated: string[] = [];
    for (const ns of NAMESPACES) {
      const en = leaves(all.en![ns] as Tree);
      for (const [key, text] of leaves(all.hi![ns] as Tree)) {
        // Only placeholders, digits and punctuation ("{{id}} ({{what}})", "“{{text}}”") need no words.
        const words = text.replace(/\{\{[^}]+\}\}/g, '').replace(/[\p{P}\p{S}\p{N}\s]/gu, '');
        if (words && !/\p{Script=Devanagari}/u.test(text) && en.get(key) === text) untranslated.push(`${ns}:${key}`);
      }
    }
    expect(untranslated).toEqual([]);
  });

  it('fills placeholders and picks plural forms', () => {
    expect(translate('en', 'bot:smallTalk.greetName', { name: 'Asha' })).toBe('Hi Asha! I can help you find products, check an order, or answer questions about the store. What are you looking for today?');
    expect(translate('hi', 'bot:smallTalk.greetName', { name: 'Asha' })).toMatch(/^नमस्ते Asha जी!/);
    expect(translate('en', 'bot:handoff.queuedWait', { why: 'Sure.', position: 2, count: 1 })).toMatch(/about 1 minute for a person/);
    expect(translate('en', 'bot:handoff.queuedWait', { why: 'Sure.', position: 2, count: 3 })).toMatch(/about 3 minutes for a person/);
    // Values are never read as markup or as further placeholders.
    expect(translate('en', 'bot:cart.added', { product: '<b>{{x}}</b>', price: '₹1' })).toBe('Added <b>{{x}}</b> (₹1) to your cart.');
  });
});

describe('locales of conversations', () => {
  const store = new Texts({ locale: 'en-IN', currency: 'INR', timeZone: 'Asia/Kolkata' });

  it("takes a requested locale's catalogue, formatted for its region or the store's", () => {
    expect(store.resolve('hi')).toEqual({ lang: 'hi', tag: 'hi-IN' });
    expect(store.resolve('hi-IN')).toEqual({ lang: 'hi', tag: 'hi-IN' });
    expect(store.resolve('hi_in')).toEqual({ lang: 'hi', tag: 'hi-IN' });
    expect(store.resolve('en-US')).toEqual({ lang: 'en', tag: 'en-US' });
    expect(store.resolve('en')).toEqual({ lang: 'en', tag: 'en-IN' });
  });

  it("falls back to the store's default for a language without a catalogue, no locale, or garbage", () => {
    for (const tag of ['fr-FR', 'ta', '', undefined, null, 42, 'x'.repeat(50), '<script>', 'en_US;drop']) expect(store.resolve(tag)).toEqual({ lang: 'en', tag: 'en-IN' });
    const hindiStore = new Texts({ locale: 'hi-IN' });
    expect(hindiStore.resolve('fr')).toEqual({ lang: 'hi', tag: 'hi-IN' });
    expect(hindiStore.t(undefined, 'bot:chips.talkToPerson')).toBe('किसी व्यक्ति से बात करें');
  });

  it('formats prices with Intl for the locale, with Latin digits (₹1,499 in hi-IN)', () => {
    expect(store.price(1499, 'hi-IN')).toBe('₹1,499');
    expect(store.price(149999, 'hi')).toBe('₹1,49,999');
    expect(store.price(1499, 'en-IN')).toBe('₹1,499');
    expect(formatAmount(1499, { locale: 'hi-IN-u-nu-deva', currency: 'INR' })).toBe('₹1,499');
    expect(store.price(20, 'en-US', 'USD')).toBe('$20');
    expect(store.number(4.25, 'hi', 1)).toMatch(/^4\.[23]$/);
  });

  it('formats dates in the store time zone and the language own formats', () => {
    const at = Date.UTC(2026, 11, 14, 20, 0); // 15 Dec, 01:30 in Kolkata
    expect(store.date(at, 'en', { day: 'numeric', month: 'short', year: 'numeric' })).toBe('15 Dec 2026');
    expect(store.date(at, 'hi', { day: 'numeric', month: 'long', year: 'numeric' })).toBe('15 दिसंबर 2026');
  });

  it('reads the store settings from the environment and refuses bad ones', () => {
    expect(localeSettings({})).toEqual({ locale: 'en-IN', currency: 'INR', timeZone: 'Asia/Kolkata' });
    expect(localeSettings({ SHOPBOT_LOCALE: 'hi_IN', SHOPBOT_CURRENCY: 'inr', SHOPBOT_TIMEZONE: 'Asia/Kolkata' })).toEqual({ locale: 'hi-IN', currency: 'INR', timeZone: 'Asia/Kolkata' });
    expect(() => localeSettings({ SHOPBOT_LOCALE: 'fr-FR' })).toThrow(/no "fr" message catalogue/);
    expect(() => localeSettings({ SHOPBOT_LOCALE: 'not a locale' })).toThrow(/SHOPBOT_LOCALE/);
    expect(() => localeSettings({ SHOPBOT_CURRENCY: 'RUPEES' })).toThrow(/SHOPBOT_CURRENCY/);
    expect(() => localeSettings({ SHOPBOT_TIMEZONE: 'Mars/Olympus' })).toThrow(/SHOPBOT_TIMEZONE/);
  });
});
