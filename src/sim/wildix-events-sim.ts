import http from 'node:http';
import { createHmac, randomUUID } from 'node:crypto';

/** How an event is signed: right, with another secret, or not at all. */
export type Signing = 'valid' | 'forged' | 'none';

export interface SimChatUser {
  id: string;
  name: string;
  email?: string;
  bot?: boolean;
}

export interface SimParticipant {
  name: string;
  email?: string;
  pbxExtension?: string;
}

export interface SentEvent {
  status: number;
  body: string;
}

/**
 * The PBX's webhook integration as Wildix documents it: events in the
 * envelope `{id, pbx, time, company, type, integrationId, data}`, POSTed as JSON with
 * `x-signature` = hex HMAC-SHA256 of the raw body keyed with the integration secret. Call and
 * conference events follow docs.wildix.com's examples (Calls and Conferences -> Webhooks) and
 * the public `wildix-webhook-example` repository (events/*.json). Chat events follow the x-bees
 * chatbot SDK (`chat:message:new`) and, for button presses, the shape docs/chat.md writes down as
 * an assumption (`chat:message:action`). Sends to one URL.
 */
export class WildixEventsSender {
  /** Every event sent, with the daemon's answer. */
  readonly sent: { event: Record<string, unknown>; status: number }[] = [];
  url = '';

  constructor(
    readonly secret: string,
    readonly pbx = '221100001bab',
    readonly company = 'it_w118741',
  ) {}

  envelope(type: string, data: Record<string, unknown>, id = `ev_${randomUUID()}`): Record<string, unknown> {
    return { id, pbx: this.pbx, time: Date.now(), company: this.company, type, integrationId: 'sim8qkm', data };
  }

  /** A button of an alert's message pressed by `user` in `channelId`. */
  press(channelId: string, actionId: string, user: SimChatUser, signing: Signing = 'valid'): Promise<SentEvent> {
    return this.send(
      this.envelope('chat:message:action', { channel: { channelId }, action: { id: actionId }, user }),
      signing,
    );
  }

  /** A message `user` wrote in `channelId`. */
  reply(channelId: string, text: string, user: SimChatUser, signing: Signing = 'valid'): Promise<SentEvent> {
    return this.send(
      this.envelope('chat:message:new', {
        channel: { channelId, memberCount: 3 },
        message: { messageId: `m_${randomUUID()}`, text, type: 'regular', user },
      }),
      signing,
    );
  }

  /** A PBX call event to `destination` (the room number for a conference), from extension `from`. */
  call(
    type: 'call:start' | 'call:update' | 'call:end',
    destination: string,
    from: { phone: string; name: string },
  ): Promise<SentEvent> {
    const party = (p: { phone: string; name: string }) => ({
      type: 'LOCAL',
      phone: p.phone,
      name: p.name,
      userExtension: p.phone,
      email: null,
    });
    return this.send(
      this.envelope(type, {
        status: type === 'call:end' ? 'COMPLETED' : 'CONNECTED',
        caller: party(from),
        callee: { type: 'LOCAL', phone: destination, name: null },
        destination,
        service: null,
        tags: [],
        flags: [],
      }),
    );
  }

  /**
   * A live call's progress as docs.wildix.com (Calls -> Webhooks, `call:live:progress`) shows
   * it: the envelope's id is the call's, who called whom is in `data.flows[]`, one flow per leg
   * (caller, destination, status; no callee on an internal call's leg).
   */
  liveCall(
    destination: string,
    from: { phone: string; name: string },
    status = 'CONNECTED',
    callId = `${this.company}_${Date.now() / 1000}`,
  ): Promise<SentEvent> {
    const time = Date.now();
    return this.send(
      this.envelope(
        'call:live:progress',
        {
          id: callId,
          pbx: this.pbx,
          time,
          company: this.company,
          licenses: ['x-bees'],
          event: 'call',
          eventTrigger: 'call.update',
          start: new Date(time).toISOString(),
          flows: [
            {
              flowIndex: 0,
              duration: 0,
              connectTime: 0,
              talkTime: 0,
              waitTime: 0,
              caller: {
                type: 'LOCAL',
                phone: from.phone,
                name: from.name,
                userExtension: from.phone,
                role: 'AGENT',
                license: 'premium',
              },
              destination,
              direction: 'INTERNAL',
              remotePhone: destination,
              status,
            },
          ],
        },
        callId,
      ),
    );
  }

  /** A new conference's id, shaped like the documented ones. */
  conferenceId(): string {
    return `${randomUUID()}_${Date.now()}`;
  }

  /**
   * A conference's progress as docs.wildix.com (Conferences -> Webhooks) shows it: the
   * envelope's id is the conference's, `data` carries the id, the subject and everyone in it.
   */
  conferenceProgress(conferenceId: string, subject: string, participants: SimParticipant[]): Promise<SentEvent> {
    const time = Date.now();
    return this.send(
      this.envelope(
        'conference:live:progress',
        {
          id: conferenceId,
          time,
          company: this.company,
          event: 'conference',
          start: new Date(time).toISOString(),
          subject,
          participants: participants.map((p) => this.participant(p)),
        },
        conferenceId,
      ),
    );
  }

  /** Someone joined the conference `conferenceId`: as documented, the join names no subject. */
  conferenceJoin(conferenceId: string, participant: SimParticipant): Promise<SentEvent> {
    return this.send(
      this.envelope('conference:live:join', {
        id: conferenceId,
        time: Date.now(),
        company: this.company,
        event: 'conference_join',
        participant: this.participant(participant),
      }),
    );
  }

  private participant(p: SimParticipant): Record<string, unknown> {
    return { type: 'XBS', company: this.company, pbxSerial: this.pbx, license: 'premium', ...p };
  }

  /** Sends an event (or any body) as Wildix would, signed as asked. */
  send(
    event: Record<string, unknown> | string,
    signing: Signing = 'valid',
    headers: Record<string, string> = {},
  ): Promise<SentEvent> {
    const body = typeof event === 'string' ? event : JSON.stringify(event);
    const key = signing === 'forged' ? `${this.secret}-not` : this.secret;
    const signature = createHmac('sha256', Buffer.from(key, 'utf8')).update(body).digest('hex');
    return new Promise((resolve, reject) => {
      const req = http.request(
        this.url,
        {
          method: 'POST',
          headers: {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(body),
            ...(signing === 'none' ? {} : { 'x-signature': signature }),
            ...headers,
          },
          timeout: 10_000,
        },
        (res) => {
          let answer = '';
          res.setEncoding('utf8');
          res.on('data', (c: string) => (answer += c));
          res.on('end', () => {
            if (typeof event !== 'string') this.sent.push({ event, status: res.statusCode ?? 0 });
            resolve({ status: res.statusCode ?? 0, body: answer });
          });
        },
      );
      req.on('timeout', () => req.destroy(new Error('no answer within 10 s')));
      req.on('error', reject);
      req.end(body);
    });
  }
}
