// Agent console: login, the live queue, several chats at once with unread badges, transcript with
// what the bot understood of each customer turn, suggested answers, product cards, resolve / return.
// Each of the agent's messages shows its delivery (Sending, Sent, Delivered, Seen, or Not delivered
// with the reason); the customer is told when the agent has seen their messages (channels/delivery.ts).
import { chatMoodNow, clear, clearStaffSession, el, fmtDuration, fmtTime, loadStaffSession, moodPill, pct, sentimentPill, staffSignOut } from './common.js';

import { initCanned, resetComposer } from './canned.js';
import { initLearnedPanel, offerDraft } from './learned.js';
import { mountStaffLogin, signedOutMessage } from './staff-login.js';

const $ = (id) => document.getElementById(id);

const ui = {
  console: $('console'),
  conn: $('conn'),
  me: $('me'),
  logout: $('logout'),
  soundBtn: $('sound'),
  notifyBtn: $('notify'),
  queue: $('queue'),
  queueCount: $('queue-count'),
  queueEmpty: $('queue-empty'),
  mine: $('mine'),
  mineCount: $('mine-count'),
  mineEmpty: $('mine-empty'),
  noChat: $('no-chat'),
  chat: $('chat'),
  chatTitle: $('chat-title'),
  chatTags: $('chat-tags'),
  transcript: $('transcript'),
  customerTyping: $('customer-typing'),
  composer: $('composer'),
  reply: $('reply'),
  suggested: $('suggested'),
  sendError: $('send-error'),
  info: $('info'),
  summary: $('summary'),
  profile: $('profile'),
  orders: $('orders'),
  psearch: $('psearch'),
  psearchForm: $('product-search'),
  presults: $('presults'),
  resolveBtn: $('resolve'),
  returnBtn: $('return'),
  resolveDialog: $('resolve-dialog'),
  resolveSummary: $('resolve-summary'),
  resolveDraft: $('resolve-draft'),
  returnDialog: $('return-dialog'),
  returnDraft: $('return-draft'),
  toast: $('toast'),
};

const state = {
  session: null,
  socket: null,
  queue: [],
  seenTickets: new Set(),
  /** ticketId -> { ticketId, conversationId, view, unread, turns: Map(seq -> turn), typingAt, delivery: Map(seq -> {status, reason}), seenSent } */
  chats: new Map(),
  active: null,
  sound: localStorage.getItem('shopbot-agent-sound') !== 'off',
  audio: null,
  firstQueue: true,
};

// ---------- small UI helpers ----------
function toast(text) {
  ui.toast.textContent = text;
  ui.toast.hidden = false;
  clearTimeout(toast.t);
  toast.t = setTimeout(() => (ui.toast.hidden = true), 3000);
}

function setConn(text) {
  ui.conn.textContent = text || '';
  ui.conn.hidden = !text;
}

function emit(event, data, timeout = 15000) {
  return new Promise((resolve) => {
    if (!state.socket) return resolve({ ok: false, error: 'not connected' });
    state.socket.timeout(timeout).emit(event, data, (err, res) => {
      if (err) resolve({ ok: false, error: 'the server did not answer in time' });
      else resolve(res || { ok: false, error: 'no answer' });
    });
  });
}

// ---------- notifications: a short chime (generated, no file), the tab title, desktop alerts ----------
function unlockAudio() {
  if (state.audio) return;
  try {
    state.audio = new (window.AudioContext || window.webkitAudioContext)();
  } catch {
    state.audio = null;
  }
}

function chime() {
  if (!state.sound || !state.audio) return;
  try {
    const ctx = state.audio;
    if (ctx.state === 'suspended') void ctx.resume();
    const t0 = ctx.currentTime;
    [880, 1320].forEach((f, i) => {
      const o = ctx.createOscillator();
      const g = ctx.createGain();
      o.frequency.value = f;
      o.type = 'sine';
      g.gain.setValueAtTime(0.0001, t0 + i * 0.16);
      g.gain.exponentialRampToValueAtTime(0.2, t0 + i * 0.16 + 0.02);
      g.gain.exponentialRampToValueAtTime(0.0001, t0 + i * 0.16 + 0.3);
      o.connect(g).connect(ctx.destination);
      o.start(t0 + i * 0.16);
      o.stop(t0 + i * 0.16 + 0.32);
    });
  } catch {
    /* audio is a nicety */
  }
}

function desktopAlert(title, body) {
  if (!('Notification' in window) || Notification.permission !== 'granted' || !document.hidden) return;
  try {
    const n = new Notification(title, { body, tag: 'shopbot-agent' });
    n.onclick = () => {
      window.focus();
      n.close();
    };
  } catch {
    /* not supported here */
  }
}

function updateTitle() {
  const waiting = state.queue.length;
  let unread = 0;
  for (const c of state.chats.values()) unread += c.unread;
  const parts = [];
  if (waiting) parts.push(`${waiting} waiting`);
  if (unread) parts.push(`${unread} unread`);
  document.title = parts.length ? `(${parts.join(', ')}) Support console` : 'Support console';
}

