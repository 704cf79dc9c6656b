import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/index.js';
import { connect, conversationOf, sessionOf, type ChatClient } from '../testing/test-client.js';
import { warmDataDir } from '../testing/test-template.js';

// Fault test: the real server in its own process is killed with SIGKILL while customers' turns are
// running. After a restart on the same data folder every acknowledged message is answered, and
// none twice.

const ROOT = resolve(import.meta.dirname, '..');

function startServer(dataDir: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SHOPBOT_DATA_DIR: dataDir, SHOPBOT_QUIET: '1', SHOPBOT_SECRET: 'fault-test-secret-0123456789' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return new Promise((done, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${log.slice(-2000)}`)), 10 * 60_000);
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      const m = /listening on (http:\/\/[^\s]+)/.exec(log);
      if (m) {
        clearTimeout(timer);
        done({ url: m[1]!, child });
      }
    });
    child.once('exit', (code, signal) => reject(new Error(`server exited (${code ?? signal}):\n${log.slice(-2000)}`)));
  });
}

const killed = (child: ChildProcess) => new Promise<void>((done) => (child.exitCode !== null || child.signalCode !== null ? done() : child.once('exit', () => done())));

describe('a crash during turns', () => {
  let dataDir = '';
  const children: ChildProcess[] = [];
  const clients: ChatClient[] = [];

  afterAll(() => {
    for (const c of clients) c.close();
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    if (dataDir) rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers every acknowledged message exactly once after a restart', async () => {
    dataDir = await warmDataDir('shopbot-fault-');
    const first = await startServer(dataDir);
    children.push(first.child);
    const texts = ['hello', 'how do i return an item?', 'show me headphones under 2000', 'where is my order', 'thanks'];
    const customers = await Promise.all(
      Array.from({ length: 8 }, async () => {
        const c = await connect(first.url, '/chat');
        clients.push(c);
        await c.waitFor((e) => e.event === 'session');
        return c;
      }),
    );
    // Each customer's first message creates them; then a burst that queues turns behind each other.
    for (const c of customers) expect((await c.send({ text: 'hi' })).ok).toBe(true);
    await Promise.all(customers.map((c) => conversationOf(c)));
    const acked = await Promise.all(customers.flatMap((c) => texts.map((text) => c.send({ text }))));
    expect(acked.every((a) => a.ok === true)).toBe(true);
    const tokens = customers.map((c) => sessionOf(c).token);
    const conversations = await Promise.all(customers.map((c) => conversationOf(c)));
    first.child.kill('SIGKILL');
    await killed(first.child);
    for (const c of customers) c.close();

    // Some turns were still owed when the process died (otherwise this test proves nothing).
    const before = openStore(resolve(dataDir, 'shop.db'));
    const owed = (await before.pendingTurns.list()).length;
    before.close();
    expect(owed).toBeGreaterThan(0);

    const second = await startServer(dataDir);
    children.push(second.child);
    const store = openStore(resolve(dataDir, 'shop.db'));
    try {
      const deadline = Date.now() + 120_000;
      while ((await store.pendingTurns.list()).length > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      expect(await store.pendingTurns.list()).toHaveLength(0);
      for (const conversationId of conversations) {
        const transcript = await store.conversations.transcript(conversationId);
        const asked = transcript.filter((m) => m.role === 'customer');
        expect(asked).toHaveLength(texts.length + 1);
        for (const m of asked) {
          const replies = transcript.filter((r) => r.role === 'bot' && (r.payload as { replyTo?: number } | null)?.replyTo === m.seq);
          expect(replies.length, `"${m.text}" (seq ${m.seq}) in ${conversationId}`).toBeGreaterThan(0);
          // Once: no reply text repeated for the same message (a turn run twice would repeat it).
          expect(new Set(replies.map((r) => r.text)).size, `"${m.text}" answered twice`).toBe(replies.length);
        }
      }
      // The customer who reconnects gets what was answered while they were away.
      const back = await connect(second.url, '/chat', { token: tokens[0], afterSeq: 0 });
      clients.push(back);
      await back.waitFor((e) => e.event === 'session');
      expect(sessionOf(back).conversationId).toBe(conversations[0]);
      const lastAsked = (await store.conversations.transcript(conversations[0]!)).filter((m) => m.role === 'customer').at(-1)!.seq;
      await back.waitFor((e) => e.event === 'message' && e.data.role === 'bot' && e.data.replyTo === lastAsked);
    } finally {
      store.close();
      second.child.kill('SIGTERM');
      await killed(second.child);
    }
  }, 900_000);
});
