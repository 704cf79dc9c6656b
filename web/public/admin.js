// The Team page (admins): agents (add with a generated password, role, skills, cap of open chats,
// reset password, deactivate), teams with skills and members, VIP customers. Talks to
// /api/staff/* (app/staff-admin.ts). Everything shown goes through textContent (common.js el()).
import { clear, el, fmtDuration, loadStaffSession, staffHeaders, staffSignOut } from './common.js';
import { mountStaffLogin, signedOutMessage } from './staff-login.js';

const $ = (id) => document.getElementById(id);
const ROLES = [
  ['agent', 'Agent'],
  ['admin', 'Admin'],
  ['product', 'Product team'],
];

let session = loadStaffSession();
let data = { agents: [], teams: [], vip: [], settings: null };

function toast(text) {
  const t = $('toast');
  t.textContent = text;
  t.hidden = false;
  clearTimeout(toast.t);
  toast.t = setTimeout(() => (t.hidden = true), 3000);
}

function say(text) {
  $('admin-error').textContent = text || '';
}

/** Shows a password once, with whom to give it to. */
function showPassword(who, password) {
  const n = $('password-notice');
  n.replaceChildren(`Give ${who} this password: `, el('span', { class: 'admin-password', text: password }), '. It is shown only now; they choose their own when they first sign in.');
  n.hidden = false;
}

const login = mountStaffLogin($('login-view'), {
  onSession: (s) => {
    session = s;
    start();
  },
});

function showLogin(message) {
  $('admin-main').hidden = true;
  $('me').hidden = true;
  $('logout').hidden = true;
  login.show(message);
}

$('logout').addEventListener('click', async () => {
  const s = session;
  session = null;
  showLogin('Signing out…');
  login.say(signedOutMessage(await staffSignOut(s)));
});