ui.soundBtn.addEventListener('click', () => {
  state.sound = !state.sound;
  localStorage.setItem('shopbot-agent-sound', state.sound ? 'on' : 'off');
  ui.soundBtn.setAttribute('aria-pressed', String(state.sound));
  ui.soundBtn.textContent = state.sound ? 'Sound on' : 'Sound off';
  unlockAudio();
  if (state.sound) chime();
});
ui.notifyBtn.addEventListener('click', async () => {
  if (!('Notification' in window)) return toast('This browser has no desktop notifications.');
  const p = await Notification.requestPermission();
  toast(p === 'granted' ? 'Desktop alerts are on while this tab is in the background.' : 'Desktop alerts were not allowed.');
});
document.addEventListener('pointerdown', unlockAudio, { once: true });
document.addEventListener('keydown', unlockAudio, { once: true });

// ---------- login ----------
const login = mountStaffLogin($('login-view'), {
  onSession: (session) => {
    state.session = session;
    start();
  },
  beforeSubmit: unlockAudio,
});

function showLogin(message) {
  ui.console.hidden = true;
  for (const b of [ui.logout, ui.me, ui.soundBtn, ui.notifyBtn, $('canned-btn'), $('csat-btn'), $('team-link'), $('reports-link')]) b.hidden = true;
  login.show(message);
}

/** Leaves the console: the socket closes, the chats are forgotten and the login form shows. */
function endSession(message) {
  clearStaffSession();
  if (state.socket) state.socket.disconnect();
  state.socket = null;
  state.session = null;
  state.chats.clear();
  state.active = null;
  showLogin(message);
}

ui.logout.addEventListener('click', async () => {
  const session = state.session;
  // This tab lets go first (its socket closes), then the server ends the session and any other
  // socket signed in with it.
  endSession('Signing out…');
  const done = await staffSignOut(session);
  login.say(signedOutMessage(done));
});

// ---------- connection ----------
function start() {
  // Product-team accounts read insights only; the chat namespace would refuse them.
  if (state.session.agent && state.session.agent.role === 'product') {
    location.assign('/insights');
    return;
  }
  login.hide();
  ui.console.hidden = false;
  ui.me.hidden = false;
  ui.me.textContent = `${state.session.agent.name} · online`;
  ui.logout.hidden = false;
  ui.soundBtn.hidden = false;
  ui.soundBtn.setAttribute('aria-pressed', String(state.sound));
  ui.soundBtn.textContent = state.sound ? 'Sound on' : 'Sound off';
  ui.notifyBtn.hidden = !('Notification' in window);
  // Admins manage agents, teams and VIP customers on the Team page (admin.html).
  $('team-link').hidden = state.session.agent.role !== 'admin';
  // Reports (reports.html) are for admins too; the API checks the role itself.
  $('reports-link').hidden = state.session.agent.role !== 'admin';
  renderChats();
  renderActive();
  if (!window.io) {
    setConn('Chat client failed to load; reload the page.');
    return;
  }
  const socket = window.io('/agents', { transports: ['websocket', 'polling'], auth: { token: state.session.token } });
  state.socket = socket;
  initLearnedPanel(emit, state.session, toast);
  initCanned(emit, state.session, toast, () => state.active);
  socket.on('connect', () => setConn(''));
  socket.on('disconnect', (reason) => {
    if (reason !== 'io client disconnect') setConn('Connection lost – reconnecting…');
  });
  socket.on('connect_error', (err) => {
    if (err && err.message === 'unauthorized') endSession('Your session has ended; please sign in again.');
    else if (err && err.message === 'forbidden') endSession('This account cannot take chats; open Insights instead.');
    else if (err && err.message === 'password_change_required') endSession('Sign in again to choose your own password.');
    else setConn('Cannot reach the server – retrying…');
  });
  // Signed out elsewhere (another tab's "Sign out") or expired: the server closes the socket.
  socket.on('session_ended', () => endSession('Your session has ended; please sign in again.'));
  // The queue: a full snapshot on (re)connection, then only changes (rows added, removed, updated).
  socket.on('queue', onQueue);
  socket.on('queue_add', onQueueItem);
  socket.on('queue_update', onQueueItem);
  socket.on('queue_remove', onQueueRemove);
  // Sent on every (re)connection: the chats this agent holds. Reopening each one also brings back
  // whatever was said while the connection was down; chats no longer held are dropped.
  socket.on('assigned', (list) => {
    const held = new Set((Array.isArray(list) ? list : []).map((a) => a.ticketId));
    for (const id of [...state.chats.keys()]) if (!held.has(id)) state.chats.delete(id);
    if (state.active !== null && !held.has(state.active)) state.active = null;
    renderChats();
    renderActive();
    for (const id of held) void openChat(id, false);
  });
  // Auto-assignment (desk/assignment.ts) gives this agent a chat, or takes back one left unanswered.
  socket.on('chat_assigned', onAutoAssigned);
  socket.on('chat_unassigned', onUnassigned);
  socket.on('customer_message', (d) => onTurn(d, true));
  socket.on('customer_typing', onCustomerTyping);
  socket.on('agent_message', (d) => onTurn(d, false));
  socket.on('delivery', onDelivery);
}

