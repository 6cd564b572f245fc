import { displayUrl, type Integration, type StoredEvent } from './integration';

type Described = Pick<Integration, 'id' | 'type' | 'url' | 'scope' | 'filter'>;

function about(i: Described): string[] {
  return [
    `Integration: ${i.id} (${i.type})`,
    `Destination: ${displayUrl(i.url)}`,
    `Scope: ${i.scope}; events: ${i.filter.join(', ')}`,
  ];
}

/** The e-mail after an event was given up. */
export function deadNotice(
  i: Described,
  given: { event: StoredEvent; attempts: number; error: string } | undefined,
  others: number,
): { subject: string; text: string } {
  const lines = [`veesion-bridge could not deliver an event to an integration and has given it up.`, '', ...about(i)];
  if (given) {
    const { event } = given;
    lines.push(
      `Event: ${event.id} ${event.type} for alert ${event.alertId} (store ${event.storeId}) of ${new Date(event.time).toISOString()}`,
    );
    lines.push(`Attempts: ${given.attempts}; last error: ${given.error}`);
  }
  if (others > 0) lines.push(`${given ? 'Other events' : 'Events'} given up since the last notice: ${others}`);
  lines.push(
    '',
    'What to check: the receiver is reachable from the PBX and answers 2xx within 5 seconds.',
    `"veesion-bridge integrations list" shows its state; "veesion-bridge integrations test ${i.id}" sends a ping and shows the answer.`,
    'This notice goes out at most once an hour per integration.',
  );
  return { subject: `veesion-bridge: events to integration ${i.id} given up`, text: lines.join('\n') };
}

/** The e-mail after a receiver answered 410 Gone. */
export function goneNotice(i: Described, reason: string): { subject: string; text: string } {
  const lines = [
    'veesion-bridge has disabled an integration: its receiver answered 410 Gone, which means it wants no more events.',
    '',
    ...about(i),
    `Reason: ${reason}`,
    '',
    `No more events are sent to it. If the receiver is back, add it again ("veesion-bridge integrations add") and remove this one ("veesion-bridge integrations remove ${i.id}").`,
  ];
  return { subject: `veesion-bridge: integration ${i.id} disabled (410 Gone)`, text: lines.join('\n') };
}
