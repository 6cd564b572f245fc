import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseWildixEvent, type WildixEvent } from '../../../src/chat/wildix-event';
import { WildixInbox, type InboxDeps } from '../../../src/chat/wildix-inbox';
import { ConferenceSubjects } from '../../../src/chat/conference-subjects';
import { ClaimWords } from '../../../src/chat/claim-words';
import type { StoreRoute } from '../../../src/pipeline/alert';
import type { Incident, IncidentActivity } from '../../../src/pipeline/incident';
import { FIXTURES } from '../../helpers/paths';
import { ManualClock } from '../../helpers/manual-clock';
import { capturedLogger } from '../../helpers/quiet-logger';

type Body = { id: string; time: number; type: string; data: Record<string, unknown> } & Record<string, unknown>;
const example = (name: string) => JSON.parse(readFileSync(join(FIXTURES, 'wildix', name), 'utf8')) as Body;

/**
 * Bodies from docs.wildix.com, Conferences -> Webhooks (conference:live:progress and
 * conference:live:join examples, fixtures/wildix/README.md), moved to one conference and to
 * the test's time: the join's `data.id` made the progress event's, as a PBX sends them.
 */
const CONFERENCE = 'codeea87-3d59-4d1d-80be-fc4f0260_1721905148868';
const ROOM = {
  store_veesion_id: 's1',
  name: 'Status & Priorities',
  audio_conf_id: '5',
  xbees_channel_id: 'c1',
} as StoreRoute;

function setup() {
  const clock = new ManualClock(1721905149199);
  const log = capturedLogger();
  const seen = new Set<string>();
  const activity: IncidentActivity[] = [];
  // Only what conference and call events use (the chat's own identity is not).
  const deps: Omit<InboxDeps, 'identity'> = {
    seen: {
      firstSeen: async (id: string) => !seen.has(id) && !!seen.add(id),
      forget: async (id: string) => void seen.delete(id),
    },
    incidents: {
      find: async () => undefined,
      latestInRoom: async (room: string) => (room === '5' ? ({ id: 'inc-1' } as Incident) : undefined),
      recordActivity: async (a: IncidentActivity) => void activity.push(a),
    },
    loop: () => undefined,
    stores: () => new Map([['s1', ROOM]]),
    claimWords: new ClaimWords(),
    clock,
    logger: log.logger,
  };
  const inbox = new WildixInbox(deps as InboxDeps);
  const event = (body: Body, at = clock.now()): WildixEvent => {
    const parsed = parseWildixEvent({ ...body, time: at });
    if (!parsed.ok) throw new Error(parsed.reason);
    return parsed.event;
  };
  const progress = (at?: number) => event(example('conference-live-progress.body.json'), at);
  const join = (name = 'Marco', at?: number) => {
    const body = example('conference-live-join.body.json');
    return event(
      {
        ...body,
        id: `${body.id}-${name}`,
        data: {
          ...body.data,
          id: CONFERENCE,
          participant: { ...(body.data.participant as object), name, pbxExtension: '202' },
        },
      },
      at,
    );
  };
  return { clock, log, activity, inbox, progress, join };
}

describe('conference joins matched to their conference by id', () => {
  it("a join after the progress event of its conference is the room's activity at once", async () => {
    const { inbox, progress, join, activity } = setup();
    expect(await inbox.handle(progress())).toEqual({ outcome: 'recorded', incidentId: 'inc-1' });
    expect(await inbox.handle(join('Marco'))).toEqual({ outcome: 'recorded', incidentId: 'inc-1' });
    expect(activity.map((a) => [a.kind, a.who])).toEqual([
      ['conference:live:progress', 'John Doe (25111)'],
      ['conference:live:join', 'Marco (202)'],
    ]);
  });

  it('a join before any progress event is held, and recorded when the progress event arrives', async () => {
    const { inbox, progress, join, activity, clock } = setup();
    const early = join('Marco');
    expect(await inbox.handle(early)).toEqual({ outcome: 'held' });
    expect(activity).toEqual([]);
    await clock.advance(59_000);
    expect(await inbox.handle(progress())).toEqual({ outcome: 'recorded', incidentId: 'inc-1' });
    expect(activity.map((a) => [a.kind, a.who, a.at])).toEqual([
      ['conference:live:progress', 'John Doe (25111)', clock.now()],
      ['conference:live:join', 'Marco (202)', early.time], // at the join's own time
    ]);
  });

  it('a join held for more than a minute is dropped, said once, never recorded', async () => {
    const { inbox, progress, join, activity, clock, log } = setup();
    expect(await inbox.handle(join('Marco'))).toEqual({ outcome: 'held' });
    await clock.advance(60_001);
    expect(await inbox.handle(progress())).toEqual({ outcome: 'recorded', incidentId: 'inc-1' });
    expect(activity.map((a) => a.kind)).toEqual(['conference:live:progress']);
    expect(log.lines().filter((l) => l.includes('conference join dropped'))).toEqual([
      expect.stringContaining('"why":"expired"'),
    ]);
  });

  it('another progress event of the same conference (same id, later time) is read; the same body again is a duplicate', async () => {
    const { inbox, progress, clock } = setup();
    const first = progress();
    expect((await inbox.handle(first)).outcome).toBe('recorded');
    expect((await inbox.handle(first)).outcome).toBe('duplicate');
    await clock.advance(5_000);
    expect((await inbox.handle(progress())).outcome).toBe('recorded');
  });

  it('holds a bounded number of joins: the oldest go first', () => {
    const subjects = new ConferenceSubjects<string>({ maxHeld: 3, maxKnown: 2 });
    for (const j of ['a', 'b', 'c']) expect(subjects.hold('x', j, 0)).toEqual([]);
    expect(subjects.hold('y', 'd', 0)).toEqual(['a']);
    expect(subjects.heldCount).toBe(3);
    expect(subjects.learn('x', 'Room')).toEqual(['b', 'c']);
    subjects.learn('z', 'Z');
    subjects.learn('w', 'W');
    expect([subjects.subjectOf('x'), subjects.subjectOf('z'), subjects.subjectOf('w')]).toEqual([undefined, 'Z', 'W']);
    expect(subjects.expire(60_000)).toEqual(['d']);
  });
});

describe('live calls into a room', () => {
  // docs.wildix.com, Calls -> Webhooks: the call:live:progress example, its leg sent to the room.
  it("a call:live:progress whose flow goes to the room is the incident's activity", async () => {
    const { inbox, activity, clock } = setup();
    const body = example('call-live-progress.body.json');
    const [leg] = body.data.flows as Record<string, unknown>[];
    const parsed = parseWildixEvent({
      ...body,
      time: clock.now(),
      data: { ...body.data, flows: [{ ...leg, destination: '5', remotePhone: '5' }] },
    });
    if (!parsed.ok) throw new Error(parsed.reason);
    expect(await inbox.handle(parsed.event)).toEqual({ outcome: 'recorded', incidentId: 'inc-1' });
    expect(activity.map((a) => [a.kind, a.who, a.detail])).toEqual([['call:live:progress', 'John Doe (230)', 'HOLD']]);
  });
});