// ---------- queue ----------
// Rows are kept in queue order (most urgent first, then oldest); each one counts its own waiting
// time from when it arrived, so incremental updates need not touch the other rows.
function queueOrder(a, b) {
  return (b.priority || 0) - (a.priority || 0) || String(a.createdAt || '').localeCompare(String(b.createdAt || '')) || a.ticketId - b.ticketId;
}

function queueRow(t) {
  return { ...t, since: Date.now() - (Number(t.waitMs) || 0) };
}

function announce(fresh) {
  if (!fresh.length) return;
  chime();
  const t = fresh[0];
  desktopAlert('A customer is waiting', `${t.customerName}: ${t.request || t.lastMessage || t.reason}`);
}

/** `queue`: the whole queue, on every (re)connection. */
function onQueue(list) {
  const items = (Array.isArray(list) ? list : []).filter((t) => t && typeof t.ticketId === 'number').map(queueRow);
  const fresh = items.filter((t) => !state.seenTickets.has(t.ticketId));
  for (const t of items) state.seenTickets.add(t.ticketId);
  state.queue = items.sort(queueOrder);
  renderQueue();
  announce(fresh);
  state.firstQueue = false;
  updateTitle();
}

/** `queue_add` (a ticket joined) and `queue_update` (its customer wrote): that one row only. */
function onQueueItem(t) {
  if (!t || typeof t.ticketId !== 'number') return;
  const i = state.queue.findIndex((q) => q.ticketId === t.ticketId);
  const row = queueRow(i >= 0 ? { ...state.queue[i], ...t } : t);
  if (i >= 0) state.queue[i] = row;
  else {
    let at = state.queue.findIndex((q) => queueOrder(row, q) < 0);
    if (at < 0) at = state.queue.length;
    state.queue.splice(at, 0, row);
  }
  placeQueueRow(row);
  if (!state.seenTickets.has(row.ticketId)) {
    state.seenTickets.add(row.ticketId);
    announce([row]);
  }
  updateTitle();
}

/** `queue_remove`: accepted, cancelled or timed out. */
function onQueueRemove(d) {
  const ticketId = d && d.ticketId;
  const i = state.queue.findIndex((q) => q.ticketId === ticketId);
  if (i < 0) return;
  state.queue.splice(i, 1);
  ui.queue.querySelector(`.ticket[data-ticket="${ticketId}"]`)?.remove();
  renderQueueCount();
  updateTitle();
}

const REASONS = { asked: 'asked for a person', repeated_failure: 'bot did not understand', negative_sentiment: 'unhappy customer', needs_human: 'needs a person' };

function ticketEl(t) {
  const waitEl = el('span', { class: 'wait', 'data-since': String(t.since), title: 'Waiting time' });
  return el('li', { class: 'ticket', 'data-ticket': t.ticketId }, [
    el('div', { class: 'ticket-top' }, [el('span', { class: 'ticket-name', text: t.customerName || 'Guest' }), waitEl]),
    el('div', { class: 'ticket-tags' }, [
      el('span', { class: 'pill pill-info', text: t.skill || 'general', title: 'Skill needed' }),
      // One mood for the chat (upset ones come first), never a second reading beside it.
      moodPill(t.mood),
      // Why a chat is ahead of older ones: VIP customers and upset ones come first.
      t.vip ? el('span', { class: 'pill pill-warn', text: 'VIP', title: 'VIP customer: served first' }) : null,
      t.priority > 0 ? el('span', { class: 'pill pill-warn', text: `priority ${t.priority}`, title: 'Higher goes first' }) : null,
      el('span', { class: 'small muted', text: REASONS[t.reason] || t.reason || '' }),
    ]),
    // Why they want a person (the message that led to the hand-off); what they wrote since, smaller.
    ...ticketPreview(t),
    el('button', { class: 'btn btn-primary btn-small', type: 'button', text: 'Accept', 'aria-label': `Accept chat with ${t.customerName || 'guest'}`, onclick: () => accept(t.ticketId) }),
  ]);
}

function ticketPreview(t) {
  const request = t.request || t.lastMessage || '';
  const later = t.lastMessage && t.lastMessage !== request ? t.lastMessage : '';
  return [
    request ? el('div', { class: 'ticket-last', title: 'What the customer wanted when they asked for a person', text: `“${request}”` }) : null,
    later ? el('div', { class: 'ticket-later small muted', text: `Latest: “${later}”` }) : null,
  ];
}

function renderQueueCount() {
  ui.queueCount.textContent = String(state.queue.length);
  ui.queueCount.classList.toggle('count-zero', state.queue.length === 0);
  ui.queueEmpty.hidden = state.queue.length > 0;
}

function renderQueue() {
  clear(ui.queue);
  renderQueueCount();
  for (const t of state.queue) ui.queue.append(ticketEl(t));
  tickWaits();
}

