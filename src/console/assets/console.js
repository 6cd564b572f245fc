// The operator console: a client of the bridge's admin API (the same routes the CLI's
// documentation lists), signed in with a session cookie; every change carries the CSRF token.
// Pages are built with DOM calls and textContent only: alert values are untrusted.

const main = document.getElementById('main');
const nav = document.getElementById('nav');
const conn = document.getElementById('conn');
let csrf = '';
let feed;
let refreshTimer;

/** h('div', {class: 'x', onclick: f}, child, 'text', ...): an element. */
function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) el.addEventListener(k.slice(2), v);
    else if (k === 'class') el.className = v;
    else el.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat())
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  return el;
}

class Unauthorised extends Error {}

async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) throw new Unauthorised(data.error || 'signed out');
  if (!res.ok) throw new Error(data.error || data.status || `HTTP ${res.status}`);
  return data;
}

function show(...nodes) {
  main.replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

function when(ms) {
  return ms ? new Date(ms).toLocaleString() : '';
}

function age(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

function state(s) {
  return h('span', { class: `state ${s}` }, s);
}

// Stores by id, as the last page read them (GET /api/v1/stores): people know a store by its name.
const storeNames = new Map();

async function loadStores() {
  const stores = (await api('/api/v1/stores')).stores || [];
  storeNames.clear();
  for (const s of stores) storeNames.set(s.store_veesion_id, s.name);
  return stores;
}

function storeName(id) {
  return storeNames.get(id) || id;
}

/** A store's name, its id in the tooltip (an id not configured shows as itself). */
function storeLabel(id, prefix = '') {
  return h('span', { title: storeNames.has(id) ? id : `${id}: not in x-hoppers.json` }, `${prefix}${storeName(id)}`);
}

/** Why an alert has no steps: its store was not configured when it came; replay routes it once it is. */
function unroutableNote(storeId) {
  return h(
    'span',
    { class: 'unroutable', title: 'Add the store to x-hoppers.json, reload, then replay the alert' },
    `No store configured for ${storeId}: kept, replayable`,
  );
}

const OUTCOMES = [
  ['theft', 'Theft confirmed'],
  ['false-alarm', 'False alarm'],
  ['not-found', 'Not found'],
];
const outcomeLabel = (o) => (OUTCOMES.find(([v]) => v === o) || [o, o === 'no-outcome' ? 'No outcome' : o])[1];

/**
 * Step details as people read them: the daemon's file paths (the rendered announcement, for one)
 * say nothing to them and tell more than they need about the server.
 */
function forPeople(text) {
  return String(text || '').replace(
    /(^|[\s'"(=])(\/[^\s'",;)/]+\/[^\s'",;)]+)/g,
    (_m, before, path) => `${before}${/\/sounds\//.test(path) ? 'the announcement audio' : 'a file on the server'}`,
  );
}

// Stills, asked for once per alert while the page lives: the object URL of one found, or null
// for none (a 404 stays a 404: the still is made with the chat post, which is over by then).
const stills = new Map();
const STILLS_KEPT = 200;

function stillFor(alertId) {
  let known = stills.get(alertId);
  if (known) return known;
  known = {
    url: undefined,
    ready: fetch(`/api/v1/alerts/${encodeURIComponent(alertId)}/still`, { credentials: 'same-origin' })
      .then(async (res) => {
        if (res.status === 404) {
          known.url = null;
          return null;
        }
        if (!res.ok) throw new Error(`HTTP ${res.status}`);
        known.url = URL.createObjectURL(await res.blob());
        return known.url;
      })
      .catch(() => {
        stills.delete(alertId); // signed out or unreachable: not an answer, ask again next time
        return null;
      }),
  };
  stills.set(alertId, known);
  if (stills.size > STILLS_KEPT) {
    const [oldest, entry] = stills.entries().next().value;
    if (entry.url) URL.revokeObjectURL(entry.url);
    stills.delete(oldest);
  }
  return known;
}

/** The alert's still, or nothing while its chat post (which makes it) is under way, or when it has none. */
function stillImage(alertId, alt, chatDone) {
  const img = h('img', { alt, hidden: true });
  if (!chatDone) return img;
  const known = stillFor(alertId);
  const put = (url) => {
    if (url) {
      img.src = url;
      img.hidden = false;
    } else img.remove();
  };
  if (known.url !== undefined) put(known.url);
  else known.ready.then(put);
  return img;
}

/**
 * A table; on a phone its rows become stacked cards, each cell labelled with its column.
 * `kinds` per column: 'long' for free text (it wraps anywhere and gets the room), 'num' for numbers.
 */
function table(headers, rows, kinds = []) {
  const cls = (i) => (kinds[i] ? `col-${kinds[i]}` : undefined);
  return h(
    'div',
    { class: 'scroll' },
    h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((t, i) => h('th', { scope: 'col', class: cls(i) }, t)),
        ),
      ),
      h(
        'tbody',
        {},
        rows.map((cells) =>
          h(
            'tr',
            {},
            cells.map((c, i) => h('td', { 'data-label': headers[i] || '', class: cls(i) }, c)),
          ),
        ),
      ),
    ),
  );
}

