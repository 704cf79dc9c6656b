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

function topic(intent: string): string {
  return INTENT_WORDS[intent] ?? intent.replace(/_/g, ' ');
}

/**
 * The chat's mood now, the one reading the console shows for it (queue row, chat tab, summary):
 * 'upset' when the chat was handed over for it or the customer's latest message (the latest one read:
 * the bot does not read a chat a person has taken) is negative, else that message's sentiment.
 * Each message's own sentiment stays on that message. web/public/common.js (chatMoodNow) says the same.
 */
export function chatMoodNow(reason: string | null | undefined, lastSentiment: string | null | undefined): string {
  return reason === 'negative_sentiment' || lastSentiment === 'negative' ? 'upset' : (lastSentiment ?? 'neutral');
}

/**
 * A one-paragraph summary of a chat for the agent who takes it over: what the customer wanted,
 * how they feel, and their last words. Built only from the stored turns, so it invents nothing.
 */
export function summarizeChat(messages: readonly Message[], reason?: string): string {
  const customer = messages.filter((m) => m.role === 'customer' && m.text.trim());
  if (customer.length === 0) return 'The customer has not written anything yet.';
  const intents = [...new Set(customer.map((m) => m.intent).filter((i): i is string => !!i && i !== 'out_of_scope'))];
  const negative = customer.filter((m) => m.sentiment === 'negative').length;
  const positive = customer.filter((m) => m.sentiment === 'positive').length;
  // The same mood as the queue's and the chat tab's; the counts say how the chat went.
  const mood = chatMoodNow(reason, customer.filter((m) => m.sentiment).pop()?.sentiment);
  const last = customer[customer.length - 1]!.text.replace(/\s+/g, ' ').slice(0, 200);
  const parts = [
    `The customer wrote ${customer.length} message(s)${intents.length ? ` about ${intents.slice(0, 3).map(topic).join(', ')}` : ''}.`,
    `Mood now: ${mood} (${negative} of ${customer.length} message(s) negative, ${positive} positive).`,
    reason ? `Handed over because: ${reason.replace(/_/g, ' ')}.` : '',
    `Last message: “${last}”`,
  ];
  return parts.filter(Boolean).join(' ');
}
