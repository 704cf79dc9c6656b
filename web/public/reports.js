// Reports for admins: chats and automated resolution, hand-offs and their reasons, response and
// resolution times per agent and team, CSAT, and the questions the bot could not answer, grouped by
// meaning. Signs in like the console (same session per tab); the API refuses other roles (403).
// Everything a customer or an agent wrote is shown as text (common.js el()), never as HTML.
import { staffPage } from './staff-login.js';
import { barChart, dailyChart, dailyLegend, ratingChart } from './charts.js';
import { clear, el, fmtDuration, getJson, pct, staffHeaders } from './common.js';

const $ = (id) => document.getElementById(id);
const ui = {
  main: $('reports-main'),
  form: $('filters'),
  from: $('from'),
  to: $('to'),
  csv: $('export-csv'),
  info: $('range-info'),
  report: $('report'),
  forbidden: $('forbidden'),
  me: $('me'),
  logout: $('logout'),
};

const REASONS = { asked: 'Customer asked for a person', needs_human: 'Needs a person (complaint, payment)', negative_sentiment: 'Upset customer', repeated_failure: 'Bot failed twice' };
/** Short names for the chart's labels. */
const REASONS_SHORT = { asked: 'Asked for a person', needs_human: 'Needs a person', negative_sentiment: 'Upset customer', repeated_failure: 'Bot failed twice' };
const UNANSWERED = { out_of_scope: 'out of scope', unsure: 'not understood', no_answer: 'no confident answer', repeated_failure: 'failed twice' };

const params = new URLSearchParams(location.search);
// The days are the store's (its time zone), not the browser's: without dates in the address the
// server picks the last 30 days, and the inputs show what it picked (a browser's "today" in UTC was
// yesterday in India after 18:30 UTC, and hid that day's chats).
const asked = (name) => (/^\d{4}-\d{2}-\d{2}$/.test(params.get(name) || '') ? params.get(name) : '');
const state = { from: asked('from'), to: asked('to'), token: 0 };
ui.from.value = state.from;
ui.to.value = state.to;

// ---------- staff session ----------
const page = staffPage({ loginView: $('login-view'), main: ui.main, me: ui.me, logout: ui.logout, onReady: () => void load() });
const sessionEnded = () => page.ended();

function query() {
  return new URLSearchParams(Object.entries({ from: state.from, to: state.to }).filter(([, v]) => v)).toString();
}

ui.form.addEventListener('submit', (e) => {
  e.preventDefault();
  state.from = ui.from.value;
  state.to = ui.to.value;
  void load();
});

/** The export needs the token, which a plain link cannot send: fetch, then save the blob. */
ui.csv.addEventListener('click', async (e) => {
  e.preventDefault();
  if (!page.session || ui.csv.getAttribute('aria-busy') === 'true') return;
  ui.csv.setAttribute('aria-busy', 'true');
  try {
    const res = await fetch(ui.csv.href, { headers: staffHeaders(page.session) });
    if (res.status === 401) return sessionEnded();
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      ui.info.textContent = `Export failed: ${body.error || res.status}`;
      return;
    }
    const blob = await res.blob();
    const m = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') || '');
    const url = URL.createObjectURL(blob);
    const a = el('a', { href: url, download: m ? m[1] : 'report.csv', hidden: true });
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(url), 30_000);
  } catch (err) {
    ui.info.textContent = `Export failed: ${err.message}`;
  } finally {
    ui.csv.removeAttribute('aria-busy');
  }
});