/** Replaces (or inserts, in queue order) one row; the others stay as they are. */
function placeQueueRow(t) {
  const li = ticketEl(t);
  const old = ui.queue.querySelector(`.ticket[data-ticket="${t.ticketId}"]`);
  if (old) old.replaceWith(li);
  else {
    const next = state.queue[state.queue.indexOf(t) + 1];
    const nextEl = next ? ui.queue.querySelector(`.ticket[data-ticket="${next.ticketId}"]`) : null;
    ui.queue.insertBefore(li, nextEl);
  }
  renderQueueCount();
  tickWaits(li);
}

function tickWaits(root = ui.queue) {
  const now = Date.now();
  for (const w of root.querySelectorAll('[data-since]')) {
    const ms = Math.max(0, now - Number(w.getAttribute('data-since')));
    w.textContent = `waiting ${fmtDuration(ms)}`;
    w.closest('.ticket')?.classList.toggle('waiting-long', ms > 120_000);
  }
}
setInterval(() => tickWaits(), 1000);

async function accept(ticketId) {
  const res = await emit('accept', { ticketId });
  if (!res.ok) return toast(`Could not accept: ${res.error}`);
  onQueueRemove({ ticketId }); // the server's queue_remove follows
  addChat(ticketId, res.view);
  select(ticketId);
  ui.reply.focus();
}

/** `chat_assigned`: the desk gave this agent a waiting chat. */
async function onAutoAssigned(d) {
  if (!d || typeof d.ticketId !== 'number' || state.chats.has(d.ticketId)) return;
  onQueueRemove({ ticketId: d.ticketId });
  const chat = await openChat(d.ticketId, state.active === null);
  if (!chat) return;
  chime();
  toast(`New chat assigned to you: ${customerName(chat)}.`);
  desktopAlert('New chat assigned to you', customerName(chat));
}

/** `chat_unassigned`: a chat this agent did not answer in time went back to the queue. */
function onUnassigned(d) {
  if (!d || !state.chats.has(d.ticketId)) return;
  const chat = state.chats.get(d.ticketId);
  const minutes = d.timeoutMs ? ` within ${fmtDuration(d.timeoutMs)}` : '';
  closeChat(d.ticketId, `${customerName(chat)}'s chat went back to the queue: no reply${minutes}.`);
}

// ---------- chats ----------
function addChat(ticketId, view) {
  let chat = state.chats.get(ticketId);
  if (!chat) {
    chat = { ticketId, conversationId: view.conversationId, view, unread: 0, turns: new Map(), pending: [], delivery: new Map(), seenSent: 0 };
    state.chats.set(ticketId, chat);
  }
  chat.view = view;
  chat.conversationId = view.conversationId;
  for (const t of view.transcript || []) chat.turns.set(t.seq, t);
  renderChats();
  return chat;
}

async function openChat(ticketId, focus) {
  const res = await emit('open', { ticketId });
  if (!res.ok) return;
  const chat = addChat(ticketId, res.view);
  if (focus || state.active === null) select(ticketId);
  else if (state.active === ticketId) renderActive();
  void loadReceipts(chat);
  return chat;
}

// ---------- delivery status and read receipts ----------
const STATUS_TEXT = { sending: 'Sending…', sent: 'Sent', delivered: 'Delivered', read: 'Seen', failed: 'Not delivered' };

/** The statuses of the chat's messages as they stand (after opening it, or a reconnect). */
async function loadReceipts(chat) {
  const res = await emit('receipts', { ticketId: chat.ticketId });
  if (!res.ok || !Array.isArray(res.deliveries)) return;
  for (const d of res.deliveries) chat.delivery.set(d.seq, d);
  if (state.active === chat.ticketId) for (const d of res.deliveries) redrawTurn(chat, d.seq);
}

/** `delivery`: one or more of the agent's messages moved on (sent, delivered, seen, not delivered). */
function onDelivery(d) {
  const chat = d && chatByConversation(d.conversationId);
  if (!chat || !Array.isArray(d.updates)) return;
  for (const u of d.updates) {
    if (!u || typeof u.seq !== 'number' || !STATUS_TEXT[u.status]) continue;
    const before = chat.delivery.get(u.seq);
    chat.delivery.set(u.seq, u);
    if (state.active === chat.ticketId) redrawTurn(chat, u.seq);
    if (u.status === 'failed' && (!before || before.status !== 'failed')) toast(`Not delivered to ${customerName(chat)}: ${u.reason || 'the channel refused it'}`);
  }
}

function redrawTurn(chat, seq) {
  const t = chat.turns.get(seq);
  const old = ui.transcript.querySelector(`[data-seq="${seq}"]`);
  if (t && old) old.replaceWith(turnEl(t, chat));
}

/**
 * Tells the server how far this console shows the open chat: only while the tab is visible and
 * focused, so the customer's "Seen" means a person had it in front of them.
 */
function markSeen() {
  if (document.visibilityState !== 'visible' || !document.hasFocus() || state.active === null) return;
  const chat = state.chats.get(state.active);
  if (!chat || ui.chat.hidden) return;
  let upTo = 0;
  for (const t of chat.turns.values()) if (t.role === 'customer' && t.seq > upTo) upTo = t.seq;
  if (upTo <= chat.seenSent) return;
  chat.seenSent = upTo;
  void emit('seen', { ticketId: chat.ticketId, seq: upTo }, 5000).then((res) => {
    if (!res.ok && chat.seenSent === upTo) chat.seenSent = 0; // try again on the next occasion
  });
}
document.addEventListener('visibilitychange', markSeen);
window.addEventListener('focus', markSeen);

