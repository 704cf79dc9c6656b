import type { Product } from '../store/index.js';
import { SOURCE_LANGUAGE, type Locale, type Texts } from '../core/i18n.js';

/**
 * A recommender's reason ("because you viewed Sony WI-C100", "popular in Headphones") in the
 * conversation's language; the recommender words them in English. A reason of another shape is
 * kept in English conversations and left out in others (no English in a Hindi card).
 */
const REASONS: [RegExp, string, string][] = [
  [/^because you bought (.+)$/, 'bought', 'product'],
  [/^because you added (.+) to your cart$/, 'addedToCart', 'product'],
  [/^because you viewed (.+)$/, 'viewed', 'product'],
  [/^often bought together with (.+)$/, 'boughtTogether', 'product'],
  [/^often bought with (.+)$/, 'boughtWith', 'product'],
  [/^similar to (.+)$/, 'similarTo', 'product'],
  [/^popular in (.+)$/, 'popularIn', 'category'],
  [/^popular right now$/, 'popular', ''],
  [/^matches your request in (.+)$/, 'matchesIn', 'category'],
  [/^matches your request$/, 'matches', ''],
];
export function reasonIn(texts: Texts, locale: Locale, reason: string): string | null {
  if (locale.lang === SOURCE_LANGUAGE) return reason;
  for (const [re, key, slot] of REASONS) {
    const m = re.exec(reason);
    if (m) return texts.t(locale, `reason.${key}`, slot ? { [slot]: m[1]! } : {});
  }
  return null;
}

/**
 * Why a card is shown, in the customer's terms: the budget it keeps, what it has that was asked
 * for, what the customer did before ("because you viewed …"), its rating. A bare word match
 * ("matches 'sony'") says nothing the card's title does not.
 */
export function cardReason(texts: Texts, locale: Locale, p: Product | undefined, reason: string | undefined, maxPrice: number | undefined, asked?: string, cheaperThan?: number): string {
  const parts: string[] = [];
  // "cheaper": how much less than the cheapest shown before, not "within ₹598".
  if (cheaperThan !== undefined && p && p.price < cheaperThan) parts.push(texts.t(locale, 'reason.less', { diff: texts.price(cheaperThan - p.price, locale, p.currency) }));
  else if (maxPrice !== undefined && p) parts.push(texts.t(locale, 'reason.within', { price: texts.price(maxPrice, locale, p.currency) }));
  if (asked) parts.push(asked);
  const given = (reason ?? '').split(' · ').filter((r) => r !== '' && !/^matches\b|^popular\b/.test(r));
  parts.push(...given.flatMap((g) => reasonIn(texts, locale, g) ?? []));
  if (p?.rating != null && (p.ratingCount ?? 0) >= 20) parts.push(texts.t(locale, 'reason.ratings', { rating: texts.number(p.rating, locale, 1), count: texts.number(p.ratingCount!, locale) }));
  return parts.slice(0, 3).join(' · ');
}

/** The recommender's reasons (" · "-joined) in the conversation's language (see reasonIn). */
export function reasonsIn(texts: Texts, locale: Locale, reason: string | undefined): string | undefined {
  if (reason === undefined || locale.lang === SOURCE_LANGUAGE) return reason;
  return reason
    .split(' · ')
    .flatMap((r) => reasonIn(texts, locale, r) ?? [])
    .join(' · ');
}
