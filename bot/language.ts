// Which language a customer wrote in, well enough to know when a message is not English. The
// encoder is English-only, so such a message gets an honest "English for now" (in the customer's
// language where we have the words) and the offer of a person, never the out-of-scope refusal.
//
// Scripts decide most cases (Devanagari, Bengali, Tamil, Arabic, ...). Latin-script messages are
// scored on function words; romanised Hindi counts only when its function words dominate, since
// Indian English often carries a Hindi word or two ("kitna price for this iron").

import { languageName, languages, SOURCE_LANGUAGE, translate, type Locale } from '../core/i18n.js';

/**
 * The line for a language without a catalogue under locales/ (a language with one says it in its
 * catalogue's language.otherLanguageFirst).
 */
const NO_CATALOGUE: Record<string, string> = {
  es: 'Lo siento, por ahora solo puedo conversar en inglés. Puedes escribirme en inglés o, si lo prefieres, te paso con una persona de nuestro equipo.',
};

export interface DetectedLanguage {
  /** ISO 639-1 code, 'en' for English (and for anything too short to tell). */
  lang: string;
  /** The language's own name, for the reply. */
  name: string;
}

const SCRIPTS: [RegExp, string, string][] = [
  [/\p{Script=Devanagari}/u, 'hi', 'Hindi'],
  [/\p{Script=Bengali}/u, 'bn', 'Bengali'],
  [/\p{Script=Tamil}/u, 'ta', 'Tamil'],
  [/\p{Script=Telugu}/u, 'te', 'Telugu'],
  [/\p{Script=Kannada}/u, 'kn', 'Kannada'],
  [/\p{Script=Malayalam}/u, 'ml', 'Malayalam'],
  [/\p{Script=Gujarati}/u, 'gu', 'Gujarati'],
  [/\p{Script=Gurmukhi}/u, 'pa', 'Punjabi'],
  [/\p{Script=Oriya}/u, 'or', 'Odia'],
  [/\p{Script=Arabic}/u, 'ar', 'Arabic'],
  [/\p{Script=Hebrew}/u, 'he', 'Hebrew'],
  [/\p{Script=Cyrillic}/u, 'ru', 'Russian'],
  [/\p{Script=Greek}/u, 'el', 'Greek'],
  [/\p{Script=Thai}/u, 'th', 'Thai'],
  [/\p{Script=Hangul}/u, 'ko', 'Korean'],
  [/[\p{Script=Hiragana}\p{Script=Katakana}]/u, 'ja', 'Japanese'],
  [/\p{Script=Han}/u, 'zh', 'Chinese'],
];

/** Function words that English does not share (or rarely). */
const LATIN: Record<string, { name: string; words: string[] }> = {
  es: { name: 'Spanish', words: 'el la los las del que de en por para con una un es está están estoy quiero puedo cómo como cuándo cuando dónde donde qué pedido mi mis su sus hola gracias necesito tengo hay muy pero también envío envio devolución devolucion pago precio tienen tiene gratis puede pueden ustedes hacer dinero reembolso unos unas devolver comprar cambiar tienes ayuda zapatos hacen envían envian envíos envios toda todo todos productos tienda cuánto cuanto cuesta ya llegó llego mañana'.split(' ') },
  fr: { name: 'French', words: 'le la les des du une un est je vous nous mon ma mes est-ce que quand où comment pour avec bonjour merci commande livraison paiement voudrais'.split(' ') },
  de: { name: 'German', words: 'der die das und ist ich nicht mein meine wie wo wann bitte danke bestellung lieferung zahlung mit für ein eine können möchte'.split(' ') },
  pt: { name: 'Portuguese', words: 'o os as do da dos das que em para com um uma é está não meu minha quando onde como obrigado olá pedido entrega pagamento quero'.split(' ') },
  it: { name: 'Italian', words: 'il lo gli della che di è sono non mio mia quando dove come grazie ciao ordine consegna pagamento vorrei voglio'.split(' ') },
  hi: {
    name: 'Hindi',
    words:
      'kya hai hain mera meri mere mujhe muje kab kitna kitne kitni nahi nahin kaise kaisa kaha kahan kyu kyun karo karna kar raha rahi hoga hogi aap aapka aapki tum tumhara yeh ye woh wo mai main hum kuch bhi abhi tak aur lekin chahiye chaiye milega milegi bhai bhaiya batao bataiye paisa paise wapas jaldi'.split(' '),
  },
};
/** Letters or marks only one of the languages above writes: each counts as two of its words. */
const MARKS: Record<string, RegExp> = { es: /[¿¡ñ]/u, de: /[ß]/u, fr: /[çœ]/u };

