// How customers ask for a person, and what only a person should look into.

/** Whom customers ask for when they want a person, and how they ask. */
const STAFF = /\b(humans?|real person|live (?:agent|person|chat)|agents?|representatives?|executives?|operators?|managers?|supervisors?|senior|support (?:staff|guy|person|people|team)|staff|customer (?:care|service|support)(?: team| executive| person)?|concerned person|support team)\b/i;
const SOMEONE = /\b(someone|somebody|a person|person)\b/i;
const ASK_VERB = /\b(talk|speak|chat|connect|transfer|escalate|put me through|get me|give me|call me|want|need|let me|like|explain (?:it |this |my (?:issue|problem|case) )?to|hand (?:me )?(?:over )?to|pass me (?:on )?to|rather)\b/i;
const CONTACT_VERB = /\b(talk|speak|chat|connect|transfer|escalate|put me through|call me|call back|look at this|look into)\b|\bget (?:me )?(?:someone|somebody) who\b|\b(?:like|want|need) (?:a |some )?(?:person|human|someone|somebody)\b/i;

export function asksForPerson(text: string): boolean {
  // "ok this isnt going anywhere. human pls.": an ask in a sentence of its own.
  const sentences = text.split(/(?<=[.!?])\s+/).filter((x) => x.trim() !== '');
  if (sentences.length > 1 && sentences.some((x) => asksInOne(x))) return true;
  return asksInOne(text);
}

function asksInOne(text: string): boolean {
  // "not a bot", "bot nahi chahiye", "koi hai jo meri baat sun sake": a person, not this.
  if (/\b(?:bot nahi chahiye|no (?:more )?bots?|not (?:a|the|this) bot|don'?t want (?:a |the |this )?bot|(?:baat|problem) sun (?:sake|sakta|sakti|sako)|sunne wala)\b/i.test(text)) return true;
  if (/^\s*(agents?|human|operator|representative|executive|customer care|customer service|support)\s*(please|pls|plz)?\s*[.!?]*\s*$/i.test(text)) return true;
  // "agent please, wrong size shoes delivered": the ask comes first, the reason after.
  if (/^\s*(?:an? |some )?(?:(?:live|real) )?(?:agent|human|person|operator|representative|customer care|executive)\s+(?:please|pls|plz|now|asap)\b/i.test(text)) return true;
  // Hinglish: "kisi staff ko bulao", "manager se baat karao", "insaan se connect karo".
  if (/\b(?:staff|insaan|insan|aadmi|banda|bande|manager|agent|executive|human|person|kisi|koi)\b[^.?!]{0,20}\b(?:ko bulao|ko bula do|ko bulaiye|bulao|bula do|bulaiye|se baat (?:karao|karwao|karwa do|kara do|karni hai|karna hai|karwaiye)|se connect kar(?:o|ein|iye|do))\b/i.test(text)) return true;
  // "is a human available?", "is there any human here", "can a real person help me"
  if (/^\s*(?:any|a|some|koi)\s+(?:human|real person|agent|person)\b/i.test(text)) return true;
  if (/\b(human|real person|live agent|agent|person|someone|somebody)\b.{0,20}\b(available|here|there|online|help me|assist me|check|look (?:at|into)|handle|see to)\b|\b(is|are) there (?:any|a|some)\s+(?:human|real person|agent|people)\b/i.test(text) && /\b(human|real|live|agent|person)\b/i.test(text)) return true;
  // A call back is a person: "call me back", "give me a call", "pls ring me".
  if (/\bescalat\w*|\b(?:put|get) me in touch\b|\bcall ?back\b|\bcall me back\b|\b(?:arrange|schedule|request|book|need|want|get) (?:a |me a )?(?:call|phone call)\b|\bcall from (?:support|your team|the team|customer care|someone|an agent)\b|\bgive me a (?:call|ring)\b|\b(?:ring|phone) me\b|\b(?:talk|speak|chat|connect me)\s+(?:to|with)\s+(?:support|customer support|your team|the team|someone)\b/i.test(text)) return true;
  return (STAFF.test(text) && ASK_VERB.test(text)) || (SOMEONE.test(text) && CONTACT_VERB.test(text));
}

/** How someone of ours behaved ("the delivery boy was rude"): a person looks into it, no article answers it. */
export const CONDUCT = /\b(rude(?:ly)?|misbehav\w*|abus(?:ed|ive|ing)|harass\w*|threaten\w*|shouted at|yelled at|argued with|behaved badly|bad behaviou?r|misconduct|drunk)\b/i;

/** A customer waiting for a person who changes their mind. */
export const BACK_TO_BOT = /^(never ?mind|cancel( that)?|back to (the )?(bot|assistant)|no thanks|forget it)\b/i;
