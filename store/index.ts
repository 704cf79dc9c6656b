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
import type { Sql } from './sql/executor.js';
import { VipRepo } from './vip.js';
import { UnansweredRepo } from './unanswered.js';

export { StoreError, isStoreError, type StoreErrorCode } from './errors.js';
export * from './types.js';
export { openDatabase, openMemory, type DB } from './db.js';

/** Every repository over one connection. */
export interface Store {
  /** The connection itself, for repositories not yet on the async contract (issue #19). */
  db: DB;
  /** The async SQL contract over the same connection; ported repositories run on it. */
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
  close(): void;
}

/** Builds all repositories on an open database. `now` is injectable for tests. */
export function createStore(db: DB, now: () => number = Date.now): Store {
  const sql = new SqliteSql(db);
  return {
    db,
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
    close: () => db.close(),
  };
}

/** Opens (and migrates) the database file and builds the repositories. */
export function openStore(path: string, opts: OpenOptions & { now?: () => number } = {}): Store {
  return createStore(openDatabase(path, opts), opts.now);
}

/** An in-memory store for tests. */
export function openMemoryStore(now?: () => number): Store {
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
