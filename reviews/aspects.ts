import type { Encoder } from '../nlu/encoder-types.js';
import { cosine } from '../nlu/encoder-types.js';

// Aspect discovery for review summaries. Aspects are what reviewers talk about (battery, screen, price,
// delivery, quality, ...): frequent noun-like words and two-word terms across the reviews given, merged
// with the seed aspects and with each other by embedding similarity (shared sentence encoder), so that
// "display" joins "screen" and "kids"/"kid" become one aspect. No POS tagger: a term counts as noun-like
// when reviewers put a determiner or an opinion adjective before it ("the battery", "great sound") or a
// verb like "is"/"works" after it.

export interface AspectDef {
  /** Display name, e.g. "battery" or "sound quality". */
  name: string;
  /** Lowercase words or two-word phrases whose presence in a sentence counts as a mention. */
  terms: string[];
  /** True for the built-in seed aspects, false for aspects discovered from the reviews. */
  seed: boolean;
}

export const SEED_ASPECTS: readonly AspectDef[] = [
  { name: 'battery', terms: ['battery', 'batteries', 'battery life', 'charge', 'charging', 'charger', 'recharge'], seed: true },
  { name: 'screen', terms: ['screen', 'screens', 'display', 'touchscreen', 'touch screen', 'resolution', 'brightness', 'glare', 'backlight'], seed: true },
  { name: 'price', terms: ['price', 'priced', 'prices', 'value', 'cost', 'money', 'deal', 'expensive', 'cheap', 'affordable', 'overpriced'], seed: true },
  { name: 'delivery', terms: ['delivery', 'delivered', 'shipping', 'shipped', 'arrived', 'package', 'packaging', 'courier', 'parcel'], seed: true },
  { name: 'quality', terms: ['quality', 'build quality', 'build', 'material', 'materials', 'durable', 'durability', 'sturdy', 'flimsy', 'broke', 'broken'], seed: true },
  { name: 'sound', terms: ['sound', 'sound quality', 'audio', 'speaker', 'speakers', 'volume', 'bass', 'loudness'], seed: true },
  { name: 'size', terms: ['size', 'weight', 'lightweight', 'heavy', 'bulky', 'compact', 'small', 'fits'], seed: true },
  { name: 'customer service', terms: ['customer service', 'support', 'customer support', 'warranty', 'refund', 'replacement', 'seller'], seed: true },
  { name: 'setup', terms: ['setup', 'set up', 'install', 'installation', 'instructions', 'configure'], seed: true },
  { name: 'performance', terms: ['speed', 'performance', 'processor', 'lag', 'lags', 'lagging', 'laggy', 'hangs', 'hanging', 'stuck', 'stucks', 'sluggish', 'slow', 'slower', 'fast', 'snappy', 'freezes', 'responsive'], seed: true },
  { name: 'connectivity', terms: ['wifi', 'wi-fi', 'bluetooth', 'connection', 'connectivity', 'signal'], seed: true },
  { name: 'camera', terms: ['camera', 'cameras', 'front camera', 'rear camera', 'photo quality', 'video calls'], seed: true },
];

const STOP = new Set(
  (
    'a an the and or but if then else so than that this these those there here it its it\'s itself i i\'m i\'ve i\'d me my mine we our ' +
    'you your yours he him his she her they them their what which who whom whose when where why how all any both each few more most ' +
    'other some such no nor not only own same too very can will just don\'t doesn\'t didn\'t isn\'t wasn\'t won\'t can\'t couldn\'t ' +
    'should now is are was were be been being have has had having do does did doing would could should might must may shall ' +
    'of at by for with about against between into through during before after above below to from up down in out on off over under ' +
    'again further once also as until while because one ones two three four five first second last ever even still yet really ' +
    'much many lot lots bit little thing things something anything everything nothing way ways time times day days week weeks ' +
    'month months year years everyone anyone someone people person get got gets getting go goes going went make makes made ' +
    'use used uses using want wanted need needs needed know knew think thought see say said take took come came give gave keep ' +
    'like likes liked love loves loved enjoy enjoys enjoyed recommend recommended recommending buy bought buying purchase purchased ' +
    'purchasing review reviews reviewed star stars product products item items great good nice best better excellent awesome ' +
    'amazing perfect happy fantastic wonderful bad poor terrible awful worst worse easy hard fun well pretty overall definitely ' +
    'highly absolutely totally quite always never sometimes often able unable sure new old big small right left works work worked ' +
    'working does done gift gifts christmas birthday son daughter wife husband mom dad kids kid grandson granddaughter family ' +
    'friend friends home house everyday every another around enough else let lets without within yes ok okay wow also'
  ).split(/\s+/),
);

