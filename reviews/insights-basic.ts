import type { AspectMention, Polarity, ReviewAnalysis, ReviewAnalyzer } from './insights-core.js';

// A small, dependency-free review analyzer: sentences, an aspect lexicon for consumer products, and
// a polarity lexicon with negation (a sentence without opinion words is neutral; one aspect per
// sentence). It is the fallback when no model-based analyzer is wired in, and the baseline in tests.

export const ASPECTS: Record<string, string[]> = {
  battery: ['battery', 'batteries', 'charge lasts', 'battery life', 'recharge'],
  screen: ['screen', 'display', 'resolution', 'brightness', 'glare', 'backlight'],
  sound: ['sound', 'speaker', 'speakers', 'audio', 'volume', 'bass', 'music'],
  price: ['price', 'value', 'money', 'cheap', 'expensive', 'cost', 'deal', 'worth', 'affordable'],
  'setup': ['setup', 'set up', 'install', 'installation', 'configure', 'setting up'],
  'voice assistant': ['alexa', 'voice', 'assistant', 'commands', 'echo'],
  apps: ['app', 'apps', 'games', 'netflix', 'prime video', 'youtube', 'play store', 'google play'],
  'build quality': ['quality', 'build', 'sturdy', 'durable', 'flimsy', 'plastic', 'broke', 'broken'],
  size: ['size', 'light', 'lightweight', 'weight', 'heavy', 'compact', 'small', 'portable'],
  'ease of use': ['easy', 'simple', 'user friendly', 'intuitive', 'complicated', 'confusing'],
  performance: ['fast', 'slow', 'speed', 'lag', 'laggy', 'performance', 'processor', 'responsive', 'freezes'],
  connectivity: ['wifi', 'wi-fi', 'bluetooth', 'connection', 'connect', 'internet', 'pairing', 'signal'],
  reading: ['read', 'reading', 'books', 'ebooks', 'kindle', 'pages'],
  kids: ['kids', 'kid', 'child', 'children', 'son', 'daughter', 'grandson', 'granddaughter'],
  delivery: ['delivery', 'shipping', 'arrived', 'packaging', 'package', 'packing'],
  'customer service': ['customer service', 'support', 'warranty', 'replacement', 'refund'],
  camera: ['camera', 'photos', 'pictures', 'video calls'],
  storage: ['storage', 'memory', 'sd card', 'gb'],
  charger: ['charger', 'cable', 'charging', 'adapter', 'usb'],
  remote: ['remote'],
};

