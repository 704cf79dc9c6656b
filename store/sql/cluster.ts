import { randomUUID } from 'node:crypto';
import { createAdapter } from '@socket.io/postgres-adapter';
import pg from 'pg';
import type { Cluster, ClusterBus, ClusterMessages, Leadership, Topic, TurnLease, TurnLock } from '../../core/cluster.js';
import type { Sql } from './executor.js';

// The cluster pieces of core/cluster.ts on PostgreSQL, nothing but LISTEN/NOTIFY and advisory locks.
//
// Each node keeps one dedicated connection (not pooled) for its whole life. On it the node LISTENs
// to the bus and holds its session-level advisory locks: one per conversation whose turns it runs,
// and the leader's. When a node dies its session ends and PostgreSQL frees its locks, which is how
// the others learn it is gone (a conversation's lock is free again, the leader's too). Notifications
// are sent through the store's pool; payloads stay under NOTIFY's 8000 bytes (ids, not rows).

/** The bus's NOTIFY channel. */
export const BUS_CHANNEL = 'shopbot_cluster';
/** Advisory lock key spaces (the two-int form; the store's write lock uses the one-bigint form). */
const TURN_SPACE = 0x5b07_0010;
const LEADER_SPACE = 0x5b07_0011;
const ATTACHMENTS_SPACE = 0x5b07_0012;
/** NOTIFY refuses payloads of 8000 bytes or more. */
const MAX_PAYLOAD = 7900;

const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export interface PostgresClusterOptions {
  /** The store's database (DATABASE_URL). */
  connectionString: string;
  /** The store's pool: notifications are sent through it. */
  pool: pg.Pool;
  log?: (line: string) => void;
  /** How often a follower tries to become the leader (default 2000 ms). */
  leaderRetryMs?: number;
  /** How long to wait before connecting again after the dedicated connection failed (default 1000 ms). */
  reconnectMs?: number;
  /** socket.io adapter's heartbeats (how soon nodes see each other come and go; defaults 5 s and 10 s). */
  socketAdapter?: { heartbeatInterval?: number; heartbeatTimeout?: number };
}

export interface PostgresCluster extends Cluster {
  /** This node's id on the bus. */
  readonly nodeId: string;
}

/** Connects the node's dedicated connection and returns the PostgreSQL cluster pieces. */
export async function openPostgresCluster(opts: PostgresClusterOptions): Promise<PostgresCluster> {
  const log = opts.log ?? ((l: string) => console.error(l));
  await attachmentsTable(opts.pool);
  const conn = new ClusterConnection(opts);
  await conn.start();
  const adapterPool = new AdapterPool(opts.pool);
  return {
    shared: true,
    nodeId: conn.nodeId,
    bus: conn.bus,
    turns: conn.turns,
    leader: conn.leader,
    socketAdapter: lazyAdapter(() => createAdapter(adapterPool.facade, { ...opts.socketAdapter, errorHandler: (e) => log(`[cluster] socket.io adapter: ${e.message}`) })),
    connected: () => conn.connected,
    close: async () => {
      adapterPool.close();
      await conn.close();
    },
  };
}

/**
 * The store's pool as the socket.io adapter sees it. The adapter takes a connection for LISTEN as it
 * starts; closed before that connection arrived, it never gives it back, and the pool then never
 * ends. Whatever it still holds when the cluster closes is let go here.
 */
class AdapterPool {
  private readonly held = new Set<pg.PoolClient>();
  private closed = false;
  readonly facade: pg.Pool;

  constructor(pool: pg.Pool) {
    const connect = async (): Promise<pg.PoolClient> => {
      if (this.closed) return new Promise<never>(() => {}); // the adapter waits for good
      const client = await pool.connect();
      if (this.closed) {
        client.release();
        return new Promise<never>(() => {});
      }
      this.held.add(client);
      const release = client.release.bind(client);
      client.release = (err?: Error | boolean) => {
        this.held.delete(client);
        release(err);
      };
      return client;
    };
    this.facade = { query: pool.query.bind(pool), connect } as unknown as pg.Pool;
  }

