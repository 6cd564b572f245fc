import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** Owns the listening socket; `start()` binds, `stop()` refuses new work and closes. */
export class HttpServer {
  private server: http.Server | undefined;

  constructor(
    private readonly app: express.Express,
    private readonly host: string,
    private readonly port: number,
  ) {}

  async start(): Promise<number> {
    const server = http.createServer(this.app);
    server.keepAliveTimeout = 5_000;
    server.requestTimeout = 10_000;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, this.host, () => resolve());
    });
    this.server = server;
    return (server.address() as AddressInfo).port;
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.server = undefined;
    await new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeIdleConnections();
    });
  }
}
