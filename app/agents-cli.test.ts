import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import { tempDir } from '../testing/store-helpers.js';
import { main, UsageError } from './agents-cli.js';

// `npm run agents -- …` (issue #18 item 2) on a real SQLite file: staff and teams from the command line.

let dir: ReturnType<typeof tempDir>;
let db: string;
beforeEach(() => {
  dir = tempDir('shopbot-agents-cli-');
  db = join(dir.dir, 'shop.db');
});
afterEach(() => dir.cleanup());

const run = (...argv: string[]) => main([...argv, '--db', db], {});

describe('agents CLI', () => {
  it('adds an agent with a generated password to change at first sign-in, in a team with skills; lists, re-roles, resets', async () => {
    expect(await run('team', 'Payments', '--skills', 'payments,refunds')).toMatchObject({ ok: true, created: true, team: { name: 'Payments', skills: ['payments', 'refunds'] } });
    const added = await run('add', 'mei@example.com', '--name', 'Mei', '--skills', 'orders', '--team', 'payments', '--max-chats', '4');
    expect(added).toMatchObject({ ok: true, agent: { name: 'Mei', email: 'mei@example.com', role: 'agent', skills: ['orders'], teams: ['Payments'], mustChangePassword: true, maxChats: 4 } });
    const password = String(added.initialPassword);
    expect(password).toMatch(/^[A-Za-z0-9-]{19}$/);
    const store = openStore(db);
    try {
      const mei = (await store.agents.verifyPassword('mei@example.com', password))!;
      expect(mei.mustChangePassword).toBe(true);
      // the session that password gives may do nothing but change it
      expect(await store.agents.verifySession((await store.agents.createSession(mei.id)).token)).toBeNull();
      expect([...(await store.teams.skillsOf([mei.id])).get(mei.id)!].sort()).toEqual(['orders', 'payments', 'refunds']);
    } finally {
      store.close();
    }
    expect(await run('set-role', 'mei@example.com', 'admin')).toMatchObject({ agent: { role: 'admin' } });
    const reset = await run('reset-password', 'MEI@example.com');
    expect(reset.password).not.toBe(password);
    const listed = await run('list');
    expect(listed.agents).toEqual([expect.objectContaining({ email: 'mei@example.com', role: 'admin', teams: ['Payments'], mustChangePassword: true })]);
    expect(listed.teams).toEqual([{ name: 'Payments', skills: ['payments', 'refunds'], members: ['mei@example.com'] }]);
    expect(await run('remove-from-team', 'mei@example.com', 'Payments')).toMatchObject({ team: { members: [] } });
    expect(await run('add-to-team', 'mei@example.com', 'Payments')).toMatchObject({ team: { members: ['mei@example.com'] } });
    expect(await run('set-cap', 'mei@example.com', 'default')).toMatchObject({ agent: { maxChats: null } });
    expect(await run('deactivate', 'mei@example.com')).toMatchObject({ agent: { active: false } });
    expect(await run('activate', 'mei@example.com')).toMatchObject({ agent: { active: true } });
  });

  it('says clearly what is wrong', async () => {
    await expect(run()).rejects.toBeInstanceOf(UsageError);
    await expect(run('fire', 'x@example.com')).rejects.toThrow(/unknown command "fire"/);
    await expect(run('add', 'x@example.com')).rejects.toThrow(/--name/);
    await expect(run('add', 'x@example.com', '--name', 'X', '--role', 'owner')).rejects.toThrow(/role must be one of agent, admin, product/);
    await expect(run('add', 'not-an-email', '--name', 'X')).rejects.toThrow(/not an e-mail/);
    await expect(run('add', 'x@example.com', '--name', 'X', '--team', 'Ghosts')).rejects.toThrow(/no team "Ghosts"/);
    await expect(run('add', 'x@example.com', '--name', 'X', '--max-chats', 'lots')).rejects.toThrow(/0 to 100/);
    await run('add', 'x@example.com', '--name', 'X');
    await expect(run('add', 'X@example.com', '--name', 'X again')).rejects.toThrow(/already exists/);
    await expect(run('set-role', 'nobody@example.com', 'admin')).rejects.toThrow(/no staff account with e-mail nobody@example.com/);
    await expect(run('add-to-team', 'x@example.com', 'Ghosts')).rejects.toThrow(/no team/);
    await expect(run('set-cap', 'x@example.com')).rejects.toThrow(/number or "default"/);
    await expect(run('vip', 'nobody@example.org')).rejects.toThrow(/no customer/);
  });

  it('runs as `npm run agents` (one JSON line; usage errors exit with 2)', async () => {
    const exec = promisify(execFile);
    const root = join(import.meta.dirname, '..');
    const ok = await exec('npm', ['run', '--silent', 'agents', '--', 'add', 'ravi@example.com', '--name', 'Ravi', '--db', db], { cwd: root });
    expect(JSON.parse(ok.stdout.trim().split('\n').pop()!)).toMatchObject({ ok: true, agent: { email: 'ravi@example.com' } });
    const bad = await exec('npm', ['run', '--silent', 'agents', '--', 'set-role', 'ravi@example.com', 'boss', '--db', db], { cwd: root }).catch((e: { code: number; stderr: string }) => e);
    expect((bad as { code: number }).code).toBe(2);
    expect((bad as { stderr: string }).stderr).toMatch(/role must be one of[\s\S]*usage: npm run --silent agents/);
  }, 60_000);
});
