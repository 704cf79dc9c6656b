import type { Sql } from '../store/sql/executor.js';
import { translate } from '../core/i18n.js';
import { NotificationPrefRepo } from '../store/order-events.js';

// "Stop sending me order updates" / "turn notifications back on": the customer's say over the
// proactive order messages (api/order-events.ts). A small word-level detector, read before the
// model: the request must name what to stop (notifications, updates, alerts, order messages), so
// "stop my order" (a cancellation) or "any update on my order?" (a status question) never match.

export type NotificationRequest = 'off' | 'on';

/** What the customer would stop or start getting. */
const WHAT = String.raw`(?:(?:order|shipping|shipment|delivery|tracking|status)\s+)?(?:notifications?|notifs?|alerts?|updates?|texts?)|messages?\s+about\s+(?:my\s+)?(?:orders?|deliver(?:y|ies)|shipping)|order\s+messages?`;
/** Up to four small words between the verb and the thing ("sending me any more", "these"). */
const GAP = String.raw`(?:\s+(?:me|my|any|all|the|these|those|more|further|of|from|you|your|with|sending|receiving|getting|to|send|order|automatic|proactive)){0,5}\s+`;

const OFF_VERB = String.raw`(?:stop|cease|turn(?:ing)?\s+off|switch(?:ing)?\s+off|shut\s+off|disable|mute|silence|unsubscribe(?:\s+me)?(?:\s+from)?|opt(?:\s+me)?\s+out(?:\s+of)?|no\s+more|(?:please\s+)?(?:do\s+not|don'?t|dont|never)\s+(?:send|message|text|notify|ping)(?:\s+me)?|(?:do\s+not|don'?t|dont)\s+want(?:\s+to\s+(?:get|receive))?|not\s+interested\s+in)`;
const ON_VERB = String.raw`(?:turn(?:ing)?\s+(?:back\s+)?on|switch(?:ing)?\s+(?:back\s+)?on|re-?enable|enable|resume|restart|start(?:\s+sending)?|unmute|re-?subscribe(?:\s+me)?(?:\s+to)?|subscribe(?:\s+me)?\s+to|opt(?:\s+me)?\s+(?:back\s+)?in(?:to)?)`;

const OFF = new RegExp(String.raw`\b${OFF_VERB}(?:${GAP}|\s+)(?:${WHAT})\b`, 'i');
const OFF_AFTER = new RegExp(String.raw`\b(?:${WHAT})\s+(?:off|no\s+more|stop)\b`, 'i'); // "notifications off please"
const ON = new RegExp(String.raw`\b${ON_VERB}(?:${GAP}|\s+)(?:${WHAT})\b`, 'i');
// "Turn my order updates back on", "notifications on please" (not "any updates on my order?").
const ON_AFTER = new RegExp(String.raw`\b(?:${WHAT})\s+(?:back\s+on\b|on\s*(?:again|now)?\s*[.!,]*\s*(?:please|pls|thanks?)?\s*[.!]*\s*$)`, 'i');
const ALONE_OFF = /^\s*(?:unsubscribe(?:\s+me)?|opt\s+out|stop\s+notifications)\s*[.!]*\s*(?:please|pls|thanks?)?\s*[.!]*\s*$/i;
const ALONE_ON = /^\s*(?:re-?subscribe(?:\s+me)?|subscribe(?:\s+me)?|opt\s+(?:back\s+)?in)\s*[.!]*\s*(?:please|pls|thanks?)?\s*[.!]*\s*$/i;
/** "Don't stop the updates", "why did my notifications stop?": not a request to change anything. */
const NOT_A_REQUEST = /\b(?:do\s+not|don'?t|dont|never)\s+(?:stop|turn\s+off|switch\s+off|disable|unsubscribe)\b|\bwhy\b|\bhow\s+come\b/i;

/** Whether the message asks to turn proactive order updates off or on; null: it does not. */
export function notificationRequest(text: string): NotificationRequest | null {
  const t = text.replace(/[’‘]/g, "'").slice(0, 300);
  if (ALONE_OFF.test(t)) return 'off';
  if (ALONE_ON.test(t)) return 'on';
  if (NOT_A_REQUEST.test(t)) return null;
  const off = OFF.test(t) || OFF_AFTER.test(t);
  const on = ON.test(t) || ON_AFTER.test(t);
  if (off && on) return /\bback\s+on\b/i.test(t) ? 'on' : 'off';
  return off ? 'off' : on ? 'on' : null;
}

/** The replies in English (bot catalogue: notifications.*); the bot words them in the chat's language. */
export const NOTIFICATION_TEXTS = {
  off: translate('en', 'bot:notifications.off'),
  alreadyOff: translate('en', 'bot:notifications.alreadyOff'),
  on: translate('en', 'bot:notifications.on'),
  alreadyOn: translate('en', 'bot:notifications.alreadyOn'),
} as const;

/** Stores the customer's choice and returns the reply to send. */
export async function applyNotificationRequest(sql: Sql, customerId: string, request: NotificationRequest, now?: () => number, say: (key: keyof typeof NOTIFICATION_TEXTS) => string = (k) => NOTIFICATION_TEXTS[k]): Promise<string> {
  const changed = await new NotificationPrefRepo(sql, now).setOrderUpdates(customerId, request === 'on');
  if (request === 'off') return say(changed ? 'off' : 'alreadyOff');
  return say(changed ? 'on' : 'alreadyOn');
}
