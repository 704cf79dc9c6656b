import { afterAll, beforeAll, expect, it } from 'vitest';
import type { SqliteStore } from './index.js';
import type { Sql, SqlValue } from './sql/executor.js';
import { describeEngines } from '../testing/engines.js';
import { durationStats, ReportRepo, type TimingRow } from './reports.js';
import { tempStore } from '../testing/store-helpers.js';
import { AGENTS, expectedFigures, REPORT_RANGE, seedReportScenario, SETTLED_NOW, TEAMS, VISITS, type ExpectedTiming } from '../testing/reports-scenario.js';

// The reports' SQL on both engines, with the scenario of test-reports-scenario.ts; the
// expected figures are computed from the scenario as written, not by the SQL under test.

// The scenario is written through the store's repositories on a SQLite file, then copied row by row
// into a fresh database of each engine, where the report's SQL runs.
const TABLES = ['customers', 'agents', 'teams', 'team_members', 'conversations', 'messages', 'handoff_tickets', 'csat_ratings', 'unanswered_messages'];

async function copyInto(from: SqliteStore, to: Sql): Promise<void> {
  for (const table of TABLES) {
    const rows = from.db.prepare(`SELECT * FROM ${table}`).all() as Record<string, SqlValue>[];
    for (const row of rows) {
      const cols = Object.keys(row);
      await to.run(`INSERT INTO ${table} (${cols.join(', ')}) VALUES (${cols.map(() => '?').join(', ')})`, cols.map((c) => row[c]!));
    }
  }
}

