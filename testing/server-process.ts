import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

// The real server in a child process (`tsx app/main.ts`), as production runs it: one per node in the
// several-node test and the chat bench. Started on 127.0.0.1 with a free port; resolves once it
// listens. SIGKILL stands in for a node that dies.

const ROOT = resolve(import.meta.dirname, '..');
/** The tail of a node's log kept for error messages. */
const LOG_TAIL = 200_000;

export interface ServerProcess {
  /** A name for messages ("A", "B", "default"...). */
  name: string;
  url: string;
  child: ChildProcess;
  /** The tail of its stderr (its log). */
  log(): string;
  /** Resident memory in MiB, or NaN once it exited. */
  rssMb(): number;
  /** SIGTERM (a clean stop); resolves when it exited. */
  stop(): Promise<void>;
  /** SIGKILL (the node dies: nothing is flushed or closed); resolves when it exited. */
  kill(): Promise<void>;
}

export interface StartServerOptions {
  name?: string;
  dataDir: string;
  env?: Record<string, string>;
  /** How long the start may take (default 30 min: a cold data folder seeds and embeds everything). */
  timeoutMs?: number;
}

export function startServerProcess(o: StartServerOptions): Promise<ServerProcess> {
  const name = o.name ?? 'server';
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SHOPBOT_DATA_DIR: o.dataDir, SHOPBOT_QUIET: '1', ...o.env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  const signal = (sig: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(sig);
    return exited;
  };
  return new Promise((resolveStart, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`node ${name} did not start in ${o.timeoutMs ?? 30 * 60_000} ms:\n${log.slice(-3000)}`));
    }, o.timeoutMs ?? 30 * 60_000);
    let started = false;
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log = (log + chunk).slice(-LOG_TAIL);
      const m = started ? null : /listening on (http:\/\/[^\s"]+)/.exec(log);
      if (!m) return;
      started = true;
      clearTimeout(timer);
      resolveStart({
        name,
        url: m[1]!,
        child,
        log: () => log,
        rssMb: () => {
          try {
            const kb = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
            return kb ? Math.round(Number(kb) / 102.4) / 10 : NaN;
          } catch {
            return NaN;
          }
        },
        stop: () => signal('SIGTERM'),
        kill: () => signal('SIGKILL'),
      });
    });
    child.once('exit', (code, sig) => {
      clearTimeout(timer);
      if (!started) reject(new Error(`node ${name} exited (${sig ?? `code ${code}`}) before listening:\n${log.slice(-3000)}`));
    });
  });
}
