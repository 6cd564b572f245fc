import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { type AmiMessage, AmiParser } from '../pbx/ami-codec';
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

/** The alerts a recorded call said: ALERT_IDS for a merged or summary call, else ALERT_ID. */
export function alertsSaid(o: Pick<RecordedOriginate, 'variables'>): string[] {
  const value = (name: string) => o.variables.find((v) => v.startsWith(`${name}=`))?.slice(name.length + 1);
  const many = value('ALERT_IDS');
  if (many !== undefined) return many.split(' ').filter(Boolean);
  const one = value('ALERT_ID');
  return one ? [one] : [];
}

/**
 * What the next originates do: succeed, fail (Reason 0), never send the event, drop the socket
 * after the Response, or answer and hang up at once, in the same chunk (what Asterisk does when
 * Playback's file is missing: OriginateResponse still says Success).
 */
export type OriginateOutcome = 'success' | 'failure' | 'no-event' | 'drop-after-response' | 'early-hangup';

/** What a call to a person's channel does (fixtures/ami/escalation-noanswer-busy-answer.jsonl). */
export type PersonAnswer = 'answer' | 'no-answer' | 'busy';

/** Someone in a room: a staff phone that dialled `<room>@veesion-staff`. */
export interface SimPerson {
  callerIdNum: string;
  callerIdName: string;
  /** Asterisk's channel name; default `PJSIP/<callerIdNum>-<sequence>`. */
  channel?: string;
}

/** An AMI user's classes (manager.conf `read` for events, `write` for actions). */
export interface AmiRights {
  read: string[];
  write: string[];
}

/** deploy/asterisk/manager-veesion.conf. */
export const BRIDGE_RIGHTS: AmiRights = { read: ['call', 'user', 'reporting'], write: ['originate', 'reporting'] };
/** The user of fixtures/ami/claim-least-privilege.jsonl: no key presses, no ConfbridgeList. */
export const LEAST_RIGHTS: AmiRights = { read: ['call'], write: ['originate'] };

/** A channel in a ConfBridge room, with what Asterisk says about it. */
interface Member {
  channel: string;
  cidNum: string;
  cidName: string;
  context: string;
  exten: string;
  priority: string;
  uniqueid: string;
  linkedid: string;
  joinedAt: number;
}

/** A logged-in connection and the event classes its Login asked for. */
interface Session {
  socket: net.Socket;
  events: 'all' | Set<string>;
}

export interface AmiSimOptions {
  username?: string;
  secret?: string;
  /** The AMI user's rights; default BRIDGE_RIGHTS. */
  rights?: AmiRights;
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
 * Records every Originate; can refuse logins, drop sockets, delay or fail originates. Keeps
 * ConfBridge rooms: people join, leave and press the claim key; an announcement's `;2` leg is in
 * its room while the call is up; ConfbridgeList answers from that. Events go to the sessions
 * whose Login `Events` and user's `read` rights both include their class, as on Asterisk.
 */
export class AmiSimulator {
  readonly originates: RecordedOriginate[] = [];
  readonly actions: AmiMessage[] = [];
  refuseLogins = false;
  /** While set, Ping actions get no answer (a hung Asterisk). */
  ignorePings = false;
  originateDelayMs: number;
  /** The AMI user's rights, read at each action and event (so a test may change them). */
  rights: AmiRights;
  /** Caps how long an unanswered person rings (the Originate's Timeout otherwise). */
  maxRingMs: number | undefined;
  private readonly rooms = new Map<string, Member[]>();
  private readonly bridgeIds = new Map<string, string>();
  private readonly people = new Map<string, PersonAnswer>();
  private readonly sessions = new Set<Session>();
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
    this.rights = opts.rights ?? BRIDGE_RIGHTS;
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

  /** Calls to `channel` (e.g. `PJSIP/201`) are answered, ring out (Reason 3) or are busy (Reason 5). */
  personChannel(channel: string, answer: PersonAnswer): void {
    this.people.set(channel, answer);
  }