describeEngines('ReportRepo', (engine) => {
  let t: ReturnType<typeof tempStore>;
  let sql: Sql;
  let clock = 0;
  let agents: Record<string, string>;

  beforeAll(async () => {
    t = tempStore(() => clock);
    agents = await seedReportScenario(t.store, (ms) => (clock = ms));
    sql = await engine.fresh();
    await copyInto(t.store, sql);
  });
  afterAll(() => t.cleanup());

  const repo = (now: number) => new ReportRepo(sql, () => now);
  const timing = (row: TimingRow | undefined): ExpectedTiming | undefined =>
    row && { tickets: row.tickets, resolved: row.resolved, firstResponse: row.firstResponse, resolution: row.resolution };

  it('counts chats, automated resolutions (no hand-off, bot had the last word, not reopened within 24 h) and hand-offs', async () => {
    const exp = expectedFigures();
    // The scenario says so by hand too (V1, V4, V5b, V11, V17, V18 resolved; V5-7, V9, V13-15 handed off).
    expect([exp.summary.chats, exp.summary.automated, exp.summary.handedOff, exp.summary.conversations]).toEqual([20, 6, 7, 17]);

    const r = await repo(SETTLED_NOW).report(REPORT_RANGE);
    expect(r.summary).toEqual(exp.summary);
    expect(r.byDay).toEqual(exp.byDay);
    const outcomes = new Map((await repo(SETTLED_NOW).chats(REPORT_RANGE)).map((c) => [`${c.conversationId}@${c.startAt}`, c.outcome]));
    for (const v of VISITS.filter((x) => exp.outcomes.has(x.key))) expect([v.key, outcomes.get(`${v.conv}@${v.messages[0]!.at}`)]).toEqual([v.key, exp.outcomes.get(v.key)]);
  });

  it('does not call a chat resolved before its 24 hours have passed', async () => {
    const now = Date.parse('2026-03-09T12:00:00.000Z');
    const exp = expectedFigures(now);
    expect([exp.summary.automated, exp.summary.awaiting]).toEqual([4, 2]); // V17 and V18 ended less than 24 h before
    expect((await repo(now).report(REPORT_RANGE)).summary).toEqual(exp.summary);
  });

  it('lists hand-off reasons of the tickets created in the range', async () => {
    const exp = expectedFigures();
    const r = await repo(SETTLED_NOW).report(REPORT_RANGE);
    expect(Object.fromEntries(r.handoffReasons.map((h) => [h.reason, h.tickets]))).toEqual(exp.reasons);
    expect(r.handoffReasons[0]).toMatchObject({ reason: 'asked', tickets: 4, share: 4 / 7 });
  });

  it('gives first response and resolution times (median, p90) overall, per agent and per team', async () => {
    const exp = expectedFigures();
    const r = await repo(SETTLED_NOW).report(REPORT_RANGE);
    expect(timing(r.responseTimes.overall)).toEqual(exp.overall);
    const byAgent = new Map(r.responseTimes.perAgent.map((row) => [row.id, row]));
    for (const [key, e] of Object.entries(exp.perAgent)) {
      const row = byAgent.get(key === '(none)' ? null : agents[key]!);
      expect([key, timing(row)]).toEqual([key, e]);
      if (key !== '(none)') expect(row!.name).toBe(AGENTS[key]!.name);
    }
    expect(r.responseTimes.perAgent).toHaveLength(Object.keys(exp.perAgent).length);
    // Ravi: first responses 29 s and 89 s, resolutions 1799 s and 899 s.
    expect(byAgent.get(agents.ravi!)!.firstResponse).toEqual({ count: 2, medianMs: 59_000, p90Ms: 89_000 });
    expect(byAgent.get(agents.ravi!)!.resolution).toEqual({ count: 2, medianMs: 1_349_000, p90Ms: 1_799_000 });

    expect(r.teams).toBe(true);
    const byTeam = new Map(r.responseTimes.perTeam.map((row) => [row.id, row]));
    for (const [key, e] of Object.entries(exp.perTeam)) {
      const row = byTeam.get(key === '(none)' ? null : key);
      expect([key, timing(row)]).toEqual([key, e]);
      expect(row!.name).toBe(key === '(none)' ? 'No team' : TEAMS[key]!.name);
    }
    expect(r.responseTimes.perTeam).toHaveLength(Object.keys(exp.perTeam).length);
    // Orders: Meera (59 s), Kiran's ticket stored with the Orders team (419 s), Sam (159 s).
    expect(byTeam.get('rpt-orders')!.firstResponse).toEqual({ count: 3, medianMs: 159_000, p90Ms: 419_000 });
  });

  it('averages the ratings given in the range per agent and per team', async () => {
    const exp = expectedFigures();
    const r = await repo(SETTLED_NOW).report(REPORT_RANGE);
    expect({ ratings: r.csat.overall.ratings, average: r.csat.overall.average, distribution: r.csat.overall.distribution }).toEqual(exp.csat);
    expect(exp.csat).toEqual({ ratings: 4, average: 3.5, distribution: [0, 1, 1, 1, 1] });
    for (const [key, e] of Object.entries(exp.csatPerAgent)) {
      const row = r.csat.perAgent.find((x) => x.id === agents[key]);
      expect([key, row && { ratings: row.ratings, average: row.average, distribution: row.distribution }]).toEqual([key, e]);
    }
    expect(r.csat.perAgent).toHaveLength(Object.keys(exp.csatPerAgent).length);
    for (const [key, e] of Object.entries(exp.csatPerTeam)) {
      const row = r.csat.perTeam.find((x) => x.id === (key === '(none)' ? null : key));
      expect([key, row && { ratings: row.ratings, average: row.average, distribution: row.distribution }]).toEqual([key, e]);
    }
    expect(r.csat.perTeam).toHaveLength(Object.keys(exp.csatPerTeam).length);
  });

  it('lists the unanswered messages of the range with their reasons (live conversations only)', async () => {
    const exp = expectedFigures();
    const r = await repo(SETTLED_NOW).report(REPORT_RANGE);
    expect(r.unanswered.byReason).toEqual(exp.unansweredByReason);
    expect(r.unanswered.total).toBe(9);
    expect(r.unanswered.messages.map((m) => m.text).sort()).toEqual([...exp.topics.values()].flat().sort());
  });

  it('computes medians and nearest-rank p90', async () => {
    expect(durationStats([])).toEqual({ count: 0, medianMs: null, p90Ms: null });
    expect(durationStats([5])).toEqual({ count: 1, medianMs: 5, p90Ms: 5 });
    expect(durationStats([4, 1, 3, 2])).toEqual({ count: 4, medianMs: 2.5, p90Ms: 4 });
    expect(durationStats([...Array(10).keys()].map((i) => i + 1))).toEqual({ count: 10, medianMs: 5.5, p90Ms: 9 });
    expect(durationStats([...Array(11).keys()].map((i) => i + 1))).toEqual({ count: 11, medianMs: 6, p90Ms: 10 });
  });

  it('refuses a range that ends before it starts', async () => {
    await expect(repo(SETTLED_NOW).report({ from: REPORT_RANGE.to, to: REPORT_RANGE.from })).rejects.toThrow(/after from/);
  });
});
