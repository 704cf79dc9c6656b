import { describe, expect, it } from 'vitest';
import { ago, HUMAN_AGENT_WINDOW_MS, inboundTime, senderActionAllowed, sendDecision, STANDARD_WINDOW_MS } from './messenger-window.js';
import { backoffMs, classify, parseGraphError, withRetry, type Attempt, type SendFailure } from './messenger-retry.js';

// Meta's windows and the Send API retry policy, with a fake clock and a fake sleep (no waiting).

const NOW = Date.parse('2026-03-10T12:00:00Z');
const HOUR = 60 * 60 * 1000;

describe('Messenger windows (RESPONSE, HUMAN_AGENT tag, closed)', () => {
  it('sends as RESPONSE within 24 hours of the last message, to bots and agents alike', () => {
    for (const sender of ['agent', 'bot'] as const) {
      expect(sendDecision(NOW - 1000, NOW, sender)).toEqual({ send: true, messagingType: 'RESPONSE' });
      expect(sendDecision(NOW - STANDARD_WINDOW_MS, NOW, sender)).toEqual({ send: true, messagingType: 'RESPONSE' });
      // A time ahead of our clock (skew) counts as just now; an unknown one is left to Meta.
      expect(sendDecision(NOW + 5000, NOW, sender)).toEqual({ send: true, messagingType: 'RESPONSE' });
      expect(sendDecision(null, NOW, sender)).toEqual({ send: true, messagingType: 'RESPONSE' });
    }
  });

  it('tags an agent reply HUMAN_AGENT after 24 hours and up to 7 days; a bot message is not sent', () => {
    expect(sendDecision(NOW - STANDARD_WINDOW_MS - 1, NOW, 'agent')).toEqual({ send: true, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    expect(sendDecision(NOW - HUMAN_AGENT_WINDOW_MS, NOW, 'agent')).toEqual({ send: true, messagingType: 'MESSAGE_TAG', tag: 'HUMAN_AGENT' });
    const bot = sendDecision(NOW - 25 * HOUR, NOW, 'bot');
    expect(bot).toMatchObject({ send: false, code: 'bot_outside_window' });
  });

  it('refuses after 7 days with a reason the agent can read', () => {
    const d = sendDecision(NOW - HUMAN_AGENT_WINDOW_MS - 1, NOW, 'agent');
    expect(d.send).toBe(false);
    if (d.send) return;
    expect(d.code).toBe('agent_window_closed');
    expect(d.reason).toMatch(/^The customer last wrote on Messenger 7 days ago.*up to 7 days/);
    expect((sendDecision(NOW - 9 * 24 * HOUR, NOW, 'agent') as { reason: string }).reason).toMatch(/9 days ago/);
  });

  it('allows sender actions (typing, mark_seen) only inside 24 hours', () => {
    expect(senderActionAllowed(NOW - HOUR, NOW)).toBe(true);
    expect(senderActionAllowed(NOW - 25 * HOUR, NOW)).toBe(false);
    expect(senderActionAllowed(null, NOW)).toBe(true);
  });

  it("takes Meta's timestamp for the last message when plausible, else the time it arrived", () => {
    expect(inboundTime(NOW - 2 * HOUR, NOW)).toBe(NOW - 2 * HOUR);
    expect(inboundTime(String(NOW - HOUR), NOW)).toBe(NOW - HOUR);
    expect(inboundTime(NOW + 30_000, NOW)).toBe(NOW);
    expect(inboundTime(NOW + 10 * 60_000, NOW)).toBe(NOW);
    expect(inboundTime(1, NOW)).toBe(NOW);
    expect(inboundTime(undefined, NOW)).toBe(NOW);
    expect(inboundTime('soon', NOW)).toBe(NOW);
  });

  it('says how long ago in minutes, hours or days', () => {
    expect(ago(1 * 60_000)).toBe('1 minute');
    expect(ago(90 * 60_000)).toBe('90 minutes');
    expect(ago(26 * HOUR)).toBe('26 hours');
    expect(ago(8 * 24 * HOUR)).toBe('8 days');
  });
});

describe('Send API retry policy', () => {
  const graph = (status: number, error: Record<string, unknown>) => parseGraphError(status, JSON.stringify({ error }));

  it('retries server errors, network failures, codes 1 and 2, rate limits and is_transient', () => {
    const transient: SendFailure[] = [
      { status: 500 },
      { status: 503 },
      { status: 429 },
      { network: true, message: 'ECONNRESET' },
      graph(500, { code: 1, message: 'An unknown error occurred' }),
      graph(500, { code: 2, message: 'Service temporarily unavailable' }),
      graph(400, { code: 4, message: 'Application request limit reached' }),
      graph(400, { code: 32, message: 'Page request limit reached' }),
      graph(400, { code: 613, message: 'Calls to this api have exceeded the rate limit' }),
      graph(400, { code: 9999, message: 'Odd', is_transient: true }),
    ];
    for (const f of transient) expect(classify(f).retry, JSON.stringify(f)).toBe(true);
  });

  it('never retries permanent errors and says why in words', () => {
    const cases: [SendFailure, RegExp][] = [
      [graph(400, { code: 551, message: 'This person isn\u2019t available right now.' }), /cannot receive messages/],
      [graph(400, { code: 10, error_subcode: 2018278, message: 'Message sent outside of allowed window' }), /outside the allowed reply window \(Meta error 10\/2018278\)/],
      [graph(400, { code: 100, message: 'Invalid parameter' }), /invalid \(Meta error 100\): Invalid parameter/],
      [graph(401, { code: 190, message: 'Invalid OAuth access token' }), /access token is invalid/],
      [graph(403, { code: 200, message: 'Permissions error' }), /permission/],
      // A code Meta marks permanent wins over a 5xx status.
      [graph(500, { code: 190 }), /access token/],
      [{ status: 400 }, /HTTP 400/],
    ];
    for (const [f, why] of cases) {
      const v = classify(f);
      expect(v.retry, JSON.stringify(f)).toBe(false);
      expect(v.reason).toMatch(why);
    }
    expect(parseGraphError(502, '<html>Bad gateway</html>')).toEqual({ status: 502, message: '<html>Bad gateway</html>' });
  });

  it('backs off exponentially with a cap and bounded jitter', () => {
    const p = { attempts: 6, baseMs: 500, maxMs: 3000 };
    expect([1, 2, 3, 4, 5].map((n) => backoffMs(n, p, () => 0))).toEqual([500, 1000, 2000, 3000, 3000]);
    expect(backoffMs(1, p, () => 1)).toBe(600);
  });

  it('retries a transient failure after the back-off, stops at once on a permanent one, and gives up after the last try', async () => {
    const waits: number[] = [];
    const sleep = async (ms: number) => void waits.push(ms);
    const script = (answers: Attempt<string>[]) => {
      let i = 0;
      return async () => answers[Math.min(i++, answers.length - 1)]!;
    };
    const ok = await withRetry(script([{ ok: false, failure: { status: 500 } }, { ok: true, value: 'mid.1' }]), { sleep, random: () => 0 });
    expect(ok).toEqual({ ok: true, value: 'mid.1', attempts: 2 });
    expect(waits).toEqual([500]);

    waits.length = 0;
    const permanent = await withRetry(script([{ ok: false, failure: graph(400, { code: 551 }) }, { ok: true, value: 'never' }]), { sleep });
    expect(permanent).toMatchObject({ ok: false, attempts: 1, retried: false });
    expect(waits).toEqual([]);

    const exhausted = await withRetry(script([{ ok: false, failure: { status: 503 } }]), { sleep, random: () => 0, policy: { attempts: 3, baseMs: 100, maxMs: 1000 } });
    expect(exhausted).toMatchObject({ ok: false, attempts: 3, retried: true });
    expect((exhausted as { reason: string }).reason).toMatch(/HTTP 503.*Gave up after 3 tries/);
    expect(waits).toEqual([100, 200]);
  });
});
