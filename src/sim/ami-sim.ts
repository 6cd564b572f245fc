import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { AmiMessage, AmiParser } from '../pbx/ami-codec';
import { readWavInfo } from '../tts/wav';
import * as T from './ami-transcript';

export interface RecordedOriginate {
  actionId: string;
  channel: string;
  application?: string;
  data?: string;
  context?: string;
  exten?: string;
  callerId?: string;
  variables: string[];
  /** Every header as received, to check that nothing was smuggled in. */
  fields: ReadonlyArray<readonly [string, string]>;
  at: number;
}

/**
 * What the next originates do: succeed, fail (Reason 0), never send the event, drop the socket
 * after the Response, or answer and hang up at once, in the same chunk (what Asterisk does when
 * Playback's file is missing: OriginateResponse still says Success).
 */
export type OriginateOutcome = 'success' | 'failure' | 'no-event' | 'drop-after-response' | 'early-hangup';

export interface AmiSimOptions {
  username?: string;
  secret?: string;
  /** Delay between "queued" and OriginateResponse (a real call takes ~1-2 ms on loopback). */
  originateDelayMs?: number;
  /**
   * How long an answered call stays up when it plays no file of ours (dialplan mode without
   * ALERT_AUDIO). A Playback call lasts as long as its audio file, and ends at once if the file
   * is missing, as on a real Asterisk.
   */
  callLengthMs?: number;
  /** How long Asterisk waits before closing after a failed login (about 1 s). */
  loginFailureCloseMs?: number;
}

/**
 * An Asterisk Manager Interface server speaking the messages of fixtures/ami, on port 0.
 * Records every Originate; can refuse logins, drop sockets, delay or fail originates.
 */
export class AmiSimulator {
  readonly originates: RecordedOriginate[] = [];
  readonly actions: AmiMessage[] = [];
  refuseLogins = false;
  /** While set, Ping actions get no answer (a hung Asterisk). */
  ignorePings = false;
  originateDelayMs: number;
  private readonly outcomes: OriginateOutcome[] = [];
  private readonly server = net.createServer((s) => this.accept(s));
  private readonly sockets = new Set<net.Socket>();
  private seq = 0x0b;
  private uniq = 25;
  private readonly listeners: ((o: RecordedOriginate) => void)[] = [];
  /** Every call's answer and hang-up times, by conference exten (to check for overlaps). */
  readonly calls: { exten: string; actionId: string; answeredAt: number; hungUpAt?: number }[] = [];

  constructor(private readonly opts: AmiSimOptions = {}) {
    this.originateDelayMs = opts.originateDelayMs ?? 2;
  }

  /** Listens on `port` (0: any); an outage is stop() then start(the same port). */
  async start(port = 0): Promise<number> {
    await new Promise<void>((resolve) => this.server.listen(port, '127.0.0.1', resolve));
    return this.port;
  }

  get port(): number {
    return (this.server.address() as AddressInfo).port;
  }

  get connections(): number {
    return this.sockets.size;
  }

  /** The next `count` originates end as `outcome`; after them, success again. */
  failNext(count: number, outcome: OriginateOutcome): void {
    for (let i = 0; i < count; i++) this.outcomes.push(outcome);
  }

  onOriginate(listener: (o: RecordedOriginate) => void): void {
    this.listeners.push(listener);
  }

  dropConnections(): void {
    for (const s of this.sockets) s.destroy();
  }

