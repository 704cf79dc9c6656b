/*
 * ShopBot chat widget. Embed on any page with one tag:
 *   <script src="https://your-shop.example/web-chat/widget.js" defer></script>
 * Optional attributes on that tag: data-title="Shop assistant", data-open="true" (open on load),
 * data-position="left", data-identity="<signed identity token>" (docs/identity.md),
 * data-locale="hi" (the chat's language: the widget's texts and the bot's replies; docs/i18n.md).
 * Everything lives in a Shadow DOM, so the host page's styles never leak in
 * or out. No framework; the socket.io client is loaded from the same server as this file.
 * Every piece of text is rendered with textContent, never parsed as HTML.
 */
(function () {
  'use strict';
  if (window.__shopbotWidget) return;
  window.__shopbotWidget = true;

  var script = document.currentScript;
  var base = (function () {
    try {
      return new URL(script && script.src ? script.src : '/web-chat/widget.js', location.href).origin;
    } catch (e) {
      return location.origin;
    }
  })();
  // ---------- texts: the widget catalogues (locales/<lang>/widget.json), put here by the server ----------
  // I18N = { defaultLocale: 'en-IN', catalogues: { en: {...}, hi: {...} } }; the page picks one with
  // data-locale (else the store's default locale). Every text the widget shows comes from it.
  var I18N = null;
  var CATALOGUES = (I18N && I18N.catalogues) || {};
  var LOCALE = (function (asked) {
    var def = (I18N && I18N.defaultLocale) || 'en-IN';
    var defLang = def.split('-')[0].toLowerCase();
    var canon = null;
    try {
      canon = asked ? Intl.getCanonicalLocales(String(asked).trim().replace(/_/g, '-'))[0] : null;
    } catch (e) {}
    var lang = canon ? canon.split('-')[0].toLowerCase() : null;
    if (!lang || !CATALOGUES[lang]) return { lang: CATALOGUES[defLang] ? defLang : 'en', tag: def, asked: canon };
    var region = /^[a-z]{2,3}(?:-[A-Z][a-z]{3})?-([A-Z]{2}|\d{3})\b/.exec(canon);
    var defRegion = /-([A-Z]{2}|\d{3})\b/.exec(def);
    return { lang: lang, tag: region ? canon : lang === defLang ? def : defRegion ? lang + '-' + defRegion[1] : lang, asked: canon };
  })(script && script.getAttribute('data-locale'));
  var plurals = typeof Intl.PluralRules === 'function' ? new Intl.PluralRules(LOCALE.lang) : null;
  function lookup(lang, key) {
    var v = CATALOGUES[lang];
    var parts = key.split('.');
    for (var i = 0; i < parts.length && v !== undefined && v !== null; i++) v = v[parts[i]];
    return typeof v === 'string' ? v : null;
  }
  /** The text of `key` in the chat's language ({{name}} placeholders filled; `count` picks key_one / key_other). */
  function T(key, vars) {
    vars = vars || {};
    var k = key;
    if (typeof vars.count === 'number' && plurals) {
      var form = key + '_' + plurals.select(vars.count);
      var other = key + '_other';
      k = lookup(LOCALE.lang, form) !== null || lookup('en', form) !== null ? form : lookup(LOCALE.lang, other) !== null || lookup('en', other) !== null ? other : key;
    }
    var text = lookup(LOCALE.lang, k);
    if (text === null) text = lookup('en', k);
    if (text === null) return key;
    return text.replace(/\{\{\s*(\w+)\s*\}\}/g, function (m, name) {
      return Object.prototype.hasOwnProperty.call(vars, name) ? String(vars[name]) : m;
    });
  }
  /** The text of `key` as parts, with the placeholders named in `nodes` as those DOM nodes. */
  function TParts(key, vars, nodes) {
    var marked = {};
    for (var n in vars) if (Object.prototype.hasOwnProperty.call(vars, n)) marked[n] = vars[n];
    for (var m in nodes) if (Object.prototype.hasOwnProperty.call(nodes, m)) marked[m] = '\u0000' + m + '\u0000';
    return T(key, marked).split('\u0000').map(function (piece, i) {
      return i % 2 === 1 && nodes[piece] ? nodes[piece] : piece;
    }).filter(function (piece) { return piece !== ''; });
  }

  var cfg = {
    title: (script && script.getAttribute('data-title')) || T('title'),
    openOnLoad: script && script.getAttribute('data-open') === 'true',
    left: script && script.getAttribute('data-position') === 'left',
    identity: (script && script.getAttribute('data-identity')) || null,
  };
  var KEY = 'shopbot:' + base + ':';
  var MAX_CACHED_EVENTS = 400;

  // ---------- storage (localStorage may be unavailable: private mode, sandboxed iframes) ----------
  var store = {
    get: function (k, fallback) {
      try {
        var v = localStorage.getItem(KEY + k);
        return v === null ? fallback : JSON.parse(v);
      } catch (e) {
        return fallback;
      }
    },
    set: function (k, v) {
      try {
        localStorage.setItem(KEY + k, JSON.stringify(v));
      } catch (e) {
        /* quota or disabled: the chat still works, it just won't survive a reload */
      }
    },
    del: function (k) {
      try {
        localStorage.removeItem(KEY + k);
      } catch (e) {}
    },
  };

  var state = {
    token: store.get('token', null),
    conversationId: store.get('conv', null),
    seq: store.get('seq', 0),
    events: store.get('events', []),
    handoff: store.get('handoff', null),
    outbox: store.get('outbox', []),
    labels: store.get('labels', {}),
    open: store.get('open', false),
    connected: false,
    replaying: false,
    unread: 0,
    lastChipsSeq: 0,
    // Read receipts: how far an agent has read (our messages show "Seen"), the newest message for
    // the customer drawn here, and how far we told the server the customer has seen.
    agentRead: 0,
    lastIncoming: 0,
    readSent: 0,
  };
  if (!Array.isArray(state.events) || typeof state.seq !== 'number') {
    state.events = [];
    state.seq = 0;
  }
  if (!Array.isArray(state.outbox)) state.outbox = [];
  // The page's signed identity (data-identity, ShopBotChat.identify), sent when the chat connects.
  var pendingIdentity = cfg.identity;

  function saveEvents() {
    if (state.events.length > MAX_CACHED_EVENTS) state.events = state.events.slice(-MAX_CACHED_EVENTS);
    store.set('events', state.events);
    store.set('seq', state.seq);
  }

  // ---------- DOM helpers ----------
  function el(tag, attrs, children) {
    var n = document.createElement(tag);
    if (attrs) {
      for (var k in attrs) {
        if (!Object.prototype.hasOwnProperty.call(attrs, k)) continue;
        var v = attrs[k];
        if (v === null || v === undefined || v === false) continue;
        if (k === 'text') n.textContent = String(v);
        else if (k === 'class') n.className = v;
        else if (k.slice(0, 2) === 'on' && typeof v === 'function') n.addEventListener(k.slice(2), v);
        else n.setAttribute(k, v === true ? '' : String(v));
      }
    }
    (children || []).forEach(function (c) {
      if (c !== null && c !== undefined) n.appendChild(typeof c === 'string' ? document.createTextNode(c) : c);
    });
    return n;
  }

  function timeLabel(iso) {
    var d = new Date(iso);
    if (isNaN(d.getTime())) return '';
    var now = new Date();
    var t = d.toLocaleTimeString(LOCALE.tag, { hour: 'numeric', minute: '2-digit' });
    return d.toDateString() === now.toDateString() ? t : d.toLocaleDateString(LOCALE.tag, { day: 'numeric', month: 'short' }) + ', ' + t;
  }

  function hashHue(s) {
    var h = 0;
    for (var i = 0; i < s.length; i++) h = (h * 31 + s.charCodeAt(i)) >>> 0;
    return h % 360;
  }

  /** A local placeholder picture (initials on a colour from the title): no network needed. */
  function placeholder(title) {
    var words = String(title || '?').replace(/[^\p{L}\p{N} ]/gu, ' ').trim().split(/\s+/);
    var initials = ((words[0] || '?')[0] + ((words[1] || '')[0] || '')).toUpperCase();
    var hue = hashHue(String(title || ''));
    var svg =
      '<svg xmlns="http://www.w3.org/2000/svg" width="240" height="160" viewBox="0 0 240 160">' +
      '<rect width="240" height="160" fill="hsl(' + hue + ',45%,88%)"/>' +
      '<text x="120" y="96" font-family="system-ui,sans-serif" font-size="52" font-weight="600" text-anchor="middle" fill="hsl(' + hue + ',45%,28%)">' +
      initials.replace(/[<>&"]/g, '') +
      '</text></svg>';
    return 'data:image/svg+xml;charset=utf-8,' + encodeURIComponent(svg);
  }

  function productImage(src, title) {
    var img = el('img', { alt: '', loading: 'lazy', decoding: 'async', width: '240', height: '160' });
    var fallback = placeholder(title);
    var safe = typeof src === 'string' && /^(https?:)?\/\//i.test(src) ? src : null;
    img.src = safe || fallback;
    img.addEventListener('error', function () {
      if (img.src !== fallback) img.src = fallback;
    });
    return img;
  }

  // ---------- styles ----------
  var CSS = [
    ':host{all:initial}',
    '*,*::before,*::after{box-sizing:border-box}',
    '.sb{--sb-primary:#1f5fbf;--sb-primary-dark:#174a96;--sb-text:#1b1f24;--sb-muted:#57606a;--sb-border:#d0d7de;--sb-bg:#ffffff;--sb-soft:#f3f5f8;--sb-agent:#0f6b4f;font:15px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:var(--sb-text)}',
    '.sb button,.sb textarea{font:inherit}',
    '.sb textarea{color:var(--sb-text)}',
    '.sb :focus-visible{outline:3px solid #ffbf47;outline-offset:2px}',
    '.sb-sr{position:absolute!important;width:1px;height:1px;padding:0;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap;border:0}',
    '.sb-launcher{position:fixed;bottom:20px;right:20px;z-index:2147483000;display:flex;align-items:center;gap:8px;border:0;border-radius:999px;padding:12px 18px 12px 14px;background:var(--sb-primary);color:#fff;font-weight:600;box-shadow:0 6px 20px rgba(16,24,40,.25);cursor:pointer}',
    '.sb--left .sb-launcher{right:auto;left:20px}',
    '.sb-launcher:hover{background:var(--sb-primary-dark)}',
    '.sb-launcher svg{width:24px;height:24px;flex:none}',
    '.sb-badge{min-width:20px;height:20px;border-radius:10px;background:#c62828;color:#fff;font-size:12px;line-height:20px;text-align:center;padding:0 6px}',
    '.sb-panel{position:fixed;bottom:84px;right:20px;z-index:2147483001;width:min(400px,calc(100vw - 24px));height:min(640px,calc(100vh - 104px));display:flex;flex-direction:column;background:var(--sb-bg);border:1px solid var(--sb-border);border-radius:16px;box-shadow:0 16px 48px rgba(16,24,40,.28);overflow:hidden}',
    '.sb--left .sb-panel{right:auto;left:20px}',
    '.sb-panel[hidden]{display:none}',
    '.sb-header{display:flex;align-items:center;gap:8px;padding:10px 8px 10px 14px;background:var(--sb-primary);color:#fff}',
    '.sb-avatar{width:32px;height:32px;border-radius:50%;background:#fff;color:var(--sb-primary);display:grid;place-items:center;font-weight:700;flex:none}',
    '.sb-avatar--agent{background:#e6f4ef;color:var(--sb-agent)}',
    '.sb-heading{flex:1;min-width:0}',
    '.sb-heading h2{margin:0;font-size:15px;line-height:1.2;font-weight:650;white-space:nowrap;overflow:hidden;text-overflow:ellipsis}',
    // The subtitle wraps rather than being cut ("Connecting you to our team", "No agent was free; …").
    '.sb-status{margin:2px 0 0;font-size:13px;line-height:1.3;opacity:.95;overflow-wrap:anywhere}',
    '.sb-hbtn{border:1px solid rgba(255,255,255,.7);background:transparent;color:#fff;border-radius:999px;padding:5px 10px;font-size:13px;font-weight:600;cursor:pointer;white-space:nowrap}',
    '.sb-hbtn:hover{background:rgba(255,255,255,.15)}',
    '.sb-hbtn[disabled]{opacity:.75;cursor:default}',
    '.sb-close{border:0;background:transparent;color:#fff;width:36px;height:36px;border-radius:50%;font-size:24px;line-height:1;cursor:pointer;flex:none}',
    '.sb-close:hover{background:rgba(255,255,255,.15)}',
    '.sb-banner{padding:8px 14px;background:#fff4ce;color:#5c4400;font-size:13px;border-bottom:1px solid #f0d98a}',
    '.sb-banner[hidden]{display:none}',
    '.sb-handoff{display:flex;align-items:center;gap:8px;padding:8px 14px;background:#eef6ff;color:#0b3d7a;font-size:13px;border-bottom:1px solid #cfe2ff}',
    '.sb-handoff--assigned{background:#e6f4ef;color:#0b4f3a;border-color:#bfe3d4}',
    '.sb-handoff[hidden]{display:none}',
    '.sb-dot{width:8px;height:8px;border-radius:50%;background:currentColor;flex:none}',
    '.sb-handoff-text{flex:1}',
    '.sb-leave{border:0;background:none;color:#0b3d7a;text-decoration:underline;cursor:pointer;font-size:13px;padding:2px 0;white-space:nowrap}',
    '.sb-logwrap{position:relative;flex:1;min-height:0;display:flex;flex-direction:column}',
    '.sb-log{flex:1;min-height:0;overflow-y:auto;padding:14px 12px 6px;background:var(--sb-soft)}',
    '.sb-newpill{position:absolute;left:50%;bottom:10px;transform:translateX(-50%);z-index:1;border:0;border-radius:999px;padding:7px 14px;background:var(--sb-primary);color:#fff;font-size:13px;font-weight:600;box-shadow:0 4px 14px rgba(16,24,40,.3);cursor:pointer;white-space:nowrap}',
    '.sb-newpill:hover{background:var(--sb-primary-dark)}',
    '.sb-newpill[hidden]{display:none}',
    '.sb-empty{color:var(--sb-muted);text-align:center;font-size:14px;margin:24px 12px}',
    '.sb-row{display:flex;flex-direction:column;align-items:flex-start;margin:0 0 10px}',
    '.sb-row--customer{align-items:flex-end}',
    '.sb-bubble{max-width:85%;padding:9px 12px;border-radius:14px;background:#fff;border:1px solid var(--sb-border);white-space:pre-wrap;overflow-wrap:anywhere;word-break:break-word}',
    '.sb-row--customer .sb-bubble{background:var(--sb-primary);border-color:var(--sb-primary);color:#fff;border-bottom-right-radius:4px}',
    '.sb-row--bot .sb-bubble{border-bottom-left-radius:4px}',
    '.sb-row--agent .sb-bubble{background:#e6f4ef;border-color:#bfe3d4;border-bottom-left-radius:4px}',
    '.sb-row--system .sb-bubble{background:transparent;border:0;color:var(--sb-muted);font-size:13px;text-align:center;max-width:100%}',
    '.sb-row--system{align-items:center}',
    '.sb-row--pending .sb-bubble{opacity:.7}',
    '.sb-row--failed .sb-bubble{background:#fff;color:var(--sb-text);border-color:#c62828}',
    '.sb-meta{font-size:12px;color:var(--sb-muted);margin-top:3px;padding:0 4px}',
    '.sb-meta .sb-who{font-weight:600}',
    '.sb-retry{border:0;background:none;color:#b3261e;text-decoration:underline;cursor:pointer;font-size:12px;padding:0 0 0 4px}',
    '.sb-option{font-style:italic}',
    '.sb-carousel{position:relative;width:100%;margin:0 0 12px}',
    '.sb-track{display:flex;gap:10px;overflow-x:auto;scroll-snap-type:x mandatory;padding:2px 2px 8px;margin:0;list-style:none;scrollbar-width:thin}',
    '.sb-card{flex:0 0 200px;scroll-snap-align:start;background:#fff;border:1px solid var(--sb-border);border-radius:12px;overflow:hidden;display:flex;flex-direction:column}',
    '.sb-card img{display:block;width:100%;height:120px;object-fit:contain;background:#fff;border-bottom:1px solid var(--sb-border)}',
    '.sb-card-body{padding:8px 10px 10px;display:flex;flex-direction:column;gap:4px;flex:1}',
    '.sb-card h3{margin:0;font-size:14px;line-height:1.3;font-weight:600;display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden;min-height:2.6em}',
    '.sb-price{font-weight:700;font-size:15px}',
    '.sb-rating{font-size:13px;color:#7a4d00}',
    '.sb-stars{color:#b26a00;letter-spacing:1px}',
    '.sb-oos{font-size:12px;color:#b3261e;font-weight:600}',
    '.sb-reason{font-size:12px;color:var(--sb-muted);display:-webkit-box;-webkit-line-clamp:2;-webkit-box-orient:vertical;overflow:hidden}',
    '.sb-actions{display:flex;flex-wrap:wrap;gap:6px;margin-top:auto;padding-top:4px}',
    '.sb-btn{border:1px solid var(--sb-primary);background:#fff;color:var(--sb-primary);border-radius:8px;padding:5px 8px;font-size:13px;font-weight:600;cursor:pointer}',
    '.sb-btn:hover{background:#eef4fd}',
    '.sb-btn--primary{background:var(--sb-primary);color:#fff}',
    '.sb-btn--primary:hover{background:var(--sb-primary-dark)}',
    '.sb-btn--wide{flex:1 1 100%}',
    '.sb-storelink{flex:1 1 100%;text-align:center;text-decoration:none}',
    '.sb-row--error .sb-bubble{color:#8a1c1c;background:#fdecea;border:1px solid #f5c2c0;border-radius:10px}',
    '.sb-nav{position:absolute;top:50px;width:32px;height:32px;border-radius:50%;border:1px solid var(--sb-border);background:#fff;box-shadow:0 2px 6px rgba(0,0,0,.15);cursor:pointer;font-size:18px;line-height:1;color:var(--sb-text)}',
    '.sb-nav--prev{left:-4px}',
    '.sb-nav--next{right:-4px}',
    '.sb-nav[disabled]{display:none}',
    '.sb-typing{display:flex;align-items:center;gap:8px;padding:0 16px 6px;background:var(--sb-soft);color:var(--sb-muted);font-size:13px}',
    '.sb-typing[hidden]{display:none}',
    '.sb-dots{display:inline-flex;gap:3px}',
    '.sb-dots i{width:6px;height:6px;border-radius:50%;background:var(--sb-muted);animation:sb-bounce 1.2s infinite ease-in-out}',
    '.sb-dots i:nth-child(2){animation-delay:.15s}.sb-dots i:nth-child(3){animation-delay:.3s}',
    '@keyframes sb-bounce{0%,80%,100%{transform:translateY(0);opacity:.5}40%{transform:translateY(-4px);opacity:1}}',
    '@media (prefers-reduced-motion:reduce){.sb-dots i{animation:none}}',
    '.sb-chips{display:flex;flex-wrap:wrap;gap:6px;padding:8px 12px;background:var(--sb-soft);border-top:1px solid #e6e9ee}',
    '.sb-chips:empty{display:none}',
    '.sb-chip{border:1px solid var(--sb-primary);background:#fff;color:var(--sb-primary);border-radius:999px;padding:6px 12px;font-size:14px;cursor:pointer}',
    '.sb-chip:hover{background:#eef4fd}',
    '.sb-composer{display:flex;gap:8px;align-items:flex-end;padding:10px;border-top:1px solid var(--sb-border);background:#fff}',
    '.sb-composer textarea{flex:1;resize:none;border:1px solid #8c959f;border-radius:10px;padding:9px 11px;min-height:42px;max-height:120px;line-height:1.35;background:#fff}',
    '.sb-send{border:0;border-radius:10px;background:var(--sb-primary);color:#fff;font-weight:600;padding:0 16px;height:42px;cursor:pointer}',
    '.sb-send:hover{background:var(--sb-primary-dark)}',
    '.sb-foot{font-size:11px;color:var(--sb-muted);text-align:center;padding:0 0 6px;background:#fff}',
    '.sb-limit{margin:0;padding:0 12px 6px;background:#fff;color:#8a1c1c;font-size:13px;font-weight:600}',
    '.sb-limit:empty{display:none}',
    '.sb-bubble a{color:var(--sb-primary-dark);text-decoration:underline;overflow-wrap:anywhere}',
    '.sb-linkrow{padding:0 10px 6px;background:#fff;font-size:13px}',
    '.sb-linkrow[hidden],.sb-linkbox[hidden]{display:none}',
    '.sb-linkbtn{border:0;background:none;color:var(--sb-primary);text-decoration:underline;cursor:pointer;font-size:13px;font-weight:600;padding:2px 0}',
    '.sb-linkbtn[disabled]{color:var(--sb-muted);text-decoration:none;cursor:default}',
    '.sb-unlinkbtn{margin-left:10px;border:0;background:none;color:var(--sb-muted);text-decoration:underline;cursor:pointer;font-size:13px;padding:2px 0}',
    '.sb-unlinkbtn[hidden]{display:none}',
    '.sb-linkbox{position:relative;margin-top:6px;padding:8px 30px 8px 10px;border:1px solid var(--sb-border);border-radius:10px;background:var(--sb-soft);display:flex;flex-wrap:wrap;align-items:center;gap:6px 10px}',
    '.sb-linkbox a.sb-btn{text-decoration:none}',
    '.sb-linktext{margin:0;flex:1 1 200px;color:var(--sb-text)}',
    '.sb-code{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;font-size:14px;letter-spacing:.5px;white-space:nowrap}',
    '.sb-linkclose{position:absolute;top:4px;right:4px;border:0;background:none;color:var(--sb-muted);cursor:pointer;font-size:18px;line-height:1;padding:2px 6px;border-radius:6px}',
    '.sb-csat{position:relative;padding:10px 12px;background:#fff;border-top:1px solid var(--sb-border)}',
    '.sb-csat[hidden],.sb-csat-more[hidden]{display:none}',
    '.sb-csat-q{margin:0 24px 8px 0;font-size:14px;font-weight:600}',
    '.sb-csat-row{display:flex;gap:6px}',
    '.sb-csat-btn{flex:1;display:flex;flex-direction:column;align-items:center;gap:2px;border:1px solid var(--sb-border);background:#fff;color:var(--sb-text);border-radius:10px;padding:6px 0;cursor:pointer;font-size:12px}',
    '.sb-csat-btn:hover{background:#eef4fd;border-color:var(--sb-primary)}',
    '.sb-csat-btn[aria-pressed="true"]{background:#eef4fd;border-color:var(--sb-primary);box-shadow:inset 0 0 0 1px var(--sb-primary)}',
    '.sb-csat-emoji{font-size:22px;line-height:1}',
    '.sb-csat-more{margin-top:8px;display:flex;flex-direction:column;gap:6px}',
    '.sb-csat-more label{font-size:13px;color:var(--sb-text)}',
    '.sb-csat-more textarea{resize:vertical;border:1px solid #8c959f;border-radius:8px;padding:6px 8px;min-height:44px;background:#fff}',
    '.sb-csat-actions{display:flex;gap:8px;align-items:center}',
    '.sb-csat-skip{border:0;background:none;color:var(--sb-muted);text-decoration:underline;cursor:pointer;font-size:13px;padding:2px 0}',
    '.sb-csat-status{margin:6px 0 0;font-size:13px;color:#0b4f3a}',
    '.sb-csat-status:empty{display:none}',
    '.sb-csat-close{position:absolute;top:4px;right:4px;border:0;background:none;color:var(--sb-muted);cursor:pointer;font-size:18px;line-height:1;padding:2px 6px;border-radius:6px}',
    // On a phone the header takes two rows: the title, its subtitle and the close button, then "Talk to a person".
    '@media (max-width:400px){.sb-header{flex-wrap:wrap;row-gap:6px}.sb-heading{flex:1 1 calc(100% - 52px)}.sb-close{order:1}.sb-hbtn{order:2}.sb-avatar{display:none}.sb-launcher>.sb-launcher-text{position:absolute;width:1px;height:1px;margin:-1px;overflow:hidden;clip:rect(0,0,0,0);white-space:nowrap}.sb-launcher{padding:14px}}',
    '@media (max-width:480px){.sb-panel{inset:0;width:100vw;height:100%;max-height:none;border-radius:0;border:0}.sb-launcher{bottom:14px;right:14px}.sb--left .sb-launcher{left:14px}.sb-card{flex-basis:72%}.sb-hbtn{padding:6px 8px}}',
  ].join('\n');

  // ---------- build the UI ----------
  var host = el('div', { id: 'shopbot-widget', 'data-shopbot': '' });
  var root = host.attachShadow ? host.attachShadow({ mode: 'open' }) : host;
  try {
    var sheet = new CSSStyleSheet();
    sheet.replaceSync(CSS);
    root.adoptedStyleSheets = [sheet];
  } catch (e) {
    root.appendChild(el('style', { text: CSS }));
  }

  var chatIcon = function () {
    var ns = 'http://www.w3.org/2000/svg';
    var svg = document.createElementNS(ns, 'svg');
    svg.setAttribute('viewBox', '0 0 24 24');
    svg.setAttribute('aria-hidden', 'true');
    var p = document.createElementNS(ns, 'path');
    p.setAttribute('fill', 'currentColor');
    p.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4H4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2zm3 6.5a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3zm5 0a1.5 1.5 0 1 0 0-3 1.5 1.5 0 0 0 0 3z');
    svg.appendChild(p);
    return svg;
  };

  var badge = el('span', { class: 'sb-badge', hidden: true, 'aria-hidden': 'true' });
  var launcherLabel = el('span', { class: 'sb-launcher-text', text: T('launcher.open') });
  // Its accessible name is the words it shows (hidden visually below 400 px, still read out).
  var launcher = el('button', { class: 'sb-launcher', type: 'button', 'aria-expanded': 'false', 'aria-controls': 'sb-panel' }, [chatIcon(), launcherLabel, badge]);
  var avatar = el('span', { class: 'sb-avatar', 'aria-hidden': 'true', text: 'S' });
  var title = el('h2', { id: 'sb-title', text: cfg.title });
  var statusLine = el('p', { class: 'sb-status', text: T('header.instant') });
  var humanBtn = el('button', { class: 'sb-hbtn', type: 'button', text: T('header.talk') });
  var closeBtn = el('button', { class: 'sb-close', type: 'button', 'aria-label': T('header.close'), text: '\u00d7' });
  var banner = el('div', { class: 'sb-banner', role: 'status', hidden: true });
  var leaveBtn = el('button', { class: 'sb-leave', type: 'button', text: T('queue.leave'), 'aria-label': T('queue.leaveLabel'), hidden: true });
  var handoffBar = el('div', { class: 'sb-handoff', hidden: true }, [el('span', { class: 'sb-dot', 'aria-hidden': 'true' }), el('span', { class: 'sb-handoff-text', role: 'status' }), leaveBtn]);
  var log = el('div', { class: 'sb-log', role: 'log', 'aria-live': 'polite', 'aria-relevant': 'additions', 'aria-label': T('log.label'), tabindex: '0' });
  var empty = el('p', { class: 'sb-empty', text: T('log.empty') });
  log.appendChild(empty);
  var newPill = el('button', { class: 'sb-newpill', type: 'button', hidden: true }, [el('span', { class: 'sb-newpill-text', text: T('log.new', { count: 1 }) }), el('span', { 'aria-hidden': 'true', text: ' \u2193' })]);
  var logWrap = el('div', { class: 'sb-logwrap' }, [log, newPill]);
  var typingWho = el('span', { text: T('typing.bot') });
  var typing = el('div', { class: 'sb-typing', hidden: true, 'aria-hidden': 'true' }, [el('span', { class: 'sb-dots' }, [el('i'), el('i'), el('i')]), typingWho]);
  var chipsBox = el('div', { class: 'sb-chips', role: 'group', 'aria-label': T('chips') });
  // The rating question after an agent resolved the chat (the `csat` event; see showCsat below).
  var csatQuestion = el('p', { class: 'sb-csat-q', id: 'sb-csat-q' });
  var csatRow = el('div', { class: 'sb-csat-row' });
  var csatComment = el('textarea', { id: 'sb-csat-comment', rows: '2', maxlength: '1000' });
  var csatSend = el('button', { class: 'sb-btn sb-btn--primary', type: 'button', text: T('csat.sendComment') });
  var csatSkip = el('button', { class: 'sb-csat-skip', type: 'button', text: T('csat.skip') });
  var csatMore = el('div', { class: 'sb-csat-more', hidden: true }, [el('label', { for: 'sb-csat-comment', text: T('csat.commentLabel') }), csatComment, el('div', { class: 'sb-csat-actions' }, [csatSend, csatSkip])]);
  var csatStatus = el('p', { class: 'sb-csat-status', role: 'status' });
  var csatClose = el('button', { class: 'sb-csat-close', type: 'button', 'aria-label': T('csat.close'), text: '\u00d7' });
  var csatBox = el('div', { class: 'sb-csat', role: 'group', 'aria-labelledby': 'sb-csat-q', hidden: true }, [csatQuestion, csatRow, csatMore, csatStatus, csatClose]);
  var input = el('textarea', { id: 'sb-input', rows: '1', maxlength: '2000', placeholder: T('composer.placeholder'), 'aria-label': T('composer.label'), autocomplete: 'off' });
  var sendBtn = el('button', { class: 'sb-send', type: 'submit', text: T('composer.send') });
  var composer = el('form', { class: 'sb-composer', novalidate: true }, [input, sendBtn]);
  // The composer's length limit (its maxlength): said, not silent, when a paste or typing reaches it.
  // Always in the DOM (empty and not shown when there is nothing to say), so the status is announced.
  var limitNote = el('p', { class: 'sb-limit', id: 'sb-limit', role: 'status', 'aria-live': 'polite' });
  var foot = el('div', { class: 'sb-foot', text: T('composer.help') });
  // "Continue on Messenger": shown only when the server offers it (session.messenger).
  var linkBtn = el('button', { class: 'sb-linkbtn', type: 'button', text: T('link.continue'), 'aria-label': T('link.continueLabel') });
  var unlinkBtn = el('button', { class: 'sb-unlinkbtn', type: 'button', text: T('link.disconnect'), 'aria-label': T('link.disconnectLabel'), hidden: true });
  var linkBox = el('div', { class: 'sb-linkbox', role: 'status', hidden: true });
  var linkRow = el('div', { class: 'sb-linkrow', hidden: true }, [linkBtn, unlinkBtn, linkBox]);
  var panel = el('section', { class: 'sb-panel', id: 'sb-panel', role: 'dialog', 'aria-modal': 'false', 'aria-labelledby': 'sb-title', hidden: true }, [
    // A div, not <header>: inside the host page it would read as a second banner landmark.
    el('div', { class: 'sb-header' }, [avatar, el('div', { class: 'sb-heading' }, [title, statusLine]), humanBtn, closeBtn]),
    banner,
    handoffBar,
    logWrap,
    typing,
    csatBox,
    chipsBox,
    composer,
    limitNote,
    linkRow,
    foot,
  ]);
  var wrapper = el('div', { class: 'sb' + (cfg.left ? ' sb--left' : ''), lang: LOCALE.tag, dir: 'ltr' }, [launcher, panel]);
  host.setAttribute('lang', LOCALE.tag);
  root.appendChild(wrapper);

  function mount() {
    if (!host.isConnected) document.body.appendChild(host);
  }
  if (document.body) mount();
  else document.addEventListener('DOMContentLoaded', mount);

  // ---------- open / close ----------
  function setOpen(open, focus) {
    state.open = open;
    store.set('open', open);
    panel.hidden = !open;
    launcher.setAttribute('aria-expanded', String(open));
    updateBadge();
    if (open) {
      state.unread = 0;
      updateBadge();
      connect();
      scrollToEnd(true);
      if (focus !== false) setTimeout(function () { input.focus(); }, 0);
    } else if (focus !== false) {
      launcher.focus();
    }
  }
  launcher.addEventListener('click', function () { setOpen(!state.open); });
  closeBtn.addEventListener('click', function () { setOpen(false); });
  panel.addEventListener('keydown', function (e) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      setOpen(false);
    }
  });

  function updateBadge() {
    badge.hidden = state.unread === 0;
    badge.textContent = state.unread > 9 ? '9+' : String(state.unread);
    launcherLabel.textContent = state.open ? T('launcher.close') : state.unread ? T('launcher.unread') : T('launcher.open');
  }

  // ---------- rendering ----------
  var rendered = {}; // "event:seq" -> true, so replays never duplicate anything
  var rowsBySeq = {}; // seq -> row element (customer messages, for read receipts)
  // The transcript follows the newest turn unless the customer scrolled up to read; then a
  // "New message" pill appears instead of moving the text under their eyes. Only the customer's own
  // scrolling changes that: our scrolls, and the scroll events that content or a resize cause, are
  // told apart by the position we last scrolled to.
  // Following means showing the newest reply from its start: the log's end when the whole reply fits,
  // else the reply's first row at the top (a long policy answer, or text with product cards, is read
  // from its first line, not found by scrolling up from its last).
  var follow = true;
  var autoTop = -1;
  var unseen = 0;
  function atEnd() {
    return log.scrollHeight - log.scrollTop - log.clientHeight < 24;
  }
  // Rows that arrive within this long of each other (live, not replayed) are read as one reply, up
  // to TOGETHER_MAX_MS from its first: a hand-off notice, "Anna joined", an agent's message and the
  // products they suggest come in socket events of their own, without the customer message's seq.
  // Rows from before the customer last brought the log to its end themselves (opened the chat,
  // sent, the New message pill, scrolled down) were read there: they never join what comes after.
  var TOGETHER_MS = 3000;
  var TOGETHER_MAX_MS = 10000;
  var readAt = 0;
  /** Marks a row that arrived now (not from a replay or the cache), for replyStart. */
  function stampArrival(row) {
    if (!state.replaying) row.sbArrived = Date.now();
  }
  /** Whether row `older`, just above `newer`, belongs to the same reply as `newest` does. */
  function sameReply(older, newer, newest) {
    if (older.classList.contains('sb-row--customer')) return false;
    var key = newer.getAttribute('data-reply');
    if (key && older.getAttribute('data-reply') === key) return true;
    // A message's cards (same seq) belong to its text.
    var seq = newer.getAttribute('data-seq');
    if (seq && seq !== '0' && older.getAttribute('data-seq') === seq) return true;
    var a = older.sbArrived;
    return typeof a === 'number' && a > readAt && typeof newer.sbArrived === 'number' && newer.sbArrived - a <= TOGETHER_MS && newest.sbArrived - a <= TOGETHER_MAX_MS;
  }
  /**
   * The first row of the newest reply, or null when the newest row is the customer's own. One reply
   * is the rows that answer the same customer message (data-reply: its seq; cards share their
   * message's), and the rows that arrived together with them (a notice or an agent's message right
   * behind a bot's answer); a row that answers none and came on its own is a reply of its own.
   * Without the rows that came together, a reply that fitted was pushed up by the notice behind it
   * and opened with its first part above the log (seen at 1366x800: the apology out of view).
   */
  function replyStart() {
    var rows = log.querySelectorAll('.sb-row');
    var newest = rows[rows.length - 1];
    if (!newest || newest.classList.contains('sb-row--customer')) return null;
    var start = newest;
    for (var i = rows.length - 2; i >= 0; i--) {
      if (!sameReply(rows[i], start, newest)) break;
      start = rows[i];
    }
    return start;
  }
  function showNewest() {
    var end = log.scrollHeight - log.clientHeight;
    var start = replyStart();
    // 8 px above the reply's first row, so its edge shows; never past the end.
    var top = start ? start.getBoundingClientRect().top - log.getBoundingClientRect().top + log.scrollTop - 8 : end;
    log.scrollTop = Math.max(0, Math.min(top, end));
    autoTop = log.scrollTop;
  }
  function hidePill() {
    unseen = 0;
    newPill.hidden = true;
  }
  log.addEventListener('scroll', function () {
    if (atEnd()) {
      if (!follow) readAt = Date.now();
      follow = true;
      hidePill();
    } else if (Math.abs(log.scrollTop - autoTop) > 1) {
      follow = false;
    }
  });
  /** force: the customer acted (sent something, opened the chat); incoming: a new turn for them. */
  function scrollToEnd(force, incoming) {
    if (force) {
      follow = true;
      readAt = Date.now();
    }
    if (follow) {
      hidePill();
      showNewest();
      // Again once layout settles (cards, chips and the typing line change the sizes).
      requestAnimationFrame(function () {
        if (follow) showNewest();
      });
    } else if (incoming && !state.replaying) {
      unseen++;
      newPill.firstChild.textContent = T('log.new', { count: unseen });
      newPill.hidden = false;
    }
  }
  // The log shrinks when chips, the typing line or a banner appear under or over it.
  if (typeof ResizeObserver === 'function') {
    new ResizeObserver(function () {
      if (follow && !panel.hidden) showNewest();
    }).observe(log);
  }
  newPill.addEventListener('click', function () {
    scrollToEnd(true);
    input.focus();
  });

  function whoLabel(role, agentName) {
    if (role === 'customer') return T('log.you');
    if (role === 'agent') return agentName || T('log.agent');
    return T('log.bot');
  }

  function meta(role, ts, agentName, extra) {
    var m = el('div', { class: 'sb-meta' }, [el('span', { class: 'sb-who', text: whoLabel(role, agentName) }), ' · ', el('time', { datetime: ts || '', title: ts ? new Date(ts).toLocaleString(LOCALE.tag) : '', text: ts ? timeLabel(ts) : '' })]);
    if (extra) m.appendChild(extra);
    return m;
  }

  function insertRow(row, seq) {
    if (empty.parentNode) empty.remove();
    stampArrival(row);
    row.setAttribute('data-seq', String(seq || 0));
    // Keep seq order even when a replay delivers an older turn after a newer one.
    var after = null;
    if (seq) {
      var rows = log.querySelectorAll('[data-seq]');
      for (var i = rows.length - 1; i >= 0; i--) {
        var s = Number(rows[i].getAttribute('data-seq'));
        if (s && s > seq) after = rows[i];
        else if (s && s <= seq) break;
      }
    }
    var pendings = log.querySelectorAll('.sb-row--pending');
    if (after) log.insertBefore(row, after);
    else if (seq && pendings.length) log.insertBefore(row, pendings[0]);
    else log.appendChild(row);
  }

  // Links in the bot's and agents' messages: http(s) URLs, and the store's help pages (/help/...)
  // and product pages (/?product=...) when a path starts a word. Built as <a> elements around text
  // nodes; the message itself is never parsed as HTML. A site path resolves against this page (as
  // cards' "View on store" do) and opens here; an absolute URL opens in a new tab. Customers' own
  // messages stay plain text.
  var LINKS = /https?:\/\/[^\s<>"'`]+|\/help\/[^\s<>"'`]*|\/\?product=[^\s<>"'`]+/g;
  function appendLinked(parent, text) {
    var at = 0;
    var m;
    LINKS.lastIndex = 0;
    while ((m = LINKS.exec(text))) {
      var raw = m[0];
      var start = m.index;
      // A site path only where a word starts ("see /help/x", "(/help/x)"), never inside one.
      if (raw.charAt(0) === '/' && start > 0 && !/[\s(\[{"'\u2018\u201c\u00ab]/.test(text.charAt(start - 1))) continue;
      // Sentence punctuation after a link is not part of it; a closing bracket only when unmatched.
      var cut = raw.replace(/[.,;:!?'"\u2019\u201d\u00bb\u0964\u0965]+$/, '');
      while (/[)\]]$/.test(cut)) {
        var close = cut.slice(-1);
        if (cut.split(close === ')' ? '(' : '[').length >= cut.split(close).length) break;
        cut = cut.slice(0, -1).replace(/[.,;:!?'"\u2019\u201d\u00bb\u0964\u0965]+$/, '');
      }
      if (cut === '/help/' || cut.length < 2) continue;
      var href = null;
      try {
        var u = new URL(cut, location.href);
        if (u.protocol === 'https:' || u.protocol === 'http:') href = u.href;
      } catch (e) {}
      if (!href) continue;
      if (start > at) parent.appendChild(document.createTextNode(text.slice(at, start)));
      var absolute = cut.charAt(0) !== '/';
      parent.appendChild(el('a', { href: href, target: absolute ? '_blank' : null, rel: absolute ? 'noopener noreferrer' : null, text: cut }));
      at = start + cut.length;
      LINKS.lastIndex = at;
    }
    if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
  }

  function renderMessage(d) {
    var key = 'message:' + d.seq;
    if (rendered[key]) return;
    rendered[key] = true;
    var role = d.role === 'customer' || d.role === 'agent' ? d.role : 'bot';
    var text = typeof d.text === 'string' ? d.text : '';
    if (role === 'customer') {
      // Our own message coming back: adopt the optimistic bubble instead of adding a second one.
      var pending = findPending(text, d.seq);
      if (pending) {
        confirmPending(pending, d.seq, d.ts);
        return;
      }
    }
    var bubble = el('div', { class: 'sb-bubble' });
    if (!text && role === 'customer') {
      bubble.classList.add('sb-option');
      bubble.textContent = state.labels[d.seq] || T('log.option');
    } else if (role === 'customer') {
      bubble.textContent = text;
    } else {
      appendLinked(bubble, text);
    }
    var row = el('div', { class: 'sb-row sb-row--' + role }, [el('span', { class: 'sb-sr', text: T('log.said', { who: whoLabel(role, d.agentName) }) }), bubble, meta(role, d.ts, d.agentName)]);
    if (role !== 'customer' && typeof d.replyTo === 'number') row.setAttribute('data-reply', String(d.replyTo));
    insertRow(row, d.seq);
    if (role === 'customer') {
      rowsBySeq[d.seq] = row;
      if (d.seq <= state.agentRead) markSeenRow(row);
    }
    if (role !== 'customer') {
      hideTyping();
      noteIncoming(d.seq);
    }
    scrollToEnd(role === 'customer', role !== 'customer');
  }

  // "₹1,299 · ★ 4.2 (24,269) · out of stock": the price, the rating and a stock note, each worded
  // and formatted by the server for the chat's locale (the note is shown as the server wrote it).
  function parseSubtitle(sub) {
    var parts = String(sub || '').split(' \u00b7 ');
    var out = { price: parts[0] || '', rating: null, count: null, oos: null };
    for (var i = 1; i < parts.length; i++) {
      var m = /\u2605\s*([\d.]+)(?:\s*\(([\d,]+)\))?/.exec(parts[i]);
      if (m) {
        out.rating = Number(m[1]);
        out.count = m[2] || null;
      } else if (parts[i].trim()) out.oos = parts[i].trim();
    }
    return out;
  }

  function stars(r) {
    var full = Math.round(r);
    var s = '';
    for (var i = 0; i < 5; i++) s += i < full ? '\u2605' : '\u2606';
    return s;
  }

  var ACTION_LABEL = { view: T('card.view'), add_to_cart: T('card.addToCart'), more_like: T('card.moreLikeThis') };

  function renderCards(d) {
    var key = 'card:' + d.seq;
    if (rendered[key]) return;
    rendered[key] = true;
    var cards = Array.isArray(d.cards) ? d.cards : [];
    if (!cards.length) return;
    var track = el('ul', { class: 'sb-track', role: 'list' });
    cards.forEach(function (c, i) {
      var info = parseSubtitle(c.subtitle);
      var body = el('div', { class: 'sb-card-body' }, [el('h3', { text: c.title || T('card.product'), title: c.title || '' }), el('div', { class: 'sb-price', text: info.price })]);
      if (info.rating !== null && !isNaN(info.rating)) {
        body.appendChild(
          el('div', { class: 'sb-rating', role: 'img', 'aria-label': info.count ? T('card.ratedBy', { rating: info.rating.toFixed(1), count: info.count }) : T('card.rated', { rating: info.rating.toFixed(1) }) }, [
            el('span', { class: 'sb-stars', 'aria-hidden': 'true', text: stars(info.rating) }),
            el('span', { 'aria-hidden': 'true', text: ' ' + info.rating.toFixed(1) + (info.count ? ' (' + info.count + ')' : '') }),
          ]),
        );
      }
      if (info.oos) body.appendChild(el('div', { class: 'sb-oos', text: info.oos.charAt(0).toLocaleUpperCase(LOCALE.tag) + info.oos.slice(1) }));
      if (c.text) body.appendChild(el('div', { class: 'sb-reason', text: c.text }));
      var actions = el('div', { class: 'sb-actions' });
      (Array.isArray(c.buttons) ? c.buttons : []).forEach(function (b) {
        var action = null;
        try {
          action = JSON.parse(b.value).action;
        } catch (e) {}
        var label = String(b.title || ACTION_LABEL[action] || T('card.select'));
        var cls = 'sb-btn' + (action === 'add_to_cart' ? ' sb-btn--primary' : '') + (action === 'more_like' ? ' sb-btn--wide' : '');
        actions.appendChild(
          el('button', {
            class: cls,
            type: 'button',
            'data-action': action || '',
            'aria-label': T('card.button', { label: label, title: c.title || T('card.productWord') }),
            text: label,
            onclick: function () {
              var parsed = null;
              try {
                parsed = JSON.parse(b.value);
              } catch (e) {}
              if (action === 'add_to_cart' && parsed && typeof parsed.productId === 'string') return addToCart(parsed.productId, String(c.title || ''), label);
              send({ value: String(b.value), text: T('card.button', { label: label, title: String(c.title || '').slice(0, 80) }) });
            },
          }),
        );
      });
      // The product's page on the store (a store path resolves against this page; only http(s) links).
      var href = null;
      try {
        var u = typeof c.url === 'string' && c.url ? new URL(c.url, location.href) : null;
        if (u && (u.protocol === 'https:' || u.protocol === 'http:')) href = u.href;
      } catch (e) {}
      if (href) {
        var sameSite = href.indexOf(location.origin + '/') === 0;
        actions.appendChild(el('a', { class: 'sb-btn sb-storelink', href: href, target: sameSite ? null : '_blank', rel: sameSite ? null : 'noopener noreferrer', 'aria-label': T('card.viewOnStoreLabel', { title: c.title || T('card.productWord') }), text: T('card.viewOnStore') }));
      }
      body.appendChild(actions);
      var card = el('li', { class: 'sb-card', 'aria-roledescription': 'slide', 'aria-label': T('card.slide', { n: i + 1, total: cards.length, title: c.title || T('card.productWord') }) }, [productImage(c.image, c.title), body]);
      track.appendChild(card);
    });
    var prev = el('button', { class: 'sb-nav sb-nav--prev', type: 'button', 'aria-label': T('card.previous'), text: '\u2039', tabindex: '-1' });
    var next = el('button', { class: 'sb-nav sb-nav--next', type: 'button', 'aria-label': T('card.next'), text: '\u203a', tabindex: '-1' });
    var step = function (dir) {
      var first = track.querySelector('.sb-card');
      track.scrollBy({ left: dir * ((first ? first.getBoundingClientRect().width : 200) + 10), behavior: 'smooth' });
    };
    prev.addEventListener('click', function () { step(-1); });
    next.addEventListener('click', function () { step(1); });
    var sync = function () {
      prev.disabled = track.scrollLeft < 4;
      next.disabled = track.scrollLeft + track.clientWidth >= track.scrollWidth - 4;
    };
    track.addEventListener('scroll', sync, { passive: true });
    // Arrow keys move between cards, keeping the same button focused.
    track.addEventListener('keydown', function (e) {
      if (e.key !== 'ArrowRight' && e.key !== 'ArrowLeft') return;
      var btn = e.target.closest ? e.target.closest('button') : null;
      var card = btn && btn.closest('.sb-card');
      if (!card) return;
      var sib = e.key === 'ArrowRight' ? card.nextElementSibling : card.previousElementSibling;
      if (!sib) return;
      var action = btn.getAttribute('data-action');
      var target = sib.querySelector('button[data-action="' + action + '"]') || sib.querySelector('button');
      if (target) {
        e.preventDefault();
        target.focus();
        sib.scrollIntoView({ block: 'nearest', inline: 'nearest', behavior: 'smooth' });
      }
    });
    var carousel = el('div', { class: 'sb-carousel', role: 'group', 'aria-roledescription': 'carousel', 'aria-label': T('card.products', { count: cards.length }) }, [prev, track, next]);
    var row = el('div', { class: 'sb-row sb-row--bot sb-row--cards' }, [carousel]);
    // The cards belong to the reply of their message (the text above them, same seq).
    var said = log.querySelector('.sb-row[data-seq="' + Number(d.seq) + '"][data-reply]');
    if (said) row.setAttribute('data-reply', said.getAttribute('data-reply'));
    insertRow(row, d.seq);
    setTimeout(sync, 50);
    hideTyping();
    noteIncoming(d.seq);
    scrollToEnd(false, true);
  }

  /** Empties the quick replies; a customer on one of them keeps the keyboard in the composer. */
  function clearChips() {
    var active = root.activeElement || document.activeElement;
    var had = !!active && chipsBox.contains(active);
    chipsBox.textContent = '';
    if (had) input.focus();
  }

  function renderChips(d) {
    if (d.seq < state.lastChipsSeq) return;
    // A rating question sent to Messenger shows here as the rating row, not as chips.
    var csatChips = (Array.isArray(d.chips) ? d.chips : []).map(function (c) { return /^CSAT:(\d+):([1-5])$/.exec(String(c.value || '')); });
    if (csatChips.length && csatChips.every(Boolean)) {
      state.lastChipsSeq = d.seq;
      clearChips();
      if (!state.replaying) showCsat({ ticketId: Number(csatChips[0][1]) });
      return;
    }
    state.lastChipsSeq = d.seq;
    clearChips();
    (Array.isArray(d.chips) ? d.chips : []).forEach(function (c) {
      var t = String(c.title || c.value || '');
      if (!t) return;
      // A person is already asked for (or here): "Talk to a person" would only ask again.
      if (state.handoff && String(c.value || t) === T('sends.talkToPerson')) return;
      chipsBox.appendChild(
        el('button', {
          class: 'sb-chip',
          type: 'button',
          text: t,
          onclick: function () {
            // The chip goes away with the others once it is sent: the keyboard stays in the composer.
            input.focus();
            send({ text: String(c.value || t) });
          },
        }),
      );
    });
  }

  function clearChipsIfStale(seq) {
    if (seq > state.lastChipsSeq) clearChips();
  }

  function noteIncoming(seq) {
    if (typeof seq === 'number' && seq > state.lastIncoming) state.lastIncoming = seq;
    maybeRead();
    if (state.replaying) return;
    if (!state.open) {
      state.unread++;
      updateBadge();
    }
  }

  // ---------- read receipts ----------
  // "Seen" goes to the server only when the customer can actually see the chat: the page is visible
  // and has the focus, the panel is open, and the customer's focus (or last click) is in the widget.
  var engaged = false;
  function inWidget(e) {
    var path = e.composedPath ? e.composedPath() : [];
    return path.indexOf(host) >= 0 || path.indexOf(panel) >= 0;
  }
  document.addEventListener('pointerdown', function (e) { engaged = inWidget(e); maybeRead(); }, true);
  document.addEventListener('focusin', function (e) { engaged = inWidget(e); maybeRead(); }, true);
  panel.addEventListener('focusin', function () { engaged = true; maybeRead(); });
  document.addEventListener('visibilitychange', maybeRead);
  window.addEventListener('focus', maybeRead);
  function canSee() {
    return state.open && !panel.hidden && engaged && document.visibilityState === 'visible' && document.hasFocus();
  }
  function maybeRead() {
    if (!canSee() || !socket || !socket.connected || state.replaying || state.lastIncoming <= state.readSent) return;
    var upTo = state.lastIncoming;
    state.readSent = upTo;
    socket.emit('read', { seq: upTo });
  }
  function markSeenRow(row) {
    var m = row.querySelector('.sb-meta');
    if (m && !row.querySelector('.sb-seen')) m.appendChild(el('span', { class: 'sb-seen', text: T('log.seen') }));
  }

  var typingTimer = null;
  function showTyping() {
    typingWho.textContent = state.handoff && state.handoff.status === 'assigned' ? T('typing.agent', { name: state.handoff.agentName || T('typing.theAgent') }) : T('typing.bot');
    typing.hidden = false;
    scrollToEnd(false);
    clearTimeout(typingTimer);
    typingTimer = setTimeout(hideTyping, 8000);
  }
  function hideTyping() {
    typing.hidden = true;
    clearTimeout(typingTimer);
  }

  function applyHandoff(h) {
    state.handoff = h && (h.status === 'pending' || h.status === 'assigned') ? h : null;
    store.set('handoff', state.handoff);
    var text = handoffBar.querySelector('.sb-handoff-text');
    handoffBar.classList.remove('sb-handoff--assigned');
    if (!state.handoff) {
      handoffBar.hidden = true;
      statusLine.textContent = T('header.instant');
      title.textContent = cfg.title;
      avatar.textContent = 'S';
      avatar.classList.remove('sb-avatar--agent');
      humanBtn.disabled = false;
      humanBtn.textContent = T('header.talk');
      if (h && (h.status === 'resolved' || h.status === 'returned' || h.status === 'timeout')) {
        statusLine.textContent = h.status === 'timeout' ? T('header.noAgent') : T('header.back');
      }
      return;
    }
    handoffBar.hidden = false;
    humanBtn.disabled = true;
    leaveBtn.hidden = state.handoff.status !== 'pending';
    if (state.handoff.status === 'pending') {
      var pos = state.handoff.position;
      text.textContent = pos ? T('queue.waitingAt', { position: pos }) : T('queue.waiting');
      statusLine.textContent = T('header.connecting');
      humanBtn.textContent = T('header.requested');
    } else {
      var name = state.handoff.agentName || T('queue.anAgent');
      handoffBar.classList.add('sb-handoff--assigned');
      text.textContent = T('queue.joined', { name: name });
      title.textContent = name;
      statusLine.textContent = T('header.supportTeam', { title: cfg.title });
      avatar.textContent = name.charAt(0).toUpperCase();
      avatar.classList.add('sb-avatar--agent');
      humanBtn.textContent = T('header.with', { name: name });
    }
  }

  function handle(event, d, fromCache) {
    if (!d || typeof d !== 'object') return;
    var seq = typeof d.seq === 'number' ? d.seq : 0;
    if (event === 'message') renderMessage(d);
    else if (event === 'card') renderCards(d);
    else if (event === 'suggestions') renderChips(d);
    if (event === 'message' || event === 'card') clearChipsIfStale(seq);
    if (!fromCache && seq) {
      var key = event + ':' + seq;
      if (!state.events.some(function (e) { return e.k === key; })) {
        state.events.push({ k: key, e: event, d: d });
        if (seq > state.seq) state.seq = seq;
        saveEvents();
      }
    }
  }

  // ---------- sending (optimistic, with an outbox that survives reconnects and reloads) ----------
  function newId() {
    return Date.now().toString(36) + Math.random().toString(36).slice(2, 8);
  }

  function pendingRow(item) {
    var status = el('span', { class: 'sb-pstatus', text: T('log.sending') });
    var bubble = el('div', { class: 'sb-bubble' + (item.text ? '' : ' sb-option'), text: item.label || item.text });
    var row = el('div', { class: 'sb-row sb-row--customer sb-row--pending', 'data-local': item.id }, [el('span', { class: 'sb-sr', text: T('log.said', { who: T('log.you') }) }), bubble, meta('customer', item.ts, null, status)]);
    if (empty.parentNode) empty.remove();
    log.appendChild(row);
    scrollToEnd(true);
    return row;
  }

  function findPending(text, seq) {
    var rows = log.querySelectorAll('.sb-row--pending');
    for (var i = 0; i < rows.length; i++) {
      var id = rows[i].getAttribute('data-local');
      var item = state.outbox.find(function (o) { return o.id === id; });
      if (!item) continue;
      if (item.seq === seq || (item.seq === undefined && (item.text || '') === text)) return rows[i];
    }
    return null;
  }

  function confirmPending(row, seq, ts) {
    var id = row.getAttribute('data-local');
    var item = state.outbox.find(function (o) { return o.id === id; });
    if (item && item.label && item.value) {
      state.labels[seq] = item.label;
      store.set('labels', state.labels);
    }
    state.outbox = state.outbox.filter(function (o) { return o.id !== id; });
    store.set('outbox', state.outbox);
    row.classList.remove('sb-row--pending', 'sb-row--failed');
    row.removeAttribute('data-local');
    var st = row.querySelector('.sb-pstatus');
    if (st) st.remove();
    var t = row.querySelector('time');
    if (t && ts) {
      t.setAttribute('datetime', ts);
      t.textContent = timeLabel(ts);
    }
    rendered['message:' + seq] = true;
    rowsBySeq[seq] = row;
    if (seq <= state.agentRead) markSeenRow(row);
    // Move it into seq order (it sat at the end while pending).
    row.remove();
    insertRow(row, seq);
  }

  function failPending(row, message) {
    row.classList.remove('sb-row--pending');
    row.classList.add('sb-row--failed');
    var st = row.querySelector('.sb-pstatus');
    if (st) {
      st.textContent = T('log.notSent', { reason: message || T('log.tryAgain') });
      var id = row.getAttribute('data-local');
      st.appendChild(
        el('button', {
          class: 'sb-retry',
          type: 'button',
          text: T('log.retry'),
          onclick: function () {
            var item = state.outbox.find(function (o) { return o.id === id; });
            row.classList.remove('sb-row--failed');
            row.classList.add('sb-row--pending');
            st.textContent = T('log.sending');
            if (item) {
              item.failed = false;
              store.set('outbox', state.outbox);
              transmit(item, row);
            }
          },
        }),
      );
    }
  }

  function transmit(item, row) {
    if (!socket || !socket.connected) return; // flushed on (re)connect
    item.sentAt = Date.now();
    var payload = {};
    if (item.text) payload.text = item.text;
    if (item.value) payload.value = item.value;
    socket.timeout(15000).emit('message', payload, function (err, res) {
      if (err) return; // timed out: retried after the next reconnect or on Retry
      if (res && res.ok) {
        item.seq = res.seq;
        store.set('outbox', state.outbox);
        if (!row.hasAttribute('data-local')) return; // the echo came first and confirmed it
        if (rendered['message:' + res.seq]) {
          // The echo already arrived and was drawn separately: drop the optimistic copy.
          row.remove();
          state.outbox = state.outbox.filter(function (o) { return o.id !== item.id; });
          store.set('outbox', state.outbox);
        } else {
          confirmPending(row, res.seq, null);
        }
      } else {
        item.failed = true;
        store.set('outbox', state.outbox);
        failPending(row, res && res.message);
      }
    });
  }

  function send(msg) {
    var text = typeof msg.text === 'string' ? msg.text.trim() : '';
    if (!text && !msg.value) return;
    var item = { id: newId(), text: text || undefined, value: msg.value || undefined, label: msg.label || undefined, ts: new Date().toISOString() };
    state.outbox.push(item);
    store.set('outbox', state.outbox);
    clearChips();
    var row = pendingRow(item);
    if (!state.open) setOpen(true, false);
    connect();
    transmit(item, row);
  }

  function flushOutbox() {
    state.outbox.forEach(function (item) {
      if (item.seq !== undefined || item.failed) return;
      var row = log.querySelector('[data-local="' + item.id + '"]') || pendingRow(item);
      transmit(item, row);
    });
  }

  composer.addEventListener('submit', function (e) {
    e.preventDefault();
    var text = input.value;
    if (!text.trim()) return;
    input.value = '';
    autosize();
    showLimit();
    send({ text: text });
  });
  input.addEventListener('keydown', function (e) {
    if (e.key === 'Enter' && !e.shiftKey && !e.isComposing) {
      e.preventDefault();
      composer.requestSubmit ? composer.requestSubmit() : composer.dispatchEvent(new Event('submit', { cancelable: true }));
    }
  });
  function autosize() {
    input.style.height = 'auto';
    input.style.height = Math.min(120, input.scrollHeight + 2) + 'px';
  }
  input.addEventListener('input', autosize);
  var maxLength = Number(input.getAttribute('maxlength')) || 2000;
  var cutOnPaste = false;
  function fmt(n) {
    try {
      return n.toLocaleString(LOCALE.tag);
    } catch (e) {
      return String(n);
    }
  }
  function showLimit() {
    var n = input.value.length;
    var text = n >= maxLength ? T(cutOnPaste ? 'composer.pasteCut' : 'composer.atLimit', { used: fmt(n), max: fmt(maxLength) }) : '';
    if (!text) cutOnPaste = false;
    if (limitNote.textContent !== text) limitNote.textContent = text;
    if (text) input.setAttribute('aria-describedby', 'sb-limit');
    else input.removeAttribute('aria-describedby');
  }
  // A paste longer than the room left: the browser keeps what fits (maxlength); say that the rest was left out.
  input.addEventListener('paste', function (e) {
    var pasted = e.clipboardData ? e.clipboardData.getData('text') : '';
    var selected = Math.max(0, (input.selectionEnd || 0) - (input.selectionStart || 0));
    if (pasted && input.value.length - selected + pasted.replace(/\r\n/g, '\n').length > maxLength) cutOnPaste = true;
    // Nothing fits when the composer is already full: no input event follows, so say it now.
    setTimeout(showLimit, 0);
  });
  input.addEventListener('input', showLimit);
  // While an agent has the chat, tell them the customer is typing (at most every 2.5 s).
  var lastTypingSent = 0;
  input.addEventListener('input', function () {
    if (!state.handoff || state.handoff.status !== 'assigned' || !socket || !socket.connected) return;
    if (Date.now() - lastTypingSent < 2500) return;
    lastTypingSent = Date.now();
    socket.emit('typing', { on: true });
  });
  // The words the bot reads back as "Talk to a person" / "Back to the assistant" (the bot catalogue's chips, in the chat's language).
  humanBtn.addEventListener('click', function () {
    send({ text: T('sends.talkToPerson') });
  });
  leaveBtn.addEventListener('click', function () {
    send({ text: T('sends.backToAssistant') });
  });

  // ---------- connection ----------
  var socket = null;
  var loading = null;

  function loadIo() {
    if (window.io) return Promise.resolve(window.io);
    if (loading) return loading;
    loading = new Promise(function (resolve, reject) {
      var s = document.createElement('script');
      s.src = base + '/web-chat/socket.io.min.js';
      s.async = true;
      s.onload = function () {
        window.io ? resolve(window.io) : reject(new Error('socket.io client missing'));
      };
      s.onerror = function () {
        loading = null;
        reject(new Error('could not load the chat client'));
      };
      document.head.appendChild(s);
    });
    return loading;
  }

  function showBanner(text) {
    banner.textContent = text;
    banner.hidden = !text;
  }

  function resumeAfterSession(changed) {
    // Ask for everything after what we have; the answer also marks the end of the replay,
    // after which unsent messages from the outbox go out (once, not twice).
    state.replaying = true;
    log.setAttribute('aria-busy', 'true');
    socket.emit('resume', { afterSeq: changed ? 0 : state.seq }, function () {
      state.replaying = false;
      log.removeAttribute('aria-busy');
      // An identity given during the replay goes before the outbox (its answer resumes again).
      if (pendingIdentity) return sendIdentity(function () { resumeAfterSession(false); });
      flushOutbox();
      // What the replay drew: followed, unless the customer is reading further up.
      scrollToEnd(false);
      maybeRead();
    });
  }
  // Sends the page's signed identity. Accepted: the server's new session resumes the chat.
  // Refused (forged, expired): said in the chat, which goes on as a guest (`afterRefusal`).
  function sendIdentity(afterRefusal) {
    var given = pendingIdentity;
    pendingIdentity = null;
    var refused = function (message) {
      addSystem(message || T('identity.refused'), 'sb-row--error');
      if (afterRefusal) afterRefusal();
    };
    Promise.resolve()
      .then(function () { return typeof given === 'function' ? given() : given; })
      .then(function (token) {
        if (!socket || !socket.connected) return;
        if (typeof token !== 'string' || !token) return refused();
        socket.timeout(15000).emit('identify', { token: token }, function (err, res) {
          if (err || !res || res.ok !== true) refused(res && typeof res.message === 'string' ? res.message : null);
        });
      }, function () { refused(); });
  }
  function connect() {
    if (socket) return;
    var placeholder = (socket = { connected: false, pending: true });
    loadIo().then(
      function (io) {
        if (socket !== placeholder) return; // reset() started afresh meanwhile
        socket = io(base + '/chat', {
          transports: ['websocket', 'polling'],
          // A function: read again on every (re)connection, so a reconnect replays what was missed.
          auth: function (cb) {
            // The newest token any tab of this shop received (a newer one revokes the older ones).
            var shared = store.get('token', null);
            if (typeof shared === 'string' && shared) state.token = shared;
            // The chat's locale: the bot answers in the language the widget shows (docs/i18n.md).
            cb({ token: state.token || undefined, afterSeq: state.seq || 0, locale: LOCALE.asked || LOCALE.tag });
          },
          reconnectionDelay: 500,
          reconnectionDelayMax: 5000,
        });
        socket.on('connect', function () {
          state.connected = true;
          showBanner('');
        });
        socket.on('disconnect', function (reason) {
          state.connected = false;
          if (reason !== 'io client disconnect') showBanner(T('banner.lost'));
        });
        socket.on('connect_error', function () {
          showBanner(T('banner.unreachable'));
        });
        socket.on('session', function (s) {
          if (!s || typeof s.token !== 'string') return;
          state.token = s.token;
          store.set('token', s.token);
          var changed = state.conversationId && s.conversationId !== state.conversationId;
          state.conversationId = s.conversationId;
          store.set('conv', s.conversationId);
          applyMessenger(s);
          if (changed) {
            // A different conversation (expired session, or the chat was closed): start the log afresh.
            resetLog();
          }
          // Servers that include the conversation's hand-off state let a reloaded page drop a stale
          // "waiting" or "with Anna" status (hand-off events themselves are not replayed).
          if (s.handoff === 'none' && state.handoff) applyHandoff(null);
          else if (s.handoff === 'pending' && !state.handoff) applyHandoff({ status: 'pending' });
          else if (s.handoff === 'agent' && (!state.handoff || state.handoff.status !== 'assigned')) applyHandoff({ status: 'assigned' });
          // A signed identity from the page goes first: what the customer typed is sent after it,
          // as that customer (the server answers with a new session, which then resumes below).
          if (pendingIdentity) return sendIdentity(function () { resumeAfterSession(changed); });
          resumeAfterSession(changed);
        });
        // Another tab of this browser logged out (ShopBotChat.reset()).
        socket.on('reset', function () { resetSession(false); });
        ['message', 'card', 'suggestions'].forEach(function (ev) {
          socket.on(ev, function (d) { handle(ev, d, false); });
        });
        socket.on('typing', function (d) {
          if (!d || d.on !== false) showTyping();
          else hideTyping();
        });
        socket.on('handoff', function (h) {
          if (h && typeof h.status === 'string') applyHandoff(h);
        });
        socket.on('csat', function (req) {
          showCsat(req);
        });
        // An agent has seen our messages up to `seq` (their console showed them).
        socket.on('read', function (d) {
          var upTo = d && typeof d.seq === 'number' ? d.seq : 0;
          if (upTo > state.agentRead) state.agentRead = upTo;
          Object.keys(rowsBySeq).forEach(function (k) {
            if (Number(k) <= upTo) markSeenRow(rowsBySeq[k]);
          });
        });
        socket.on('linked', function (d) {
          showMessenger(true);
          if (d && typeof d.message === 'string') addSystem(d.message);
        });
        socket.on('unlinked', function (d) {
          showMessenger(false);
          if (d && typeof d.message === 'string') addSystem(d.message);
        });
        socket.on('error', function (e) {
          if (e && e.message) addSystem(String(e.message));
        });
      },
      function (err) {
        socket = null;
        showBanner(T('banner.failed', { error: err.message }));
      },
    );
  }

  // ---------- rating a resolved chat (1-5 and an optional comment) ----------
  var CSAT_CHOICES = [
    { rating: 1, emoji: '\ud83d\ude1e', label: T('csat.labels.1') },
    { rating: 2, emoji: '\ud83d\ude15', label: T('csat.labels.2') },
    { rating: 3, emoji: '\ud83d\ude10', label: T('csat.labels.3') },
    { rating: 4, emoji: '\ud83d\ude0a', label: T('csat.labels.4') },
    { rating: 5, emoji: '\ud83d\ude04', label: T('csat.labels.5') },
  ];
  var csat = { ticketId: null, rating: null };
  var csatTimer = null;

  function hideCsat() {
    csatBox.hidden = true;
    csat.ticketId = null;
    clearTimeout(csatTimer);
  }

  function showCsat(req) {
    if (!req || typeof req.ticketId !== 'number') return;
    if (csat.ticketId === req.ticketId && !csatBox.hidden) return;
    csat.ticketId = req.ticketId;
    csat.rating = null;
    clearTimeout(csatTimer);
    csatQuestion.textContent = typeof req.question === 'string' && req.question ? req.question : T('csat.question');
    csatRow.textContent = '';
    var choices = Array.isArray(req.choices) && req.choices.length === 5 ? req.choices : CSAT_CHOICES;
    choices.forEach(function (c) {
      var label = String(c.label || '');
      csatRow.appendChild(
        el('button', { class: 'sb-csat-btn', type: 'button', 'aria-pressed': 'false', 'data-rating': String(c.rating), onclick: function () { rate(Number(c.rating)); } }, [
          el('span', { class: 'sb-csat-emoji', 'aria-hidden': 'true', text: String(c.emoji || '') }),
          el('span', { text: String(c.rating) }),
          el('span', { class: 'sb-sr', text: ' \u2013 ' + label }),
        ]),
      );
    });
    csatMore.hidden = true;
    csatComment.value = '';
    csatStatus.textContent = '';
    csatBox.hidden = false;
    scrollToEnd(false, true);
  }

  function sendCsat(payload, done) {
    if (!socket || !socket.connected) {
      csatStatus.textContent = T('csat.offline');
      return;
    }
    socket.timeout(15000).emit('csat', payload, function (err, res) {
      if (err || !res || !res.ok) {
        csatStatus.textContent = (res && res.message) || T('csat.failed');
        return;
      }
      done(res);
    });
  }

  function rate(n) {
    if (csat.ticketId === null) return;
    sendCsat({ ticketId: csat.ticketId, rating: n }, function () {
      csat.rating = n;
      Array.prototype.forEach.call(csatRow.children, function (b) {
        b.setAttribute('aria-pressed', String(Number(b.getAttribute('data-rating')) === n));
      });
      csatStatus.textContent = T('csat.rated', { rating: n });
      csatMore.hidden = false;
    });
  }

  csatSend.addEventListener('click', function () {
    var comment = csatComment.value.trim();
    if (csat.ticketId === null || csat.rating === null) return;
    if (!comment) {
      csatComment.focus();
      return;
    }
    sendCsat({ ticketId: csat.ticketId, rating: csat.rating, comment: comment }, function () {
      csatMore.hidden = true;
      csatStatus.textContent = T('csat.thanks');
      input.focus();
      csatTimer = setTimeout(hideCsat, 5000);
    });
  });
  csatSkip.addEventListener('click', function () {
    csatMore.hidden = true;
    csatStatus.textContent = T('csat.thanks');
    input.focus();
    csatTimer = setTimeout(hideCsat, 3000);
  });
  csatClose.addEventListener('click', function () {
    hideCsat();
    input.focus();
  });

  function addSystem(text, extraClass) {
    var row = el('div', { class: 'sb-row sb-row--system' + (extraClass ? ' ' + extraClass : ''), role: extraClass ? 'alert' : null }, [el('div', { class: 'sb-bubble', text: text })]);
    stampArrival(row);
    log.appendChild(row);
    scrollToEnd(false, true);
  }

  // ---------- continue on Messenger (account linking; every text goes in with textContent) ----------
  function applyMessenger(s) {
    linkRow.hidden = s.messenger !== true;
    if (s.messengerLinked === true) showMessenger(true);
    else if (s.messenger === true) showMessenger(false);
  }

  // The link row in one of its two states: Messenger connected (with "Disconnect"), or offered.
  function showMessenger(linked) {
    var label = linked ? T('link.connected') : T('link.continue');
    if (!linked && linkBtn.textContent === label) return; // already offered: keep an open link box
    linkBox.hidden = true;
    linkBox.textContent = '';
    linkBtn.disabled = linked;
    linkBtn.textContent = label;
    linkBtn.setAttribute('aria-label', linked ? T('link.connectedLabel') : T('link.continueLabel'));
    unlinkBtn.hidden = !linked;
    unlinkBtn.disabled = false;
  }

  // Disconnecting asks once more first: Messenger then no longer shows this chat or the orders.
  unlinkBtn.addEventListener('click', function () {
    var yes = el('button', { class: 'sb-btn sb-btn--primary', type: 'button', text: T('link.disconnectYes') });
    var keep = el('button', { class: 'sb-btn', type: 'button', text: T('link.keep') });
    showLinkBox([el('p', { class: 'sb-linktext', text: T('link.disconnectQuestion') }), yes, keep]);
    keep.addEventListener('click', function () { linkBox.hidden = true; unlinkBtn.focus(); });
    yes.addEventListener('click', function () {
      if (!socket || !socket.connected) {
        showLinkBox([el('p', { class: 'sb-linktext', text: T('link.offline') })]);
        return;
      }
      yes.disabled = true;
      unlinkBtn.disabled = true;
      socket.timeout(15000).emit('unlink', {}, function (err, res) {
        unlinkBtn.disabled = false;
        if (err || !res || res.ok !== true) {
          showLinkBox([el('p', { class: 'sb-linktext', text: (res && typeof res.message === 'string' && res.message) || T('link.unlinkFailed') })]);
          return;
        }
        showMessenger(false); // the server's `unlinked` event adds the message to the chat
      });
    });
  });

  function showLinkBox(children) {
    linkBox.textContent = '';
    children.forEach(function (c) { linkBox.appendChild(c); });
    linkBox.appendChild(el('button', { class: 'sb-linkclose', type: 'button', 'aria-label': T('link.hide'), text: '\u00d7', onclick: function () { linkBox.hidden = true; linkBtn.focus(); } }));
    linkBox.hidden = false;
  }

  linkBtn.addEventListener('click', function () {
    if (!socket || !socket.connected) {
      showLinkBox([el('p', { class: 'sb-linktext', text: T('link.offline') })]);
      return;
    }
    linkBtn.disabled = true;
    socket.timeout(15000).emit('link', {}, function (err, res) {
      if (linkBtn.textContent === T('link.continue')) linkBtn.disabled = false;
      if (err || !res || res.ok !== true) {
        showLinkBox([el('p', { class: 'sb-linktext', text: (res && typeof res.message === 'string' && res.message) || T('link.failed') })]);
        return;
      }
      var minutes = Math.max(1, Math.round((Date.parse(res.expiresAt) - Date.now()) / 60000)) || 10;
      var parts = [];
      var url = typeof res.url === 'string' && /^https:\/\/m\.me\/[^\s]+$/.test(res.url) ? res.url : null;
      if (url) parts.push(el('a', { class: 'sb-btn sb-btn--primary', href: url, target: '_blank', rel: 'noopener noreferrer', text: T('link.open') }));
      // "link XXXX-XXXX" is what Messenger reads (linking/linking.ts): the same word in every language.
      var code = el('strong', { class: 'sb-code', text: 'link ' + String(res.code || '') });
      parts.push(el('p', { class: 'sb-linktext' }, TParts(url ? 'link.orSend' : 'link.send', { minutes: minutes }, { code: code })));
      showLinkBox(parts);
    });
  });

  function resetLog() {
    state.events = [];
    state.seq = 0;
    state.labels = {};
    state.lastChipsSeq = 0;
    rendered = {};
    rowsBySeq = {};
    state.agentRead = state.lastIncoming = state.readSent = 0;
    saveEvents();
    store.set('labels', {});
    Array.prototype.slice.call(log.querySelectorAll('.sb-row:not(.sb-row--pending)')).forEach(function (r) { r.remove(); });
    clearChips();
    hidePill();
    applyHandoff(null);
  }

  // ---------- start: draw the cached conversation, then connect if the chat was open ----------
  state.replaying = true;
  state.events.forEach(function (e) {
    handle(e.e, e.d, true);
  });
  state.replaying = false;
  state.outbox.forEach(function (item) {
    if (item.seq === undefined) {
      var row = pendingRow(item);
      if (item.failed) failPending(row, 'please try again');
    }
  });
  if (state.handoff) applyHandoff(state.handoff);
  // A previous visit's conversation, or a pending hand-off: reconnect at once to get what was missed.
  if (state.open || cfg.openOnLoad) setOpen(true, false);
  else if (state.token && (state.handoff || state.outbox.length)) connect();

  // "Add to cart" belongs to the host page's cart: the page is asked (ShopBotChat.onAddToCart, or a
  // listener of the `shopbot:add-to-cart` DOM event calling event.detail.respond(promise)), and the
  // bot is told what the page answered, so it confirms only what the cart really did.
  var cartHandler = null;
  function cartAnswer(r) {
    if (r === true || (r && r.ok === true)) return { result: 'added' };
    var reason = r && typeof r.reason === 'string' ? r.reason.slice(0, 200) : undefined;
    return { result: 'refused', reason: reason };
  }
  function addToCart(productId, title, label) {
    var answers = [];
    var detail = { productId: productId, quantity: 1, title: title, respond: function (p) { answers.push(p); } };
    window.dispatchEvent(new CustomEvent('shopbot:add-to-cart', { detail: detail }));
    if (cartHandler) {
      try {
        answers.push(cartHandler({ productId: productId, quantity: 1, title: title }));
      } catch (e) {
        answers.push({ ok: false, reason: String((e && e.message) || e) });
      }
    }
    var outcome = answers.length === 0
      ? Promise.resolve({ result: 'no_cart' })
      : Promise.race([
          Promise.resolve(answers[answers.length - 1]).then(cartAnswer, function (e) { return { result: 'refused', reason: String((e && e.message) || e).slice(0, 200) }; }),
          new Promise(function (resolve) { setTimeout(function () { resolve({ result: 'refused', reason: T('card.storeNoAnswer') }); }, 5000); }),
        ]);
    outcome.then(function (o) {
      var value = { action: 'add_to_cart', productId: productId, result: o.result };
      if (o.reason) value.reason = o.reason;
      send({ value: JSON.stringify(value), text: T('card.button', { label: label, title: title.slice(0, 80) }) });
    });
  }

  // ---------- signed identity and logging out (docs/identity.md) ----------
  /** The store logged the shopper out: forget this device's chat and start as a new guest. */
  function resetSession(tellServer) {
    var old = socket;
    var oldToken = state.token || store.get('token', null);
    socket = null;
    pendingIdentity = null;
    var tell = function (s) { s.timeout(3000).emit('reset', {}, function () { s.disconnect(); }); };
    if (old && old.off) {
      old.off();
      if (tellServer && old.connected) tell(old);
      else old.disconnect();
    }
    // Not connected: the server still ends the old session (its token stops working).
    if (tellServer && !(old && old.connected) && typeof oldToken === 'string' && oldToken) {
      loadIo().then(function (io) {
        var t = io(base + '/chat', { transports: ['websocket', 'polling'], auth: { token: oldToken }, forceNew: true, reconnection: false });
        t.on('session', function () { tell(t); });
        t.on('connect_error', function () { t.disconnect(); });
      }, function () {});
    }
    ['token', 'conv', 'seq', 'events', 'handoff', 'outbox', 'labels'].forEach(store.del);
    state.token = null;
    state.conversationId = null;
    state.outbox = [];
    Array.prototype.slice.call(log.querySelectorAll('.sb-row')).forEach(function (r) { r.remove(); });
    resetLog();
    hideCsat();
    state.unread = 0;
    updateBadge();
    if (!empty.parentNode) log.appendChild(empty);
    if (state.open) connect();
  }

  // A small API for the host page ("Ask about this product" buttons and the like).
  window.ShopBotChat = {
    /**
     * Who the shopper is, signed by the store's backend: { token } with the token, or a function
     * returning it (or a promise of it), called when the chat connects. Refused tokens are said in
     * the chat, which goes on as a guest.
     */
    identify: function (opts) {
      var token = opts && (typeof opts.token === 'string' || typeof opts.token === 'function') ? opts.token : null;
      if (!token) return;
      pendingIdentity = token;
      // Already connected: present it now (the server's next session resumes the chat).
      if (socket && socket.connected && !state.replaying) sendIdentity(null);
    },
    /** The shopper logged out of the store: a new guest, and this device's chat history is cleared. */
    reset: function () { resetSession(true); },
    open: function () { setOpen(true); },
    close: function () { setOpen(false); },
    send: function (text) { if (typeof text === 'string') send({ text: text }); },
    /** Ask about one product: the bot takes its id, not its title re-read as text. */
    askAbout: function (productId, title) {
      if (typeof productId !== 'string' || !productId) return;
      setOpen(true);
      send({ value: JSON.stringify({ action: 'view', productId: productId }), text: T('card.askAbout', { title: String(title || T('card.thisProduct')).slice(0, 80) }) });
    },
    /** The page's cart: handler({ productId, quantity, title }) -> true | { ok, reason } | a promise of one. */
    onAddToCart: function (handler) { cartHandler = typeof handler === 'function' ? handler : null; },
  };
})();
