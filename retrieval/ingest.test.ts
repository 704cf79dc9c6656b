import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder, type LoadedEncoder } from '../nlu/encoder.js';
import { FaqIndex } from './index-store.js';
import { ingestConversations, readConversations } from './ingest.js';

const ROOT = resolve(new URL('..', import.meta.url).pathname);

describe('ingest', () => {
  let enc: LoadedEncoder;
  let dir: string;
  beforeAll(async () => {
    enc = await loadEncoder({ model: join(ROOT, 'models/all-MiniLM-L6-v2') });
    dir = mkdtempSync(join(tmpdir(), 'faq-ingest-test-'));
  });
  afterAll(async () => {
    await enc.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('ingests a JSONL of conversations, and a re-run only adds what is new', async () => {
    const convs = await readConversations(join(ROOT, 'fixtures/retrieval/conversations-small.jsonl'));
    const dbPath = join(dir, 'shop.db');
    const first = await FaqIndex.open({ dbPath, encoder: enc, log: () => undefined });
    const r1 = await ingestConversations(first, convs.slice(0, 5), 5, { quiet: true, batch: 2 });
    expect(r1).toMatchObject({ conversations: 5, skipped: 0, withoutUnit: 2, added: 2, merged: 1, size: 2 });
    await first.close();

    const again = await FaqIndex.open({ dbPath, encoder: enc, log: () => undefined });
    const r2 = await ingestConversations(again, convs, convs.length, { quiet: true });
    expect(r2).toMatchObject({ conversations: 8, skipped: 5, withoutUnit: 0, added: 2, merged: 1, size: 4 });
    const r3 = await ingestConversations(again, convs, convs.length, { quiet: true });
    expect(r3).toMatchObject({ skipped: 8, added: 0, merged: 0, size: 4 });
    const cancel = again.allUnits().find((u) => u.group === 'cancel_order')!;
    expect(cancel.sources).toEqual(['C-1', 'C-2', 'C-7']);
    for (const u of again.allUnits()) expect(`${u.question} ${u.answer}`).not.toMatch(/Priya|Baker|4111|536365|7946|123-4567|priya/);
    await again.close();
  });
});
