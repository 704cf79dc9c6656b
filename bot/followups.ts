// Short follow-ups that only make sense against what was just said: "the second one", "cheaper?",
// "in blue?". Recognised by pattern, resolved against the dialogue state by the policy.

export type FollowUp =
  | { kind: 'ordinal'; index: number }
  | { kind: 'cheaper' }
  | { kind: 'similar' }
  | { kind: 'budget' }
  | { kind: 'stock' }
  | { kind: 'more' }
  | { kind: 'best' }
  | { kind: 'cart' }
  | { kind: 'brand'; brands: string[] }
  | { kind: 'refine'; words: string[] };

const ORDINALS: Record<string, number> = { first: 0, '1st': 0, second: 1, '2nd': 1, third: 2, '3rd': 2, fourth: 3, '4th': 3, fifth: 4, '5th': 4, last: -1 };
export const COLOURS = ['black', 'white', 'red', 'blue', 'green', 'yellow', 'pink', 'purple', 'grey', 'gray', 'brown', 'orange', 'silver', 'gold', 'navy', 'beige'];

/** Features said alone after results ("rgb backlit", "waterproof"), which narrow what was shown. */
const REFINING_FEATURES = new Set('braided nylon metal rgb backlit mechanical wireless wired bluetooth waterproof portable rechargeable foldable cordless automatic digital smart inverter stainless steel glass ceramic non-stick nonstick led lcd amoled 4k hd fhd 5g noise-cancelling anc ergonomic compact'.split(' '));

/** "all these r above my budget", "these are too pricey": what was shown costs too much. */
const TOO_DEAR = /\b(?:too (?:costly|expensive|pricey|pricy|much|high)|(?:above|over|out of|beyond|exceeds?) (?:my |our )?budget|(?:cheaper|less expensive|lower priced) (?:ones?|options?|models?|\w+s)\b|show (?:me )?(?:something |some )?cheaper)/;

export function detectFollowUp(text: string): FollowUp | null {
  const asked = followUpOf(text);
  if (asked) return asked;
  // A question, then why ("got any of these in black? my laptop is black so", "any cheap 55 inch?
  // other brand also ok"): the question is the follow-up.
  const question = /^([^?]{2,80}\?)\s*\S/.exec(text);
  if (question) return followUpOf(question[1]!);
  // Or said first, then why after a comma ("43 inch ones only, 32 is too small for that wall").
  const first = /^([^,]{2,60}),\s*\S/.exec(text);
  return first ? followUpOf(first[1]!) : null;
}

