import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { isRecord, readJsonl } from './jsonl.js';

const dir = mkdtempSync(join(tmpdir(), 'shopbot-jsonl-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const file = (name: string, content: Buffer | string) => {
  const p = join(dir, name);
  writeFileSync(p, content);
  return p;
};
// A validator returns the row or a string saying why the line is rejected, so rows are objects.
const textRow = (v: unknown) => (isRecord(v) && typeof v.text === 'string' ? { text: v.text } : 'needs "text"');
const texts = (rows: { text: string }[]) => rows.map((r) => r.text);

describe('readJsonl', () => {
  it('reads every good line and names each bad one by its line number', async () => {
    const p = file(
      'mixed.jsonl',
      Buffer.concat([
        Buffer.from('\uFEFF{"text":"first, after a BOM"}\r\n'),
        Buffer.from('{"text":"caf'),
        Buffer.from([0xe9, 0x20, 0xff]), // Latin-1 é and a stray byte: not UTF-8
        Buffer.from('"}\n\n{"text":"<script>alert(1)</script> \'; DROP TABLE x;-- 😀 नमस्ते"}\n{bad json\n{"nope":1}\n{"text":"last, no newline"}'),
      ]),
    );
    const { rows, errors } = await readJsonl(p, textRow);
    expect(texts(rows)).toEqual(['first, after a BOM', "<script>alert(1)</script> '; DROP TABLE x;-- 😀 नमस्ते", 'last, no newline']);
    expect(errors.map((e) => e.line)).toEqual([2, 5, 6]);
    expect(errors[0]!.error).toBe('not valid UTF-8 text');
    expect(errors[1]!.error).toMatch(/^invalid JSON/);
    expect(errors[2]!.error).toBe('needs "text"');
  });

  it('skips a line over the size limit, even one spread over many read chunks, and goes on', async () => {
    const huge = `{"text":"${'x'.repeat(300_000)}"}`;
    const p = file('long.jsonl', `{"text":"a"}\n${huge}\n{"text":"b"}\n${huge}`);
    const { rows, errors } = await readJsonl(p, textRow, { maxLineBytes: 100_000 });
    expect(texts(rows)).toEqual(['a', 'b']);
    expect(errors).toEqual([
      { line: 2, error: 'line is longer than 98 KB' },
      { line: 4, error: 'line is longer than 98 KB' },
    ]);
    // Under the default limit the same line is read.
    expect((await readJsonl(p, textRow)).rows).toHaveLength(4);
  });

  it('stops at maxLines with an error saying so', async () => {
    const p = file('many.jsonl', Array.from({ length: 5 }, (_, i) => `{"text":"${i}"}`).join('\n'));
    const { rows, errors } = await readJsonl(p, textRow, { maxLines: 3 });
    expect(texts(rows)).toEqual(['0', '1', '2']);
    expect(errors).toEqual([{ line: 4, error: 'file has more than 3 lines; the rest is ignored' }]);
  });
});