/** English words that also appear in the lists above: never counted. */
const SHARED = new Set(['a', 'i', 'me', 'do', 'to', 'in', 'on', 'is', 'as', 'no', 'so', 'pin', 'main', 'come', 'more', 'die', 'tag']);

/** Shop words in English that Hinglish messages keep. */
const STORE_WORDS = new Set(
  'order orders refund refunds return returns replace replacement exchange delivery deliver delivered shipping shipped courier parcel package cancel cancelled payment pay paid cod emi upi card invoice bill gst warranty account password login price cost offer discount coupon product phone mobile tv laptop headphones earphones charger size colour color stock available'.split(' '),
);

const ENGLISH = new Set('the a an is are was were i you my your me we our it this that what when where how why can could would should will do does did have has had not no yes please order orders delivery refund return payment price want need to for of in on with and or but from about any is'.split(' '));

export function detectLanguage(text: string): DetectedLanguage {
  const letters = text.replace(/[\p{P}\p{S}\p{N}\s]/gu, '');
  for (const [re, lang, name] of SCRIPTS) {
    const count = [...letters].filter((ch) => re.test(ch)).length;
    // A script other than Latin carrying most of the letters decides the language.
    if (count > 0 && count >= letters.length * 0.4) return { lang, name };
  }
  const words = text.toLowerCase().normalize('NFC').match(/[\p{L}'’-]+/gu) ?? [];
  if (words.length < 2) return { lang: 'en', name: 'English' };
  const english = words.filter((w) => ENGLISH.has(w)).length;
  let best: DetectedLanguage = { lang: 'en', name: 'English' };
  let bestScore = 0;
  for (const [lang, { name, words: list }] of Object.entries(LATIN)) {
    const set = new Set(list);
    const score = words.filter((w) => set.has(w) && !SHARED.has(w)).length + (MARKS[lang]?.test(text) ? 2 : 0);
    if (score > bestScore) {
      bestScore = score;
      best = { lang, name };
    }
  }
  // Hinglish about the shop ("return policy kya hai", "refund kab tak aayega") carries the English
  // words the bot understands: it is read as English, not turned away.
  if (best.lang === 'hi' && words.some((w) => STORE_WORDS.has(w))) return { lang: 'en', name: 'English' };
  // Two or more of its function words, and more of them than English ones.
  if (bestScore >= 2 && bestScore > english && bestScore / words.length >= 0.25) return best;
  return { lang: 'en', name: 'English' };
}

/**
 * "English for now": in an English conversation, the customer's own language first where a
 * catalogue (or the one line below) has the words, then English; in a conversation in another
 * language (the widget's data-locale, Bot Framework's locale), that catalogue's own words, which
 * say what the bot can read and that it answers in that language.
 */
export function englishOnlyReply(lang: DetectedLanguage, locale: Locale = { lang: 'en', tag: 'en-IN' }): string {
  if (locale.lang !== SOURCE_LANGUAGE) {
    const noticed = lang.lang !== SOURCE_LANGUAGE ? translate(locale, 'bot:language.noticed', { language: languageName(lang.lang, locale.tag) }) : '';
    return translate(locale, 'bot:language.englishOnly', { noticed });
  }
  const english = translate(SOURCE_LANGUAGE, 'bot:language.englishOnly', { noticed: lang.lang !== SOURCE_LANGUAGE ? translate(SOURCE_LANGUAGE, 'bot:language.noticed', { language: lang.name }) : '' });
  const own = lang.lang !== SOURCE_LANGUAGE && languages().includes(lang.lang) ? translate(lang.lang, 'bot:language.otherLanguageFirst') : NO_CATALOGUE[lang.lang];
  return own ? `${own}\n\n${english}` : english;
}
