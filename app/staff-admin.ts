import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AssignmentConfig } from '../core/config.js';
import { HttpError, readRawBody, sendJson } from '../core/http.js';
import { generatePassword, type StaffAccount } from '../store/agents.js';
import type { Team } from '../store/teams.js';
import { isStoreError, STAFF_ROLES, type StaffRole, type Store } from '../store/index.js';
import type { RouteHandler } from '../core/http.js';
import { isJsonRequest, requireStaff } from '../desk/staff-auth.js';

// Agents, teams and VIP customers, managed by admins from the console's Team page
// (web/public/admin.html). Every route needs an admin session (401 / 403 otherwise); bodies are
// JSON only (a page elsewhere cannot post JSON here without a CORS preflight this server never grants).
//   GET  /api/staff/agents                      -> {agents, teams, vip, settings}
//   POST /api/staff/agents                      {name, email, role?, skills?, maxChats?} -> 201 {agent, initialPassword}
//   POST /api/staff/agents/<id>                 {name?, role?, skills?, maxChats?, active?} -> {agent}
//   POST /api/staff/agents/<id>/reset-password  -> {password} (to be changed at the next sign-in)
//   POST /api/staff/teams                       {name, skills?} -> 201 {team}
//   POST /api/staff/teams/<id>                  {name?, skills?, addMember?, removeMember?} -> {team}
//   DELETE /api/staff/teams/<id>                -> {ok}
//   POST /api/staff/vip                         {customer: id or e-mail, vip: boolean} -> {customerId, vip}

export interface StaffAdminOptions {
  store: Store;
  settings: AssignmentConfig;
  /** Agent ids with a console open now. */
  online(): Set<string>;
  /** An account lost its sessions (deactivated, password reset, role changed): close its consoles. */
  endSessions(agentId: string): void;
  /** Skills, teams or caps changed: waiting chats may now have an agent. */
  changed(): void;
  log?: (line: string) => void;
}

const MAX_BODY = 16 * 1024;