async function load() {
  if (!page.session) return;
  const token = ++state.token;
  history.replaceState(null, '', `${location.pathname}?${query()}`);
  ui.csv.href = `/api/reports/export.csv?${query()}`;
  ui.report.setAttribute('aria-busy', 'true');
  ui.info.textContent = 'Loading…';
  try {
    const { body } = await getJson(`/api/reports?${query()}`, { headers: staffHeaders(page.session, { accept: 'application/json' }) });
    if (token !== state.token) return;
    ui.forbidden.hidden = true;
    ui.report.hidden = false;
    render(body);
    // The days the server chose (the store's last 30 days) fill inputs left empty.
    if (!ui.from.value) ui.from.value = body.days.from;
    if (!ui.to.value) ui.to.value = body.days.to;
    ui.info.textContent = `${fmtDay(body.days.from)} – ${fmtDay(body.days.to)} (${body.timeZone || 'UTC'})${body.summary.awaiting ? ` · ${body.summary.awaiting} chat${body.summary.awaiting === 1 ? '' : 's'} ended less than 24 hours ago` : ''}`;
  } catch (err) {
    if (token !== state.token) return;
    if (err.status === 401) return sessionEnded();
    if (err.status === 403) {
      ui.report.hidden = true;
      ui.forbidden.hidden = false;
      ui.info.textContent = '';
      return;
    }
    ui.info.textContent = `Could not load the report: ${err.message}`;
  } finally {
    if (token === state.token) ui.report.setAttribute('aria-busy', 'false');
  }
}

const fmtDay = (d) => new Date(`${d}T00:00:00Z`).toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
const rate = (x) => (x === null || x === undefined ? '–' : pct(x));
const dur = (ms) => (ms === null || ms === undefined ? '–' : fmtDuration(ms));

function stat(key, value, label, title) {
  return el('div', { class: 'stat', 'data-kpi': key, title }, [el('b', { text: value }), el('span', { text: label })]);
}

