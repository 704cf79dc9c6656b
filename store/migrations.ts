import type Database from 'better-sqlite3';
import { StoreError } from './errors.js';
import type { Sql } from './sql/executor.js';

// Schema history. Migrations are append-only: never edit one that has shipped, add a new one. Each is
// applied in its own transaction together with its schema_migrations row, so a failed migration
// leaves the database at the previous version. Enum lists are spelled out literally here (not built
// from the TS constants) because a migration must keep meaning what it meant when it was applied.

export interface Migration {
  version: number;
  name: string;
  up: (db: Database.Database) => void;
  /**
   * The migration on PostgreSQL, only where translating its SQLite DDL cannot work (store/migrate-sql.ts
   * translates the rest): SQL text, or a function over the async contract.
   */
  postgres?: string | ((sql: Sql) => Promise<void>);
}

/** The SQL text of migrations written as `sql(...)`, which PostgreSQL runs translated. */
const SQL_TEXT = new WeakMap<Migration['up'], string>();

const sql = (text: string): Migration['up'] => {
  const up = (db: Database.Database): void => {
    db.exec(text);
  };
  SQL_TEXT.set(up, text);
  return up;
};

/** A migration's SQLite DDL when it is plain SQL (undefined for one written as a function). */
export function migrationSql(m: Migration): string | undefined {
  return SQL_TEXT.get(m.up);
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    name: 'catalog_and_customers',
    up: sql(`
      CREATE TABLE meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );

      CREATE TABLE products (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
        title TEXT NOT NULL,
        description TEXT NOT NULL DEFAULT '',
        category TEXT NOT NULL COLLATE NOCASE,
        price REAL NOT NULL CHECK (price >= 0),
        currency TEXT NOT NULL CHECK (length(currency) = 3),
        stock INTEGER NOT NULL DEFAULT 0 CHECK (stock >= 0),
        image TEXT,
        rating REAL CHECK (rating IS NULL OR rating BETWEEN 0 AND 5),
        rating_count INTEGER CHECK (rating_count IS NULL OR rating_count >= 0),
        source TEXT NOT NULL
      );
      CREATE INDEX products_category_price ON products (category, price);

      CREATE TABLE customers (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
        name TEXT NOT NULL,
        email TEXT COLLATE NOCASE,
        country TEXT,
        created_at TEXT NOT NULL
      );
      CREATE INDEX customers_email ON customers (email);

      CREATE TABLE channel_identities (
        channel TEXT NOT NULL CHECK (channel IN ('web', 'messenger', 'emulator')),
        external_id TEXT NOT NULL CHECK (length(external_id) BETWEEN 1 AND 256),
        customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        PRIMARY KEY (channel, external_id)
      ) WITHOUT ROWID;
      CREATE INDEX channel_identities_customer ON channel_identities (customer_id);
    `),
  },
  {
    version: 2,
    name: 'orders',
    up: sql(`
      CREATE TABLE orders (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
        customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        status TEXT NOT NULL CHECK (status IN ('processing', 'shipped', 'delivered', 'cancelled', 'return_requested', 'returned')),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        tracking TEXT,
        carrier TEXT,
        ship_line1 TEXT NOT NULL,
        ship_city TEXT NOT NULL,
        ship_postcode TEXT NOT NULL,
        ship_country TEXT NOT NULL,
        return_reason TEXT
      );
      CREATE INDEX orders_customer_created ON orders (customer_id, created_at DESC);
      CREATE INDEX orders_status ON orders (status);

      CREATE TABLE order_lines (
        order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        line_no INTEGER NOT NULL CHECK (line_no >= 1),
        product_id TEXT NOT NULL REFERENCES products (id),
        qty INTEGER NOT NULL CHECK (qty > 0),
        unit_price REAL NOT NULL CHECK (unit_price >= 0),
        PRIMARY KEY (order_id, line_no)
      ) WITHOUT ROWID;
      CREATE INDEX order_lines_product ON order_lines (product_id);
    `),
  },
  {
    version: 3,
    name: 'reviews',
    up: sql(`
      CREATE TABLE reviews (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        title TEXT NOT NULL DEFAULT '',
        text TEXT NOT NULL CHECK (length(CAST(text AS BLOB)) <= 65536),
        date TEXT NOT NULL,
        source TEXT NOT NULL
      );
      CREATE INDEX reviews_product_date ON reviews (product_id, date DESC, id);
      CREATE INDEX reviews_customer ON reviews (customer_id);
    `),
  },
  {
    version: 4,
    name: 'conversations_and_messages',
    up: sql(`
      CREATE TABLE conversations (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
        customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
        channel TEXT NOT NULL CHECK (length(channel) BETWEEN 1 AND 64),
        started_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
        handoff TEXT NOT NULL DEFAULT 'none' CHECK (handoff IN ('none', 'pending', 'agent')),
        source TEXT NOT NULL CHECK (source IN ('live', 'historical')),
        intent TEXT,
        category TEXT,
        resolution TEXT,
        origin TEXT,
        filled TEXT CHECK (filled IS NULL OR json_valid(filled))
      );
      CREATE INDEX conversations_customer_updated ON conversations (customer_id, updated_at DESC);
      CREATE INDEX conversations_source ON conversations (source, id);
      CREATE INDEX conversations_handoff ON conversations (handoff) WHERE handoff <> 'none';

      CREATE TABLE messages (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        seq INTEGER NOT NULL CHECK (seq >= 1),
        customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
        direction TEXT NOT NULL CHECK (direction IN ('in', 'out')),
        role TEXT NOT NULL CHECK (role IN ('customer', 'bot', 'agent')),
        channel TEXT NOT NULL,
        text TEXT NOT NULL CHECK (length(CAST(text AS BLOB)) <= 65536),
        payload TEXT CHECK (payload IS NULL OR json_valid(payload)),
        intent TEXT,
        confidence REAL CHECK (confidence IS NULL OR confidence BETWEEN 0 AND 1),
        sentiment TEXT CHECK (sentiment IS NULL OR sentiment IN ('negative', 'neutral', 'positive')),
        sentiment_score REAL,
        created_at TEXT NOT NULL,
        UNIQUE (conversation_id, seq)
      );
      CREATE INDEX messages_conversation_id ON messages (conversation_id, id);
      CREATE INDEX messages_customer ON messages (customer_id, id);
    `),
  },
  {
    version: 5,
    name: 'agents_and_handoff',
    up: sql(`
      CREATE TABLE agents (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
        name TEXT NOT NULL,
        email TEXT NOT NULL UNIQUE COLLATE NOCASE,
        password_hash TEXT NOT NULL,
        skills TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(skills) AND json_type(skills) = 'array'),
        created_at TEXT NOT NULL
      );

      CREATE TABLE agent_sessions (
        token_hash TEXT PRIMARY KEY,
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        created_at TEXT NOT NULL,
        expires_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX agent_sessions_agent ON agent_sessions (agent_id);
      CREATE INDEX agent_sessions_expires ON agent_sessions (expires_at);

      CREATE TABLE handoff_tickets (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        customer_id TEXT REFERENCES customers (id) ON DELETE SET NULL,
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'assigned', 'resolved', 'returned', 'timeout')),
        reason TEXT NOT NULL,
        skill TEXT,
        priority INTEGER NOT NULL DEFAULT 0,
        agent_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        assigned_at TEXT,
        resolved_at TEXT,
        summary TEXT,
        CHECK (status <> 'assigned' OR agent_id IS NOT NULL)
      );
      -- The pending queue: most urgent first, then first come first served.
      CREATE INDEX handoff_tickets_queue ON handoff_tickets (status, priority DESC, created_at, id);
      CREATE INDEX handoff_tickets_agent ON handoff_tickets (agent_id, status);
      -- At most one open (pending or assigned) ticket per conversation.
      CREATE UNIQUE INDEX handoff_tickets_one_open ON handoff_tickets (conversation_id)
        WHERE status IN ('pending', 'assigned');
    `),
  },
  {
    version: 6,
    name: 'behavioural_events',
    up: sql(`
      CREATE TABLE events (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        customer_id TEXT NOT NULL REFERENCES customers (id) ON DELETE CASCADE,
        product_id TEXT NOT NULL REFERENCES products (id) ON DELETE CASCADE,
        type TEXT NOT NULL CHECK (type IN ('view', 'click', 'add_to_cart', 'purchase', 'impression')),
        context TEXT CHECK (context IS NULL OR json_valid(context)),
        ts TEXT NOT NULL,
        origin TEXT NOT NULL DEFAULT 'live' CHECK (origin IN ('live', 'seed'))
      );
      CREATE INDEX events_customer_ts ON events (customer_id, ts DESC);
      CREATE INDEX events_product_type ON events (product_id, type, ts);
      CREATE INDEX events_type_ts ON events (type, ts);
      -- Seeded events have no id in the fixtures: this natural key makes re-seeding idempotent.
      CREATE UNIQUE INDEX events_seed_key ON events (customer_id, product_id, type, ts) WHERE origin = 'seed';
    `),
  },
  {
    version: 7,
    name: 'bot_state',
    up: sql(`
      CREATE TABLE bot_state (
        key TEXT PRIMARY KEY CHECK (length(key) BETWEEN 1 AND 1024),
        value TEXT NOT NULL CHECK (json_valid(value)),
        etag TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
    `),
  },
  {
    version: 8,
    name: 'products_fts',
    up: sql(`
      -- External-content FTS5 index over the product text; kept in sync by triggers. Porter stemming
      -- so "shoes" finds "shoe"; unicode61 with diacritics removed so "creme" finds "crème".
      CREATE VIRTUAL TABLE products_fts USING fts5 (
        title, description, category,
        content = 'products', content_rowid = 'rowid',
        tokenize = 'porter unicode61 remove_diacritics 2'
      );
      CREATE TRIGGER products_fts_ai AFTER INSERT ON products BEGIN
        INSERT INTO products_fts (rowid, title, description, category)
        VALUES (new.rowid, new.title, new.description, new.category);
      END;
      CREATE TRIGGER products_fts_ad AFTER DELETE ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, title, description, category)
        VALUES ('delete', old.rowid, old.title, old.description, old.category);
      END;
      CREATE TRIGGER products_fts_au AFTER UPDATE OF title, description, category ON products BEGIN
        INSERT INTO products_fts (products_fts, rowid, title, description, category)
        VALUES ('delete', old.rowid, old.title, old.description, old.category);
        INSERT INTO products_fts (rowid, title, description, category)
        VALUES (new.rowid, new.title, new.description, new.category);
      END;
      INSERT INTO products_fts (products_fts) VALUES ('rebuild');
    `),
    // PostgreSQL has no FTS5: a GIN index over the same document (english stemming, like porter),
    // title, category and description weighted A, B, C as bm25's 10, 4, 2. Searches rank with
    // ts_rank(products_fts_doc(title, description, category), query).
    postgres: `
      CREATE FUNCTION products_fts_doc(title TEXT, description TEXT, category TEXT) RETURNS tsvector
        LANGUAGE sql IMMUTABLE PARALLEL SAFE
        AS $$ SELECT setweight(to_tsvector('english', coalesce(title, '')), 'A')
                  || setweight(to_tsvector('english', coalesce(category, '')), 'B')
                  || setweight(to_tsvector('english', coalesce(description, '')), 'C') $$;
      CREATE INDEX products_fts ON products USING gin (products_fts_doc(title, description, category));
    `,
  },
  {
    version: 9,
    name: 'privacy_and_reliability',
    up: sql(`
      -- What agents wrote to one customer, proposed as an answer for everyone. Nothing here is served
      -- to customers until a person approves it (status 'approved'); faq_label is its unit in the
      -- FAQ index while approved.
      CREATE TABLE learned_answers (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER REFERENCES handoff_tickets (id) ON DELETE SET NULL,
        conversation_id TEXT REFERENCES conversations (id) ON DELETE SET NULL,
        question TEXT NOT NULL CHECK (length(question) BETWEEN 1 AND 4000),
        answer TEXT NOT NULL CHECK (length(answer) BETWEEN 1 AND 8000),
        status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'approved', 'rejected')),
        origin TEXT NOT NULL DEFAULT 'resolve' CHECK (origin IN ('resolve', 'migrated', 'manual')),
        proposed_by TEXT REFERENCES agents (id) ON DELETE SET NULL,
        reviewed_by TEXT REFERENCES agents (id) ON DELETE SET NULL,
        reviewed_at TEXT,
        faq_label INTEGER,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX learned_answers_status ON learned_answers (status, id);

      -- Channel message ids already taken in (Messenger mid, Bot Framework activity id), so a webhook
      -- retry, also one after a restart, is recognised. Old rows are pruned.
      CREATE TABLE inbound_receipts (
        channel TEXT NOT NULL CHECK (length(channel) BETWEEN 1 AND 32),
        message_id TEXT NOT NULL CHECK (length(message_id) BETWEEN 1 AND 512),
        received_at TEXT NOT NULL,
        PRIMARY KEY (channel, message_id)
      ) WITHOUT ROWID;
      CREATE INDEX inbound_receipts_time ON inbound_receipts (received_at);

      -- A customer message that was stored (and acknowledged) whose bot turn has not finished yet.
      -- On start every row is a turn to run, in order, once.
      CREATE TABLE pending_turns (
        message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        channel TEXT NOT NULL,
        external_id TEXT NOT NULL,
        created_at TEXT NOT NULL
      );

      -- Staff roles: agents answer chats, admins also manage learned answers and staff, the product
      -- team reads insights.
      ALTER TABLE agents ADD COLUMN role TEXT NOT NULL DEFAULT 'agent' CHECK (role IN ('agent', 'admin', 'product'));

      -- Failed logins per account, for lockout with back-off.
      CREATE TABLE login_failures (
        email TEXT PRIMARY KEY COLLATE NOCASE,
        failures INTEGER NOT NULL CHECK (failures >= 0),
        locked_until TEXT,
        updated_at TEXT NOT NULL
      );
    `),
  },
  {
    version: 10,
    name: 'canned_replies_and_csat',
    up: sql(`
      -- Saved replies for the agent console. owner_id NULL: shared by everyone (admins edit them);
      -- otherwise one agent's own. A shortcut is '/' and 1 to 32 of a-z, 0-9, '-' and '_', unique
      -- among the shared replies and among each agent's own.
      CREATE TABLE canned_replies (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        shortcut TEXT NOT NULL CHECK (length(shortcut) BETWEEN 2 AND 33 AND substr(shortcut, 1, 1) = '/' AND NOT substr(shortcut, 2) GLOB '*[^a-z0-9_-]*'),
        title TEXT NOT NULL CHECK (length(title) BETWEEN 1 AND 120),
        body TEXT NOT NULL CHECK (length(body) BETWEEN 1 AND 4000),
        owner_id TEXT REFERENCES agents (id) ON DELETE CASCADE,
        created_by TEXT REFERENCES agents (id) ON DELETE SET NULL,
        updated_by TEXT REFERENCES agents (id) ON DELETE SET NULL,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE UNIQUE INDEX canned_replies_shared_shortcut ON canned_replies (shortcut) WHERE owner_id IS NULL;
      CREATE UNIQUE INDEX canned_replies_own_shortcut ON canned_replies (owner_id, shortcut) WHERE owner_id IS NOT NULL;

      -- Customer satisfaction: one rating per resolution (a resolved hand-off ticket); answering again
      -- updates it. Stored with the conversation, the agent who resolved it, and the team (NULL
      -- until teams exist).
      CREATE TABLE csat_ratings (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        ticket_id INTEGER NOT NULL UNIQUE REFERENCES handoff_tickets (id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        agent_id TEXT REFERENCES agents (id) ON DELETE SET NULL,
        team_id TEXT,
        rating INTEGER NOT NULL CHECK (rating BETWEEN 1 AND 5),
        comment TEXT CHECK (comment IS NULL OR length(comment) BETWEEN 1 AND 1000),
        channel TEXT NOT NULL CHECK (length(channel) BETWEEN 1 AND 32),
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX csat_ratings_agent ON csat_ratings (agent_id, created_at);
      CREATE INDEX csat_ratings_conversation ON csat_ratings (conversation_id);
      CREATE INDEX csat_ratings_team ON csat_ratings (team_id) WHERE team_id IS NOT NULL;
    `),
  },
  {
    version: 11,
    name: 'teams_and_assignment',
    up: sql(`
      -- Support teams: a team's skills (orders, payments, product, ...) are skills of its members too.
      CREATE TABLE teams (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 256),
        name TEXT NOT NULL UNIQUE COLLATE NOCASE CHECK (length(name) BETWEEN 1 AND 120),
        skills TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(skills) AND json_type(skills) = 'array'),
        created_at TEXT NOT NULL
      );
      CREATE TABLE team_members (
        team_id TEXT NOT NULL REFERENCES teams (id) ON DELETE CASCADE,
        agent_id TEXT NOT NULL REFERENCES agents (id) ON DELETE CASCADE,
        added_at TEXT NOT NULL,
        PRIMARY KEY (team_id, agent_id)
      ) WITHOUT ROWID;
      CREATE INDEX team_members_agent ON team_members (agent_id);

      -- An initial or reset password must be changed at the next sign-in: such a session may do
      -- nothing else. A deactivated account cannot sign in. max_chats: the account's own cap of open
      -- chats (NULL: the configured default).
      ALTER TABLE agents ADD COLUMN must_change_password INTEGER NOT NULL DEFAULT 0 CHECK (must_change_password IN (0, 1));
      ALTER TABLE agents ADD COLUMN active INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1));
      ALTER TABLE agents ADD COLUMN max_chats INTEGER CHECK (max_chats IS NULL OR max_chats BETWEEN 0 AND 100);

      -- VIP customers are served first.
      ALTER TABLE customers ADD COLUMN vip INTEGER NOT NULL DEFAULT 0 CHECK (vip IN (0, 1));

      -- queued_at: when the ticket (re)entered the queue (NULL: created_at); an assignment the agent
      -- did not answer in time puts it back. lapsed_agents: agents who let it lapse (JSON array), not
      -- given it again. team_id: the team of the agent who resolved it (CSAT per team).
      ALTER TABLE handoff_tickets ADD COLUMN queued_at TEXT;
      ALTER TABLE handoff_tickets ADD COLUMN lapsed_agents TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(lapsed_agents) AND json_type(lapsed_agents) = 'array');
      ALTER TABLE handoff_tickets ADD COLUMN team_id TEXT REFERENCES teams (id) ON DELETE SET NULL;
    `),
  },
  {
    version: 12,
    name: 'delivery_and_read_receipts',
    up: sql(`
      -- Messenger: when each user (PSID) last wrote to the page, in ms since the epoch. Meta's
      -- 24-hour window (messaging_type RESPONSE) and the 7-day HUMAN_AGENT tag count from it.
      CREATE TABLE messenger_threads (
        psid TEXT PRIMARY KEY CHECK (length(psid) BETWEEN 1 AND 64),
        last_inbound_at INTEGER NOT NULL CHECK (last_inbound_at >= 0)
      ) WITHOUT ROWID;

      -- Delivery of an agent's message to the customer: sending, sent (the channel took it),
      -- delivered (it reached the customer's device or open chat), read, or failed with the reason.
      -- recipient: the PSID on Messenger; external_id: Meta's message id; sent_at: ms since the epoch.
      CREATE TABLE message_deliveries (
        message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        channel TEXT NOT NULL CHECK (length(channel) BETWEEN 1 AND 32),
        recipient TEXT CHECK (recipient IS NULL OR length(recipient) <= 300),
        status TEXT NOT NULL CHECK (status IN ('sending', 'sent', 'delivered', 'read', 'failed')),
        reason TEXT CHECK (reason IS NULL OR length(reason) <= 500),
        attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
        external_id TEXT CHECK (external_id IS NULL OR length(external_id) <= 512),
        sent_at INTEGER,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX message_deliveries_recipient ON message_deliveries (channel, recipient, sent_at) WHERE recipient IS NOT NULL;

      -- Read receipts: up to which message (seq) each side has seen a conversation (the customer:
      -- what the bot and agents wrote; the agent: what the customer wrote).
      CREATE TABLE read_marks (
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        reader TEXT NOT NULL CHECK (reader IN ('customer', 'agent')),
        seq INTEGER NOT NULL CHECK (seq >= 0),
        read_at TEXT NOT NULL,
        PRIMARY KEY (conversation_id, reader)
      ) WITHOUT ROWID;
    `),
  },
  {
    version: 13,
    name: 'unanswered_messages',
    up: sql(`
      -- Customer messages the bot could not answer: out of scope, unsure what was meant, no confident
      -- answer, or the repeated failure that sent the chat to a person. The reports group them by
      -- similarity so the store knows which help articles to write.
      CREATE TABLE unanswered_messages (
        message_id INTEGER PRIMARY KEY REFERENCES messages (id) ON DELETE CASCADE,
        conversation_id TEXT NOT NULL REFERENCES conversations (id) ON DELETE CASCADE,
        reason TEXT NOT NULL CHECK (reason IN ('out_of_scope', 'unsure', 'no_answer', 'repeated_failure')),
        created_at TEXT NOT NULL
      );
      CREATE INDEX unanswered_messages_time ON unanswered_messages (created_at);
    `),
  },
  {
    version: 14,
    name: 'products_url',
    up: sql(`
      -- A product's page on the store: a path on the store's site ("/?product=P-1", resolved against
      -- the page the chat runs on, and against SHOPBOT_PUBLIC_URL for Messenger) or an absolute
      -- http(s) URL. Product cards link to it. NULL: no page, cards show no link.
      ALTER TABLE products ADD COLUMN url TEXT CHECK (url IS NULL OR (length(url) BETWEEN 1 AND 2048 AND (substr(url, 1, 1) = '/' OR substr(url, 1, 7) = 'http://' OR substr(url, 1, 8) = 'https://')));
      -- The demo catalogue (products seeded from fixtures/) opens on the demo store page.
      UPDATE products SET url = '/?product=' || id WHERE source IN ('amazon-india', 'online-retail-uci', 'datafiniti');
    `),
  },
  {
    version: 15,
    name: 'admin_api',
    up: sql(`
      -- Keys of the admin HTTP API (/api/admin), one or more per store. Only the SHA-256 of the secret
      -- is kept (a 256-bit random secret needs no slow hash); the id is the key's public part.
      CREATE TABLE api_keys (
        id TEXT PRIMARY KEY CHECK (length(id) BETWEEN 1 AND 64),
        store_id TEXT NOT NULL CHECK (length(store_id) BETWEEN 1 AND 64),
        name TEXT NOT NULL CHECK (length(name) BETWEEN 1 AND 120),
        secret_hash TEXT NOT NULL CHECK (length(secret_hash) = 64),
        created_at TEXT NOT NULL,
        last_used_at TEXT,
        revoked_at TEXT
      );
      CREATE INDEX api_keys_store ON api_keys (store_id);

      -- Catalogue changes from the admin API and imports. A removed product keeps its row (order
      -- lines point at it) with deleted_at set, and is never listed, searched or suggested again.
      -- catalog_seq: the catalogue change that last touched the row (meta 'catalog_seq' counts
      -- them), so a running server picks up what another process changed.
      ALTER TABLE products ADD COLUMN deleted_at TEXT;
      ALTER TABLE products ADD COLUMN catalog_seq INTEGER NOT NULL DEFAULT 0 CHECK (catalog_seq >= 0);
      CREATE INDEX products_catalog_seq ON products (catalog_seq) WHERE catalog_seq > 0;
    `),
  },
  {
    version: 16,
    name: 'faq_index',
    up: sql(`
      -- The FAQ index's rows (retrieval/index-store.ts): questions with their answers and vectors,
      -- answer groups' centroids, the sources already ingested, and the index's model and graph
      -- settings. The HNSW graph itself is a file next to the database (faq.hnsw), rebuilt from these
      -- rows when missing. IF NOT EXISTS: databases written before this migration made them already.
      CREATE TABLE IF NOT EXISTS faq_meta (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
      CREATE TABLE IF NOT EXISTS faq_units (
        label INTEGER PRIMARY KEY CHECK (label >= 0),
        key TEXT NOT NULL UNIQUE,
        question TEXT NOT NULL,
        answer TEXT NOT NULL,
        group_id TEXT NOT NULL,
        intent TEXT,
        sources TEXT NOT NULL DEFAULT '[]' CHECK (json_valid(sources)),
        ts TEXT,
        vector BLOB NOT NULL,
        deleted INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
        created_at TEXT NOT NULL
      );
      CREATE INDEX IF NOT EXISTS faq_units_group ON faq_units (group_id);
      CREATE TABLE IF NOT EXISTS faq_groups (
        id TEXT PRIMARY KEY,
        centroid BLOB NOT NULL,
        size INTEGER NOT NULL
      );
      CREATE TABLE IF NOT EXISTS faq_sources (
        source_id TEXT PRIMARY KEY,
        ingested_at TEXT NOT NULL,
        units INTEGER NOT NULL
      );
    `),
  },
  {
    version: 17,
    name: 'order_events',
    up: sql(`
      -- Order events the store's backend posts (POST /api/admin/v1/orders/{id}/events): each kept
      -- once by its event id, so a retried POST is neither applied nor notified twice, with what
      -- became of the customer's proactive message (api/order-events.ts, bot/order-updates.ts).
      CREATE TABLE order_events (
        event_id TEXT PRIMARY KEY CHECK (length(event_id) BETWEEN 1 AND 128),
        order_id TEXT NOT NULL REFERENCES orders (id) ON DELETE CASCADE,
        customer_id TEXT NOT NULL,
        type TEXT NOT NULL CHECK (type IN ('shipped', 'out_for_delivery', 'delivery_attempted', 'delivered', 'cancelled', 'refund_issued', 'returned')),
        tracking TEXT,
        carrier TEXT,
        note TEXT,
        occurred_at TEXT,
        received_at TEXT NOT NULL,
        status_before TEXT NOT NULL,
        status_after TEXT NOT NULL,
        notification TEXT NOT NULL DEFAULT 'pending'
          CHECK (notification IN ('pending', 'sent', 'kept', 'opted_out', 'outside_window', 'no_channel', 'channel_off', 'stale', 'failed')),
        channel TEXT,
        reason TEXT,
        notified_at TEXT
      );
      CREATE INDEX order_events_order ON order_events (order_id, received_at);
      CREATE INDEX order_events_customer ON order_events (customer_id, received_at);

      -- Whether a customer gets proactive order updates: they say "stop order updates" or "turn
      -- order updates back on" in the chat. No row: on.
      CREATE TABLE notification_prefs (
        customer_id TEXT PRIMARY KEY REFERENCES customers (id) ON DELETE CASCADE,
        order_updates INTEGER NOT NULL CHECK (order_updates IN (0, 1)),
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
    `),
  },
];

