import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenSigner } from '../core/tokens.js';
import { copySqliteInto } from '../store/copy.js';
import { openDatabase } from '../store/db.js';
import { postgresEnabled } from '../testing/engines.js';
import { freshPostgres, type FreshPostgres } from '../testing/postgres.js';
import { botTexts, connect, conversationOf, fixtureRows, type ChatClient } from '../testing/test-client.js';
import { warmDataDir } from '../testing/test-template.js';
import { start, type Running } from './main.js';

// The real server with DATABASE_URL: every repository on PostgreSQL. A fresh database of its own gets
// the warm SQLite store's rows (catalogue, customers, orders, the FAQ index's tables), so the server
// starts as fast as on SQLite; the SQLite file is removed first, so nothing can quietly use it. A web
// chat over socket.io on 127.0.0.1 then asks for products and about an order.

const SECRET = 'database-url-secret-0123456789';

describe.skipIf(!postgresEnabled())('the server on PostgreSQL (DATABASE_URL)', () => {
  let pg: FreshPostgres;
  let dataDir: string;
  let running: Running;
  const clients: ChatClient[] = [];
  const logs: string[] = [];

  beforeAll(async () => {
    dataDir = await warmDataDir('shopbot-database-url-');
    pg = await freshPostgres();
    const sqlite = openDatabase(join(dataDir, 'shop.db'));
    try {
      await pg.sql.transaction((tx) => copySqliteInto(sqlite, tx));
    } finally {
      sqlite.close();
    }
    for (const f of ['shop.db', 'shop.db-wal', 'shop.db-shm']) rmSync(join(dataDir, f), { force: true });
    running = await start({ port: 0, host: '127.0.0.1', dataDir, env: { ...process.env, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: SECRET, DATABASE_URL: pg.url }, log: (l) => logs.push(l) });
  }, 1_800_000);

  afterAll(async () => {
    for (const c of clients) c.close();
    await running?.close();
    await pg?.drop();
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  const client = async (auth: Record<string, unknown> = {}): Promise<ChatClient> => {
    const c = await connect(running.url, '/chat', auth);
    clients.push(c);
    await c.waitFor((e) => e.event === 'session');
    return c;
  };
  const ask = async (c: ChatClient, text: string, until: (from: number) => boolean) => {
    const from = c.events.length;
    const ack = await c.send({ text });
    expect(ack.ok, JSON.stringify(ack)).toBe(true);
    await c.waitFor(() => until(from), { from, timeoutMs: 60_000 });
    return from;
  };

  it('serves a web chat from PostgreSQL: product cards, and a known customer’s order', async () => {
    expect(logs.some((l) => l.includes('[start] store PostgreSQL postgres://') && l.includes('up to date'))).toBe(true);
    // A product request gets cards.
    const guest = await client();
    let from = await ask(guest, 'bluetooth speaker under 3000', (f) => guest.events.slice(f).some((e) => e.event === 'card'));
    const cards = guest.events.slice(from).filter((e) => e.event === 'card').flatMap((e) => (e.data as { cards: { title: string }[] }).cards);
    expect(cards.length).toBeGreaterThan(0);
    expect(cards.every((c) => typeof c.title === 'string' && c.title.length > 0)).toBe(true);

    // A store customer (signed session for their web identity) asks about their own order.
    const orders = fixtureRows<{ id: string; customer_id: string; status: string }>('orders.jsonl');
    const customers = new Map(fixtureRows<{ id: string; identities: { channel: string; external_id: string }[] }>('customers.jsonl').map((c) => [c.id, c]));
    const order = orders.find((o) => o.status === 'shipped' && customers.get(o.customer_id)?.identities.some((i) => i.channel === 'web'))!;
    const web = customers.get(order.customer_id)!.identities.find((i) => i.channel === 'web')!.external_id;
    const known = await client({ token: new TokenSigner(Buffer.from(SECRET, 'utf8')).sign(web, 3600) });
    expect(known.events.find((e) => e.event === 'session')!.data.customerId).toBe(order.customer_id);
    from = await ask(known, `where is my order ${order.id}?`, (f) => botTexts(known, f).some((t) => t.includes(order.id)));
    expect(botTexts(known, from).join(' ')).not.toMatch(/couldn't find that order/);

    // Both conversations are PostgreSQL's; no SQLite file was opened.
    for (const c of [guest, known]) {
      const id = await conversationOf(c);
      const roles = await pg.sql.all<{ role: string }>('SELECT role FROM messages WHERE conversation_id = ? ORDER BY seq', [id]);
      expect(roles[0]?.role).toBe('customer');
      expect(roles.some((r) => r.role === 'bot')).toBe(true);
    }
    expect(existsSync(join(dataDir, 'shop.db'))).toBe(false);
  });
});
