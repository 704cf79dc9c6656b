// The admins' reports page in Debian's Chromium (headless, playwright-core) against the real server
// (testing/test-server.ts: real bot, real sentence encoder, real SQLite file) on 127.0.0.1. The server's
// database gets the reports scenario (testing/reports-scenario.ts), whose figures are computed from
// the scenario itself; the page must show them, group the unanswered questions by meaning, and export
// them as CSV. A live guest's out-of-scope questions are marked by the real bot and show up too.
// Screenshots: web/screenshots/reports.png (README) and walk-shots/reports-*.png.
import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestServer } from '../testing/test-server.js';
import { botTexts, conversationOf } from '../testing/test-client.js';
import { openStore, type SqliteStore } from '../store/index.js';
import { defaultTexts } from '../core/i18n.js';
import { AGENTS, expectedFigures, REPORT_DAYS, seedReportScenario, SETTLED_NOW, TEAMS } from '../testing/reports-scenario.js';
import { axeViolations } from '../testing/axe.js';
import { BrowserTest, ROOT } from '../testing/browser.js';
import { AGENT as ADMIN, openConsole, signIn } from '../testing/staff-pages.js';

// The servers here run with the store's default settings: report days are Asia/Kolkata's.
const STORE_ZONE = defaultTexts.settings.timeZone;

const SHOTS = join(ROOT, 'walk-shots');
const README_SHOTS = join(ROOT, 'web', 'screenshots');
const poll = <T>(fn: () => Promise<T> | T, timeout = 30_000) => expect.poll(fn, { timeout, interval: 100 });
const pct = (x: number) => `${Math.round(x * 100)}%`;

