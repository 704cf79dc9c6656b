// Rows written straight through `Sql` for the store tests that run on both engines
// (describeEngines): the few rows a repository's test needs from tables other repositories own.
import type { Sql } from '../store/sql/executor.js';

const T0 = '2026-01-01T10:00:00.000Z';

export async function addCustomer(sql: Sql, id: string, over: { name?: string; email?: string | null; createdAt?: string } = {}): Promise<void> {
  await sql.run('INSERT INTO customers (id, name, email, created_at) VALUES (?, ?, ?, ?)', [id, over.name ?? `Customer ${id}`, over.email === undefined ? `${id.toLowerCase()}@example.org` : over.email, over.createdAt ?? T0]);
}

export async function addAgent(sql: Sql, id: string, name: string, over: { role?: string } = {}): Promise<void> {
  await sql.run("INSERT INTO agents (id, name, email, password_hash, created_at, role) VALUES (?, ?, ?, 'x', ?, ?)", [id, name, `${id.toLowerCase()}@example.com`, T0, over.role ?? 'agent']);
}

export async function addConversation(sql: Sql, id: string, customerId: string | null, over: { channel?: string; at?: string } = {}): Promise<void> {
  const at = over.at ?? T0;
  await sql.run("INSERT INTO conversations (id, customer_id, channel, started_at, updated_at, source) VALUES (?, ?, ?, ?, ?, 'live')", [id, customerId, over.channel ?? 'web', at, at]);
}

/** A hand-off ticket; `resolvedAt` with `agentId` makes it resolved, `agentId` alone assigned. */
export async function addTicket(
  sql: Sql,
  conversationId: string,
  over: { customerId?: string | null; agentId?: string | null; status?: string; createdAt?: string; resolvedAt?: string | null; teamId?: string | null } = {},
): Promise<number> {
  const status = over.status ?? (over.resolvedAt ? 'resolved' : over.agentId ? 'assigned' : 'pending');
  const row = await sql.get<{ id: number }>(
    `INSERT INTO handoff_tickets (conversation_id, customer_id, status, reason, agent_id, created_at, assigned_at, resolved_at, team_id)
     VALUES (?, ?, ?, 'asked', ?, ?, ?, ?, ?) RETURNING id`,
    [conversationId, over.customerId ?? null, status, over.agentId ?? null, over.createdAt ?? T0, over.agentId ? (over.createdAt ?? T0) : null, over.resolvedAt ?? null, over.teamId ?? null],
  );
  return Number(row!.id);
}

/** A message of a conversation; returns its id. */
export async function addMessage(
  sql: Sql,
  conversationId: string,
  seq: number,
  m: { role?: 'customer' | 'bot' | 'agent'; text?: string; createdAt?: string; customerId?: string | null; channel?: string } = {},
): Promise<number> {
  const role = m.role ?? 'customer';
  const row = await sql.get<{ id: number }>(
    'INSERT INTO messages (conversation_id, seq, customer_id, direction, role, channel, text, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id',
    [conversationId, seq, m.customerId ?? null, role === 'customer' ? 'in' : 'out', role, m.channel ?? 'web', m.text ?? `message ${seq}`, m.createdAt ?? T0],
  );
  return Number(row!.id);
}

/** An order without lines. */
export async function addOrder(sql: Sql, id: string, customerId: string, over: { status?: string; tracking?: string | null; carrier?: string | null; createdAt?: string } = {}): Promise<void> {
  const at = over.createdAt ?? T0;
  await sql.run(
    `INSERT INTO orders (id, customer_id, status, created_at, updated_at, tracking, carrier, ship_line1, ship_city, ship_postcode, ship_country)
     VALUES (?, ?, ?, ?, ?, ?, ?, '1 MG Road', 'Bengaluru', '560001', 'India')`,
    [id, customerId, over.status ?? 'processing', at, at, over.tracking ?? null, over.carrier ?? null],
  );
}

/** A product of the catalogue. */
export async function addProduct(sql: Sql, id: string, over: { title?: string; category?: string; price?: number } = {}): Promise<void> {
  await sql.run("INSERT INTO products (id, title, category, price, currency, source) VALUES (?, ?, ?, ?, 'INR', 'test')", [id, over.title ?? `Product ${id}`, over.category ?? 'Electronics', over.price ?? 100]);
}