/** Adjectives and other non-aspect words that the noun test lets through ("in the dark", "the long run"). */
const NOT_ASPECT = new Set(
  ('dark long light lights short portable easy heavy bright clear big bigger small smaller large larger fast faster slow slower ' +
    'cheap cheaper expensive old older new newer little whole real own same different other full free low high hard quick ' +
    'simple useful sure able happy loud clear previous original main extra top bottom front back side inside outside lot ' +
    'reason problem problems issue issues complaint complaints experience fact idea plus minus part end start beginning ' +
    'point places place case cases store stores version versions generation model models device devices unit units gadget ' +
    'tablet tablets reader readers e-reader ereader machine system purchase way advertised paid already black white ' +
    'conditions bulk wake request requests stand computer computers laptop laptops ipad smart').split(/\s+/),
);

/** Words that sit before nouns: determiners, possessives and common opinion adjectives. */
const BEFORE_NOUN = new Set(
  ('the a an my our your their his her its this that these those no great good nice excellent amazing awesome poor bad terrible ' +
    'awful decent fantastic perfect better worse best worst long short fast slow low high clear crisp bright large huge').split(' '),
);
/** Words that follow a noun subject. */
const AFTER_NOUN = new Set('is was are were has had works worked seems seemed looks feels lasts died stopped quality'.split(' '));

