import { z } from 'zod';
import { cleanName } from '../pipeline/person-name';
import { keyShape } from './key-shape';

/**
 * Inbound Wildix events, parsed at the edge into what the bridge acts on.
 * The envelope and the call events follow Wildix's documentation (docs.wildix.com, Calls and
 * Conferences -> Webhooks) and `fixtures/wildix/call-end.body.json`, which is the `call:end`
 * example of Wildix's public `wildix-webhook-example` repository re-signed by us, not a delivery
 * recorded from a PBX. Live calls (`call:live:*`) carry who called whom in `data.flows[]`, one
 * flow per leg; a conference join carries its participant and the conference's `data.id` but no
 * subject, which comes with the `conference:live:progress` events of the same id. Chat events
 * are documented only in part (see docs/chat.md, "Wildix events in"): a reply is `chat:message:new`
 * with `data.channel.channelId` and `data.message.{text, type, user}` (Wildix's chatbot SDK); a
 * button press is assumed to be `chat:message:action` with the same channel and user and
 * `data.action.id`, the id the bridge gave the button.
 */
export interface ChatUser {
  id: string;
  /** What follow-ups and the conference call this person: the name, else the email, else the id. */
  display: string;
  bot: boolean;
}

export type WildixEvent = { id: string; type: string; time: number } & (
  | { kind: 'chat-action'; channelId: string; actionId: string; user: ChatUser }
  | { kind: 'chat-message'; channelId: string; text: string; user: ChatUser }
  /** call:start / call:update / call:end, and call:live:* (each flow's parties): who called whom. */
  | { kind: 'call'; destination: string | null; parties: CallParty[]; status: string | null }
  /**
   * conference:live:join / conference:live:progress: who is in a conference. A join names its
   * conference by id only (subject null); a progress event carries both.
   */
  | { kind: 'conference'; conferenceId: string | null; subject: string | null; participants: string[] }
  /** A type the bridge reads but that asks nothing of it (a system chat message). */
  | { kind: 'other' }
  /** A type the bridge does not read (presence, analytics...): acknowledged, counted; `shape` is its key names, no value. */
  | { kind: 'unread'; shape: string }
);

export interface CallParty {
  /** caller or callee */
  role: string;
  phone: string | null;
  who: string | null;
}

const text = (max: number) => z.string().max(max);
const id = z.union([z.string().min(1).max(200), z.number().int().transform(String)]);
const user = z.looseObject({
  id,
  name: text(200).nullish(),
  email: text(320).nullish(),
  bot: z.boolean().nullish(),
});
const channel = z.looseObject({ channelId: z.string().min(1).max(200) });
const party = z
  .looseObject({ phone: text(80).nullish(), name: text(200).nullish(), userExtension: text(80).nullish() })
  .nullish();
const participant = z.looseObject({
  name: text(200).nullish(),
  email: text(320).nullish(),
  pbxExtension: text(80).nullish(),
});

const envelope = z.looseObject({
  id: z.string().min(1).max(200),
  type: z.string().min(1).max(100),
  time: z.number().int().nonnegative(),
  data: z.unknown(),
});

const chatAction = z.looseObject({ channel, action: z.looseObject({ id: z.string().min(1).max(300) }), user });
const chatMessage = z.looseObject({
  channel,
  message: z.looseObject({ text: text(4000).nullish(), type: z.string().max(40).nullish(), user }),
});
const call = z.looseObject({
  status: text(40).nullish(),
  destination: text(80).nullish(),
  caller: party,
  callee: party,
});
const flow = z.looseObject({
  status: text(40).nullish(),
  callStatus: text(40).nullish(),
  destination: text(80).nullish(),
  caller: party,
  callee: party,
});
const liveCall = z.looseObject({ flows: z.array(flow).max(100) });
const conference = z.looseObject({
  id: text(200).nullish(),
  subject: text(200).nullish(),
  participant: participant.nullish(),
  participants: z.array(participant).max(500).nullish(),
});

export type ParsedWildixEvent = { ok: true; event: WildixEvent } | { ok: false; reason: string };

