import type { DB } from './db.js';
import { StoreError } from './errors.js';
import { newId } from './ids.js';
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

export class CustomerRepo {
  private readonly byId;
  private readonly byEmail;
  private readonly insertStmt;
  private readonly identityOwner;
  private readonly identitiesOf;
  private readonly insertIdentity;
  private readonly deleteIdentity;
  private readonly merges;
  private readonly deleteCustomer;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.byId = db.prepare<[string], CustomerRow>('SELECT id, name, email, country, created_at FROM customers WHERE id = ?');
    this.byEmail = db.prepare<[string], CustomerRow>('SELECT id, name, email, country, created_at FROM customers WHERE email = ? ORDER BY created_at, id');
    this.insertStmt = db.prepare<[string, string, string | null, string | null, string]>(
      'INSERT INTO customers (id, name, email, country, created_at) VALUES (?, ?, ?, ?, ?)',
    );
    this.identityOwner = db.prepare<[string, string], IdentityRow>(
      'SELECT channel, external_id, customer_id, created_at FROM channel_identities WHERE channel = ? AND external_id = ?',
    );
    this.identitiesOf = db.prepare<[string], IdentityRow>(
      'SELECT channel, external_id, customer_id, created_at FROM channel_identities WHERE customer_id = ? ORDER BY created_at, channel, external_id',
    );
    this.insertIdentity = db.prepare<[string, string, string, string]>(
      'INSERT INTO channel_identities (channel, external_id, customer_id, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (channel, external_id) DO NOTHING',
    );
    this.deleteIdentity = db.prepare<[string, string, string]>('DELETE FROM channel_identities WHERE channel = ? AND external_id = ? AND customer_id = ?');
    const move = (table: string) => db.prepare<{ from: string; to: string }>(`UPDATE ${table} SET customer_id = @to WHERE customer_id = @from`);
    this.merges = {
      identities: move('channel_identities'),
      orders: move('orders'),
      reviews: move('reviews'),
      conversations: move('conversations'),
      messages: move('messages'),
      tickets: move('handoff_tickets'),
      events: move('events'),
    } as const;
    this.deleteCustomer = db.prepare<[string]>('DELETE FROM customers WHERE id = ?');
  }

  get(id: string): Customer | undefined {
    const r = this.byId.get(id);
    return r ? toCustomer(r) : undefined;
  }

  /** Customers with this e-mail (case-insensitive), oldest first. */
  findByEmail(email: string): Customer[] {
    return this.byEmail.all(email).map(toCustomer);
  }

  create(c: NewCustomer): Customer {
    const row: CustomerRow = {
      id: c.id === undefined ? newId('cus') : checkText('customer id', c.id, MAX_ID_BYTES),
      name: checkText('customer name', c.name, MAX_SHORT_BYTES),
      email: checkOptionalText('customer email', c.email, MAX_SHORT_BYTES),
      country: checkOptionalText('customer country', c.country, MAX_ID_BYTES),
      created_at: isoTime(c.createdAt, this.now),
    };
    try {
      this.insertStmt.run(row.id, row.name, row.email, row.country, row.created_at);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreError('conflict', `customer ${row.id} already exists`);
      throw e;
    }
    return toCustomer(row);
  }

  findByIdentity(channel: string, externalId: string): Customer | undefined {
    const link = this.identityOwner.get(channel, externalId);
    return link ? this.get(link.customer_id) : undefined;
  }

  identities(customerId: string): Identity[] {
    return this.identitiesOf.all(customerId).map(toIdentity);
  }

  /**
   * Links a channel identity to a customer. Linking it again to the same customer is a no-op
   * (returns false); an identity already owned by another customer is refused with 'conflict'.
   */
  linkIdentity(customerId: string, channel: string, externalId: string): boolean {
    const ch = checkChannel(channel);
    const ext = checkText('external id', externalId, MAX_ID_BYTES);
    return this.db
      .transaction(() => {
        if (!this.byId.get(customerId)) throw new StoreError('not_found', `customer ${customerId} not found`);
        if (this.insertIdentity.run(ch, ext, customerId, isoTime(undefined, this.now)).changes === 1) return true;
        const owner = this.identityOwner.get(ch, ext);
        if (owner && owner.customer_id !== customerId) {
          throw new StoreError('conflict', `${ch} identity "${ext}" is already linked to customer ${owner.customer_id}; merge the customers or unlink it first`);
        }
        return false;
      })
      .immediate();
  }

  unlinkIdentity(customerId: string, channel: string, externalId: string): boolean {
    return this.deleteIdentity.run(channel, externalId, customerId).changes === 1;
  }

  /**
   * The customer behind a channel identity, creating a guest customer (and the link) for a visitor
   * seen for the first time. Safe against two processes resolving the same new visitor at once.
   */
  resolveOrCreate(channel: string, externalId: string, defaults: Omit<NewCustomer, 'id'> = { name: 'Guest' }): { customer: Customer; created: boolean } {
    const ch = checkChannel(channel);
    const ext = checkText('external id', externalId, MAX_ID_BYTES);
    return this.db
      .transaction(() => {
        const existing = this.findByIdentity(ch, ext);
        if (existing) return { customer: existing, created: false };
        const customer = this.create(defaults);
        this.insertIdentity.run(ch, ext, customer.id, customer.createdAt);
        return { customer, created: true };
      })
      .immediate();
  }

  /**
   * Moves everything owned by `sourceId` (identities, orders, reviews, conversations, messages,
   * tickets, events) to `targetId` and deletes the source customer, in one transaction. Use when a
   * guest on one channel turns out to be a known customer.
   */
  mergeCustomers(targetId: string, sourceId: string): MergeResult {
    if (targetId === sourceId) throw new StoreError('invalid_input', 'cannot merge a customer into itself');
    return this.db
      .transaction(() => {
        if (!this.byId.get(targetId)) throw new StoreError('not_found', `customer ${targetId} not found`);
        if (!this.byId.get(sourceId)) throw new StoreError('not_found', `customer ${sourceId} not found`);
        const p = { from: sourceId, to: targetId };
        const result: MergeResult = {
          identities: this.merges.identities.run(p).changes,
          orders: this.merges.orders.run(p).changes,
          reviews: this.merges.reviews.run(p).changes,
          conversations: this.merges.conversations.run(p).changes,
          messages: this.merges.messages.run(p).changes,
          tickets: this.merges.tickets.run(p).changes,
          events: this.merges.events.run(p).changes,
        };
        this.deleteCustomer.run(sourceId);
        return result;
      })
      .immediate();
  }
}
