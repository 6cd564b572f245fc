// What the pages know beyond one page: store names, and the stills already fetched.

import { api } from './api.js';
import { h } from './dom.js';

// Stores by id, as the last page read them (GET /api/v1/stores): people know a store by its name.
export const storeNames = new Map();

export async function loadStores() {
  const stores = (await api('/api/v1/stores')).stores || [];
  storeNames.clear();
  for (const s of stores) storeNames.set(s.store_veesion_id, s.name);
  return stores;
}

export function storeName(id) {
  return storeNames.get(id) || id;
}

/** A store's name, its id in the tooltip (an id not configured shows as itself). */
export function storeLabel(id, prefix = '') {
  return h('span', { title: storeNames.has(id) ? id : `${id}: not in x-hoppers.json` }, `${prefix}${storeName(id)}`);
}

/** Why an alert has no steps: its store was not configured when it came; replay routes it once it is. */
export function unroutableNote(storeId) {
  return h(
    'span',
    { class: 'unroutable', title: 'Add the store to x-hoppers.json, reload, then replay the alert' },
    `No store configured for ${storeId}: kept, replayable`,
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
export function stillImage(alertId, alt, chatDone) {
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

/** Signing out: what the session saw goes with it. */
export function forgetStills() {
  for (const known of stills.values()) if (known.url) URL.revokeObjectURL(known.url);
  stills.clear();
}
