import { StoreError } from './errors.js';
import { inList, isForeignKeyViolation, isUniqueViolation } from './sql/dialect.js';
import type { Sql } from './sql/executor.js';
import { newId } from './ids.js';
import { checkText, isoTime, MAX_ID_BYTES } from './text.js';

// Support teams (migration 11). A team has skills (orders, payments, product, ...) that count as
// skills of each of its members, besides the agent's own; an agent may be in several teams. CSAT
// ratings are kept per team through the team of the agent who resolved the chat (ticketTeam).

export interface Team {
  id: string;
  name: string;
  skills: string[];
  /** Member agent ids, by name. */
  memberIds: string[];
  createdAt: string;
}

interface TeamRow {
  id: string;
  name: string;
  skills: string;
  created_at: string;
}

const MAX_TEAM_NAME = 120;
const toTeam = (r: TeamRow, memberIds: string[]): Team => ({
  id: r.id,
  name: r.name,
  skills: JSON.parse(r.skills) as string[],
  memberIds,
  createdAt: r.created_at,
});

/** Skills: non-empty ids of at most 256 bytes, trimmed, without duplicates. */
export function checkSkills(skills: readonly unknown[]): string[] {
  if (!Array.isArray(skills)) throw new StoreError('invalid_input', 'skills must be a list');
  const out: string[] = [];
  for (const s of skills) {
    if (typeof s !== 'string' || !s.trim()) throw new StoreError('invalid_input', 'a skill must be a non-empty string');
    const v = checkText('skill', s.trim(), MAX_ID_BYTES);
    if (!out.includes(v)) out.push(v);
  }
  return out;
}

function checkName(name: unknown): string {
  if (typeof name !== 'string' || !name.trim()) throw new StoreError('invalid_input', 'a team needs a name');
  const n = name.trim();
  if (Array.from(n).length > MAX_TEAM_NAME) throw new StoreError('too_large', `a team name can be at most ${MAX_TEAM_NAME} characters`);
  return checkText('team name', n, 1024);
}

const COLUMNS = 't.id, t.name, t.skills, t.created_at';
// Teams by name without regard to case (the column is NOCASE on SQLite; lower() says it on both engines).
const BY_NAME = 'ORDER BY lower(t.name), t.id';

export class TeamRepo {
  constructor(
    private readonly sql: Sql,
    private readonly now: () => number = Date.now,
  ) {}

  /** The teams with their members (by name), in one more query for all of them. */
  private async withMembers(rows: TeamRow[], sql: Sql): Promise<Team[]> {
    if (rows.length === 0) return [];
    const ids = rows.map((r) => r.id);
    const members = new Map<string, string[]>(ids.map((id) => [id, []]));
    const links = await sql.all<{ team_id: string; agent_id: string }>(
      `SELECT tm.team_id, tm.agent_id FROM team_members tm JOIN agents a ON a.id = tm.agent_id
       WHERE tm.team_id IN (${inList(ids)}) ORDER BY a.name, a.id`,
      ids,
    );
    for (const l of links) members.get(l.team_id)?.push(l.agent_id);
    return rows.map((r) => toTeam(r, members.get(r.id) ?? []));
  }

