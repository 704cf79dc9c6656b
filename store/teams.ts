import type { DB } from './db.js';
import { StoreError } from './errors.js';
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
  members: string | null;
}

const MAX_TEAM_NAME = 120;
const toTeam = (r: TeamRow): Team => ({
  id: r.id,
  name: r.name,
  skills: JSON.parse(r.skills) as string[],
  memberIds: r.members ? (JSON.parse(r.members) as (string | null)[]).filter((x): x is string => x !== null) : [],
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

const SELECT = `SELECT t.id, t.name, t.skills, t.created_at,
  (SELECT json_group_array(m.agent_id) FROM (SELECT tm.agent_id FROM team_members tm JOIN agents a ON a.id = tm.agent_id WHERE tm.team_id = t.id ORDER BY a.name, a.id) m) AS members
  FROM teams t`;

export class TeamRepo {
  private readonly byId;
  private readonly byName;
  private readonly listStmt;
  private readonly insertStmt;
  private readonly renameStmt;
  private readonly skillsStmt;
  private readonly deleteStmt;
  private readonly addMemberStmt;
  private readonly removeMemberStmt;
  private readonly teamsOfStmt;
  private readonly skillsOfStmt;
  private readonly setTicketTeam;

  constructor(
    private readonly db: DB,
    private readonly now: () => number = Date.now,
  ) {
    this.byId = db.prepare<[string], TeamRow>(`${SELECT} WHERE t.id = ?`);
    this.byName = db.prepare<[string], TeamRow>(`${SELECT} WHERE t.name = ?`);
    this.listStmt = db.prepare<[], TeamRow>(`${SELECT} ORDER BY t.name COLLATE NOCASE, t.id`);
    this.insertStmt = db.prepare<[string, string, string, string]>('INSERT INTO teams (id, name, skills, created_at) VALUES (?, ?, ?, ?)');
    this.renameStmt = db.prepare<[string, string]>('UPDATE teams SET name = ? WHERE id = ?');
    this.skillsStmt = db.prepare<[string, string]>('UPDATE teams SET skills = ? WHERE id = ?');
    this.deleteStmt = db.prepare<[string]>('DELETE FROM teams WHERE id = ?');
    this.addMemberStmt = db.prepare<[string, string, string]>('INSERT OR IGNORE INTO team_members (team_id, agent_id, added_at) VALUES (?, ?, ?)');
    this.removeMemberStmt = db.prepare<[string, string]>('DELETE FROM team_members WHERE team_id = ? AND agent_id = ?');
    this.teamsOfStmt = db.prepare<[string], TeamRow>(`${SELECT} WHERE t.id IN (SELECT team_id FROM team_members WHERE agent_id = ?) ORDER BY t.name COLLATE NOCASE, t.id`);
    // Each agent's own skills and its teams' skills, for a list of agents, in one statement.
    this.skillsOfStmt = db.prepare<{ ids: string }, { agent_id: string; skill: string }>(
      `SELECT a.id AS agent_id, s.value AS skill FROM agents a, json_each(a.skills) s WHERE a.id IN (SELECT value FROM json_each(@ids))
       UNION
       SELECT tm.agent_id, s.value FROM team_members tm JOIN teams t ON t.id = tm.team_id, json_each(t.skills) s WHERE tm.agent_id IN (SELECT value FROM json_each(@ids))`,
    );
    // The resolving agent's team: one whose skills include the ticket's skill, else the first by name.
    this.setTicketTeam = db.prepare<{ ticket: number }>(
      `UPDATE handoff_tickets SET team_id = (
         SELECT t.id FROM team_members tm JOIN teams t ON t.id = tm.team_id
         WHERE tm.agent_id = handoff_tickets.agent_id
         ORDER BY EXISTS (SELECT 1 FROM json_each(t.skills) WHERE value = handoff_tickets.skill) DESC, t.name COLLATE NOCASE, t.id LIMIT 1)
       WHERE id = @ticket AND agent_id IS NOT NULL`,
    );
  }

  create(t: { name: string; skills?: readonly string[]; id?: string }): Team {
    const name = checkName(t.name);
    const skills = checkSkills(t.skills ?? []);
    const id = t.id === undefined ? newId('team') : checkText('team id', t.id, MAX_ID_BYTES);
    try {
      this.insertStmt.run(id, name, JSON.stringify(skills), isoTime(undefined, this.now));
    } catch (e) {
      const code = (e as { code?: string }).code;
      if (code === 'SQLITE_CONSTRAINT_UNIQUE' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw new StoreError('conflict', `a team named "${name}" already exists`);
      throw e;
    }
    return this.get(id)!;
  }

  get(id: string): Team | undefined {
    const r = typeof id === 'string' ? this.byId.get(id) : undefined;
    return r ? toTeam(r) : undefined;
  }

  /** By name, case-insensitively. */
  getByName(name: string): Team | undefined {
    const r = typeof name === 'string' ? this.byName.get(name.trim()) : undefined;
    return r ? toTeam(r) : undefined;
  }

  list(): Team[] {
    return this.listStmt.all().map(toTeam);
  }

  private must(id: string): Team {
    const t = this.get(id);
    if (!t) throw new StoreError('not_found', `team ${id} not found`);
    return t;
  }

  rename(id: string, name: string): Team {
    this.must(id);
    const n = checkName(name);
    try {
      this.renameStmt.run(n, id);
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_UNIQUE') throw new StoreError('conflict', `a team named "${n}" already exists`);
      throw e;
    }
    return this.must(id);
  }

  setSkills(id: string, skills: readonly string[]): Team {
    this.must(id);
    this.skillsStmt.run(JSON.stringify(checkSkills(skills)), id);
    return this.must(id);
  }

  delete(id: string): boolean {
    return this.deleteStmt.run(id).changes === 1;
  }

  /** Adds an agent to a team (no change if already a member). */
  addMember(teamId: string, agentId: string): Team {
    this.must(teamId);
    try {
      this.addMemberStmt.run(teamId, agentId, isoTime(undefined, this.now));
    } catch (e) {
      if ((e as { code?: string }).code === 'SQLITE_CONSTRAINT_FOREIGNKEY') throw new StoreError('not_found', `agent ${agentId} not found`);
      throw e;
    }
    return this.must(teamId);
  }

  removeMember(teamId: string, agentId: string): Team {
    this.must(teamId);
    this.removeMemberStmt.run(teamId, agentId);
    return this.must(teamId);
  }

  /** The teams an agent is in, by name. */
  teamsOf(agentId: string): Team[] {
    return this.teamsOfStmt.all(agentId).map(toTeam);
  }

  /** Each agent's skills: its own and its teams', in one query (agents without any are absent). */
  skillsOf(agentIds: readonly string[]): Map<string, Set<string>> {
    const out = new Map<string, Set<string>>();
    if (agentIds.length === 0) return out;
    for (const r of this.skillsOfStmt.all({ ids: JSON.stringify(agentIds) })) {
      let s = out.get(r.agent_id);
      if (!s) out.set(r.agent_id, (s = new Set()));
      s.add(r.skill);
    }
    return out;
  }

  /** Records the team of the agent holding the ticket (one that has the ticket's skill, else the first by name; none: null). */
  stampTicket(ticketId: number): void {
    this.setTicketTeam.run({ ticket: ticketId });
  }
}
