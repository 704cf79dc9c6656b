import { describe, expect, it } from 'vitest';
import { DEMO_REPLIES, fillPlaceholders, mayEdit, RAW_PLACEHOLDER, trackingLink, unfilledMarker, unknownPlaceholders } from './canned.js';
import { csatPayload, parseCsatPayload } from './csat.js';

// Saved replies' placeholders (filled, or left visible as [marker], never as {{...}}) and the CSAT
// quick-reply payloads. Pure functions: fast.

const customer = { name: 'Priya Sharma', email: 'priya@example.org' };
const order = { id: 'ORD-536365', status: 'shipped' as const, carrier: 'Evri', tracking: 'H0UVBNAM5AB9AHDK' };

describe('saved reply placeholders', () => {
  it('fills customer, latest order, tracking link and agent from the chat', () => {
    const r = fillPlaceholders('Hi {{customer.firstName}} ({{ customer.name }}), order {{order.id}} is {{order.status}} with {{order.carrier}}: {{order.trackingLink}} ({{order.tracking}}). {{agent.firstName}}', {
      customer,
      order,
      agent: { name: 'Anna Kumar' },
    });
    expect(r).toEqual({
      text: 'Hi Priya (Priya Sharma), order ORD-536365 is shipped with Evri: https://www.evri.com/track/parcel/H0UVBNAM5AB9AHDK (H0UVBNAM5AB9AHDK). Anna',
      missing: [],
    });
  });

  it('leaves what the chat does not say as a visible marker, never as {{...}}', () => {
    // A guest has no real name and no orders.
    const r = fillPlaceholders('Hi {{customer.firstName}}, order {{order.id}}: {{order.trackingLink}} {{bogus.key}} {{ }}', { customer: { name: 'Guest', email: null }, order: null });
    expect(r.text).toBe('Hi [first name], order [order number]: [tracking link] [bogus.key] [?]');
    expect(r.missing).toEqual(['[first name]', '[order number]', '[tracking link]', '[bogus.key]', '{{ }}']);
    expect(RAW_PLACEHOLDER.test(r.text)).toBe(false);
    // A courier without a known tracking page, or no number: the link stays a marker.
    expect(fillPlaceholders('{{order.trackingLink}}', { order: { ...order, carrier: 'Amazon Logistics' } }).text).toBe('[tracking link]');
    expect(fillPlaceholders('{{order.trackingLink}}', { order: { ...order, tracking: null } }).missing).toEqual(['[tracking link]']);
  });

  it('finds a marker left in a message (such a message is refused)', () => {
    expect(unfilledMarker('Hi [first name], your refund for [order number] is on its way')).toBe('[first name]');
    expect(unfilledMarker('Order [order number] for [first name]')).toBe('[order number]');
    expect(unfilledMarker('Hi Asha, your refund for ORD-1 is on its way [see link]')).toBeNull();
  });

  it("uses the shop's own tracking page when configured, with the number URL-encoded", () => {
    expect(trackingLink({ carrier: 'DPD', tracking: 'A B/1' }, 'https://shop.example/track?c={carrier}&n={tracking}')).toBe('https://shop.example/track?c=DPD&n=A%20B%2F1');
    expect(trackingLink({ carrier: 'UPS', tracking: '1Z999' })).toBe('https://www.ups.com/track?tracknum=1Z999');
  });

  it('finds unknown placeholders (a saved reply with one is refused), and the demo replies use only known ones', () => {
    expect(unknownPlaceholders('Hi {{customer.firstName}} {{order.number}} {{order id}}')).toEqual(['order.number', '{{order id}}']);
    expect(unknownPlaceholders('no placeholders { here }')).toEqual([]);
    expect(DEMO_REPLIES.map((r) => r.shortcut)).toEqual(['/returns', '/refund', '/delay', '/tracking', '/thanks']);
    for (const r of DEMO_REPLIES) expect(unknownPlaceholders(r.body), r.shortcut).toEqual([]);
    // Worded after the help articles: 10 days (7 for electronics), free pickup; refund timelines.
    expect(DEMO_REPLIES[0]!.body).toMatch(/10 days of delivery \(electronics within 7 days\).*pickup is free/);
    expect(DEMO_REPLIES[1]!.body).toMatch(/1 working day.*2–4 working days to UPI, 5–7 to a card/);
  });

  it('lets agents change their own replies and only admins the shared ones', () => {
    const agent = { id: 'A1', role: 'agent' as const, name: 'Ravi', email: 'r@x', skills: [], createdAt: '' };
    const admin = { ...agent, id: 'A2', role: 'admin' as const };
    expect(mayEdit(agent, { ownerId: 'A1' })).toBe(true);
    expect(mayEdit(agent, { ownerId: null })).toBe(false);
    expect(mayEdit(admin, { ownerId: null })).toBe(true);
    expect(mayEdit(admin, { ownerId: 'A1' })).toBe(false);
  });
});

describe('CSAT quick-reply payloads', () => {
  it('round-trips ratings and "no comment", and refuses anything else', () => {
    expect(parseCsatPayload(csatPayload(12, 4))).toEqual({ ticketId: 12, rating: 4 });
    expect(parseCsatPayload(csatPayload(12, 'skip'))).toEqual({ ticketId: 12, rating: null });
    for (const bad of ['CSAT:12:6', 'CSAT:12:0', 'CSAT:x:4', 'csat:12:4x', 'YES', 4, null]) expect(parseCsatPayload(bad)).toBeNull();
  });
});