const WORD = /[a-z0-9]+(?:['’-][a-z0-9]+)*/g;

export function words(text: string): string[] {
  return text.toLowerCase().replace(/’/g, "'").match(WORD) ?? [];
}

/** The words and adjacent word pairs of a text, for term lookup. */
export function termsIn(text: string): Set<string> {
  const w = words(text);
  const out = new Set<string>(w);
  for (let i = 0; i + 1 < w.length; i++) out.add(`${w[i]} ${w[i + 1]}`);
  return out;
}

export interface TermCandidate {
  term: string;
  /** Reviews that use the term. */
  reviews: number;
  /** Share of occurrences in a noun position (after a determiner/adjective or before "is"/"works"). */
  nounness: number;
}

export interface DiscoverOptions {
  /** Seed aspects to merge discovered terms into; SEED_ASPECTS by default, [] for discovery only. */
  seeds?: readonly AspectDef[];
  /** Cosine at which a discovered term joins a seed aspect (max over the seed's terms). */
  seedThreshold?: number;
  /** Cosine at which two discovered terms form one aspect. */
  mergeThreshold?: number;
  /** Minimum reviews mentioning a term (default max(3, 1% of the reviews)). */
  minReviews?: number;
  /** Candidate terms embedded at most (most frequent first). */
  maxCandidates?: number;
}

function okWord(w: string): boolean {
  return w.length >= 3 && !STOP.has(w) && !NOT_ASPECT.has(w) && !/^\d+$/.test(w) && !/ly$/.test(w) && !/^[^a-z]/.test(w);
}

/** Words written capitalized inside sentences most of the time: brand and product names ("Kindle", "Alexa"). */
function properNouns(sentences: readonly { text: string }[]): Set<string> {
  const cap = new Map<string, number>();
  const all = new Map<string, number>();
  for (const s of sentences) {
    const toks = s.text.match(/[A-Za-z][A-Za-z'’-]*/g) ?? [];
    for (let i = 1; i < toks.length; i++) {
      const t = toks[i]!;
      const w = t.toLowerCase();
      all.set(w, (all.get(w) ?? 0) + 1);
      if (t[0] !== t[0]!.toLowerCase() && t.slice(1) !== t.slice(1).toUpperCase()) cap.set(w, (cap.get(w) ?? 0) + 1);
    }
  }
  const out = new Set<string>();
  for (const [w, n] of all) if (n >= 2 && (cap.get(w) ?? 0) / n >= 0.5) out.add(w);
  return out;
}

const DETERMINERS = new Set('the a an my our your their his her its this that these those no'.split(' '));

/**
 * Frequent noun-like words and two-word terms, counted once per review. Noun evidence for an
 * occurrence: a determiner before it ("the battery") with the phrase ending right after it (a
 * function word, a verb like "is", or punctuation follows) -- "a decent tablet" is not evidence for
 * "decent" -- or an opinion adjective before it ("great sound").
 */
export function candidateTerms(sentences: readonly { text: string; reviewId: string }[], opts: { minReviews: number; totalReviews: number }): TermCandidate[] {
  const df = new Map<string, Set<string>>();
  const occ = new Map<string, number>();
  const nouny = new Map<string, number>();
  const bump = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);
  const endsPhrase = (after: string | undefined) => after === undefined || STOP.has(after) || AFTER_NOUN.has(after);
  for (const s of sentences) {
    const seen = new Set<string>();
    for (const segment of s.text.split(/[,;:()!?.\n"]+/)) {
      const w = words(segment);
      for (let i = 0; i < w.length; i++) {
        const a = w[i]!;
        if (!okWord(a)) continue;
        const add = (term: string, before: string | undefined, after: string | undefined) => {
          let set = df.get(term);
          if (!set) df.set(term, (set = new Set()));
          set.add(s.reviewId);
          bump(occ, term);
          const evidence = before !== undefined && ((DETERMINERS.has(before) && endsPhrase(after)) || (BEFORE_NOUN.has(before) && !DETERMINERS.has(before)));
          if (evidence || (after !== undefined && AFTER_NOUN.has(after) && !STOP.has(a))) bump(nouny, term);
          seen.add(term);
        };
        add(a, w[i - 1], w[i + 1]);
        const next = w[i + 1];
        if (next !== undefined && okWord(next)) add(`${a} ${next}`, w[i - 1], w[i + 2]);
      }
    }
  }
  const proper = properNouns(sentences);
  const out: TermCandidate[] = [];
  for (const [term, set] of df) {
    if (set.size < opts.minReviews) continue;
    if (term.split(' ').some((w) => proper.has(w))) continue;
    const n = occ.get(term) ?? 1;
    out.push({ term, reviews: set.size, nounness: (nouny.get(term) ?? 0) / n });
  }
  // A two-word term is kept only when it is more than a chance pairing: it must cover a fair share of
  // the uses of its second word ("battery life" yes, "screen great" no).
  const uni = new Map(out.filter((c) => !c.term.includes(' ')).map((c) => [c.term, c.reviews]));
  return out.filter((c) => {
    // A word in most reviews is the product itself ("kindle", "speaker"), not one of its aspects.
    if (!c.term.includes(' ')) return c.nounness >= 0.3 && c.reviews <= opts.totalReviews * 0.5;
    const second = c.term.split(' ')[1]!;
    const base = uni.get(second) ?? c.reviews;
    return c.reviews >= base * 0.25 && c.nounness >= 0.3;
  });
}

/**
 * Prototype words for the embedding test that keeps product features and drops people, places,
 * times and abstract words that pass the noun test ("mother", "office", "job", "difference").
 */
const ASPECT_PROTOTYPES = [
  'battery', 'screen', 'price', 'delivery', 'quality', 'sound', 'size', 'customer service', 'setup', 'speed', 'wifi', 'camera',
  'design', 'features', 'apps', 'software', 'buttons', 'storage', 'memory', 'cover', 'case', 'keyboard', 'interface', 'controls',
  'color', 'font', 'pages', 'microphone', 'remote', 'cable', 'charger', 'games', 'ads', 'voice recognition', 'fabric', 'taste', 'smell',
];
const OTHER_PROTOTYPES = [
  'mother', 'friend', 'girlfriend', 'husband', 'nephew', 'people', 'office', 'bedroom', 'car', 'garage', 'school', 'house', 'room',
  'job', 'difference', 'ability', 'reason', 'time', 'hours', 'today', 'market', 'release', 'upgrade', 'store', 'sales', 'purse',
  'bag', 'favorite', 'surprise', 'decision', 'opinion', 'thing', 'life', 'eyes', 'hand',
];

// Term embeddings per encoder: seed terms and prototypes recur in every summary, candidate terms often.
const termCache = new WeakMap<object, Map<string, Float32Array>>();
const TERM_CACHE_MAX = 20_000;

async function embedTerms(encoder: Pick<Encoder, 'embedMany'>, terms: readonly string[]): Promise<Float32Array[]> {
  let cache = termCache.get(encoder);
  if (!cache) termCache.set(encoder, (cache = new Map()));
  const missing = [...new Set(terms.filter((t) => !cache.has(t)))];
  if (missing.length > 0) {
    if (cache.size + missing.length > TERM_CACHE_MAX) cache.clear();
    const vecs = await encoder.embedMany(missing);
    missing.forEach((t, i) => cache.set(t, vecs[i]!));
  }
  return terms.map((t) => cache.get(t)!);
}

function singular(term: string): string {
  if (term.endsWith('ies') && term.length > 4) return term.slice(0, -3) + 'y';
  if (term.endsWith('ses') || term.endsWith('xes') || term.endsWith('ches') || term.endsWith('shes')) return term.slice(0, -2);
  if (term.endsWith('s') && !term.endsWith('ss') && term.length > 3) return term.slice(0, -1);
  return term;
}

/**
 * Discovers the aspects of a set of review sentences: seed aspects extended with similar discovered
 * terms, plus new aspects from discovered terms that match no seed. Only aspects that the sentences
 * actually mention are returned, most mentioned first.
 */
export async function discoverAspects(
  sentences: readonly { text: string; reviewId: string }[],
  encoder: Pick<Encoder, 'embedMany'>,
  opts: DiscoverOptions = {},
): Promise<AspectDef[]> {
  const seeds = (opts.seeds ?? SEED_ASPECTS).map((a) => ({ ...a, terms: [...a.terms] }));
  const totalReviews = new Set(sentences.map((s) => s.reviewId)).size;
  const minReviews = opts.minReviews ?? Math.max(3, Math.ceil(totalReviews * 0.01));
  const seedTerms = new Set(seeds.flatMap((a) => a.terms));
  let cands = candidateTerms(sentences, { minReviews, totalReviews }).filter((c) => !seedTerms.has(c.term));
  // Plurals fold into their singular when both occur ("tablets" -> "tablet").
  const byTerm = new Map(cands.map((c) => [c.term, c]));
  const alias = new Map<string, string[]>();
  cands = cands.filter((c) => {
    const s = c.term.split(' ').map((w, i, all) => (i === all.length - 1 ? singular(w) : w)).join(' ');
    if (s !== c.term && (byTerm.has(s) || seedTerms.has(s))) {
      alias.set(s, [...(alias.get(s) ?? []), c.term]);
      const base = byTerm.get(s);
      if (base) base.reviews += c.reviews;
      return false;
    }
    return true;
  });
  cands.sort((a, b) => b.reviews - a.reviews || a.term.localeCompare(b.term));
  cands = cands.slice(0, opts.maxCandidates ?? 60);
  for (const s of seeds) for (const t of [...s.terms]) s.terms.push(...(alias.get(t) ?? []));

  if (cands.length > 0) {
    const seedList = seeds.flatMap((s, i) => s.terms.map((t) => ({ t, i })));
    const vecs = await embedTerms(encoder, [...cands.map((c) => c.term), ...seedList.map((x) => x.t), ...ASPECT_PROTOTYPES, ...OTHER_PROTOTYPES]);
    let candVec = vecs.slice(0, cands.length);
    const seedVec = vecs.slice(cands.length, cands.length + seedList.length);
    const protoAt = cands.length + seedList.length;
    const aspectProto = vecs.slice(protoAt, protoAt + ASPECT_PROTOTYPES.length);
    const otherProto = vecs.slice(protoAt + ASPECT_PROTOTYPES.length);
    // Nearest-prototype test: a candidate stays when it is closer to some product feature than to
    // any person, place, time or abstract word.
    const maxSim = (v: Float32Array, protos: Float32Array[]) => Math.max(...protos.map((p) => cosine(v, p)));
    const keep = cands.map((_, i) => maxSim(candVec[i]!, aspectProto) > maxSim(candVec[i]!, otherProto));
    cands = cands.filter((_, i) => keep[i]);
    candVec = candVec.filter((_, i) => keep[i]);
    const seedThreshold = opts.seedThreshold ?? 0.62;
    const mergeThreshold = opts.mergeThreshold ?? 0.7;
    const clusters: { head: number; members: number[] }[] = [];
    cands.forEach((c, ci) => {
      let best = -1;
      let bestSim = seedThreshold;
      seedList.forEach((s, si) => {
        const sim = cosine(candVec[ci]!, seedVec[si]!);
        if (sim >= bestSim) {
          bestSim = sim;
          best = s.i;
        }
      });
      if (best >= 0) {
        seeds[best]!.terms.push(c.term, ...(alias.get(c.term) ?? []));
        return;
      }
      const home = clusters.find((k) => cosine(candVec[ci]!, candVec[k.head]!) >= mergeThreshold);
      if (home) home.members.push(ci);
      else clusters.push({ head: ci, members: [ci] });
    });
    for (const k of clusters) {
      const terms = k.members.flatMap((m) => [cands[m]!.term, ...(alias.get(cands[m]!.term) ?? [])]);
      seeds.push({ name: cands[k.head]!.term, terms, seed: false });
    }
  }
  // Keep the aspects the sentences mention, most mentioned first; a term claimed by two aspects stays
  // with the first (seeds come first).
  const claimed = new Set<string>();
  const result: { a: AspectDef; mentions: number }[] = [];
  const sentTerms = sentences.map((s) => termsIn(s.text));
  for (const a of seeds) {
    const terms = [...new Set(a.terms)].filter((t) => !claimed.has(t));
    terms.forEach((t) => claimed.add(t));
    const reviews = new Set<string>();
    sentTerms.forEach((ts, i) => {
      if (terms.some((t) => ts.has(t))) reviews.add(sentences[i]!.reviewId);
    });
    if (reviews.size >= (a.seed ? Math.min(minReviews, 2) : minReviews)) result.push({ a: { ...a, terms }, mentions: reviews.size });
  }
  result.sort((x, y) => y.mentions - x.mentions || x.a.name.localeCompare(y.a.name));
  return result.map((r) => r.a);
}

/** Returns a function giving the names of the aspects a sentence mentions, in aspect order. */
export function aspectMatcher(aspects: readonly AspectDef[]): (text: string) => string[] {
  const index = new Map<string, number[]>();
  aspects.forEach((a, i) => {
    for (const t of a.terms) index.set(t, [...(index.get(t) ?? []), i]);
  });
  return (text: string) => {
    const hit = new Set<number>();
    for (const t of termsIn(text)) for (const i of index.get(t) ?? []) hit.add(i);
    return [...hit].sort((a, b) => a - b).map((i) => aspects[i]!.name);
  };
}
