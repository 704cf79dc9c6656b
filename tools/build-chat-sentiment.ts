// Builds fixtures/nlu/chat-sentiment-train.jsonl: training data for the chat sentiment head, the
// small classifier on the shared encoder's vector that reads each chat message's sentiment without a
// second transformer pass (nlu/chat-sentiment.ts). Deterministic (seeded shuffle). Sources:
//   tools/train-sentiment-chat.tsv   chat and short review lines written for this project (CC0), x3
//   fixtures/nlu/intents-train.jsonl plain customer-service requests as neutral (Bitext, CDLA-Sharing-1.0;
//                                    complaint, human-agent and small-talk intents left out)
//   SST-2 train (GLUE)               6,000 phrases of >= 4 words, none inside a held-out test sentence
// Texts of the held-out eval fixtures (fixtures/sentiment/*.jsonl) are never used.
// Usage: npx tsx tools/build-chat-sentiment.ts [--datasets ../shared/datasets]
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs, stringFlag } from '../core/args.js';
import { mulberry32 } from './fixtures/rng.js';

const ROOT = resolve(import.meta.dirname, '..');
const { flags } = parseArgs(process.argv.slice(2));
const datasets = resolve(stringFlag(flags, 'datasets') ?? join(ROOT, '..', 'shared', 'datasets'));

type Row = { text: string; label: 'negative' | 'neutral' | 'positive' };
const jsonl = <T>(path: string): T[] => readFileSync(path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as T);

function shuffle<T>(xs: T[], rand: () => number): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

const heldOut = ['chat', 'sst2-heldout', 'product-reviews-binary'].flatMap((f) => jsonl<{ text: string }>(join(ROOT, 'fixtures/sentiment', `${f}.jsonl`)).map((r) => r.text.trim().toLowerCase()));
const heldSet = new Set(heldOut);
const heldSst = jsonl<{ text: string }>(join(ROOT, 'fixtures/sentiment/sst2-heldout.jsonl')).map((r) => r.text.toLowerCase());

const chat: Row[] = readFileSync(join(ROOT, 'tools/train-sentiment-chat.tsv'), 'utf8')
  .split('\n')
  .filter((l) => l.trim() && !l.startsWith('#'))
  .map((l) => {
    const [label, text] = l.split('\t') as [Row['label'], string];
    return { text: text.trim(), label };
  })
  .filter((r) => !heldSet.has(r.text.toLowerCase()));

const NOT_NEUTRAL = new Set(['complaint', 'contact_human_agent', 'contact_customer_service', 'review', 'thanks', 'greeting', 'goodbye', 'chitchat', 'out_of_scope']);
const requests: Row[] = shuffle(
  jsonl<{ text: string; label: string }>(join(ROOT, 'fixtures/nlu/intents-train.jsonl')).filter((r) => !NOT_NEUTRAL.has(r.label) && !heldSet.has(r.text.toLowerCase())),
  mulberry32(7),
)
  .slice(0, 400)
  .map((r) => ({ text: r.text, label: 'neutral' as const }));

const sst: Row[] = [];
const lines = shuffle(readFileSync(join(datasets, 'sst2/train.tsv'), 'utf8').split('\n').slice(1), mulberry32(13));
for (const line of lines) {
  if (sst.length >= 6000) break;
  const tab = line.lastIndexOf('\t');
  if (tab < 0) continue;
  const text = line.slice(0, tab).trim();
  if (text.split(/\s+/).length < 4) continue;
  const lower = text.toLowerCase();
  if (heldSet.has(lower) || heldSst.some((h) => h.includes(lower))) continue;
  sst.push({ text, label: line.slice(tab + 1).trim() === '1' ? 'positive' : 'negative' });
}
const sstPick = sst;

const rows = shuffle([...chat, ...chat, ...chat, ...requests, ...sstPick], mulberry32(42));
const out = join(ROOT, 'fixtures/nlu/chat-sentiment-train.jsonl');
writeFileSync(out, rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
const count = (l: string) => rows.filter((r) => r.label === l).length;
console.error(`wrote ${out}: ${rows.length} lines (negative ${count('negative')}, neutral ${count('neutral')}, positive ${count('positive')})`);
