// Saved replies and ratings in the agent console.
//   - In the composer, "/" (at the start or after a space) opens the list of saved replies, filtered
//     by what follows it; arrows move, Enter or Tab inserts, Esc closes. The server fills the
//     placeholders from the open chat (customer name, latest order, tracking); what it cannot fill
//     stays as e.g. [order number], selected for the agent to type over.
//   - "Saved replies" in the top bar: add, edit and delete one's own replies (admins: shared ones too).
//   - "Ratings" (admins): the average customer rating per agent.
import { clear, el, fmtTime } from './common.js';

const $ = (id) => document.getElementById(id);

let ctx = null; // { emit, session, toast, activeTicket }
let replies = [];
let placeholders = [];
let canEditShared = false;
let bound = false;

const pop = { open: false, start: 0, end: 0, items: [], active: 0 };

async function load() {
  if (!ctx) return;
  const res = await ctx.emit('canned_list', {});
  if (!res.ok) return;
  replies = res.replies || [];
  placeholders = res.placeholders || [];
  canEditShared = !!res.canEditShared;
  renderManage();
}

// ---------- the "/" list in the composer ----------
/** The "/word" right before the caret, if any: its start and the word. */
function tokenAtCaret(ta) {
  const upTo = ta.value.slice(0, ta.selectionStart);
  const m = /(^|\s)(\/[a-z0-9_-]*)$/i.exec(upTo);
  if (!m || ta.selectionStart !== ta.selectionEnd) return null;
  return { start: upTo.length - m[2].length, end: ta.selectionStart, query: m[2].slice(1).toLowerCase() };
}

function matches(query) {
  if (!query) return replies.slice(0, 20);
  const q = query.toLowerCase();
  const prefix = replies.filter((r) => r.shortcut.slice(1).startsWith(q));
  const words = replies.filter((r) => !prefix.includes(r) && (r.title.toLowerCase().includes(q) || r.body.toLowerCase().includes(q)));
  return [...prefix, ...words].slice(0, 20);
}

function openPop(tok) {
  const reply = $('reply');
  pop.open = true;
  pop.start = tok.start;
  pop.end = tok.end;
  pop.items = matches(tok.query);
  pop.active = 0;
  const list = clear($('canned-list'));
  if (!pop.items.length) list.append(el('li', { class: 'canned-empty', role: 'presentation', text: replies.length ? `No saved reply matches “/${tok.query}”.` : 'No saved replies yet: add some under “Saved replies”.' }));
  pop.items.forEach((r, i) => {
    list.append(
      el(
        'li',
        {
          id: `canned-opt-${r.id}`,
          class: 'canned-opt',
          role: 'option',
          'aria-selected': String(i === pop.active),
          onmousedown: (e) => e.preventDefault(), // keep the focus (and caret) in the reply box
          onclick: () => void pick(i),
        },
        [el('span', {}, [el('code', { text: r.shortcut }), ` ${r.title}`, r.shared ? '' : el('span', { class: 'small muted', text: ' · yours' })]), el('span', { class: 'canned-opt-body', text: r.body })],
      ),
    );
  });
  $('canned-pop').hidden = false;
  syncActive();
}

function closePop() {
  pop.open = false;
  pop.items = [];
  $('canned-pop').hidden = true;
  $('reply').removeAttribute('aria-activedescendant');
}

function syncActive() {
  const reply = $('reply');
  const opts = $('canned-list').querySelectorAll('.canned-opt');
  opts.forEach((o, i) => o.setAttribute('aria-selected', String(i === pop.active)));
  const cur = opts[pop.active];
  if (cur) {
    reply.setAttribute('aria-activedescendant', cur.id);
    cur.scrollIntoView({ block: 'nearest' });
  } else reply.removeAttribute('aria-activedescendant');
}