describe('reports page (Chromium)', () => {
  let bt: BrowserTest;
  let server: TestServer;
  let seeded: SqliteStore;
  let clock = 0;
  let agents: Record<string, string>;
  const LIVE = ['who will win the next election', 'how to apply for passport'];

  beforeAll(async () => {
    bt = await BrowserTest.start({ prefix: 'shopbot-reports-browser-', env: { ...process.env, SHOPBOT_QUIET: '1' }, shots: SHOTS });
    server = bt.server;
    // A second handle on the server's database whose clock the scenario sets step by step.
    seeded = openStore(server.running.config.dbPath, { now: () => clock || Date.now() });
    bt.onClose(() => seeded.close());
    agents = await seedReportScenario(seeded, (ms) => (clock = ms));
    clock = 0;
  }, 1_800_000);

  afterAll(() => bt?.close(), 60_000);

  const newPage = (width = 1400, height = 900): Promise<Page> => bt.newPage({ width, height, timeout: 30_000, context: { acceptDownloads: true } });

  const shot = (page: Page, path: string) => page.screenshot({ path, animations: 'disabled', caret: 'hide', fullPage: true });

  it('the real bot marks the questions it could not answer', async () => {
    const c = await server.customerClient();
    for (const text of LIVE) {
      const from = c.events.length;
      expect((await c.send({ text })).ok).toBe(true);
      await c.waitFor((e) => e.event === 'message' && e.data.role === 'bot', { from, timeoutMs: 60_000 });
      expect(botTexts(c, from).join(' ')).not.toMatch(/queue/);
    }
    const conversationId = await conversationOf(c);
    const marked = await Promise.all(
      (await seeded.conversations.transcript(conversationId))
        .filter((m) => m.role === 'customer')
        .map(async (m) => [m.text, (await seeded.unanswered.reasonOf(m.id)) ?? null] as const),
    );
    expect(marked.map(([t]) => t)).toEqual(LIVE);
    for (const [text, reason] of marked) expect([text, reason]).toEqual([text, expect.stringMatching(/^(out_of_scope|unsure|no_answer)$/)]);
  }, 180_000);

  it('an admin opens the reports from the console and sees the figures of the seeded conversations', async () => {
    const exp = expectedFigures(SETTLED_NOW, STORE_ZONE);
    const page = await newPage();
    await openConsole(page, server.running.url, ADMIN);
    const link = page.getByRole('link', { name: 'Reports' });
    await link.waitFor({ state: 'visible' });
    await shot(page, join(SHOTS, 'reports-console.png'));
    await link.click();
    await page.waitForURL(/\/reports/);

    // The default period (the last 30 days) holds the live guest's questions.
    await page.locator('#reports-main').waitFor({ state: 'visible' });
    await poll(() => page.locator('#report').getAttribute('aria-busy')).toBe('false');
    const liveGroups = await page.locator('#groups > li').allTextContents();
    for (const text of LIVE) expect(liveGroups.join('\n')).toContain(text);

    // The scenario's week.
    await page.locator('#from').fill(REPORT_DAYS.from);
    await page.locator('#to').fill(REPORT_DAYS.to);
    await page.getByRole('button', { name: 'Apply' }).click();
    await poll(() => page.locator('#range-info').textContent()).toContain(`2 Mar 2026 – 8 Mar 2026 (${STORE_ZONE})`);
    await poll(() => page.locator('#report').getAttribute('aria-busy')).toBe('false');
    expect(new URL(page.url()).searchParams.get('from')).toBe(REPORT_DAYS.from);

    const kpi = (key: string) => page.locator(`[data-kpi="${key}"] b`).textContent();
    expect(await kpi('conversations')).toBe(String(exp.summary.conversations));
    expect(await kpi('chats')).toBe(String(exp.summary.chats));
    expect(await kpi('automated-rate')).toBe(pct(exp.summary.automatedRate));
    expect(await page.locator('[data-kpi="automated-rate"] span').textContent()).toContain(`(${exp.summary.automated})`);
    expect(await kpi('handoff-rate')).toBe(pct(exp.summary.handoffRate));
    expect(await kpi('csat')).toBe(`${exp.summary.csatAverage!.toFixed(2)} / 5`);
    expect(await kpi('unanswered')).toBe(String(exp.summary.unanswered));

    // Charts drawn (accessible names carry the figures).
    expect(await page.locator('svg[data-chart="daily"]').getAttribute('aria-label')).toContain(`${exp.summary.chats} chats`);
    expect(await page.locator('svg[data-chart="bars"]').getAttribute('aria-label')).toContain(`${exp.reasons.asked}`);
    expect(await page.locator('svg[data-chart="ratings"]').getAttribute('aria-label')).toContain(`Rating distribution of ${exp.csat.ratings} ratings`);

    // Hand-off reasons.
    for (const [reason, n] of Object.entries(exp.reasons)) {
      expect(await page.locator(`#reasons-table th[data-reason="${reason}"] + td`).textContent()).toBe(String(n));
    }

    // Times per agent and per team: the cells carry the milliseconds, and read as durations.
    const cellsOf = async (table: string, name: string) => {
      const row = page.locator(`#${table} tbody tr`).filter({ has: page.locator('th', { hasText: name }) });
      expect(await row.count()).toBe(1);
      return row.locator('td').evaluateAll((tds) => tds.map((td) => ({ text: td.textContent, ms: td.getAttribute('data-ms') })));
    };
    const ms = (v: number | null) => (v === null ? '' : String(v));
    for (const [key, e] of Object.entries(exp.perAgent)) {
      const cells = await cellsOf('times-agent-table', key === '(none)' ? 'No agent' : AGENTS[key]!.name);
      expect([key, cells[0]!.text, cells.slice(1, 5).map((c) => c.ms)]).toEqual([key, String(e.tickets), [e.firstResponse.medianMs, e.firstResponse.p90Ms, e.resolution.medianMs, e.resolution.p90Ms].map(ms)]);
    }
    for (const [key, e] of Object.entries(exp.perTeam)) {
      const cells = await cellsOf('times-team-table', key === '(none)' ? 'No team' : TEAMS[key]!.name);
      expect([key, cells[0]!.text, cells.slice(1, 5).map((c) => c.ms)]).toEqual([key, String(e.tickets), [e.firstResponse.medianMs, e.firstResponse.p90Ms, e.resolution.medianMs, e.resolution.p90Ms].map(ms)]);
    }
    // Ravi: first responses 29 s and 89 s (median 59 s), resolutions 1799 s and 899 s (median 22 min 29 s).
    const ravi = await cellsOf('times-agent-table', AGENTS.ravi!.name);
    expect(ravi.slice(1, 5).map((c) => c.text)).toEqual(['59s', '1m 29s', '22m 29s', '29m 59s']);

    // CSAT per agent and per team.
    for (const [key, e] of Object.entries(exp.csatPerAgent)) {
      const cells = await cellsOf('csat-agent-table', AGENTS[key]!.name);
      expect([key, cells.map((c) => c.text)]).toEqual([key, [String(e.ratings), e.average!.toFixed(2), ...e.distribution.map(String)]]);
    }
    for (const [key, e] of Object.entries(exp.csatPerTeam)) {
      const cells = await cellsOf('csat-team-table', key === '(none)' ? 'No team' : TEAMS[key]!.name);
      expect([key, cells.map((c) => c.text)]).toEqual([key, [String(e.ratings), e.average!.toFixed(2), ...e.distribution.map(String)]]);
    }

    // Unanswered questions grouped by meaning: one group per topic of the scenario.
    const sizes = await page.locator('#groups > li').evaluateAll((lis) => lis.map((li) => Number(li.getAttribute('data-size'))));
    expect(sizes).toEqual([...exp.topics.values()].map((t) => t.length).sort((a, b) => b - a));
    const first = await page.locator('#groups > li').first().locator('ul li').allTextContents();
    for (const line of first) expect(line.toLowerCase()).toMatch(/gift ?wrap/);
    expect(await page.locator('#unanswered-info').textContent()).not.toContain('shared words');

    expect(await axeViolations(page)).toEqual([]);
    await shot(page, join(SHOTS, 'reports.png'));
    // The README's copy is a tracked file: refreshed only on request.
    if (process.env.SHOPBOT_UPDATE_SCREENSHOTS === '1') { mkdirSync(README_SHOTS, { recursive: true }); await shot(page, join(README_SHOTS, 'reports.png')); }

    // CSV export: fetched with the session token, saved from a blob.
    const [download] = await Promise.all([page.waitForEvent('download'), page.locator('#export-csv').click()]);
    expect(download.suggestedFilename()).toBe(`shopbot-report-${REPORT_DAYS.from}-to-${REPORT_DAYS.to}.csv`);
    const lines = readFileSync((await download.path())!, 'utf8').replace(/^\uFEFF/, '').trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,id,name,metric,value');
    expect(lines).toContain(`summary,,,chats,${exp.summary.chats}`);
    expect(lines).toContain(`summary,,,automated,${exp.summary.automated}`);
    expect(lines).toContain(`response_times_agent,${agents.ravi},${AGENTS.ravi!.name},first_response_median_s,59`);
    expect(lines).toContain(`csat,,All,average,${exp.csat.average}`);
    expect(lines.some((l) => /^unanswered_group,1,.*,messages,4$/.test(l))).toBe(true);
  }, 300_000);

  it('other staff roles get no report, and no link in the console', async () => {
    const page = await newPage(1000, 700);
    await page.goto(`${server.running.url}/reports`, { waitUntil: 'domcontentloaded' });
    await signIn(page, { email: AGENTS.sam!.email, password: 'report-test-password' });
    await page.locator('#forbidden').waitFor({ state: 'visible' });
    expect(await page.locator('#report').isHidden()).toBe(true);
    await page.goto(`${server.running.url}/agent`, { waitUntil: 'domcontentloaded' });
    await page.locator('#console').waitFor({ state: 'visible' });
    expect(await page.locator('#reports-link').isHidden()).toBe(true);
  }, 120_000);
});
