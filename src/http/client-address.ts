import type { IncomingMessage } from 'node:http';
import proxyaddr from 'proxy-addr';

/**
 * The proxies whose X-Forwarded-For is believed (BRIDGE_TRUSTED_PROXIES): addresses and CIDR
 * ranges, comma separated, or the names `loopback`, `linklocal` and `uniquelocal`. Empty: none,
 * and a request's address is its socket's.
 */
export function trustedProxies(list: string): string[] {
  return list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** Why BRIDGE_TRUSTED_PROXIES cannot be used, or undefined. */
export function trustedProxiesProblem(list: string): string | undefined {
  try {
    proxyaddr.compile(trustedProxies(list));
    return undefined;
  } catch (err) {
    return `${(err as Error).message}: addresses or CIDR ranges, comma separated (e.g. 127.0.0.1,10.0.0.0/8), or loopback`;
  }
}

/**
 * Who sent a request: the socket's address, or, when that is a trusted proxy, the nearest address
 * in X-Forwarded-For that is not one (what the proxy saw; what a client wrote there itself is
 * further left and not believed). Failed sign-ins are counted per this address.
 */
export function clientAddress(req: IncomingMessage & { ip?: string | undefined }): string {
  return req.ip ?? req.socket.remoteAddress ?? 'unknown';
}
