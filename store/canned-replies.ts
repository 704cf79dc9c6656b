import { StoreError } from './errors.js';
import { isForeignKeyViolation, isUniqueViolation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { checkText } from './text.js';

// Saved ("canned") replies of the agent console. A reply is shared (owner null; admins edit those)
// or one agent's own. Agents insert them in the composer by shortcut (`/returns`); the body may hold
// placeholders such as {{customer.firstName}} that desk/canned.ts fills from the open conversation.

export interface CannedReply {
  id: number;
  /** '/' and 1 to 32 of a-z, 0-9, '-' and '_'. */
  shortcut: string;
  title: string;
  body: string;
  /** null: shared with every agent; else the agent whose own reply it is. */
  ownerId: string | null;
  createdBy: string | null;
  updatedBy: string | null;
  createdAt: string;
  updatedAt: string;
}

export interface NewCannedReply {
  shortcut: string;
  title: string;
  body: string;
  ownerId: string | null;
  createdBy?: string | null;
}

export interface CannedReplyEdit {
  shortcut: string;
  title: string;
  body: string;
  updatedBy?: string | null;
}

interface Row {
  id: number;
  shortcut: string;
  title: string;
  body: string;
  owner_id: string | null;
  created_by: string | null;
  updated_by: string | null;
  created_at: string;
  updated_at: string;
}

const toReply = (r: Row): CannedReply => ({
  id: r.id,
  shortcut: r.shortcut,
  title: r.title,
  body: r.body,
  ownerId: r.owner_id,
  createdBy: r.created_by,
  updatedBy: r.updated_by,
  createdAt: r.created_at,
  updatedAt: r.updated_at,
});

export const SHORTCUT_PATTERN = /^\/[a-z0-9_-]{1,32}$/;
export const MAX_CANNED_TITLE = 120;
export const MAX_CANNED_BODY = 4000;

/** Characters as SQLite's length() counts them (code points, not UTF-16 units). */
const chars = (s: string) => Array.from(s).length;

/** A shortcut as stored: trimmed, lower case, with its leading '/'; anything else is refused. */
export function normalizeShortcut(raw: unknown): string {
  if (typeof raw !== 'string') throw new StoreError('invalid_input', 'shortcut must be a string');
  let s = raw.trim().toLowerCase();
  if (!s.startsWith('/')) s = `/${s}`;
  if (!SHORTCUT_PATTERN.test(s)) throw new StoreError('invalid_input', "a shortcut is '/' followed by 1 to 32 letters a-z, digits, '-' or '_' (e.g. /returns)");
  return s;
}

function checkFields(e: { shortcut: string; title: string; body: string }): { shortcut: string; title: string; body: string } {
  const shortcut = normalizeShortcut(e.shortcut);
  const title = checkText('title', e.title).trim();
  const body = checkText('body', e.body).trim();
  if (!title) throw new StoreError('invalid_input', 'title must not be empty');
  if (!body) throw new StoreError('invalid_input', 'body must not be empty');
  if (chars(title) > MAX_CANNED_TITLE) throw new StoreError('too_large', `title is ${chars(title)} characters; the limit is ${MAX_CANNED_TITLE}`);
  if (chars(body) > MAX_CANNED_BODY) throw new StoreError('too_large', `body is ${chars(body)} characters; the limit is ${MAX_CANNED_BODY}`);
  return { shortcut, title, body };
}

/** Escapes LIKE wildcards (the pattern uses ESCAPE '\'). */
const likeEscape = (s: string) => s.replace(/[\\%_]/g, (c) => `\\${c}`);

export class CannedReplyRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  async get(id: number, sql: Sql = this.sql): Promise<CannedReply | undefined> {
    if (!Number.isSafeInteger(id)) return undefined;
    const r = await sql.get<Row>('SELECT * FROM canned_replies WHERE id = ?', [id]);
    return r ? toReply(r) : undefined;
  }

  /** The replies an agent may use: their own and the shared ones (own first, then by shortcut). */
  async listFor(agentId: string | null, opts: { limit?: number } = {}, sql: Sql = this.sql): Promise<CannedReply[]> {
    const rows = await sql.all<Row>(
      `SELECT * FROM canned_replies WHERE owner_id IS NULL OR owner_id = @agent
       ORDER BY owner_id IS NULL, shortcut, id LIMIT @limit`,
      { agent: agentId, limit: clampLimit(opts.limit) },
    );
    return rows.map(toReply);
  }

  /**
   * The replies an agent may use matching `query`: shortcut prefix (with or without '/'), or words
   * in the title or body (case-insensitive). Shortcut matches come first.
   */
  async search(agentId: string | null, query: string, opts: { limit?: number } = {}, sql: Sql = this.sql): Promise<CannedReply[]> {
    const q = checkText('query', query).trim().toLowerCase().slice(0, 100);
    if (!q) return this.listFor(agentId, opts, sql);
    const bare = q.replace(/^\/+/, '');
    // lower() on both sides: SQLite's LIKE ignores ASCII case, PostgreSQL's does not.
    const rows = await sql.all<Row>(
      `SELECT * FROM canned_replies
       WHERE (owner_id IS NULL OR owner_id = @agent)
         AND (shortcut LIKE @prefix ESCAPE '\\' OR lower(title) LIKE @like ESCAPE '\\' OR lower(body) LIKE @like ESCAPE '\\')
       ORDER BY shortcut LIKE @prefix ESCAPE '\\' DESC, owner_id IS NULL, shortcut, id LIMIT @limit`,
      { agent: agentId, prefix: `/${likeEscape(bare)}%`, like: `%${likeEscape(bare)}%`, limit: clampLimit(opts.limit) },
    );
    return rows.map(toReply);
  }

  async create(e: NewCannedReply, sql: Sql = this.sql): Promise<CannedReply> {
    const f = checkFields(e);
    const at = this.iso();
    try {
      const r = await sql.get<Row>(
        `INSERT INTO canned_replies (shortcut, title, body, owner_id, created_by, updated_by, created_at, updated_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING *`,
        [f.shortcut, f.title, f.body, e.ownerId, e.createdBy ?? null, e.createdBy ?? null, at, at],
      );
      return toReply(r!);
    } catch (err) {
      throw translate(err, f.shortcut, e.ownerId);
    }
  }

  async update(id: number, e: CannedReplyEdit, sql: Sql = this.sql): Promise<CannedReply> {
    const f = checkFields(e);
    if (!Number.isSafeInteger(id)) throw new StoreError('not_found', `saved reply ${id} not found`);
    let r: Row | undefined;
    try {
      r = await sql.get<Row>('UPDATE canned_replies SET shortcut = ?, title = ?, body = ?, updated_by = ?, updated_at = ? WHERE id = ? RETURNING *', [
        f.shortcut,
        f.title,
        f.body,
        e.updatedBy ?? null,
        this.iso(),
        id,
      ]);
    } catch (err) {
      // Whose shortcut it clashed with is only read on this path.
      throw translate(err, f.shortcut, (await this.get(id, sql))?.ownerId ?? null);
    }
    if (!r) throw new StoreError('not_found', `saved reply ${id} not found`);
    return toReply(r);
  }

  async delete(id: number, sql: Sql = this.sql): Promise<boolean> {
    return Number.isSafeInteger(id) && (await sql.run('DELETE FROM canned_replies WHERE id = ?', [id])).changes > 0;
  }

  /**
   * Adds the demo's shared replies once per database: only while there are no shared replies at all
   * (an admin who deleted them all does not get them back on the next start). Returns how many.
   */
  async seedShared(replies: readonly Omit<NewCannedReply, 'ownerId'>[], sql: Sql = this.sql): Promise<number> {
    return sql.transaction(async (tx) => {
      const shared = await tx.get<{ n: number }>('SELECT count(*) AS n FROM canned_replies WHERE owner_id IS NULL');
      if (Number(shared?.n ?? 0) > 0) return 0;
      for (const r of replies) await this.create({ ...r, ownerId: null }, tx);
      return replies.length;
    });
  }
}

function clampLimit(limit: number | undefined): number {
  return Math.max(1, Math.min(500, Math.trunc(limit ?? 200)));
}

function translate(err: unknown, shortcut: string, ownerId: string | null): unknown {
  if (isUniqueViolation(err)) return new StoreError('conflict', `${ownerId === null ? 'a shared reply' : 'one of your replies'} already uses the shortcut ${shortcut}`);
  if (isForeignKeyViolation(err)) return new StoreError('not_found', `agent ${ownerId ?? ''} not found`);
  return err;
}
