import { describe, expect, it } from 'vitest';
import { knownFromFilled, luhnValid, redact, redactText } from './redact.js';

const types = (text: string) => redact(text).found.map((f) => f.type);

describe('redact', () => {
  it('keeps numbers inside words, product models, prices, dates and quantities', () => {
    const keep = [
      'Is B07JW9H4J1 in stock?',
      'abc123def and x9y8z7',
      'the iPhone 13 and a USB 3.0 hub',
      'it costs $1,299.99 or ₹45,000 or Rs. 2999',
      'delivered on 2023-01-15 at 9:00, in 5-7 business days, 24/7',
      'I bought 3 items in size 42, model SM-G991B',
      'Mon-Fri 9am-5pm ET',
    ];
    for (const t of keep) expect(redactText(t), t).toBe(t);
  });

  it('redacts international and national phone formats', () => {
    for (const p of ['+44 20 7946 0958', '+91-98765-43210', '(555) 123-4567', '0049 30 1234567', '+1 (555) 010-0199', '555.123.4567', '98765 43210', '+919876543210']) {
      const out = redactText(`call me on ${p} please`);
      expect(out, p).toBe('call me on {{PHONE}} please');
    }
    expect(redactText('our toll-free line 1-800-555-0199')).toBe('our toll-free line {{SUPPORT_PHONE}}');
  });

  it('does not take zero-padded identifiers for international phone numbers', () => {
    expect(redactText('cancel purchase 00004587345')).toBe('cancel purchase {{ORDER_NUMBER}}');
    expect(types('ref 00123842')).not.toContain('PHONE');
  });

  it('redacts e-mails with plus signs and subdomains; role mailboxes are the store’s', () => {
    expect(redactText('mail john.doe+shop@mail.example.co.uk now')).toBe('mail {{EMAIL}} now');
    expect(redactText('A.B-C_d+tag+2@sub.domain.example.org.')).toBe('{{EMAIL}}.');
    expect(redactText('write to support@example.com')).toBe('write to {{SUPPORT_EMAIL}}');
  });

  it('redacts card numbers that pass Luhn, with spaces or dashes', () => {
    expect(luhnValid('4111 1111 1111 1111')).toBe(true);
    expect(luhnValid('4111-1111-1111-1112')).toBe(false);
    expect(redactText('card 4111 1111 1111 1111 expires')).toBe('card {{CARD_NUMBER}} expires');
    expect(redactText('my visa is 4111-1111-1111-1111')).toBe('my visa is {{CARD_NUMBER}}');
    expect(redactText('5500005555555559')).toBe('{{CARD_NUMBER}}');
    expect(redactText('card ending in 4242')).toBe('card ending in {{CARD_NUMBER}}');
    // A mistyped card (fails Luhn) is still never kept.
    expect(redactText('1234 5678 9012 3456')).toBe('{{NUMBER}}');
  });

  it('redacts order, invoice, account and tracking numbers', () => {
    expect(redactText('where is ORD-536365?')).toBe('where is {{ORDER_NUMBER}}?');
    expect(redactText('order #12345 is late')).toBe('order #{{ORDER_NUMBER}} is late');
    expect(redactText('I have #12345')).toBe('I have {{ORDER_NUMBER}}');
    expect(redactText('purchase ORD-DF-003911')).toBe('purchase {{ORDER_NUMBER}}');
    expect(redactText('Order ID: 3348917502')).toBe('Order ID: {{ORDER_NUMBER}}');
    expect(redactText('the order with the number 8792711226.')).toBe('the order with the number {{ORDER_NUMBER}}.');
    expect(redactText('invoice INV-2024-123456')).toBe('invoice {{INVOICE_NUMBER}}');
    expect(redactText('account number 12-3456-7890')).toBe('account number {{ACCOUNT_NUMBER}}');
    expect(redactText('IBAN GB82 WEST 1234 5698 7654 32')).toBe('IBAN {{ACCOUNT_NUMBER}}');
    expect(redactText('tracking number 1Z999AA10123456784')).toBe('tracking number {{TRACKING_NUMBER}}');
    // "order" the verb followed by a product code is not an order number.
    expect(redactText('I want to order B07JW9H4J1')).toBe('I want to order B07JW9H4J1');
    expect(redactText('order 2 shirts')).toBe('order 2 shirts');
  });

  it('redacts street addresses and postcodes', () => {
    expect(redactText('I live at 221B Baker Street, London NW1 6XE')).toBe('I live at {{ADDRESS}} {{POSTCODE}}');
    expect(redactText('ship to 10 Downing St please')).toBe('ship to {{ADDRESS}} please');
    expect(redactText('Hauptstraße 5, 10115 Berlin')).toContain('{{ADDRESS}}');
    expect(redactText('my pin code is 560001')).toBe('my pin code is {{POSTCODE}}');
  });

  it('redacts names where the wording gives them away, not ordinary words', () => {
    expect(redactText('Hi, my name is Priya Patel and I need help')).toBe('Hi, my name is {{NAME}} and I need help');
    expect(redactText('Dear John, thanks')).toBe('Dear {{NAME}}, thanks');
    expect(redactText('bills from Mr. Smith')).toBe('bills from Mr. {{NAME}}');
    expect(redactText("I'm Looking for a refund. Hello there! Hi Team,")).toBe("I'm Looking for a refund. Hello there! Hi Team,");
    expect(redactText('the rose is red, Rose said', { names: ['Rose Miller'] })).toBe('the rose is red, {{NAME}} said');
    expect(redactText('Username: cminh730')).toBe('Username: {{USERNAME}}');
    expect(redactText('@sprintcare help')).toBe('{{USERNAME}} help');
  });

  it('redacts personal links but keeps the store’s public pages', () => {
    expect(redactText('see https://www.example.com/help.')).toBe('see https://www.example.com/help.');
    expect(redactText('track at https://shop.example.com/orders/123456?token=abc')).toBe('track at {{URL}}');
    expect(redactText('reset: https://example.com/reset/9f8e7d6c5b4a39281706f5e4d3c2b1a0')).toBe('reset: {{URL}}');
  });

  it('uses values known for the conversation, typed by their slot', () => {
    const known = knownFromFilled({ 'Order Number': '8792711226', 'Customer Support Phone Number': '+353 1 337 2571', 'Website Name': 'example.com', 'Customer Support Hours': '24/7' });
    expect(known.map((k) => k.type).sort()).toEqual(['ORDER_NUMBER', 'SUPPORT_PHONE', 'WEBSITE']);
    expect(redactText('order 8792711226: call +353 1 337 2571 or visit example.com, open 24/7', { known })).toBe(
      'order {{ORDER_NUMBER}}: call {{SUPPORT_PHONE}} or visit {{WEBSITE}}, open 24/7',
    );
  });

  it('maps template slots and cannot be tricked into forging placeholders', () => {
    expect(redactText('{{Order Number}} via {{Customer Support Phone Number}} in {{Order Details}}')).toBe('{{ORDER_NUMBER}} via {{SUPPORT_PHONE}} in Order Details');
    expect(redactText('{{ nope {{EMAIL}} }}')).not.toMatch(/\{\{(?!EMAIL\}\})/);
  });

  it('is idempotent', () => {
    const t = 'Hi, my name is Priya Patel, card 4111 1111 1111 1111, mail a+b@c.example.com, call +44 20 7946 0958, ORD-536365';
    const once = redactText(t);
    expect(redactText(once)).toBe(once);
    expect(once).not.toMatch(/\d{4}/);
  });

  it('never throws on hostile input and stays fast on huge input', () => {
    const hostile = ["<script>alert('x')</script>", "'; DROP TABLE faq_units; --", '😀🔥💯 ¿qué? 你好', '\u0000\u0001\u202e', '{{{{}}}}', '(((((((((('];
    for (const h of hostile) expect(() => redact(h)).not.toThrow();
    const huge = ('call +44 20 7946 0958 or mail a@b.example.com; 221B Baker Street ' + 'x'.repeat(200) + ' ').repeat(300);
    const t0 = performance.now();
    const out = redactText(huge);
    expect(performance.now() - t0).toBeLessThan(2000);
    expect(out).not.toContain('7946');
    expect(redactText(undefined as unknown as string)).toBe('');
  });
});