/** One request to the staff API; resolves the JSON body or throws with the server's reason. */
async function api(method, path, body) {
  const res = await fetch(path, {
    method,
    headers: staffHeaders(session, { accept: 'application/json', ...(body !== undefined ? { 'content-type': 'application/json' } : {}) }),
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = await res.json().catch(() => ({}));
  if (res.status === 401) {
    session = null;
    showLogin('Your session has ended; please sign in again.');
    throw new Error('signed out');
  }
  if (!res.ok) throw new Error(json.error || `request failed (${res.status})`);
  return json;
}

function start() {
  login.hide();
  $('admin-main').hidden = false;
  $('me').hidden = false;
  $('me').textContent = `${session.agent.name} · ${session.agent.role}`;
  $('logout').hidden = false;
  const admin = session.agent.role === 'admin';
  $('forbidden').hidden = admin;
  for (const s of document.querySelectorAll('.admin-section')) s.hidden = !admin;
  if (admin) void load();
}

async function load() {
  try {
    data = await api('GET', '/api/staff/agents');
    say('');
  } catch (err) {
    if (err.message !== 'signed out') say(`Could not load the team: ${err.message}`);
    return;
  }
  const s = data.settings;
  if (s) {
    $('settings').textContent =
      s.mode === 'auto'
        ? `Waiting chats are assigned automatically by skill and load: at most ${s.maxChats} open chat${s.maxChats === 1 ? '' : 's'} per agent unless set below${s.replyTimeoutMs ? `; a chat not answered within ${fmtDuration(s.replyTimeoutMs)} goes back to the queue` : ''}.`
        : `Agents accept waiting chats themselves (at most ${s.maxChats} open at once unless set below)${s.replyTimeoutMs ? `; a chat not answered within ${fmtDuration(s.replyTimeoutMs)} goes back to the queue` : ''}.`;
  }
  renderAgents();
  renderTeams();
  renderVips();
}

const teamName = (id) => data.teams.find((t) => t.id === id)?.name || id;
const skillsText = (list) => (list || []).join(', ');

// ---------- agents ----------
function renderAgents() {
  const body = $('agents').querySelector('tbody');
  clear(body);
  for (const a of data.agents) body.append(agentRow(a));
}

function agentRow(a) {
  const role = el('select', { class: 'input', 'aria-label': `Role of ${a.name}` }, ROLES.map(([v, label]) => el('option', { value: v, text: label, selected: v === a.role })));
  const skills = el('input', { class: 'input', value: skillsText(a.skills), maxlength: '300', 'aria-label': `Skills of ${a.name}`, placeholder: 'none: any chat' });
  const cap = el('input', { class: 'input admin-num', type: 'number', min: '0', max: '100', value: a.maxChats ?? '', placeholder: data.settings ? `${data.settings.maxChats}` : 'default', 'aria-label': `Cap of open chats for ${a.name}` });
  const status = [
    a.online ? el('span', { class: 'pill pill-pos', text: 'online' }) : el('span', { class: 'pill pill-neu', text: 'offline' }),
    !a.active ? el('span', { class: 'pill pill-neg', text: 'deactivated' }) : null,
    a.mustChangePassword ? el('span', { class: 'pill pill-warn', text: 'must choose a password' }) : null,
  ];
  const save = async () => {
    try {
      const maxChats = cap.value === '' ? null : Number(cap.value);
      await api('POST', `/api/staff/agents/${encodeURIComponent(a.id)}`, { role: role.value, skills: skills.value, maxChats });
      toast(`Saved ${a.name}.`);
      await load();
    } catch (err) {
      if (err.message !== 'signed out') say(`Could not save ${a.name}: ${err.message}`);
    }
  };
  const reset = async () => {
    if (!confirm(`Reset ${a.name}'s password? Their open sessions end.`)) return;
    try {
      const r = await api('POST', `/api/staff/agents/${encodeURIComponent(a.id)}/reset-password`);
      showPassword(a.name, r.password);
      await load();
    } catch (err) {
      if (err.message !== 'signed out') say(`Could not reset the password: ${err.message}`);
    }
  };
  const toggle = async () => {
    try {
      await api('POST', `/api/staff/agents/${encodeURIComponent(a.id)}`, { active: !a.active });
      toast(a.active ? `${a.name} is deactivated.` : `${a.name} can sign in again.`);
      await load();
    } catch (err) {
      if (err.message !== 'signed out') say(`Could not change ${a.name}: ${err.message}`);
    }
  };
  return el('tr', { 'data-agent': a.id }, [
    el('td', {}, [el('div', { text: a.name }), el('div', { class: 'small muted', text: a.email })]),
    el('td', {}, [role]),
    el('td', {}, [skills]),
    el('td', { text: a.teams.map(teamName).join(', ') || '–' }),
    el('td', {}, [el('span', { text: `${a.openChats} / ` }), cap]),
    el('td', {}, status),
    el('td', {}, [
      el('div', { class: 'admin-actions' }, [
        el('button', { class: 'btn btn-small btn-primary', type: 'button', text: 'Save', 'aria-label': `Save ${a.name}`, onclick: save }),
        el('button', { class: 'btn btn-small', type: 'button', text: 'Reset password', 'aria-label': `Reset password of ${a.name}`, onclick: reset }),
        el('button', { class: 'btn btn-small btn-ghost', type: 'button', text: a.active ? 'Deactivate' : 'Activate', 'aria-label': `${a.active ? 'Deactivate' : 'Activate'} ${a.name}`, onclick: toggle }),
      ]),
    ]),
  ]);
}

$('add-agent').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('new-name').value.trim();
  const email = $('new-email').value.trim();
  if (!name || !email) return say('A new agent needs a name and an e-mail.');
  try {
    const cap = $('new-cap').value;
    const r = await api('POST', '/api/staff/agents', { name, email, role: $('new-role').value, skills: $('new-skills').value, ...(cap !== '' ? { maxChats: Number(cap) } : {}) });
    showPassword(r.agent.name, r.initialPassword);
    e.target.reset();
    await load();
  } catch (err) {
    if (err.message !== 'signed out') say(`Could not add the agent: ${err.message}`);
  }
});

// ---------- teams ----------
function renderTeams() {
  const list = $('teams');
  clear(list);
  if (data.teams.length === 0) list.append(el('li', { class: 'muted small', text: 'No teams yet.' }));
  for (const t of data.teams) list.append(teamItem(t));
}

