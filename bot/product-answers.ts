import { clip } from './cards.js';

/** A question about the product in focus, answered from its reviews or details. */
export const ABOUT_PRODUCT = /\b(reviews?|feedback|safe|safety|full charge|playtime|play time|hours|people say|customers say|others say|think of it|worth it|battery|backup|screen|display|camera|quality|durab|sound|bass|mic|fit|comfort|size guide|fast charging|charging|waterproof|water resistant|water|splash|rain|performance|build)\b/i;

/**
 * A product's description as up to four short key features: its lines (or sentences), each at most
 * about 90 characters, without the catalogue's category lists. Raw catalogue text is not a summary.
 */
export function keyFeatures(description: string): string[] {
  const pieces = description
    .split(/\r?\n|\s*\|\s*|(?<=[a-z0-9)])\.\s+(?=[A-Z])/)
    .map((x) => x.replace(/\s+/g, ' ').replace(/\s*—+\s*/g, ': ').replace(/\s+:\s+/, ': ').trim().replace(/\.$/, ''))
    .filter((x) => x.length >= 8 && !/^categories:/i.test(x));
  return [...new Set(pieces)].slice(0, 4).map((x) => clip(x, 90));
}

/** A warranty period in a product's own details ("1 Year Warranty", "2 years manufacturer warranty"). */
export const WARRANTY_IN_DETAILS = /\b(?:\d+|one|two|three|five|six)[\s-]*(?:years?|yrs?|months?)\s+(?:of\s+)?(?:brand\s+|manufacturer'?s?\s+|limited\s+|replacement\s+|domestic\s+)?warranty\b/i;

/** The part of a product a review question asks about. */
export const ASPECT_ASKED = /\b(battery|backup|screen|display|sound|bass|camera|quality|build|size|fit|comfort|durability|noise|price|value|delivery|packaging|performance|charging|waterproof|mic|life)\b/;

/** A question about what buyers think of a product. */
export const REVIEW_QUESTION = /\b(reviews?|feedback|(?:any|what are the|what|main|common|the) (?:complaints|cons|downsides|drawbacks)|(?:people|ppl|customers|others|buyers|users) (?:say|saying|said)|(?:people|ppl|customers|those|others) who (?:bought|have bought|used|have used|own)|what do (?:people|customers|buyers|users) (?:think|say)|worth (?:it|buying))\b/i;