function followUpOf(text: string): FollowUp | null {
  // "nice, but any under 700?", "ok and cheaper?": the words before the follow-up say nothing.
  const t = text.toLowerCase().trim().replace(/^(?:(?:nice|ok|okay|ok ok|hmm+|good|great|cool|fine|alright|but|and|so|acha|accha|achha|theek hai|thik hai)\b[\s,.!]*)+(?=\S)/, '');
  const words = t.split(/\s+/);
  // Said at length ("hmm all these r above my budget yaar, show cheaper watches", "these are too
  // pricey, i can spend 1500 at most"): cheaper, or a new budget when an amount is said.
  if (words.length <= 16 && TOO_DEAR.test(t)) return /\d/.test(t) ? { kind: 'budget' } : { kind: 'cheaper' };
  // "braided wala hai koi? pichla wala jaldi toot gaya", "oil filled nahi, fan wala, under 1500": the
  // clause that names a kind with "wala", not one said with "nahi".
  const wala = t.split(/[?.!,;]+/).map((c) => c.trim()).find((c) => /\bwal[aei]\b/.test(c) && !/\b(?:nahi|nahin|not|no|pichla|pichli|purana|purani)\b/.test(c));
  const walaWords = wala ? (/^((?:[a-z0-9-]+\s+){0,2}[a-z0-9-]+)\s+wal[aei]\b/.exec(wala)?.[1] ?? '').split(/\s+/).filter((w) => w !== '' && !/^(?:koi|kuch|ek|the|a|sasta|accha|acha)$/.test(w)) : [];
  if (walaWords.length > 0 && words.length <= 12) return { kind: 'refine', words: walaWords };
  if (words.length > 8) return null;
  // "anything under 1000?", "below 2k": the last request with a new budget.
  if (/^(?:(?:any|anything|something|show|me|ones?|options?|some|got|do you have|keep it|keep|make it|it should be|should be|must be|has to be|within)\s+)*(?:under|below|less than|within|upto|up to|max|around|not more than|no more than|not above|at most)\s*(?:rs\.?|inr|₹)?\s*\d[\d,.]*\s*k?\s*(?:rs|rupees)?(?:\s*(?:pls|please|plz|only|na|ji))*\s*\??$/.test(t)) return { kind: 'budget' };
  // "budget is 1000 max", "my budget is around 2k", "1500 max": a budget for the same request.
  if (/^(?:(?:but|ok|okay|and|my|the|our)\s+)*(?:budget\s+(?:is\s+|of\s+|around\s+|about\s+|upto\s+|up to\s+|max\s+|maximum\s+|only\s+)*)?(?:rs\.?|inr|₹)?\s*\d[\d,.]*\s*k?\s*(?:rs|rupees)?\s*(?:max|maximum|tops|only|at most)(?:\s*(?:pls|please|plz))?\s*\??$|^(?:(?:but|ok|okay|and|my|the|our)\s+)*budget\s+(?:is\s+|of\s+|around\s+|about\s+|upto\s+|up to\s+|only\s+)*(?:rs\.?|inr|₹)?\s*\d[\d,.]*\s*k?\s*(?:rs|rupees)?(?:\s*(?:pls|please|plz|only))*\s*\??$/.test(t)) return { kind: 'budget' };
  // "more options", "show more", "any others?": the same request, past what was shown.
  if (/^(?:(?:show|any|got|give me|see|some)\s+)?(?:more(?:\s+(?:options|products|items|like these|of these))?|others|other ones|next)(?:\s+(?:pls|please|plz))?\s*\??$/.test(t)) return { kind: 'more' };
  // "which one is best among these", "which is the best one": the best rated of what was shown.
  // Not "which phone is good for gaming", a new request.
  if ((/\bwhich\b.{0,20}\b(?:best|better|good|top)\b/.test(t) && (/\b(?:these|them|those|one|ones|among|above|shown)\b/.test(t) || words.length <= 4)) || /\b(?:best|better) (?:one|among (?:these|them|those)|of (?:these|them|those))\b/.test(t)) return { kind: 'best' };
  // "add it to cart", "buy this one": the product in focus, with its Add to cart button.
  if (/\b(?:add|put)\b.{0,20}\b(?:to|in|into) (?:my |the )?(?:cart|basket|bag)\b|^(?:ok |okay |then )?(?:i will |i'll |ill )?(?:buy|take|order) (?:it|this|that|this one|that one)\b/.test(t)) return { kind: 'cart' };
  // "the third time my refund failed", "last week": counts of times and days, not of cards.
  const ord = t.match(/\b(first|1st|second|2nd|third|3rd|fourth|4th|fifth|5th|last)\b(?!\s+(?:time|times|week|month|year|night|day|order|orders|attempt|try)\b)(?: one| item| product)?/);
  if (ord && /\b(one|item|product|show|that|the|tell|about|more|buy|take|want)\b/.test(t)) return { kind: 'ordinal', index: ORDINALS[ord[1]!]! };
  // "any cheap option?" (also "sasta option hai?", glossed) asks for cheaper of the same; "cheap phones" is a new request.
  if (/\b(cheaper|less expensive|lower price|more affordable|budget|for less(?: money)?|less money|lower cost|less price|lesser price|kam price)\b|\bcheap (?:one|ones|option|options|alternative|alternatives|version|model|something|anything)\b|\b(?:something|anything|kuch) (?:(?:more|aur|else) )?(?:cheap|cheaper|sasta)\b|^(?:any|koi|got any|is there (?:a|any)) (?:cheap|cheaper|sasta|sasti|less expensive)\b/.test(t)) return { kind: 'cheaper' };
  if (/\b(similar|more like (?:this|that|it)|like (?:this|that) one|alternatives?|other options?)\b/.test(t)) return { kind: 'similar' };
  const aboutShown = /\b(it|this|that|one|ones|same|instead|those|these)\b/.test(t);
  const colours = COLOURS.filter((c) => new RegExp(`\\b${c}\\b`).test(t));
  // "blue one?", "do you have it in blue": a colour of what was shown.
  if (colours.length > 0 && (words.length <= 5 || (aboutShown && words.length <= 8))) return { kind: 'refine', words: colours };
  // "only 32 inch ones": a size of what was shown.
  const size = /\b\d+(?:\.\d+)?\s*(?:inch(?:es)?|in|litres?|liters?|ltr|l|kg|gb|tb|w|watts?|mah|tons?)\b/.exec(t);
  if (size && aboutShown && words.length <= 6) return { kind: 'refine', words: [size[0]] };
  // "128 gb?", "1.5 ton?": a bare measure, of the same thing.
  if (size && words.length <= 3 && t.replace(size[0], '').replace(/[?!.\s]|\b(?:pls|please|one|ones|wala|wali)\b/g, '') === '') return { kind: 'refine', words: [size[0]] };
  // "any with noise cancellation", "one with a steel body": a feature of the same thing.
  const feature = /^(?:any|anything|something|one|ones|show(?: me)?(?: one| ones| some)?|do you have (?:any|one|ones)?|got any)\s+(?:with|having|that has|that have|which has|which have)\s+(?:a |an )?([a-z0-9 +-]{3,40}?)\s*\??$/.exec(t);
  if (feature) return { kind: 'refine', words: feature[1]!.split(/\s+/).filter((w) => w !== '') };
  // "rgb backlit under 1500?", "waterproof ones?": features alone, of the same thing.
  const featureOnly = t.replace(/\s*(?:,?\s*(?:below|under|within|upto|up to|less than|max)\s*(?:rs\.?|₹)?\s*\d[\d,.]*\s*k?)?\s*(?:ones?|pls|please)?\s*\??$/, '').split(/\s+/);
  if (featureOnly.length > 0 && featureOnly.length <= 3 && featureOnly.every((w) => REFINING_FEATURES.has(w))) return { kind: 'refine', words: featureOnly };
  // "only steel body ones, below 800", "glass wale": a kind of what was shown (a new budget is read
  // by the caller).
  const ones = /^(?:only|just|any|show(?: me)?|i want|want|prefer|do you have|got)?\s*((?:[a-z-]+\s+){0,3}?[a-z-]+)\s+(?:ones?|types?|wal[aei]|models?|variants?)\b\s*(?:,?\s*(?:below|under|within|upto|up to|less than|max)\s*(?:rs\.?|₹)?\s*\d[\d,.]*\s*k?)?\s*(?:pls|please|plz|only)?\s*\??$/.exec(t);
  const kindWords = ones ? ones[1]!.split(/\s+/).filter((w) => !/^(?:the|some|any|which|these|those|other|new|good|nice|best|better|different|more|cheap|cheaper|similar|same|few|all|only|just)$/.test(w)) : [];
  if (kindWords.length > 0) return { kind: 'refine', words: kindWords };
  // "is it in stock?", "available or out of stock?", "available?": of what was shown. Not "is cod
  // available", "available in my pincode" (the store's) or "do you stock sofas" (a search).
  const stockWords = /\b(in stock|out of stock|sold out|stock (?:left|status|available))\b|\bstock\s*\??$/.test(t);
  if ((stockWords || (/\bavailab/.test(t) && (aboutShown || words.length <= 2))) && !/\b(cod|emi|cash|deliver\w*|pincode|pin code|upi|card|returns?|refunds?|exchange|city|area|location)\b/.test(t)) return { kind: 'stock' };
  return null;
}

/**
 * "show me philips only", "only boat", "any from samsung?", "havells or racold": brands of what was
 * shown. `brands` are the brands of the shown products' category (the caller knows them); a word
 * that is one of them, with nothing else that names a thing, narrows the last results.
 */
export function detectBrandFollowUp(text: string, brands: ReadonlySet<string>): FollowUp | null {
  const t = text.toLowerCase().trim();
  const words = t.match(/[a-z0-9][a-z0-9-]*/g) ?? [];
  if (words.length === 0 || words.length > 6) return null;
  // "only havells or racold": either of them.
  // A colour that starts some titles ("Gold M.o.p …", "Colour …") is no brand here.
  const named = words.filter((w) => brands.has(w) && !COLOURS.includes(w) && !/^colou?rs?$/.test(w));
  if (named.length === 0) return null;
  // Two brands only as alternatives ("havells or racold"), never two words that happen to start titles.
  if (named.length > 1 && !/\b(?:or|and|either|ya|aur)\b|\//.test(t)) return null;
  const rest = words.filter((w) => !named.includes(w) && !/^(?:or|and|either|aur|ya|show|me|only|just|any|anything|from|by|of|the|brand|brands|ones?|options?|please|pls|plz|do|you|have|got|what|about|in|is|there|some|give|i|want|prefer|like|something|products?|items?|no|not|other|others|else|nothing|but|ka|ke|ki|bas|hi|wala|wale|wali)$/.test(w));
  return rest.length === 0 ? { kind: 'brand', brands: [...new Set(named)] } : null;
}
