// Small talk answered by its words alone, before any understanding: thanks, an acknowledgement,
// wishes, praise, who the assistant is, "wait 2 min", "how are you", goodbyes and greetings, as
// customers of an Indian store write them (Hinglish and emoji included).

import { complaintSignals } from '../nlu/chat-mood.js';

/** Thanks however it is spelt ("tnx for helping", "thanku so much", "shukriya"). */
const THANKS = /^\s*(?:ok(?:ay)?[\s,]+)?(?:thanks?|thank ?(?:you|u)|thanku|thankyou|thx|tnx|thnx|thnks|thanx|ty|tysm|dhanyavaad|dhanyavad|shukriya)\b(?:[\s,]+(?:so much|a lot|very much|for (?:the |your )?(?:help|helping|info|information|support|reply|answer))){0,2}[\s.!]*(?:🙏|😊|👍)?\s*$/iu;
/** A bare acknowledgement ("hmm okay got it", "ok thanks", "acha theek hai, shukriya ji"). */
const ACKNOWLEDGEMENT = /^\s*(?:(?:hmm+|ok(?:ay)?|okk+|okie(?: dokie)?|okey(?: dokey)?|k|kk|alright|alrighty|all right|got it|understood|fine|cool|noted|sure|great|acha|accha|achha|theek hai|thik hai|theek|thik)[\s,.!]*)+(?:(?:thanks?|thank you|ty|shukriya|dhanyavaad|dhanyavad)(?: ji)?)?[\s.!]*$/i;
/** Festival and season's wishes ("happy diwali", "eid mubarak", "merry christmas 🎄"). */
const WISHES = /^\s*(?:(?:wish(?:ing)? (?:you|u)(?: all| guys| everyone)? (?:a )?)?(?:very |v )?happy (?:diwali|deepavali|holi|new year|newyear|christmas|xmas|eid|pongal|onam|navratri|dussehra|dasara|durga puja|raksha ?bandhan|rakhi|lohri|baisakhi|ganesh chaturthi|janmashtami|independence day|republic day|sankranti|makar sankranti|ugadi|gudi padwa|bihu|weekend|sunday)|merry (?:christmas|xmas)|eid mubarak|season'?s greetings)\b(?:[\s,.!]|\p{Extended_Pictographic}|\b(?:to|you|u|and|&|your|ur|family|team|the|whole|entire|all|of|everyone|guys|bhai|sir|madam|mam|ji|staff|in advance|advance)\b)*$/iu;
/** Praise for the assistant ("wow u r really helpful yaar", "you're the best"). */
const PRAISE = /^\s*(?:(?:wow|oh|ok|okay|nice|great|awesome|thanks?|thank you)[\s,!.]+)*(?:(?:you(?:'re| are)?|u r|ur|you r|u are|this bot is|this is|that was|that's|thats)\s+(?:really |very |so |too |such a |quite |super |the )*(?:helpful|great|awesome|amazing|smart|good|nice|best|superb|brilliant|cool|sweet|fast|quick|useful|a great help|a big help|a life ?saver)(?: bot| assistant| help)?)(?:[\s,!.]|\b(?:yaar|bro|bhai|man|dude|thanks?|thank you|ty|buddy)\b|\p{Extended_Pictographic})*$/iu;
/** Who the assistant is ("who built this bot", "what's your name", "are u a robot"). */
const ABOUT_THE_BOT = /^\s*(?:(?:hey|hi|ok|so|and|btw|bro|bhai)[\s,]+)?(?:who (?:made|built|created|developed|designed|programmed|owns|runs|trained) (?:you|u|this(?: chat)? ?(?:bot|chatbot|assistant|thing)?)|what(?:'s| is|s)? (?:your|ur|u r) (?:good )?name|(?:do|does) (?:you|u) have a name\b.*|(?:are|r) (?:you|u) (?:a |an )?(?:bot|robot|human|real person|real|ai|machine|computer|chat ?gpt)|(?:which|what) (?:ai|model|company) (?:are|r) (?:you|u)|what (?:are|r) (?:you|u))\s*[?!.]*\s*$/i;
/** Waiting for the customer ("wait 2 min, checking with my husband"). */
const WAIT = /^\s*(?:ok |okay |pls |please |plz )?(?:wait|hold on|one (?:min|minute|sec|second)|give me (?:a )?(?:min|minute|sec|second|moment)|just a (?:min|minute|sec|second|moment)|\d+ ?(?:min|mins|minutes)|brb|be right back)\b/i;
/** "how are you" and its friends, with or without a greeting before ("gd evng bot, hows ur day going"). */
const HOW_ARE_YOU = /^\s*(?:(?:hi|hello|hey|namaste|namaskar|good (?:morning|afternoon|evening)|gd (?:mrng|morning|evng|evening)|gm)\b[\s,!.]*(?:(?:bot|sir|ji|there|bhai|bhaiya|bro|dear|to you)\b[\s,!.]*)?)?(?:\p{Extended_Pictographic}|\s)*(?:how(?:'s| is|s| are| r)? (?:you|u|ya|ur day|your day|it going|things)(?: (?:going|doing|today))?|how do you do|(?:i )?(?:trust|hope) (?:all is|all|everything is|everything|you are|you're|u r|ur|you) (?:well|good|fine|doing well|doing good)(?: at (?:your|ur|you) end| there)?|kaise ho|kaisa hai|kaise hain|kya haal hai|wassup|whats up|what's up|sup)\b[\s?!.]*(?:\p{Extended_Pictographic}|\s)*$/iu;
/** Leaving: "ok bye", "accha chalta hu, bye", "see you later". */
const GOODBYE = /^(?:[\p{L}',.!\s]{0,30}[\s,.!]+)?(?:bye(?: bye)?|byee+|goodbye|good bye|see (?:you|ya|u)(?: later| soon| again)?|ta ?ta|alvida|take care|chalta (?:hu|hoon)|chalti (?:hu|hoon))(?:\s|[!.]|\p{Extended_Pictographic})*$/iu;
/** A hello, however long, and "anyone there?" / "is this working?". */
const HELLO_THERE = /^\s*(?:h+e+l+o+w*|h+i+|he+y+|hlo+)\b[\s,!.]*(?:(?:is )?(?:any ?one|anybody|some ?one) (?:there|here|home)|(?:is )?(?:this|it) working|(?:are )?(?:you|u) there)?\s*[?!.]*\s*$/i;
/** Greetings beyond "hi" ("gd evng bot", "namaskar 🙏", "good morning sir"). */
const GREETING = /^\s*(?:(?:hi|hello|hey|hii+|namaste|namaskar|namaskaram|vanakkam|sat sri akal|salaam|salam|good (?:morning|afternoon|evening|night)|gd (?:mrng|morning|mng|evng|evening|eve|aftn|afternoon)|gm)\b[\s,!.]*)+(?:(?:bot|sir|madam|mam|ji|team|there|all|everyone|bhai|bro|dear)\b[\s,!.]*)*(?:(?:hope|hoping) (?:you(?:'re| are)?|u r|ur|you r|u are|all is|everything is|you all are) (?:having |doing |keeping )?(?:a )?(?:well|good|great|fine|nice|lovely|wonderful)(?: day| morning| evening| afternoon| one)?[\s,!.]*)?(?:\p{Extended_Pictographic}|\s)*$/iu;
/** "are you there?", "anyone there": checking that someone answers. */
const ANYONE_THERE = /^\s*(?:(?:is )?(?:any ?one|anybody|some ?one) (?:there|here|home|online)|(?:are )?(?:you|u) (?:still )?(?:there|online)|(?:is )?(?:this|it) (?:working|live))(?:\s|[?!.]|\p{Extended_Pictographic})*$/iu;
/** "what can you do", "what all can u help me with", "how can you help". */
const CAPABILITIES = /^\s*(?:so |ok |and )?(?:what (?:all )?(?:can|do) (?:you|u) (?:do|help(?: me)?(?: with)?)|how (?:can|do) (?:you|u) help(?: me)?|what (?:all )?(?:can|do) (?:you|u) help (?:me )?with|what are (?:you|u) (?:for|able to do))\s*[?!.]*\s*$/i;

/** The reply to small talk: a catalogue key and its quick replies (none: the reply alone), or the greeting. */
export type SmallTalkReply = { key: string; chips?: 'default' | 'more' } | 'greet';

/**
 * The small-talk reply to a message, or null. `text` is the message as understood (a Hinglish
 * gloss), `said` as written: some phrases are read on one, some on the other ("kaise ho" is glossed
 * into English words). `policy` says whether the words name a policy topic ("wait, is cod
 * available" is a question, not a pause).
 */
/** Praise of the assistant first, then a short remark ("…, my husband could learn from you 😂"). */
const PRAISE_FIRST = /^\s*(?:you(?:'re| are)?|u r|ur|you r|u are)\s+(?:really |very |so |too |such a |quite |super )*(?:helpful|patient|polite|kind|sweet|smart|clever|nice|good|fast|quick|funny|cute)\b[,.!]+\s*([^?]{1,80})$/iu;
/** Words that make a remark a request after all ("you're fast, now show me kettles"). */
const SHOP_WORDS = /\b(?:show|find|need|want|looking|buy|order|price|cost|deliver\w*|refund|return|cancel|track|recommend|suggest|under|below|budget|rs|₹|do you have|can you|can u|pls|please)\b/i;

export function smallTalkReply(text: string, said: string, policy: (s: string) => boolean): SmallTalkReply | null {
  if (THANKS.test(text)) return { key: 'smallTalk.welcome', chips: 'more' };
  if (ACKNOWLEDGEMENT.test(text)) return { key: 'smallTalk.acknowledged', chips: 'default' };
  if (WISHES.test(text)) return { key: 'smallTalk.wishes', chips: 'default' };
  // Praise with an eye-roll or a failure in it is sarcasm.
  if (PRAISE.test(text) && complaintSignals(said).strength === 0) return { key: 'smallTalk.praised', chips: 'more' };
  // Praise with a joke after it ("you are so patient, my husband could learn from you 😂"): no
  // question, and nothing of the shop's in the joke.
  const joke = PRAISE_FIRST.exec(text);
  if (joke && !text.includes('?') && !policy(joke[1]!) && !SHOP_WORDS.test(joke[1]!) && complaintSignals(said).strength === 0) return { key: 'smallTalk.praised', chips: 'more' };
  if (ABOUT_THE_BOT.test(text)) return { key: 'smallTalk.aboutMe', chips: 'default' };
  const words = said.split(/\s+/).length;
  if (WAIT.test(said) && words <= 8 && !policy(said) && !said.includes('?')) return { key: 'smallTalk.wait' };
  if (HOW_ARE_YOU.test(text) || HOW_ARE_YOU.test(said)) return { key: 'smallTalk.howAmI', chips: 'default' };
  if ((GOODBYE.test(text) || GOODBYE.test(said)) && words <= 6) return { key: 'smallTalk.goodbye' };
  if (HELLO_THERE.test(text) || GREETING.test(said) || ANYONE_THERE.test(text) || CAPABILITIES.test(text)) return 'greet';
  return null;
}
