import type { Activity, Attachment, CardAction, HeroCard } from 'botbuilder';
import { isWebUrl } from './card-links.js';

// Maps the bot's Activities to Messenger Send API messages. Messenger's limits: text 2,000
// characters, 13 quick replies of 20 characters, generic templates of 10 elements with 80-character
// titles/subtitles and 3 buttons each.

export interface SendApiMessage {
  recipient: { id: string };
  messaging_type: 'RESPONSE' | 'UPDATE';
  message?: Record<string, unknown>;
  sender_action?: 'typing_on' | 'typing_off' | 'mark_seen';
}

const clip = (s: string, n: number): string => (s.length <= n ? s : s.slice(0, n - 1) + '…');


/** A link Messenger can open: an `openUrl` action with an absolute http(s) URL. Other links are dropped. */
const webLink = (a: CardAction | undefined): string | null => (a?.type === 'openUrl' && isWebUrl(a.value) ? a.value : null);

function button(a: CardAction): Record<string, unknown> | null {
  const title = clip(String(a.title ?? a.value ?? ''), 20);
  if (a.type === 'openUrl') return isWebUrl(a.value) ? { type: 'web_url', url: a.value, title } : null;
  const payload = typeof a.value === 'string' ? a.value : JSON.stringify(a.value ?? title);
  return { type: 'postback', title, payload: clip(payload, 1000) };
}

/** "Add to cart" from a product card (bot/cards.ts): Messenger has no cart, the store's page does. */
const isAddToCart = (a: CardAction) => typeof a.value === 'string' && a.value.startsWith('{') && a.value.includes('"action":"add_to_cart"');

function element(att: Attachment): Record<string, unknown> | null {
  if (att.contentType !== 'application/vnd.microsoft.card.hero') return null;
  const card = att.content as HeroCard;
  const image = card.images?.[0]?.url;
  // A card with a page on the store opens it when tapped (default_action) and from a web_url button
  // first; its "Add to cart" postback then gives way (Messenger has no cart; the page has).
  const link = webLink(card.tap) ?? (card.buttons ?? []).map(webLink).find(Boolean) ?? null;
  const all = (card.buttons ?? []).filter((b) => b.type !== 'openUrl' || webLink(b));
  const ordered = link ? [...all.filter((b) => webLink(b)), ...all.filter((b) => !webLink(b) && !isAddToCart(b))] : all;
  return {
    title: clip(card.title ?? '', 80),
    ...(card.subtitle || card.text ? { subtitle: clip(card.subtitle ?? card.text ?? '', 80) } : {}),
    ...(image && /^https?:\/\//.test(image) ? { image_url: image } : {}),
    ...(link ? { default_action: { type: 'web_url', url: link } } : {}),
    buttons: ordered.slice(0, 3).map(button).filter(Boolean),
  };
}

export function toSendApi(psid: string, activity: Partial<Activity>): SendApiMessage[] {
  const recipient = { id: psid };
  if (activity.type === 'typing') return [{ recipient, messaging_type: 'RESPONSE', sender_action: 'typing_on' }];
  if (activity.type !== 'message') return [];
  const out: SendApiMessage[] = [];
  const quickReplies = (activity.suggestedActions?.actions ?? []).slice(0, 13).map((a) => ({
    content_type: 'text',
    title: clip(String(a.title ?? a.value), 20),
    payload: clip(typeof a.value === 'string' ? a.value : JSON.stringify(a.value), 1000),
  }));
  const elements = (activity.attachments ?? []).map(element).filter((e): e is Record<string, unknown> => e !== null).slice(0, 10);
  const text = activity.text ? clip(activity.text, 2000) : '';
  if (text) out.push({ recipient, messaging_type: 'RESPONSE', message: { text } });
  if (elements.length > 0) {
    out.push({ recipient, messaging_type: 'RESPONSE', message: { attachment: { type: 'template', payload: { template_type: 'generic', elements } } } });
  }
  // Quick replies ride on the last message of the turn.
  if (quickReplies.length > 0) {
    const last = out[out.length - 1];
    if (last?.message) last.message.quick_replies = quickReplies;
    else out.push({ recipient, messaging_type: 'RESPONSE', message: { text: 'Choose one:', quick_replies: quickReplies } });
  }
  return out;
}
