import { addDays, dayIn, startOfDay } from '../core/zoned-day.js';
// A seeded set of conversations, hand-off tickets and ratings for the reports tests (not a test file
// itself), and the figures they should give, computed here from the scenario as written: each visit
// below is one chat by construction, so nothing is derived from the SQL in store/reports.ts.
import type { SqliteStore, UnansweredReason } from '../store/index.js';

export const REPORT_DAYS = { from: '2026-03-02', to: '2026-03-08' };
export const REPORT_RANGE = { from: '2026-03-02T00:00:00.000Z', to: '2026-03-09T00:00:00.000Z' };
/** A time after every chat's 24 hours have passed. */
export const SETTLED_NOW = Date.parse('2026-03-20T00:00:00.000Z');

type Role = 'customer' | 'bot' | 'agent';
interface Msg {
  at: string;
  role: Role;
  text: string;
  unanswered?: UnansweredReason;
  /** The topic a person would file an unanswered message under (for the grouping checks). */
  topic?: string;
}
interface TicketSpec {
  reason: string;
  skill?: string;
  createdAt: string;
  agent?: string;
  assignedAt?: string;
  end?: { status: 'resolved' | 'returned' | 'timeout'; at: string };
  /** The resolving team stored on the ticket. */
  teamId?: string;
  rating?: { value: number; at: string };
}
export interface Visit {
  key: string;
  customer: string;
  conv: string;
  channel: 'web' | 'messenger';
  messages: Msg[];
  ticket?: TicketSpec;
  historical?: boolean;
}

export const AGENTS: Record<string, { name: string; email: string }> = {
  kiran: { name: 'Kiran Rao', email: 'kiran.report@example.com' },
  ravi: { name: 'Ravi Menon', email: 'ravi.report@example.com' },
  meera: { name: 'Meera Iyer', email: 'meera.report@example.com' },
  sam: { name: 'Sam Joseph', email: 'sam.report@example.com' },
  nadia: { name: 'Nadia Khan', email: 'nadia.report@example.com' },
};
export const TEAMS: Record<string, { name: string; members: string[] }> = {
  'rpt-orders': { name: 'Orders team', members: ['meera', 'sam', 'kiran'] },
  'rpt-payments': { name: 'Payments team', members: ['ravi', 'kiran'] },
};

/** 2026-03-DD at HH:MM (UTC) plus `s` seconds. */
const at = (day: number, hm: string, s = 0) => new Date(Date.parse(`2026-03-${String(day).padStart(2, '0')}T${hm}:00.000Z`) + s * 1000).toISOString();
const m = (day: number, hm: string, s: number, role: Role, text: string, extra: Partial<Msg> = {}): Msg => ({ at: at(day, hm, s), role, text, ...extra });

