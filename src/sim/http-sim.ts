import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** Shared lifecycle of the HTTP simulators: listen on 127.0.0.1 port 0, close for good. */
export class HttpSim {
  private server: http.Server | undefined;
  /** Queued failures: the next requests to API routes answer these statuses. */
  protected readonly failures: number[] = [];
  delayMs = 0;

  async listen(app: express.Express): Promise<string> {
    const server = http.createServer(app);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    this.server = server;
    return this.url;
  }

  get url(): string {
    if (!this.server) throw new Error('simulator not started');
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  /** Failures queued for one route only (e.g. '/hooks'), taken before the general ones. */
  private readonly routeFailures = new Map<string, number[]>();

  failNext(count: number, status: number): void {
    for (let i = 0; i < count; i++) this.failures.push(status);
  }

  failNextOn(path: string, count: number, status: number): void {
    const queue = this.routeFailures.get(path) ?? [];
    for (let i = 0; i < count; i++) queue.push(status);
    this.routeFailures.set(path, queue);
  }

  /** Middleware: applies the queued failures and delay. */
  protected faults(): express.RequestHandler {
    return (req, res, next) => {
      const status = this.routeFailures.get(req.path)?.shift() ?? this.failures.shift();
      const go = () => (status !== undefined ? void res.status(status).json({ error: `simulated ${status}` }) : next());
      if (this.delayMs > 0) setTimeout(go, this.delayMs);
      else go();
    };
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