function errorNote(err) {
  return h('p', { class: 'error', role: 'alert' }, err.message || String(err));
}

/**
 * A button that runs `work`, disabled meanwhile; failures are shown beside it. With `ready`, the
 * button is enabled only while ready() is true (call the returned update() when that changes).
 */
function action(label, work, attrs = {}, ready) {
  const out = h('span', { role: 'status' });
  const b = h(
    'button',
    {
      type: 'button',
      ...attrs,
      disabled: ready ? !ready() : attrs.disabled,
      'data-key': attrs['data-key'] || label,
      onclick: async () => {
        if (ready && !ready()) return;
        b.disabled = true;
        out.textContent = '';
        try {
          const msg = await work();
          out.textContent = msg || '';
          scheduleRefresh(); // what it changed shows at once (silences, for one, send no event)
        } catch (err) {
          if (err instanceof Unauthorised) return signIn();
          out.replaceChildren(errorNote(err));
        } finally {
          b.disabled = ready ? !ready() : false;
        }
      },
    },
    label,
  );
  const row = h('span', { class: 'row' }, b, out);
  row.update = () => {
    b.disabled = ready ? !ready() : false;
  };
  return row;
}

// ---- sign-in ----

function signIn(message) {
  nav.hidden = true;
  feed?.close();
  feed = undefined;
  // What the session saw goes with it.
  for (const known of stills.values()) if (known.url) URL.revokeObjectURL(known.url);
  stills.clear();
  chosenOutcome.clear();
  const input = h('input', {
    type: 'password',
    name: 'token',
    id: 'token',
    autocomplete: 'current-password',
    required: true,
    minlength: 16,
  });
  const err = h('p', { class: 'error', role: 'alert' }, message || '');
  const form = h(
    'form',
    {
      class: 'card signin',
      onsubmit: async (e) => {
        e.preventDefault();
        err.textContent = '';
        try {
          const res = await fetch('/console/session', {
            method: 'POST',
            headers: { 'Content-Type': 'application/json' },
            credentials: 'same-origin',
            body: JSON.stringify({ token: input.value }),
          });
          const data = await res.json().catch(() => ({}));
          if (!res.ok) throw new Error(data.error || `HTTP ${res.status}`);
          csrf = data.csrf;
          input.value = '';
          start();
        } catch (e2) {
          err.textContent = e2.message;
        }
      },
    },
    h('h1', {}, 'Sign in'),
    h('label', { for: 'token' }, 'Admin token (BRIDGE_ADMIN_TOKEN)', input),
    h('p', {}, h('button', { type: 'submit' }, 'Sign in')),
    err,
  );
  show(form);
  input.focus();
}

document.getElementById('signout').addEventListener('click', async () => {
  await fetch('/console/session/logout', {
    method: 'POST',
    headers: { 'X-CSRF-Token': csrf },
    credentials: 'same-origin',
  }).catch(() => undefined);
  csrf = '';
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
      if (csrf) watch();
    }, 3000);
  };
}

function scheduleRefresh() {
  clearTimeout(refreshTimer);
  refreshTimer = setTimeout(() => route(true), 100);
}

// ---- pages ----

function personName() {
  return localStorage.getItem('vb-name') || '';
}

// Who claims and resolves from this browser: in the header, so live refreshes never touch it.
const me = document.getElementById('me');
me.value = personName();
me.addEventListener('input', () => localStorage.setItem('vb-name', me.value.trim()));

