import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CustomerRepo } from './customers.js';
import { openDatabase } from './db.js';
import { isStoreError } from './errors.js';
import type { Sql } from './sql/executor.js';
import { SqliteSql } from './sql/sqlite.js';
import { describeEngines } from '../testing/engines.js';
import { clock, rejectionOf, tempStore } from '../testing/store-helpers.js';
import { addConversation, addMessage, addProduct } from '../testing/store-rows.js';

// Customers and their channel identities on both engines: one customer across channels, guests,
// links that conflict, merges.

async function seedCustomers(sql: Sql): Promise<void> {
  for (const id of ['C1', 'C2']) {
    await sql.run("INSERT INTO customers (id, name, email, country, created_at) VALUES (?, ?, ?, 'India', '2024-01-01T00:00:00.000Z')", [id, `Customer ${id}`, `${id.toLowerCase()}@example.org`]);
  }
  const link = (channel: string, externalId: string, customerId: string) =>
    sql.run("INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES (?, ?, ?, '2024-01-01T00:00:00.000Z')", [channel, externalId, customerId]);
  await link('web', 'web-c1', 'C1');
  await link('messenger', 'psid-c1', 'C1');
  await link('web', 'web-C2', 'C2');
}

describeEngines('CustomerRepo', (engine) => {
  let sql: Sql;
  let customers: CustomerRepo;

  beforeEach(async () => {
    sql = await engine.fresh();
    customers = new CustomerRepo(sql, clock().now);
    await seedCustomers(sql);
  });

  it('gets and creates customers, and finds them by e-mail whatever its case', async () => {
    expect(await customers.get('C1')).toEqual({ id: 'C1', name: 'Customer C1', email: 'c1@example.org', country: 'India', createdAt: '2024-01-01T00:00:00.000Z' });
    expect(await customers.get('nobody')).toBeUndefined();
    const c = await customers.create({ name: 'Zoë', email: 'Zoe@Example.org' });
    expect(c.id).toMatch(/^cus_/);
    expect(await customers.get(c.id)).toEqual(c);
    expect((await customers.findByEmail('ZOE@example.ORG')).map((x) => x.id)).toEqual([c.id]);
    const twin = await customers.create({ name: 'Zoe twin', email: 'zoe@example.org', createdAt: '2030-01-01T00:00:00.000Z' });
    expect((await customers.findByEmail('zoe@example.org')).map((x) => x.id)).toEqual([c.id, twin.id]); // oldest first
    expect((await rejectionOf(customers.create({ id: 'C1', name: 'dup' }))).code).toBe('conflict');
    expect((await rejectionOf(customers.create({ name: 'x'.repeat(5000) }))).code).toBe('too_large');
  });

  it('resolves a customer linked on web and messenger to the same customer from both channels', async () => {
    expect((await customers.findByIdentity('web', 'web-c1'))?.id).toBe('C1');
    expect((await customers.findByIdentity('messenger', 'psid-c1'))?.id).toBe('C1');
    expect(await customers.resolveOrCreate('messenger', 'psid-c1')).toMatchObject({ customer: { id: 'C1' }, created: false });
    expect((await customers.identities('C1')).map((i) => `${i.channel}:${i.externalId}`).sort()).toEqual(['messenger:psid-c1', 'web:web-c1']);
    expect(await customers.findByIdentity('web', 'psid-c1')).toBeUndefined(); // identities are per channel
  });

  it('creates a guest for a new visitor once, and links a second channel to them', async () => {
    const first = await customers.resolveOrCreate('web', 'visitor-42');
    expect(first.created).toBe(true);
    expect(first.customer).toMatchObject({ name: 'Guest', createdAt: '2026-01-01T10:00:00.000Z' });
    expect(await customers.resolveOrCreate('web', 'visitor-42')).toEqual({ customer: first.customer, created: false });
    expect(await customers.linkIdentity(first.customer.id, 'messenger', 'psid-42')).toBe(true);
    expect((await customers.resolveOrCreate('messenger', 'psid-42')).customer.id).toBe(first.customer.id);
    expect((await customers.identities(first.customer.id)).map((i) => i.channel)).toEqual(['messenger', 'web']);
  });

  it('refuses to link an identity owned by another customer, and re-linking the same is a no-op', async () => {
    const err = await rejectionOf(customers.linkIdentity('C2', 'web', 'web-c1'));
    expect(err.code).toBe('conflict');
    expect(err.message).toMatch(/already linked to customer C1/);
    expect((await customers.findByIdentity('web', 'web-c1'))?.id).toBe('C1');
    expect(await customers.linkIdentity('C1', 'web', 'web-c1')).toBe(false);
    expect((await rejectionOf(customers.linkIdentity('nobody', 'web', 'x'))).code).toBe('not_found');
    expect((await rejectionOf(customers.linkIdentity('C1', 'fax', 'x'))).code).toBe('invalid_input');
    expect((await rejectionOf(customers.resolveOrCreate('carrier-pigeon', 'x'))).code).toBe('invalid_input');
  });

  it('unlinks identities', async () => {
    expect(await customers.unlinkIdentity('C2', 'web', 'web-c1')).toBe(false); // not theirs
    expect(await customers.unlinkIdentity('C1', 'messenger', 'psid-c1')).toBe(true);
    expect(await customers.findByIdentity('messenger', 'psid-c1')).toBeUndefined();
  });

  it('merges a guest into a known customer, moving identities, conversations, messages and events', async () => {
    const guest = (await customers.resolveOrCreate('messenger', 'psid-new')).customer;
    await addConversation(sql, 'conv-g', guest.id, { channel: 'messenger' });
    await addMessage(sql, 'conv-g', 1, { customerId: guest.id, text: 'hi' });
    await addProduct(sql, 'P1');
    await sql.run("INSERT INTO events (customer_id, product_id, type, ts) VALUES (?, 'P1', 'view', '2026-01-01T10:00:00.000Z')", [guest.id]);
    expect(await customers.mergeCustomers('C2', guest.id)).toEqual({ identities: 1, orders: 0, reviews: 0, conversations: 1, messages: 1, tickets: 0, events: 1 });
    expect(await customers.get(guest.id)).toBeUndefined();
    expect(await customers.resolveOrCreate('messenger', 'psid-new')).toMatchObject({ customer: { id: 'C2' }, created: false });
    expect(await sql.get('SELECT customer_id FROM conversations WHERE id = ?', ['conv-g'])).toEqual({ customer_id: 'C2' });
    expect(await sql.get('SELECT customer_id FROM events')).toEqual({ customer_id: 'C2' });
    expect(isStoreError(await rejectionOf(customers.mergeCustomers('C2', 'C2')), 'invalid_input')).toBe(true);
    expect((await rejectionOf(customers.mergeCustomers('C2', 'ghost'))).code).toBe('not_found');
    expect((await rejectionOf(customers.mergeCustomers('ghost', 'C2'))).code).toBe('not_found');
  });

  it('keeps a refused merge or link from changing anything when it runs inside a caller’s transaction', async () => {
    await expect(
      sql.transaction(async (tx) => {
        await customers.linkIdentity('C2', 'messenger', 'psid-c2', tx);
        await customers.mergeCustomers('C2', 'ghost', tx);
      }),
    ).rejects.toThrow(/ghost not found/);
    expect(await customers.findByIdentity('messenger', 'psid-c2')).toBeUndefined();
  });

  it.skipIf(engine.name === 'sqlite')('two nodes resolving the same new visitor at once get the same customer', async () => {
    const other = new CustomerRepo(await engine.another(sql));
    const [a, b] = await Promise.all([customers.resolveOrCreate('web', 'shared-visitor'), other.resolveOrCreate('web', 'shared-visitor')]);
    expect(b.customer.id).toBe(a.customer.id);
    expect([a.created, b.created].sort()).toEqual([false, true]);
  });
});

describe('CustomerRepo on two SQLite connections', () => {
  let ctx: ReturnType<typeof tempStore>;
  beforeEach(() => {
    ctx = tempStore();
  });
  afterEach(() => ctx.cleanup());

  it('two connections resolving the same new visitor get the same customer', async () => {
    const db = openDatabase(ctx.path);
    try {
      const a = await ctx.store.customers.resolveOrCreate('web', 'shared-visitor');
      const b = await new CustomerRepo(new SqliteSql(db)).resolveOrCreate('web', 'shared-visitor');
      expect(b).toEqual({ customer: a.customer, created: false });
    } finally {
      db.close();
    }
  });
});
