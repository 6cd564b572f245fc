// The operator console: a client of the bridge's admin API (the same routes the CLI's
// documentation lists), signed in with a session cookie; every change carries the CSRF token.
// Pages are built with DOM calls and textContent only: alert values are untrusted.

import { after } from './action.js';
import { session, Unauthorised } from './api.js';
import { errorNote, h, show } from './dom.js';
import { forgetStills } from './known.js';
import { alertPage, historyPage } from './page-alerts.js';
import { auditPage } from './page-audit.js';
import { chartsPage, destroyCharts } from './page-charts.js';
import { forgetChoices, live, personName } from './page-live.js';
import { integrationsPage, storesPage } from './page-stores.js';

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const conn = document.getElementById('conn');
const whoami = document.getElementById('whoami');
let feed;
let refreshTimer;

// ---- sign-in ----

function signIn(message) {
  nav.hidden = true;
  feed?.close();
  feed = undefined;
  // A page still loading, or a refresh still due, was asked for by the session that ended: when it
  // arrives it must not draw over this form.
  session.csrf = '';
  session.who = undefined;
  routeSeq++;
  clearTimeout(refreshTimer);
  stale = false;
  // What the session saw goes with it.
  forgetStills();
  forgetChoices();
  const user = h('input', {
    type: 'text',
    name: 'user',
    id: 'user',
    autocomplete: 'username',
    autocapitalize: 'none',
    spellcheck: 'false',
    maxlength: 64,
  });
  const input = h('input', {
    type: 'password',
    name: 'token',
    id: 'token',
    autocomplete: 'current-password',
    required: true,
  });
  const err = h('p', { class: 'error', role: 'alert' }, message || '');
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: async (e) => {
        e.preventDefault();
        err.textContent = '';
        // No user name: the password field holds the admin token (the break-glass sign-in).
        const name = user.value.trim();
        const body = name ? { user: name, password: input.value } : { token: input.value };
        try {
          const res = await fetch('/console/session', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            credentials: 'same-origin',
            body: JSON.stringify(body),
          });
          const data = await res.json().catch(() => ({}));
          if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
          signedIn(data);
          input.value = '';
          start();
        } catch (e2) {
          err.textContent = e2.message;
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'user' }, 'User name', user),
    h('label', { for: 'token' }, 'Password (with no user name: the admin token, BRIDGE_ADMIN_TOKEN)', input),
    h('p', {}, h('button', { type: 'submit' }, 'Sign in')),
    // Single sign-on, when the bridge has a provider: a plain link, the provider's page takes over.
    session.sso
      ? h('p', {}, h('a', { href: '/console/oidc/start', class: 'button' }, 'Sign in with single sign-on'))
      : null,
    err,
  );
  show(form);
  user.focus();
}

/** The pages each role may open (the server refuses the others all the same). */
const PAGES_OF = {
  admin: ['live', 'history', 'stores', 'integrations', 'charts', 'audit'],
  manager: ['live', 'history', 'stores'],
  store: ['live', 'history'],
};

/** A session began: whom it signed in decides the pages offered and who claims. */
function signedIn(data) {
  session.csrf = data.csrf;
  session.who = data.who;
  const pages = PAGES_OF[data.who?.role] ?? PAGES_OF.store;
  for (const a of nav.querySelectorAll('a')) a.hidden = !pages.includes(a.getAttribute('href').slice(2));
  // A person signed in claims under their own name; the admin token names who claims.
  const person = data.who?.displayName;
  me.closest('label').hidden = Boolean(person);
  whoami.textContent = person ? `${person} (${data.who.role})` : '';
}

document.getElementById('signout').addEventListener('click', async () => {
  const res = await fetch('/console/session/logout', {
    method: 'POST',
    headers: { 'X-CSRF-Token': session.csrf },
    credentials: 'same-origin',
  }).catch(() => undefined);
  // A sign-out the journal could not record is no sign-out: the session stays, and the person is told.
  if (!res || res.status >= 500) {
    const why = res ? ((await res.json().catch(() => ({}))).error ?? `HTTP ${res.status}`) : 'no answer';
    conn.textContent = `not signed out (${why}): try again`;
    return;
  }
  signIn('Signed out.');
});

// ---- live updates ----

/** Server-sent events: a nudge to fetch again. EventSource reconnects by itself after a restart. */
function watch() {
  feed?.close();
  feed = new EventSource('/api/v1/events/stream');
  feed.addEventListener('hello', () => {
    conn.textContent = 'live';
    scheduleRefresh();
  });
  feed.addEventListener('change', () => scheduleRefresh());
  feed.onerror = async () => {
    conn.textContent = 'reconnecting...';
    if (feed.readyState !== EventSource.CLOSED) return; // the browser retries by itself
    // Refused (session expired, token changed, too many consoles): see why, then sign in or retry.
    const res = await fetch('/console/session', { credentials: 'same-origin' }).catch(() => undefined);
    if (res && res.status === 401) return signIn('Your session ended: sign in again.');
    setTimeout(() => {
      if (session.csrf) watch();
    }, 3000);
  };
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => route(true), 100);
}

// ---- pages ----

