import axios, { type AxiosInstance, isAxiosError } from 'axios';
import { z } from 'zod';
import { renewalDueAt, type TokenTimes } from './renewal';

const tokenResponse = z.object({ token: z.string().min(1), expires_in: z.union([z.string(), z.number()]) });
const storesResponse = z.object({
  stores: z.array(
    z.looseObject({
      store_veesion_id: z.union([z.string(), z.number()]).transform(String),
      store_veesion_name: z.string().optional(),
    }),
  ),
});
const hooksResponse = z.looseObject({ message: z.string() });

export class KlaxonError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'KlaxonError';
  }
}

export interface KlaxonClientOptions {
  baseUrl: string;
  username: string;
  password: string;
  now?: () => number;
  timeoutMs?: number;
}

/**
 * The Veesion klaxon API client. Signs in lazily, renews before a call once less than a minute
 * (half a short token's life) is left, no sooner than renewalDueAt allows (`expires_in` is a
 * string of seconds), and once more on any 401/403.
 */
export class KlaxonClient {
  private readonly http: AxiosInstance;
  private token: string | undefined;
  private expiresAt = 0;
  private signedInAt = 0;
  private lifetimeMs = 0;
  private readonly now: () => number;

  constructor(private readonly opts: KlaxonClientOptions) {
    this.now = opts.now ?? Date.now;
    this.http = axios.create({ baseURL: opts.baseUrl, timeout: opts.timeoutMs ?? 10_000, maxRedirects: 0 });
  }

  get baseUrl(): string {
    return this.opts.baseUrl;
  }

  get tokenValid(): boolean {
    return this.token !== undefined && this.now() < this.expiresAt;
  }

  get tokenExpiresAt(): number | undefined {
    return this.token ? this.expiresAt : undefined;
  }

  get tokenTimes(): TokenTimes | undefined {
    return this.token
      ? { signedInAt: this.signedInAt, lifetimeMs: this.lifetimeMs, expiresAt: this.expiresAt }
      : undefined;
  }

  async login(): Promise<void> {
    const data = await this.send(
      () => this.http.post('/token', { username: this.opts.username, password: this.opts.password }),
      'sign in',
    );
    const parsed = tokenResponse.safeParse(data);
    const seconds = parsed.success ? Number(parsed.data.expires_in) : NaN;
    if (!parsed.success || !Number.isFinite(seconds) || seconds <= 0)
      throw new KlaxonError('KLAXON_BAD_RESPONSE', 'unexpected /token response');
    this.token = parsed.data.token;
    this.signedInAt = this.now();
    this.lifetimeMs = seconds * 1000;
    this.expiresAt = this.signedInAt + this.lifetimeMs;
  }

  /** Remaining token lifetime in seconds, as Veesion sees it (GET /user-info). */
  async remainingSeconds(): Promise<number> {
    const data = await this.authed(() => this.http.get('/user-info', this.auth()), 'user info');
    const parsed = z.object({ expires_in: z.union([z.string(), z.number()]) }).safeParse(data);
    const seconds = parsed.success ? Number(parsed.data.expires_in) : NaN;
    if (!Number.isFinite(seconds)) throw new KlaxonError('KLAXON_BAD_RESPONSE', 'unexpected /user-info response');
    this.expiresAt = this.now() + seconds * 1000;
    return seconds;
  }

  async stores(): Promise<{ store_veesion_id: string; store_veesion_name?: string | undefined }[]> {
    const data = await this.authed(() => this.http.get('/stores', this.auth()), 'list stores');
    const parsed = storesResponse.safeParse(data);
    if (!parsed.success) throw new KlaxonError('KLAXON_BAD_RESPONSE', 'unexpected /stores response');
    return parsed.data.stores;
  }

  async registerHook(storeId: string, hookUrl: string): Promise<void> {
    const data = await this.authed(
      () => this.http.post('/hooks', { store_veesion_id: storeId, hooks: [hookUrl] }, this.auth()),
      'register hook',
    );
    const parsed = hooksResponse.safeParse(data);
    if (!parsed.success || parsed.data.message !== 'OK')
      throw new KlaxonError('KLAXON_HOOK_REFUSED', `hook for ${storeId} not accepted`);
  }

  private auth() {
    return { headers: { Authorization: `Token ${this.token ?? ''}` } };
  }

  private async authed(request: () => Promise<{ data: unknown }>, what: string): Promise<unknown> {
    const times = this.tokenTimes;
    if (!times || this.now() >= renewalDueAt(times, 60_000)) await this.login();
    try {
      return await this.send(request, what);
    } catch (err) {
      if (!(err instanceof KlaxonError) || (err.status !== 401 && err.status !== 403)) throw err;
      await this.login();
      return this.send(request, what);
    }
  }

  private async send(request: () => Promise<{ data: unknown }>, what: string): Promise<unknown> {
    try {
      return (await request()).data;
    } catch (err) {
      if (!isAxiosError(err)) throw err;
      const status = err.response?.status;
      // Never include the request (it carries the password or token) in the error.
      throw new KlaxonError(
        `KLAXON_${status ?? err.code ?? 'ERROR'}`,
        `Veesion ${what} failed: ${status ?? err.code ?? 'network error'}`,
        status,
      );
    }
  }
}

/** The URL Veesion must call: VEESION_HOOK_URL with `?token=<VEESION_HOOK_TOKEN>`. */
export function hookUrlWithToken(hookUrl: string, token: string): string {
  const url = new URL(hookUrl);
  url.searchParams.set('token', token);
  return url.toString();
}
