// `npm run --silent agents -- <command> …`: support staff and teams from the command line (the console's
// Team page does the same for admins). Works on the server's store (DATABASE_URL, else SHOPBOT_DATA_DIR
// and SHOPBOT_DB) or --db FILE, also while the server runs. Prints one JSON line; errors go to stderr with
// exit code 1 (2 for usage). New and reset passwords are generated, printed once, and must be changed
// at the first sign-in.
import { pathToFileURL } from 'node:url';
import { parseArgs, stringFlag } from '../core/args.js';
import { loadConfig } from '../core/config.js';
import { generatePassword, type StaffAccount } from '../store/agents.js';
import { cliStoreLocation, openCliStore } from '../store/cli-store.js';
import { STAFF_ROLES, type StaffRole, type Store } from '../store/index.js';
import { checkSkills, type Team } from '../store/teams.js';

export const USAGE = `usage: npm run --silent agents -- <command> [--db FILE]
  add <email> --name NAME [--role agent|admin|product] [--skills a,b] [--team TEAM] [--max-chats N]
  list
  set-role <email> <agent|admin|product>
  reset-password <email>
  add-to-team <email> <team>          (the team must exist; see "team")
  remove-from-team <email> <team>
  team <name> [--skills a,b]          (creates the team, or sets its skills)
  set-cap <email> <N|default>         (open chats the agent may hold at once)
  deactivate <email> | activate <email>
  vip <customer id or e-mail> [--off]`;

export class UsageError extends Error {}

const skillsFlag = (v: string | undefined): string[] | undefined => (v === undefined ? undefined : checkSkills(v.split(',').map((s) => s.trim()).filter(Boolean)));

function roleOf(v: string | undefined): StaffRole {
  if (v !== undefined && (STAFF_ROLES as readonly string[]).includes(v)) return v as StaffRole;
  throw new UsageError(`role must be one of ${STAFF_ROLES.join(', ')}${v ? ` (got "${v}")` : ''}`);
}

async function account(store: Store, email: string | undefined): Promise<StaffAccount> {
  if (!email) throw new UsageError('name the account by its e-mail');
  const a = await store.agents.getByEmail(email);
  if (!a) throw new Error(`no staff account with e-mail ${email}`);
  return a;
}

async function team(store: Store, name: string | undefined) {
  if (!name) throw new UsageError('name the team');
  const t = (await store.teams.getByName(name)) ?? (await store.teams.get(name));
  if (!t) throw new Error(`no team "${name}" (create it with: team "${name}" --skills …)`);
  return t;
}

const show = (store: Store, a: StaffAccount, teams: Map<string, Team[]> | Team[]) => ({
  id: a.id,
  name: a.name,
  email: a.email,
  role: a.role,
  skills: a.skills,
  teams: (Array.isArray(teams) ? teams : (teams.get(a.id) ?? [])).map((t) => t.name),
  active: a.active,
  mustChangePassword: a.mustChangePassword,
  maxChats: a.maxChats,
});

