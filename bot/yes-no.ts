// Reading a plain yes or no to a question the bot asked. Used wherever an answer starts something
// that cannot be undone (cancelling an order, joining two accounts), so it is strict on purpose:
// Microsoft's ConfirmPrompt recognizer finds "yes" anywhere ("is it true it ships today?", "I'm not
// sure") and reads "first" / "1" as a choice. "haan" is Hindi for yes (the demo store is Indian).

const YES = /^(yes|yeah|yep|yup|sure|ok|okay|confirm|confirmed|please do|do it|go ahead|y|haan)\b/i;
const NO = /^(no|nope|nah|don'?t|do not|cancel that|stop|never ?mind|n|leave it|keep it)\b/i;
const HEDGE = /\b(not|n't|but|wait|maybe|unless|if|why|what|how|which|\?)/i;
// Hindi in Devanagari (the Hindi catalogue's yes / no buttons, and typed answers): JavaScript's \b
// knows only ASCII word characters, so a word ends at a space, punctuation or the end.
const END = '(?=$|[\\s,.!?।])';
const YES_HI = new RegExp(`^(हाँ|हां|जी हाँ|जी हां|हाँ जी|जी|ठीक है|बिल्कुल|ज़रूर|जरूर)${END}`);
const NO_HI = new RegExp(`^(नहीं|नही|ना|जी नहीं|मत करो|रहने दो|रहने दें)${END}`);
const HEDGE_HI = /(लेकिन|शायद|क्यों|क्या|पर\s|मगर)/;
const MAX_WORDS = 6;

export interface YesNoWords {
  /** Further words that mean yes for this question (e.g. "connect"), matched as the first word. */
  yes?: readonly string[];
  /** Further words that mean no (e.g. "cancel"). */
  no?: readonly string[];
}

const escape = (w: string) => w.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
const firstWord = (words: readonly string[] | undefined) => (words?.length ? new RegExp(`^(${words.map(escape).join('|')})\\b`, 'i') : null);

/** true / false for a plain yes / no of at most six words; undefined for anything else (hedges too). */
export function readYesNo(text: string, extra: YesNoWords = {}): boolean | undefined {
  const t = text.trim();
  if (!t || t.split(/\s+/).length > MAX_WORDS) return undefined;
  if (NO.test(t) || NO_HI.test(t) || firstWord(extra.no)?.test(t)) return false;
  const yes = YES.test(t) || YES_HI.test(t) || firstWord(extra.yes)?.test(t);
  if (yes && !HEDGE.test(t.replace(/\?+$/, '')) && !HEDGE_HI.test(t)) return true;
  return undefined;
}