async function pick(i) {
  const r = pop.items[i];
  const ticketId = ctx && ctx.activeTicket();
  const reply = $('reply');
  const { start, end } = pop;
  closePop();
  if (!r || ticketId === null || ticketId === undefined) return;
  const res = await ctx.emit('canned_fill', { ticketId, id: r.id });
  if (!res.ok) {
    $('canned-hint').textContent = `Could not insert ${r.shortcut}: ${res.error}`;
    return;
  }
  // Replace the "/word" with the filled reply.
  reply.value = reply.value.slice(0, start) + res.text + reply.value.slice(end);
  reply.focus();
  const missing = res.missing || [];
  const at = missing.length ? reply.value.indexOf(missing[0], start) : -1;
  if (at >= 0) reply.setSelectionRange(at, at + missing[0].length);
  else reply.setSelectionRange(start + res.text.length, start + res.text.length);
  reply.dispatchEvent(new Event('input', { bubbles: true }));
  $('canned-hint').textContent = missing.length ? `Replace ${missing.join(', ')} before sending: this chat does not say it.` : '';
}

function onInput() {
  const tok = tokenAtCaret($('reply'));
  if (tok) openPop(tok);
  else if (pop.open) closePop();
  // The hint goes once no marker it names is left.
  const hint = $('canned-hint');
  if (hint.textContent && !/\[[^\]]+\]/.test($('reply').value)) hint.textContent = '';
}

function onKeydown(e) {
  if (!pop.open) return;
  if (e.key === 'Enter' && (e.ctrlKey || e.metaKey)) {
    closePop(); // Ctrl+Enter sends what is written (agent.js, on the form)
    return;
  }
  if (e.key === 'ArrowDown' || e.key === 'ArrowUp') {
    if (!pop.items.length) return;
    e.preventDefault();
    pop.active = (pop.active + (e.key === 'ArrowDown' ? 1 : -1) + pop.items.length) % pop.items.length;
    syncActive();
  } else if ((e.key === 'Enter' && !e.ctrlKey && !e.metaKey && !e.shiftKey) || e.key === 'Tab') {
    if (!pop.items.length) {
      if (e.key === 'Enter') closePop();
      return;
    }
    e.preventDefault();
    e.stopImmediatePropagation();
    void pick(pop.active);
  } else if (e.key === 'Escape') {
    e.preventDefault();
    e.stopPropagation();
    closePop();
  }
}

// ---------- managing replies ----------
const editing = { id: null };

function resetForm() {
  editing.id = null;
  $('canned-form').reset();
  $('canned-form-h').textContent = 'Add a saved reply';
  $('canned-save').textContent = 'Add reply';
  $('canned-cancel-edit').hidden = true;
  $('canned-shared').disabled = false;
  $('canned-error').textContent = '';
}

function startEdit(r) {
  editing.id = r.id;
  $('canned-shortcut').value = r.shortcut;
  $('canned-title').value = r.title;
  $('canned-body').value = r.body;
  $('canned-shared').checked = r.shared;
  $('canned-shared').disabled = true;
  $('canned-form-h').textContent = `Edit ${r.shortcut}`;
  $('canned-save').textContent = 'Save changes';
  $('canned-cancel-edit').hidden = false;
  $('canned-error').textContent = '';
  $('canned-shortcut').focus();
}

function renderManage() {
  $('canned-placeholders').textContent = placeholders.map((p) => `{{${p.key}}} (${p.describe})`).join(', ');
  $('canned-shared-row').hidden = !canEditShared;
  const list = clear($('canned-manage'));
  if (!replies.length) list.append(el('li', { class: 'empty-state', text: 'No saved replies yet.' }));
  for (const r of replies) {
    list.append(
      el('li', { class: 'canned-entry card', 'data-canned': r.id }, [
        el('p', { class: 'small' }, [el('code', { text: r.shortcut }), ' ', el('strong', { text: r.title }), ' ', el('span', { class: `pill ${r.shared ? 'pill-info' : 'pill-neu'}`, text: r.shared ? 'shared' : 'yours' }), el('span', { class: 'muted', text: ` · changed ${fmtTime(r.updatedAt)}` })]),
        el('p', { class: 'small', text: r.body }),
        r.editable
          ? el('div', { class: 'dialog-actions' }, [
              el('button', { class: 'btn btn-small', type: 'button', 'aria-label': `Edit ${r.shortcut}`, onclick: () => startEdit(r) }, 'Edit'),
              el('button', {
                class: 'btn btn-small btn-danger',
                type: 'button',
                'aria-label': `Delete ${r.shortcut}`,
                onclick: async () => {
                  const res = await ctx.emit('canned_delete', { id: r.id });
                  if (!res.ok) return ctx.toast(`Could not delete: ${res.error}`);
                  ctx.toast(`Deleted ${r.shortcut}.`);
                  if (editing.id === r.id) resetForm();
                  await load();
                },
              }, 'Delete'),
            ])
          : el('p', { class: 'small muted', text: 'Shared: only an admin can change it.' }),
      ]),
    );
  }
}

