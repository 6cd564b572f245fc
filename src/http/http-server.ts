import http from 'node:http';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type express from 'express';
import type { TlsMaterial } from './tls';

/**
 * Limits on how long a client may hold a socket. The receiver takes small JSON posts from one
 * sender; anything slower than these is a stalled or hostile client (slow-loris).
 */
/** Every header line must be in within 10 s of the connection (Node's default: 60 s). */
export const HEADERS_TIMEOUT_MS = 10_000;
/** Headers and at most 64 KiB of body within 15 s: 4 KiB/s is slower than any real sender. */
export const REQUEST_TIMEOUT_MS = 15_000;
/** An idle keep-alive socket closes after 5 s; a sender that posts again opens a new one. */
export const KEEP_ALIVE_TIMEOUT_MS = 5_000;
/** How often Node enforces the two timeouts above; its 30 s default let a stalled socket live 45 s. */
export const TIMEOUT_CHECK_INTERVAL_MS = 1_000;
/** A TLS handshake must finish within 10 s (Node's default: 120 s). */
export const TLS_HANDSHAKE_TIMEOUT_MS = 10_000;
/**
 * Sockets held at once; beyond it new ones are dropped. A flood then cannot take the file
 * descriptors (1024 under systemd's default limit) that the journal and AMI need.
 */
export const MAX_CONNECTIONS = 512;

/** Owns the listening socket; `start()` binds, `stop()` refuses new work and closes. */
export class HttpServer {
  private server: http.Server | https.Server | undefined;
  /** The certificate being served (HTTPS only), for the log. */
  certificate: TlsMaterial | undefined;

  /** `tls` loads the certificate and key: given, the listener speaks HTTPS only. */
  constructor(
    private readonly app: express.Express,
    private readonly host: string,
    private readonly port: number,
    private readonly tls?: () => TlsMaterial,
  ) {}

  async start(): Promise<number> {
    const limits = {
      headersTimeout: HEADERS_TIMEOUT_MS,
      requestTimeout: REQUEST_TIMEOUT_MS,
      connectionsCheckingInterval: TIMEOUT_CHECK_INTERVAL_MS,
    };
    this.certificate = this.tls?.();
    const server = this.certificate
      ? https.createServer(
          { ...limits, ...pair(this.certificate), handshakeTimeout: TLS_HANDSHAKE_TIMEOUT_MS },
          this.app,
        )
      : http.createServer(limits, this.app);
    server.keepAliveTimeout = KEEP_ALIVE_TIMEOUT_MS;
    server.maxConnections = MAX_CONNECTIONS;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  /**
   * Loads the certificate and key again (a renewed certificate, SIGHUP) for new connections.
   * Throws, keeping the ones in use, when they cannot be loaded.
   */
  reloadTls(): TlsMaterial | undefined {
    if (!this.tls || !(this.server instanceof https.Server)) return undefined;
    const material = this.tls();
    this.server.setSecureContext(pair(material));
    this.certificate = material;
    return material;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
      // A slow client gets a short grace, not the 15 s request limit: the whole stop must fit
      // in systemd's TimeoutStopSec (20 s) with the steps' own 10 s.
      setTimeout(() => server.closeAllConnections(), STOP_GRACE_MS).unref();
    });
  }
}

/** How long requests under way may finish when the daemon stops. */
const STOP_GRACE_MS = 2_000;

function pair(m: TlsMaterial): { cert: string; key: string } {
  return { cert: m.cert, key: m.key };
}
