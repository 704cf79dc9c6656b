// Questions a shop assistant politely declines, though their words name things the catalogue sells
// ("gold rate today", "which tablet for fever", "suggest a netflix series").

export const NOT_A_PURCHASE = /^\s*(?:(?:can|could|will|would) (?:you|u) |pls |please |plz )?(?:help me (?:to )?|i need (?:you )?to |i want (?:you )?to )?(?:write|compose|sing|recite|translate|calculate|solve|explain|define|summari[sz]e|draw|tell me (?:a )?(?:joke|story|poem|riddle))\b/i;
/**
 * The day's price of a commodity, currency or index ("gold rate today", "petrol price in delhi",
 * "dollar rate"): news, not a product, though titles say "Gold" and "Silver".
 */
export const MARKET_RATE = /\b(?:gold|silver|platinum|petrol|diesel|cng|dollar|usd|euro|pound|dirham|rupee|bitcoin|btc|ethereum|crypto(?:currency)?|sensex|nifty|share|stock)\s+(?:rates?|prices?|value)\b(?!\s*(?:under|below|within|upto|up to|less))|\b(?:rate|price|value) of (?:gold|silver|platinum|petrol|diesel|dollar|bitcoin|crypto|sensex|nifty)\b/i;

/** The weather is news too, unless the message is about a delivery or a thing for the rain. */
export const WEATHER = /\b(?:will it (?:rain|snow|be (?:hot|cold|sunny))|is it (?:raining|snowing|going to rain)|(?:weather|temperature|forecast)\b(?! ?(?:proof|resistant|seal))|rain(?:fall)? (?:today|tomorrow|tonight|this week)|how (?:hot|cold) is it)/i;
export const WEATHER_SHOP = /\b(deliver\w*|ship\w*|courier|orders?|parcels?|packages?|dispatch\w*|coats?|jackets?|umbrellas?|covers?|boots?|shoes?|thermometers?|clocks?|stations?)\b/i;
/** Symptoms and what to take for them: a doctor's question, whatever "tablet" means in the catalogue. */
export const MEDICAL = /\b(?:fever|headache|head ache|body ?pains?|back pain|stomach ?(?:ache|pain)|cough|cold and cough|sore throat|diarrh\w*|vomit\w*|infection|blood pressure|bp|b\.p\.|diabetes|sugar|sugar level|thyroid|cholesterol|migraine|period pain|toothache|acidity|rash)\b[^.?!]{0,60}\b(?:tablets?|medicines?|pills?|syrup|dose|dosage|(?:should|can|do) i take|what to take|remedy|cure|treatment)\b|\b(?:tablets?|medicines?|pills?|syrup|dose|dosage|what to take|remedy|cure|treatment)\b[^.?!]{0,40}\bfor (?:fever|headache|body ?pains?|back pain|stomach ?(?:ache|pain)|cough|cold|sore throat|diarrh\w*|vomiting|infection|bp|diabetes|migraine|acidity)\b/i;
/** Series, films and songs to watch or hear, trains and cabs: not the shop's ("suggest a good netflix series"). */
export const ENTERTAINMENT = /\b(?:suggest|recommend|any good|best|good)\b[^.?!]{0,30}\b(?:netflix|prime video|hotstar|web ?series|series|movies?|films?|songs?|shows?|anime)\b|\bto (?:binge|watch tonight)\b/i;
export const TRAVEL = /\b(?:train|pnr|flight|bus) (?:status|ticket|booking|timings?|schedule)\b|\brunning status\b|\bpnr\b|\bbook (?:a |an |me a )?(?:cab|taxi|train|flight|bus|hotel|ticket|uber|ola)\b/i;
/** Which share to buy is investment advice, not a purchase ("which share should i buy tomorrow"). */
export const INVESTMENT = /\b(?:which|what|best) (?:shares?|stocks?|mutual funds?|crypto(?:currency)?|coins?|ipo)\b[^.?!]{0,30}\b(?:buy|invest|sell|hold)\b|\b(?:stock|share|intraday|trading|investment|crypto) (?:tips?|advice|recommendations?)\b|\bquick profit\b|\binvest (?:in|my money)\b/i;
/** Homework and coding help: a tutor's job, whatever words of products it has ("for loop not working"). */
export const HOMEWORK = /\b(?:homework|home work|assignment|school project|python|javascript|java code|c\+\+|coding|my code|source code|for loop|while loop|compile error|exam question|essay|maths? (?:problem|question|sum))\b/i;