export const VISITS: Visit[] = [
  // Before the range (excluded; C1 comes back 14 h later, which does not matter for an excluded chat).
  { key: 'V0a', customer: 'RPT-C1', conv: 'rpt-A', channel: 'web', messages: [m(1, '20:00', 0, 'customer', 'hi'), m(1, '20:00', 2, 'bot', 'Hello! How can I help?')] },
  // Resolved by the bot.
  { key: 'V1', customer: 'RPT-C1', conv: 'rpt-A', channel: 'web', messages: [m(2, '10:00', 0, 'customer', 'where is my order'), m(2, '10:00', 2, 'bot', 'Your order was delivered.'), m(2, '10:00', 60, 'customer', 'thanks'), m(2, '10:00', 62, 'bot', "You're welcome!")] },
  // Ends on a message the bot could not answer.
  { key: 'V2', customer: 'RPT-C2', conv: 'rpt-B', channel: 'web', messages: [m(2, '11:00', 0, 'customer', 'do you do gift wrapping?', { unanswered: 'unsure', topic: 'gift' }), m(2, '11:00', 2, 'bot', "I'm not sure I understood.")] },
  // One chat despite gaps of 20 and 29 minutes; reopened 2 h later (V4), so not resolved.
  {
    key: 'V3',
    customer: 'RPT-C3',
    conv: 'rpt-C',
    channel: 'web',
    messages: [m(2, '12:00', 0, 'customer', 'show me headphones'), m(2, '12:00', 3, 'bot', 'Here are some headphones.'), m(2, '12:00', 1200, 'customer', 'cheaper ones?'), m(2, '12:00', 1203, 'bot', 'These cost less.'), m(2, '12:00', 2943, 'customer', 'ok thanks'), m(2, '12:00', 2945, 'bot', 'Anything else?')],
  },
  // The same conversation after 2 hours: a new chat; its last customer message was answered.
  {
    key: 'V4',
    customer: 'RPT-C3',
    conv: 'rpt-C',
    channel: 'web',
    messages: [m(2, '15:00', 0, 'customer', 'can you gift wrap my order', { unanswered: 'no_answer', topic: 'gift' }), m(2, '15:00', 2, 'bot', "I'm not confident I have the right answer."), m(2, '15:00', 300, 'customer', 'ok, track order ORD-1 then'), m(2, '15:00', 302, 'bot', 'ORD-1 is on its way.')],
  },
  // Hand-offs with agents: first response and resolution times, ratings.
  {
    key: 'V5',
    customer: 'RPT-C4',
    conv: 'rpt-D',
    channel: 'web',
    messages: [m(3, '09:00', 0, 'customer', 'talk to a person'), m(3, '09:00', 2, 'bot', 'You are number 1 in the queue.'), m(3, '09:00', 60, 'agent', 'Hi, Meera here.'), m(3, '09:00', 120, 'customer', 'my parcel is damaged'), m(3, '09:00', 150, 'agent', 'Sorry! A replacement is on its way.')],
    ticket: { reason: 'asked', skill: 'orders', createdAt: at(3, '09:00', 1), agent: 'meera', assignedAt: at(3, '09:00', 50), end: { status: 'resolved', at: at(3, '09:00', 600) }, rating: { value: 5, at: at(3, '09:00', 700) } },
  },
  // After V5's ticket was resolved: a chat of its own, answered by the bot.
  { key: 'V5b', customer: 'RPT-C4', conv: 'rpt-D', channel: 'web', messages: [m(3, '14:00', 0, 'customer', 'did my replacement ship?'), m(3, '14:00', 2, 'bot', 'Yes, it shipped today.')] },
  // Before the ticket of the same conversation (V6, 3 h later, so also reopened): not handed off.
  { key: 'V6pre', customer: 'RPT-C5', conv: 'rpt-E', channel: 'messenger', messages: [m(3, '07:00', 0, 'customer', 'do you ship to Pune?'), m(3, '07:00', 2, 'bot', 'Yes, we deliver across India.')] },
  {
    key: 'V6',
    customer: 'RPT-C5',
    conv: 'rpt-E',
    channel: 'messenger',
    messages: [m(3, '10:00', 0, 'customer', 'my payment failed twice'), m(3, '10:00', 2, 'bot', 'Let me get someone from the team.'), m(3, '10:00', 30, 'agent', 'Hi, Ravi here. Let me check.')],
    ticket: { reason: 'needs_human', skill: 'payments', createdAt: at(3, '10:00', 1), agent: 'ravi', assignedAt: at(3, '10:00', 20), end: { status: 'resolved', at: at(3, '10:00', 1800) }, rating: { value: 4, at: at(3, '10:00', 1900) } },
  },
  {
    key: 'V7',
    customer: 'RPT-C6',
    conv: 'rpt-F',
    channel: 'web',
    messages: [m(3, '13:00', 0, 'customer', 'this is ridiculous, refund me now'), m(3, '13:00', 2, 'bot', "I'm sorry; a person will help."), m(3, '13:00', 90, 'agent', 'Hi, Ravi here.')],
    ticket: { reason: 'negative_sentiment', skill: 'payments', createdAt: at(3, '13:00', 1), agent: 'ravi', assignedAt: at(3, '13:00', 60), end: { status: 'resolved', at: at(3, '13:00', 900) }, rating: { value: 2, at: at(3, '13:00', 1000) } },
  },
  // Out of scope twice.
  {
    key: 'V8',
    customer: 'RPT-C7',
    conv: 'rpt-G',
    channel: 'web',
    messages: [
      m(4, '08:00', 0, 'customer', 'who won the cricket match yesterday', { unanswered: 'out_of_scope', topic: 'cricket' }),
      m(4, '08:00', 2, 'bot', "I'm the shop's assistant, so I can't help with that one."),
      m(4, '08:00', 40, 'customer', 'what was the score of the india match', { unanswered: 'out_of_scope', topic: 'cricket' }),
      m(4, '08:00', 42, 'bot', "I'm the shop's assistant, so I can't help with that one."),
    ],
  },
  // Two failures, then a ticket nobody takes (timeout).
  {
    key: 'V9',
    customer: 'RPT-C8',
    conv: 'rpt-H',
    channel: 'web',
    messages: [
      m(4, '09:00', 0, 'customer', 'how to make money online', { unanswered: 'unsure', topic: 'money' }),
      m(4, '09:00', 2, 'bot', "I'm not sure I understood."),
      m(4, '09:00', 30, 'customer', 'write me a poem', { unanswered: 'repeated_failure', topic: 'poem' }),
      m(4, '09:00', 32, 'bot', 'Let me get a person to help.'),
    ],
    ticket: { reason: 'repeated_failure', createdAt: at(4, '09:00', 31), end: { status: 'timeout', at: at(4, '10:00', 31) } },
  },
  // Comes back 10 h later on another channel (another conversation): V10 was reopened.
  { key: 'V10', customer: 'RPT-C9', conv: 'rpt-I', channel: 'web', messages: [m(5, '10:00', 0, 'customer', 'recommend a phone'), m(5, '10:00', 3, 'bot', 'Here are some phones.')] },
  { key: 'V11', customer: 'RPT-C9', conv: 'rpt-J', channel: 'messenger', messages: [m(5, '20:00', 0, 'customer', 'hi again'), m(5, '20:00', 2, 'bot', 'Hi! How can I help?')] },
  // The customer wrote last: no reply.
  { key: 'V12', customer: 'RPT-C10', conv: 'rpt-K', channel: 'web', messages: [m(5, '11:00', 0, 'customer', 'track ORD-9'), m(5, '11:00', 2, 'bot', 'ORD-9 is being prepared.'), m(5, '11:00', 60, 'customer', 'hello?')] },
  // Kiran is in two teams: the ticket's stored team decides.
  {
    key: 'V13',
    customer: 'RPT-C11',
    conv: 'rpt-L',
    channel: 'web',
    messages: [m(6, '10:00', 0, 'customer', 'can I talk to someone'), m(6, '10:00', 2, 'bot', 'You are number 1 in the queue.'), m(6, '10:00', 420, 'agent', 'Hi, Kiran here.')],
    ticket: { reason: 'asked', createdAt: at(6, '10:00', 1), agent: 'kiran', assignedAt: at(6, '10:00', 300), end: { status: 'resolved', at: at(6, '10:00', 1500) }, teamId: 'rpt-orders', rating: { value: 3, at: at(6, '10:00', 1600) } },
  },
  // Rated after the range: not in the range's ratings.
  {
    key: 'V14',
    customer: 'RPT-C12',
    conv: 'rpt-M',
    channel: 'web',
    messages: [m(6, '14:00', 0, 'customer', 'I need a human'), m(6, '14:00', 2, 'bot', 'You are number 1 in the queue.'), m(6, '14:00', 160, 'agent', 'Hi, Sam here.')],
    ticket: { reason: 'asked', createdAt: at(6, '14:00', 1), agent: 'sam', assignedAt: at(6, '14:00', 100), end: { status: 'resolved', at: at(6, '14:00', 4000) }, rating: { value: 5, at: at(9, '01:00') } },
  },
  // Nadia is in no team; the customer went back to the bot.
  {
    key: 'V15',
    customer: 'RPT-C13',
    conv: 'rpt-N',
    channel: 'web',
    messages: [m(7, '09:00', 0, 'customer', 'agent please'), m(7, '09:00', 2, 'bot', 'You are number 1 in the queue.'), m(7, '09:00', 260, 'agent', 'Hi, Nadia here.')],
    ticket: { reason: 'asked', createdAt: at(7, '09:00', 1), agent: 'nadia', assignedAt: at(7, '09:00', 200), end: { status: 'returned', at: at(7, '11:00', 1) } },
  },
  {
    key: 'V16',
    customer: 'RPT-C14',
    conv: 'rpt-O',
    channel: 'web',
    messages: [
      m(7, '12:00', 0, 'customer', 'is gift wrapping available', { unanswered: 'no_answer', topic: 'gift' }),
      m(7, '12:00', 2, 'bot', "I'm not confident I have the right answer."),
      m(7, '12:00', 30, 'customer', 'Do you do gift wrapping?', { unanswered: 'unsure', topic: 'gift' }),
      m(7, '12:00', 32, 'bot', "I'm not sure I understood."),
    ],
  },
  // Answered in the end; both end late on the last day (one after midnight): still in the range.
  {
    key: 'V17',
    customer: 'RPT-C15',
    conv: 'rpt-P',
    channel: 'web',
    messages: [m(8, '22:00', 0, 'customer', 'cricket score please', { unanswered: 'out_of_scope', topic: 'cricket' }), m(8, '22:00', 2, 'bot', "I'm the shop's assistant, so I can't help with that one."), m(8, '22:00', 60, 'customer', 'ok, show me cricket bats'), m(8, '22:00', 63, 'bot', 'Here are some cricket bats.')],
  },
  { key: 'V18', customer: 'RPT-C16', conv: 'rpt-Q', channel: 'web', messages: [m(8, '23:50', 0, 'customer', 'hello'), m(8, '23:50', 2, 'bot', 'Hi!'), m(8, '23:50', 1200, 'customer', 'any offers on shoes'), m(8, '23:50', 1203, 'bot', 'Here are some shoes on offer.')] },
  // After the range (excluded, ticket too) and a historical transcript in the range (never counted).
  {
    key: 'V19',
    customer: 'RPT-C17',
    conv: 'rpt-R',
    channel: 'web',
    messages: [m(9, '09:00', 0, 'customer', 'talk to a person'), m(9, '09:00', 2, 'bot', 'You are number 1 in the queue.')],
    ticket: { reason: 'asked', createdAt: at(9, '09:00', 1) },
  },
  { key: 'H1', customer: 'RPT-C1', conv: 'rpt-HIST', channel: 'web', historical: true, messages: [m(4, '12:00', 0, 'customer', 'an old transcript question', { unanswered: 'unsure' }), m(4, '12:00', 5, 'agent', 'an old answer')] },
];

