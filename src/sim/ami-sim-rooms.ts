import { randomUUID } from 'node:crypto';
import * as T from './ami-transcript';
import type { SimPerson } from './ami-sim-types';

/** A channel in a ConfBridge room, with what Asterisk says about it. */
export interface Member {
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

/** Where a list action's answer goes: the socket that asked. */
interface Asker {
  write(text: string): unknown;
}

/**
 * The simulator's ConfBridge rooms: who is in each, the join and leave events (class call) sent
 * through `broadcast`, and the answers to ConfbridgeList and ConfbridgeListRooms, byte for byte
 * as the recorded transcripts have them.
 */
export class SimRooms {
  private readonly rooms = new Map<string, Member[]>();
  private readonly bridgeIds = new Map<string, string>();

  constructor(private readonly broadcast: (eventClass: string, raw: string) => void) {}

  /** Who is in `room` now (people and announcement legs), in the order they joined. */
  inRoom(room: string): { channel: string; callerIdNum: string; callerIdName: string }[] {
    return (this.rooms.get(room) ?? []).map((m) => ({
      channel: m.channel,
      callerIdNum: m.cidNum,
      callerIdName: m.cidName,
    }));
  }

  member(room: string, person: SimPerson): Member | undefined {
    return (this.rooms.get(room) ?? []).find((m) =>
      person.channel !== undefined ? m.channel === person.channel : m.cidNum === person.callerIdNum,
    );
  }

  enter(room: string, member: Member): void {
    const members = this.rooms.get(room) ?? [];
    this.rooms.set(room, [...members, member]);
    if (!this.bridgeIds.has(room)) this.bridgeIds.set(room, randomUUID());
    this.broadcast(
      'call',
      T.fill(T.CONFBRIDGE_JOIN, { ...this.memberValues(room, member), bridgeChannels: String(members.length + 3) }),
    );
  }

  exit(room: string, member: Member): void {
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

  /** The transcript fields that name a member of `room`. */
  memberValues(room: string, m: Member): Record<string, string> {
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

  /** ConfbridgeList of `room`. */
  listMembers(socket: Asker, id: string, room: string): void {
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

  /** ConfbridgeListRooms: every room with someone in it. */
  listRooms(socket: Asker, id: string): void {
    const rooms = [...this.rooms].filter(([, members]) => members.length > 0);
    if (rooms.length === 0) return void socket.write(T.fill(T.NO_ACTIVE_CONFERENCES, { id }));
    socket.write(T.fill(T.CONFBRIDGE_LIST_ROOMS_START, { id }));
    const items = rooms.map(([room, members]) =>
      T.fill(T.CONFBRIDGE_LIST_ROOMS_ITEM, { id, room, parties: String(members.length) }),
    );
    socket.write(items.join('') + T.fill(T.CONFBRIDGE_LIST_ROOMS_COMPLETE, { id, count: String(rooms.length) }));
  }
}