async function live() {
  const [lists, waiting] = await Promise.all([
    Promise.all(['unheard', 'open', 'claimed'].map((s) => api(`/api/v1/incidents?state=${s}`))),
    chatUnderWay(),
    loadStores(),
  ]);
  // Unheard first: nobody in the store heard those, and anyone who sees one can still take it.
  // Then oldest first, whatever the state: a card claimed keeps its place under the pointer.
  const all = lists
    .flatMap((l) => l.incidents)
    .sort((a, b) =>
      (a.state === 'unheard') === (b.state === 'unheard')
        ? a.openedAt - b.openedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
        : a.state === 'unheard'
          ? -1
          : 1,
    );
  const byStore = new Map();
  for (const i of all) byStore.set(i.storeId, [...(byStore.get(i.storeId) || []), i]);
  const sections = [...byStore.entries()].map(([store, list]) =>
    h(
      'section',
      {},
      h('h2', {}, storeLabel(store)),
      h(
        'div',
        { class: 'cards' },
        list.map((i) => incidentCard(i, !waiting.has(i.lastAlertId))),
      ),
    ),
  );
  return [
    h('h1', {}, 'Live incidents'),
    all.length
      ? sections
      : h('p', { class: 'empty' }, 'No open or claimed incident. New alerts appear here by themselves.'),
  ];
}

/** Alerts whose chat post (which makes the still) is not over: their still is asked for later. */
async function chatUnderWay() {
  const lists = await Promise.all(['pending', 'running'].map((s) => api(`/api/v1/alerts?state=${s}&limit=500`)));
  return new Set(
    lists
      .flatMap((l) => l.alerts)
      .filter((a) => a.steps.some((st) => st.step === 'chat' && ['pending', 'running'].includes(st.state)))
      .map((a) => a.id),
  );
}

// The outcome chosen on each card, kept across redraws (a refresh must not undo a choice).
const chosenOutcome = new Map();

function incidentCard(i, chatDone) {
  const img = stillImage(i.lastAlertId, `Still image of camera ${i.cameraId}`, chatDone);
  // No outcome until one is chosen: a stray click must not record a theft.
  const outcome = h(
    'select',
    { 'aria-label': 'Outcome', required: true },
    h('option', { value: '', disabled: true, selected: !chosenOutcome.has(i.id) }, 'Choose the outcome…'),
    OUTCOMES.map(([v, label]) => h('option', { value: v, selected: chosenOutcome.get(i.id) === v }, label)),
  );
  const resolve = action(
    'Resolve',
    async () => {
      if (!outcome.value) throw new Error('choose the outcome first');
      await api(`/api/v1/incidents/${encodeURIComponent(i.id)}/resolve`, {
        method: 'POST',
        body: { outcome: outcome.value, by: personName() || 'console' },
      });
      chosenOutcome.delete(i.id);
      return 'resolved';
    },
    { class: 'secondary' },
    () => outcome.value !== '',
  );
  outcome.addEventListener('change', () => {
    if (outcome.value) chosenOutcome.set(i.id, outcome.value);
    resolve.update();
  });
  return h(
    'article',
    { class: 'card', 'data-incident': i.id, 'data-alert': i.firstAlertId },
    img,
    h('h3', {}, `Camera ${i.cameraId}`),
    h(
      'div',
      { class: 'meta' },
      state(i.state),
      h('span', {}, `opened ${age(i.openedAt)} ago`),
      h('span', {}, `${i.alerts} alert(s)`),
      h('span', {}, `announced ${i.announcements} time(s)`),
      i.claimedBy ? h('span', {}, `claimed by ${i.claimedBy}`) : null,
    ),
    h(
      'div',
      { class: 'row' },
      i.state === 'open' || i.state === 'unheard'
        ? action('Claim', async () => {
            const by = personName() || 'console';
            await api(`/api/v1/incidents/${encodeURIComponent(i.id)}/claim`, { method: 'POST', body: { by } });
            return `claimed for ${by}`;
          })
        : null,
      outcome,
      resolve,
    ),
  );
}