/**
 * Writes the scenario through the repositories, each step at its own time (`setNow` moves the
 * store's clock). Returns the agents' ids by key.
 */
export async function seedReportScenario(store: SqliteStore, setNow: (ms: number) => void): Promise<Record<string, string>> {
  const agents: Record<string, string> = {};
  for (const [key, a] of Object.entries(AGENTS)) agents[key] = (await store.agents.create({ name: a.name, email: a.email, password: 'report-test-password' })).id;
  const db = store.db;
  for (const [id, t] of Object.entries(TEAMS)) {
    db.prepare('INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)').run(id, t.name, '2026-01-01T00:00:00.000Z');
    for (const member of t.members) db.prepare('INSERT INTO team_members (team_id, agent_id, added_at) VALUES (?, ?, ?)').run(id, agents[member]!, '2026-01-01T00:00:00.000Z');
  }
  const customers = new Set<string>();
  const convs = new Set<string>();
  for (const v of VISITS) {
    if (!customers.has(v.customer)) {
      await store.customers.create({ id: v.customer, name: `Report customer ${v.customer}`, createdAt: '2026-01-01T00:00:00.000Z' });
      customers.add(v.customer);
    }
    if (!convs.has(v.conv)) {
      if (v.historical) {
        db.prepare("INSERT INTO conversations (id, customer_id, channel, started_at, updated_at, source) VALUES (?, ?, ?, ?, ?, 'historical')").run(v.conv, v.customer, v.channel, v.messages[0]!.at, v.messages[0]!.at);
      } else await store.conversations.create({ id: v.conv, customerId: v.customer, channel: v.channel, startedAt: v.messages[0]!.at });
      convs.add(v.conv);
    }
    // Every step of the visit in time order: messages, and the ticket's life.
    const steps: { at: string; run: () => unknown }[] = v.messages.map((msg) => ({
      at: msg.at,
      run: async () => {
        const stored = await store.conversations.appendMessage(v.conv, { role: msg.role, text: msg.text, createdAt: msg.at });
        if (msg.unanswered) await store.unanswered.record(stored.id, msg.unanswered);
      },
    }));
    const t = v.ticket;
    if (t) {
      let ticketId = 0;
      steps.push({ at: t.createdAt, run: async () => void (ticketId = (await store.tickets.create({ conversationId: v.conv, reason: t.reason, skill: t.skill ?? null })).id) });
      if (t.agent) steps.push({ at: t.assignedAt!, run: () => store.tickets.assign(ticketId, agents[t.agent!]!) });
      if (t.end) {
        const end = t.end;
        steps.push({
          at: end.at,
          run: async () => {
            if (end.status === 'resolved') await store.tickets.resolve(ticketId);
            else if (end.status === 'returned') await store.tickets.returnToBot(ticketId);
            else await store.tickets.timeout(ticketId);
            if (t.teamId) db.prepare('UPDATE handoff_tickets SET team_id = ? WHERE id = ?').run(t.teamId, ticketId);
          },
        });
      }
      if (t.rating) {
        const r = t.rating;
        steps.push({ at: r.at, run: () => store.csat.record({ conversationId: v.conv, ticketId, rating: r.value, channel: v.channel }) });
      }
    }
    // Stable: a step at the same time as a message keeps its place after it.
    steps.sort((a, b) => a.at.localeCompare(b.at));
    for (const s of steps) {
      setNow(Date.parse(s.at));
      await s.run();
    }
  }
  return agents;
}

