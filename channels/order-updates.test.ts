import { describe, expect, it } from 'vitest';
import { OPT_OUT_HINT, orderUpdateText, plain } from './order-updates.js';

// The wording of proactive order updates: short, the order number, carrier and tracking where
// known, values from the store's backend as plain single-line text.

describe('orderUpdateText', () => {
  const none = { tracking: null, carrier: null };

  it('words each event with the order number, and the carrier, tracking number and page where known', () => {
    expect(orderUpdateText({ type: 'shipped', orderId: 'ORD-1', tracking: 'RM123456785GB', carrier: 'Royal Mail' }, none)).toBe(
      'Good news: your order ORD-1 has shipped with Royal Mail. Tracking number: RM123456785GB (https://www.royalmail.com/track-your-item#/tracking-results/RM123456785GB).',
    );
    // The order's own tracking when the event names none; a carrier without a public page: no link.
    expect(orderUpdateText({ type: 'out_for_delivery', orderId: 'ORD-1', tracking: null, carrier: null }, { tracking: 'BD-77', carrier: 'BlueDart' })).toBe(
      'Your order ORD-1 is out for delivery with BlueDart and should arrive today. Tracking number: BD-77.',
    );
    // The shop's own tracking page (SHOPBOT_TRACKING_URL) wins.
    expect(orderUpdateText({ type: 'delivery_attempted', orderId: 'ORD-1', tracking: 'A B', carrier: 'UPS' }, none, { trackingUrl: 'https://shop.example/track?c={carrier}&n={tracking}' })).toBe(
      'The courier could not deliver your order ORD-1 and will try again. Tracking number: A B (https://shop.example/track?c=UPS&n=A%20B).',
    );
    expect(orderUpdateText({ type: 'delivered', orderId: 'ORD-1', ...none }, none)).toBe('Your order ORD-1 has been delivered. If anything is wrong with it, just tell me here.');
    expect(orderUpdateText({ type: 'cancelled', orderId: 'ORD-1', ...none }, none)).toBe('Your order ORD-1 has been cancelled. If you have questions about it, just ask me here.');
    expect(orderUpdateText({ type: 'refund_issued', orderId: 'ORD-1', ...none }, none)).toMatch(/^A refund for your order ORD-1 has been issued\./);
    expect(orderUpdateText({ type: 'returned', orderId: 'ORD-1', ...none }, none)).toBe('Your return of order ORD-1 has reached us.');
  });

  it('says how to turn updates off in the first one', () => {
    expect(orderUpdateText({ type: 'delivered', orderId: 'ORD-1', ...none }, none, { hint: true })).toBe(`Your order ORD-1 has been delivered. If anything is wrong with it, just tell me here. ${OPT_OUT_HINT}`);
  });

  it('keeps values from the backend on one plain line, short', () => {
    const text = orderUpdateText({ type: 'shipped', orderId: 'ORD-\n9\u202E<b>x</b>', tracking: null, carrier: 'Evil\r\nCarrier\u0000' + 'x'.repeat(100) }, none);
    expect(text).not.toMatch(/[\r\n\u0000\u202E]/);
    expect(text).toContain('ORD- 9 <b>x</b>'); // shown as text by every channel (the widget uses textContent)
    expect(plain('a'.repeat(100), 10)).toBe('aaaaaaaaa…');
    expect(plain('  spaced \t out  ')).toBe('spaced out');
  });
});
