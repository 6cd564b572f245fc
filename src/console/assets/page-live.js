// The Live page: the incidents still to deal with, by store, each with its still, Claim and Resolve.

import { action } from './action.js';
import { api } from './api.js';
import { OUTCOMES, age, h, state } from './dom.js';
import { loadStores, stillImage, storeLabel } from './known.js';
import { clipPlayer, forgetCards, timeline } from './card-extras.js';

export function personName() {
  return localStorage.getItem('vb-name') || '';
}

export async function live() {
  const [lists, waiting] = await Promise.all([
    Promise.all(['unheard', 'open', 'claimed'].map((s) => api(`/api/v1/incidents?state=${s}`))),
    chatUnderWay(),
    loadStores(),
  ]);
  // Unheard first: nobody in the store heard those, and anyone who sees one can still take it.
  // Then oldest first, whatever the state: a card claimed keeps its place under the pointer.
  // The three lists are read at once: an incident claimed between two reads is in two of them.
  // Its card is shown once, as the later state has it (claimed comes after open and unheard).
  const byId = new Map();
  for (const i of lists.flatMap((l) => l.incidents)) {
    const seen = byId.get(i.id);
    if (!seen || (seen.state !== 'claimed' && i.state === 'claimed')) byId.set(i.id, i);
  }
  const all = [...byId.values()].sort((a, b) =>
    (a.state === 'unheard') === (b.state === 'unheard')
      ? a.openedAt - b.openedAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
      : a.state === 'unheard'
        ? -1
        : 1,
  );
  // A clip kept for a card no longer shown is let go.
  forgetCards(new Set(all.map((i) => i.lastAlertId)));
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
    clipPlayer(i.lastAlertId, `Clip of camera ${i.cameraId}`),
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
    timeline(i),
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

/** Signing out: the outcomes chosen on cards go with the session. */
export function forgetChoices() {
  chosenOutcome.clear();
  forgetCards();
}
