import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { main, parseRedactionRow, scoreRedaction, type RedactionRow } from './redaction.js';
import { redactText, redactUnchecked, type Redaction } from '../retrieval/redact.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'redaction');

/** Every line of a fixture file, parsed and validated (throws on the first bad line). */
function load(name: string): RedactionRow[] {
  return readFileSync(join(FIXTURES, name), 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l, i) => {
      const row = parseRedactionRow(JSON.parse(l));
      if (typeof row === 'string') throw new Error(`${name}:${i + 1}: ${row}`);
      return row;
    });
}

describe('redaction fixtures', () => {
  it('have valid spans: inside the text, non-empty, trimmed, known types, no overlaps', () => {
    const dev = load('dev.jsonl');
    const heldout = load('heldout.jsonl');
    expect(dev.length).toBeGreaterThanOrEqual(200);
    expect(heldout.length).toBeGreaterThanOrEqual(100);
    for (const row of [...dev, ...heldout]) {
      for (const s of row.spans) {
        const value = row.text.slice(s.start, s.end);
        expect(value.trim()).toBe(value);
        expect(value.length).toBeGreaterThan(0);
      }
    }
    // Precision is measured too: both files hold messages without any personal data.
    expect(dev.filter((r) => r.spans.length === 0).length).toBeGreaterThanOrEqual(50);
    expect(heldout.filter((r) => r.spans.length === 0).length).toBeGreaterThanOrEqual(20);
  });

  it('rejects malformed lines', () => {
    const text = 'pay to arjun.k@oksbi now';
    expect(typeof parseRedactionRow({ text, spans: [{ start: 7, end: 20, type: 'UPI_ID' }] })).toBe('object');
    expect(parseRedactionRow({ text, spans: [{ start: 6, end: 20, type: 'UPI_ID' }] })).toMatch(/white space/);
    expect(parseRedactionRow({ text, spans: [{ start: 7, end: 99, type: 'UPI_ID' }] })).toMatch(/outside/);
    expect(parseRedactionRow({ text, spans: [{ start: 7, end: 7, type: 'UPI_ID' }] })).toMatch(/empty/);
    expect(parseRedactionRow({ text, spans: [{ start: 7, end: 20, type: 'VPA' }] })).toMatch(/unknown type/);
    expect(parseRedactionRow({ text, spans: [{ start: 7, end: 15, type: 'UPI_ID' }, { start: 10, end: 20, type: 'UPI_ID' }] })).toMatch(/overlap/);
    expect(parseRedactionRow({ text: '', spans: [] })).toMatch(/text/);
    expect(parseRedactionRow([1, 2])).toMatch(/object/);
  });
});

describe('scoreRedaction', () => {
  it('counts a span as caught only when all its letters and digits are redacted', () => {
    const rows: RedactionRow[] = [
      // "Flat 402, Sunshine Apartments" caught in two pieces; the UPI id only half redacted: leaked.
      {
        text: 'Flat 402, Sunshine Apartments; upi arjun.k@oksbi',
        spans: [
          { start: 0, end: 29, type: 'ADDRESS' },
          { start: 35, end: 48, type: 'UPI_ID' },
        ],
      },
      // Nothing personal; one false redaction. Store phone: reported, not in recall.
      { text: 'Hi team, call 1800 202 9898', spans: [{ start: 14, end: 27, type: 'SUPPORT_PHONE' }] },
      { text: 'Redmi Note 13 is 18,999', spans: [] },
    ];
    const found: Record<string, Redaction[]> = {
      [rows[0]!.text]: [
        { type: 'ADDRESS', value: 'Flat 402', start: 0, end: 8 },
        { type: 'ADDRESS', value: 'Sunshine Apartments', start: 10, end: 29 },
        { type: 'EMAIL', value: 'arjun', start: 35, end: 40 },
      ],
      [rows[1]!.text]: [{ type: 'SUPPORT_PHONE', value: '1800 202 9898', start: 14, end: 27 }],
      [rows[2]!.text]: [{ type: 'NAME', value: 'Redmi', start: 0, end: 5 }],
    };
    const { metrics, misses, falseRedactions } = scoreRedaction(rows, (t) => ({ found: found[t] ?? [] }));
    expect(metrics.n).toBe(2);
    expect(metrics.recall).toBe(0.5);
    expect(metrics.per_type).toEqual({ ADDRESS: { n: 1, recall: 1 }, SUPPORT_PHONE: { n: 1, recall: 1 }, UPI_ID: { n: 1, recall: 0 } });
    expect(metrics.leaked_messages).toBe(1);
    expect(metrics.false_positive_messages).toBe(1);
    expect(metrics.precision).toBe(0.8); // 4 of 5 redactions overlap a gold span
    expect(metrics.type_agreement).toBe(1);
    expect(misses.map((m) => m.value)).toEqual(['arjun.k@oksbi']);
    expect(falseRedactions.map((f) => f.redaction.value)).toEqual(['Redmi']);
    // Redacted letters and digits: "Flat 402" 7, "Sunshine Apartments" 18, "arjun" 5, the phone 11
    // on gold spans; "Redmi" 5 off them.
    expect(metrics.char_precision).toBeCloseTo(41 / 46, 4);
  });

  it('fails a redactor that only knows e-mails, on the same fixtures', () => {
    const rows = load('dev.jsonl').slice(0, 120);
    const emailsOnly = (t: string) => ({
      found: [...t.matchAll(/\S+@\S+\.\w+/g)].map((m) => ({ type: 'EMAIL' as const, value: m[0], start: m.index, end: m.index + m[0].length })),
    });
    expect(scoreRedaction(rows, emailsOnly).metrics.recall).toBeLessThan(0.2);
  });
});

describe('eval redaction', () => {
  it('meets the issue targets on a slice of the dev file (recall >= 0.98, no type below 0.95, precise)', () => {
    const rows = load('dev.jsonl').filter((_, i) => i % 2 === 0);
    const { metrics, misses } = scoreRedaction(rows);
    expect(misses.map((m) => `${m.span.type}: ${m.value}`)).toEqual([]);
    expect(metrics.recall).toBeGreaterThanOrEqual(0.98);
    for (const [type, s] of Object.entries(metrics.per_type)) expect(s.recall, type).toBeGreaterThanOrEqual(0.95);
    expect(metrics.precision).toBeGreaterThanOrEqual(0.95);
    expect(metrics.false_positive_messages).toBeLessThanOrEqual(2);
  });

  it('is idempotent on every fixture message, without ever using its fallback', () => {
    for (const row of [...load('dev.jsonl'), ...load('heldout.jsonl')]) {
      expect(() => redactUnchecked(row.text), row.text).not.toThrow();
      const once = redactText(row.text);
      expect(redactText(once), row.text).toBe(once);
    }
  });

  it('runs as `eval redaction --file` and returns the metrics object', async () => {
    const out = await main(['--file', join(FIXTURES, 'dev.jsonl')]);
    expect(out).toMatchObject({ task: 'redaction', messages: load('dev.jsonl').length });
    expect(Object.keys(out)).toEqual(expect.arrayContaining(['n', 'recall', 'precision', 'per_type', 'leaked_messages']));
  });
});