  close(): void {
    this.closed = true;
    for (const client of [...this.held]) {
      // No 'end' handler left to schedule the adapter's reconnection.
      client.removeAllListeners('end');
      client.removeAllListeners('notification');
      client.release(true);
    }
  }
}

type AdapterFactory = ReturnType<typeof createAdapter>;

/**
 * The adapter factory, made on the first namespace: making it takes a pooled connection (LISTEN) and
 * starts a timer, which only a socket.io server that closes gives back. socket.io calls it with `new`.
 */
function lazyAdapter(make: () => AdapterFactory): AdapterFactory {
  let factory: AdapterFactory | undefined;
  return function (this: unknown, nsp: unknown) {
    factory ??= make();
    return factory(nsp);
  } as AdapterFactory;
}

/**
 * The socket.io adapter's own table, for broadcasts over NOTIFY's size limit (a hand-off's transcript)
 * or with binary data; its rows live 30 s. Not a store migration: the adapter's scratch space, in the
 * shape its documentation gives, created once whichever node starts first.
 */
async function attachmentsTable(pool: pg.Pool): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    await client.query('SELECT pg_advisory_xact_lock($1, 0)', [ATTACHMENTS_SPACE]);
    await client.query('CREATE TABLE IF NOT EXISTS socket_io_attachments (id BIGSERIAL UNIQUE, created_at TIMESTAMPTZ DEFAULT NOW(), payload BYTEA)');
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  } finally {
    client.release();
  }
}

type Handler = (message: unknown) => void;

/** A turn-lock entry of one conversation on this node. */
interface Entry {
  /** This node's holders (and waiters). */
  count: number;
  /** Whether the node holds the advisory lock for it. */
  locked: boolean;
  /** Settles when the lock is held (or the entry was given up). */
  ready: Promise<void>;
}

class ClusterConnection {
  readonly nodeId = randomUUID();
  private client: pg.Client | null = null;
  private closed = false;
  private leading = false;
  private leaderTimer: NodeJS.Timeout | null = null;
  private readonly handlers = new Map<Topic, Set<Handler>>();
  private readonly resyncs = new Set<() => void>();
  private readonly entries = new Map<string, Entry>();
  /** Lock commands of one conversation run one after another (never two tries at once on this session). */
  private readonly tails = new Map<string, Promise<unknown>>();
  private readonly log: (line: string) => void;
  private connecting: Promise<void> | null = null;

  constructor(private readonly opts: PostgresClusterOptions) {
    this.log = opts.log ?? ((l) => console.error(l));
  }

  async start(): Promise<void> {
    await this.connect(false);
    const tick = () => void this.tryLead();
    this.leaderTimer = setInterval(tick, this.opts.leaderRetryMs ?? 2000);
    this.leaderTimer.unref();
    await this.tryLead();
  }

  private connect(again: boolean): Promise<void> {
    this.connecting ??= (async () => {
      // Named, so an operator can tell the nodes' connections apart in pg_stat_activity.
      const client = new pg.Client({ connectionString: this.opts.connectionString, keepAlive: true, application_name: `shopbot-cluster-${this.nodeId.slice(0, 8)}` });
      client.on('notification', (n) => this.deliver(n.payload));
      // A failed connection is replaced; its locks are gone with its session (see lost()).
      client.on('error', (e) => this.lost(client, e));
      client.on('end', () => this.lost(client, new Error('connection ended')));
      await client.connect();
      await client.query(`LISTEN ${BUS_CHANNEL}`);
      this.client = client;
      if (again) {
        await this.relock();
        for (const fn of this.resyncs) fn();
      }
    })().finally(() => (this.connecting = null));
    return this.connecting;
  }

  private lost(client: pg.Client, e: Error): void {
    if (this.client !== client) return;
    this.client = null;
    this.leading = false;
    for (const entry of this.entries.values()) entry.locked = false;
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.log(`[cluster] the cluster connection failed (${e.message}): its locks are gone; connecting again`);
    void this.reconnect();
  }

