// Small helpers shared by the pages. Text always goes through textContent / setAttribute, never
// through innerHTML, so anything a customer or a review says is shown as text.

/**
 * Creates an element. attrs: 'text' sets textContent, 'class' the class name, on<event> functions
 * become listeners, everything else an attribute (false / null / undefined are skipped).
 */
export function el(tag, attrs = {}, children = []) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') n.textContent = String(v);
    else if (k === 'class') n.className = v;
    else if (k.startsWith('on') && typeof v === 'function') n.addEventListener(k.slice(2), v);
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of [].concat(children)) {
    if (c === null || c === undefined || c === false) continue;
    n.append(typeof c === 'string' || typeof c === 'number' ? document.createTextNode(String(c)) : c);
  }
  return n;
}

export function clear(node) {
  while (node.firstChild) node.firstChild.remove();
  return node;
}

const SVG_NS = 'http://www.w3.org/2000/svg';
export function svg(tag, attrs = {}, children = []) {
  const n = document.createElementNS(SVG_NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === 'text') n.textContent = String(v);
    else n.setAttribute(k, String(v));
  }
  for (const c of [].concat(children)) if (c) n.append(c);
  return n;
}

function hue(s) {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
  return h % 360;
}

/** A picture made locally from the title (initials on a colour), for products without a reachable image. */
export function placeholder(title) {
  const words = String(title || '?').replace(/[^\p{L}\p{N} ]/gu, ' ').trim().split(/\s+/);
  const initials = (((words[0] || '?')[0] || '?') + ((words[1] || '')[0] || '')).toUpperCase().replace(/[<>&"']/g, '');
  const h = hue(String(title || ''));
  const s = `<svg xmlns="http://www.w3.org/2000/svg" width="240" height="170" viewBox="0 0 240 170"><rect width="240" height="170" fill="hsl(${h},45%,90%)"/><text x="120" y="102" font-family="system-ui,sans-serif" font-size="54" font-weight="600" text-anchor="middle" fill="hsl(${h},45%,28%)">${initials}</text></svg>`;
  return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(s);
}

/** An <img> of a product that falls back to the local placeholder when the picture cannot load. */
export function productImage(src, title, attrs = {}) {
  const fallback = placeholder(title);
  const img = el('img', { alt: attrs.alt ?? '', loading: 'lazy', decoding: 'async', ...attrs });
  const ok = typeof src === 'string' && /^https?:\/\//i.test(src);
  img.src = ok ? src : fallback;
  img.addEventListener('error', () => {
    if (img.src !== fallback) img.src = fallback;
  });
  return img;
}

export function stars(r) {
  const full = Math.round(r);
  let s = '';
  for (let i = 0; i < 5; i++) s += i < full ? '\u2605' : '\u2606';
  return s;
}

export function ratingEl(rating, count) {
  if (rating === null || rating === undefined) return el('div', { class: 'rating muted', text: 'No ratings yet' });
  const label = `Rated ${Number(rating).toFixed(1)} out of 5${count ? ` by ${Number(count).toLocaleString('en-IN')} people` : ''}`;
  return el('div', { class: 'rating', role: 'img', 'aria-label': label }, [
    el('span', { class: 'stars', 'aria-hidden': 'true', text: stars(rating) }),
    el('span', { 'aria-hidden': 'true', text: ` ${Number(rating).toFixed(1)}${count ? ` (${Number(count).toLocaleString('en-IN')})` : ''}` }),
  ]);
}

export function fmtDate(iso, opts = { day: 'numeric', month: 'short', year: 'numeric' }) {
  const d = new Date(iso);
  return isNaN(d.getTime()) ? '' : d.toLocaleDateString('en-GB', opts);
}

export function fmtTime(iso) {
  const d = new Date(iso);
  if (isNaN(d.getTime())) return '';
  const now = new Date();
  // 24-hour for staff across shifts; the widget shows the customer's store locale ("7:13 pm" in en-IN).
  const t = d.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit' });
  return d.toDateString() === now.toDateString() ? t : `${d.toLocaleDateString('en-GB', { day: 'numeric', month: 'short' })} ${t}`;
}

export function fmtDuration(ms) {
  const s = Math.max(0, Math.floor(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(m / 60)}h ${String(m % 60).padStart(2, '0')}m`;
}

export function pct(x) {
  return `${Math.round((Number(x) || 0) * 100)}%`;
}

export async function getJson(url, init) {
  const res = await fetch(url, { headers: { accept: 'application/json' }, ...init });
  let body = null;
  try {
    body = await res.json();
  } catch {
    body = null;
  }
  if (!res.ok && res.status !== 202) {
    const err = new Error((body && body.error) || `request failed (${res.status})`);
    err.status = res.status;
    throw err;
  }
  return { status: res.status, body };
}

/**
 * A chat's mood now, the one reading the agent console shows for a chat (queue row, chat tab, chat
 * header; desk/summary.ts chatMoodNow words the summary's the same way), from the sentiments of the
 * customer's latest read messages, oldest first: 'upset' when the chat was handed over for it, when
 * the latest is negative, or when one of the two before it is and the latest is not positive (an
 * angry message then "agent please" is still upset); else the latest's sentiment.
 */
export function chatMoodNow(reason, sentiments) {
  const read = (sentiments || []).filter(Boolean).slice(-3);
  const latest = read[read.length - 1];
  if (reason === 'negative_sentiment' || latest === 'negative' || (latest !== 'positive' && read.includes('negative'))) return 'upset';
  return latest || null;
}

/** The pill of a chat's mood now (chatMoodNow); a message's own sentiment is sentimentPill's, on that message. */
export function moodPill(mood) {
  if (!mood) return null;
  const cls = mood === 'upset' || mood === 'negative' ? 'pill-neg' : mood === 'positive' ? 'pill-pos' : 'pill-neu';
  const icon = cls === 'pill-pos' ? '\u263A' : cls === 'pill-neg' ? '\u2639' : '\u2013';
  const title = mood === 'upset' ? 'Mood now: upset (handed over for it, or a recent message is negative): served first' : `Mood now: ${mood} (the customer's latest messages)`;
  return el('span', { class: `pill ${cls}`, 'data-mood': mood, title }, [el('span', { 'aria-hidden': 'true', text: icon }), mood]);
}

export function sentimentPill(label, score) {
  if (!label) return null;
  const cls = label === 'positive' ? 'pill-pos' : label === 'negative' ? 'pill-neg' : 'pill-neu';
  const icon = label === 'positive' ? '\u263A' : label === 'negative' ? '\u2639' : '\u2013';
  return el('span', { class: `pill ${cls}`, title: score !== null && score !== undefined ? `${label} (${Number(score).toFixed(2)})` : label }, [el('span', { 'aria-hidden': 'true', text: icon }), label]);
}

// ---------- staff sign-in (agent console and insights share one session per tab) ----------
export const STAFF_SESSION_KEY = 'shopbot-agent-session';

/** The tab's saved staff session ({token, agent, expiresAt}) if it has not expired, else null. */
export function loadStaffSession() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(STAFF_SESSION_KEY) || 'null');
    if (saved && typeof saved.token === 'string' && saved.agent && (!saved.expiresAt || Date.parse(saved.expiresAt) > Date.now())) return saved;
  } catch {
    /* unreadable: treated as signed out */
  }
  sessionStorage.removeItem(STAFF_SESSION_KEY);
  return null;
}

export function saveStaffSession(session) {
  sessionStorage.setItem(STAFF_SESSION_KEY, JSON.stringify(session));
}

export function clearStaffSession() {
  sessionStorage.removeItem(STAFF_SESSION_KEY);
}

/** Request headers carrying the session token. */
export function staffHeaders(session, extra = {}) {
  return { ...extra, authorization: `Bearer ${session.token}` };
}

/** Signs in; resolves with the session, or throws an Error with the server's reason (and .status). */
export async function staffSignIn(email, password) {
  const res = await fetch('/api/agents/login', { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json' }, body: JSON.stringify({ email, password }) });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) {
    const err = new Error(body.error || `Sign-in failed (${res.status}).`);
    err.status = res.status;
    throw err;
  }
  const session = { token: body.token, agent: body.agent, expiresAt: body.expiresAt };
  saveStaffSession(session);
  return session;
}

/**
 * Forgets the session in this tab and ends it on the server; true when the server confirmed (or the
 * session had already ended there), false when it could not be reached.
 */
export async function staffSignOut(session) {
  clearStaffSession();
  if (!session || !session.token) return true;
  try {
    const res = await fetch('/api/agents/logout', { method: 'POST', headers: staffHeaders(session) });
    return res.ok || res.status === 401;
  } catch {
    return false; // offline: the token is gone from the tab and expires on the server
  }
}

/**
 * Wires a sign-in form (#email, #password inside `form`, errors in `errorEl`): on success calls
 * onSession(session). Used by the console and the insights page.
 */
export function bindStaffLogin(form, errorEl, onSession, beforeSubmit = () => {}) {
  form.addEventListener('submit', async (e) => {
    e.preventDefault();
    beforeSubmit();
    errorEl.textContent = '';
    const emailInput = form.querySelector('input[type=email]');
    const passwordInput = form.querySelector('input[type=password]');
    const email = emailInput.value.trim();
    const password = passwordInput.value;
    if (!email || !password) {
      errorEl.textContent = 'Enter your e-mail and password.';
      return;
    }
    const button = form.querySelector('button[type=submit]');
    if (button) button.disabled = true;
    try {
      const session = await staffSignIn(email, password);
      passwordInput.value = '';
      onSession(session);
    } catch (err) {
      errorEl.textContent = err.status ? err.message : `Sign-in failed: ${err.message}`;
    } finally {
      if (button) button.disabled = false;
    }
  });
}
