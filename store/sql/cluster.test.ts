import { afterEach, describe, expect, it } from 'vitest';
import { postgresEnabled } from '../../testing/engines.js';
import { freshPostgres, type FreshPostgres } from '../../testing/postgres.js';
import { openPostgresCluster, tellNodes, type PostgresCluster } from './cluster.js';
import { PostgresSql } from './postgres.js';

// The PostgreSQL cluster pieces between two "nodes" in one process: two pools and two dedicated
// connections on one fresh database. A node "dies" when its dedicated connection closes (its
// session ends, and PostgreSQL frees its advisory locks).

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(check: () => boolean | Promise<boolean>, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error('timed out');
    await sleep(10);
  }
}

describe.skipIf(!postgresEnabled())('PostgreSQL cluster pieces (SHOPBOT_TEST_POSTGRES)', () => {
  let pg: FreshPostgres;
  const open: { cluster: PostgresCluster; sql: PostgresSql }[] = [];

  const node = async (opts: { leaderRetryMs?: number; reconnectMs?: number } = {}) => {
    pg ??= await freshPostgres();
    const sql = new PostgresSql({ connectionString: pg.url, max: 4 });
    const cluster = await openPostgresCluster({ connectionString: pg.url, pool: sql.pool, log: () => {}, ...opts });
    open.push({ cluster, sql });
    return cluster;
  };

  afterEach(async () => {
    for (const n of open.splice(0)) {
      await n.cluster.close();
      await n.sql.close();
    }
    await pg?.drop();
    pg = undefined as unknown as FreshPostgres;
  });

  it('a message on the bus reaches the other node, not the sender; a payload too large for NOTIFY is split or re-read', async () => {
    const [a, b] = [await node(), await node()];
    const atA: unknown[] = [];
    const atB: unknown[] = [];
    a.bus.subscribe('faq', (m) => atA.push(m));
    b.bus.subscribe('faq', (m) => atB.push(m));
    await a.bus.publish('faq', { labels: [1, 2] });
    await until(() => atB.length === 1);
    expect(atB).toEqual([{ labels: [1, 2] }]);
    // Far over 8000 bytes: the labels are dropped, so the receiver re-reads everything.
    await a.bus.publish('faq', { labels: Array.from({ length: 5000 }, (_, i) => i) });
    await until(() => atB.length === 2);
    expect(atB[1]).toEqual({});
    const events: unknown[] = [];
    b.bus.subscribe('events', (m) => events.push(...m.events));
    const many = Array.from({ length: 200 }, (_, i) => ({ customerId: `C${i}`, productId: `P${i}`, type: 'view', ts: 1_700_000_000_000 + i, session: 'x'.repeat(30) }));
    await a.bus.publish('events', { events: many });
    await until(() => events.length === 200);
    expect(events).toEqual(many);
    await sleep(100);
    expect(atA).toEqual([]);
    // A command-line tool tells the nodes over the store's own pool.
    const catalog: unknown[] = [];
    a.bus.subscribe('catalog', (m) => catalog.push(m));
    await tellNodes(open[0]!.sql, 'catalog', {});
    await until(() => catalog.length === 1);
  });

  it('one node at a time holds a conversation: the other waits, and takes it when the first lets go', async () => {
    const [a, b] = [await node(), await node()];
    const held = await a.turns.hold('conv_1');
    // A second holder on the same node shares the lease; the other node cannot take it.
    const again = await a.turns.hold('conv_1');
    expect(await a.turns.tryHold('conv_1')).toBeNull();
    expect(await b.turns.tryHold('conv_1')).toBeNull();
    expect(await b.turns.tryHold('conv_2')).not.toBeNull();
    let gotAtB = false;
    const waiting = b.turns.hold('conv_1').then((l) => {
      gotAtB = true;
      return l;
    });
    held.release();
    await sleep(150);
    expect(gotAtB).toBe(false); // A still holds it once
    again.release();
    const lease = await waiting;
    expect(gotAtB).toBe(true);
    expect(await a.turns.tryHold('conv_1')).toBeNull();
    lease.release();
    await until(async () => {
      const l = await a.turns.tryHold('conv_1');
      l?.release();
      return l !== null;
    });
  });

  it('a node whose connection drops connects again: it hears the bus, holds its conversations and may lead again', async () => {
    const a = await node({ leaderRetryMs: 100, reconnectMs: 50 });
    const b = await node({ leaderRetryMs: 100 });
    let resynced = 0;
    a.bus.onResync(() => resynced++);
    const heard: unknown[] = [];
    a.bus.subscribe('presence', (m) => heard.push(m));
    await a.turns.hold('conv_kept');
    // The server ends A's connection (a restart, a network cut): its locks and the lead are gone.
    await open[1]!.sql.get('SELECT pg_terminate_backend(pid) AS done FROM pg_stat_activity WHERE application_name = ?', [`shopbot-cluster-${a.nodeId.slice(0, 8)}`]);
    await until(() => !a.connected());
    await until(() => a.connected() && resynced === 1);
    // A holds its conversation again; B may not take it.
    await until(async () => {
      const l = await b.turns.tryHold('conv_kept');
      l?.release();
      return l === null;
    });
    await b.bus.publish('presence', {});
    await until(() => heard.length === 1);
    // The lead is free for a moment after A's session ended: one of them takes it on its next try.
    await until(() => a.leader.isLeader() || b.leader.isLeader());
  });

  it('a node that dies frees its conversations and the lead', async () => {
    const a = await node({ leaderRetryMs: 100 });
    const b = await node({ leaderRetryMs: 100 });
    expect([a.leader.isLeader(), b.leader.isLeader()]).toEqual([true, false]);
    await a.turns.hold('conv_dead');
    expect(await b.turns.tryHold('conv_dead')).toBeNull();
    expect(a.connected()).toBe(true);
    await a.close(); // its session ends: PostgreSQL frees its locks
    expect(a.connected()).toBe(false);
    const lease = await b.turns.tryHold('conv_dead');
    expect(lease).not.toBeNull();
    await until(() => b.leader.isLeader(), 2_000);
  });
});
