// The staff sign-in view the agent console and the insights page share: one form, one behaviour.
// Each page has an empty <main id="login-view" class="login-wrap" hidden data-note="…"> (the note
// says who the page is for); this module fills it and wires it to the shared session in common.js.
import { bindStaffLogin, el } from './common.js';

function field(id, label, type, autocomplete) {
  return el('div', { class: 'field' }, [
    el('label', { for: id, text: label }),
    el('input', { class: 'input', id, name: id, type, autocomplete, required: true }),
  ]);
}

/**
 * Builds the form in `view` and returns { show(message), hide(), say(message) }.
 * onSession(session) runs after a successful sign-in; beforeSubmit() before every try.
 */
export function mountStaffLogin(view, { onSession, beforeSubmit = () => {} }) {
  const error = el('p', { id: 'login-error', class: 'error small', role: 'alert' });
  const form = el('form', { id: 'login', class: 'login card', novalidate: true }, [
    el('h1', { text: 'Sign in' }),
    el('p', { class: 'muted small', text: view.dataset.note || 'Staff only.' }),
    field('email', 'E-mail', 'email', 'username'),
    field('password', 'Password', 'password', 'current-password'),
    error,
    el('button', { class: 'btn btn-primary', type: 'submit', text: 'Sign in' }),
  ]);
  view.replaceChildren(form);
  bindStaffLogin(form, error, onSession, beforeSubmit);
  return {
    show(message) {
      view.hidden = false;
      error.textContent = message || '';
      setTimeout(() => form.elements.namedItem('email').focus(), 0);
    },
    hide() {
      view.hidden = true;
    },
    say(message) {
      error.textContent = message;
    },
  };
}

/** What the sign-in form says after "Sign out" (true: the server ended the session). */
export function signedOutMessage(done) {
  return done ? 'Signed out.' : 'Signed out in this tab; the server could not be reached, so the session ends when it expires.';
}
