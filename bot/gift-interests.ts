// "something for my dad's bday, he likes old hindi songs": a gift named by what the person enjoys,
// not by a thing. The interest is searched as the things a shop sells for it.

const INTERESTS: readonly [RegExp, string][] = [
  [/\b(?:songs?|music|gaan[ae]|singing|ghazals?|bhajans?|radio)\b/, 'bluetooth speaker'],
  [/\b(?:reading|books?|novels?)\b/, 'kindle'],
  [/\b(?:fitness|gym|running|jogging|workouts?|exercise|yoga|walks?|walking)\b/, 'fitness band'],
  [/\b(?:photography|photos?|pictures)\b/, 'camera'],
  [/\b(?:gaming|video games|games|playstation|ps5)\b/, 'gaming mouse'],
  [/\b(?:cooking|baking|kitchen)\b/, 'kitchen appliance'],
  [/\b(?:coffee)\b/, 'coffee maker'],
  [/\b(?:tea|chai)\b/, 'tea set'],
  [/\b(?:movies?|films?|web ?series|cricket|watching tv|netflix)\b/, 'fire tv stick'],
  [/\b(?:gardening|plants?)\b/, 'planter'],
  [/\b(?:travel(?:l?ing)?|trips?|trekking)\b/, 'travel bag'],
];

/** Said as what someone else enjoys ("he likes", "she loves", "is into", "fond of"; not "i like this phone"). */
const ENJOYS = /(?<!\b(?:i|we|u|you) )\b(?:likes?|loves?|enjoys?|is into|are into|fond of|crazy about|passionate about|big fan of|shauk|shauq|pasand)\b/i;

/** What to search for a gift described by an interest, or null when the message names none. */
export function interestQuery(text: string): string | null {
  if (!ENJOYS.test(text)) return null;
  const after = text.toLowerCase().split(ENJOYS).slice(1).join(' ');
  return INTERESTS.find(([re]) => re.test(after))?.[1] ?? null;
}
