// Meta's messaging windows for the Send API, as one small decision. Inside 24 hours of the user's
// last message to the Page anything may be sent with messaging_type RESPONSE. After that only a
// person's reply may still go out, as messaging_type MESSAGE_TAG with tag HUMAN_AGENT, until 7 days
// after that last message. Beyond 7 days nothing can be sent until the user writes again.
// https://developers.facebook.com/docs/messenger-platform/policy/policy-overview#standard_messaging

export const STANDARD_WINDOW_MS = 24 * 60 * 60 * 1000;
export const HUMAN_AGENT_WINDOW_MS = 7 * 24 * 60 * 60 * 1000;

/** Who wrote the message: only a person's reply may use the HUMAN_AGENT tag. */
export type Sender = 'agent' | 'bot';

export type WindowDecision =
  | { send: true; messagingType: 'RESPONSE'; tag?: undefined }
  | { send: true; messagingType: 'MESSAGE_TAG'; tag: 'HUMAN_AGENT' }
  | { send: false; code: 'bot_outside_window' | 'agent_window_closed'; reason: string };

/** "3 days", "26 hours", "40 minutes": how long ago, for the reasons an agent reads. */
export function ago(ms: number): string {
  const minutes = Math.max(0, Math.floor(ms / 60_000));
  if (minutes < 120) return `${minutes} minute${minutes === 1 ? '' : 's'}`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) return `${hours} hours`;
  return `${Math.floor(hours / 24)} days`;
}

/**
 * How (and whether) a message may go to a Messenger user who last wrote at `lastInboundAt` (ms since
 * the epoch; null: not known, e.g. a thread from before this was recorded, which is sent as a
 * RESPONSE and left to Meta to accept or refuse). A last message "in the future" (clock skew) counts
 * as just now.
 */
export function sendDecision(lastInboundAt: number | null | undefined, now: number, sender: Sender): WindowDecision {
  if (lastInboundAt === null || lastInboundAt === undefined || !Number.isFinite(lastInboundAt)) return { send: true, messagingType: 'RESPONSE' };
  const age = Math.max(0, now - lastInboundAt);
  if (age <= STANDARD_WINDOW_MS) return { send: true, messagingType: 'RESPONSE' };
  if (sender === 'bot') {
    return { send: false, code: 'bot_outside_window', reason: `The customer last wrote on Messenger ${ago(age)} ago; after 24 hours only a person's reply may be sent.` };
  }
  if (age <= HUMAN_AGENT_WINDOW_MS) return { send: true, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' };
  return {
    send: false,
    code: 'agent_window_closed',
    reason: `The customer last wrote on Messenger ${ago(age)} ago, and Meta allows a person's reply only up to 7 days after the customer's last message. It will be possible again once they write.`,
  };
}

/** Sender actions (typing, mark_seen) are only allowed inside the 24-hour window. */
export function senderActionAllowed(lastInboundAt: number | null | undefined, now: number): boolean {
  return lastInboundAt === null || lastInboundAt === undefined || !Number.isFinite(lastInboundAt) || now - lastInboundAt <= STANDARD_WINDOW_MS;
}

/**
 * The time to record for a user's message: Meta's event timestamp when it is plausible (within the
 * last 7 days and not ahead of our clock by more than a minute), else the time it reached us. Meta
 * retries webhooks for hours, so its own timestamp is the truer start of the window.
 */
export function inboundTime(eventTimestamp: unknown, now: number): number {
  const ts = typeof eventTimestamp === 'number' ? eventTimestamp : typeof eventTimestamp === 'string' && /^\d{1,16}$/.test(eventTimestamp) ? Number(eventTimestamp) : NaN;
  if (!Number.isFinite(ts) || ts < now - HUMAN_AGENT_WINDOW_MS || ts > now + 60_000) return now;
  return Math.min(ts, now);
}
