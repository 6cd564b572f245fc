import express from 'express';
import axios from 'axios';
import { randomBytes } from 'node:crypto';
import { HttpSim } from './http-sim';

export interface KlaxonStore {
  store_veesion_id: string;
  store_veesion_name: string;
  store_id: string;
}

/**
 * The Veesion klaxon API: POST /token, GET /user-info, GET /stores, POST /hooks. It can also play Veesion's part and POST an alert to the hooks registered.
 */
export class KlaxonSimulator extends HttpSim {
  readonly hooks = new Map<string, string[]>();
  readonly hookCalls: { store_veesion_id: string; hooks: string[] }[] = [];
  logins = 0;
  tokenLifetimeS = 1800;
  private readonly tokens = new Map<string, number>();
  /** Every token handed out (tests look for them in logs). */
  readonly issued: string[] = [];

  constructor(
    readonly stores: KlaxonStore[],
    readonly username = 'bridge@example.com',
    readonly password = 'klaxon-sim-password',
  ) {
    super();
  }

  start(): Promise<string> {
    const app = express();
    app.use(this.faults());
    app.use(express.json());
    app.post('/token', (req, res) => {
      const { username, password } = req.body as { username?: unknown; password?: unknown };
      if (username !== this.username || password !== this.password)
        return void res.status(401).json({ detail: 'Invalid credentials' });
      const token = randomBytes(20).toString('hex');
      this.tokens.set(token, Date.now() + this.tokenLifetimeS * 1000);
      this.issued.push(token);
      this.logins++;
      res.json({ token, expires_in: (this.tokenLifetimeS - 0.35).toFixed(2) });
    });
    const auth: express.RequestHandler = (req, res, next) => {
      const m = /^Token (.+)$/.exec(req.get('authorization') ?? '');
      const expires = m?.[1] ? this.tokens.get(m[1]) : undefined;
      if (!expires || expires < Date.now()) return void res.status(401).json({ detail: 'Invalid token.' });
      res.locals.expires = expires;
      next();
    };
    app.get('/user-info', auth, (_req, res) => {
      res.json({ user: this.username, expires_in: ((Number(res.locals.expires) - Date.now()) / 1000).toFixed(2) });
    });
    app.get('/stores', auth, (_req, res) => {
      res.json({ stores: this.stores });
    });
    app.post('/hooks', auth, (req, res) => {
      const { store_veesion_id, hooks } = req.body as { store_veesion_id?: unknown; hooks?: unknown };
      if (typeof store_veesion_id !== 'string' || !Array.isArray(hooks) || !hooks.every((h) => typeof h === 'string')) {
        return void res.status(400).json({ detail: 'store_veesion_id and hooks[] required' });
      }
      if (!this.stores.some((s) => s.store_veesion_id === store_veesion_id))
        return void res.status(404).json({ detail: 'Unknown store' });
      this.hooks.set(store_veesion_id, hooks as string[]);
      this.hookCalls.push({ store_veesion_id, hooks: hooks as string[] });
      res.json({ message: 'OK' });
    });
    return this.listen(app);
  }

  /** Veesion forgets every session (a password change, a restart): the next call answers 401. */
  revokeTokens(): void {
    this.tokens.clear();
  }

  /** Plays Veesion: POSTs `payload` to every hook registered for the store. */
  async fireAlert(storeId: string, payload: Record<string, unknown>): Promise<number[]> {
    const urls = this.hooks.get(storeId) ?? [];
    const statuses: number[] = [];
    for (const url of urls) {
      const res = await axios.post(url, payload, { timeout: 5000, validateStatus: () => true });
      statuses.push(res.status);
    }
    return statuses;
  }
}
