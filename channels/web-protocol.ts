import type { Attachment, CardAction, HeroCard } from 'botbuilder';
import type { Message } from '../store/index.js';
import { checkProductUrl } from '../store/products.js';

// The web chat's socket.io event protocol (namespace /chat). Server -> client:
//   session     {token, customerId, conversationId,          after connecting (keep the token to resume); again
//                identified, messenger, messengerLinked}      when linking or `identify` moved the chat.
//                                                             identified: the chat is a store customer's, not a guest's
//                                                             messenger: linking is offered; messengerLinked: done
//   message     {seq, role, text, ts, replyTo?, agentName?}   every stored turn, customer's included;
//                                                             replyTo: seq of the customer message a bot reply answers
//   card        {seq, cards: WireCard[]}                      product cards of the turn `seq` (WireCard.url: the
//                                                             product's page on the store, shown as "View on store")
//   suggestions {seq, chips: {title, value}[]}                quick replies of the turn `seq`
//   typing      {on}                                          the bot or agent is writing
//   handoff     {status, position?, agentName?, message?}     hand-off progress
//   read        {seq}                                         an agent's console showed the chat up to `seq`: the
//                                                             customer's messages up to it are "Seen"; sent on
//                                                             connecting too (channels/delivery.ts)
//   error       {code, message}                               a message was refused (size, rate, format)
//   linked      {channel: 'messenger', message}               a Messenger account was linked to this customer
//   unlinked    {channel: 'messenger', message}               Messenger was disconnected (here or on Messenger)
//   csat        {ticketId, agentName, question,               an agent resolved the chat: rate it 1-5 (desk/csat.ts);
//                choices: {rating, emoji, label}[]}           again on connecting while a recent one is unrated
//   reset       {}                                            another tab of this browser reset the chat (logged out):
//                                                             forget the session and history, start as a new guest
// Client -> server (all with an ack callback):
//   message {text?, value?}   ack {ok: true, seq} | {ok: false, code, message}
//   resume  {afterSeq}        ack {ok: true, messages: number}; replays every turn after afterSeq
//   link    {}                ack {ok: true, url: string | null, code, expiresAt} | {ok: false, code, message}:
//                             a one-time link to continue on Messenger (linking/linking.ts): url is the m.me
//                             link (null without MESSENGER_PAGE_NAME), code (XXXX-XXXX) is typed on
//                             Messenger as "link XXXX-XXXX"; both expire after 10 minutes and work
//                             once, and asking again replaces the previous one
//   unlink  {}                ack {ok: true, message} | {ok: false, code, message}: disconnects every
//                             Messenger of this customer (linking/unlink.ts); history and orders stay here
//   typing  {on}              forwarded to the agent during a hand-off (agents get `customer_typing`)
//   csat    {ticketId?, rating, comment?}
//                             ack {ok: true, rating, comment} | {ok: false, code, message}: rates the
//                             chat's latest resolution (or `ticketId`); again updates it; code
//                             'not_resolved' for a chat no agent resolved, 'too_late' after 7 days
//   read    {seq}             ack {ok: true}: the customer has the chat in view up to `seq` (page visible and
//                             focused, panel open, focus or last click in it); the agent's messages up to it
//                             show "Seen" in the console. Sent only when `seq` grows
//   identify {token}          ack {ok: true, customerId} | {ok: false, code, message}: a signed shopper
//                             identity (JWT HS256, docs/identity.md) attaches the chat to that store
//                             customer (the guest chat of this browser merges in; a new `session`
//                             follows). code 'identity_invalid' | 'identity_expired' | 'identity_off':
//                             refused, nothing changes, `message` is for the customer
//   reset   {}                ack {ok: true}: logging out; this browser's session tokens stop working
//                             and the server disconnects; reconnect without a token as a new guest

export interface WireButton {
  title: string;
  value: string;
}

export interface WireCard {
  title: string;
  subtitle: string;
  text: string;
  image: string | null;
  /** The product's page on the store (a store path, resolved against the page, or an http(s) URL); null: none. */
  url: string | null;
  /** The card's postBack buttons (links travel as `url`). */
  buttons: WireButton[];
}

export interface WireEvent {
  event: 'message' | 'card' | 'suggestions';
  data: Record<string, unknown>;
}

function buttonValue(a: CardAction): string {
  return typeof a.value === 'string' ? a.value : JSON.stringify(a.value ?? a.title ?? '');
}

export function toWireCard(att: Attachment): WireCard | null {
  if (att.contentType !== 'application/vnd.microsoft.card.hero') return null;
  const c = att.content as HeroCard;
  const isLink = (a: CardAction | undefined) => a?.type === 'openUrl' && typeof a.value === 'string';
  const link = [c.tap, ...(c.buttons ?? [])].find(isLink);
  return {
    title: c.title ?? '',
    subtitle: c.subtitle ?? '',
    text: c.text ?? '',
    image: c.images?.[0]?.url ?? null,
    url: link ? checkProductUrl(link.value) : null,
    buttons: (c.buttons ?? []).filter((b) => !isLink(b)).map((b) => ({ title: String(b.title ?? ''), value: buttonValue(b) })),
  };
}

/** The events a stored message becomes on the wire; live delivery and replay share this. */
export function toWireEvents(m: Message): WireEvent[] {
  const payload = (m.payload ?? {}) as { attachments?: Attachment[]; suggestions?: CardAction[]; agentName?: string; replyTo?: number };
  const events: WireEvent[] = [];
  const replyTo = typeof payload.replyTo === 'number' ? { replyTo: payload.replyTo } : {};
  if (m.text || !payload.attachments?.length) {
    events.push({ event: 'message', data: { seq: m.seq, role: m.role, text: m.text, ts: m.createdAt, ...replyTo, ...(payload.agentName ? { agentName: payload.agentName } : {}) } });
  }
  const cards = (payload.attachments ?? []).map(toWireCard).filter((c): c is WireCard => c !== null);
  if (cards.length) events.push({ event: 'card', data: { seq: m.seq, ts: m.createdAt, cards } });
  const chips = (payload.suggestions ?? []).map((a) => ({ title: String(a.title ?? a.value), value: buttonValue(a) }));
  if (chips.length) events.push({ event: 'suggestions', data: { seq: m.seq, chips } });
  return events;
}
