// Typos in the names of things ("hedphones", "kindel", "pressure coocker") corrected against the
// catalogue's own words: a word the titles never use, one or two edits from a word they use often,
// is taken for that word. Only the words that name the thing wanted are corrected, never the
// whole message: the catalogue is not a dictionary of English.

/** Optimal string alignment distance (insert, delete, substitute, swap two neighbours), stopping past `max`. */
export function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  const prev2 = new Array<number>(b.length + 1).fill(0);
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = new Array<number>(b.length + 1).fill(0);
    cur[0] = i;
    let best = cur[0];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) cur[j] = Math.min(cur[j]!, prev2[j - 2]! + 1);
      best = Math.min(best, cur[j]!);
    }
    if (best > max) return max + 1;
    prev2.splice(0, prev2.length, ...prev);
    prev = cur;
  }
  return prev[b.length]!;
}

/** Words of at least four letters and how often the titles use them. */
export function vocabularyOf(titles: Iterable<string>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const title of titles) for (const w of title.toLowerCase().match(/[a-z]{4,}/g) ?? []) counts.set(w, (counts.get(w) ?? 0) + 1);
  return counts;
}

/** Words of the store's service, not of its products: a typo of one ("cancle") is never made a product ("candle"). */
const SERVICE_WORDS = 'cancel order orders refund return replace exchange delivery deliver payment invoice account password address status track tracking courier parcel warranty policy support agent human complaint'.split(' ');

/** Whom and what a thing is for ("mens kurta", "kids watch"): words, not typos. */
const WHO_AND_WHAT_FOR = new Set('mens womens ladies gents kids boys girls baby babies teens adults unisex home office school party travel daily score match'.split(' '));

/**
 * The catalogue word a typo stands for, or null: the word itself is not in the vocabulary, and a
 * word used at least twice is one edit away (two for words of eight letters or more); the most
 * used of the nearest wins. Words under four letters are left alone ("gym" is no "gum").
 */
export function correctWord(word: string, vocabulary: ReadonlyMap<string, number>, kinds?: ReadonlySet<string>): string | null {
  const w = word.toLowerCase();
  if (w.length < 4 || !/^[a-z]+$/.test(w) || vocabulary.has(w) || WHO_AND_WHAT_FOR.has(w)) return null;
  if (SERVICE_WORDS.some((sw) => editDistance(w, sw, 1) <= 1)) return null;
  const max = w.length >= 8 ? 2 : 1;
  let best: string | null = null;
  let bestDistance = max + 1;
  let bestCount = 0;
  for (const [candidate, count] of vocabulary) {
    // A typo rarely changes both first letters: skipping those keeps the scan cheap.
    if (count < 2 || (candidate[0] !== w[0] && candidate[1] !== w[1])) continue;
    // Only into a name of a kind of thing or a brand ("headphones", "kindle"), never into any title word ("score" is no "store").
    if (kinds && !kinds.has(candidate)) continue;
    const d = editDistance(w, candidate, max);
    if (d < bestDistance || (d === bestDistance && count > bestCount)) {
      best = candidate;
      bestDistance = d;
      bestCount = count;
    }
  }
  return bestDistance <= max ? best : null;
}
