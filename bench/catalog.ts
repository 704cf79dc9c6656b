import { spawn } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { importFile } from '../api/import/run.js';
import { connect } from '../testing/test-client.js';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { isRecord } from '../core/jsonl.js';
import { loadConfig } from '../core/config.js';
import { loadConfiguredEncoder } from '../nlu/off-thread.js';
import { ApiKeyRepo } from '../store/api-keys.js';
import { openDatabase } from '../store/db.js';
import { SqliteSql } from '../store/sql/sqlite.js';
import { emit, percentile, round } from './stats.js';

// Catalogue changes (`npm run bench -- catalog`):
//   import:   `npm run import` of a Shopify product CSV built from the demo catalogue (new ids) into
//             a fresh database: products per second, embedding included (inline encoder, as the
//             command runs it; the model load is timed apart)
//   upsert:   the real server (app/main.ts in its own process, on a copy of the warm data folder):
//             one product upserted through the admin API, then a web chat asks for it. Time to the
//             API's answer (the product is then in search and recommendations) and to the first
//             chat reply showing its card; batches of 100 and 1,000 new products; a deletion.
export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const config = loadConfig();
  const n = intFlag(flags, 'n', 1_000_000);
  const rounds = intFlag(flags, 'rounds', 5);
  const phases = (stringFlag(flags, 'phases') ?? 'import,upsert').split(',');
  const out: Record<string, unknown> = { bench: 'catalog' };
  const products = readFileSync(resolve(config.fixturesDir, 'store/products.jsonl'), 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Record<string, unknown>)
    .filter(isRecord)
    .slice(0, n);

  if (phases.includes('import')) {
    const dir = mkdtempSync(join(tmpdir(), 'shopbot-bench-import-'));
    try {
      const csv = join(dir, 'products.csv');
      const q = (s: unknown) => `"${String(s ?? '').replace(/"/g, '""')}"`;
      const lines = ['Handle,Title,Body (HTML),Vendor,Product Category,Type,Tags,Published,Variant Inventory Qty,Variant Price,Image Src,Status'];
      for (const p of products) lines.push([q(`bench-${String(p.id).toLowerCase()}`), q(p.title), q(String(p.description ?? '').replace(/\n/g, '<br>')), '', q(p.category), '', '', 'TRUE', q(p.stock), q(p.price), q(p.image ?? ''), 'active'].join(','));
      writeFileSync(csv, lines.join('\n') + '\n');
      const db = openDatabase(join(dir, 'shop.db'));
      const t0 = performance.now();
      const encoder = await loadConfiguredEncoder(config, { inference: 'inline', over: { log: () => {} } });
      const loadS = (performance.now() - t0) / 1000;
      const r = await importFile({ file: csv, format: 'shopify', db, currency: 'INR', encoder, cacheDir: dir, silent: true });
      await encoder.close();
      db.close();
      const imported = r.counts.products.inserted;
      const phase = {
        phase: 'import',
        products: imported,
        seconds: r.seconds,
        embed_seconds: r.embedSeconds,
        model_load_seconds: round(loadS, 2),
        products_per_s: r.productsPerSecond,
        products_per_s_with_model_load: round(imported / (r.seconds + loadS), 1),
        onnx_threads: config.encoder.threads || 'default (all cores)',
      };
      emit(phase);
      out.import = phase;
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }

  if (phases.includes('upsert')) {
    const source = resolve(stringFlag(flags, 'data-dir') ?? join(config.root, 'data'));
    if (!existsSync(join(source, 'shop.db'))) throw new Error(`${source} has no warm data folder: start the server once (npm start) or pass --data-dir`);
    const dataDir = mkdtempSync(join(tmpdir(), 'shopbot-bench-upsert-'));
    cpSync(source, dataDir, { recursive: true });
    rmSync(join(dataDir, 'session.key'), { force: true });
    const keyDb = openDatabase(join(dataDir, 'shop.db'));
    const key = (await new ApiKeyRepo(new SqliteSql(keyDb)).create({ name: 'bench' })).key;
    keyDb.close();
    const server = await startServer(config.root, dataDir);
    try {
      const post = async (path: string, body: unknown) => {
        const t = performance.now();
        const res = await fetch(`${server.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        const json = (await res.json()) as Record<string, unknown>;
        if (res.status !== 200) throw new Error(`${path}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
        return { ms: performance.now() - t, json };
      };
      // A fresh guest per request: one guest asking for ten unknown things in a row reads as a
      // frustrated customer to the bot, which then offers a person instead of cards.
      let client = await connect(server.url, '/chat');
      await client.waitFor((e) => e.event === 'session');
      const freshGuest = async () => {
        client.close();
        client = await connect(server.url, '/chat');
        await client.waitFor((e) => e.event === 'session');
      };
      /** Sends a message; resolves with the product ids on the cards of the reply. */
      const ask = async (text: string): Promise<string[]> => {
        const from = client.events.length;
        await client.send({ text });
        await client.waitFor((e) => e.event === 'message' && (e.data as { role?: string }).role !== 'customer', { from, timeoutMs: 30_000 });
        await new Promise((r) => setTimeout(r, 300));
        return client.events
          .slice(from)
          .filter((e) => e.event === 'card')
          .flatMap((e) => (e.data as { cards: { buttons: { value?: string }[] }[] }).cards)
          .map((c) => c.buttons.map((b) => /"productId":"([^"]+)"/.exec(b.value ?? '')?.[1]).find(Boolean) ?? '');
      };
      await ask('hello'); // warm
      const words = ['zorblax', 'quintaro', 'mervique', 'falloon', 'drazzle', 'pellimor', 'snorvik', 'tarquell', 'wumbrel', 'glissom'];
      const api: number[] = [];
      const chat: number[] = [];
      const asks: number[] = [];
      for (let r = 0; r < rounds; r++) {
        const word = words[r % words.length]!;
        const id = `P-BENCH-${word}-${r}`;
        await freshGuest();
        const t0 = performance.now();
        const up = await post('/api/admin/v1/products', { products: [{ id, title: `${word} ceramic pour-over coffee dripper`, category: 'Home & Kitchen > Coffee', price: 899, stock: 5, description: 'Hand-glazed ceramic dripper for one or two cups.' }] });
        api.push(up.ms);
        // the first chat reply that shows its card (asked again only if a reply comes without it)
        let shown = false;
        let tries = 0;
        for (; tries < 20 && !shown; tries++) {
          const from = client.events.length;
          await client.send({ text: `show me a ${word} coffee dripper` });
          shown = await client
            .waitFor((e) => e.event === 'card' && JSON.stringify(e.data).includes(`\\"productId\\":\\"${id}\\"`), { from, timeoutMs: 5_000 })
            .then(
              () => true,
              () => false,
            );
        }
        if (!shown) throw new Error(`the chat never showed ${id}`);
        chat.push(performance.now() - t0);
        asks.push(tries);
        if (tries > 1) {
          const said = client.events.filter((e) => e.event === 'message' && (e.data as { role?: string }).role !== 'customer').slice(-4).map((e) => String((e.data as { text?: string }).text ?? '').slice(0, 120));
          emit({ phase: 'note', round: r, word, asks: tries, bot_said: said });
        }
      }
      const upsert = { phase: 'upsert_one', rounds, api_response_ms_p50: round(percentile(api, 50), 1), api_response_ms_max: round(Math.max(...api), 1), to_chat_card_ms_p50: round(percentile(chat, 50), 1), to_chat_card_ms_max: round(Math.max(...chat), 1), shown_at_first_ask: asks.filter((a) => a === 1).length };
      emit(upsert);
      out.upsert_one = upsert;
      for (const size of [100, 1000]) {
        // new text (so every product is embedded, not found in the vector cache)
        const rows = products.slice(0, size).map((p) => ({ id: `bench-${size}-${String(p.id)}`, title: `${String(p.title)} (bench edition ${size})`, description: String(p.description ?? ''), category: String(p.category), price: Number(p.price), stock: Number(p.stock) }));
        const b = await post('/api/admin/v1/products', { products: rows });
        const phase = { phase: `upsert_batch_${size}`, products: size, api_response_ms: round(b.ms, 1), products_per_s: round(size / (b.ms / 1000), 1), catalog: b.json.catalog };
        emit(phase);
        out[`upsert_batch_${size}`] = phase;
      }
      const gone = `P-BENCH-${words[0]}-0`;
      const d = await post('/api/admin/v1/products/delete', { ids: [gone] });
      await freshGuest();
      const after = await ask(`show me a ${words[0]} coffee dripper`);
      const del = { phase: 'delete_one', api_response_ms: round(d.ms, 1), still_suggested: after.includes(gone) };
      emit(del);
      out.delete_one = del;
      client.close();
    } finally {
      await server.stop();
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  return out;
}

function startServer(root: string, dataDir: string): Promise<{ url: string; stop(): Promise<void> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    cwd: root,
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', SHOPBOT_DATA_DIR: dataDir, SHOPBOT_QUIET: '1' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let log = '';
  return new Promise((resolveStart, reject) => {
    child.stderr!.setEncoding('utf8');
    child.stderr!.on('data', (chunk: string) => {
      log += chunk;
      const m = /listening on (http:\/\/[^\s]+)/.exec(log);
      if (m)
        resolveStart({
          url: m[1]!,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null || child.signalCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGTERM');
            }),
        });
    });
    child.once('exit', (code) => reject(new Error(`server exited with code ${code}:\n${log.slice(-2000)}`)));
  });
}
