import net from 'node:net';
import type { AddressInfo } from 'node:net';
import { type AmiMessage, AmiParser, lineBytes, MAX_HEADERS, MAX_LINE_BYTES } from '../pbx/ami-codec';
import * as T from './ami-transcript';
import { SimRooms, type Member } from './ami-sim-rooms';
import { eventMask, parseCallerId, playbackMs, recordOriginate, ringMs } from './ami-sim-fields';
import {
  BRIDGE_RIGHTS,
  type AmiRights,
  type AmiSimOptions,
  type OriginateOutcome,
  type PersonAnswer,
  type RecordedOriginate,
  type SimPerson,
} from './ami-sim-types';

export {
  alertsSaid,
  BRIDGE_RIGHTS,
  LEAST_RIGHTS,
  type AmiRights,
  type AmiSimOptions,
  type OriginateOutcome,
  type PersonAnswer,
  type RecordedOriginate,
  type SimPerson,
} from './ami-sim-types';

/** A logged-in connection and the event classes its Login asked for. */
interface Session {
  socket: net.Socket;
  events: 'all' | Set<string>;
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
  private readonly rooms = new SimRooms((eventClass, raw) => this.broadcast(eventClass, raw));
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
    this.rooms.enter(room, member);
    return member.channel;
  }

  /** `person` (matched by caller id number, or channel) hangs up and leaves `room` (ConfbridgeLeave). */
  leave(room: string, person: SimPerson): void {
    const member = this.rooms.member(room, person);
    if (member) this.rooms.exit(room, member);
  }

  /** Who is in `room` now (people and announcement legs), in the order they joined. */
  inRoom(room: string): { channel: string; callerIdNum: string; callerIdName: string }[] {
    return this.rooms.inRoom(room);
  }

  /**
   * `person`, in `room`, presses 1: DTMFBegin/DTMFEnd (class dtmf), then the UserEvent
   * VeesionClaim that the menu's veesion-claim context raises (class user).
   */
  pressClaim(room: string, person: SimPerson): void {
    const member = this.rooms.member(room, person);
    if (!member) throw new Error(`${person.callerIdNum} is not in room ${room}`);
    const values = this.rooms.memberValues(room, member);
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
        // Asterisk reads a message whole or not at all (its line and header limits).
        if (m.fields.some(([k, v]) => lineBytes(k, v) > MAX_LINE_BYTES)) {
          socket.write(T.fill(T.LINE_TOO_LONG, { id }));
        } else if (m.fields.length > MAX_HEADERS) {
          socket.write(T.fill(T.TOO_MANY_LINES, { id }));
        } else if (action === 'login') {
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
          else if (action === 'confbridgelist') this.rooms.listMembers(socket, id, m.get('Conference') ?? '');
          else this.rooms.listRooms(socket, id);
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

  private nextUniqueid(): string {
    return `${Math.floor(Date.now() / 1000)}.${this.uniq++}`;
  }

  private originate(session: Session, m: AmiMessage, id: string): void {
    const { socket } = session;
    const channel = m.get('Channel') ?? '';
    const rec = recordOriginate(m, id);
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
      if (room !== undefined && leg) this.rooms.enter(room, leg);
      // Unref'd: a long call must not keep a finished test run alive.
      setTimeout(
        () => {
          call.hungUpAt = Date.now();
          if (room !== undefined && leg) this.rooms.exit(room, leg);
          send(T.fill(T.HANGUP, { ...values, leg: '1', state: '6', stateDesc: 'Up' }));
        },
        playbackMs(rec, this.opts.callLengthMs ?? 50),
      ).unref();
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