const POSITIVE = new Set(
  'good great love loved loves excellent awesome amazing perfect best nice happy easy fast recommend recommended fantastic wonderful beautiful clear crisp bright sturdy durable works worked handy convenient enjoy enjoyed enjoys impressed impressive fun helpful reliable smooth solid superb useful worth affordable cheap lightweight light satisfied pleased brilliant favorite favourite quick responsive value simple intuitive loud vivid sharp gift'.split(' '),
);
const NEGATIVE = new Set(
  'bad poor terrible awful horrible hate hated slow broke broken broken defective disappointed disappointing disappointment waste worst useless junk cheaply flimsy problem problems issue issues difficult hard annoying frustrating return returned returning refund laggy lag freezes freeze crashed crash dies died dead stopped fail failed fails failure glitch glitchy unreliable overpriced expensive heavy dim blurry noisy quiet mediocre meh complicated confusing unresponsive sluggish weak cheap-feeling drain drains'.split(' '),
);
const NEGATORS = new Set(['not', "don't", 'dont', "doesn't", 'doesnt', "didn't", 'didnt', 'no', 'never', "isn't", 'isnt', "wasn't", 'wasnt', "won't", 'wont', "can't", 'cant', 'cannot', 'hardly', 'without']);
const PHRASES: [RegExp, number][] = [
  [/\bstopped working\b/, -2],
  [/\bdoes ?n[o']?t work\b/, -2],
  [/\bwaste of money\b/, -2],
  [/\bwould(n't| not) recommend\b/, -2],
  [/\bwould recommend\b/, 1],
  [/\bworks (great|well|perfectly|fine)\b/, 1],
  [/\b(highly|definitely) recommend\b/, 2],
  [/\bfor the price\b/, 0.5],
  [/\btoo (slow|small|big|heavy|expensive|short|dim)\b/, -1],
];

export function sentences(text: string): string[] {
  return text
    .replace(/\s+/g, ' ')
    .split(/(?<=[.!?])\s+|\s*[\n;]\s*/)
    .map((s) => s.trim())
    .filter((s) => s.length >= 3);
}

/** Lexicon polarity of one sentence: sum of opinion words, flipped after a negator (within 3 words). */
export function sentencePolarity(sentence: string): number {
  const lower = sentence.toLowerCase();
  const words = lower.match(/[a-z][a-z'-]*/g) ?? [];
  let score = 0;
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    let v = POSITIVE.has(w) ? 1 : NEGATIVE.has(w) ? -1 : 0;
    if (v === 0) continue;
    for (let j = Math.max(0, i - 3); j < i; j++) if (NEGATORS.has(words[j]!)) v = -v;
    score += v;
  }
  for (const [re, v] of PHRASES) if (re.test(lower)) score += v;
  return score;
}

/** A sentence's own polarity: its opinion words only (never the review's stars). */
const polarityOf = (score: number): Polarity => (score > 0 ? 'positive' : score < 0 ? 'negative' : 'neutral');

const escapeRe = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const ASPECT_RES: [string, RegExp][] = Object.entries(ASPECTS).map(([aspect, words]) => [aspect, new RegExp(`\\b(${words.map(escapeRe).join('|')})\\b`, 'i')]);

/** The one aspect a sentence is about: the aspect whose word comes first. */
function aspectOf(sentence: string): string | null {
  let best: { aspect: string; at: number } | null = null;
  for (const [aspect, re] of ASPECT_RES) {
    const m = re.exec(sentence);
    if (m && (!best || m.index < best.at)) best = { aspect, at: m.index };
  }
  return best?.aspect ?? null;
}

export function analyzeReview(r: { id: string; rating: number | null; title: string; text: string; date: string }): ReviewAnalysis {
  const parts = sentences(`${r.title ? r.title.replace(/[.!?]*$/, '.') + ' ' : ''}${r.text}`);
  let total = 0;
  const aspects: AspectMention[] = [];
  for (const s of parts) {
    const p = sentencePolarity(s);
    total += p;
    const aspect = aspectOf(s);
    if (!aspect) continue;
    // Lexicon readings are not confident enough to quote as pros or cons unless clearly polar.
    aspects.push({ aspect, sentiment: polarityOf(p), snippet: s.length > 240 ? s.slice(0, 239) + '…' : s, listable: Math.abs(p) >= 2 });
  }
  // The stars are the reviewer's own verdict: they weigh as much as two opinion words.
  const starWeight = r.rating === null ? 0 : r.rating >= 4 ? 2 : r.rating <= 2 ? -2 : 0;
  const combined = total + starWeight;
  const sentiment: Polarity = combined >= 1 ? 'positive' : combined <= -1 ? 'negative' : 'neutral';
  const score = Math.max(-1, Math.min(1, combined / 4));
  return { reviewId: r.id, date: r.date, rating: r.rating, sentiment, score, aspects };
}

export class LexiconReviewAnalyzer implements ReviewAnalyzer {
  readonly name = 'lexicon';
  async analyze(reviews: readonly { id: string; rating: number | null; title: string; text: string; date: string }[]): Promise<ReviewAnalysis[]> {
    return reviews.map(analyzeReview);
  }
}

/**
 * An analyzer whose real implementation (e.g. the sentiment model: `createReviewAnalyzer` in
 * reviews/summary.ts) is loaded on first use, so the server starts without waiting for it. If loading
 * fails (model folder missing), the lexicon analyzer takes over and the reason is logged once.
 */
export function lazyAnalyzer(load: () => Promise<ReviewAnalyzer>, opts: { log?: (line: string) => void; fallback?: ReviewAnalyzer } = {}): ReviewAnalyzer {
  const log = opts.log ?? ((l: string) => console.error(l));
  let inner: Promise<ReviewAnalyzer> | null = null;
  let name = 'loading';
  const get = () =>
    (inner ??= load().then(
      (a) => {
        name = a.name;
        return a;
      },
      (err: unknown) => {
        const f = opts.fallback ?? new LexiconReviewAnalyzer();
        name = `${f.name} (model unavailable)`;
        log(`[insights] review model unavailable, using the ${f.name} analyzer: ${(err as Error).message}`);
        return f;
      },
    ));
  return {
    get name() {
      return name;
    },
    async analyze(reviews) {
      return (await get()).analyze(reviews);
    },
  };
}
