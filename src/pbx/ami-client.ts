import { EventEmitter } from 'node:events';
import net from 'node:net';
import type { Logger } from '../log/logger';
import { StepError } from '../pipeline/step-error';
import { exponentialBackoff, withJitter } from '../pipeline/backoff';
import { type AmiMessage, AmiParser, encodeMessage, refusedByAsterisk, type AmiFields } from './ami-codec';
import { OutageReporter } from '../log/outage';

export interface AmiClientOptions {
  host: string;
  port: number;
  username: string;
  secret: string;
  pingIntervalMs: number;
  /** How long an action (Login, Ping, Originate) may wait for its Response. */
  responseTimeoutMs: number;
  logger: Logger;
  backoff?: { initialMs: number; maxMs: number };
  /** What an outage means for alerts, for the one log line that opens it. */
  outageImpact?: string;
  now?: () => number;
}

export type AmiState = 'stopped' | 'connecting' | 'logged-in' | 'auth-failed' | 'disconnected';

/**
 * The event classes the Login asks for (AMI Login `Events`: `on`, `off` or a comma list of
 * classes): `call` for OriginateResponse, Hangup and ConfbridgeJoin/Leave, `user` for the
 * `VeesionClaim` UserEvent a key press raises (deploy/asterisk/extensions-veesion.conf). Not
 * `dtmf`: raw digits are not needed. Asterisk sends only what the user's `read` also allows.
 */
export const LOGIN_EVENTS = 'call,user';

/** A list action's answer: its Response and, when it said Success, the events that followed. */
export interface AmiList {
  response: AmiMessage;
  items: AmiMessage[];
}

interface ListCollector {
  take: (m: AmiMessage) => void;
  fail: (e: StepError) => void;
}

interface PendingAction {
  resolve: (m: AmiMessage) => void;
  reject: (e: StepError) => void;
  timer: NodeJS.Timeout;
}

/**
 * A typed AMI client: banner, Login with `Events: call,user`, Ping keepalive with a deadline,
 * actions matched to responses by unique ActionID, list actions whose events are collected by
 * ActionID, reconnect with jittered backoff.
 * Emits 'event' (AmiMessage) for every Event that is not part of a list answer, 'state' on changes, 'disconnect' when a
 * logged-in connection is lost (a failed reconnect attempt is not another disconnect). An
 * outage is logged when it begins, once a minute while it lasts and when it ends.
 */
export class AmiClient extends EventEmitter {
  state: AmiState = 'stopped';
  reconnects = 0;
  private socket: net.Socket | undefined;
  private readonly pending = new Map<string, PendingAction>();
  /** List actions waiting for their items and final event, by ActionID. */
  private readonly lists = new Map<string, ListCollector>();
  private seq = 0;
  private readonly prefix = `vb${process.pid.toString(36)}${Date.now().toString(36)}`;
  private pingTimer: NodeJS.Timeout | undefined;
  private retryTimer: NodeJS.Timeout | undefined;
  private failures = 0;
  private running = false;
  /** Why the current connection is failing, reported when it closes. */
  private closeReason: string | undefined;
  readonly outage: OutageReporter;

  constructor(private readonly opts: AmiClientOptions) {
    super();
    this.outage = new OutageReporter({
      logger: opts.logger,
      system: 'AMI',
      where: `${opts.host}:${opts.port}`,
      impact: opts.outageImpact ?? 'announcements cannot be placed through AMI',
      ...(opts.now ? { now: opts.now } : {}),
    });
  }

  start(): void {
    this.running = true;
    this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    clearTimeout(this.retryTimer);
    clearInterval(this.pingTimer);
    const socket = this.socket;
    if (socket && this.state === 'logged-in') {
      await this.action([['Action', 'Logoff']]).catch(() => undefined);
    }
    socket?.destroy();
    this.setState('stopped');
  }

  get loggedIn(): boolean {
    return this.state === 'logged-in';
  }

  /** Why it is not logged in (for /readyz); undefined when it is. */
  get notReadyReason(): string | undefined {
    if (this.loggedIn) return undefined;
    return (
      this.outage.summary ??
      `${this.state === 'stopped' ? 'not started' : 'connecting'} to ${this.opts.host}:${this.opts.port}`
    );
  }

  nextActionId(kind: string): string {
    return `${this.prefix}-${kind}-${++this.seq}`;
  }

