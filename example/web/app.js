// crosssession example front end: plain JavaScript, no build step.
//
// window.API (the API base URL) and window.DEMO_MODE come from /config.js,
// which the web server writes.
//
// Contract used by automated browser tests (keep it stable):
//
//   window.demo = { login(user), whoami(), bearer(), logout() }
//
// Each method returns a Promise that resolves (never rejects) to
//   {status: <number>, body: <parsed JSON or null>}
// status is the HTTP status, or 0 when fetch itself failed (network error,
// CORS refusal, untrusted certificate); then the object also has
// error: <message>. body is null when the response is not JSON (for
// example the API's plain-text 403 for a refused cross-site request).
// The buttons call these same methods.
(function () {
  'use strict';

  const API = String(window.API || '').replace(/\/+$/, '');
  let token = null; // the bearer token from the last login, kept in memory only

  const $ = (id) => document.getElementById(id);

  // call fetches API + path and records the exchange in the log.
  async function call(label, path, init, sent) {
    const url = API + path;
    let result;
    let text = '';
    try {
      const res = await fetch(url, init);
      text = await res.text();
      let body = null;
      if (text) {
        try { body = JSON.parse(text); } catch (_) { body = null; }
      }
      result = { status: res.status, body: body };
    } catch (err) {
      result = { status: 0, body: null, error: String((err && err.message) || err) };
    }
    show(label, (init && init.method) || 'GET', url, sent, result, text);
    return result;
  }

  function setToken(t) {
    token = t || null;
    const el = $('token');
    if (el) el.textContent = token ? token : '(none: log in first)';
  }

  const demo = {
    // login(user): POST /users/session {"user": user} with credentials, so
    // the browser stores the session cookie. The token in the answer is kept
    // for bearer(). Without an argument it uses the input field.
    login(user) {
      if (user === undefined) user = $('user') ? $('user').value : '';
      return call('Log in', '/users/session', {
        method: 'POST',
        credentials: 'include',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ user: String(user) }),
      }, "credentials: 'include', JSON body").then((r) => {
        if (r.status === 200 && r.body && r.body.token) setToken(r.body.token);
        return r;
      });
    },

    // whoami(): GET /users/session with credentials: the session cookie goes out.
    whoami() {
      return call('Who am I', '/users/session', {
        method: 'GET',
        credentials: 'include',
      }, "credentials: 'include'");
    },

    // bearer(): GET /api/notes with Authorization: Bearer <token> and no
    // credentials. Without a token it sends no Authorization header (401).
    bearer() {
      const headers = {};
      if (token) headers.Authorization = 'Bearer ' + token;
      return call('Call bearer route', '/api/notes', {
        method: 'GET',
        credentials: 'omit',
        headers: headers,
      }, token ? "credentials: 'omit', Authorization: Bearer <token>" : "credentials: 'omit', no token yet, so no Authorization header");
    },

    // logout(): DELETE /users/session with credentials; the API clears the
    // session, expires the cookie and forgets the token.
    logout() {
      return call('Log out', '/users/session', {
        method: 'DELETE',
        credentials: 'include',
      }, "credentials: 'include'").then((r) => {
        if (r.status === 200) setToken(null);
        return r;
      });
    },
  };
  window.demo = demo;

  // ---- rendering (textContent only: the user name comes back from the API) ----

  function el(tag, attrs, ...children) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (k === 'class') e.className = v; else e.setAttribute(k, v);
    }
    for (const c of children) {
      if (c == null) continue;
      e.append(c instanceof Node ? c : String(c));
    }
    return e;
  }

  const yes = (b) => (b ? 'yes' : 'no');

  // explain turns the "seen" object into one sentence for a learner.
  function explain(seen, result) {
    if (!seen) return null;
    const isCookieRoute = seen.path === '/users/session';
    if (isCookieRoute) {
      if (seen.session_cookie) return 'The browser sent the session cookie "' + seen.session_cookie_name + '": credentials: \'include\' at work.';
      if (seen.method === 'POST' && result.status === 200) return 'No session cookie arrived (none yet); the response sets one.';
      return 'No session cookie arrived: not logged in, or the browser did not store or send it (check the response\'s Set-Cookie in DevTools).';
    }
    if (seen.cookie_header) return 'A cookie arrived on the bearer route, which ignores it.';
    return 'No cookie was sent (credentials: \'omit\'); ' +
      (seen.authorization_header ? 'the Authorization header authenticated the call.' : 'and no Authorization header either.');
  }

  function show(label, method, url, sent, result, text) {
    const log = $('log');
    if (!log) return;
    const cls = result.status >= 200 && result.status < 300 ? 'ok' : 'bad';
    const statusText = result.status === 0 ? 'failed: ' + result.error : String(result.status);
    const li = el('li', {},
      el('div', { class: 'req' }, label + ': ' + method + ' ' + url + ' → ', el('span', { class: cls }, statusText)),
      el('div', { class: 'sent' }, 'page sent: ' + sent));

    const body = result.body;
    const seen = body && typeof body === 'object' ? body.seen : null;
    if (seen) {
      const rows = [
        ['Origin', seen.origin || '(none)'],
        ['Sec-Fetch-Site', seen.sec_fetch_site || '(none)'],
        ['Cookie header', yes(seen.cookie_header)],
        ['session cookie (' + seen.session_cookie_name + ')', yes(seen.session_cookie)],
        ['Authorization header', yes(seen.authorization_header)],
        ['policy', seen.policy],
      ];
      li.append(el('div', { class: 'sent' }, 'the API saw:'),
        el('table', {}, ...rows.map(([k, v]) => el('tr', {}, el('td', {}, k), el('td', {}, v)))));
      li.append(el('ul', { class: 'notes' }, el('li', {}, explain(seen, result))));
    } else if (result.status === 0) {
      li.append(el('ul', { class: 'notes' }, el('li', {},
        'fetch failed before JavaScript could read a response: the API is down, CORS refused the response ' +
        '(see the console), or, with -prod, the API\'s certificate was not accepted yet (open ' + API + '/ once).')));
    }
    if (body !== null) {
      const shown = Object.assign({}, body);
      delete shown.seen;
      li.append(el('pre', {}, JSON.stringify(shown, null, 2)));
    } else if (text) {
      li.append(el('pre', {}, text));
    }
    log.prepend(li);
  }

  function init() {
    $('page-origin').textContent = location.origin;
    $('api-url').textContent = API || '(window.API is not set: /config.js did not load)';
    $('mode').textContent = window.DEMO_MODE === 'prod'
      ? 'prod: HTTPS, cookie __Host-session; SameSite=None; Secure; Partitioned'
      : 'dev: http, cookie session; SameSite=Lax';
    $('btn-login').addEventListener('click', () => demo.login($('user').value));
    $('btn-whoami').addEventListener('click', () => demo.whoami());
    $('btn-bearer').addEventListener('click', () => demo.bearer());
    $('btn-logout').addEventListener('click', () => demo.logout());
    $('btn-clear').addEventListener('click', () => { $('log').textContent = ''; });
    $('user').addEventListener('keydown', (e) => { if (e.key === 'Enter') demo.login($('user').value); });
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();