/** A JSON body -> a WildixEvent, or why not (an event the bridge cannot read is a 400). */
export function parseWildixEvent(body: unknown): ParsedWildixEvent {
  const env = envelope.safeParse(body);
  if (!env.success) return { ok: false, reason: `not a Wildix event: ${firstIssue(env.error)}` };
  const head = { id: env.data.id, type: env.data.type, time: env.data.time };
  const data = env.data.data;
  const bad = (e: z.ZodError) => ({ ok: false as const, reason: `${head.type} event: ${firstIssue(e)}` });
  switch (head.type) {
    case 'chat:message:action': {
      const p = chatAction.safeParse(data);
      if (!p.success) return bad(p.error);
      return {
        ok: true,
        event: {
          ...head,
          kind: 'chat-action',
          channelId: p.data.channel.channelId,
          actionId: p.data.action.id,
          user: chatUser(p.data.user),
        },
      };
    }
    case 'chat:message:new': {
      const p = chatMessage.safeParse(data);
      if (!p.success) return bad(p.error);
      const m = p.data.message;
      // System messages (joins, renames) are not replies.
      if (m.type && m.type !== 'regular') return { ok: true, event: { ...head, kind: 'other' } };
      return {
        ok: true,
        event: {
          ...head,
          kind: 'chat-message',
          channelId: p.data.channel.channelId,
          text: m.text ?? '',
          user: chatUser(m.user),
        },
      };
    }
    case 'call:start':
    case 'call:update':
    case 'call:end': {
      const p = call.safeParse(data);
      if (!p.success) return bad(p.error);
      const parties = [
        ['caller', p.data.caller],
        ['callee', p.data.callee],
      ] as const;
      return {
        ok: true,
        event: {
          ...head,
          kind: 'call',
          destination: p.data.destination ?? null,
          status: p.data.status ?? null,
          parties: parties.map(([role, x]) => ({
            role,
            phone: x?.phone ?? null,
            who: x ? person(x.name, x.userExtension) : null,
          })),
        },
      };
    }
    case 'conference:live:join':
    case 'conference:live:progress': {
      const p = conference.safeParse(data);
      if (!p.success) return bad(p.error);
      const people = [...(p.data.participant ? [p.data.participant] : []), ...(p.data.participants ?? [])];
      return {
        ok: true,
        event: {
          ...head,
          kind: 'conference',
          conferenceId: p.data.id ?? null,
          subject: p.data.subject ?? null,
          participants: people.map((x) => person(x.name ?? x.email, x.pbxExtension) ?? 'someone'),
        },
      };
    }
    default: {
      // Live call events with legs (progress, completed...); others of the family (none documented) are not read.
      const live = head.type.startsWith('call:live:') && typeof data === 'object' && data !== null && 'flows' in data;
      if (!live) return { ok: true, event: { ...head, kind: 'unread', shape: keyShape(body) } };
      const p = liveCall.safeParse(data);
      if (!p.success) return bad(p.error);
      return { ok: true, event: { ...head, kind: 'call', ...flowsCall(p.data.flows) } };
    }
  }
}

/**
 * The legs of a live call as one call: every leg's caller and callee (a leg without a callee is
 * to its destination), the last leg's destination and status.
 */
function flowsCall(flows: z.infer<typeof flow>[]): {
  destination: string | null;
  parties: CallParty[];
  status: string | null;
} {
  const parties = new Map<string, CallParty>();
  for (const f of flows) {
    const callee = f.callee ?? (f.destination ? { phone: f.destination, name: null, userExtension: null } : null);
    for (const [role, x] of [
      ['caller', f.caller],
      ['callee', callee],
    ] as const) {
      const p: CallParty = { role, phone: x?.phone ?? null, who: x ? person(x.name, x.userExtension) : null };
      if (p.phone !== null || p.who !== null) parties.set(JSON.stringify(p), p);
    }
  }
  const last = flows[flows.length - 1];
  return {
    destination: last?.destination ?? null,
    parties: [...parties.values()],
    status: last?.status ?? last?.callStatus ?? null,
  };
}

/** Names are spoken, posted and printed: each is made to keep the names rule. */
function chatUser(u: z.infer<typeof user>): ChatUser {
  return {
    id: u.id,
    display: cleanName(u.name) ?? cleanName(u.email) ?? cleanName(u.id) ?? 'someone',
    bot: u.bot === true,
  };
}

/** "Anna (1001)", "1001", or null. */
function person(name: string | null | undefined, extension: string | null | undefined): string | null {
  const n = cleanName(name);
  const x = cleanName(extension);
  return cleanName(n && x ? `${n} (${x})` : (n ?? x)) ?? null;
}

function firstIssue(e: z.ZodError): string {
  const i = e.issues[0];
  return i ? `${i.path.join('.') || '(body)'}: ${i.message}` : 'invalid';
}
