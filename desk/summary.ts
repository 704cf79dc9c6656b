import type { Message } from '../store/index.js';

const INTENT_WORDS: Record<string, string> = {
  track_order: 'tracking an order',
  cancel_order: 'cancelling an order',
  get_refund: 'a refund',
  track_refund: 'a refund',
  change_shipping_address: 'changing a delivery address',
  payment_issue: 'a payment problem',
  complaint: 'a complaint',
  product_search: 'finding a product',
  recommendation_request: 'product recommendations',
  product_question: 'a product question',
  contact_human_agent: 'talking to a person',
  delivery_period: 'delivery times',
};

/** Intents that name no topic of the chat. */
const NO_TOPIC = new Set(['out_of_scope', 'greeting', 'thanks', 'goodbye', 'chitchat', 'contact_human_agent']);

function topic(intent: string): string {
  return INTENT_WORDS[intent] ?? intent.replace(/_/g, ' ');
}

/**
 * The chat's mood now, the one reading the console shows for it (queue row, chat tab, summary),
 * from the sentiments of the customer's latest read messages (oldest first; the bot does not read
 * a chat a person has taken): 'upset' when the chat was handed over for it, when the latest is
 * negative, or when one of the two before it is and the latest is not positive (an angry message
 * followed by "agent please" or an order number is still an upset customer); else the latest's
 * sentiment. Each message's own sentiment stays on that message. web/public/common.js says the same.
 */
export function chatMoodNow(reason: string | null | undefined, sentiments: readonly (string | null | undefined)[]): string {
  const read = sentiments.filter((s): s is string => !!s).slice(-3);
  const latest = read[read.length - 1];
  const upset = reason === 'negative_sentiment' || latest === 'negative' || (latest !== 'positive' && read.includes('negative'));
  return upset ? 'upset' : (latest ?? 'neutral');
}

/**
 * The help article the bot answered each customer message from, by the message's seq: the bot's
 * article answers start "From our <title> page:" and reply to the message (payload.replyTo), as
 * web/public/agent.js articleAnswering reads them.
 */
function articleTitles(messages: readonly Message[]): Map<number, string> {
  const out = new Map<number, string>();
  for (const m of messages) {
    const replyTo = (m.payload as { replyTo?: unknown } | null)?.replyTo;
    if (m.role !== 'bot' || typeof replyTo !== 'number') continue;
    const title = /^From our (.+?) page:/.exec(m.text)?.[1];
    if (title) out.set(replyTo, `${title.toLowerCase()} (help article)`);
  }
  return out;
}

/**
 * A one-paragraph summary of a chat for the agent who takes it over: what the customer wanted,
 * how they feel, and their last words. Built only from the stored turns, so it invents nothing.
 */
export function summarizeChat(messages: readonly Message[], reason?: string): string {
  const customer = messages.filter((m) => m.role === 'customer' && m.text.trim());
  if (customer.length === 0) return 'The customer has not written anything yet.';
  // What each message was about: the help article the bot answered it from (the console tags it the
  // same way), else the intent it was read as.
  const articles = articleTitles(messages);
  // Greetings and small talk are no topic; a complaint comes first, then the rest in order.
  const said = customer.map((m) => (articles.has(m.seq) ? articles.get(m.seq)! : m.intent && !NO_TOPIC.has(m.intent) ? topic(m.intent) : ''));
  const topics = [...new Set([...(customer.some((m) => m.sentiment === 'negative') ? [topic('complaint')] : []), ...said.filter(Boolean)])];
  const negative = customer.filter((m) => m.sentiment === 'negative').length;
  const positive = customer.filter((m) => m.sentiment === 'positive').length;
  // The same mood as the queue's and the chat tab's; the counts say how the chat went.
  const mood = chatMoodNow(reason, customer.map((m) => m.sentiment));
  const last = customer[customer.length - 1]!.text.replace(/\s+/g, ' ').slice(0, 200);
  const parts = [
    `The customer wrote ${customer.length} message(s)${topics.length ? ` about ${topics.slice(0, 4).join(', ')}` : ''}.`,
    `Mood now: ${mood} (${negative} of ${customer.length} message(s) negative, ${positive} positive).`,
    reason ? `Handed over because: ${reason.replace(/_/g, ' ')}.` : '',
    `Last message: “${last}”`,
  ];
  return parts.filter(Boolean).join(' ');
}
