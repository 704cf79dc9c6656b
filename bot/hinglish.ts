// Romanised Hindi ("Hinglish") is how many Indian customers write: "refund kab tak aayega",
// "sasta wala phone dikhao", "koi insaan hai kya". The encoder reads English only, so the words
// that carry the request are glossed into English before the message is understood; the shop words
// these messages keep (refund, order, phone) do the rest. The reply stays English, with one line
// in Hinglish saying so.

import { translate } from '../core/i18n.js';

/** Phrases first (longest wins), then single words. Grammar words that carry nothing are dropped. */
const GLOSS: [RegExp, string][] = [
  // Budgets put the amount first: "1500 tak" is "upto 1500", "1000 se kam" is "under 1000".
  [/(?<![\w.])(₹?\s*\d[\d,.]*\s*k?)\s*(?:rs\.?|rupees?|rupaye|rupaiye|rupay|rupye)?\s*(?:tak|tk)\b/g, 'upto $1'],
  [/(?<![\w.])(₹?\s*\d[\d,.]*\s*k?)\s*(?:rs\.?|rupees?|rupaye|rupaiye|rupay|rupye)?\s*(?:se kam|se neeche|se niche|ke andar|ke ander|ke neeche|ke niche|ke under|ke andar andar)\b/g, 'under $1'],
  [/(?<![\w.])(₹?\s*\d[\d,.]*\s*k?)\s*(?:rs\.?|rupees?|rupaye|rupaiye|rupay|rupye)?\s*(?:se zyada|se jyada|se upar|se oopar)\b/g, 'above $1'],
  // "accha sa fan" is a good fan; "accha" alone is "ok" (an acknowledgement), left as it is.
  [/\b(?:accha|acha|achha|achcha|badhiya|badiya|bdiya|mast)(?: sa| si| se| wala| wali)\b/g, 'good'],
  [/\b(?:badhiya|badiya|bdiya)\b/g, 'good'],
  [/\bghar ke liye\b/g, 'for home'],
  // "roti banane wali machine" is a roti maker, "dahi jamane wali" a yogurt maker.
  [/\bdahi (?:jamane|jamaane|jamane ki|banane) (?:wali|wala|ki) (?:machine|mashine)\b/g, 'yogurt maker'],
  [/\b(\w+) (?:banane|bnane|banana) (?:wali|wala|ki) (?:machine|mashine)\b/g, '$1 maker'],
  // "milti hai kya?" asks whether the shop has it.
  [/\b(?:milta|milti|milte|mil jayega|mil jaegi|milega|milegi) (?:hai|h|hain)? ?kya\b/g, 'do you have'],
  [/\b(?:ka|ki|ke) (?:number|no\.?|nmbr)\b/g, 'number'],
  [/\b(?:khula|khuli|khule)(?: (?:rehta|rehti|rahta|hota|hoti))?\b/g, 'open'],
  [/\blog kya (?:bolte|kehte|keh rahe|bol rahe) (?:hai|hain|h)\b/g, 'what do people say'],
  [/\bkam (?:price|daam|dam|keemat|rate|budget)(?: me| mein| mai)?\b/g, 'cheaper'],
  [/\bbijli\b/g, 'electricity'],
  [/\bkab tak\b/g, 'by when'],
  // "wall mount bhi chahiye iske liye": for it, too.
  [/\b(?:iske|uske|is ke|us ke|inke|unke) liye\b/g, 'for it'],
  // "is pe" / "ispe" is "on this" (the English "is" alone stays).
  [/\b(?:is (?:pe|par|mein|me)|ispe|ispar|isme|ismein|iska|iski|iske)\b/g, 'this'],
  [/\b(?:saal|sal)\b/g, 'years'],
  [/\b(?:kuch|kuchh) aur\b/g, 'something else'],
  [/\b(?:kuch|kuchh)\b/g, 'something'],
  [/\bkitne din(?: mein| me)?\b/g, 'how many days'],
  [/\bbaat kar(?:ni|na|wa(?:o|do|iye| do| dijiye)|ao|a do|ni hai|na hai)?\b/g, 'talk'],
  [/\b(?:asli|asal)\b/g, 'real'],
  [/\b(?:ho ?jayega|hoga|hogi|honge)\b/g, 'will'],
  [/\bkab\b/g, 'when'],
  [/\b(?:kahan|kaha|kidhar)\b/g, 'where'],
  [/\b(?:kitna|kitne|kitni)\b/g, 'how much'],
  [/\b(?:kaise|kese|kaisa|kaisi)\b/g, 'how'],
  [/\b(?:kyu|kyun|kyon)\b/g, 'why'],
  // "remote milega saath me?", "free installation milega?": does it come with it.
  [/\b(?!(?:kab|when|how|why|where|much|days?|din|hours?|tak|by|kitna|kitne|kitni|paisa|paise|money|refund|order|parcel|delivery|product|saman|samaan)\b)([a-z]+) (?:milega|milegi|milenge)(?: saath me| saath mein| sath me| sath mein| along)?\s*\?/g, 'does it come with $1?'],
  [/\b(?:aayega|aaega|ayega|aayegi|milega|milegi|milenge|pahunchega)\b/g, 'arrive'],
  [/\b(?:aaya|aayi|aya|mila|mili)\b/g, 'arrived'],
  [/\b(?:nahi|nahin|nhi|nai)\b/g, 'not'],
  [/\b(?:mera|meri|mere)\b/g, 'my'],
  [/\b(?:mujhe|muje|mujhko)\b/g, 'i'],
  [/\b(?:chahiye|chaiye|chahie)\b/g, 'want'],
  [/\b(?:dikhao|dikhaiye|dikha do|batao|bataiye|bata do)\b/g, 'show'],
  [/\b(?:sasta|saste|sasti)(?: wala| wali| wale)?\b/g, 'cheap'],
  [/\b(?:chhota|chota|chhoti|choti|chhote|chote)(?: sa| si| se| wala| wali| wale)?\b/g, 'small'],
  [/\b(?:bada|bara|badi|bari|bade|bare)(?: sa| si| se| wala| wali| wale)\b/g, 'big'],
  [/\b(?:mehenga|mehnga|mehngi)\b/g, 'expensive'],
  [/\b(?:insaan|insan|aadmi|banda|bande|bandey)\b/g, 'human'],
  [/\b(?:wapas|vapas|wapis)\b/g, 'back'],
  [/\b(?:paisa|paise|paisey)\b/g, 'money'],
  [/\b(?:abhi tak|ab tak)\b/g, 'yet'],
  [/\b(?:koi|kisi)\b/g, 'any'],
  [/\b(?:ke liye|ki liye|keliye)\b/g, 'for'],
  [/\bmein\b/g, 'in'],
  [/\b(?:kar sakte|kar sakta|kar sakti|kar skte)\b/g, 'can'],
  [/\baur\b/g, 'and'],
  [/\b(?:ghante|ghanta|ghanton)\b/g, 'hours'],
  // "dusra brand bhi chalega": another brand will do (not how long a battery lasts).
  [/\bbhi chal(?:ega|egi|e ga|jayega|jaega|jaegi|jayegi)\b/g, 'also ok'],
  [/\b(?:bajega|bajegi|chalega|chalegi|chalti|chalta)\b/g, 'last'],
  // "teesre wale pe kitni warranty", "dusra wala": which card; "dusra brand": another one.
  [/\b(?:pehla|pehle|pehli|pahla|pahle) (?:wala|wale|wali|vala|vale)\b/g, 'first one'],
  [/\b(?:dusra|doosra|dusre|doosre|dusri|doosri) (?:wala|wale|wali|vala|vale)\b/g, 'second one'],
  [/\b(?:teesra|teesre|tisra|tisre|teesri|tisri) (?:wala|wale|wali|vala|vale)?\b/g, 'third one'],
  [/\b(?:chautha|chauthe|chauthi) (?:wala|wale|wali|vala|vale)?\b/g, 'fourth one'],
  [/\b(?:dusra|doosra|dusri|doosri|dusre|doosre)\b/g, 'other'],
  [/\b(?:kya )?(?:farak|fark|farq|antar)\b/g, 'difference'],
  [/\bbhi\b/g, 'also'],
  // "pyaaz kaatne wala chopper": an onion chopper.
  [/\b(?:pyaaz|pyaz|pyaj|kanda)\b/g, 'onion'],
  [/\b(?:kaatne|katne|kaatna|kaatane|kaatney)(?: wala| wali| wale| ka| ki| ke)?\b/g, ''],
  [/\bek baar\b/g, 'one'],
  // "smartwatch jisme heart rate dikhe": one that shows it.
  [/\bjis(?:me|mein|mai)\b/g, 'with'],
  [/\b(?:dikhe|dikhaye|dikhta|dikhti|dikhata|dikhati)\b/g, ''],
  [/\bek\b/g, 'a'],
  [/\b(?:bhai|bhaiya|ji|yaar|wala|wali|wale|ye|yeh|kya|hai|hain|ho|hua|hui|ya|toh|to bhi|na|ko)\b/g, ''],
];

