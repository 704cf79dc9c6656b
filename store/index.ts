import { AgentRepo } from './agents.js';
import { CannedReplyRepo } from './canned-replies.js';
import { ConversationRepo } from './conversations.js';
import { CsatRepo } from './csat.js';
import { CustomerRepo } from './customers.js';
import { openDatabase, openMemory, type DB, type OpenOptions } from './db.js';
import { EventRepo } from './events.js';
import { LearnedAnswerRepo } from './learned-answers.js';
import { PendingTurnRepo } from './pending-turns.js';
import { OrderRepo } from './orders.js';
import { ProductRepo } from './products.js';
import { ReceiptRepo } from './receipts.js';
import { ReviewRepo } from './reviews.js';
import { StateRepo } from './state.js';
import { TicketRepo } from './tickets.js';
import { TeamRepo } from './teams.js';
import { SqliteSql } from './sql/sqlite.js';
import { DEFAULT_POOL_MAX, PostgresSql } from './sql/postgres.js';
import { migrateSql } from './migrate-sql.js';
import type { Sql } from './sql/executor.js';
import { VipRepo } from './vip.js';
import { UnansweredRepo } from './unanswered.js';

export { StoreError, isStoreError, type StoreErrorCode } from './errors.js';
export * from './types.js';
export { openDatabase, openMemory, type DB } from './db.js';

/** Every repository over one SQL connection, SQLite or PostgreSQL (DATABASE_URL). */
export interface Store {
  /** The SQLite connection itself (the seed, the CLIs); null on PostgreSQL. */
  db: DB | null;
  /** The async SQL contract over the same connection; every repository runs on it. */
  sql: Sql;
  products: ProductRepo;
  customers: CustomerRepo;
  orders: OrderRepo;
  reviews: ReviewRepo;
  conversations: ConversationRepo;
  tickets: TicketRepo;
  agents: AgentRepo;
  events: EventRepo;
  state: StateRepo;
  /** Channel message ids already taken in (webhook retries are answered once). */
  receipts: ReceiptRepo;
  learned: LearnedAnswerRepo;
  pendingTurns: PendingTurnRepo;
  /** Saved replies of the agent console (shared and personal). */
  canned: CannedReplyRepo;
  /** Customer satisfaction ratings after resolved hand-offs. */
  csat: CsatRepo;
  /** Customer messages the bot could not answer (for the reports). */
  unanswered: UnansweredRepo;
  /** Support teams with skills and members. */
  teams: TeamRepo;
  /** VIP customers (served first). */
  vip: VipRepo;
  /** Closes the connection (PostgreSQL: the pool, once its queries have finished). */
  close(): void | Promise<void>;
}

/** A store on SQLite: its connection is at hand, and closing it is immediate. */
export interface SqliteStore extends Store {
  db: DB;
  close(): void;
}

/** Builds all repositories on an open SQLite database. `now` is injectable for tests. */
export function createStore(db: DB, now: () => number = Date.now): SqliteStore {
  return { ...repositories(new SqliteSql(db), now), db, close: () => db.close() };
}

/** Builds all repositories on any SQL connection (a PostgresSql pool, say); closing the store closes it. */
export function createSqlStore(sql: Sql, now: () => number = Date.now): Store {
  return { ...repositories(sql, now), db: sql instanceof SqliteSql ? sql.connection : null, close: () => sql.close() };
}

function repositories(sql: Sql, now: () => number): Omit<Store, 'db' | 'close'> {
  return {
    sql,
    products: new ProductRepo(sql),
    customers: new CustomerRepo(sql, now),
    orders: new OrderRepo(sql, now),
    reviews: new ReviewRepo(sql, now),
    conversations: new ConversationRepo(sql, now),
    tickets: new TicketRepo(sql, now),
    agents: new AgentRepo(sql, now),
    events: new EventRepo(sql, now),
    state: new StateRepo(sql, now),
    receipts: new ReceiptRepo(sql, now),
    learned: new LearnedAnswerRepo(sql, now),
    pendingTurns: new PendingTurnRepo(sql, now),
    canned: new CannedReplyRepo(sql, now),
    csat: new CsatRepo(sql, now),
    unanswered: new UnansweredRepo(sql, now),
    teams: new TeamRepo(sql, now),
    vip: new VipRepo(sql),
  };
}

/** Opens (and migrates) the SQLite database file and builds the repositories. */
export function openStore(path: string, opts: OpenOptions & { now?: () => number } = {}): SqliteStore {
  return createStore(openDatabase(path, opts), opts.now);
}

/** Where the store lives: a PostgreSQL URL (DATABASE_URL), else the SQLite file. */
export interface StoreLocation {
  /** postgres://user:password@host:port/database; empty or undefined: SQLite at `dbPath`. */
  databaseUrl?: string | null;
  dbPath: string;
}

/**
 * The store the app runs on: with `databaseUrl`, a PostgreSQL pool whose schema migrateSql brings up
 * to date (nodes starting at once apply each migration once); without, the embedded SQLite file at
 * `dbPath`, exactly as openStore().
 */
export async function openConfiguredStore(where: StoreLocation, opts: { now?: () => number; poolSize?: number; log?: (line: string) => void } = {}): Promise<Store> {
  if (!where.databaseUrl) return openStore(where.dbPath, opts.now ? { now: opts.now } : {});
  const log = opts.log ?? ((line: string) => console.error(line));
  const sql = new PostgresSql({ connectionString: where.databaseUrl, max: opts.poolSize ?? DEFAULT_POOL_MAX, onIdleError: (e) => log(`[store] an idle PostgreSQL connection failed: ${e.message}`) });
  try {
    await migrateSql(sql);
  } catch (e) {
    await sql.close().catch(() => undefined);
    throw e;
  }
  return createSqlStore(sql, opts.now);
}

/** An in-memory store for tests. */
export function openMemoryStore(now?: () => number): SqliteStore {
  return createStore(openMemory(), now);
}

export { ProductRepo, toFtsQuery, toTsQuery, type SearchOptions, type ListOptions } from './products.js';
export { CustomerRepo, type NewCustomer, type MergeResult } from './customers.js';
export { OrderRepo, ORDER_TRANSITIONS, canTransition, type NewOrder, type NewOrderLine } from './orders.js';
export { ReviewRepo, type NewReview, type ReviewSort } from './reviews.js';
export { ConversationRepo, type NewConversation, type NewMessage } from './conversations.js';
export { TicketRepo, type NewTicket } from './tickets.js';
export { AgentRepo, hashPassword, verifyPasswordHash, DEFAULT_SESSION_TTL_MS, type NewAgent } from './agents.js';
export { EventRepo, type NewEvent, type Purchase } from './events.js';
export { LearnedAnswerRepo, type LearnedAnswer, type LearnedStatus, type NewLearnedAnswer } from './learned-answers.js';
export { PendingTurnRepo, type PendingTurn } from './pending-turns.js';
export { CannedReplyRepo, normalizeShortcut, SHORTCUT_PATTERN, type CannedReply, type CannedReplyEdit, type NewCannedReply } from './canned-replies.js';
export { CsatRepo, MAX_CSAT_COMMENT, type CsatAnswer, type CsatAverage, type CsatRating, type Resolution } from './csat.js';
export { StateRepo, SqliteBotStorage, type PutOptions, type StoreItems } from './state.js';
export { ReceiptRepo, RECEIPT_TTL_MS, type ReceiptOptions } from './receipts.js';
export { UnansweredRepo, UNANSWERED_REASONS, type UnansweredMessage, type UnansweredReason } from './unanswered.js';