  async stop(): Promise<void> {
    this.dropConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: net.Socket): void {
    this.sockets.add(socket);
    socket.setEncoding('utf8');
    socket.setNoDelay(true);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => undefined);
    const parser = new AmiParser(false);
    let authed = false;
    socket.write(T.BANNER);
    socket.on('data', (chunk: string) => {
      for (const m of parser.push(chunk)) {
        this.actions.push(m);
        const id = m.get('ActionID') ?? '';
        const action = (m.get('Action') ?? '').toLowerCase();
        if (action === 'login') {
          authed = this.login(socket, m, id);
        } else if (!authed) {
          socket.write(T.fill(T.NOT_AUTHENTICATED, { id }));
        } else if (action === 'ping') {
          if (this.ignorePings) continue;
          socket.write(T.fill(T.PONG, { id, timestamp: (Date.now() / 1000).toFixed(6) }));
        } else if (action === 'originate') {
          this.originate(socket, m, id);
        } else if (action === 'logoff') {
          socket.end(T.fill(T.GOODBYE, { id }));
        }
      }
    });
  }

  private login(socket: net.Socket, m: AmiMessage, id: string): boolean {
    const ok = !this.refuseLogins && m.get('Username') === (this.opts.username ?? 'bridge') && m.get('Secret') === (this.opts.secret ?? 'bridgesecret');
    if (ok) {
      socket.write(T.fill(T.LOGIN_OK, { id }));
      return true;
    }
    socket.write(T.fill(T.LOGIN_FAILED, { id }));
    setTimeout(() => socket.destroy(), this.opts.loginFailureCloseMs ?? 1000);
    return false;
  }

  private originate(socket: net.Socket, m: AmiMessage, id: string): void {
    const channel = m.get('Channel') ?? '';
    const rec: RecordedOriginate = {
      actionId: id,
      channel,
      application: m.get('Application'),
      data: m.get('Data'),
      context: m.get('Context'),
      exten: m.get('Exten'),
      callerId: m.get('CallerID'),
      variables: m.getAll('Variable'),
      fields: m.fields,
      at: Date.now(),
    };
    if (!channel.includes('/')) return void socket.write(T.fill(T.INVALID_CHANNEL, { id }));
    this.originates.push(rec);
    for (const l of this.listeners) l(rec);
    socket.write(T.fill(T.ORIGINATE_QUEUED, { id }));
    const outcome = this.outcomes.shift() ?? 'success';
    if (outcome === 'drop-after-response') return void setTimeout(() => socket.destroy(), 1);
    if (outcome === 'no-event') return;
    const values = this.callValues(rec, id);
    setTimeout(() => {
      if (socket.destroyed) return;
      if (outcome === 'failure') {
        socket.write(T.fill(T.ORIGINATE_RESPONSE_FAILURE, { ...values, channel, reason: '0' }));
        return;
      }
      socket.write(T.fill(T.NEWCHANNEL, { ...values, leg: '1', state: '0', stateDesc: 'Down' }) +
        T.fill(T.NEWCHANNEL, { ...values, leg: '2', state: '4', stateDesc: 'Ring' }) +
        T.fill(T.NEWSTATE_UP, { ...values, leg: '1', state: '6', stateDesc: 'Up' }));
      const call = { exten: values['exten'] ?? '', actionId: id, answeredAt: Date.now() } as AmiSimulator['calls'][number];
      this.calls.push(call);
      if (outcome === 'early-hangup') {
        // The response and the hang-up in one chunk: the tightest order a client must handle.
        call.hungUpAt = call.answeredAt;
        return void socket.write(T.fill(T.ORIGINATE_RESPONSE_SUCCESS, values) + T.fill(T.HANGUP, { ...values, leg: '1', state: '6', stateDesc: 'Up' }));
      }
      socket.write(T.fill(T.ORIGINATE_RESPONSE_SUCCESS, values));
      setTimeout(() => {
        call.hungUpAt = Date.now();
        if (!socket.destroyed) socket.write(T.fill(T.HANGUP, { ...values, leg: '1', state: '6', stateDesc: 'Up' }));
      }, this.playbackMs(rec));
    }, this.originateDelayMs);
  }

  /** How long Playback of the call's file runs: its WAV length, or 1 ms if it cannot be read. */
  private playbackMs(rec: RecordedOriginate): number {
    const audio = rec.application === 'Playback' ? rec.data : rec.variables.find((v) => v.startsWith('ALERT_AUDIO='))?.slice('ALERT_AUDIO='.length);
    if (audio === undefined) return this.opts.callLengthMs ?? 50;
    try {
      return readWavInfo(readFileSync(`${audio}.wav`)).durationMs;
    } catch {
      return 1;
    }
  }

  private callValues(rec: RecordedOriginate, id: string): Record<string, string> {
    const at = rec.channel.indexOf('/');
    const [exten = '', context = ''] = rec.channel.slice(at + 1).split('@');
    const uniqueid = `${Math.floor(Date.now() / 1000)}.${this.uniq++}`;
    return {
      id,
      channel: rec.channel,
      seq: (this.seq++).toString(16).padStart(8, '0'),
      uniqueid,
      linkedid: uniqueid,
      cid: /<([^>]*)>/.exec(rec.callerId ?? '')?.[1] ?? '<unknown>',
      context,
      exten,
      application: rec.application ?? '',
      data: rec.data ?? '',
    };
  }
}