async function save(e) {
  e.preventDefault();
  const data = { shortcut: $('canned-shortcut').value, title: $('canned-title').value, body: $('canned-body').value };
  const res = editing.id !== null ? await ctx.emit('canned_update', { id: editing.id, ...data }) : await ctx.emit('canned_create', { ...data, shared: canEditShared && $('canned-shared').checked });
  if (!res.ok) {
    $('canned-error').textContent = res.error || 'Could not save.';
    return;
  }
  ctx.toast(`Saved ${res.reply.shortcut}.`);
  resetForm();
  await load();
}

// ---------- ratings (admins) ----------
async function showRatings() {
  const res = await ctx.emit('csat_summary', {});
  const table = clear($('csat-table'));
  if (!res.ok) {
    table.append(el('tr', {}, [el('td', { class: 'error', text: res.error || 'Could not load ratings.' })]));
  } else {
    const recent = new Map((res.last30Days || []).map((a) => [a.agentId, a]));
    table.append(
      el('thead', {}, [el('tr', {}, ['Agent', 'Ratings', 'Average', 'Last 30 days', '1', '2', '3', '4', '5'].map((h) => el('th', { scope: 'col', text: h })))]),
    );
    const body = el('tbody');
    if (!(res.allTime || []).length) body.append(el('tr', {}, [el('td', { colspan: '9', class: 'muted', text: 'No ratings yet.' })]));
    for (const a of res.allTime || []) {
      const r30 = recent.get(a.agentId);
      body.append(
        el('tr', { 'data-agent': a.agentId || '' }, [
          el('th', { scope: 'row', text: a.agentName || 'Former agent' }),
          el('td', { text: String(a.ratings) }),
          el('td', { text: a.average.toFixed(2) }),
          el('td', { text: r30 ? `${r30.average.toFixed(2)} (${r30.ratings})` : '–' }),
          ...a.distribution.map((n) => el('td', { text: String(n) })),
        ]),
      );
    }
    table.append(body);
  }
  const dialog = $('csat-dialog');
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
}

/**
 * Wires saved replies and ratings into the console; safe to call on every sign-in.
 * activeTicket: the ticket id of the open chat (or null).
 */
export function initCanned(emit, session, toast, activeTicket) {
  ctx = { emit, session, toast, activeTicket };
  $('canned-btn').hidden = false;
  $('csat-btn').hidden = !(session.agent && session.agent.role === 'admin');
  if (!bound) {
    bound = true;
    const reply = $('reply');
    reply.addEventListener('input', onInput);
    reply.addEventListener('keydown', onKeydown);
    reply.addEventListener('blur', () => setTimeout(() => document.activeElement !== reply && closePop(), 150));
    reply.addEventListener('click', onInput);
    $('canned-btn').addEventListener('click', async () => {
      await load();
      const dialog = $('canned-dialog');
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    });
    $('canned-form').addEventListener('submit', save);
    $('canned-cancel-edit').addEventListener('click', resetForm);
    $('csat-btn').addEventListener('click', () => void showRatings());
  }
  void load();
}

/** A chat was opened or switched: no list left open from the previous one. */
export function resetComposer() {
  closePop();
  const hint = $('canned-hint');
  if (hint) hint.textContent = '';
}