export async function main(argv: string[], env: NodeJS.ProcessEnv = process.env): Promise<Record<string, unknown>> {
  const { flags, positional } = parseArgs(argv);
  const [command, ...args] = positional;
  if (!command) throw new UsageError('no command');
  const store = await openCliStore(cliStoreLocation(loadConfig(env), stringFlag(flags, 'db')));
  try {
    switch (command) {
      case 'add': {
        const name = stringFlag(flags, 'name');
        if (!args[0] || !name) throw new UsageError('add needs an e-mail and --name');
        const teamName = stringFlag(flags, 'team');
        const t = teamName ? await team(store, teamName) : undefined;
        const cap = stringFlag(flags, 'max-chats');
        const password = generatePassword();
        const skills = skillsFlag(stringFlag(flags, 'skills'));
        const a = await store.agents.create({
          name,
          email: args[0],
          password,
          role: flags.role === undefined ? 'agent' : roleOf(stringFlag(flags, 'role')),
          ...(skills ? { skills } : {}),
          mustChangePassword: true,
          ...(cap !== undefined ? { maxChats: Number(cap) } : {}),
        });
        if (t) await store.teams.addMember(t.id, a.id);
        return { ok: true, agent: show(store, a, await store.teams.teamsOf(a.id)), initialPassword: password, note: 'give this password to the person; they must change it when they first sign in' };
      }
      case 'list': {
        const agents = await store.agents.list();
        const teamsOf = await store.teams.teamsOfAgents(agents.map((a) => a.id));
        return { ok: true, agents: agents.map((a) => show(store, a, teamsOf)), teams: (await store.teams.list()).map((t) => ({ name: t.name, skills: t.skills, members: t.memberIds.map((id) => agents.find((a) => a.id === id)?.email) })) };
      }
      case 'set-role': {
        const a = await account(store, args[0]);
        const role = roleOf(args[1] ?? stringFlag(flags, 'role'));
        await store.agents.setRole(a.id, role);
        // Open consoles hold the old role: they sign in again.
        if (role !== a.role) await store.agents.revokeAllSessions(a.id);
        return { ok: true, agent: show(store, (await store.agents.get(a.id))!, await store.teams.teamsOf(a.id)) };
      }
      case 'reset-password': {
        const a = await account(store, args[0]);
        const password = await store.agents.resetPassword(a.id);
        return { ok: true, email: a.email, password, note: 'every session of the account ended; the password must be changed at the next sign-in' };
      }
      case 'add-to-team':
      case 'remove-from-team': {
        const a = await account(store, args[0]);
        const t = await team(store, args[1]);
        const after = command === 'add-to-team' ? await store.teams.addMember(t.id, a.id) : await store.teams.removeMember(t.id, a.id);
        return { ok: true, team: { name: after.name, skills: after.skills, members: await Promise.all(after.memberIds.map(async (id) => (await store.agents.get(id))?.email)) } };
      }
      case 'team': {
        if (!args[0]) throw new UsageError('team needs a name');
        const skills = skillsFlag(stringFlag(flags, 'skills'));
        const existing = await store.teams.getByName(args[0]);
        const t = existing ? (skills ? await store.teams.setSkills(existing.id, skills) : existing) : await store.teams.create({ name: args[0], ...(skills ? { skills } : {}) });
        return { ok: true, created: !existing, team: { id: t.id, name: t.name, skills: t.skills } };
      }
      case 'set-cap': {
        const a = await account(store, args[0]);
        const v = args[1];
        if (v === undefined) throw new UsageError('set-cap needs a number or "default"');
        await store.agents.setMaxChats(a.id, v === 'default' ? null : Number(v));
        return { ok: true, agent: show(store, (await store.agents.get(a.id))!, await store.teams.teamsOf(a.id)) };
      }
      case 'deactivate':
      case 'activate': {
        const a = await account(store, args[0]);
        await store.agents.setActive(a.id, command === 'activate');
        return { ok: true, agent: show(store, (await store.agents.get(a.id))!, await store.teams.teamsOf(a.id)) };
      }
      case 'vip': {
        if (!args[0]) throw new UsageError('vip needs a customer id or e-mail');
        const vip = flags.off !== true;
        return { ok: true, customerId: await store.vip.set(args[0], vip), vip };
      }
      default:
        throw new UsageError(`unknown command "${command}"`);
    }
  } finally {
    await store.close();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main(process.argv.slice(2)).then(
    (r) => process.stdout.write(`${JSON.stringify(r)}\n`),
    (err: unknown) => {
      const usage = err instanceof UsageError;
      process.stderr.write(`agents: ${(err as Error).message}\n${usage ? `${USAGE}\n` : ''}`);
      process.stdout.write(`${JSON.stringify({ ok: false, error: (err as Error).message })}\n`);
      process.exitCode = usage ? 2 : 1;
    },
  );
}