// ---------- the figures, from the scenario as written ----------

/** REPORT_DAYS as instants in a time zone (the store's days; UTC gives REPORT_RANGE). */
export function reportRange(timeZone = 'UTC'): { from: string; to: string } {
  return { from: new Date(startOfDay(REPORT_DAYS.from, timeZone)).toISOString(), to: new Date(startOfDay(addDays(REPORT_DAYS.to, 1), timeZone)).toISOString() };
}
const DAY = 24 * 3600_000;

export function median(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
export function p90(xs: number[]): number | null {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.ceil(s.length * 0.9) - 1]!;
}

export interface ExpectedTiming {
  tickets: number;
  resolved: number;
  firstResponse: { count: number; medianMs: number | null; p90Ms: number | null };
  resolution: { count: number; medianMs: number | null; p90Ms: number | null };
}

/** What the report for REPORT_DAYS should say at time `now`, for a store in `timeZone`. */
export function expectedFigures(now = SETTLED_NOW, timeZone = 'UTC') {
  const range = reportRange(timeZone);
  const inRange = (iso: string) => iso >= range.from && iso < range.to;
  const live = VISITS.filter((v) => !v.historical);
  const chats = live.filter((v) => inRange(v.messages[0]!.at));
  const outcome = (v: Visit) => {
    const start = Date.parse(v.messages[0]!.at);
    const end = Date.parse(v.messages[v.messages.length - 1]!.at);
    const last = v.messages[v.messages.length - 1]!;
    const lastCustomer = [...v.messages].reverse().find((x) => x.role === 'customer')!;
    const next = live.filter((o) => o.customer === v.customer && Date.parse(o.messages[0]!.at) > start).map((o) => Date.parse(o.messages[0]!.at)).sort((a, b) => a - b)[0];
    if (v.ticket) return 'handed_off';
    if (last.role !== 'bot' || lastCustomer.unanswered) return 'other';
    if (next !== undefined && next - end <= DAY) return 'other';
    if (next === undefined && now - end < DAY) return 'awaiting';
    return 'automated';
  };
  const outcomes = new Map(chats.map((v) => [v.key, outcome(v)]));
  const count = (o: string) => [...outcomes.values()].filter((x) => x === o).length;

  const days = new Map<string, { day: string; chats: number; automated: number; handedOff: number }>();
  for (const v of chats) {
    const day = dayIn(v.messages[0]!.at, timeZone);
    const d = days.get(day) ?? { day, chats: 0, automated: 0, handedOff: 0 };
    d.chats++;
    if (outcomes.get(v.key) === 'automated') d.automated++;
    if (outcomes.get(v.key) === 'handed_off') d.handedOff++;
    days.set(day, d);
  }

  const tickets = live.filter((v) => v.ticket && inRange(v.ticket.createdAt)).map((v) => ({ v, t: v.ticket! }));
  const reasons = new Map<string, number>();
  for (const { t } of tickets) reasons.set(t.reason, (reasons.get(t.reason) ?? 0) + 1);

  const teamsOf = (agent: string) => Object.entries(TEAMS).filter(([, t]) => t.members.includes(agent)).map(([id]) => id);
  const teamOf = (t: TicketSpec): string | null => t.teamId ?? (t.agent && teamsOf(t.agent).length === 1 ? teamsOf(t.agent)[0]! : null);
  const timing = (list: { v: Visit; t: TicketSpec }[]): ExpectedTiming => {
    const firsts = list.flatMap(({ v, t }) => {
      const reply = v.messages.find((x) => x.role === 'agent' && x.at >= t.createdAt && (!t.end || x.at <= t.end.at));
      return reply ? [Date.parse(reply.at) - Date.parse(t.createdAt)] : [];
    });
    const res = list.filter(({ t }) => t.end?.status === 'resolved').map(({ t }) => Date.parse(t.end!.at) - Date.parse(t.createdAt));
    return { tickets: list.length, resolved: res.length, firstResponse: { count: firsts.length, medianMs: median(firsts), p90Ms: p90(firsts) }, resolution: { count: res.length, medianMs: median(res), p90Ms: p90(res) } };
  };
  const perAgent: Record<string, ExpectedTiming> = {};
  for (const key of new Set(tickets.map(({ t }) => t.agent ?? '(none)'))) perAgent[key] = timing(tickets.filter(({ t }) => (t.agent ?? '(none)') === key));
  const perTeam: Record<string, ExpectedTiming> = {};
  const taken = tickets.filter(({ t }) => t.agent);
  for (const key of new Set(taken.map(({ t }) => teamOf(t) ?? '(none)'))) perTeam[key] = timing(taken.filter(({ t }) => (teamOf(t) ?? '(none)') === key));

  const ratings = live.flatMap((v) => (v.ticket?.rating && inRange(v.ticket.rating.at) ? [{ value: v.ticket.rating.value, agent: v.ticket.agent!, team: teamOf(v.ticket) }] : []));
  const csat = (rs: typeof ratings) => ({
    ratings: rs.length,
    average: rs.length ? Math.round((rs.reduce((s, r) => s + r.value, 0) / rs.length) * 100) / 100 : null,
    distribution: [1, 2, 3, 4, 5].map((k) => rs.filter((r) => r.value === k).length),
  });
  const csatPerAgent: Record<string, ReturnType<typeof csat>> = {};
  for (const a of new Set(ratings.map((r) => r.agent))) csatPerAgent[a] = csat(ratings.filter((r) => r.agent === a));
  const csatPerTeam: Record<string, ReturnType<typeof csat>> = {};
  for (const t of new Set(ratings.map((r) => r.team ?? '(none)'))) csatPerTeam[t] = csat(ratings.filter((r) => (r.team ?? '(none)') === t));

  const unanswered = live.flatMap((v) => v.messages.filter((x) => x.unanswered && inRange(x.at)));
  const byReason: Record<string, number> = { out_of_scope: 0, unsure: 0, no_answer: 0, repeated_failure: 0 };
  for (const u of unanswered) byReason[u.unanswered!]!++;
  const topics = new Map<string, string[]>();
  for (const u of unanswered) topics.set(u.topic!, [...(topics.get(u.topic!) ?? []), u.text]);

  return {
    outcomes,
    summary: {
      conversations: new Set(chats.map((v) => v.conv)).size,
      chats: chats.length,
      automated: count('automated'),
      automatedRate: count('automated') / chats.length,
      awaiting: count('awaiting'),
      handedOff: count('handed_off'),
      handoffRate: count('handed_off') / chats.length,
      unanswered: unanswered.length,
      csatAverage: csat(ratings).average,
      csatRatings: ratings.length,
    },
    byDay: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)),
    reasons: Object.fromEntries(reasons),
    overall: timing(tickets),
    perAgent,
    perTeam,
    csat: csat(ratings),
    csatPerAgent,
    csatPerTeam,
    unansweredByReason: byReason,
    /** Unanswered texts per topic, for the grouping checks. */
    topics,
  };
}