export interface MigrationResult {
  /** Versions applied by this call, in order. */
  applied: number[];
  /** Schema version after the call. */
  version: number;
}

/** Checks the list is strictly increasing from 1 without gaps and names are unique. */
export function validateMigrations(list: readonly Migration[]): void {
  list.forEach((m, i) => {
    if (m.version !== i + 1) throw new StoreError('migration', `migration #${i} has version ${m.version}; expected ${i + 1}`);
  });
  const names = new Set(list.map((m) => m.name));
  if (names.size !== list.length) throw new StoreError('migration', 'migration names must be unique');
}

/** The table that records applied migrations (the same on both engines, PostgreSQL's translated). */
export const SCHEMA_MIGRATIONS = `CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL
  )`;

/**
 * The schema version of applied migrations (schema_migrations rows, by version); refuses a database
 * written by a newer schema, or one whose applied migration names disagree with this code.
 */
export function checkApplied(rows: readonly { version: number; name: string }[], list: readonly Migration[]): number {
  for (const row of rows) {
    const m = list[row.version - 1];
    if (!m) {
      throw new StoreError('migration', `database is at schema version ${row.version} (${row.name}), newer than this code knows (${list.length}); upgrade the application`);
    }
    if (m.name !== row.name) {
      throw new StoreError('migration', `schema version ${row.version} was applied as "${row.name}" but this code calls it "${m.name}"`);
    }
  }
  return rows.length === 0 ? 0 : rows[rows.length - 1]!.version;
}

