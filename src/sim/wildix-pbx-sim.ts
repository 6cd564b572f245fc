import express from 'express';
import { HttpSim } from './http-sim';
import type { SmartNotificationsSim } from './smart-notifications-sim';

export interface PbxApiCall {
  body: Record<string, unknown>;
  /** `variable` split back into channel variables, as Asterisk's manager would. */
  variables: Record<string, string>;
  at: number;
}

export interface PbxApiRefusal {
  body: unknown;
  reason: string;
}

/** The Originate fields the WMS API takes (AMI's, lower-case); anything else is refused. */
const FIELDS = new Set([
  'channel',
  'context',
  'exten',
  'priority',
  'application',
  'data',
  'callerid',
  'timeout',
  'variable',
  'async',
  'account',
  'actionid',
]);
const STRINGS = ['channel', 'context', 'exten', 'application', 'data', 'callerid', 'variable', 'account', 'actionid'];
/** Below this the channel would be given up before it could ring: the bridge must never send it. */
export const MIN_TIMEOUT_MS = 1000;

/** Why the API would refuse this originate body, or undefined when it is well formed. */
export function originateProblem(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return 'a JSON object is required';
  const b = body as Record<string, unknown>;
  const unknown = Object.keys(b).filter((k) => !FIELDS.has(k));
  if (unknown.length > 0) return `unknown field ${unknown.join(', ')}`;
  const notString = STRINGS.filter((k) => k in b && typeof b[k] !== 'string');
  if (notString.length > 0) return `${notString.join(', ')} must be a string`;
  if (typeof b.channel !== 'string' || !(typeof b.application === 'string' || typeof b.context === 'string')) {
    return 'channel and application or context are required';
  }
  if ('timeout' in b && !(Number.isInteger(b.timeout) && (b.timeout as number) >= MIN_TIMEOUT_MS)) {
    return `timeout is in milliseconds, at least ${MIN_TIMEOUT_MS}`;
  }
  if ('priority' in b && !(Number.isInteger(b.priority) && (b.priority as number) >= 1))
    return 'priority must be a whole number from 1';
  if ('async' in b && typeof b.async !== 'boolean') return 'async must be true or false';
  if (
    typeof b.variable === 'string' &&
    b.variable !== '' &&
    !b.variable.split(',').every((v) => /^[A-Za-z_][A-Za-z0-9_]*=/.test(v))
  ) {
    return 'variable takes KEY=value entries';
  }
  return undefined;
}

/**
 * The PBX's local REST API, the part the bridge uses: `POST /api/v1/originate` with a bearer
 * token and the WMS API's fields, answered `{"type":"result","result":{"channel"}}` once the call
 * is answered, or `{"type":"error","reason"}`: with 400 for a body the API does not take (listed
 * in `refused`), with 200 for a call the PBX could not place. Can fail with an HTTP status or a
 * refusal on demand.
 */
export class WildixPbxSimulator extends HttpSim {
  readonly originates: PbxApiCall[] = [];
  /** Bodies answered 400, with the reason given. */
  readonly refused: PbxApiRefusal[] = [];
  /** The next originates answer `{"type":"error"}` with this reason. */
  refuseNext: string[] = [];
  private seq = 0;

  /** x-hoppers Smart Notifications on the same API, when set before start(). */
  notifications: SmartNotificationsSim | undefined;

  constructor(readonly token = 'wildix-sim-token') {
    super();
  }

  start(): Promise<string> {
    const app = express();
    app.use('/api', this.faults());
    app.use('/api', (req, res, next) => {
      if (req.get('authorization') !== `Bearer ${this.token}`)
        return void res.status(401).json({ type: 'error', reason: 'Unauthorized' });
      next();
    });
    if (this.notifications) app.post(this.notifications.path, express.json(), this.notifications.handler());
    app.post('/api/v1/originate', express.json(), (req, res) => {
      const problem = originateProblem(req.body);
      if (problem !== undefined) {
        this.refused.push({ body: req.body, reason: problem });
        return void res.status(400).json({ type: 'error', reason: problem });
      }
      const body = req.body as Record<string, unknown>;
      const variable = typeof body.variable === 'string' && body.variable !== '' ? body.variable.split(',') : [];
      const variables = Object.fromEntries(
        variable.map((v) => [v.slice(0, v.indexOf('=')), v.slice(v.indexOf('=') + 1)]),
      );
      this.originates.push({ body, variables, at: Date.now() });
      const refusal = this.refuseNext.shift();
      if (refusal !== undefined) return void res.json({ type: 'error', reason: refusal });
      res.json({
        type: 'result',
        result: { channel: `${body.channel}-${(this.seq++).toString(16).padStart(8, '0')};1` },
      });
    });
    return this.listen(app);
  }
}
