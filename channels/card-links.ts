import type { Activity, CardAction, HeroCard } from 'botbuilder';

/** An absolute http(s) link of sane length. */
export const isWebUrl = (v: unknown): v is string => typeof v === 'string' && /^https?:\/\/[^/\s]/.test(v) && v.length <= 2000;

/**
 * The activity with its hero cards' links made absolute against the shop's address
 * (SHOPBOT_PUBLIC_URL): products keep store paths ("/?product=P-1") that only a page on the store
 * can resolve, and Messenger and Bot Framework clients (Teams, Slack…) need a full https URL. Without a base (or for a link that does not
 * resolve to http(s)) the link is left as it is, and Messenger's toSendApi drops it.
 */
export function withAbsoluteLinks(activity: Partial<Activity>, base: string | undefined): Partial<Activity> {
  if (!base || !activity.attachments?.length) return activity;
  const absolute = (a: CardAction | undefined): CardAction | undefined => {
    if (a?.type !== 'openUrl' || typeof a.value !== 'string' || isWebUrl(a.value)) return a;
    try {
      const u = new URL(a.value, base);
      return u.protocol === 'https:' || u.protocol === 'http:' ? { ...a, value: u.href } : a;
    } catch {
      return a;
    }
  };
  const attachments = activity.attachments.map((att) => {
    if (att.contentType !== 'application/vnd.microsoft.card.hero') return att;
    const card = att.content as HeroCard;
    const tap = absolute(card.tap);
    return { ...att, content: { ...card, ...(tap ? { tap } : {}), buttons: (card.buttons ?? []).map((b) => absolute(b)!) } };
  });
  return { ...activity, attachments };
}
