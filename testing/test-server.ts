import { rmSync } from 'node:fs';
import { openStore, type SqliteStore } from '../store/index.js';
import { start, type Running } from '../app/main.js';
import { connect, fakeGraph, type ChatClient, type FakeGraph } from './test-client.js';
import { warmDataDir } from './test-template.js';

// The real server for one end-to-end test file: a copy of the warm data folder (models, FAQ index,
// seeded store), the server on 127.0.0.1 with a free port, and a second handle on its SQLite file.

export interface TestServerOptions {
  prefix: string;
  env: NodeJS.ProcessEnv;
  /**
   * The file's log lines and open clients: the server appends to the first, close() closes the
   * second. Without them, fresh lists (`server.logs`; the clients that customerClient() and
   * staffClient() opened).
   */
  logs?: string[];
  clients?: ChatClient[];
  /**
   * Messenger on, signed with this app secret, its Graph API a local fake (`server.graph`) that
   * close() closes after the server. `env` may set more MESSENGER_* (a page name, user locales).
   */
  messenger?: { appSecret: string };
}

/** The Messenger settings of a server whose Graph API is `graph`, with webhooks signed by `appSecret`. */
export function messengerEnv(graph: FakeGraph, appSecret: string): NodeJS.ProcessEnv {
  return { MESSENGER_APP_SECRET: appSecret, MESSENGER_VERIFY_TOKEN: 'verify-me', MESSENGER_PAGE_TOKEN: 'page-token', MESSENGER_GRAPH_BASE: graph.url };
}

type Started = TestServerOptions & Required<Pick<TestServerOptions, 'logs' | 'clients'>>;

export class TestServer {
  private constructor(
    private readonly opts: Started,
    readonly dataDir: string,
    public running: Running,
    public store: SqliteStore,
    private readonly fakeGraph: FakeGraph | null,
  ) {}

  static async start(options: TestServerOptions): Promise<TestServer> {
    const graph = options.messenger ? await fakeGraph() : null;
    const env = graph && options.messenger ? { ...options.env, ...messengerEnv(graph, options.messenger.appSecret) } : options.env;
    const opts: Started = { ...options, env, logs: options.logs ?? [], clients: options.clients ?? [] };
    let dataDir: string | undefined;
    try {
      dataDir = await warmDataDir(opts.prefix);
      const running = await TestServer.boot(opts, dataDir);
      return new TestServer(opts, dataDir, running, openStore(running.config.dbPath), graph);
    } catch (err) {
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      await graph?.close();
      throw err;
    }
  }

  /** The fake of Meta's Graph API the server sends Messenger messages to (started with `messenger`). */
  get graph(): FakeGraph {
    if (!this.fakeGraph) throw new Error('this TestServer was started without messenger');
    return this.fakeGraph;
  }

  /** The server's log lines. */
  get logs(): string[] {
    return this.opts.logs;
  }

  private static boot(opts: Started, dataDir: string): Promise<Running> {
    return start({ port: 0, host: '127.0.0.1', dataDir, env: opts.env, log: (l) => opts.logs.push(l) });
  }

  /** A customer's web chat client on /chat, once its session has arrived; closed by close(). */
  async customerClient(auth: Record<string, unknown> = {}): Promise<ChatClient> {
    const c = await connect(this.running.url, '/chat', auth);
    this.opts.clients.push(c);
    await c.waitFor((e) => e.event === 'session');
    return c;
  }

  /** A staff client on /agents, signed in with a session token; closed by close(). */
  async staffClient(token: string): Promise<ChatClient> {
    const c = await connect(this.running.url, '/agents', { token });
    this.opts.clients.push(c);
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
    await this.fakeGraph?.close();
  }
}