async function history(params) {
  const stores = await loadStores();
  const q = new URLSearchParams();
  for (const k of ['store', 'camera', 'state']) if (params.get(k)) q.set(k, params.get(k));
  for (const k of ['since', 'until']) {
    if (!params.get(k)) continue;
    const t = new Date(params.get(k));
    if (Number.isNaN(t.getTime())) q.delete(k);
    else q.set(k, t.toISOString());
  }
  const { alerts } = await api(`/api/v1/alerts?${q}`);
  const field = (name, label, el) => h('label', { for: `f-${name}` }, label, el);
  const store = h(
    'select',
    { id: 'f-store', name: 'store' },
    h('option', { value: '' }, 'all'),
    stores.map((s) =>
      h('option', { value: s.store_veesion_id, selected: params.get('store') === s.store_veesion_id }, s.name),
    ),
  );
  const camera = h('input', { id: 'f-camera', name: 'camera', value: params.get('camera') || '' });
  const st = h(
    'select',
    { id: 'f-state', name: 'state' },
    ['', 'pending', 'running', 'succeeded', 'dead', 'expired', 'muted'].map((s) =>
      h('option', { value: s, selected: params.get('state') === s }, s || 'any'),
    ),
  );
  const since = h('input', { id: 'f-since', name: 'since', type: 'datetime-local', value: params.get('since') || '' });
  const until = h('input', { id: 'f-until', name: 'until', type: 'datetime-local', value: params.get('until') || '' });
  const form = h(
    'form',
    {
      class: 'row',
      onsubmit: (e) => {
        e.preventDefault();
        const p = new URLSearchParams();
        for (const [k, el] of [
          ['store', store],
          ['camera', camera],
          ['state', st],
          ['since', since],
          ['until', until],
        ])
          if (el.value) p.set(k, el.value);
        location.hash = `#/history?${p}`;
      },
    },
    field('store', 'Store', store),
    field('camera', 'Camera', camera),
    field('state', 'Step state', st),
    field('since', 'Since', since),
    field('until', 'Until', until),
    h('button', { type: 'submit' }, 'Filter'),
  );
  const rows = alerts.map((a) => [
    h('a', { href: `#/alert/${encodeURIComponent(a.id)}` }, a.id),
    storeLabel(a.storeId),
    a.cameraId,
    when(a.receivedAt),
    a.status === 'unroutable' && !a.steps.length
      ? unroutableNote(a.storeId)
      : a.steps.map((s) => h('div', {}, `${s.step} `, state(s.state))),
  ]);
  return [
    h('h1', {}, 'History'),
    form,
    alerts.length
      ? table(['Alert', 'Store', 'Camera', 'Received', 'Steps'], rows)
      : h('p', { class: 'empty' }, 'No alert matches.'),
  ];
}

async function alertPage(id) {
  const [a] = await Promise.all([api(`/api/v1/alerts/${encodeURIComponent(id)}`), loadStores()]);
  const alert = a.alert || {};
  const steps = a.steps || [];
  const chat = steps.find((s) => s.step === 'chat');
  // No chat step (an unroutable alert): no post, so no still to ask for.
  const img = stillImage(
    id,
    'Still image from the clip',
    chat !== undefined && !['pending', 'running'].includes(chat.state),
  );
  const replay = (step) =>
    action('Replay', async () => {
      await api(`/api/v1/alerts/${encodeURIComponent(id)}/replay`, { method: 'POST', body: step ? { step } : {} });
      return 'requeued';
    });
  const unroutable = a.status === 'unroutable' && !steps.length;
  return [
    h('h1', {}, `Alert ${id}`),
    h(
      'div',
      { class: 'card' },
      img,
      h(
        'div',
        { class: 'meta' },
        storeLabel(alert.storeId, 'store '),
        h('span', {}, `camera ${alert.cameraId}`),
        h('span', {}, `received ${when(a.receivedAt)}`),
        a.incident
          ? h(
              'span',
              {},
              'incident ',
              state(a.incident.state),
              a.incident.claimedBy ? ` by ${a.incident.claimedBy}` : '',
              a.incident.outcome ? `: ${outcomeLabel(a.incident.outcome)}` : '',
            )
          : null,
      ),
    ),
    h('h2', {}, 'Steps'),
    unroutable
      ? h('p', { class: 'row' }, unroutableNote(alert.storeId), storeNames.has(alert.storeId) ? replay() : null)
      : table(
          ['Step', 'State', 'Attempts', 'Last error', 'Detail', 'Updated', ''],
          steps.map((s) => [
            s.step,
            state(s.state),
            String(s.attempts),
            forPeople(s.lastError),
            forPeople(s.detail),
            when(s.updatedAt),
            ['dead', 'expired'].includes(s.state) ? replay(s.step) : '',
          ]),
          ['', '', 'num', 'long', 'long', '', ''],
        ),
  ];
}

