import { describe, expect, it } from 'vitest';
import { romaniseHindi } from './devanagari.js';
import { glossHinglish } from './hinglish.js';

describe('romaniseHindi', () => {
  it('writes the shop words and the Hindi question words in Latin letters', () => {
    expect(romaniseHindi('रिटर्न पॉलिसी क्या है')).toBe('return policy kya hai');
    expect(romaniseHindi('मेरा रिफंड कब आएगा?')).toBe('mera refund kab aayega?');
    expect(romaniseHindi('कैश ऑन डिलीवरी है क्या')).toBe('cash on delivery hai kya');
    expect(romaniseHindi('नमस्ते, मुझे एक अच्छा मिक्सर चाहिए')).toBe('hello, mujhe good mixer chahiye');
    expect(romaniseHindi('2000 रुपये के अंदर प्रेशर कुकर दिखाओ')).toBe('under 2000 pressure cooker dikhao');
    expect(romaniseHindi('5 हज़ार तक का फोन')).toBe('under 5k phone');
  });

  it('feeds the Hinglish gloss, which makes English of it', () => {
    expect(glossHinglish(romaniseHindi('मेरा रिफंड कब आएगा?')!)).toBe('my refund when arrive?');
    expect(glossHinglish(romaniseHindi('किसी इंसान से बात करनी है')!)).toMatch(/any human talk/);
    expect(glossHinglish('kisi asli insaan se baat karwa do pls')).toBe('any real human se talk pls');
  });

  it('keeps the Latin words of a mixed message', () => {
    expect(romaniseHindi('ORD-123456 कहाँ है')).toBe('ORD-123456 kahan hai');
  });

  it('leaves alone Hindi it does not know (the honest "English for now" answers it)', () => {
    expect(romaniseHindi('आज मौसम बहुत सुहावना है')).toBeNull();
    expect(romaniseHindi('where is my order')).toBeNull();
    expect(romaniseHindi('के का की')).toBeNull();
  });

  it('reads Hinglish budgets, the amount first', () => {
    expect(glossHinglish('accha sa ceiling fan chahiye 1500 tak')).toBe('good ceiling fan want upto 1500');
    expect(glossHinglish('phone chahiye 10k se kam')).toBe('phone want under 10k');
    expect(glossHinglish('mixer 2000 rupaye ke andar dikhao')).toBe('mixer under 2000 show');
    expect(glossHinglish('refund kab tak aayega')).toBe('refund by when arrive');
    expect(glossHinglish('bhai kisi bande se baat karao')).toMatch(/any human se talk/);
    expect(glossHinglish('kuch kam price me hai kya')).toBe('something cheaper');
    // "accha" alone is an acknowledgement, not "good".
    expect(glossHinglish('acha theek hai, shukriya ji')).not.toMatch(/good/);
  });
});