/**
 * Applies every migration newer than the database's version, each in its own IMMEDIATE transaction
 * (so two processes opening the same file at once do not both apply it). Refuses to open a database
 * written by a newer schema, or one whose applied migration names disagree with this code.
 */
export function migrate(db: Database.Database, list: readonly Migration[] = MIGRATIONS, now: () => number = Date.now): MigrationResult {
  validateMigrations(list);
  db.exec(SCHEMA_MIGRATIONS);
  const appliedRows = db.prepare<[], { version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version');
  const insert = db.prepare<[number, string, string]>('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)');
  const has = db.prepare<[number], { version: number }>('SELECT version FROM schema_migrations WHERE version = ?');

  const check = (): number => checkApplied(appliedRows.all(), list);

  const applied: number[] = [];
  let version = check();
  for (const m of list) {
    if (m.version <= version) continue;
    const apply = db.transaction(() => {
      if (has.get(m.version)) return false; // another process got there first
      m.up(db);
      insert.run(m.version, m.name, new Date(now()).toISOString());
      return true;
    });
    try {
      if (apply.immediate()) applied.push(m.version);
    } catch (e) {
      throw new StoreError('migration', `migration ${m.version} (${m.name}) failed: ${(e as Error).message}`);
    }
    version = m.version;
  }
  return { applied, version: check() };
}

/** Current schema version (0 for an empty database). */
export function schemaVersion(db: Database.Database): number {
  const exists = db.prepare<[string], { n: number }>("SELECT count(*) AS n FROM sqlite_master WHERE type = 'table' AND name = ?").get('schema_migrations');
  if (!exists || exists.n === 0) return 0;
  const row = db.prepare<[], { v: number | null }>('SELECT max(version) AS v FROM schema_migrations').get();
  return row?.v ?? 0;
}