function chatByConversation(conversationId) {
  for (const c of state.chats.values()) if (c.conversationId === conversationId) return c;
  return null;
}

const refreshTimers = new Map();
// The customer is typing: shown under the transcript of the open chat for a few seconds.
const TYPING_SHOWN_MS = 6000;
let typingTimer = null;
function onCustomerTyping(d) {
  const chat = d && chatByConversation(d.conversationId);
  if (!chat) return;
  chat.typingAt = Date.now();
  renderTyping();
}
function renderTyping() {
  const chat = state.active !== null ? state.chats.get(state.active) : null;
  const on = !!chat && Date.now() - (chat.typingAt || 0) < TYPING_SHOWN_MS;
  ui.customerTyping.hidden = !on;
  if (on) ui.customerTyping.textContent = `${customerName(chat)} is typing…`;
  clearTimeout(typingTimer);
  if (on) typingTimer = setTimeout(renderTyping, TYPING_SHOWN_MS - (Date.now() - chat.typingAt) + 50);
}

function onTurn(d, fromCustomer) {
  if (!d || !d.message) return;
  const chat = chatByConversation(d.conversationId);
  if (!chat) return;
  const m = d.message;
  const isNew = !chat.turns.has(m.seq);
  chat.turns.set(m.seq, m);
  if (!isNew) return;
  if (fromCustomer) {
    chat.typingAt = 0;
    renderTyping();
    if (state.active !== chat.ticketId || document.hidden) {
      chat.unread++;
      chime();
      desktopAlert(`${customerName(chat)} wrote`, m.text);
    }
    // New question: refresh suggested answers and the summary (debounced).
    clearTimeout(refreshTimers.get(chat.ticketId));
    refreshTimers.set(chat.ticketId, setTimeout(() => void openChat(chat.ticketId, false), 700));
  }
  if (state.active === chat.ticketId) {
    appendTurn(m, chat);
    // A bot reply can change how the message it answers is tagged (a help article answered it).
    const asked = m.role === 'bot' && m.payload ? chat.turns.get(m.payload.replyTo) : undefined;
    if (asked) ui.transcript.querySelector(`[data-seq="${asked.seq}"]`)?.replaceWith(turnEl(asked, chat));
  }
  renderChats();
  updateTitle();
  if (fromCustomer) markSeen();
}

/** The chat's mood now: the queue's reading (chatMoodNow) on its latest read customer messages. */
function chatMood(chat) {
  const read = [...chat.turns.values()].filter((t) => t.role === 'customer' && t.sentiment).sort((a, b) => a.seq - b.seq);
  return chatMoodNow(chat.view.ticket?.reason, read.map((t) => t.sentiment));
}

function customerName(chat) {
  return chat.view.customer?.name || chat.view.ticket?.customerName || 'Guest';
}

function renderChats() {
  clear(ui.mine);
  const chats = [...state.chats.values()];
  ui.mineCount.textContent = String(chats.length);
  ui.mineCount.classList.toggle('count-zero', chats.length === 0);
  ui.mineEmpty.hidden = chats.length > 0;
  for (const c of chats) {
    ui.mine.append(
      el('li', {}, [
        el(
          'button',
          {
            class: 'chat-tab',
            type: 'button',
            'aria-current': String(state.active === c.ticketId),
            'data-ticket': c.ticketId,
            onclick: () => select(c.ticketId),
          },
          [
            el('span', { class: 'ticket-name', text: `${customerName(c)} · #${c.ticketId}` }),
            moodPill(chatMood(c)),
            // The name is the words on the tab; the badge is read as "2 unread".
            c.unread ? el('span', { class: 'unread', 'aria-hidden': 'true', text: String(c.unread) }) : null,
            c.unread ? el('span', { class: 'sr-only', text: `, ${c.unread} unread` }) : null,
          ],
        ),
      ]),
    );
  }
  updateTitle();
}

function select(ticketId) {
  // Each chat keeps its own unsent draft.
  const previous = state.active !== null ? state.chats.get(state.active) : null;
  if (previous && previous.ticketId !== ticketId) previous.draft = ui.reply.value;
  const changed = state.active !== ticketId;
  state.active = ticketId;
  const chat = state.chats.get(ticketId);
  if (chat) chat.unread = 0;
  if (chat && changed) {
    resetComposer();
    ui.reply.value = chat.draft || '';
    ui.psearch.value = chat.search ? chat.search.query : '';
    ui.sendError.textContent = '';
  }
  renderChats();
  renderActive();
}

// ---------- the open conversation ----------
/**
 * The help article the bot answered customer message `seq` from: its title ('' when untitled), or
 * null when no article answered it. The bot's article answers start "From our <title> page:"
 * (app/wiring.ts, attributed) and reply to the message (payload.replyTo).
 */