/** Function words of romanised Hindi that English does not use. */
const HINGLISH = /\b(se kam|se neeche|se niche|ke andar|se zyada|se upar|kya|hai|hain|khula|milti|milta|banane|jamane|aur|kab|tak|kuch|kuchh|ispe|saal|iski|iska|bande|bolte|kahan|kaha|kitna|kitne|kitni|nahi|nahin|nhi|mera|meri|mere|mujhe|chahiye|dikhao|batao|aayega|milega|insaan|wapas|paisa|paise|koi|kaise|hoga|hogi|sasta|bhai|abhi|liye|karne|wala|wale|wali|chalega|bulao|dikhado)\b/i;

/** The message with its Hinglish words glossed into English; null when it has none. */
export function glossHinglish(text: string): string | null {
  if (!HINGLISH.test(text)) return null;
  let out = text.toLowerCase();
  for (const [re, en] of GLOSS) out = out.replace(re, en);
  out = out.replace(/\s+/g, ' ').replace(/\s+([?.!,])/g, '$1').trim();
  return out === '' || out === text.toLowerCase() ? null : out;
}

/** Mostly romanised Hindi (not Indian English with a Hindi word in it): the reply says it is in English. */
export function mostlyHinglish(text: string): boolean {
  const words = text.toLowerCase().match(/[a-z]+/g) ?? [];
  const hindi = words.filter((w) => HINGLISH.test(w)).length;
  return hindi >= 2 && hindi / words.length >= 0.3;
}

/** "kya aap hindi mein baat kar sakte ho": a question about the bot's languages. */
export const ASKS_FOR_HINDI = /\b(hindi|hinglish)\b/i;

/** Said once with the answer to a Hinglish message in an English conversation (bot catalogue: language.hinglishNote). */
export const HINGLISH_NOTE = translate('en', 'bot:language.hinglishNote');