  private async reconnect(): Promise<void> {
    while (!this.closed) {
      await sleep(this.opts.reconnectMs ?? 1000);
      try {
        await this.connect(true);
        this.log('[cluster] the cluster connection is back');
        return;
      } catch (e) {
        this.log(`[cluster] could not connect the cluster connection: ${(e as Error).message}`);
      }
    }
  }

  private async query(text: string, values: unknown[]): Promise<pg.QueryResult> {
    if (this.connecting) await this.connecting.catch(() => undefined);
    if (!this.client) throw new Error('the cluster connection is down');
    return this.client.query(text, values);
  }

  /** Whether the dedicated connection is up (bus heard, locks held). */
  get connected(): boolean {
    return this.client !== null && !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.leaderTimer) clearInterval(this.leaderTimer);
    const client = this.client;
    this.client = null;
    // Ending the session frees every advisory lock it holds.
    await client?.end().catch(() => undefined);
  }

  // ---- the bus ----------------------------------------------------------------------------------

  readonly bus: ClusterBus = {
    publish: async (topic, message) => {
      for (const m of fit(topic, message)) {
        const payload = JSON.stringify({ n: this.nodeId, t: topic, m });
        try {
          await this.opts.pool.query('SELECT pg_notify($1, $2)', [BUS_CHANNEL, payload]);
        } catch (e) {
          this.log(`[cluster] could not tell the other nodes (${topic}): ${(e as Error).message}`);
        }
      }
    },
    subscribe: (topic, fn) => {
      const set = this.handlers.get(topic) ?? new Set<Handler>();
      this.handlers.set(topic, set);
      set.add(fn as Handler);
      return () => set.delete(fn as Handler);
    },
    onResync: (fn) => {
      this.resyncs.add(fn);
      return () => this.resyncs.delete(fn);
    },
  };

  private deliver(payload: string | undefined): void {
    let parsed: { n?: string; t?: Topic; m?: unknown };
    try {
      parsed = JSON.parse(payload ?? '') as typeof parsed;
    } catch {
      return;
    }
    if (parsed.n === this.nodeId || !parsed.t) return;
    for (const fn of this.handlers.get(parsed.t) ?? []) {
      try {
        fn(parsed.m);
      } catch (e) {
        this.log(`[cluster] handling ${parsed.t} failed: ${(e as Error).message}`);
      }
    }
  }

  // ---- leadership ------------------------------------------------------------------------------

  readonly leader: Leadership = { isLeader: () => this.leading && this.client !== null };

  private async tryLead(): Promise<void> {
    if (this.leading || this.closed) return;
    try {
      const r = await this.query('SELECT pg_try_advisory_lock($1, 0) AS got', [LEADER_SPACE]);
      if (r.rows[0]?.got === true && !this.closed) {
        this.leading = true;
        this.log('[cluster] this node leads the desk sweeps');
      }
    } catch {
      // Down: tried again on the next tick.
    }
  }

  // ---- turn locks ------------------------------------------------------------------------------

  readonly turns: TurnLock = {
    hold: async (conversationId) => {
      let entry = this.entries.get(conversationId);
      if (entry) entry.count++;
      else {
        const fresh: Entry = { count: 1, locked: false, ready: Promise.resolve() };
        this.entries.set(conversationId, fresh);
        fresh.ready = this.acquire(conversationId, fresh);
        entry = fresh;
      }
      await entry.ready;
      if (!entry.locked) throw new Error(`could not lock conversation ${conversationId}: the cluster is closing`);
      return this.lease(conversationId, entry);
    },
    tryHold: async (conversationId) => {
      if (this.entries.has(conversationId)) return null;
      const entry: Entry = { count: 1, locked: false, ready: Promise.resolve() };
      this.entries.set(conversationId, entry);
      const first = this.step(conversationId, entry).catch(() => false);
      // A hold() that comes while this try is out waits for the lock, got now or later.
      entry.ready = first.then((got) => (got || entry.count <= 1 ? undefined : this.acquire(conversationId, entry)));
      if (await first) return this.lease(conversationId, entry);
      // Another node runs it.
      entry.count--;
      if (entry.count === 0) this.entries.delete(conversationId);
      return null;
    },
  };

  private lease(conversationId: string, entry: Entry): TurnLease {
    let released = false;
    return {
      release: () => {
        if (released) return;
        released = true;
        entry.count--;
        if (entry.count > 0) return;
        this.entries.delete(conversationId);
        if (entry.locked) {
          entry.locked = false;
          void this.serial(conversationId, () => this.query('SELECT pg_advisory_unlock($1, hashtext($2))', [TURN_SPACE, conversationId])).catch(() => undefined);
        }
      },
    };
  }

  /** Tries until the lock is held, backing off while another node runs the conversation. */
  private async acquire(conversationId: string, entry: Entry): Promise<void> {
    let wait = 10;
    while (!this.closed && this.entries.get(conversationId) === entry && entry.count > 0) {
      try {
        if (await this.step(conversationId, entry)) return;
      } catch (e) {
        // While the connection is down, reconnect() says so once.
        if (this.client) this.log(`[cluster] locking conversation ${conversationId} failed: ${(e as Error).message}`);
      }
      await sleep(wait);
      wait = Math.min(wait * 2, 200);
    }
  }

  /** One try for the lock; a lock got for an entry nobody wants any more is let go at once. */
  private step(conversationId: string, entry: Entry): Promise<boolean> {
    return this.serial(conversationId, async () => {
      const r = await this.query('SELECT pg_try_advisory_lock($1, hashtext($2)) AS got', [TURN_SPACE, conversationId]);
      if (r.rows[0]?.got !== true) return false;
      if (this.entries.get(conversationId) !== entry || entry.count === 0) {
        await this.query('SELECT pg_advisory_unlock($1, hashtext($2))', [TURN_SPACE, conversationId]);
        return false;
      }
      entry.locked = true;
      return true;
    });
  }

  /** After a reconnect: the conversations this node was running are locked again (waiting for any node that took them). */
  private async relock(): Promise<void> {
    for (const [conversationId, entry] of this.entries) {
      if (entry.count > 0 && !entry.locked) {
        this.log(`[cluster] locking conversation ${conversationId} again after the connection failed`);
        void this.acquire(conversationId, entry);
      }
    }
  }

  private serial<T>(conversationId: string, fn: () => Promise<T>): Promise<T> {
    const run = (this.tails.get(conversationId) ?? Promise.resolve()).then(fn);
    const tail = run.catch(() => undefined);
    this.tails.set(conversationId, tail);
    void tail.then(() => {
      if (this.tails.get(conversationId) === tail) this.tails.delete(conversationId);
    });
    return run;
  }
}

