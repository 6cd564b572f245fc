// What a Live card shows besides its still: the clip, played from the daemon (which fetches it
// with the chat's checks), and the incident's timeline. Both outlive the page's redraws: a clip
// playing keeps playing, and an open timeline stays open.

import { api } from './api.js';
import { h, outcomeLabel, when } from './dom.js';

/** The clip elements by alert, kept while their card is shown: a redraw moves, not restarts, them. */
const clips = new Map();
/** Incidents whose timeline is open. */
const openTimelines = new Set();

/** A play button that becomes the alert's clip. */
export function clipPlayer(alertId, label) {
  const kept = clips.get(alertId);
  if (kept) return kept;
  const slot = h('div', { class: 'clip' });
  const play = h(
    'button',
    {
      type: 'button',
      class: 'secondary',
      onclick: () => {
        const video = h('video', {
          src: `/api/v1/alerts/${encodeURIComponent(alertId)}/clip`,
          controls: true,
          autoplay: true,
          playsinline: true,
          preload: 'auto',
          'aria-label': label,
        });
        video.addEventListener('error', () => {
          slot.replaceChildren(h('p', { class: 'error', role: 'alert' }, 'The clip could not be played.'));
          clips.delete(alertId);
        });
        slot.replaceChildren(video);
        clips.set(alertId, slot);
      },
    },
    'Play clip',
  );
  slot.append(play);
  return slot;
}

/** The card's timeline: received, announced, what people did, claimed by whom and how soon, resolved. */
export function timeline(incident) {
  const list = h('ol', { class: 'timeline' }, entries(incident, []).map(item));
  const details = h(
    'details',
    {
      class: 'timeline',
      open: openTimelines.has(incident.id),
      ontoggle: () => {
        if (details.open) {
          openTimelines.add(incident.id);
          fill();
        } else openTimelines.delete(incident.id);
      },
    },
    h('summary', {}, 'Timeline'),
    list,
  );
  const fill = async () => {
    try {
      const { incident: now, activity } = await api(`/api/v1/incidents/${encodeURIComponent(incident.id)}`);
      list.replaceChildren(...entries(now, activity).map(item));
    } catch {
      // The card's own fields stay shown.
    }
  };
  if (details.open) fill();
  return details;
}

/** Forgotten with the session, and once their cards are gone. */
export function forgetCards(shownAlerts) {
  for (const id of clips.keys()) if (!shownAlerts?.has(id)) clips.delete(id);
  if (!shownAlerts) openTimelines.clear();
}

function item([at, text]) {
  return h('li', {}, h('time', { datetime: new Date(at).toISOString() }, when(at)), ' ', text);
}

function after(from, to) {
  const s = Math.max(0, Math.round((to - from) / 1000));
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${s % 60} s`;
}

function entries(i, activity) {
  const out = [[i.openedAt, `alert received (camera ${i.cameraId})`]];
  if (i.announcements > 0)
    out.push([
      i.lastAlertAt,
      `announced in the room ${i.announcements} time(s) so far${i.alerts > 1 ? `, ${i.alerts} alerts` : ''}`,
    ]);
  // The bridge's own note of who heard an announcement, then what Wildix reported of the room.
  for (const a of activity)
    out.push([a.at, a.kind === 'announced' ? `announced: ${a.detail}` : `${a.kind}${a.who ? `: ${a.who}` : ''}`]);
  if (i.escalatedAt)
    out.push([
      i.escalatedAt,
      `escalated${i.escalatedTo ? ` to ${i.escalatedTo}` : ''}${i.escalationNote ? ` (${i.escalationNote})` : ''}`,
    ]);
  if (i.claimedAt)
    out.push([i.claimedAt, `claimed by ${i.claimedBy}, ${after(i.openedAt, i.claimedAt)} after the alert`]);
  if (i.resolvedAt) {
    out.push([i.resolvedAt, `resolved: ${outcomeLabel(i.outcome)}${i.resolvedBy ? `, by ${i.resolvedBy}` : ''}`]);
  }
  return out.sort((a, b) => a[0] - b[0]);
}