  async create(t: { name: string; skills?: readonly string[]; id?: string }, sql: Sql = this.sql): Promise<Team> {
    const name = checkName(t.name);
    const skills = checkSkills(t.skills ?? []);
    const id = t.id === undefined ? newId('team') : checkText('team id', t.id, MAX_ID_BYTES);
    const row: TeamRow = { id, name, skills: JSON.stringify(skills), created_at: isoTime(undefined, this.now) };
    try {
      await sql.run('INSERT INTO teams (id, name, skills, created_at) VALUES (?, ?, ?, ?)', [row.id, row.name, row.skills, row.created_at]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new StoreError('conflict', `a team named "${name}" already exists`);
      throw e;
    }
    return toTeam(row, []);
  }

  async get(id: string, sql: Sql = this.sql): Promise<Team | undefined> {
    if (typeof id !== 'string') return undefined;
    const r = await sql.get<TeamRow>(`SELECT ${COLUMNS} FROM teams t WHERE t.id = ?`, [id]);
    return r ? (await this.withMembers([r], sql))[0] : undefined;
  }

  /** By name, case-insensitively. */
  async getByName(name: string, sql: Sql = this.sql): Promise<Team | undefined> {
    if (typeof name !== 'string') return undefined;
    const r = await sql.get<TeamRow>(`SELECT ${COLUMNS} FROM teams t WHERE lower(t.name) = lower(?) ${BY_NAME} LIMIT 1`, [name.trim()]);
    return r ? (await this.withMembers([r], sql))[0] : undefined;
  }

  async list(sql: Sql = this.sql): Promise<Team[]> {
    return this.withMembers(await sql.all<TeamRow>(`SELECT ${COLUMNS} FROM teams t ${BY_NAME}`), sql);
  }

  private async must(id: string, sql: Sql): Promise<Team> {
    const t = await this.get(id, sql);
    if (!t) throw new StoreError('not_found', `team ${id} not found`);
    return t;
  }

  async rename(id: string, name: string, sql: Sql = this.sql): Promise<Team> {
    await this.must(id, sql);
    const n = checkName(name);
    try {
      await sql.run('UPDATE teams SET name = ? WHERE id = ?', [n, id]);
    } catch (e) {
      if (isUniqueViolation(e)) throw new StoreError('conflict', `a team named "${n}" already exists`);
      throw e;
    }
    return this.must(id, sql);
  }

  async setSkills(id: string, skills: readonly string[], sql: Sql = this.sql): Promise<Team> {
    await this.must(id, sql);
    await sql.run('UPDATE teams SET skills = ? WHERE id = ?', [JSON.stringify(checkSkills(skills)), id]);
    return this.must(id, sql);
  }

  async delete(id: string, sql: Sql = this.sql): Promise<boolean> {
    return (await sql.run('DELETE FROM teams WHERE id = ?', [id])).changes === 1;
  }

  /** Adds an agent to a team (no change if already a member). */
  async addMember(teamId: string, agentId: string, sql: Sql = this.sql): Promise<Team> {
    await this.must(teamId, sql);
    try {
      await sql.run('INSERT INTO team_members (team_id, agent_id, added_at) VALUES (?, ?, ?) ON CONFLICT (team_id, agent_id) DO NOTHING', [teamId, agentId, isoTime(undefined, this.now)]);
    } catch (e) {
      if (isForeignKeyViolation(e)) throw new StoreError('not_found', `agent ${agentId} not found`);
      throw e;
    }
    return this.must(teamId, sql);
  }

  async removeMember(teamId: string, agentId: string, sql: Sql = this.sql): Promise<Team> {
    await this.must(teamId, sql);
    await sql.run('DELETE FROM team_members WHERE team_id = ? AND agent_id = ?', [teamId, agentId]);
    return this.must(teamId, sql);
  }

  /** The teams an agent is in, by name. */
  async teamsOf(agentId: string, sql: Sql = this.sql): Promise<Team[]> {
    return (await this.teamsOfAgents([agentId], sql)).get(agentId) ?? [];
  }

  /** The teams of each of several agents, by name, in two queries (agents in no team are absent). */
  async teamsOfAgents(agentIds: readonly string[], sql: Sql = this.sql): Promise<Map<string, Team[]>> {
    const out = new Map<string, Team[]>();
    if (agentIds.length === 0) return out;
    const rows = await sql.all<TeamRow & { agent_id: string }>(
      `SELECT tm.agent_id, ${COLUMNS} FROM team_members tm JOIN teams t ON t.id = tm.team_id
       WHERE tm.agent_id IN (${inList(agentIds)}) ${BY_NAME}`,
      [...agentIds],
    );
    const unique = [...new Map(rows.map((r) => [r.id, r])).values()];
    const teams = new Map((await this.withMembers(unique, sql)).map((t) => [t.id, t]));
    for (const r of rows) {
      const list = out.get(r.agent_id) ?? [];
      list.push(teams.get(r.id)!);
      out.set(r.agent_id, list);
    }
    return out;
  }

  /** Each agent's skills: its own and its teams', in one query (agents without any are absent). */
  async skillsOf(agentIds: readonly string[], sql: Sql = this.sql): Promise<Map<string, Set<string>>> {
    const out = new Map<string, Set<string>>();
    if (agentIds.length === 0) return out;
    const ids = inList(agentIds);
    // The skills lists (JSON arrays) are read whole and expanded here, the same on both engines.
    const rows = await sql.all<{ agent_id: string; skills: string }>(
      `SELECT a.id AS agent_id, a.skills FROM agents a WHERE a.id IN (${ids})
       UNION ALL
       SELECT tm.agent_id, t.skills FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.agent_id IN (${ids})`,
      [...agentIds, ...agentIds],
    );
    for (const r of rows) {
      for (const skill of JSON.parse(r.skills) as string[]) {
        let s = out.get(r.agent_id);
        if (!s) out.set(r.agent_id, (s = new Set()));
        s.add(skill);
      }
    }
    return out;
  }

  /** Records the team of the agent holding the ticket (one that has the ticket's skill, else the first by name; none: null). */
  async stampTicket(ticketId: number, sql: Sql = this.sql): Promise<void> {
    await sql.transaction(async (tx) => {
      const ticket = await tx.get<{ agent_id: string | null; skill: string | null }>('SELECT agent_id, skill FROM handoff_tickets WHERE id = ?', [ticketId]);
      if (!ticket?.agent_id) return;
      const teams = await tx.all<{ id: string; skills: string }>(
        `SELECT t.id, t.skills FROM team_members tm JOIN teams t ON t.id = tm.team_id WHERE tm.agent_id = ? ${BY_NAME}`,
        [ticket.agent_id],
      );
      const skill = ticket.skill;
      const team = teams.find((t) => skill !== null && (JSON.parse(t.skills) as string[]).includes(skill)) ?? teams[0];
      await tx.run('UPDATE handoff_tickets SET team_id = ? WHERE id = ? AND agent_id = ?', [team?.id ?? null, ticketId, ticket.agent_id]);
    });
  }
}
