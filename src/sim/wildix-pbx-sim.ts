import express from 'express';
import { HttpSim } from './http-sim';

export interface PbxApiCall {
  body: Record<string, unknown>;
  at: number;
}

/**
 * The PBX's local REST API, the part the bridge uses: `POST /api/v1/originate` with a bearer
 * token, answered `{"type":"result","result":{"channel"}}` once the call is answered, or
 * `{"type":"error","reason"}`. Can fail with an HTTP status or a refusal on demand.
 */
export class WildixPbxSimulator extends HttpSim {
  readonly originates: PbxApiCall[] = [];
  /** The next originates answer `{"type":"error"}` with this reason. */
  refuseNext: string[] = [];
  private seq = 0;

  constructor(readonly token = 'wildix-sim-token') {
    super();
  }

  start(): Promise<string> {
    const app = express();
    app.use('/api', this.faults());
    app.use('/api', (req, res, next) => {
      if (req.get('authorization') !== `Bearer ${this.token}`) return void res.status(401).json({ type: 'error', reason: 'Unauthorized' });
      next();
    });
    app.post('/api/v1/originate', express.json(), (req, res) => {
      const body = req.body as Record<string, unknown>;
      if (typeof body['channel'] !== 'string' || !(typeof body['application'] === 'string' || typeof body['context'] === 'string')) {
        return void res.status(400).json({ type: 'error', reason: 'channel and application or context are required' });
      }
      this.originates.push({ body, at: Date.now() });
      const refusal = this.refuseNext.shift();
      if (refusal !== undefined) return void res.json({ type: 'error', reason: refusal });
      res.json({ type: 'result', result: { channel: `${body['channel']}-${(this.seq++).toString(16).padStart(8, '0')};1` } });
    });
    return this.listen(app);
  }
}