function render(r) {
  const s = r.summary;
  clear($('kpis')).append(
    stat('conversations', String(s.conversations), 'conversations'),
    stat('chats', String(s.chats), 'chats', 'A chat is one visit: 30 minutes of silence start a new one.'),
    stat('automated-rate', rate(s.automatedRate), `resolved by the bot (${s.automated})`, 'No hand-off, the bot answered last, not reopened within 24 hours'),
    stat('handoff-rate', rate(s.handoffRate), `handed off (${s.handedOff})`),
    stat('csat', s.csatAverage === null ? '–' : `${s.csatAverage.toFixed(2)} / 5`, `CSAT (${s.csatRatings} rating${s.csatRatings === 1 ? '' : 's'})`),
    stat('unanswered', String(s.unanswered), 'unanswered messages'),
  );

  const daily = $('daily');
  clear(daily);
  if (r.byDay.length) daily.append(dailyChart(r.byDay, { width: daily.clientWidth || 600 }), dailyLegend());
  else daily.append(el('p', { class: 'muted', text: 'No chats in this period.' }));

  const reasons = $('reasons');
  clear(reasons);
  if (r.handoffReasons.length) {
    reasons.append(
      barChart(
        r.handoffReasons.map((h) => ({ label: REASONS_SHORT[h.reason] || h.reason, value: h.tickets })),
        { title: 'Hand-off tickets by reason', format: (v) => `${v} · ${pct(v / Math.max(1, r.handoffReasons.reduce((n, h) => n + h.tickets, 0)))}`, width: 440 },
      ),
      table('Tickets by reason', ['Reason', 'Tickets', 'Share'], r.handoffReasons.map((h) => [{ text: REASONS[h.reason] || h.reason, attrs: { 'data-reason': h.reason } }, num(h.tickets), num(pct(h.share))]), 'reasons-table'),
    );
  } else reasons.append(el('p', { class: 'muted', text: 'No hand-offs in this period.' }));

  const timingRows = (rows) =>
    rows.map((t) => [
      t.name,
      num(t.tickets),
      durCell(t.firstResponse.medianMs),
      durCell(t.firstResponse.p90Ms),
      durCell(t.resolution.medianMs),
      durCell(t.resolution.p90Ms),
      num(t.resolved),
    ]);
  const timingHead = ['', 'Tickets', 'First response median', 'First response p90', 'Resolution median', 'Resolution p90', 'Resolved'];
  clear($('times-agent')).append(table('Per agent', ['Agent', ...timingHead.slice(1)], [...timingRows(r.responseTimes.perAgent), ...timingRows([{ ...r.responseTimes.overall, name: 'All agents' }])], 'times-agent-table'));
  clear($('times-team')).append(
    r.teams ? table('Per team', ['Team', ...timingHead.slice(1)], timingRows(r.responseTimes.perTeam), 'times-team-table') : el('p', { class: 'small muted', text: 'No teams are set up, so times are shown per agent only.' }),
  );

  const csatChart = $('csat-chart');
  clear(csatChart);
  const dist = Object.fromEntries(r.csat.overall.distribution.map((n, i) => [String(i + 1), n]));
  csatChart.append(ratingChart(dist, 'ratings'));
  const csatRows = (rows) => rows.map((c) => [c.name, num(c.ratings), num(c.average === null ? '–' : c.average.toFixed(2)), ...c.distribution.map((n) => num(n))]);
  const csatHead = ['Ratings', 'Average', '1★', '2★', '3★', '4★', '5★'];
  clear($('csat-agent')).append(table('Per agent', ['Agent', ...csatHead], [...csatRows(r.csat.perAgent), ...csatRows([{ ...r.csat.overall, name: 'All' }])], 'csat-agent-table'));
  clear($('csat-team')).append(r.teams ? table('Per team', ['Team', ...csatHead], csatRows(r.csat.perTeam), 'csat-team-table') : el('p', { class: 'small muted', text: 'No teams are set up.' }));

  const u = r.unanswered;
  $('unanswered-info').textContent = u.total
    ? `${u.total} message${u.total === 1 ? '' : 's'} the bot could not answer (${Object.entries(u.byReason).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${UNANSWERED[k] || k}`).join(', ')}), in ${u.groups.length} group${u.groups.length === 1 ? '' : 's'} of similar questions${u.method === 'words' ? ' (grouped by shared words: the sentence encoder is not loaded)' : ''}. The biggest groups are the help articles worth writing.`
    : 'The bot answered every message in this period.';
  const list = clear($('groups'));
  for (const g of u.groups) {
    const reasons = Object.entries(g.reasons).filter(([, n]) => n > 0).map(([k, n]) => `${n} ${UNANSWERED[k] || k}`).join(', ');
    const bar = el('div', { class: 'group-bar', 'aria-hidden': 'true' }, [el('span', { 'data-w': g.share })]);
    list.append(
      el('li', { 'data-size': g.size }, [
        el('div', { class: 'group-head' }, [
          el('span', { class: 'group-size', text: String(g.size) }),
          el('span', { class: 'group-label', text: `“${g.label}”` }),
          el('span', { class: 'small muted', text: `${pct(g.share)} · ${reasons}` }),
        ]),
        bar,
        el('ul', { 'aria-label': 'Examples' }, g.examples.map((e) => el('li', { text: e.count > 1 ? `${e.text} (×${e.count})` : e.text }))),
      ]),
    );
  }
  // Widths through the CSSOM: the page's CSP allows no inline style attributes.
  for (const n of list.querySelectorAll('[data-w]')) n.style.width = `${Math.max(0, Math.min(1, Number(n.getAttribute('data-w')) || 0)) * 100}%`;
}

function num(text) {
  return { text: String(text), attrs: { class: 'num' } };
}
function durCell(ms) {
  return { text: dur(ms), attrs: { class: 'num', 'data-ms': ms === null ? '' : String(ms) } };
}

/** A table; a cell is text or { text, attrs }. */
function table(caption, head, rows, id) {
  return el('table', { class: 'report-table', id }, [
    el('caption', { text: caption }),
    el('thead', {}, [el('tr', {}, head.map((h, i) => el('th', { scope: 'col', class: i > 0 ? 'num' : null, text: h })))]),
    el(
      'tbody',
      {},
      rows.map((cells) => el('tr', {}, cells.map((c, i) => (i === 0 ? el('th', { scope: 'row', text: typeof c === 'string' ? c : c.text, ...(typeof c === 'string' ? {} : c.attrs) }) : el('td', { text: c.text ?? c, ...(c.attrs || {}) }))))),
    ),
  ]);
}

if (page.session) page.show();
else page.showLogin();
