// Learned answers in the agent console. After resolving a chat the agent sees a redacted, editable
// draft of the question and answer and may save it for everyone (an admin's save approves it; an
// agent's waits for an admin). Admins review every learned answer: edit, approve, reject, delete.
import { clear, el, fmtTime } from './common.js';

const $ = (id) => document.getElementById(id);

const TYPE_NAMES = {
  NAME: 'names', EMAIL: 'e-mails', PHONE: 'phone numbers', ORDER_NUMBER: 'order numbers', CARD_NUMBER: 'card numbers',
  UPI_ID: 'UPI ids', ADDRESS: 'addresses', POSTCODE: 'pincodes',
};
const typeName = (t) => TYPE_NAMES[t] || t.toLowerCase().replace(/_/g, ' ');

/** Shows the draft of a resolved chat; resolves when the agent saved or skipped it. */
export function offerDraft(emit, ticketId, draft, toast) {
  const dialog = $('learn-dialog');
  const q = $('learn-question');
  const a = $('learn-answer');
  const note = $('learn-note');
  const error = $('learn-error');
  q.value = draft.question;
  a.value = draft.answer;
  error.textContent = '';
  note.textContent = draft.redacted && draft.redacted.length
    ? `Personal data was replaced by placeholders (${draft.redacted.map(typeName).join(', ')}). Check that nothing personal is left before saving.`
    : 'Check that nothing personal is left before saving.';
  const form = $('learn-form');
  const onSubmit = async (ev) => {
    const action = ev.submitter && ev.submitter.value;
    if (action !== 'save') return; // "Not now" closes the dialog
    ev.preventDefault();
    const res = await emit('learned_propose', { ticketId, question: q.value, answer: a.value });
    if (!res.ok) {
      error.textContent = res.error || 'Could not save.';
      return;
    }
    dialog.close('saved');
    toast(res.entry.status === 'approved' ? 'Saved and approved: customers asking this now get your answer.' : 'Saved. An admin will review it before customers see it.');
  };
  form.addEventListener('submit', onSubmit);
  dialog.addEventListener('close', () => form.removeEventListener('submit', onSubmit), { once: true });
  if (typeof dialog.showModal === 'function') dialog.showModal();
  else dialog.setAttribute('open', '');
  q.focus();
}

let bound = false;
let current = async () => {};

/** The admins' review panel ("Learned answers" in the top bar); safe to call on every sign-in. */
export function initLearnedPanel(emit, session, toast) {
  const btn = $('learned-btn');
  const dialog = $('learned-dialog');
  const list = $('learned-list');
  const filter = $('learned-filter');
  const counts = $('learned-counts');
  if (!session.agent || session.agent.role !== 'admin') {
    btn.hidden = true;
    return;
  }
  btn.hidden = false;

  async function refresh() {
    const res = await emit('learned_list', filter.value ? { status: filter.value } : {});
    if (!res.ok) {
      clear(list).append(el('li', { class: 'error small', text: res.error || 'Could not load learned answers.' }));
      return;
    }
    const c = res.counts || {};
    counts.textContent = `${c.pending || 0} waiting for review · ${c.approved || 0} approved · ${c.rejected || 0} rejected`;
    btn.textContent = c.pending ? `Learned answers (${c.pending})` : 'Learned answers';
    clear(list);
    if (!res.entries.length) list.append(el('li', { class: 'empty-state', text: 'Nothing here yet.' }));
    for (const e of res.entries) list.append(entryEl(e));
  }

  function entryEl(e) {
    const qId = `lq-${e.id}`;
    const aId = `la-${e.id}`;
    const q = el('textarea', { id: qId, class: 'input', rows: 2, maxlength: 4000 });
    q.value = e.question;
    const a = el('textarea', { id: aId, class: 'input', rows: 4, maxlength: 8000 });
    a.value = e.answer;
    const error = el('p', { class: 'error small', role: 'alert' });
    const act = (event, data, done) => async () => {
      const res = await emit(event, { id: e.id, ...data });
      if (!res.ok) {
        error.textContent = res.error || 'That did not work.';
        return;
      }
      toast(done);
      await refresh();
    };
    const who = e.reviewedAt ? ` · ${e.status} ${fmtTime(e.reviewedAt)}` : '';
    return el('li', { class: 'learned-entry card' }, [
      el('p', { class: 'small muted' }, [el('span', { class: `pill pill-${e.status === 'approved' ? 'pos' : e.status === 'pending' ? 'warn' : 'neu'}`, text: e.status }), ` #${e.id} · ${e.origin === 'migrated' ? 'learned before reviews existed' : 'from a resolved chat'}${who}`]),
      el('div', { class: 'field' }, [el('label', { for: qId, text: 'Question' }), q]),
      el('div', { class: 'field' }, [el('label', { for: aId, text: 'Answer customers get' }), a]),
      error,
      el('div', { class: 'dialog-actions' }, [
        el('button', { class: 'btn btn-small', type: 'button', onclick: act('learned_delete', {}, 'Deleted: customers no longer get this answer.') }, 'Delete'),
        e.status !== 'rejected' ? el('button', { class: 'btn btn-small', type: 'button', onclick: act('learned_reject', {}, 'Rejected.') }, 'Reject') : null,
        el('button', { class: 'btn btn-small', type: 'button', onclick: () => act('learned_edit', { question: q.value, answer: a.value, approve: false }, 'Saved; it waits for approval.')() }, 'Save edit'),
        el('button', { class: 'btn btn-small btn-primary', type: 'button', onclick: () => act('learned_edit', { question: q.value, answer: a.value, approve: true }, 'Approved: customers asking this now get this answer.')() }, e.status === 'approved' ? 'Save' : 'Approve'),
      ]),
    ]);
  }

  current = refresh;
  if (!bound) {
    bound = true;
    btn.addEventListener('click', async () => {
      await current();
      if (typeof dialog.showModal === 'function') dialog.showModal();
      else dialog.setAttribute('open', '');
    });
    filter.addEventListener('change', () => void current());
  }
  void refresh();
}
