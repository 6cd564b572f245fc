import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type express from 'express';

/** Shared lifecycle of the HTTP simulators: listen on 127.0.0.1 port 0, close for good. */
export class HttpSim {
  private server: http.Server | undefined;
  /** Queued failures: the next requests to API routes answer these statuses. */
  protected readonly failures: number[] = [];
  delayMs = 0;
  /** While true, API requests wait (unanswered) until release(): a peer that never answers. */
  private holding = false;
  private readonly held: (() => void)[] = [];

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

  /** Requests from now on wait unanswered until release(). */
  hold(): void {
    this.holding = true;
  }

  /** How many requests are waiting on hold(). */
  get heldCount(): number {
    return this.held.length;
  }

  /** Answers every held request (as it would have been answered) and stops holding. */
  release(): void {
    this.holding = false;
    for (const go of this.held.splice(0)) go();
  }

  /** Middleware: applies the queued failures, hold and delay. */
  protected faults(): express.RequestHandler {
    return (req, res, next) => {
      const status = this.routeFailures.get(req.path)?.shift() ?? this.failures.shift();
      this.answerLater(() =>
        status !== undefined ? void res.status(status).json({ error: `simulated ${status}` }) : next(),
      );
    };
  }

  /** Runs an answer now, after delayMs, or on release() while holding. */
  protected answerLater(answer: () => void): void {
    if (this.holding) this.held.push(answer);
    else if (this.delayMs > 0) setTimeout(answer, this.delayMs);
    else answer();
  }

  async stop(): Promise<void> {
    const server = this.server;
    if (!server) return;
    this.held.length = 0;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }
}
