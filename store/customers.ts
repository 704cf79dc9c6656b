import { StoreError } from './errors.js';
import { newId } from './ids.js';
import { violation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { checkOptionalText, checkText, isoTime, MAX_ID_BYTES, MAX_SHORT_BYTES } from './text.js';
import { IDENTITY_CHANNELS, type Customer, type Identity, type IdentityChannel } from './types.js';

interface CustomerRow {
  id: string;
  name: string;
  email: string | null;
  country: string | null;
  created_at: string;
}

interface IdentityRow {
  channel: IdentityChannel;
  external_id: string;
  customer_id: string;
  created_at: string;
}

const toCustomer = (r: CustomerRow): Customer => ({ id: r.id, name: r.name, email: r.email, country: r.country, createdAt: r.created_at });
const toIdentity = (r: IdentityRow): Identity => ({ channel: r.channel, externalId: r.external_id, customerId: r.customer_id, createdAt: r.created_at });

export interface NewCustomer {
  id?: string;
  name: string;
  email?: string | null;
  country?: string | null;
  createdAt?: string;
}

export interface MergeResult {
  identities: number;
  orders: number;
  reviews: number;
  conversations: number;
  messages: number;
  tickets: number;
  events: number;
}

function checkChannel(channel: string): IdentityChannel {
  if (!(IDENTITY_CHANNELS as readonly string[]).includes(channel)) {
    throw new StoreError('invalid_input', `unknown channel "${channel}"; expected one of ${IDENTITY_CHANNELS.join(', ')}`);
  }
  return channel as IdentityChannel;
}

const CUSTOMER = 'SELECT id, name, email, country, created_at FROM customers';
const IDENTITY = 'SELECT channel, external_id, customer_id, created_at FROM channel_identities';
const INSERT_IDENTITY = 'INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING';

/** The tables whose rows a merge moves to the surviving customer, by MergeResult key. */
const MERGED: readonly [keyof MergeResult, string][] = [
  ['identities', 'channel_identities'],
  ['orders', 'orders'],
  ['reviews', 'reviews'],
  ['conversations', 'conversations'],
  ['messages', 'messages'],
  ['tickets', 'handoff_tickets'],
  ['events', 'events'],
];

export class CustomerRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  async get(id: string, sql: Sql = this.sql): Promise<Customer | undefined> {
    const r = await sql.get<CustomerRow>(`${CUSTOMER} WHERE id = ?`, [id]);
    return r ? toCustomer(r) : undefined;
  }

  /** Customers with this e-mail (case-insensitive), oldest first. */
  async findByEmail(email: string, sql: Sql = this.sql): Promise<Customer[]> {
    return (await sql.all<CustomerRow>(`${CUSTOMER} WHERE lower(email) = lower(?) ORDER BY created_at, id`, [email])).map(toCustomer);
  }

  async create(c: NewCustomer, sql: Sql = this.sql): Promise<Customer> {
    const row: CustomerRow = {
      id: c.id === undefined ? newId('cus') : checkText('customer id', c.id, MAX_ID_BYTES),
      name: checkText('customer name', c.name, MAX_SHORT_BYTES),
      email: checkOptionalText('customer email', c.email, MAX_SHORT_BYTES),
      country: checkOptionalText('customer country', c.country, MAX_ID_BYTES),
      created_at: isoTime(c.createdAt, this.now),
    };
    try {
      await sql.run('INSERT INTO customers (id, name, email, country, created_at) VALUES (?, ?, ?, ?, ?)', [row.id, row.name, row.email, row.country, row.created_at]);
    } catch (e) {
      if (violation(e) === 'primary_key') throw new StoreError('conflict', `customer ${row.id} already exists`);
      throw e;
    }
    return toCustomer(row);
  }

  async findByIdentity(channel: string, externalId: string, sql: Sql = this.sql): Promise<Customer | undefined> {
    const r = await sql.get<CustomerRow>(
      `SELECT c.id, c.name, c.email, c.country, c.created_at FROM channel_identities i JOIN customers c ON c.id = i.customer_id
       WHERE i.channel = ? AND i.external_id = ?`,
      [channel, externalId],
    );
    return r ? toCustomer(r) : undefined;
  }

  async identities(customerId: string, sql: Sql = this.sql): Promise<Identity[]> {
    return (await sql.all<IdentityRow>(`${IDENTITY} WHERE customer_id = ? ORDER BY created_at, channel, external_id`, [customerId])).map(toIdentity);
  }

  /**
   * Links a channel identity to a customer. Linking it again to the same customer is a no-op
   * (returns false); an identity already owned by another customer is refused with 'conflict'.
   */
  async linkIdentity(customerId: string, channel: string, externalId: string, sql: Sql = this.sql): Promise<boolean> {
    const ch = checkChannel(channel);
    const ext = checkText('external id', externalId, MAX_ID_BYTES);
    return sql.transaction(async (tx) => {
      if (!(await tx.get(`${CUSTOMER} WHERE id = ?`, [customerId]))) throw new StoreError('not_found', `customer ${customerId} not found`);
      if ((await tx.run(INSERT_IDENTITY, [ch, ext, customerId, isoTime(undefined, this.now)])).changes === 1) return true;
      const owner = await tx.get<IdentityRow>(`${IDENTITY} WHERE channel = ? AND external_id = ?`, [ch, ext]);
      if (owner && owner.customer_id !== customerId) {
        throw new StoreError('conflict', `${ch} identity "${ext}" is already linked to customer ${owner.customer_id}; merge the customers or unlink it first`);
      }
      return false;
    });
  }

  async unlinkIdentity(customerId: string, channel: string, externalId: string, sql: Sql = this.sql): Promise<boolean> {
    return (await sql.run('DELETE FROM channel_identities WHERE channel = ? AND external_id = ? AND customer_id = ?', [channel, externalId, customerId])).changes === 1;
  }

  /**
   * The customer behind a channel identity, creating a guest customer (and the link) for a visitor
   * seen for the first time. Safe against two processes resolving the same new visitor at once.
   */
  async resolveOrCreate(
    channel: string,
    externalId: string,
    defaults: Omit<NewCustomer, 'id'> = { name: 'Guest' },
    sql: Sql = this.sql,
  ): Promise<{ customer: Customer; created: boolean }> {
    const ch = checkChannel(channel);
    const ext = checkText('external id', externalId, MAX_ID_BYTES);
    // Scope: it reads the identity's row and writes that row and a new customer no one else knows yet;
    // every other writer of identities (link, merge) runs unscoped.
    return sql.transaction(async (tx) => {
      const existing = await this.findByIdentity(ch, ext, tx);
      if (existing) return { customer: existing, created: false };
      const customer = await this.create(defaults, tx);
      await tx.run(INSERT_IDENTITY, [ch, ext, customer.id, customer.createdAt]);
      return { customer, created: true };
    }, { scope: `identity:${ch}:${ext}` });
  }

  /**
   * Moves everything owned by `sourceId` (identities, orders, reviews, conversations, messages,
   * tickets, events) to `targetId` and deletes the source customer, in one transaction. Use when a
   * guest on one channel turns out to be a known customer.
   */
  async mergeCustomers(targetId: string, sourceId: string, sql: Sql = this.sql): Promise<MergeResult> {
    if (targetId === sourceId) throw new StoreError('invalid_input', 'cannot merge a customer into itself');
    return sql.transaction(async (tx) => {
      if (!(await tx.get(`${CUSTOMER} WHERE id = ?`, [targetId]))) throw new StoreError('not_found', `customer ${targetId} not found`);
      if (!(await tx.get(`${CUSTOMER} WHERE id = ?`, [sourceId]))) throw new StoreError('not_found', `customer ${sourceId} not found`);
      const result = {} as MergeResult;
      for (const [key, table] of MERGED) result[key] = (await tx.run(`UPDATE ${table} SET customer_id = ? WHERE customer_id = ?`, [targetId, sourceId])).changes;
      await tx.run('DELETE FROM customers WHERE id = ?', [sourceId]);
      return result;
    });
  }
}