/**
 * Tells every running node from a process that is not one (a command-line tool that changed the
 * store: `kb reindex` sends 'faq' with no labels, an import 'catalog'), over the store's own connection.
 */
export async function tellNodes<T extends Topic>(sql: Sql, topic: T, message: ClusterMessages[T]): Promise<void> {
  if (sql.dialect !== 'postgres') return; // one node: it reads the SQLite file itself
  for (const m of fit(topic, message)) await sql.get('SELECT pg_notify(CAST(? AS TEXT), CAST(? AS TEXT)) AS sent', [BUS_CHANNEL, JSON.stringify({ n: 'tool', t: topic, m })]);
}

/** A message as one or more payloads under NOTIFY's limit (events split; FAQ labels dropped for a full re-read). */
function fit<T extends Topic>(topic: T, message: ClusterMessages[T]): ClusterMessages[T][] {
  const size = Buffer.byteLength(JSON.stringify(message)) + 200;
  if (size <= MAX_PAYLOAD) return [message];
  if (topic === 'faq') return [{} as ClusterMessages[T]];
  if (topic === 'events') {
    const events = (message as ClusterMessages['events']).events;
    if (events.length <= 1) return [];
    const half = Math.ceil(events.length / 2);
    return [...fit('events', { events: events.slice(0, half) }), ...fit('events', { events: events.slice(half) })] as ClusterMessages[T][];
  }
  return [];
}