async function storesPage() {
  const { stores } = await api('/api/v1/stores');
  return [
    h('h1', {}, 'Stores'),
    h(
      'div',
      { class: 'cards' },
      stores.map((s) => {
        const minutes = h(
          'select',
          { 'aria-label': `Silence ${s.name} for` },
          [15, 30, 60, 120, 480, 1440].map((m) => h('option', { value: m }, m < 60 ? `${m} min` : `${m / 60} h`)),
        );
        return h(
          'article',
          { class: 'card', 'data-store': s.store_veesion_id },
          h('h3', {}, s.name),
          h(
            'div',
            { class: 'meta' },
            h('span', {}, `id ${s.store_veesion_id}`),
            h('span', {}, `room ${s.audio_conf_id}`),
            h('span', {}, `chat ${s.xbees_channel_id}`),
            s.location ? h('span', {}, s.location) : null,
          ),
          h(
            'div',
            { class: 'meta' },
            s.mutedNow
              ? h('span', {}, state('muted'), s.silencedUntil ? '' : ` ${s.mutedNow}`)
              : h('span', {}, state('ok'), ' announcing'),
            s.silencedUntil ? h('span', { class: 'silenced' }, `silenced until ${when(s.silencedUntil)}`) : null,
            (s.quiet_hours || []).length ? h('span', {}, `quiet hours: ${s.quiet_hours.join('; ')}`) : null,
            (s.escalation || []).length ? h('span', {}, `escalation: ${s.escalation.join(', ')}`) : null,
          ),
          h(
            'div',
            { class: 'row' },
            minutes,
            action('Silence', async () => {
              await api(`/api/v1/stores/${encodeURIComponent(s.store_veesion_id)}/silence`, {
                method: 'POST',
                body: { minutes: Number(minutes.value) },
              });
              return 'silenced';
            }),
            s.silencedUntil
              ? action(
                  'Unsilence',
                  async () => {
                    await api(`/api/v1/stores/${encodeURIComponent(s.store_veesion_id)}/silence`, { method: 'DELETE' });
                    return 'announcing again';
                  },
                  { class: 'secondary' },
                )
              : null,
          ),
          h(
            'div',
            { class: 'row' },
            action(
              'Test alert',
              async () => {
                const r = await api(`/api/v1/stores/${encodeURIComponent(s.store_veesion_id)}/test-alert`, {
                  method: 'POST',
                  body: {},
                });
                return `sent ${r.alertId}`;
              },
              { class: 'secondary' },
            ),
          ),
        );
      }),
    ),
  ];
}

async function integrationsPage() {
  const list = (await api('/api/v1/integrations')).integrations || [];
  return [
    h('h1', {}, 'Integrations'),
    list.length
      ? h(
          'div',
          { class: 'cards' },
          list.map((i) =>
            h(
              'article',
              { class: 'card' },
              h('h3', {}, `${i.type} ${i.id}`),
              h(
                'div',
                { class: 'meta' },
                h('span', {}, i.url),
                state(i.enabled ? (i.lastError ? 'pending' : 'ok') : 'dead'),
                h('span', {}, `backlog ${i.backlog}`),
                i.nextAt ? h('span', {}, `next attempt ${when(i.nextAt)}`) : null,
              ),
              i.lastError ? h('p', { class: 'error' }, i.lastError) : null,
              i.disabledReason ? h('p', { class: 'error' }, i.disabledReason) : null,
              action('Send a test event', async () => {
                const r = await api(`/api/v1/integrations/${encodeURIComponent(i.id)}/test`, {
                  method: 'POST',
                  body: {},
                });
                return r.delivered
                  ? `delivered${r.status ? ` (HTTP ${r.status})` : ''}`
                  : `not delivered: ${r.error || `HTTP ${r.status}`}`;
              }),
            ),
          ),
        )
      : h('p', { class: 'empty' }, 'No integration. Add one with veesion-bridge integrations add.'),
  ];
}

const charts = [];