function articleAnswering(chat, seq) {
  for (const r of chat.turns.values()) {
    if (r.role !== 'bot' || !r.payload || r.payload.replyTo !== seq) continue;
    const m = /^From our (?:(.+?) page|help pages):/.exec(r.text || '');
    if (m) return m[1] || '';
  }
  return null;
}

/** Intents whose reading already says the bot searched products. */
const SEARCH_INTENTS = new Set(['product_search', 'recommendation_request']);

/** How many product cards the bot answered customer message `seq` with (0: none). */
function cardsAnswering(chat, seq) {
  let n = 0;
  for (const r of chat.turns.values()) {
    if (r.role === 'bot' && r.payload && r.payload.replyTo === seq && Array.isArray(r.payload.attachments)) n += r.payload.attachments.length;
  }
  return n;
}

function turnEl(t, chat) {
  const role = t.role === 'customer' ? 'customer' : t.role === 'agent' ? 'agent' : 'bot';
  const who = role === 'customer' ? 'Customer' : role === 'agent' ? (t.payload && t.payload.agentName) || 'Agent' : 'Bot';
  const metaBits = [el('strong', { text: who }), el('time', { datetime: t.ts, text: fmtTime(t.ts) })];
  if (role === 'customer') {
    const reading = t.intent ? `${t.intent.replace(/_/g, ' ')}${typeof t.confidence === 'number' ? ` ${pct(t.confidence)}` : ''}` : '';
    // A question the bot answered from a help article is tagged with the article, not with the
    // intent head's reading of the words (often "out of scope" for a policy question it answered).
    const article = chat ? articleAnswering(chat, t.seq) : null;
    if (article !== null) {
      metaBits.push(el('span', { class: 'pill pill-info', 'data-answered': 'article', title: `The bot answered from the help article${article ? ` “${article}”` : 's'}${reading ? ` (intent model: ${reading})` : ''}`, text: article ? `help article: ${article}` : 'help article' }));
    } else if (chat && !SEARCH_INTENTS.has(t.intent) && cardsAnswering(chat, t.seq) > 0) {
      // A follow-up such as "cheaper" or "2nd one pls" reads as out of scope or a price question
      // to the intent head, but the bot answered it with products: say what happened.
      metaBits.push(el('span', { class: 'pill pill-info', 'data-answered': 'products', title: `The bot answered with product cards${reading ? ` (intent model: ${reading})` : ''}`, text: 'shopping' }));
    } else if (reading) metaBits.push(el('span', { class: 'pill pill-info', title: 'Intent the bot recognised', text: reading }));
    const s = sentimentPill(t.sentiment, t.sentimentScore);
    if (s) {
      s.title = `This message: ${s.title}`;
      metaBits.push(s);
    }
  }
  const extra = [];
  const payload = t.payload || {};
  if (Array.isArray(payload.attachments) && payload.attachments.length) {
    const titles = payload.attachments.map((a) => (a && a.content && a.content.title) || 'product').slice(0, 5);
    extra.push(el('div', { class: 'turn-cards', text: `▸ ${payload.attachments.length} product card${payload.attachments.length > 1 ? 's' : ''}: ${titles.join(' · ')}` }));
  }
  if (Array.isArray(payload.suggestions) && payload.suggestions.length) {
    extra.push(el('div', { class: 'turn-cards', text: `Quick replies: ${payload.suggestions.map((s) => s.title || s.value).join(' · ')}` }));
  }
  const text = t.text || (role === 'customer' && payload.value ? '(clicked a button)' : '');
  // The agent's own messages: how far they got.
  const d = role === 'agent' && chat ? chat.delivery.get(t.seq) : undefined;
  if (d) metaBits.push(el('span', { class: `turn-status turn-status-${d.status}`, 'data-status': d.status, text: STATUS_TEXT[d.status] || d.status }));
  const failed = d && d.status === 'failed' ? el('div', { class: 'turn-failed', role: 'note', text: d.reason || 'The channel did not take this message.' }) : null;
  return el('div', { class: `turn turn-${role}${failed ? ' turn-undelivered' : ''}`, 'data-seq': t.seq }, [text ? el('div', { class: 'turn-bubble', text }) : null, ...extra, el('div', { class: 'turn-meta' }, metaBits), failed]);
}

function appendTurn(t, chat) {
  if (ui.transcript.querySelector(`[data-seq="${t.seq}"]`)) return;
  const nearBottom = ui.transcript.scrollHeight - ui.transcript.scrollTop - ui.transcript.clientHeight < 120;
  // Keep seq order.
  const later = [...ui.transcript.querySelectorAll('[data-seq]')].find((n) => Number(n.getAttribute('data-seq')) > t.seq);
  const node = turnEl(t, chat);
  if (later) ui.transcript.insertBefore(node, later);
  else ui.transcript.append(node);
  if (nearBottom || t.role === 'agent') ui.transcript.scrollTop = ui.transcript.scrollHeight;
}