// Who claims and resolves from this browser: in the header, so live refreshes never touch it.
const me = document.getElementById('me');
me.value = personName();
me.addEventListener('input', () => localStorage.setItem('vb-name', me.value.trim()));

// ---- routing ----

const pages = {
  live: () => live(),
  history: (_rest, params) => historyPage(params),
  alert: (rest) => alertPage(decodeURIComponent(rest)),
  stores: () => storesPage(),
  integrations: () => integrationsPage(),
  charts: () => chartsPage(),
  audit: () => auditPage(),
};

let routeSeq = 0;
let stale = false;

/** Where focus is, by a stable key (the card it is in, and the control), to put it back after a redraw. */
function focusKey() {
  const el = document.activeElement;
  if (!el || !main.contains(el) || el === main) return undefined;
  const card = el.closest('[data-incident],[data-store],[data-alert]');
  const where = card
    ? ['data-incident', 'data-store', 'data-alert'].map((a) => card.getAttribute(a)).find(Boolean)
    : '';
  return { where, key: el.getAttribute('data-key') || el.getAttribute('aria-label') || el.id, value: el.value };
}

function restoreFocus(saved) {
  if (!saved) return;
  for (const el of main.querySelectorAll('[data-key],[aria-label],[id]')) {
    const card = el.closest('[data-incident],[data-store],[data-alert]');
    const where = card
      ? ['data-incident', 'data-store', 'data-alert'].map((a) => card.getAttribute(a)).find(Boolean)
      : '';
    if (
      where === saved.where &&
      (el.getAttribute('data-key') || el.getAttribute('aria-label') || el.id) === saved.key
    ) {
      if (el.tagName === 'SELECT' && saved.value !== undefined) el.value = saved.value;
      el.focus();
      return;
    }
  }
}

async function route(background = false) {
  if (!session.csrf) return; // signed out: the sign-in form stays until a session starts
  const hash = location.hash.replace(/^#\/?/, '') || 'live';
  const [path, query = ''] = hash.split('?');
  const [name, ...rest] = path.split('/');
  const allowed = PAGES_OF[session.who?.role] ?? PAGES_OF.store;
  const page = (allowed.includes(name === 'alert' ? 'history' : name) && pages[name]) || pages.live;
  if (name !== 'charts') destroyCharts();
  for (const a of nav.querySelectorAll('a')) {
    if (a.getAttribute('href') === `#/${name}`) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  if (name === 'charts' && background) return; // charts are drawn once per visit
  // Typing in a field: redraw once the field is left, never under the user's fingers.
  const el = document.activeElement;
  if (background && el && main.contains(el) && ['INPUT', 'TEXTAREA'].includes(el.tagName)) {
    stale = true;
    return;
  }
  const seq = ++routeSeq;
  try {
    const nodes = await page(rest.join('/'), new URLSearchParams(query));
    if (seq !== routeSeq) return; // a newer page is on its way
    const saved = background ? focusKey() : undefined;
    show(...nodes);
    if (background) restoreFocus(saved);
    else main.focus();
  } catch (err) {
    if (seq !== routeSeq) return;
    if (err instanceof Unauthorised) return signIn();
    show(h('h1', {}, 'Error'), errorNote(err));
  }
}

main.addEventListener('focusout', () => {
  if (!stale) return;
  stale = false;
  scheduleRefresh();
});

// "Skip to content" must not change the page (its #main would be read as a route).
document.querySelector('.skip').addEventListener('click', (e) => {
  e.preventDefault();
  main.focus();
});

after.refresh = scheduleRefresh;
after.signIn = signIn;

function start() {
  nav.hidden = false;
  watch();
  route();
}

window.addEventListener('hashchange', () => route());
// Ages on Live move on even when nothing else happens.
setInterval(() => {
  if (session.csrf && (location.hash === '' || location.hash.startsWith('#/live'))) scheduleRefresh();
}, 15_000);

/**
 * A sign-in link (`/console#once=<code>`, printed by the demo): the code is taken out of the
 * address before anything else, so it stays in no history entry, then spent for a session.
 */
async function signInOnce() {
  const m = /^#once=([A-Za-z0-9_.-]+)$/.exec(location.hash);
  if (!location.hash.startsWith('#once=')) return undefined;
  window.history.replaceState(null, '', `${location.pathname}${location.search}`);
  if (!m) return 'That sign-in link is damaged: sign in with the admin token.';
  const res = await fetch('/console/session', {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    credentials: 'same-origin',
    body: JSON.stringify({ once: m[1] }),
  }).catch(() => undefined);
  const data = await res?.json().catch(() => ({}));
  if (res?.ok && data.signedIn) {
    signedIn(data);
    return true;
  }
  return data?.error || 'The sign-in link did not work: sign in with the admin token.';
}

(async () => {
  const once = await signInOnce();
  if (once === true) return start();
  const res = await fetch('/console/session', { credentials: 'same-origin' });
  const data = await res.json().catch(() => ({}));
  session.sso = Boolean(data.sso);
  if (res.ok && data.signedIn) {
    signedIn(data);
    start();
  } else signIn(once);
})();
