import { rmSync } from 'node:fs';
import { openStore, type SqliteStore } from '../store/index.js';
import { start, type Running } from '../app/main.js';
import { connect, type ChatClient } from './test-client.js';
import { warmDataDir } from './test-template.js';

// The real server for one end-to-end test file: a copy of the warm data folder (models, FAQ index,
// seeded store), the server on 127.0.0.1 with a free port, and a second handle on its SQLite file.

export interface TestServerOptions {
  prefix: string;
  env: NodeJS.ProcessEnv;
  /** The file's log lines and open clients: the server appends to the first, close() closes the second. */
  logs: string[];
  clients: ChatClient[];
}

export class TestServer {
  private constructor(
    private readonly opts: TestServerOptions,
    readonly dataDir: string,
    public running: Running,
    public store: SqliteStore,
  ) {}

  static async start(opts: TestServerOptions): Promise<TestServer> {
    const dataDir = await warmDataDir(opts.prefix);
    try {
      const running = await TestServer.boot(opts, dataDir);
      return new TestServer(opts, dataDir, running, openStore(running.config.dbPath));
    } catch (err) {
      rmSync(dataDir, { recursive: true, force: true });
      throw err;
    }
  }

  private static boot(opts: TestServerOptions, dataDir: string): Promise<Running> {
    return start({ port: 0, host: '127.0.0.1', dataDir, env: opts.env, log: (l) => opts.logs.push(l) });
  }

  /** A customer's web chat client on /chat, once its session has arrived; closed by close(). */
  async customerClient(auth: Record<string, unknown> = {}): Promise<ChatClient> {
    const c = await connect(this.running.url, '/chat', auth);
    this.opts.clients.push(c);
    await c.waitFor((e) => e.event === 'session');
    return c;
  }

  /** Closes the clients, the store handle and the server. */
  private async stop(): Promise<void> {
    for (const c of this.opts.clients) c.close();
    this.opts.clients.length = 0;
    this.store.close();
    await this.running.close();
  }

  /** A restart on the same data folder (new port), as after a deploy or a crash. */
  async restart(): Promise<void> {
    await this.stop();
    this.running = await TestServer.boot(this.opts, this.dataDir);
    this.store = openStore(this.running.config.dbPath);
  }

  async close(): Promise<void> {
    await this.stop();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}
