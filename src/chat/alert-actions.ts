import type { Outcome } from '../pipeline/incident';

/**
 * The alert message's buttons (x-bees message `elements`: an `actions` element of `button`s
 * whose handler is an `action` with an id, as the x-bees conversations API documents them).
 * The id names what the button does and the alert it belongs to, so a press is understood
 * without remembering which message was which: `veesion:<what>:<alertId>`.
 */
export type AlertAction = { what: 'claim' } | { what: 'resolve'; outcome: Exclude<Outcome, 'no-outcome'> };

const BUTTONS: { label: string; id: string; action: AlertAction; variant: 'contained' | 'outlined' }[] = [
  { label: "I'm on it", id: 'claim', action: { what: 'claim' }, variant: 'contained' },
  { label: 'Theft confirmed', id: 'theft', action: { what: 'resolve', outcome: 'theft' }, variant: 'outlined' },
  { label: 'False alarm', id: 'false-alarm', action: { what: 'resolve', outcome: 'false-alarm' }, variant: 'outlined' },
  { label: 'Not found', id: 'not-found', action: { what: 'resolve', outcome: 'not-found' }, variant: 'outlined' },
];

const PREFIX = 'veesion:';

/** The `elements` of an alert's message. */
export function alertButtons(alertId: string): unknown[] {
  return [
    {
      actions: BUTTONS.map((b) => ({
        button: { text: b.label, variant: b.variant, handler: { action: { id: `${PREFIX}${b.id}:${alertId}` } } },
      })),
    },
  ];
}

/** A pressed button's id -> what to do to which alert's incident; undefined: not one of ours. */
export function parseActionId(actionId: string): { action: AlertAction; alertId: string } | undefined {
  if (!actionId.startsWith(PREFIX)) return undefined;
  const rest = actionId.slice(PREFIX.length);
  const colon = rest.indexOf(':');
  if (colon < 0) return undefined;
  const button = BUTTONS.find((b) => b.id === rest.slice(0, colon));
  const alertId = rest.slice(colon + 1);
  return button && alertId.length > 0 ? { action: button.action, alertId } : undefined;
}
