import type { Order } from '../store/index.js';
import { dateFormats, type Locale, type Texts, type Vars } from '../core/i18n.js';
import { orderLine } from './dialogs/order-change.js';

/** One order's state in a sentence, in the conversation's language. */
export function statusSentence(texts: Texts, locale: Locale, o: Order): string {
  const placed = texts.date(o.createdAt, locale, dateFormats(locale).date);
  const order = orderLine(o, locale, texts);
  const t = (key: string, vars: Vars = {}) => texts.t(locale, `order.${key}`, { order, ...vars });
  switch (o.status) {
    case 'processing':
      return t('processing', { date: placed });
    case 'shipped':
      if (o.carrier && o.tracking) return t('shippedCarrierTracking', { carrier: o.carrier, tracking: o.tracking });
      if (o.carrier) return t('shippedCarrier', { carrier: o.carrier });
      return o.tracking ? t('shippedTracking', { tracking: o.tracking }) : t('shipped');
    case 'delivered':
      return t('delivered', { date: placed });
    case 'cancelled':
      return t('cancelled');
    case 'return_requested':
      return t('returnRequested');
    case 'returned':
      return t('returned');
  }
}