async function chartsPage() {
  const [stats] = await Promise.all([api('/api/v1/stats?days=7'), loadStores()]);
  for (const c of charts.splice(0)) c.destroy();
  const canvas = (label) => h('canvas', { role: 'img', 'aria-label': label });
  const perHour = canvas('Alerts per hour per store, last 7 days');
  const toClaim = canvas('Time to claim distribution');
  const falseAlarms = canvas('False-alarm rate per camera');
  const page = [
    h('h1', {}, 'Charts'),
    h('h2', {}, 'Alerts per hour (7 days)'),
    h('div', { class: 'chart' }, perHour),
    h('h2', {}, 'Time to claim'),
    h('div', { class: 'chart' }, toClaim),
    h('h2', {}, 'False-alarm rate per camera'),
    h('div', { class: 'chart' }, falseAlarms),
  ];
  setTimeout(() => draw(stats, perHour, toClaim, falseAlarms), 0); // once the canvases are in the page
  return page;
}

function draw(stats, perHour, toClaim, falseAlarms) {
  const Chart = window.Chart;
  if (!Chart) return;
  const base = { responsive: true, maintainAspectRatio: false, animation: false };
  const hours = [...new Set(stats.alertsPerHour.map((r) => r.hour))].sort((a, b) => a - b);
  const stores = [...new Set(stats.alertsPerHour.map((r) => r.storeId))];
  charts.push(
    new Chart(perHour, {
      type: 'bar',
      options: { ...base, scales: { x: { stacked: true }, y: { stacked: true, beginAtZero: true } } },
      data: {
        labels: hours.map((t) => new Date(t).toLocaleString([], { weekday: 'short', hour: '2-digit' })),
        datasets: stores.map((s) => ({
          label: storeName(s),
          data: hours.map((t) => stats.alertsPerHour.find((r) => r.hour === t && r.storeId === s)?.count || 0),
        })),
      },
    }),
  );
  const buckets = [
    [0, 15],
    [15, 30],
    [30, 60],
    [60, 120],
    [120, 300],
    [300, Infinity],
  ];
  charts.push(
    new Chart(toClaim, {
      type: 'bar',
      options: { ...base, scales: { y: { beginAtZero: true } } },
      data: {
        labels: buckets.map(([a, b]) => (b === Infinity ? `${a} s+` : `${a}-${b} s`)),
        datasets: [
          {
            label: 'incidents claimed',
            data: buckets.map(([a, b]) => stats.timeToClaimS.filter((s) => s >= a && s < b).length),
          },
        ],
      },
    }),
  );
  charts.push(
    new Chart(falseAlarms, {
      type: 'bar',
      options: { ...base, indexAxis: 'y', scales: { x: { min: 0, max: 100 } } },
      data: {
        labels: stats.falseAlarmByCamera.map((c) => `${storeName(c.storeId)} / camera ${c.cameraId}`),
        datasets: [
          {
            label: 'false alarms, % of resolved',
            data: stats.falseAlarmByCamera.map((c) => Math.round((c.rate || 0) * 100)),
          },
        ],
      },
    }),
  );
}

// ---- routing ----

const pages = {
  live: () => live(),
  history: (_rest, params) => history(params),
  alert: (rest) => alertPage(decodeURIComponent(rest)),
  stores: () => storesPage(),
  integrations: () => integrationsPage(),
  charts: () => chartsPage(),
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
  const hash = location.hash.replace(/^#\/?/, '') || 'live';
  const [path, query = ''] = hash.split('?');
  const [name, ...rest] = path.split('/');
  const page = pages[name] || pages.live;
  if (name !== 'charts') for (const c of charts.splice(0)) c.destroy();
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

function start() {
  nav.hidden = false;
  watch();
  route();
}

window.addEventListener('hashchange', () => route());
// Ages on Live move on even when nothing else happens.
setInterval(() => {
  if (csrf && (location.hash === '' || location.hash.startsWith('#/live'))) scheduleRefresh();
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
    csrf = data.csrf;
    return true;
  }
  return data?.error || 'The sign-in link did not work: sign in with the admin token.';
}

(async () => {
  const once = await signInOnce();
  if (once === true) return start();
  const res = await fetch('/console/session', { credentials: 'same-origin' });
  const data = await res.json().catch(() => ({}));
  if (res.ok && data.signedIn) {
    csrf = data.csrf;
    start();
  } else signIn(once);
})();
