// The History page (alerts by store, camera, step state and time) and one alert's page with its steps.

import { action } from './action.js';
import { api } from './api.js';
import { forPeople, h, outcomeLabel, state, table, when } from './dom.js';
import { loadStores, stillImage, storeLabel, storeNames, unroutableNote } from './known.js';

export async function historyPage(params) {
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

export async function alertPage(id) {
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
