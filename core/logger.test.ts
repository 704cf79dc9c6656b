import { describe, expect, it } from 'vitest';
import { createLogger, levelOfLine, lineLogger } from './logger.js';

/** A logger writing into an array, as JSON or text. */
function capture(level: 'info' | 'debug' | 'warn' = 'info', format: 'json' | 'text' = 'json') {
  const out: string[] = [];
  const logger = createLogger({ level, format, destination: { write: (s: string) => void out.push(s) } });
  return { out, log: lineLogger(logger) };
}

describe('structured logs (core/logger.ts)', () => {
  it("turns a component's '[tag] message' line into one JSON record with a level, time and component", () => {
    const { out, log } = capture();
    log('[gateway] echo failed: socket closed');
    log('[start] store data/shop.db: up to date');
    expect(out).toHaveLength(2);
    const [a, b] = out.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(a).toMatchObject({ level: 'warn', component: 'gateway', msg: 'echo failed: socket closed' });
    expect(b).toMatchObject({ level: 'info', component: 'start', msg: 'store data/shop.db: up to date' });
    expect(typeof a!.time).toBe('string');
    expect(a!.pid).toBe(process.pid);
  });

  it('keeps fields passed along (conversation and request ids) and honours a given level', () => {
    const { out, log } = capture();
    log('[turn] web turn answered in 12 ms', { level: 'info', conversationId: 'c-1', customerId: 'u-1', ms: 12 });
    log('a line without a tag', { requestId: 'r-9' });
    expect(JSON.parse(out[0]!)).toMatchObject({ level: 'info', component: 'turn', conversationId: 'c-1', customerId: 'u-1', ms: 12 });
    expect(JSON.parse(out[1]!)).toMatchObject({ level: 'info', msg: 'a line without a tag', requestId: 'r-9' });
    expect(JSON.parse(out[1]!)).not.toHaveProperty('component');
  });

  it('reads levels from the words of a line and filters below SHOPBOT_LOG_LEVEL', () => {
    expect(levelOfLine('debug: ignored a repeated delivery')).toBe('debug');
    expect(levelOfLine('uncaught: TypeError')).toBe('error');
    expect(levelOfLine('model worker stopped unexpectedly (exit code 1)')).toBe('error');
    expect(levelOfLine('CUDA execution provider unavailable; falling back to CPU')).toBe('warn');
    expect(levelOfLine('imported 12 rows, 0 errors')).toBe('info');
    const { out, log } = capture('info');
    log('[messenger] debug: ignored a repeated delivery of m1');
    expect(out).toEqual([]);
    const verbose = capture('debug');
    verbose.log('[messenger] debug: ignored a repeated delivery of m1');
    expect(JSON.parse(verbose.out[0]!)).toMatchObject({ level: 'debug', component: 'messenger', msg: 'ignored a repeated delivery of m1' });
  });

  it('writes the lines as before in text format, with fields appended', () => {
    const { out, log } = capture('info', 'text');
    log('[start] ShopBot listening on http://127.0.0.1:3000');
    log('[turn] web turn answered in 5 ms', { conversationId: 'c-2' });
    expect(out).toEqual(['[start] ShopBot listening on http://127.0.0.1:3000\n', '[turn] web turn answered in 5 ms (conversationId=c-2)\n']);
  });
});
