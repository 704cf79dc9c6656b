import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDatabase } from './db.js';
import { isStoreError, StoreError } from './errors.js';
import { createStore, type Store } from './index.js';
import { errorOf, seededStore } from '../testing/store-helpers.js';

let ctx: Awaited<ReturnType<typeof seededStore>>;
let store: Store;

beforeEach(async () => {
  ctx = await seededStore();
  store = ctx.store;
});
afterEach(() => ctx.cleanup());

describe('CustomerRepo', () => {
  it('gets and creates customers', () => {
    expect(store.customers.get('C1')).toMatchObject({ id: 'C1', name: 'Customer C1', email: 'c1@example.org', country: 'India' });
    const c = store.customers.create({ name: 'Zoë', email: 'zoe@example.org' });
    expect(c.id).toMatch(/^cus_/);
    expect(store.customers.get(c.id)).toEqual(c);
    expect(store.customers.findByEmail('ZOE@example.org').map((x) => x.id)).toEqual([c.id]);
    expect(errorOf(() => store.customers.create({ id: 'C1', name: 'dup' })).code).toBe('conflict');
  });

  it('resolves a customer linked on web and messenger to the same customer from both channels', () => {
    expect(store.customers.findByIdentity('web', 'web-c1')?.id).toBe('C1');
    expect(store.customers.findByIdentity('messenger', 'psid-c1')?.id).toBe('C1');
    expect(store.customers.resolveOrCreate('messenger', 'psid-c1')).toMatchObject({ customer: { id: 'C1' }, created: false });
    expect(store.customers.identities('C1').map((i) => `${i.channel}:${i.externalId}`).sort()).toEqual(['messenger:psid-c1', 'web:web-c1']);
    expect(store.customers.findByIdentity('web', 'psid-c1')).toBeUndefined(); // identities are per channel
  });

  it('creates a guest for a new visitor once, and links a second channel to them', () => {
    const first = store.customers.resolveOrCreate('web', 'visitor-42');
    expect(first.created).toBe(true);
    expect(first.customer.name).toBe('Guest');
    const again = store.customers.resolveOrCreate('web', 'visitor-42');
    expect(again).toEqual({ customer: first.customer, created: false });
    expect(store.customers.linkIdentity(first.customer.id, 'messenger', 'psid-42')).toBe(true);
    expect(store.customers.resolveOrCreate('messenger', 'psid-42').customer.id).toBe(first.customer.id);
  });

  it('two connections resolving the same new visitor get the same customer', () => {
    const other = createStore(openDatabase(ctx.path));
    try {
      const a = store.customers.resolveOrCreate('web', 'shared-visitor');
      const b = other.customers.resolveOrCreate('web', 'shared-visitor');
      expect(b.customer.id).toBe(a.customer.id);
      expect(b.created).toBe(false);
    } finally {
      other.close();
    }
  });

  it('refuses to link an identity owned by another customer, and re-linking the same is a no-op', () => {
    const err = errorOf(() => store.customers.linkIdentity('C2', 'web', 'web-c1'));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/already linked to customer C1/);
    expect(store.customers.findByIdentity('web', 'web-c1')?.id).toBe('C1');
    expect(store.customers.linkIdentity('C1', 'web', 'web-c1')).toBe(false);
    expect(errorOf(() => store.customers.linkIdentity('nobody', 'web', 'x')).code).toBe('not_found');
    expect(errorOf(() => store.customers.linkIdentity('C1', 'fax', 'x')).code).toBe('invalid_input');
    expect(errorOf(() => store.customers.resolveOrCreate('carrier-pigeon', 'x')).code).toBe('invalid_input');
  });

  it('unlinks identities', () => {
    expect(store.customers.unlinkIdentity('C2', 'web', 'web-c1')).toBe(false); // not theirs
    expect(store.customers.unlinkIdentity('C1', 'messenger', 'psid-c1')).toBe(true);
    expect(store.customers.findByIdentity('messenger', 'psid-c1')).toBeUndefined();
  });

  it('merges a guest into a known customer, moving identities, conversations, messages and events', async () => {
    const guest = store.customers.resolveOrCreate('messenger', 'psid-new').customer;
    const conv = store.conversations.create({ customerId: guest.id, channel: 'messenger' });
    store.conversations.appendMessage(conv.id, { role: 'customer', text: 'hi' });
    await store.events.record({ customerId: guest.id, productId: 'P1', type: 'view' });
    const moved = store.customers.mergeCustomers('C2', guest.id);
    expect(moved).toMatchObject({ identities: 1, conversations: 1, messages: 1, events: 1, orders: 0 });
    expect(store.customers.get(guest.id)).toBeUndefined();
    expect(store.customers.resolveOrCreate('messenger', 'psid-new')).toMatchObject({ customer: { id: 'C2' }, created: false });
    expect(store.conversations.get(conv.id)?.customerId).toBe('C2');
    expect((await store.events.recentForCustomer('C2')).some((e) => e.productId === 'P1')).toBe(true);
    expect(isStoreError(errorOf(() => store.customers.mergeCustomers('C2', 'C2')), 'invalid_input')).toBe(true);
    expect(errorOf(() => store.customers.mergeCustomers('C2', 'ghost')).code).toBe('not_found');
  });
});
