import { CardFactory, type Attachment, type CardAction } from 'botbuilder';
import { formatAmount as intlAmount, formatNumber, translate, type Locale } from '../core/i18n.js';
import type { Product } from '../store/index.js';

export type CardActionName = 'view' | 'add_to_cart' | 'more_like';

export interface CardActionValue {
  action: CardActionName;
  productId: string;
  /** Add to cart: what the host page's cart did ('no_cart': no page cart answered, e.g. Messenger). */
  cart?: { result: 'added' | 'refused' | 'no_cart'; reason?: string };
}

/** Cards and prices without a conversation's locale: the demo store's English (India). */
export const EN_IN: Locale = { lang: 'en', tag: 'en-IN' };

/** An amount in a currency for a locale ("₹1,500"; Latin digits in every locale: core/i18n.ts). */
export const formatAmount = (amount: number, currency = 'INR', locale: string = EN_IN.tag): string => intlAmount(amount, { locale, currency: currency || 'INR' });
const money = (p: Product, locale: Locale) => formatAmount(p.price, p.currency, locale.tag);

/** A product's price in its currency, formatted for the conversation's locale. */
export function formatPrice(p: Product, locale: Locale = EN_IN): string {
  return money(p, locale);
}

function action(title: string, value: CardActionValue): CardAction {
  return { type: 'postBack', title, value: JSON.stringify(value) };
}

/** The title of a card's link to the product's page on the store (English; productCard words it for its locale). */
export const STORE_LINK_TITLE = translate('en', 'bot:card.viewOnStore');

/**
 * A product as a Bot Framework hero card; channels map it to their own format. A product with a
 * page (`url`, a store path or an absolute URL) links to it twice, as the card's tap action and an
 * `openUrl` button: the web chat shows a "View on store" link (paths resolve against the page the
 * chat runs on), Messenger a `default_action` and a `web_url` button (paths resolve against
 * SHOPBOT_PUBLIC_URL). The postBack buttons stay the same on every channel.
 */
export function productCard(p: Product, reason?: string, locale: Locale = EN_IN): Attachment {
  const t = (key: string) => translate(locale, `bot:card.${key}`);
  const rating = p.rating !== null ? ` · ★ ${formatNumber(p.rating, locale.tag, 1)}${p.ratingCount ? ` (${formatNumber(p.ratingCount, locale.tag)})` : ''}` : '';
  const link: CardAction | null = p.url ? { type: 'openUrl', title: t('viewOnStore'), value: p.url } : null;
  return CardFactory.heroCard(
    clip(p.title, 120),
    reason ?? '',
    p.image ? [p.image] : [],
    [action(t('view'), { action: 'view', productId: p.id }), action(t('addToCart'), { action: 'add_to_cart', productId: p.id }), action(t('moreLikeThis'), { action: 'more_like', productId: p.id }), ...(link ? [link] : [])],
    { subtitle: `${money(p, locale)}${rating}${p.stock > 0 ? '' : ` · ${t('outOfStock')}`}`, ...(link ? { tap: link } : {}) },
  );
}

/** Parses a card button payload; anything else (free text, hostile JSON) is null. */
export function parseCardAction(value: unknown): CardActionValue | null {
  let v: unknown = value;
  if (typeof value === 'string') {
    if (value.length > 500 || !value.startsWith('{')) return null;
    try {
      v = JSON.parse(value);
    } catch {
      return null;
    }
  }
  if (typeof v !== 'object' || v === null) return null;
  const { action: a, productId, result, reason } = v as Record<string, unknown>;
  if ((a === 'view' || a === 'add_to_cart' || a === 'more_like') && typeof productId === 'string' && productId.length <= 100) {
    // What the host page's cart answered (the widget asks it before telling the bot).
    if (a === 'add_to_cart' && (result === 'added' || result === 'refused' || result === 'no_cart')) {
      return { action: a, productId, cart: { result, ...(typeof reason === 'string' && reason.trim() ? { reason: reason.trim().slice(0, 200) } : {}) } };
    }
    return { action: a, productId };
  }
  return null;
}

/**
 * A product's name for a sentence: the title up to its first qualifier ("Sony WI-C100 Wireless
 * Headphones with Customizable Equalizer…" -> "Sony WI-C100 Wireless Headphones"), at most about
 * 60 characters, never cut inside a word.
 */
export function shortTitle(title: string, max = 60): string {
  let t = title.trim();
  const cut = /\s(?:with|for|\|)\s|\s[(\[]|,\s|\s[-–]\s/.exec(t);
  if (cut && cut.index >= 12) t = t.slice(0, cut.index);
  return clip(t, max);
}

/** At most `max` characters, cut at a space (never inside a word), with "…" when cut. */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  const space = text.lastIndexOf(' ', max - 1);
  return `${text.slice(0, space > max / 3 ? space : max - 1).replace(/[\s,;:&|/-]+$/, '')}…`;
}
