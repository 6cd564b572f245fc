// The audit trail: who changed what, when, how and from where (the last 7 days, newest first).

import { api } from './api.js';
import { h, table, when } from './dom.js';

export async function auditPage() {
  const { entries = [] } = await api('/api/v1/audit?since=7d');
  const details = (d) =>
    Object.entries(d || {})
      .map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`)
      .join(', ');
  return [
    h('h1', {}, 'Audit'),
    h(
      'p',
      { class: 'meta' },
      'Changes made in the last 7 days, newest first. Kept as long as BRIDGE_AUDIT_RETENTION_DAYS says.',
    ),
    entries.length
      ? table(
          ['When', 'Who', 'How', 'From', 'What', 'Details'],
          [...entries]
            .reverse()
            .map((e) => [
              when(e.at),
              e.actor,
              e.via,
              e.address || '',
              [e.action, e.target].filter(Boolean).join(' '),
              details(e.detail),
            ]),
          ['', '', '', '', 'long', 'long'],
        )
      : h('p', { class: 'empty' }, 'No change in the last 7 days.'),
  ];
}
