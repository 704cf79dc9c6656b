import { CardFactory, type Attachment, type CardAction } from 'botbuilder';
import type { Product } from '../store/index.js';

export type CardActionName = 'view' | 'add_to_cart' | 'more_like';

export interface CardActionValue {
  action: CardActionName;
  productId: string;
  /** Add to cart: what the host page's cart did ('no_cart': no page cart answered, e.g. Messenger). */
  cart?: { result: 'added' | 'refused' | 'no_cart'; reason?: string };
}

/** An amount in the store's currency ("₹1,500"). */
export const formatAmount = (amount: number, currency = 'INR'): string => new Intl.NumberFormat('en-IN', { style: 'currency', currency: currency || 'INR', maximumFractionDigits: 0 }).format(amount);
const money = (p: Product) => formatAmount(p.price, p.currency);

export function formatPrice(p: Product): string {
  return money(p);
}

function action(title: string, value: CardActionValue): CardAction {
  return { type: 'postBack', title, value: JSON.stringify(value) };
}

/** The title of a card's link to the product's page on the store. */
export const STORE_LINK_TITLE = 'View on store';

/**
 * A product as a Bot Framework hero card; channels map it to their own format. A product with a
 * page (`url`, a store path or an absolute URL) links to it twice, as the card's tap action and an
 * `openUrl` button: the web chat shows a "View on store" link (paths resolve against the page the
 * chat runs on), Messenger a `default_action` and a `web_url` button (paths resolve against
 * SHOPBOT_PUBLIC_URL). The postBack buttons stay the same on every channel.
 */
export function productCard(p: Product, reason?: string): Attachment {
  const rating = p.rating !== null ? ` · ★ ${p.rating.toFixed(1)}${p.ratingCount ? ` (${p.ratingCount.toLocaleString('en-IN')})` : ''}` : '';
  const link: CardAction | null = p.url ? { type: 'openUrl', title: STORE_LINK_TITLE, value: p.url } : null;
  return CardFactory.heroCard(
    clip(p.title, 120),
    reason ?? '',
    p.image ? [p.image] : [],
    [action('View', { action: 'view', productId: p.id }), action('Add to cart', { action: 'add_to_cart', productId: p.id }), action('More like this', { action: 'more_like', productId: p.id }), ...(link ? [link] : [])],
    { subtitle: `${money(p)}${rating}${p.stock > 0 ? '' : ' · out of stock'}`, ...(link ? { tap: link } : {}) },
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
