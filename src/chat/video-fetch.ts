import https from 'node:https';
import dns from 'node:dns';
import type { LookupFunction } from 'node:net';
import { StepError } from '../pipeline/step-error';
import { hostAllowed, isPublicAddress } from './address-policy';

export interface VideoFetchOptions {
  allowedHosts: readonly string[];
  maxBytes: number;
  timeoutMs: number;
  /** DNS resolution; injected by tests and the demo to point a veesion.io name at a simulator. */
  resolve?: (host: string) => Promise<string[]>;
  /** Which resolved addresses may be contacted (default: public ones only). */
  addressAllowed?: (ip: string) => boolean;
  /** Extra CA certificates (the simulators' self-signed one). */
  ca?: string | Buffer;
}

export interface FetchedVideo {
  bytes: Buffer;
  contentType: string;
  name: string;
}

const MAX_REDIRECTS = 3;

const systemResolve = async (host: string) => (await dns.promises.lookup(host, { all: true })).map((a) => a.address);

/**
 * Downloads an alert video: HTTPS only, from allowed hosts only, never from loopback or
 * private addresses (checked after DNS, and the checked address is the one connected to),
 * within size and time limits. Redirects are followed only to URLs passing the same checks.
 */
export async function fetchVideo(url: string, opts: VideoFetchOptions): Promise<FetchedVideo> {
  const deadline = Date.now() + opts.timeoutMs;
  let current = url;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    const target = await checkUrl(current, opts);
    const res = await get(target.url, target.address, opts, deadline);
    if ('redirect' in res) {
      current = new URL(res.redirect, target.url).toString();
      continue;
    }
    return { ...res, name: fileName(target.url) };
  }
  throw new StepError('VIDEO_REDIRECTS', 'rejected', `more than ${MAX_REDIRECTS} redirects`);
}

export async function checkUrl(raw: string, opts: VideoFetchOptions): Promise<{ url: URL; address: string }> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new StepError('VIDEO_URL_INVALID', 'bad-input', 'video URL is not a valid URL');
  }
  if (url.protocol !== 'https:')
    throw new StepError('VIDEO_URL_SCHEME', 'bad-input', `video URL must be https (got ${url.protocol})`);
  if (url.username || url.password)
    throw new StepError('VIDEO_URL_CREDENTIALS', 'bad-input', 'video URL must not carry credentials');
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (!hostAllowed(host, opts.allowedHosts)) {
    throw new StepError('VIDEO_HOST_NOT_ALLOWED', 'bad-input', `video host ${host} is not in BRIDGE_VIDEO_HOSTS`);
  }
  const allowed = opts.addressAllowed ?? isPublicAddress;
  let addresses: string[];
  try {
    addresses = await (opts.resolve ?? systemResolve)(host);
  } catch (err) {
    throw new StepError('VIDEO_DNS', 'connection', `cannot resolve ${host}`, { cause: err });
  }
  if (addresses.length === 0) throw new StepError('VIDEO_DNS', 'connection', `no address for ${host}`);
  const bad = addresses.find((a) => !allowed(a));
  if (bad)
    throw new StepError('VIDEO_ADDRESS_BLOCKED', 'bad-input', `video host ${host} resolves to a non-public address`);
  return { url, address: addresses[0] as string };
}

type GetResult = { redirect: string } | { bytes: Buffer; contentType: string };

function get(url: URL, address: string, opts: VideoFetchOptions, deadline: number): Promise<GetResult> {
  return new Promise((resolve, reject) => {
    // Connect to the address we checked, whatever DNS says a second time (no rebinding).
    const lookup: LookupFunction = (_h, o, cb) => {
      const family = address.includes(':') ? 6 : 4;
      if ((o as { all?: boolean }).all)
        (cb as unknown as (e: null, a: { address: string; family: number }[]) => void)(null, [{ address, family }]);
      else cb(null, address, family);
    };
    const remaining = Math.max(1, deadline - Date.now());
    const req = https.get(url, { lookup, timeout: remaining, ...(opts.ca ? { ca: opts.ca } : {}) }, (res) => {
      const status = res.statusCode ?? 0;
      if (status >= 300 && status < 400 && res.headers.location) {
        res.resume();
        return resolve({ redirect: res.headers.location });
      }
      if (status !== 200) {
        res.resume();
        return reject(
          new StepError(
            'VIDEO_HTTP_STATUS',
            status >= 500 ? 'connection' : 'rejected',
            `video server answered ${status}`,
          ),
        );
      }
      const declared = Number(res.headers['content-length'] ?? 0);
      if (declared > opts.maxBytes) {
        res.destroy();
        return reject(
          new StepError('VIDEO_TOO_LARGE', 'bad-input', `video is ${declared} bytes, limit ${opts.maxBytes}`),
        );
      }
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (c: Buffer) => {
        size += c.length;
        if (size > opts.maxBytes) {
          res.destroy();
          reject(new StepError('VIDEO_TOO_LARGE', 'bad-input', `video exceeds ${opts.maxBytes} bytes`));
        } else chunks.push(c);
      });
      res.on('end', () =>
        resolve({ bytes: Buffer.concat(chunks), contentType: String(res.headers['content-type'] ?? 'video/mp4') }),
      );
      res.on('error', (e) => reject(new StepError('VIDEO_READ', 'connection', e.message, { cause: e })));
    });
    const timer = setTimeout(() => req.destroy(new Error('time limit')), remaining);
    req.on('close', () => clearTimeout(timer));
    req.on('timeout', () => req.destroy(new Error('time limit')));
    req.on('error', (e) =>
      reject(
        new StepError(
          'VIDEO_FETCH',
          e.message === 'time limit' ? 'timeout' : 'connection',
          `video download failed: ${e.message}`,
          { cause: e },
        ),
      ),
    );
  });
}

function fileName(url: URL): string {
  const last = url.pathname.split('/').pop() ?? '';
  const safe = last.replace(/[^A-Za-z0-9._-]/g, '_').slice(0, 100);
  return safe.length > 0 ? safe : 'alert-video.mp4';
}
