import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadEncoder, type LoadedEncoder } from '../nlu/encoder.js';
import type { StaffRole, Store } from '../store/index.js';
import { tempStore } from '../testing/store-helpers.js';
import { defaultTexts } from '../core/i18n.js';
import { AGENTS, expectedFigures, REPORT_DAYS, seedReportScenario, SETTLED_NOW, TEAMS } from '../testing/reports-scenario.js';

// The servers here run with the store's default settings: report days are Asia/Kolkata's.
const STORE_ZONE = defaultTexts.settings.timeZone;
import type { ReportBody } from './reports-api.js';
import { pageServer } from '../testing/web-helpers.js';

// The reports API on the page routes over a real SQLite file seeded with the reports scenario: the
// figures it returns are those computed from the scenario itself; admins only; CSV export.

const MODEL = join(fileURLToPath(new URL('.', import.meta.url)), '..', 'models', 'all-MiniLM-L6-v2');

async function token(store: Store, role: StaffRole): Promise<string> {
  const a = await store.agents.create({ name: `Reports ${role}`, email: `reports-${role}@example.com`, password: 'reports-password', role });
  return (await store.agents.createSession(a.id)).token;
}

describe('reports API', () => {
  let t: ReturnType<typeof tempStore>;
  let clock = 0;
  let server: Awaited<ReturnType<typeof pageServer>>;
  let plain: Awaited<ReturnType<typeof pageServer>>;
  let encoder: LoadedEncoder;
  let admin: Record<string, string>;
  let agents: Record<string, string>;
  const query = `from=${REPORT_DAYS.from}&to=${REPORT_DAYS.to}`;

  beforeAll(async () => {
    t = tempStore(() => clock || Date.now());
    agents = await seedReportScenario(t.store, (ms) => (clock = ms));
    clock = 0;
    encoder = await loadEncoder({ model: MODEL, log: () => {} });
    server = await pageServer(t.store, { encoder });
    plain = await pageServer(t.store);
    admin = { authorization: `Bearer ${await token(t.store, 'admin')}` };
  }, 120_000);
  afterAll(async () => {
    await server?.close();
    await plain?.close();
    await encoder?.close();
    t?.cleanup();
  });

  const get = async (s: typeof server, path: string, headers = admin) => {
    const r = await s.get(path, headers);
    return { ...r, json: () => JSON.parse(r.body) as ReportBody };
  };

  it('is for admins only', async () => {
    expect((await get(server, `/api/reports?${query}`, {})).status).toBe(401);
    expect((await get(server, `/api/reports/export.csv?${query}`, { authorization: 'Bearer nope' })).status).toBe(401);
    for (const role of ['agent', 'product'] as const) {
      const headers = { authorization: `Bearer ${await token(t.store, role)}` };
      expect((await get(server, `/api/reports?${query}`, headers)).status).toBe(403);
      expect((await get(server, `/api/reports/export.csv?${query}`, headers)).status).toBe(403);
    }
    const r = await get(server, `/api/reports?${query}`);
    expect(r.status).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
  });

  it('refuses malformed ranges with 400', async () => {
    for (const q of ['from=2026-02-30', 'from=yesterday', 'from=2026-03-09&to=2026-03-01', 'from=1990-01-01&to=2026-01-01']) {
      const r = await get(server, `/api/reports?${q}`);
      expect([q, r.status]).toEqual([q, 400]);
    }
  });

  it('returns the figures of the seeded conversations', async () => {
    const exp = expectedFigures(SETTLED_NOW, STORE_ZONE);
    const body = (await get(server, `/api/reports?${query}`)).json();
    expect(body.days).toEqual(REPORT_DAYS);
    // The store's days: midnight to midnight in India.
    expect(body.range).toEqual({ from: '2026-03-01T18:30:00.000Z', to: '2026-03-08T18:30:00.000Z' });
    expect(body.summary).toEqual(exp.summary);
    expect(body.byDay).toEqual(exp.byDay);
    expect(Object.fromEntries(body.handoffReasons.map((h) => [h.reason, h.tickets]))).toEqual(exp.reasons);
    expect(body.teams).toBe(true);
    for (const [key, e] of Object.entries(exp.perAgent)) {
      const row = body.responseTimes.perAgent.find((r) => r.id === (key === '(none)' ? null : agents[key]));
      expect([key, row && { tickets: row.tickets, resolved: row.resolved, firstResponse: row.firstResponse, resolution: row.resolution }]).toEqual([key, e]);
    }
    for (const [key, e] of Object.entries(exp.perTeam)) {
      const row = body.responseTimes.perTeam.find((r) => r.id === (key === '(none)' ? null : key));
      expect([key, row?.name, row && { tickets: row.tickets, resolved: row.resolved, firstResponse: row.firstResponse, resolution: row.resolution }]).toEqual([key, key === '(none)' ? 'No team' : TEAMS[key]!.name, e]);
    }
    for (const [key, e] of Object.entries(exp.csatPerTeam)) {
      const row = body.csat.perTeam.find((r) => r.id === (key === '(none)' ? null : key));
      expect([key, row && { ratings: row.ratings, average: row.average, distribution: row.distribution }]).toEqual([key, e]);
    }
    expect(body.unanswered.byReason).toEqual(exp.unansweredByReason);
  });

  it('groups the unanswered messages by meaning with the encoder, by shared words without it', async () => {
    const exp = expectedFigures(SETTLED_NOW, STORE_ZONE);
    const body = (await get(server, `/api/reports?${query}`)).json();
    expect(body.unanswered.method).toBe('encoder');
    // One group per topic of the scenario: gift wrapping (4), cricket (3), and two single questions.
    const groups = body.unanswered.groups.map((g) => ({ size: g.size, texts: new Set(g.examples.map((e) => e.text.toLowerCase())) }));
    const want = [...exp.topics.values()].map((texts) => ({ size: texts.length, texts: new Set(texts.map((x) => x.toLowerCase())) })).sort((a, b) => b.size - a.size);
    expect(groups.map((g) => g.size)).toEqual(want.map((w) => w.size));
    for (const w of want) expect(groups.some((g) => g.size === w.size && [...g.texts].every((x) => w.texts.has(x)))).toBe(true);
    const gift = body.unanswered.groups[0]!;
    expect(gift.reasons).toEqual({ out_of_scope: 0, unsure: 2, no_answer: 2, repeated_failure: 0 });
    const total = Object.values(exp.unansweredByReason).reduce((a, b) => a + b, 0);
    expect(gift.share).toBeCloseTo(4 / total, 10);
    expect(gift.lastAt).toBe('2026-03-07T12:00:30.000Z');

    const words = (await get(plain, `/api/reports?${query}`)).json();
    expect(words.unanswered.method).toBe('words');
    expect(words.unanswered.groups.reduce((n, g) => n + g.size, 0)).toBe(total);
  });

  it('exports the same figures as CSV, one row per figure', async () => {
    const exp = expectedFigures(SETTLED_NOW, STORE_ZONE);
    const r = await get(server, `/api/reports/export.csv?${query}`);
    expect(r.status).toBe(200);
    expect(r.headers['content-type']).toBe('text/csv; charset=utf-8');
    expect(r.headers['content-disposition']).toBe(`attachment; filename="shopbot-report-${REPORT_DAYS.from}-to-${REPORT_DAYS.to}.csv"`);
    const lines = r.body.replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,id,name,metric,value');
    const has = (line: string) => expect(lines).toContain(line);
    has(`summary,,,chats,${exp.summary.chats}`);
    has(`summary,,,automated,${exp.summary.automated}`);
    has(`summary,,,automated_rate,${Math.round(exp.summary.automatedRate * 10000) / 10000}`);
    has(`summary,,,handoff_rate,${Math.round(exp.summary.handoffRate * 10000) / 10000}`);
    has(`handoff_reason,asked,asked,tickets,${exp.reasons.asked}`);
    const ravi = exp.perAgent.ravi!;
    has(`response_times_agent,${agents.ravi},${AGENTS.ravi!.name},first_response_median_s,${ravi.firstResponse.medianMs! / 1000}`);
    has(`response_times_agent,${agents.ravi},${AGENTS.ravi!.name},resolution_p90_s,${ravi.resolution.p90Ms! / 1000}`);
    has(`response_times_team,rpt-orders,Orders team,first_response_p90_s,${exp.perTeam['rpt-orders']!.firstResponse.p90Ms! / 1000}`);
    has(`csat,,All,average,${exp.csat.average}`);
    has(`csat_team,rpt-payments,Payments team,ratings,${exp.csatPerTeam['rpt-payments']!.ratings}`);
    has(`unanswered_reason,out_of_scope,out_of_scope,messages,${exp.unansweredByReason.out_of_scope}`);
    expect(lines.some((l) => /^unanswered_group,1,.*,messages,4$/.test(l))).toBe(true);
  });
});
