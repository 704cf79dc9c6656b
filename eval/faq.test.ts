import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { main } from './faq.js';

describe('eval faq', () => {
  const dir = mkdtempSync(join(tmpdir(), 'faq-eval-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('runs on any file in the format and returns exactly the contract keys', async () => {
    const P = join(dir, 'p.jsonl');
    const Q = join(dir, 'q.jsonl');
    writeFileSync(
      P,
      [
        { id: 1, question: 'how do I cancel my order 12345?', answer: 'Open My Orders and press Cancel.', group: 'cancel' },
        { id: 'a2', question: 'I want to cancel a purchase', answer: 'Press Cancel next to the order in My Orders.', group: 'cancel' },
        { id: 'a3', question: 'where is my parcel? mail me at a+b@example.com', answer: 'Use the tracking link we e-mailed you.', group: 'track' },
        { id: 'a4', question: 'track my package please', answer: 'The tracking link is in your confirmation e-mail.', group: 'track' },
        { id: 'a5', question: '¿Puedo pagar con tarjeta? 💳', answer: 'Sí, aceptamos tarjetas.', group: 'payment' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n') + '\n{"id":"broken"\n{"id":"x","question":"","answer":"a","group":"g"}\n',
    );
    writeFileSync(
      Q,
      [
        { question: 'please cancel my order', group: 'cancel' },
        { question: 'where is my package', group: 'track' },
        { question: '<b>DROP TABLE</b> 😀', group: 'none' },
        { question: '', group: 'none' },
      ]
        .map((r) => JSON.stringify(r))
        .join('\n'),
    );
    const out = await main(['--index', P, '--test', Q, '--k', '3']);
    expect(Object.keys(out)).toEqual(['task', 'n', 'hit@1', 'hit@5', 'mrr', 'answered_rate', 'precision_when_answered', 'p95_ms']);
    expect(out.task).toBe('faq');
    expect(out.n).toBe(4);
    expect(out['hit@1']).toBe(1);
    for (const key of ['hit@5', 'mrr', 'answered_rate']) expect(out[key]).toBeGreaterThanOrEqual(0);
    expect(out.answered_rate).toBeLessThanOrEqual(0.5); // the two out-of-scope lines are never answered
    expect(out.p95_ms).toBeGreaterThan(0);
  });

  it('says what is missing', async () => {
    await expect(main(['--index', join(dir, 'nope.jsonl')])).rejects.toThrow(/usage/);
  });
});