  /** `person` enters `room` (ConfbridgeJoin); returns its channel name. */
  join(room: string, person: SimPerson): string {
    const uniqueid = this.nextUniqueid();
    const member: Member = {
      channel: person.channel ?? `PJSIP/${person.callerIdNum}-${(this.seq++).toString(16).padStart(8, '0')}`,
      cidNum: person.callerIdNum,
      cidName: person.callerIdName,
      context: 'veesion-staff',
      exten: room,
      priority: '2',
      uniqueid,
      linkedid: uniqueid,
      joinedAt: Date.now(),
    };
    this.enter(room, member);
    return member.channel;
  }

  /** `person` (matched by caller id number, or channel) hangs up and leaves `room` (ConfbridgeLeave). */
  leave(room: string, person: SimPerson): void {
    const member = this.member(room, person);
    if (member) this.exit(room, member);
  }

  /** Who is in `room` now (people and announcement legs), in the order they joined. */
  inRoom(room: string): { channel: string; callerIdNum: string; callerIdName: string }[] {
    return (this.rooms.get(room) ?? []).map((m) => ({
      channel: m.channel,
      callerIdNum: m.cidNum,
      callerIdName: m.cidName,
    }));
  }

  /**
   * `person`, in `room`, presses 1: DTMFBegin/DTMFEnd (class dtmf), then the UserEvent
   * VeesionClaim that the menu's veesion-claim context raises (class user).
   */
  pressClaim(room: string, person: SimPerson): void {
    const member = this.member(room, person);
    if (!member) throw new Error(`${person.callerIdNum} is not in room ${room}`);
    const values = this.memberValues(room, member);
    this.broadcast('dtmf', T.fill(T.DTMF_BEGIN, { ...values, digit: '1' }));
    // DTMFEnd and the UserEvent came in one chunk from Asterisk.
    for (const session of this.sessions) {
      const chunk =
        (this.receives(session, 'dtmf') ? T.fill(T.DTMF_END, { ...values, digit: '1' }) : '') +
        (this.receives(session, 'user')
          ? T.fill(T.USER_EVENT_CLAIM, { ...values, context: 'veesion-claim', exten: 's', priority: '1' })
          : '');
      if (chunk) session.socket.write(chunk);
    }
  }

  /**
   * The person on an escalation call (`channel`, e.g. PJSIP/203) presses 1: the
   * veesion-escalation dialplan sets the caller id name to the channel called (XH_CLAIMER) and
   * raises the VeesionClaim from veesion-claim,esc, for the incident's room and id (XH_ROOM, XH_INCIDENT).
   */
  pressClaimOnCall(channel: string, room: string, incidentId: string, origin = 'veesion'): void {
    const uniqueid = this.nextUniqueid();
    const values = {
      room,
      bridgeId: '',
      channel: `${channel}-${(this.seq++).toString(16).padStart(8, '0')}`,
      cidNum: origin,
      cidName: channel,
      context: 'veesion-claim',
      exten: 'esc',
      priority: '1',
      uniqueid,
      linkedid: uniqueid,
    };
    // The escalation dialplan adds `Incident:` after `Room:` (deploy/asterisk/extensions-veesion.conf).
    this.broadcast(
      'user',
      T.fill(T.USER_EVENT_CLAIM, values).replace(`Room: ${room}\r\n`, `Room: ${room}\r\nIncident: ${incidentId}\r\n`),
    );
  }

