// Building the console's pages: elements made with DOM calls and textContent only (alert values
// are untrusted), tables, and how times, states and step details read for people.

/** h('div', {class: 'x', onclick: f}, child, 'text', ...): an element. */
export function h(tag, attrs = {}, ...children) {
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

export function show(...nodes) {
  document
    .getElementById('main')
    .replaceChildren(...nodes.flat(Infinity).filter((n) => n !== null && n !== undefined && n !== false));
}

export function when(ms) {
  return ms ? new Date(ms).toLocaleString() : '';
}

export function age(ms) {
  const s = Math.max(0, Math.round((Date.now() - ms) / 1000));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${s % 60} s`;
  return `${Math.floor(s / 3600)} h ${Math.floor((s % 3600) / 60)} min`;
}

export function state(s) {
  return h('span', { class: `state ${s}` }, s);
}

export const OUTCOMES = [
  ['theft', 'Theft confirmed'],
  ['false-alarm', 'False alarm'],
  ['not-found', 'Not found'],
];
export const outcomeLabel = (o) => (OUTCOMES.find(([v]) => v === o) || [o, o === 'no-outcome' ? 'No outcome' : o])[1];

/**
 * Step details as people read them: the daemon's file paths (the rendered announcement, for one)
 * say nothing to them and tell more than they need about the server.
 */
export function forPeople(text) {
  return String(text || '').replace(
    /(^|[\s'"(=])(\/[^\s'",;)/]+\/[^\s'",;)]+)/g,
    (_m, before, path) => `${before}${/\/sounds\//.test(path) ? 'the announcement audio' : 'a file on the server'}`,
  );
}

/**
 * A table; on a phone its rows become stacked cards, each cell labelled with its column.
 * `kinds` per column: 'long' for free text (it wraps anywhere and gets the room), 'num' for numbers.
 */
export function table(headers, rows, kinds = []) {
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

export function errorNote(err) {
  return h('p', { class: 'error', role: 'alert' }, err.message || String(err));
}
