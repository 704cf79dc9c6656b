// Complaint signals in a chat message, beside the sentiment head. The head was trained on review
// and template sentences; customers complain in statements, in capitals, with "!!!", with "third
// time" and with sarcasm ("wow great service"), which it reads as neutral or even positive. These
// signals are cheap, explainable, and only ever move a message towards negative (or, for a plain
// request for a person, to neutral).

export interface Mood {
  label: 'positive' | 'neutral' | 'negative';
  score: number;
}

export interface ComplaintSignals {
  /** 0 (none) to 1 (clearly upset). */
  strength: number;
  reasons: string[];
}

const ANGRY_WORDS =
  /\b(useless|worst|pathetic|terrible|horrible|awful|disgusting|ridiculous|unacceptable|fraud|fraudsters?|cheat(?:ed|ing|ers?)?|scam(?:mers?)?|liars?|lied|rubbish|garbage|nonsense|bakwas|bekaar|bekar|shameful|shame on|fed up|sick of|tired of|frustrat\w*|annoy\w*|angry|furious|upset|disappoint\w*|pissed|hate|irritat\w*|harass\w*|never again|never (?:ordering|buying|shopping) (?:from you |here )?again|never (?:ordering|buying|shopping) (?:from you|here)|(?:bad\W+){2,}bad|last time i|waste of (?:time|money)|not happy|unhappy|very bad|so bad|too bad|bad quality|poor (?:quality|experience|service|product)|what a joke|zero help|no help|rude|rudely|misbehav\w*|abus\w*|how you treat|unfair|not fair|unprofessional|not acceptable|taking forever|takes forever|done with (?:you|your|this)|had enough|shocked|kitne baar|consumer (?:forum|court)|legal action|legal notice|lawyer|police complaint|enough is enough|(?:post|write|tweet) (?:this |it |about (?:this|it) )?(?:on|in) (?:twitter|facebook|instagram|social media|linkedin)|kya bakwas|last warning|(?:file|filing|lodge|register) (?:a )?(?:case|fir|police complaint|complaint with)|charge ?back|(?:national )?consumer helpline|laugh(?:ed|ing) (?:at|when)|made fun of|does (?:nobody|no one|anyone) (?:read|listen|care)|(?:kya|kaisa|kaise) (?:mazaak|mazak|majak|mazaq)|mazaak bana|joke of a|(?:absolute|total|complete|such a|what a) joke|clowns?|next stop (?:is |will be )?(?:twitter|social media|consumer (?:forum|court)|the consumer (?:forum|court)|court|police|facebook|instagram)|zero (?:reply|replies|response|responses|help|support|updates?)|selling (?:used|old|fake|duplicate|refurbished|second[- ]hand|damaged)|duplicate (?:piece|item|product)|gussa|gusse|pareshan|pareshaan|ghatiya|faltu|dimag kharab|how many times (?:do|should|must|will) i|promised|complaint|complain|injur\w*|got hurt|burnt|fake|duplicate product|sooo+|worst experience|no one (?:is )?(?:helping|responding|replies|answers?|picks? up|picking up)|nobody (?:helps|responds|replies|answers?|picks? up|is picking up)|(?:not|never|no one|nobody) (?:picking|picks?) up (?:the )?(?:phone|call|calls)?)\b/i;
