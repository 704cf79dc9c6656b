import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Tests that run the whole bot need a seeded database, a trained intent head, a built FAQ index and
// embedded catalogue: minutes of work on 2 cores. The first test file of a vitest run that needs it
// builds one warm data folder (through the real start()), every file then gets its own copy.
// Worker forks share the vitest main process as parent, so `ppid` names the run; the global
// teardown (vitest.teardown.ts) deletes the template when the run ends.

export function templateRoot(runPid = process.ppid): string {
  // A developer running several test commands can keep one template for all of them.
  if (process.env.SHOPBOT_TEST_TEMPLATE) return process.env.SHOPBOT_TEST_TEMPLATE;
  return join(tmpdir(), `shopbot-template-${runPid}`);
}

async function build(dataDir: string): Promise<void> {
  const { start } = await import('../app/main.js');
  const running = await start({ port: 0, host: '127.0.0.1', dataDir, env: { ...process.env, SHOPBOT_QUIET: '1' }, log: () => {} });
  await running.close();
}

/** A fresh copy of the warm data folder, for one test file to own. */
export async function warmDataDir(prefix = 'shopbot-test-'): Promise<string> {
  const root = templateRoot();
  const data = join(root, 'data');
  const ready = join(root, 'READY');
  let owner = false;
  try {
    mkdirSync(root);
    owner = true;
  } catch {
    // another test file is building it
  }
  if (owner) {
    try {
      await build(data);
      writeFileSync(ready, new Date().toISOString());
    } catch (err) {
      writeFileSync(join(root, 'FAILED'), String((err as Error).stack ?? err));
      throw err;
    }
  } else {
    const deadline = Date.now() + 20 * 60_000;
    while (!existsSync(ready)) {
      if (existsSync(join(root, 'FAILED'))) throw new Error('building the warm test data folder failed in another test file');
      if (Date.now() > deadline) throw new Error('timed out waiting for the warm test data folder');
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  const dir = mkdtempSync(join(tmpdir(), prefix));
  cpSync(data, dir, { recursive: true });
  rmSync(join(dir, 'session.key'), { force: true });
  return dir;
}
