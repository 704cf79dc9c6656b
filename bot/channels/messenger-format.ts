import type { Activity, Attachment, CardAction, HeroCard } from 'botbuilder';

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

function button(a: CardAction): Record<string, unknown> | null {
  const title = clip(String(a.title ?? a.value ?? ''), 20);
  if (a.type === 'openUrl' && typeof a.value === 'string' && /^https?:\/\//.test(a.value)) return { type: 'web_url', url: a.value, title };
  const payload = typeof a.value === 'string' ? a.value : JSON.stringify(a.value ?? title);
  return { type: 'postback', title, payload: clip(payload, 1000) };
}

function element(att: Attachment): Record<string, unknown> | null {
  if (att.contentType !== 'application/vnd.microsoft.card.hero') return null;
  const card = att.content as HeroCard;
  const image = card.images?.[0]?.url;
  return {
    title: clip(card.title ?? '', 80),
    ...(card.subtitle || card.text ? { subtitle: clip(card.subtitle ?? card.text ?? '', 80) } : {}),
    ...(image && /^https?:\/\//.test(image) ? { image_url: image } : {}),
    buttons: (card.buttons ?? []).slice(0, 3).map(button).filter(Boolean),
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