  /** Sends raw event bytes to every session that receives `eventClass` (e.g. a forged UserEvent). */
  broadcast(eventClass: string, raw: string): void {
    for (const session of this.sessions) if (this.receives(session, eventClass)) session.socket.write(raw);
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
    let session: Session | undefined;
    socket.on('close', () => session && this.sessions.delete(session));
    socket.write(T.BANNER);
    socket.on('data', (chunk: string) => {
      for (const m of parser.push(chunk)) {
        this.actions.push(m);
        const id = m.get('ActionID') ?? '';
        const action = (m.get('Action') ?? '').toLowerCase();
        if (action === 'login') {
          if (session) this.sessions.delete(session);
          session = this.login(socket, m, id);
        } else if (!session) {
          socket.write(T.fill(T.NOT_AUTHENTICATED, { id }));
        } else if (action === 'ping') {
          if (this.ignorePings) continue;
          socket.write(T.fill(T.PONG, { id, timestamp: (Date.now() / 1000).toFixed(6) }));
        } else if (action === 'originate') {
          if (this.may('originate')) this.originate(session, m, id);
          else socket.write(T.fill(T.PERMISSION_DENIED, { id }));
        } else if (action === 'confbridgelist' || action === 'confbridgelistrooms') {
          if (!this.may('reporting')) socket.write(T.fill(T.PERMISSION_DENIED, { id }));
          else if (action === 'confbridgelist') this.listMembers(socket, id, m.get('Conference') ?? '');
          else this.listRooms(socket, id);
        } else if (action === 'logoff') {
          socket.end(T.fill(T.GOODBYE, { id }));
        }
      }
    });
  }

  private login(socket: net.Socket, m: AmiMessage, id: string): Session | undefined {
    const ok =
      !this.refuseLogins &&
      m.get('Username') === (this.opts.username ?? 'bridge') &&
      m.get('Secret') === (this.opts.secret ?? 'bridgesecret');
    if (ok) {
      socket.write(T.fill(T.LOGIN_OK, { id }));
      const session: Session = { socket, events: eventMask(m.get('Events')) };
      this.sessions.add(session);
      return session;
    }
    socket.write(T.fill(T.LOGIN_FAILED, { id }));
    setTimeout(() => socket.destroy(), this.opts.loginFailureCloseMs ?? 1000);
    return undefined;
  }

  /** May the AMI user send actions of this class? */
  private may(actionClass: string): boolean {
    return this.rights.write.includes(actionClass) || this.rights.write.includes('all');
  }

  /** Does this session get events of this class: its user may read them and its Login asked? */
  private receives(session: Session, eventClass: string): boolean {
    const readable = this.rights.read.includes(eventClass) || this.rights.read.includes('all');
    return readable && (session.events === 'all' || session.events.has(eventClass)) && !session.socket.destroyed;
  }

  private listMembers(socket: net.Socket, id: string, room: string): void {
    const members = this.rooms.get(room) ?? [];
    // app_confbridge.c: no room open at all, or not this one (the recorded case).
    if (room === '') return void socket.write(T.fill(T.NO_CONFERENCE_NAME, { id }));
    if (this.rooms.size === 0) return void socket.write(T.fill(T.NO_ACTIVE_CONFERENCES, { id }));
    if (members.length === 0) return void socket.write(T.fill(T.NO_CONFERENCE, { id }));
    socket.write(T.fill(T.CONFBRIDGE_LIST_START, { id }));
    const now = Date.now();
    const items = members.map((m) =>
      T.fill(T.CONFBRIDGE_LIST_ITEM, {
        ...this.memberValues(room, m),
        id,
        answeredTime: String(Math.floor((now - m.joinedAt) / 1000)),
      }),
    );
    socket.write(items.join('') + T.fill(T.CONFBRIDGE_LIST_COMPLETE, { id, count: String(members.length) }));
  }

  private listRooms(socket: net.Socket, id: string): void {
    const rooms = [...this.rooms].filter(([, members]) => members.length > 0);
    if (rooms.length === 0) return void socket.write(T.fill(T.NO_ACTIVE_CONFERENCES, { id }));
    socket.write(T.fill(T.CONFBRIDGE_LIST_ROOMS_START, { id }));
    const items = rooms.map(([room, members]) =>
      T.fill(T.CONFBRIDGE_LIST_ROOMS_ITEM, { id, room, parties: String(members.length) }),
    );
    socket.write(items.join('') + T.fill(T.CONFBRIDGE_LIST_ROOMS_COMPLETE, { id, count: String(rooms.length) }));
  }