  /** Sends an action; resolves with its Response (Success or not), rejects on loss/timeout. */
  action(
    fields: AmiFields,
    actionId = this.nextActionId(String(fields[0]?.[1] ?? 'action').toLowerCase()),
  ): Promise<AmiMessage> {
    const socket = this.socket;
    if (!socket || socket.destroyed) {
      return Promise.reject(new StepError('AMI_DISCONNECTED', 'connection', 'not connected to the AMI'));
    }
    // Asterisk would answer "line too long" and do nothing: said here, with what was too long.
    const [first, ...rest] = fields;
    const message: AmiFields = [...(first ? [first] : []), ['ActionID', actionId], ...rest];
    const refused = refusedByAsterisk(message);
    if (refused) {
      return Promise.reject(
        new StepError('AMI_ACTION_TOO_LARGE', 'bad-input', `${fields[0]?.[1]} not sent: ${refused}`),
      );
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(actionId);
        reject(
          new StepError(
            'AMI_TIMEOUT',
            'timeout',
            `no AMI response to ${fields[0]?.[1]} within ${this.opts.responseTimeoutMs} ms`,
          ),
        );
      }, this.opts.responseTimeoutMs);
      this.pending.set(actionId, { resolve, reject, timer });
      socket.write(encodeMessage(message));
    });
  }

  /**
   * Sends a list action (e.g. ConfbridgeList) and collects the events with its ActionID until
   * `completeEvent` (e.g. ConfbridgeListComplete). A Response other than Success comes with no
   * items. Rejects (AMI_TIMEOUT, AMI_DISCONNECTED) when the list does not complete in time.
   */
  async listAction(fields: AmiFields, completeEvent: string): Promise<AmiList> {
    const actionId = this.nextActionId(String(fields[0]?.[1] ?? 'list').toLowerCase());
    const items: AmiMessage[] = [];
    let settle: (m: AmiMessage | StepError) => void = () => undefined;
    const completed = new Promise<AmiMessage>((resolve, reject) => {
      settle = (m) => (m instanceof StepError ? reject(m) : resolve(m));
    });
    completed.catch(() => undefined); // observed below, or abandoned with a non-Success response
    // Registered before the action is sent: the items may arrive in the Response's own chunk.
    this.lists.set(actionId, {
      take: (m) => (m.get('Event') === completeEvent ? settle(m) : void items.push(m)),
      fail: (e) => settle(e),
    });
    try {
      const response = await this.action(fields, actionId);
      if (response.get('Response') !== 'Success') return { response, items: [] };
      const timer = setTimeout(
        () =>
          settle(
            new StepError('AMI_TIMEOUT', 'timeout', `no ${completeEvent} within ${this.opts.responseTimeoutMs} ms`),
          ),
        this.opts.responseTimeoutMs,
      );
      try {
        await completed;
      } finally {
        clearTimeout(timer);
      }
      return { response, items };
    } finally {
      this.lists.delete(actionId);
    }
  }

  private connect(): void {
    if (!this.running) return;
    this.setState('connecting');
    const parser = new AmiParser(true);
    const socket = net.connect({ host: this.opts.host, port: this.opts.port });
    this.socket = socket;
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    let greeted = false;
    socket.on('data', (chunk: string) => {
      let messages: AmiMessage[];
      try {
        messages = parser.push(chunk);
      } catch (err) {
        this.opts.logger.error('AMI stream unreadable, reconnecting', { err });
        this.closeReason = 'stream unreadable';
        return void socket.destroy();
      }
      if (!greeted && parser.banner !== undefined) {
        greeted = true;
        if (!parser.banner.startsWith('Asterisk Call Manager/')) {
          this.closeReason = `unexpected banner "${parser.banner}": is BRIDGE_AMI_PORT Asterisk's manager port?`;
          return void socket.destroy();
        }
        void this.login();
      }
      for (const m of messages) this.dispatch(m);
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (this.closeReason ??= err.code ?? err.message));
    socket.on('close', () => this.onClose(socket));
  }

  private async login(): Promise<void> {
    try {
      const res = await this.action([
        ['Action', 'Login'],
        ['Username', this.opts.username],
        ['Secret', this.opts.secret],
        ['Events', LOGIN_EVENTS],
      ]);
      if (res.get('Response') !== 'Success') {
        this.closeReason = `login refused (${res.get('Message') ?? 'no message'}): check BRIDGE_AMI_USERNAME and BRIDGE_AMI_SECRET, and the user in manager.conf`;
        this.setState('auth-failed');
        return void this.socket?.destroy();
      }
      this.failures = 0;
      this.setState('logged-in');
      this.outage.recovered();
      this.pingTimer = setInterval(() => void this.ping(), this.opts.pingIntervalMs);
    } catch {
      this.closeReason = 'login got no answer';
      this.socket?.destroy();
    }
  }

  private async ping(): Promise<void> {
    try {
      await this.action([['Action', 'Ping']]);
    } catch {
      this.closeReason = 'ping unanswered';
      this.socket?.destroy();
    }
  }

  private dispatch(m: AmiMessage): void {
    const id = m.get('ActionID');
    if (m.get('Event') !== undefined) {
      const list = id !== undefined ? this.lists.get(id) : undefined;
      return void (list ? list.take(m) : this.emit('event', m));
    }
    const p = id !== undefined ? this.pending.get(id) : undefined;
    if (!p || id === undefined) return;
    clearTimeout(p.timer);
    this.pending.delete(id);
    p.resolve(m);
  }

  private onClose(socket: net.Socket): void {
    if (this.socket !== socket) return;
    clearInterval(this.pingTimer);
    this.socket = undefined;
    const wasLoggedIn = this.state === 'logged-in';
    const reason =
      this.closeReason ?? (wasLoggedIn ? 'connection closed by Asterisk' : 'connection closed before login');
    this.closeReason = undefined;
    for (const [id, p] of this.pending) {
      clearTimeout(p.timer);
      p.reject(new StepError('AMI_DISCONNECTED', 'connection', 'AMI connection lost'));
      this.pending.delete(id);
    }
    for (const list of this.lists.values())
      list.fail(new StepError('AMI_DISCONNECTED', 'connection', 'AMI connection lost during a list'));
    if (wasLoggedIn) this.emit('disconnect');
    if (!this.running) return;
    this.outage.failed(reason, this.state === 'auth-failed' ? 'error' : 'warn');
    if (this.state !== 'auth-failed') this.setState('disconnected');
    // Capped low: Asterisk is on this host, a connect attempt costs nothing, and every second
    // spent waiting after it is back is a second an announcement waits too.
    const { initialMs, maxMs } = this.opts.backoff ?? { initialMs: 500, maxMs: 5_000 };
    const delay = withJitter(exponentialBackoff(this.failures++, initialMs, maxMs));
    this.reconnects++;
    this.retryTimer = setTimeout(() => this.connect(), delay);
  }

  private setState(state: AmiState): void {
    if (this.state === state) return;
    this.state = state;
    this.emit('state', state);
  }
}
