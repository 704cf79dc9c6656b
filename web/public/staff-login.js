// The staff sign-in view the agent console and the insights page share: one form, one behaviour.
// Each page has an empty <main id="login-view" class="login-wrap" hidden data-note="…"> (the note
// says who the page is for); this module fills it and wires it to the shared session in common.js.
import { bindStaffLogin, el, loadStaffSession, saveStaffSession, staffHeaders, staffSignOut } from './common.js';

function field(id, label, type, autocomplete) {
  return el('div', { class: 'field' }, [
    el('label', { for: id, text: label }),
    el('input', { class: 'input', id, name: id, type, autocomplete, required: true }),
  ]);
}

/**
 * An initial or reset password must be replaced before the account can do anything (the server
 * refuses everything else): a form for the current and the new password, in `view`. Resolves the
 * session (now usable) once the server took the new password.
 */
function changePasswordForm(view, session, onDone) {
  const error = el('p', { id: 'password-error', class: 'error small', role: 'alert' });
  const pw = (id, label, autocomplete) =>
    el('div', { class: 'field' }, [el('label', { for: id, text: label }), el('input', { class: 'input', id, name: id, type: 'password', autocomplete, required: true, maxlength: '200' })]);
  const form = el('form', { id: 'change-password', class: 'login card', novalidate: true }, [
    el('h1', { text: 'Choose your password' }),
    el('p', { class: 'muted small', text: `${session.agent.name}, your password was set for you. Choose your own before you continue (at least 10 characters).` }),
    pw('current-password', 'Current password', 'current-password'),
    pw('new-password', 'New password', 'new-password'),
    pw('repeat-password', 'New password again', 'new-password'),
    error,
    el('button', { class: 'btn btn-primary', type: 'submit', text: 'Save and continue' }),
  ]);
  view.replaceChildren(form);
  view.hidden = false;
  setTimeout(() => form.elements.namedItem('current-password').focus(), 0);
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    error.textContent = '';
    const current = form.elements.namedItem('current-password').value;
    const next = form.elements.namedItem('new-password').value;
    if (next !== form.elements.namedItem('repeat-password').value) return void (error.textContent = 'The new passwords differ.');
    if (next.length < 10) return void (error.textContent = 'The new password needs at least 10 characters.');
    const button = form.querySelector('button[type=submit]');
    button.disabled = true;
    try {
      const res = await fetch('/api/agents/password', {
        method: 'POST',
        headers: staffHeaders(session, { 'content-type': 'application/json', accept: 'application/json' }),
        body: JSON.stringify({ currentPassword: current, newPassword: next }),
      });
      const body = await res.json().catch(() => ({}));
      if (!res.ok) return void (error.textContent = body.error || `Could not change the password (${res.status}).`);
      const updated = { ...session, agent: { ...session.agent, mustChangePassword: false } };
      saveStaffSession(updated);
      onDone(updated);
    } catch (err) {
      error.textContent = `Could not change the password: ${err.message}`;
    } finally {
      button.disabled = false;
    }
  });
}

/**
 * Builds the form in `view` and returns { show(message), hide(), say(message), changePassword(session) }.
 * onSession(session) runs after a successful sign-in (and, for an account with an initial or reset
 * password, after it chose its own); beforeSubmit() before every try.
 */
export function mountStaffLogin(view, { onSession, beforeSubmit = () => {} }) {
  const gate = (session) => {
    if (session && session.agent && session.agent.mustChangePassword) {
      changePasswordForm(view, session, (s) => {
        view.replaceChildren(form);
        view.hidden = true;
        onSession(s);
      });
    } else onSession(session);
  };
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
  bindStaffLogin(form, error, gate, beforeSubmit);
  return {
    /** A saved session that still has to change its password (a reload during the change). */
    changePassword(session) {
      gate(session);
    },
    show(message) {
      if (view.firstChild !== form) view.replaceChildren(form);
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

/**
 * A staff page's session (insights, reports): the sign-in view, the name and "Sign out" in the top
 * bar, and a refused session ending back at the form. `onReady` runs each time the page is shown
 * signed in; `page.session` is the current session or null.
 */
export function staffPage({ loginView, main, me, logout, onReady }) {
  const page = { session: loadStaffSession() };
  const login = mountStaffLogin(loginView, {
    onSession: (s) => {
      page.session = s;
      page.show();
    },
  });
  page.showLogin = (message) => {
    main.hidden = true;
    me.hidden = true;
    logout.hidden = true;
    login.show(message);
  };
  page.show = () => {
    login.hide();
    main.hidden = false;
    me.hidden = false;
    me.textContent = page.session.agent.name;
    logout.hidden = false;
    onReady();
  };
  /** The session was refused (revoked, expired): back to the sign-in form. */
  page.ended = () => {
    page.session = null;
    void staffSignOut(null);
    page.showLogin('Your session has ended; please sign in again.');
  };
  logout.addEventListener('click', async () => {
    const s = page.session;
    page.session = null;
    page.showLogin('Signing out…');
    login.say(signedOutMessage(await staffSignOut(s)));
  });
  return page;
}

