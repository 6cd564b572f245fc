// The Stores page (silence, unsilence, test alert) and the Integrations page (backlog, test event).

import { action } from './action.js';
import { api, can } from './api.js';
import { h, state, when } from './dom.js';

export async function storesPage() {
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
          !can('admin', 'manager')
            ? null
            : h(
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
                        await api(`/api/v1/stores/${encodeURIComponent(s.store_veesion_id)}/silence`, {
                          method: 'DELETE',
                        });
                        return 'announcing again';
                      },
                      { class: 'secondary' },
                    )
                  : null,
              ),
          !can('admin')
            ? null
            : h(
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

export async function integrationsPage() {
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