const FAILURE_WORDS =
  /\b(still (?:not|no|haven'?t|hasn'?t|waiting)|(?:not|never) (?:received|delivered|refunded|credited|resolved|working|reached)|didn'?t (?:get|receive|work)|haven'?t (?:got|received)|no (?:response|reply|update|refund)|(?:refund|payment|order) (?:failed|stuck|pending for)|(?:money|amount|payment|rs\.? ?\d+|₹ ?\d+) (?:got |was |has been |is |been )?(?:deducted|debited|cut|gone)|(?:deducted|debited|charged|paid|cut) (?:me )?(?:twice|two times|2 times|double)|(?:called|tried|mailed|emailed|messaged|wrote|rang)\b[^.?!]{0,30}\b(?:\d+|many|several|so many|multiple) times|(?:2nd|3rd|4th|5th|second|third|fourth|fifth|\d+(?:st|nd|rd|th)) time\b|\b\d+ times (?:already|now|i|we)\b|(?:return|refund|claim|request|replacement) (?:was |got |is |has been )?(?:rejected|denied|declined)|(?:already|was|been) opened|(?:was|came|arrived|is) (?:already )?open\b|(?:charger|cable|adapter|remote|manual|accessor(?:y|ies)|part|parts|lid|jar|jars|item|items|piece|pieces|one item|warranty card|bill|invoice) (?:was |is |were |are )?missing|\bordered\b[^.?!]{1,40}\b(?:and|but)\s+(?:i\s+)?(?:got|received|recieved|they sent|you sent|u sent|came|delivered)\b|(?:says|shows|showing|marked(?: as)?|status is) delivered\b[^?]{0,80}\b(?:nobody|no one|never|not|didn'?t|did not|haven'?t)\b|(?:nobody|no one|no delivery (?:boy|guy|person)) (?:came|showed up|turned up|visited)|seal (?:was )?broken|(?:got|was|been) stolen|left (?:it|my parcel|the parcel|the package) outside|again and again|so many times|multiple times|stopped working|not working|charged (?:me )?twice|double charged|came late|another delay|(?:(?:was|looks|already|been) used|dirty|torn|leaks|leaking)\b|different (?:model|product|item|colou?r|size) than|not as (?:shown|described|pictured)|(?:totally|completely|very|so) different|different from (?:what|the|how) (?:was |is |it was )?(?:shown|pictured|ordered|described|in the (?:pic|picture|photo|image|ad))|not what i (?:ordered|paid for)|(?:got|received|came with|inside the box was|there was) (?:a |an )?(?:soap|brick|stone|empty box|used|fake|different)\b|(?:wet(?! (?:grinder|wipe|wipes|tissue|tissues|and dry|& dry|dry|mop|mops|cleaning|food))|soaked|ruined|spoiled|spoilt|rotten|smashed|crushed)\b|(?:threw|thrown|dumped|tossed) (?:my|the) (?:parcel|package|order|box)|(?:on hold|kept waiting) for \d+|disconnected|hung up|some ?one else'?s (?:order|parcel|package)|less than (?:what )?i paid|(?:no ?one|nobody|never) (?:informed|told|updated) me|wrong address|pickup (?:got |was |has been )?cancell?ed|charged (?:me )?(?:more|extra)|more than (?:the )?mrp|without (?:telling|informing|asking|any (?:notice|reason|information|intimation))|(?:asked|demanded|charged|took) (?:me )?(?:for )?(?:extra|more|additional) (?:money|cash|charges?|rs|rupees)|(?:came|arrived|delivered|received it|reached) (?:already )?(?:cracked|broken|damaged|dented|torn|defective|leaking|open|opened|shattered)|keeps? (?:showing|giving|throwing) (?:an? )?(?:error|problem)|nobody is helping|no one is helping|(?:waiting|pending|stuck|been|since|past|last) (?:for )?(?:\d+|two|three|four|five|many) (?:days|weeks|months))/i;
/** Outrage that ends in punctuation, where a closing \b cannot match. */
const OUTRAGE = /\b(?:seriously|really|are you kidding(?: me)?|what is this|wtf)\s*\?+|\bfor nothing\b|\bwhat'?s (?:even )?the point\b|\bdown the drain\b/i;
const SARCASM = /\b(wow|great|amazing|awesome|brilliant|excellent|fantastic|nice|superb|thanks a lot|thank you so much|well done|bravo)\b[^.?!]{0,40}\b(service|job|support|work|help|delivery|experience|professional)\b.*(?:\.{3}|not|never|again|still|failed|late|days|weeks|!!|🙄|😒|🤦|😡|😠)|\bthanks for nothing\b|\b(?:thanks?|thank you|thanku)(?: so much| a lot)? for (?:delivering|sending|giving|shipping)\b[^.?!]{0,60}\b(?:broken|cracked|damaged|defective|wrong|used|torn|leaking|dented|scratched|missing|empty|fake|late)\b|\b(?:broken|cracked|damaged|defective|wrong|torn|leaking|dented|scratched|missing|empty|fake)\b[^?]{0,80}\b(?:really|truly) appreciate (?:it|that)\b|\b(?:just|really) (?:great|professional)\b|\bgreat,\s|\bnice,\s+another\b|\b(?:real(?:ly)?|so) helpful\b.*(?:not|🙄|\.{3})|\byeah right\b|^\s*(?:wow|wah|great|amazing|brilliant|nice|superb)\b[^.?!]{0,15}\b\d+ (?:weeks?|days?|months?|hours?) (?:to|for)\b/i;
/** More ways things go wrong, told as a story: fewer items than paid for, a screen with a line, a
 * fee charged though paid online, a coupon not honoured, a used phone, marked "not available". */
const MORE_FAILURES =
  /\bordered\b[^.?!]{1,40}[,;]\s*(?:and |but )?(?:i\s+)?(?:got|received|recieved|they sent|you sent|came)\b|\b(?:paid|ordered) for (\d+|two|three|four)\b[^.?!]{0,40}\b(?:had|got|received|came with|contained) (?:only )?(?:\d+|one|two|three)\b|\b(?:lines?|spots?|patch(?:es)?|dead pixels?) (?:across|on) the (?:screen|display)\b|\bright out of the box\b|\b(?:not|won'?t|doesn'?t|does not|will not) (?:turn|switch|power) on\b|\bdead on arrival\b|\bcharged (?:me )?(?:the |a |an )?(?:\w+ )?(?:fee|charges?)\b[^.]{0,40}\b(?:when|though|but|already)\b|\bcharged (?:me )?(?:the )?full (?:amount|price)\b|\b(?:discount|coupon|offer|cashback)\b[^.]{0,30}\b(?:not|never|didn'?t|did not) (?:applied|apply|given|work|credited|received)\b|\bseal (?:was |is )?(?:already )?(?:broken|open|torn)\b|\b(?:is|was|looks) (?:clearly |obviously |definitely )?used\b|\bfingerprints on\b|\bmarked\b[^.?!]{0,40}\b(?:not available|unavailable|refused|not reachable|undeliverable)\b|\bstill waiting\b|\b(?:came|arrived|delivered|comes) with (?:a |an )?(?:big |huge |deep |small )?(?:dent|crack|scratch|hole|tear|stain|damage)s?\b|\b(?:lid|door|zip|button|switch|plug)s? (?:doesn'?t|does not|won'?t|will not|don'?t|do not) (?:close|open|shut|work|fit|lock)\b|\b(?:manga(?:ya|ye|yi)|mangwa(?:ya|ye|yi)) (?:tha|the|thi)\b[^.?!]{0,40}\b(?:aaya|aaye|aayi|aa gaya|aa gaye|mila|mile|bheja|bhej diya)\b|\bkya bhej diya\b|\bused lag\b|\b(?:otp|card details|cvv|pin)\b[^.?!]{0,60}\b(?:call|calls|called|calling|sms|message)\b|\b(?:call|calls|called|calling)\b[^.?!]{0,60}\b(?:otp|card details|cvv)\b|\b(?:fraud|scam|fake) (?:call|calls|sms|message)\b|\bstill got shipped\b|\bcancell?ed\b[^.?!]{0,40}\b(?:still|but)\b[^.?!]{0,20}\b(?:shipped|delivered|charged|dispatched)\b|\b(?:spark(?:ed|ing|s)?|electric shock|gave (?:me )?(?:a )?shock|(?:caught|catches) fire|burning smell|smell of burning|smok(?:e|ing) (?:came|coming)|melted|overheat(?:s|ed|ing)?|exploded|blast(?:ed)?)\b|(?<!\b(?:that|which|one) )\b(?:switches|turns|shuts|goes) off (?:on its own|by itself|automatically|again and again|every \d+)|\b(?:just|only) \d+ (?:days?|weeks?|months?) old\b|\b(?:pickup|pick up|delivery|courier) (?:guy|boy|person|man|agent|executive)s? (?:never|didn'?t|did not|has not|hasn'?t) (?:come|came|turn(?:ed)? up|show(?:ed)? up|arrive[d]?)|\bwasted \d+ (?:days?|hours?)\b|\bafter \d+ (?:reschedules?|calls|complaints|attempts|follow ?ups?)\b|\bordered\b[^.?!]{1,40}\bgot (?:a |an )?(?:different |wrong )?\w+ (?:one|instead)\b|\basked (?:me )?(?:for )?(?:rs\.? ?|₹ ?)?\d+ (?:rs |rupees )?(?:extra|more)\b|\bcall (?:me )?back\b[^.]{0,40}\b(?:never|didn'?t|did not|no one|nobody|still)\b|\b(?:said|promised) (?:he|she|they|you)(?:'d| would| will) call\b|\b(?:has|had|have|with|there'?s|there is|got) (?:a |some |big |small |deep |huge |long )?(?:crack|dent|scratch|hole|tear|stain|chip)s?\b(?![ -]?(?:proof|resistant|free|guard))|\b(?:came|arrived|reached|were|was|all) (?:all )?in pieces\b|\bwithout (?:any )?(?:bubble ?wrap|proper packing|packing|packaging|protection)\b|\bflimsy (?:envelope|packing|packaging|box|cover|polybag|bag)\b|\b(?:tape|seal|packing|packaging|box) (?:was |is |had been )?(?:already )?(?:cut|torn|tampered|ripped)\b|\bsome ?one else'?s (?:hair|fingerprints?|name|stuff|things|photos?|data|address)\b|\b(?:it|just|keeps|always|phone|app|laptop|still) (?:hangs|freezes|crashes|hanging|freezing|crashing)\b|\blogs? me out\b|\b(?:reinstalled|re-installed|restarted|updated)\b[^.?!]{0,20}\b(?:twice|thrice|\d+ times|again and again|many times|multiple times)\b|\b(?:saved items?|cart|wishlist|points|coins|coupons?|money)\b[^.?!]{0,30}\b(?:vanish\w*|disappear\w*)\b|\b(?:\d+|two|three|four|five|many) (?:mails|emails|e-mails|calls|messages|chats|complaints|tickets|reminders)\b[^.?!]{0,30}\b(?:no|zero|not a single|nothing|still|but)\b|\b(?:warranty|guarantee|refund|return|replacement|claim)\b[^.?!]{0,40}\b(?:nahi|nhi|nahin) (?:milegi|milega|mila|mili|diya|de rahe|dete|de raha)\b|\b(?:refus\w*|deni\w*|reject\w*) (?:to (?:give|honour|honor) )?(?:the |my )?(?:warranty|guarantee|claim|refund|return|replacement)\b|\b(?:warranty|guarantee) (?:claim )?(?:was |got |is |has been )?(?:rejected|denied|refused|void(?:ed)?)\b|\bcrack(?:ed|s)? (?:across|on|in|at)\b|\b(?:never|did not|didn'?t|have not|haven'?t) (?:even )?ordered?\b|\b(?:added|credited|sent|given|refunded|delivered|charged|shipped)\b[^.?!]{0,40}\binstead\b|\bno warranty\b|\bcharged (?:me )?(?:the )?full\b|\brefused to (?:come|deliver|give|take|accept|help|replace|refund|return|pick)\b|\bsome ?one'?s (?:google |gmail |apple |old )?(?:account|photos?|data|number|name|sim|order)\b|\b(?:2nd|3rd|4th|5th|second|third|fourth|fifth|\d+(?:st|nd|rd|th)) (?:chat|call|mail|email|e-mail|message|complaint|ticket)\b|\b(?:kya|kaunsa|kaisa|kaisi|kaunsi) \w+ bhej[ae]?\b|\bkhud (?:khareed|kharid)\w*\b|\bnahi (?:lagta|lagti|chalta|chalti)\b/i;
/** The customer's own slip ("ordered the wrong colour by mistake") is a request, not a complaint. */
const OWN_MISTAKE = /\b(?:by mistake|my mistake|my bad|accidentally|by accident|i made a mistake|galti se)\b/i;
/** Words of a problem that are also asked about calmly ("is a damaged box returnable?"). */
const PROBLEM_WORDS = /\b(damaged|broken|defective|cracked|shattered|scratched|dented|expired|wrong (?:item|product|size|colou?r)|missing|late(?! (?:night|evening|hours))|delayed|empty (?:box|package|parcel|packet|carton)|(?:box|package|parcel|packet|carton) (?:was |is |came |arrived )?empty|empty inside)\b/i;
const ANGRY_EMOJI = /[😡😠🤬👎😤🙄😒🤦]/u;
const HUMAN_ASK =
  /\b(talk|speak|chat|connect|transfer|put me through)\b.*\b(person|human|agent|someone|somebody|representative|customer care|executive|manager)\b|^\s*(?:(?:i |we )?(?:want|need|get me|give me)\s+)?(?:(?:an?|the|some|real|live|your)\s+)*(agent|human|person|representative|executive|manager|customer (?:care|service|support))\s*(?:please|pls|plz|plzz|plss|now|asap|needed|required|here)?\s*[.!?]*\s*$/i;

export function complaintSignals(input: string): ComplaintSignals {
  // E-mails and links say nothing of a mood ("rahul.verma.fake@gmail.com" is not "fake").
  const text = input.replace(/\S+@\S+|https?:\/\/\S+/g, ' ');
  const reasons: string[] = [];
  let strength = 0;
  if (ANGRY_WORDS.test(text)) {
    reasons.push('angry words');
    strength += 0.6;
  }
  if (OUTRAGE.test(text)) {
    reasons.push('outrage');
    strength += 0.6;
  }
  if (FAILURE_WORDS.test(text) || MORE_FAILURES.test(text)) {
    reasons.push('something failed');
    strength += 0.4;
  }
  if (PROBLEM_WORDS.test(text) && !OWN_MISTAKE.test(text)) {
    reasons.push('a problem');
    strength += 0.2;
  }
  if (SARCASM.test(text)) {
    reasons.push('sarcasm');
    strength += 0.6;
  }
  if (ANGRY_EMOJI.test(text)) {
    reasons.push('emoji');
    strength += 0.3;
  }
  const letters = text.replace(/[^A-Za-z]/g, '');
  if (letters.length >= 12 && letters.replace(/[^A-Z]/g, '').length / letters.length > 0.7) {
    reasons.push('capitals');
    strength += 0.4;
  }
  if (/[!?]{3,}|!!/.test(text)) {
    reasons.push('exclamations');
    strength += 0.2;
  }
  return { strength: Math.min(1, strength), reasons };
}

/**
 * The mood to act on: the head's reading, made negative where the complaint signals are clear,
 * and neutral for a plain request for a person (it is not a complaint by itself).
 */
export function chatMood(text: string, head: Mood): Mood {
  const c = complaintSignals(text);
  if (c.strength >= 0.6) return { label: 'negative', score: Math.max(head.label === 'negative' ? head.score : 0, 0.6 + 0.4 * c.strength) };
  if (c.strength >= 0.4) return { label: 'negative', score: Math.max(head.label === 'negative' ? head.score : 0, 0.7) };
  if (c.strength === 0 && HUMAN_ASK.test(text) && head.label !== 'neutral') return { label: 'neutral', score: 0.5 };
  return head;
}