async function readJson(req: IncomingMessage): Promise<Record<string, unknown>> {
  if (!isJsonRequest(req)) {
    req.resume();
    throw new HttpError(415, 'send JSON (Content-Type: application/json)');
  }
  let body: unknown;
  try {
    body = JSON.parse((await readRawBody(req, MAX_BODY)).toString('utf8'));
  } catch (err) {
    if (err instanceof HttpError) throw err;
    throw new HttpError(400, 'the body is not JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new HttpError(400, 'expected a JSON object');
  return body as Record<string, unknown>;
}

function skillsOf(v: unknown): string[] {
  if (typeof v === 'string') return v.split(',').map((s) => s.trim()).filter(Boolean);
  if (Array.isArray(v) && v.every((s) => typeof s === 'string')) return v as string[];
  throw new HttpError(400, 'skills must be a list of words (or one comma-separated string)');
}

function roleOf(v: unknown): StaffRole {
  if (typeof v === 'string' && (STAFF_ROLES as readonly string[]).includes(v)) return v as StaffRole;
  throw new HttpError(400, `role must be one of ${STAFF_ROLES.join(', ')}`);
}

function maxChatsOf(v: unknown): number | null {
  if (v === null || v === '') return null;
  const n = typeof v === 'string' ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 0 || n > 100) throw new HttpError(400, 'maxChats must be a whole number from 0 to 100, or null for the default');
  return n;
}

function str(v: unknown, field: string): string {
  if (typeof v !== 'string' || !v.trim()) throw new HttpError(400, `${field} is required`);
  return v.trim();
}

/** The routes, for createApp({routes}) or http.route. */
export function staffAdminRoutes(opts: StaffAdminOptions): Record<string, RouteHandler> {
  const { store } = opts;
  const log = opts.log ?? ((l: string) => console.error(l));

  const view = (a: StaffAccount, open: Map<string, number>, online: Set<string>, teams: Map<string, Team[]>) => ({
    id: a.id,
    name: a.name,
    email: a.email,
    role: a.role,
    skills: a.skills,
    teams: (teams.get(a.id) ?? []).map((t) => t.id),
    active: a.active,
    mustChangePassword: a.mustChangePassword,
    maxChats: a.maxChats,
    openChats: open.get(a.id) ?? 0,
    online: online.has(a.id),
  });
  const agentView = async (a: StaffAccount) => view(a, await store.tickets.openCounts([a.id]), opts.online(), await store.teams.teamsOfAgents([a.id]));

  /** At least one active admin must remain, or nobody could manage staff any more. */
  const keepsAnAdmin = async (changing: string, next: { role?: StaffRole; active?: boolean }) =>
    (await store.agents.list()).some((a) => a.active && a.role === 'admin' && (a.id !== changing || ((next.role ?? a.role) === 'admin' && next.active !== false)));

  /** Runs a handler for an admin; maps errors to statuses with the reason. */
  const admin =
    (fn: (req: IncomingMessage, res: ServerResponse, me: StaffAccount, url: URL) => Promise<void> | void): RouteHandler =>
    async (req, res, url) => {
      res.setHeader('cache-control', 'no-store');
      const me = await requireStaff(store, req, res, ['admin']);
      if (!me) return void req.resume();
      try {
        await fn(req, res, me, url);
      } catch (err) {
        if (err instanceof HttpError) return sendJson(res, err.status, { error: err.message });
        if (isStoreError(err)) {
          const status = err.code === 'not_found' ? 404 : err.code === 'conflict' ? 409 : 400;
          return sendJson(res, status, { error: err.message });
        }
        throw err;
      }
    };

  const notAllowed = (res: ServerResponse, allow: string) => {
    res.setHeader('allow', allow);
    sendJson(res, 405, { error: 'method not allowed' });
  };

  const agents = admin(async (req, res, me) => {
    if (req.method === 'GET') {
      const list = await store.agents.list();
      const open = await store.tickets.openCounts(list.map((a) => a.id));
      const online = opts.online();
      const teamsOf = await store.teams.teamsOfAgents(list.map((a) => a.id));
      return sendJson(res, 200, {
        agents: list.map((a) => view(a, open, online, teamsOf)),
        teams: await store.teams.list(),
        vip: await store.vip.list(),
        settings: opts.settings,
      });
    }
    if (req.method !== 'POST') return notAllowed(res, 'GET, POST');
    const b = await readJson(req);
    const initialPassword = generatePassword();
    const created = await store.agents.create({
      name: str(b.name, 'name'),
      email: str(b.email, 'email'),
      password: initialPassword,
      role: b.role === undefined ? 'agent' : roleOf(b.role),
      skills: b.skills === undefined ? [] : skillsOf(b.skills),
      mustChangePassword: true,
      ...(b.maxChats !== undefined ? { maxChats: maxChatsOf(b.maxChats) } : {}),
    });
    log(`[staff] ${me.email} added ${created.email} (${created.role})`);
    opts.changed();
    sendJson(res, 201, { agent: await agentView(created), initialPassword });
  });

  const agent = admin(async (req, res, me, url) => {
    const [id, action, ...rest] = url.pathname.slice('/api/staff/agents/'.length).split('/').map(decodeURIComponent);
    if (!id || rest.length > 0) throw new HttpError(404, 'not found');
    const a = await store.agents.get(id);
    if (!a) throw new HttpError(404, `agent ${id} not found`);
    if (req.method !== 'POST') return notAllowed(res, 'POST');
    if (action === 'reset-password') {
      req.resume();
      const password = await store.agents.resetPassword(a.id);
      opts.endSessions(a.id);
      log(`[staff] ${me.email} reset the password of ${a.email}`);
      return sendJson(res, 200, { password });
    }
    if (action !== undefined) throw new HttpError(404, 'not found');
    const b = await readJson(req);
    const role = b.role === undefined ? undefined : roleOf(b.role);
    const active = b.active === undefined ? undefined : b.active === true ? true : b.active === false ? false : undefined;
    if (b.active !== undefined && active === undefined) throw new HttpError(400, 'active must be true or false');
    if ((role !== undefined || active === false) && !(await keepsAnAdmin(a.id, { ...(role ? { role } : {}), ...(active !== undefined ? { active } : {}) }))) {
      throw new HttpError(409, 'at least one active admin must remain');
    }
    if (b.name !== undefined) await store.agents.setName(a.id, str(b.name, 'name'));
    if (b.skills !== undefined) await store.agents.setSkills(a.id, skillsOf(b.skills));
    if (b.maxChats !== undefined) await store.agents.setMaxChats(a.id, maxChatsOf(b.maxChats));
    if (role !== undefined && role !== a.role) {
      await store.agents.setRole(a.id, role);
      // Consoles hold the role they signed in with: sign in again under the new one.
      await store.agents.revokeAllSessions(a.id);
      opts.endSessions(a.id);
    }
    if (active !== undefined && active !== a.active) {
      await store.agents.setActive(a.id, active);
      if (!active) opts.endSessions(a.id);
    }
    log(`[staff] ${me.email} changed ${a.email}: ${Object.keys(b).join(', ')}`);
    opts.changed();
    sendJson(res, 200, { agent: await agentView((await store.agents.get(a.id))!) });
  });

  const teams = admin(async (req, res, me) => {
    if (req.method === 'GET') return sendJson(res, 200, { teams: await store.teams.list() });
    if (req.method !== 'POST') return notAllowed(res, 'GET, POST');
    const b = await readJson(req);
    const team = await store.teams.create({ name: str(b.name, 'name'), skills: b.skills === undefined ? [] : skillsOf(b.skills) });
    log(`[staff] ${me.email} created team ${team.name}`);
    sendJson(res, 201, { team });
  });

  const team = admin(async (req, res, me, url) => {
    const id = decodeURIComponent(url.pathname.slice('/api/staff/teams/'.length));
    if (!id || id.includes('/')) throw new HttpError(404, 'not found');
    const t = await store.teams.get(id);
    if (!t) throw new HttpError(404, `team ${id} not found`);
    if (req.method === 'DELETE') {
      req.resume();
      await store.teams.delete(t.id);
      log(`[staff] ${me.email} deleted team ${t.name}`);
      opts.changed();
      return sendJson(res, 200, { ok: true });
    }
    if (req.method !== 'POST') return notAllowed(res, 'POST, DELETE');
    const b = await readJson(req);
    if (b.name !== undefined) await store.teams.rename(t.id, str(b.name, 'name'));
    if (b.skills !== undefined) await store.teams.setSkills(t.id, skillsOf(b.skills));
    if (b.addMember !== undefined) await store.teams.addMember(t.id, str(b.addMember, 'addMember'));
    if (b.removeMember !== undefined) await store.teams.removeMember(t.id, str(b.removeMember, 'removeMember'));
    log(`[staff] ${me.email} changed team ${t.name}: ${Object.keys(b).join(', ')}`);
    opts.changed();
    sendJson(res, 200, { team: await store.teams.get(t.id) });
  });

  const vip = admin(async (req, res, me) => {
    if (req.method === 'GET') return sendJson(res, 200, { vip: await store.vip.list() });
    if (req.method !== 'POST') return notAllowed(res, 'GET, POST');
    const b = await readJson(req);
    if (typeof b.vip !== 'boolean') throw new HttpError(400, 'vip must be true or false');
    const customerId = await store.vip.set(str(b.customer, 'customer'), b.vip);
    log(`[staff] ${me.email} set VIP ${b.vip ? 'on' : 'off'} for customer ${customerId}`);
    sendJson(res, 200, { customerId, vip: b.vip });
  });

  return {
    '/api/staff/agents': agents,
    '/api/staff/agents/*': agent,
    '/api/staff/teams': teams,
    '/api/staff/teams/*': team,
    '/api/staff/vip': vip,
  };
}