function renderActive() {
  const chat = state.active !== null ? state.chats.get(state.active) : null;
  ui.noChat.hidden = !!chat;
  ui.chat.hidden = !chat;
  ui.info.hidden = !chat;
  if (!chat) return;
  const v = chat.view;
  ui.chatTitle.textContent = customerName(chat);
  clear(ui.chatTags);
  ui.chatTags.append(
    el('span', { class: 'pill pill-info', text: v.ticket?.skill || 'general' }),
    el('span', { class: 'pill', text: `ticket #${chat.ticketId}` }),
    moodPill(chatMood(chat)),
    v.ticket?.reason ? el('span', { class: 'small muted', text: REASONS[v.ticket.reason] || v.ticket.reason }) : null,
  );
  renderTyping();
  clear(ui.transcript);
  const turns = [...chat.turns.values()].sort((a, b) => a.seq - b.seq);
  for (const t of turns) ui.transcript.append(turnEl(t, chat));
  ui.transcript.scrollTop = ui.transcript.scrollHeight;
  markSeen();

  // Suggested answers: one click puts the text in the reply box, where it can be edited.
  clear(ui.suggested);
  for (const s of v.suggestedAnswers || []) {
    ui.suggested.append(
      el(
        'button',
        {
          class: 'suggestion',
          type: 'button',
          title: s.from ? `From ${s.from}` : s.sources && s.sources.length ? `From: ${s.sources.slice(0, 3).join(', ')}` : 'Suggested answer',
          onclick: () => {
            ui.reply.value = s.text;
            ui.reply.focus();
            ui.reply.setSelectionRange(ui.reply.value.length, ui.reply.value.length);
          },
        },
        [el('span', { class: 'pill pill-info', text: s.from ? `From ${s.from}` : `Suggested ${pct(s.score)}` }), el('span', { class: 'suggestion-text', text: s.text })],
      ),
    );
  }

  ui.summary.textContent = v.summary || '';
  clear(ui.profile);
  const c = v.customer;
  const rows = c
    ? [
        ['Name', c.name],
        ['E-mail', c.email || '–'],
        ['Country', c.country || '–'],
        ['Channels', (c.identities || []).join(', ') || '–'],
        ['Customer id', c.id],
      ]
    : [['Customer', 'Unknown guest']];
  for (const [k, val] of rows) ui.profile.append(el('dt', { text: k }), el('dd', { text: val }));

  clear(ui.orders);
  if (!v.orders || v.orders.length === 0) ui.orders.append(el('li', { class: 'muted', text: 'No orders.' }));
  for (const o of v.orders || []) {
    ui.orders.append(
      el('li', {}, [
        el('div', {}, [el('strong', { text: o.id }), ' ', el('span', { class: `pill ${o.status === 'delivered' ? 'pill-pos' : o.status === 'cancelled' ? 'pill-neg' : 'pill-info'}`, text: o.status.replace(/_/g, ' ') })]),
        el('div', { class: 'muted', text: `${fmtTime(o.createdAt)} · ₹${Math.round(o.total).toLocaleString('en-IN')}` }),
        el('div', { text: (o.items || []).slice(0, 3).join('; ') }),
      ]),
    );
  }
  if (chat.search) renderProducts(chat.search.products, chat.search.products.length ? `${chat.search.products.length} in stock for “${chat.search.query}”` : `Nothing in stock matches “${chat.search.query}”.`);
  else renderProducts((v.recommendedProducts || []).map((p) => ({ ...p, note: p.reason })), 'Recommended for this customer');
}

function renderProducts(list, label) {
  clear(ui.presults);
  if (label) ui.presults.append(el('li', { class: 'muted small', text: label }));
  for (const p of list) {
    ui.presults.append(
      el('li', { 'data-product-id': p.productId }, [
        el('div', { class: 'grow' }, [el('div', { text: p.title }), el('div', { class: 'muted', text: `₹${Math.round(p.price).toLocaleString('en-IN')}${p.note ? ` · ${p.note}` : ''}${p.stock === 0 ? ' · out of stock' : ''}` })]),
        el('button', { class: 'btn btn-small', type: 'button', text: 'Send', 'aria-label': `Send ${p.title} to the customer`, onclick: () => sendProducts([p.productId]) }),
      ]),
    );
  }
}

async function sendProducts(productIds) {
  const chat = state.chats.get(state.active);
  if (!chat) return;
  const res = await emit('send_products', { ticketId: chat.ticketId, productIds });
  if (!res.ok) return toast(`Could not send: ${res.error}`);
  toast(`Sent ${res.sent} product card${res.sent === 1 ? '' : 's'}.`);
  await openChat(chat.ticketId, false);
}

ui.psearchForm.addEventListener('submit', async (e) => {
  e.preventDefault();
  const query = ui.psearch.value.trim();
  if (!query) {
    // An empty search goes back to the recommendations for this customer.
    const chat = state.chats.get(state.active);
    if (chat) chat.search = null;
    renderActive();
    return;
  }
  const res = await emit('search_products', { query });
  if (!res.ok) return toast(`Search failed: ${res.error}`);
  const products = res.products || [];
  const chat = state.chats.get(state.active);
  if (chat) chat.search = { query, products };
  renderProducts(products, products.length ? `${products.length} in stock for “${query}”` : `Nothing in stock matches “${query}”.`);
});

