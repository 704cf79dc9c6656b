import { describe, expect, it } from 'vitest';
import { detectLanguage, englishOnlyReply } from './language.js';

describe('detectLanguage', () => {
  it('tells other scripts and Latin-script languages from English', () => {
    const cases: [string, string][] = [
      ['मेरा ऑर्डर कहाँ है', 'hi'],
      ['এটা কত দাম', 'bn'],
      ['எனது ஆர்டர் எங்கே', 'ta'],
      ['أين طلبي', 'ar'],
      ['¿dónde está mi pedido?', 'es'],
      ['hola, quiero devolver un producto', 'es'],
      // '¿' is Spanish's own: with it, one common word is enough.
      ['¿Hacen envíos a toda la India?', 'es'],
      ['mujhe kya karna chahiye bhai', 'hi'],
      ['bonjour je voudrais une commande', 'fr'],
    ];
    for (const [text, lang] of cases) expect(detectLanguage(text).lang, text).toBe(lang);
  });

  it('keeps Indian English with a Hindi word, short messages and product names English', () => {
    for (const text of ['return policy kya hai', 'refund kab tak aayega', 'mera order kab aayega', 'kitna price for this iron', 'steam iron under 1500', 'how do i return an item?', 'is cod available in my pincode', 'pls help me', 'ok', 'die hard fan of boat headphones', 'main ek phone lena chahta hu but budget is 15k'])
      expect(detectLanguage(text).lang, text).toBe('en');
  });

  it('answers in Hindi and Spanish from the catalogue, always with English, and offers a person', () => {
    expect(englishOnlyReply({ lang: 'hi', name: 'Hindi' })).toMatch(/अंग्रेज़ी/);
    expect(englishOnlyReply({ lang: 'es', name: 'Spanish' })).toMatch(/inglés/);
    expect(englishOnlyReply({ lang: 'ta', name: 'Tamil' })).toMatch(/English for now.*Tamil.*person/s);
  });
});