function teamItem(t) {
  const byId = new Map(data.agents.map((a) => [a.id, a]));
  const skills = el('input', { class: 'input', value: skillsText(t.skills), maxlength: '300', 'aria-label': `Skills of team ${t.name}` });
  const others = data.agents.filter((a) => !t.memberIds.includes(a.id) && a.role !== 'product');
  const pick = el('select', { class: 'input', 'aria-label': `Agent to add to ${t.name}` }, [el('option', { value: '', text: 'Add a member…' }), ...others.map((a) => el('option', { value: a.id, text: a.name }))]);
  const post = async (body, done) => {
    try {
      await api('POST', `/api/staff/teams/${encodeURIComponent(t.id)}`, body);
      toast(done);
      await load();
    } catch (err) {
      if (err.message !== 'signed out') say(`Could not change team ${t.name}: ${err.message}`);
    }
  };
  return el('li', { 'data-team': t.id }, [
    el('h3', { text: t.name }),
    el('div', { class: 'admin-row' }, [
      el('div', { class: 'field grow-input' }, [skills]),
      el('button', { class: 'btn btn-small', type: 'button', text: 'Save skills', 'aria-label': `Save skills of ${t.name}`, onclick: () => post({ skills: skills.value }, `Saved ${t.name}.`) }),
      el('button', {
        class: 'btn btn-small btn-ghost',
        type: 'button',
        text: 'Delete team',
        'aria-label': `Delete team ${t.name}`,
        onclick: async () => {
          if (!confirm(`Delete team ${t.name}? Its members keep their own skills.`)) return;
          try {
            await api('DELETE', `/api/staff/teams/${encodeURIComponent(t.id)}`);
            await load();
          } catch (err) {
            if (err.message !== 'signed out') say(`Could not delete ${t.name}: ${err.message}`);
          }
        },
      }),
    ]),
    el(
      'ul',
      { class: 'admin-members', 'aria-label': `Members of ${t.name}` },
      t.memberIds.length
        ? t.memberIds.map((id) =>
            el('li', {}, [
              el('span', { class: 'pill pill-info' }, [
                byId.get(id)?.name || id,
                ' ',
                el('button', { class: 'link-btn', type: 'button', text: '×', 'aria-label': `Remove ${byId.get(id)?.name || id} from ${t.name}`, onclick: () => post({ removeMember: id }, 'Member removed.') }),
              ]),
            ]),
          )
        : [el('li', { class: 'muted small', text: 'No members yet.' })],
    ),
    el('div', { class: 'admin-row' }, [
      pick,
      el('button', { class: 'btn btn-small', type: 'button', text: 'Add', 'aria-label': `Add the chosen agent to ${t.name}`, onclick: () => pick.value && post({ addMember: pick.value }, 'Member added.') }),
    ]),
  ]);
}

$('add-team').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('team-name').value.trim();
  if (!name) return say('A team needs a name.');
  try {
    await api('POST', '/api/staff/teams', { name, skills: $('team-skills').value });
    e.target.reset();
    toast(`Team ${name} created.`);
    await load();
  } catch (err) {
    if (err.message !== 'signed out') say(`Could not create the team: ${err.message}`);
  }
});

// ---------- VIP customers ----------
function renderVips() {
  const list = $('vips');
  clear(list);
  if (data.vip.length === 0) list.append(el('li', { class: 'muted small', text: 'No VIP customers yet.' }));
  for (const c of data.vip) {
    list.append(
      el('li', { class: 'admin-row', 'data-customer': c.id }, [
        el('span', { class: 'pill pill-warn', text: 'VIP' }),
        el('span', { text: c.name }),
        el('span', { class: 'small muted', text: c.email || c.id }),
        el('button', { class: 'btn btn-small btn-ghost', type: 'button', text: 'Remove', 'aria-label': `Remove VIP from ${c.name}`, onclick: () => setVip(c.id, false) }),
      ]),
    );
  }
}

async function setVip(customer, vip) {
  try {
    await api('POST', '/api/staff/vip', { customer, vip });
    toast(vip ? 'Marked as VIP.' : 'No longer VIP.');
    await load();
    return true;
  } catch (err) {
    if (err.message !== 'signed out') say(`Could not change the VIP list: ${err.message}`);
    return false;
  }
}

$('add-vip').addEventListener('submit', async (e) => {
  e.preventDefault();
  const customer = $('vip-customer').value.trim();
  if (!customer) return say('Name a customer by e-mail or id.');
  if (await setVip(customer, true)) e.target.reset();
});

// ---------- boot ----------
if (session && session.agent.mustChangePassword) login.changePassword(session);
else if (session) start();
else showLogin('');
