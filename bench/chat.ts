import { mkdirSync } from 'node:fs';
import { resolve } from 'node:path';
import { intFlag, parseArgs, stringFlag } from '../core/args.js';
import { start } from '../bot/main.js';
import { botTexts, connect, type ChatClient } from '../bot/test-client.js';
import { emit, percentile, round, rssMb } from './stats.js';

// N simulated customers chatting at once through socket.io against the real bot (real models,
// store, index, recommender) on 127.0.0.1. Latency: from sending a message to the bot's first
// reply message. Every message must get its reply: `lost` counts those that did not.

const LINES = [
  'hi',
  'show me a usb charging cable under 500',
  'where is my order?',
  'what payment methods do you accept?',
  'I need wireless earbuds',
  'how do I get a refund?',
  'cheaper?',
  'thanks',
  'do you have a kindle?',
  'how long does delivery take?',
];

export async function main(argv: string[]): Promise<Record<string, unknown>> {
  const { flags } = parseArgs(argv);
  const clients = intFlag(flags, 'clients', 200);
  const perClient = intFlag(flags, 'messages', 3);
  const timeoutMs = intFlag(flags, 'timeout-ms', 60_000);
  let url = stringFlag(flags, 'url');
  let stop: (() => Promise<void>) | null = null;
  if (!url) {
    const dataDir = resolve(stringFlag(flags, 'data-dir') ?? 'data');
    mkdirSync(dataDir, { recursive: true });
    // The rate limit protects real customers; the simulated ones all come from one test harness.
    const running = await start({ port: 0, host: '127.0.0.1', dataDir, env: { ...process.env, SHOPBOT_QUIET: '1' }, log: () => {} });
    url = running.url;
    stop = running.close;
  }
  emit({ phase: 'server', url, rss_mb: rssMb() });

  const conns: ChatClient[] = [];
  for (let i = 0; i < clients; i += 50) conns.push(...(await Promise.all(Array.from({ length: Math.min(50, clients - i) }, () => connect(url!, '/chat')))));
  emit({ phase: 'connected', clients: conns.length });

  const latencies: number[] = [];
  let lost = 0;
  let sent = 0;
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (c, ci) => {
      await c.waitFor((e) => e.event === 'session');
      for (let m = 0; m < perClient; m++) {
        const text = LINES[(ci * 7 + m * 3) % LINES.length]!;
        const from = c.events.length;
        const t = performance.now();
        sent++;
        try {
          const ack = await c.send({ text });
          if (!ack.ok) {
            lost++;
            continue;
          }
          await c.waitFor(() => botTexts(c, from).length > 0, { from, timeoutMs });
          latencies.push(performance.now() - t);
        } catch {
          lost++;
        }
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  for (const c of conns) c.close();
  const rss = rssMb();
  if (stop) await stop();
  return {
    bench: 'chat',
    clients,
    messages: sent,
    lost,
    msgs_per_s: round(sent / seconds, 1),
    p50_ms: round(percentile(latencies, 50), 1),
    p95_ms: round(percentile(latencies, 95), 1),
    rss_mb: rss,
  };
}