  private member(room: string, person: SimPerson): Member | undefined {
    return (this.rooms.get(room) ?? []).find((m) =>
      person.channel !== undefined ? m.channel === person.channel : m.cidNum === person.callerIdNum,
    );
  }

  private enter(room: string, member: Member): void {
    const members = this.rooms.get(room) ?? [];
    this.rooms.set(room, [...members, member]);
    if (!this.bridgeIds.has(room)) this.bridgeIds.set(room, randomUUID());
    this.broadcast(
      'call',
      T.fill(T.CONFBRIDGE_JOIN, { ...this.memberValues(room, member), bridgeChannels: String(members.length + 3) }),
    );
  }

  private exit(room: string, member: Member): void {
    const members = this.rooms.get(room) ?? [];
    if (!members.includes(member)) return;
    // Asterisk counts the leaving channel (and its own two) in BridgeNumChannels.
    this.broadcast(
      'call',
      T.fill(T.CONFBRIDGE_LEAVE, { ...this.memberValues(room, member), bridgeChannels: String(members.length + 2) }),
    );
    const rest = members.filter((m) => m !== member);
    if (rest.length > 0) return void this.rooms.set(room, rest);
    this.rooms.delete(room);
    this.bridgeIds.delete(room);
  }

  private memberValues(room: string, m: Member): Record<string, string> {
    const { channel, cidNum, cidName, context, exten, priority, uniqueid, linkedid } = m;
    return {
      room,
      bridgeId: this.bridgeIds.get(room) ?? '',
      channel,
      cidNum,
      cidName,
      context,
      exten,
      priority,
      uniqueid,
      linkedid,
    };
  }

  private nextUniqueid(): string {
    return `${Math.floor(Date.now() / 1000)}.${this.uniq++}`;
  }

  private originate(session: Session, m: AmiMessage, id: string): void {
    const { socket } = session;
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
    // A person's channel answers as told; other calls take the next failNext() outcome.
    const person = this.people.get(channel);
    const outcome = person ? 'success' : (this.outcomes.shift() ?? 'success');
    if (outcome === 'drop-after-response') return void setTimeout(() => socket.destroy(), 1);
    if (outcome === 'no-event') return;
    const values = this.callValues(rec, id);
    // Call events (OriginateResponse included) go to every session that receives class call,
    // as Asterisk's manager_event does: another daemon on the same AMI sees this call answered.
    const send = (text: string) => this.broadcast('call', text);
    // A Local channel that is no person's runs the conference room `<exten>@<context>`.
    const room = person === undefined && channel.startsWith('Local/') ? values.exten : undefined;
    // Once queued, the call goes ahead even if the session that asked for it is gone (a daemon
    // killed right after its Originate): Asterisk places it all the same.
    setTimeout(() => {
      if (outcome === 'failure') return send(T.fill(T.ORIGINATE_RESPONSE_FAILURE, { ...values, channel, reason: '0' }));
      if (person === 'busy' || person === 'no-answer')
        return this.notAnswered(send, values, person, ringMs(m.get('Timeout'), this.maxRingMs));
      send(
        T.fill(T.NEWCHANNEL, { ...values, leg: '1', state: '0', stateDesc: 'Down' }) +
          T.fill(T.NEWCHANNEL, { ...values, leg: '2', state: '4', stateDesc: 'Ring' }) +
          T.fill(T.NEWSTATE_UP, { ...values, leg: '1', state: '6', stateDesc: 'Up' }),
      );
      const call = {
        exten: values.exten ?? '',
        actionId: id,
        answeredAt: Date.now(),
      } as AmiSimulator['calls'][number];
      this.calls.push(call);
      if (outcome === 'early-hangup') {
        // The response and the hang-up in one chunk: the tightest order a client must handle.
        call.hungUpAt = call.answeredAt;
        return send(
          T.fill(T.ORIGINATE_RESPONSE_SUCCESS, values) +
            T.fill(T.HANGUP, { ...values, leg: '1', state: '6', stateDesc: 'Up' }),
        );
      }
      send(T.fill(T.ORIGINATE_RESPONSE_SUCCESS, values));
      // The `;2` leg joins the room after the answer and leaves it before the hang-up (recorded order).
      const leg = room === undefined ? undefined : this.announcementLeg(rec, values);
      if (room !== undefined && leg) this.enter(room, leg);
      // Unref'd: a long call must not keep a finished test run alive.
      setTimeout(() => {
        call.hungUpAt = Date.now();
        if (room !== undefined && leg) this.exit(room, leg);
        send(T.fill(T.HANGUP, { ...values, leg: '1', state: '6', stateDesc: 'Up' }));
      }, this.playbackMs(rec)).unref();
    }, this.originateDelayMs);
  }

