import { describe, expect, it } from 'vitest';
import { fill } from './fill.js';
import { redactText } from './redact.js';

const mined =
  'Thanks Alice. I have updated order ORD-111111 and sent a confirmation to alice.smith+shop@example.org. ' +
  'We will call you on +44 20 7946 0958. For anything else call 1-800-555-0199 or visit https://shop.example.com/orders/998877?token=zz.';

describe('fill', () => {
  it('serves only the current customer’s data, never the data of the chat it was mined from', () => {
    const stored = redactText(mined, { names: ['Alice Smith'] });
    const out = fill(stored, { firstName: 'Bob', email: 'bob@example.com', orderNumber: 'ORD-222222', phone: '+91 98765 43210' }, { supportPhone: '1800 123 456' });
    expect(out).toContain('Bob');
    expect(out).toContain('ORD-222222');
    expect(out).toContain('bob@example.com');
    expect(out).toContain('+91 98765 43210');
    expect(out).toContain('1800 123 456');
    for (const leak of ['Alice', 'alice', '111111', '7946', '555-0199', '998877', 'token']) expect(out).not.toContain(leak);
    expect(out).not.toMatch(/\{\{|\}\}/);
  });

  it('rephrases slots it cannot fill instead of leaking braces', () => {
    const out = fill('Hi {{NAME}}, to cancel order {{ORDER_NUMBER}} log into our {{WEBSITE}}, find the order with the number {{ORDER_NUMBER}} and call {{SUPPORT_PHONE}}. {{UNKNOWN_THING}} {{Order Details}}');
    expect(out).not.toMatch(/\{\{|\}\}/);
    expect(out).toMatch(/^Hi, to cancel your order log into our website, find the order and call our customer support phone line./);
    expect(out).toContain('order details');
  });

  it('never echoes card numbers or personal links, even the customer’s own', () => {
    const out = fill('Your card {{CARD_NUMBER}} was charged; see {{URL}}.', { name: 'Bob' });
    expect(out).toBe('Your card was charged; see the link in your account.');
  });

  it('treats values as plain text', () => {
    expect(fill('Hi {{NAME}}!', { firstName: '$& {{EMAIL}} $1' })).toBe('Hi $& EMAIL $1!');
  });

  it('leaves texts without placeholders unchanged', () => {
    const t = 'Standard delivery takes 3-5 working days.\n\n1. Open My Orders.\n2. Click Track.';
    expect(fill(t, { name: 'Bob' })).toBe(t);
  });
});