// ---------- replying ----------
let lastTyping = 0;
ui.reply.addEventListener('input', () => {
  const chat = state.chats.get(state.active);
  if (!chat || Date.now() - lastTyping < 2500) return;
  lastTyping = Date.now();
  void emit('typing', { ticketId: chat.ticketId }, 5000);
});
// Enter sends, as in the customer's widget; Shift+Enter is a new line (Ctrl+Enter sends too). On
// the form, so the saved replies' list (canned.js, on the textarea) takes its Enter first, and never
// while an input method is composing (Hindi, Tamil …).
ui.composer.addEventListener('keydown', (e) => {
  if (e.target !== ui.reply || e.key !== 'Enter' || e.shiftKey || e.altKey || e.defaultPrevented || e.isComposing || e.keyCode === 229) return;
  e.preventDefault();
  ui.composer.requestSubmit();
});
/** Sends what is in the reply box to `chat`; true once the server took it. */
async function sendReply(chat) {
  const text = ui.reply.value.trim();
  if (!chat || !text) return false;
  ui.sendError.textContent = '';
  ui.reply.value = '';
  const res = await emit('message', { ticketId: chat.ticketId, text });
  if (!res.ok) {
    if (state.active === chat.ticketId && !ui.reply.value) ui.reply.value = text;
    ui.sendError.textContent = `Not sent: ${res.error}`;
    return false;
  }
  // The message normally arrives as agent_message; make sure it shows even if that is late.
  if (res.seq && !chat.turns.has(res.seq)) {
    const t = { seq: res.seq, role: 'agent', text, ts: new Date().toISOString(), payload: { agentName: state.session.agent.name } };
    chat.turns.set(res.seq, t);
    if (state.active === chat.ticketId) appendTurn(t, chat);
  }
  return true;
}
ui.composer.addEventListener('submit', (e) => {
  e.preventDefault();
  void sendReply(state.chats.get(state.active));
});

function closeChat(ticketId, message) {
  state.chats.delete(ticketId);
  if (state.active === ticketId) {
    // The closed chat's reply box goes with it; the next chat opens with its own draft.
    state.active = null;
    ui.reply.value = '';
    resetComposer();
    const next = [...state.chats.keys()][0];
    if (next !== undefined) select(next);
  }
  renderChats();
  renderActive();
  toast(message);
}

ui.resolveBtn.addEventListener('click', () => {
  const chat = state.chats.get(state.active);
  if (!chat) return;
  ui.resolveSummary.value = chat.view.summary || '';
  // An unsent reply is named here: resolving drops it (Cancel keeps it in the box).
  const draft = ui.reply.value.trim();
  ui.resolveDraft.hidden = !draft;
  ui.resolveDraft.textContent = draft ? `Your reply is not sent and will be dropped: “${draft.length > 120 ? draft.slice(0, 119) + '…' : draft}”. Cancel to send it first.` : '';
  if (typeof ui.resolveDialog.showModal === 'function') ui.resolveDialog.showModal();
  else void doResolve(chat.ticketId, ui.resolveSummary.value);
});
ui.resolveDialog.addEventListener('close', () => {
  const chat = state.chats.get(state.active);
  if (ui.resolveDialog.returnValue === 'ok' && chat) void doResolve(chat.ticketId, ui.resolveSummary.value);
});
async function doResolve(ticketId, summary) {
  const res = await emit('resolve', { ticketId, ...(summary && summary.trim() ? { summary: summary.trim() } : {}) });
  if (!res.ok) return toast(`Could not resolve: ${res.error}`);
  closeChat(ticketId, 'Chat resolved. The customer is back with the bot.');
  // Nothing is learned unless the agent saves the redacted draft for everyone.
  if (res.draft) offerDraft(emit, ticketId, res.draft, toast);
}
async function doReturn(chat) {
  const res = await emit('return', { ticketId: chat.ticketId });
  if (!res.ok) return toast(`Could not return: ${res.error}`);
  closeChat(chat.ticketId, 'Chat returned to the bot.');
}
// A reply still in the box is never dropped silently (the Chromium walk's customer saw "Anna
// joined", then "handed you back", and nothing of what Anna had written): ask first.
ui.returnBtn.addEventListener('click', () => {
  const chat = state.chats.get(state.active);
  if (!chat) return;
  const draft = ui.reply.value.trim();
  if (!draft || typeof ui.returnDialog.showModal !== 'function') return void doReturn(chat);
  ui.returnDraft.textContent = draft;
  ui.returnDialog.returnValue = '';
  ui.returnDialog.dataset.ticket = String(chat.ticketId);
  ui.returnDialog.showModal();
});
ui.returnDialog.addEventListener('close', async () => {
  const chat = state.chats.get(Number(ui.returnDialog.dataset.ticket));
  const choice = ui.returnDialog.returnValue;
  if (!chat || state.active !== chat.ticketId || (choice !== 'send' && choice !== 'discard')) {
    ui.reply.focus();
    return;
  }
  if (choice === 'send' && !(await sendReply(chat))) return void ui.reply.focus();
  await doReturn(chat);
});

// ---------- boot ----------
state.session = loadStaffSession();
if (state.session && state.session.agent.mustChangePassword) login.changePassword(state.session);
else if (state.session) start();
else showLogin('');