  /** A person's phone rang out (Reason 3, after the ring time) or was busy (Reason 5, at once). */
  private notAnswered(
    send: (text: string) => void,
    values: Record<string, string>,
    answer: 'busy' | 'no-answer',
    ringFor: number,
  ): void {
    send(
      T.fill(T.NEWCHANNEL, { ...values, leg: '1', state: '0', stateDesc: 'Down' }) +
        T.fill(T.NEWCHANNEL, { ...values, leg: '2', state: '4', stateDesc: 'Ring' }),
    );
    const failed = (reason: string) => send(T.fill(T.ORIGINATE_RESPONSE_NOT_ANSWERED, { ...values, reason }));
    if (answer === 'busy') return failed('5');
    setTimeout(() => failed('3'), ringFor).unref();
  }

  /** The announcement call's `;2` leg, which carries the Originate's caller id into the room. */
  private announcementLeg(rec: RecordedOriginate, values: Record<string, string>): Member {
    const { num, name } = parseCallerId(rec.callerId ?? '');
    return {
      channel: `${rec.channel}-${values.seq ?? ''};2`,
      cidNum: num,
      cidName: name,
      context: values.context ?? '',
      exten: values.exten ?? '',
      priority: '2',
      uniqueid: this.nextUniqueid(),
      linkedid: values.linkedid ?? '',
      joinedAt: Date.now(),
    };
  }

  /** How long Playback of the call's file runs: its WAV length, or 1 ms if it cannot be read. */
  private playbackMs(rec: RecordedOriginate): number {
    const audio =
      rec.application === 'Playback'
        ? rec.data
        : rec.variables.find((v) => v.startsWith('ALERT_AUDIO='))?.slice('ALERT_AUDIO='.length);
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

/** Login `Events`: absent or on/yes/true = every class, off/no/false = none, else a comma list. */
function eventMask(events: string | undefined): 'all' | Set<string> {
  const v = (events ?? 'on').trim().toLowerCase();
  if (['on', 'yes', 'true', 'y', 't', '1'].includes(v)) return 'all';
  if (['off', 'no', 'false', 'n', 'f', '0'].includes(v)) return new Set();
  return new Set(v.split(',').map((c) => c.trim()));
}

/** How long an unanswered call rings: the Originate's Timeout (ms; Asterisk's default 30 s), capped. */
function ringMs(timeout: string | undefined, cap: number | undefined): number {
  const asked = timeout !== undefined && /^[0-9]+$/.test(timeout) ? Number(timeout) : 30_000;
  return Math.min(asked, cap ?? asked);
}

/** `"Anna" <201>` -> Anna, 201; a bare `201` is both. */
function parseCallerId(callerId: string): { num: string; name: string } {
  const num = /<([^>]*)>/.exec(callerId)?.[1] ?? callerId.trim();
  const name = /^\s*"([^"]*)"/.exec(callerId)?.[1] ?? num;
  return { num: num || '<unknown>', name: name || '<unknown>' };
}
