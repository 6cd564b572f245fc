import { spawn } from 'node:child_process';
import { bootWorld, type World } from '../helpers/world';
import { SimWorld } from '../../src/sim/sim-world';
import { CLI, runCli } from '../helpers/cli';
import { tempDir } from '../helpers/paths';
import { waitFor } from '../helpers/quiet-logger';

const ADMIN = 'admin-token-for-the-incident-tests';

/**
 * The loop closed against the real daemon and the simulators: an alert is repeated in its
 * conference until someone claims it, then the conference hears who took it (one more call)
 * and the chat gets a follow-up; nothing more is said. Claims from the HTTP routes (admin
 * token) and from the CLI (journal + SIGUSR2, also with the daemon down).
 */
describe('incidents: repeat until claimed, then tell', () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  const callsFor = (world: SimWorld, id: string) =>
    world.ami.originates.filter((o) => o.variables.includes(`ALERT_ID=${id}`)).length;

  it('HTTP: repeats every BRIDGE_REPEAT_S, a claim stops them and is told once; the routes want the admin token', async () => {
    w = await bootWorld({ settings: { BRIDGE_REPEAT_S: '3', BRIDGE_REPEAT_MAX: '20', BRIDGE_ADMIN_TOKEN: ADMIN } });
    const { world, base } = w;
    // An integration that wants the incident events, added beside the running daemon.
    const added = await runCli([
      'integrations',
      'add',
      '--type',
      'webhook',
      '--url',
      `${world.receiver.url}/incidents`,
      '--filter',
      'alert.claimed,alert.resolved',
      '--json',
      '--env-file',
      world.envFile,
      '--stores-file',
      world.storesFile,
    ]);
    expect(added.code).toBe(0);
    world.receiver.secrets.set(
      '/incidents',
      (JSON.parse(added.stdout) as { result: { secret: string } }).result.secret,
    ); // the receiver checks the signatures
    expect((await w.post({ alert_uuid: 'inc-1', location: 'store-b', camera_id: '7' })).status).toBe(200);
    await waitFor(() => callsFor(world, 'inc-1') >= 2, 30_000, 'the first announcement and a repeat');

    const api = (path: string, body?: unknown, token: string | null = ADMIN) =>
      fetch(`${base}/api/v1/incidents${path}`, {
        method: body === undefined ? 'GET' : 'POST',
        headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
    expect((await api('?state=open', undefined, null)).status).toBe(401);
    expect((await api('/inc-1/claim', { by: 'Anna' }, 'wrong-token-wrong-token')).status).toBe(401);
    type Listed = { incidents: { id: string; firstAlertId: string; announcements: number }[] };
    let open: Listed = { incidents: [] };
    // A repeat counts once heard out (the call lasts its audio).
    await waitFor(
      async () => {
        open = (await (await api('?state=open')).json()) as Listed;
        return (open.incidents[0]?.announcements ?? 0) >= 2;
      },
      30_000,
      'two announcements counted',
    );
    expect(open.incidents).toEqual([expect.objectContaining({ firstAlertId: 'inc-1' })]);

    const claimed = await api('/inc-1/claim', { by: 'Anna' }); // by alert id
    expect(claimed.status).toBe(200);
    const before = callsFor(world, 'inc-1');
    await waitFor(
      () => world.xbees.messages.some((m) => /^Anna is on it \(\d+ s after the alert, camera 7\)$/.test(m.text)),
      20_000,
      'the chat follow-up',
    );
    await waitFor(() => callsFor(world, 'inc-1') === before + 1, 20_000, 'the conference told who took it');
    await new Promise((r) => setTimeout(r, 7_000)); // two repeat intervals: nothing more is said
    expect(callsFor(world, 'inc-1')).toBe(before + 1);

    const second = await api(`/${open.incidents[0]?.id}/claim`, { by: 'Marco' });
    expect(second.status).toBe(409);
    expect(await second.json()).toMatchObject({ claimedBy: 'Anna' });
    expect((await api('/nope/claim', { by: 'Marco' })).status).toBe(404);
    expect((await api('/inc-1/claim', { by: '' })).status).toBe(400);
    expect((await api('/inc-1/resolve', { outcome: 'maybe' })).status).toBe(400);
    expect(await (await api('/inc-1/resolve', { outcome: 'false-alarm', by: 'Anna' })).json()).toMatchObject({
      status: 'resolved',
      incident: { outcome: 'false-alarm' },
    });
    // Both changes reached the integration, signed, in order, with who and what.
    await waitFor(
      () => world.receiver.received.filter((r) => r.path === '/incidents').length >= 2,
      20_000,
      'incident events delivered',
    );
    const delivered = world.receiver.received
      .filter((r) => r.path === '/incidents')
      .map(
        (r) =>
          JSON.parse(r.body) as { type: string; data: { alert: { id: string }; incident: Record<string, unknown> } },
      );
    expect(delivered.map((e) => [e.type, e.data.alert.id, e.data.incident.claimedBy, e.data.incident.outcome])).toEqual(
      [
        ['alert.claimed', 'inc-1', 'Anna', null],
        ['alert.resolved', 'inc-1', 'Anna', 'false-alarm'],
      ],
    );
    expect(world.receiver.received.filter((r) => r.path === '/incidents').every((r) => r.verified.xSignature)).toBe(
      true,
    );
    expect(w.logLines().some((l) => l.includes(ADMIN))).toBe(false);
    // The daemon fed the time to claim into its histogram, once (the second claim did not count).
    const metrics = await (await fetch(`${base}/metrics`, { headers: { authorization: `Bearer ${ADMIN}` } })).text();
    expect(metrics).toMatch(/^veesion_bridge_incident_time_to_claim_seconds_count 1$/m);
  }, 90_000);

  it('conference: key 1 in the room claims its oldest open incident for whoever pressed; a press with nothing open changes nothing', async () => {
    w = await bootWorld({ settings: { BRIDGE_REPEAT_S: '3', BRIDGE_REPEAT_MAX: '20', BRIDGE_STORM_WINDOW_S: '0' } });
    const { world } = w;
    const anna = { callerIdNum: '201', callerIdName: 'Anna' };
    world.ami.join('4', anna); // store-c's conference
    world.ami.pressClaim('4', anna);
    await waitFor(
      () => w!.logLines().some((l) => l.includes('claim key pressed with no open incident')),
      20_000,
      'the idle press logged',
    );
    expect((await w.post({ alert_uuid: 'room-1', location: 'store-c', camera_id: '2' })).status).toBe(200);
    await new Promise((r) => setTimeout(r, 100));
    expect((await w.post({ alert_uuid: 'room-2', location: 'store-c', camera_id: '8' })).status).toBe(200);
    await waitFor(() => callsFor(world, 'room-1') >= 1, 20_000, 'announced');
    world.ami.pressClaim('4', anna);
    await waitFor(
      () => world.xbees.messages.some((m) => /^Anna is on it \(.*camera 2\)$/.test(m.text)),
      20_000,
      'the oldest incident claimed for Anna',
    );
    const incidents = w.daemon.journal.incidents;
    expect(await incidents.find('room-1')).toMatchObject({
      state: 'claimed',
      claimedBy: 'Anna',
      claimedVia: 'conference',
    });
    expect((await incidents.find('room-2'))?.state).toBe('open');
  }, 60_000);

  it('escalation: an empty room is not an announcement; the list is called in turn until one answers, who can press 1 to claim', async () => {
    const stores = [
      {
        store_veesion_id: 'esc-store',
        name: 'Esc',
        audio_conf_id: '61',
        xbees_channel_id: 'chan-esc',
        escalation: ['PJSIP/201', 'PJSIP/202', { channel: 'PJSIP/203', name: 'Marco (manager)' }],
      },
    ];
    w = await bootWorld(
      { stores, settings: { BRIDGE_REPEAT_S: '3', BRIDGE_REPEAT_MAX: '20', BRIDGE_ESCALATION_RING_S: '5' } },
      {
        before: (world) => {
          world.ami.personChannel('PJSIP/201', 'no-answer');
          world.ami.personChannel('PJSIP/202', 'busy');
          world.ami.personChannel('PJSIP/203', 'answer');
          world.ami.maxRingMs = 300; // "rang 5 s without answer", sooner
        },
      },
    );
    const { world } = w;
    world.ami.leave('61', { callerIdNum: '200', callerIdName: 'Staff' }); // nobody on shift in this store's room
    expect((await w.post({ alert_uuid: 'esc-1', location: 'esc-store', camera_id: '4' })).status).toBe(200);
    const steps = await w.finished('esc-1');
    expect(steps.find((st) => st.step === 'announce')).toMatchObject({
      state: 'expired',
      lastError: expect.stringContaining('room 61 is empty'),
    });
    // The room is asked about once the call is on its way (the question would delay every call):
    // the announcement went out, to nobody, and the empty room is what its step says.
    expect(
      world.ami.originates.filter((o) => !o.channel.startsWith('PJSIP/') && o.variables.includes('ALERT_ID=esc-1')),
    ).toHaveLength(1);
    const incidents = w.daemon.journal.incidents;
    await waitFor(
      async () => (await incidents.find('esc-1'))?.escalatedTo === 'PJSIP/203',
      20_000,
      'escalated to the one who answered',
    );
    expect(
      world.ami.originates
        .filter((o) => o.channel.startsWith('PJSIP/'))
        .map((o) => [o.channel, o.context, o.variables.find((v) => v.startsWith('XH_ROOM='))]),
    ).toEqual(['PJSIP/201', 'PJSIP/202', 'PJSIP/203'].map((c) => [c, 'veesion-escalation', 'XH_ROOM=61']));
    expect((await incidents.find('esc-1'))?.escalationNote).toContain('PJSIP/201 no-answer; PJSIP/202 busy');
    // The store's conversation is told who was called, by name where x-hoppers.json gives one.
    await waitFor(
      () =>
        world.xbees.messages.some(
          (m) =>
            m.channelId === 'chan-esc' && m.text === 'Nobody claimed this alert; Marco (manager) was called (camera 4)',
        ),
      20_000,
      'the escalation follow-up',
    );
    // The person who answered presses 1 on the call: the dialplan raises the claim for the room.
    expect(world.ami.originates.find((o) => o.channel === 'PJSIP/203')?.variables).toContain(
      `XH_INCIDENT=${(await incidents.find('esc-1'))?.id}`,
    );
    world.ami.pressClaimOnCall('PJSIP/203', '61', (await incidents.find('esc-1'))?.id ?? '');
    await waitFor(
      async () => (await incidents.find('esc-1'))?.state === 'claimed',
      20_000,
      'claimed from the escalation call',
    );
    expect(await incidents.find('esc-1')).toMatchObject({ claimedBy: 'PJSIP/203', claimedVia: 'escalation' });
    const metrics = await (await fetch(`${w.base}/metrics`)).text();
    expect(metrics).toMatch(/veesion_bridge_incident_escalations_total\{outcome="answered"\} 1/);
  }, 60_000);

  it('CLI: a claim beside the running daemon stops the repeats; one made while it is down is told at its start', async () => {
    const world = await new SimWorld({
      dir: tempDir(),
      settings: { BRIDGE_REPEAT_S: '3', BRIDGE_REPEAT_MAX: '20', BRIDGE_STORM_WINDOW_S: '0' },
    }).start();
    const files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
    const start = () =>
      spawn(process.execPath, ['--', CLI, 'run', ...files], { env: { PATH: process.env.PATH }, stdio: 'ignore' });
    const post = (id: string) =>
      fetch(`http://127.0.0.1:${world.httpPort}/api/v1/veesion?token=${world.hookToken}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ alert_uuid: id, location: 'test-store-wildix', camera_id: id }),
      }).then((r) => r.status);
    let daemon = start();
    try {
      await waitFor(
        async () =>
          await fetch(`http://127.0.0.1:${world.httpPort}/healthz`).then(
            (r) => r.ok,
            () => false,
          ),
        20_000,
        'daemon up',
      );
      expect(await post('cli-1')).toBe(200);
      await waitFor(() => callsFor(world, 'cli-1') >= 2, 30_000, 'a repeat');
      const r = await runCli(['claim', 'cli-1', '--by', 'Marco', '--json', ...files]);
      expect(r.code).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({
        ok: true,
        daemonWoken: true,
        incident: { claimedBy: 'Marco', claimedVia: 'cli' },
      });
      await waitFor(
        () => world.xbees.messages.some((m) => m.text.startsWith('Marco is on it')),
        20_000,
        'the chat follow-up',
      );
      const again = await runCli(['claim', 'cli-1', '--by', 'Zoe', ...files]);
      expect(again.code).toBe(1);
      expect(again.stderr).toContain('already claimed by Marco');
      // A CLI resolution reaches the integrations as alert.resolved, like the HTTP route's.
      const added = await runCli([
        'integrations',
        'add',
        '--type',
        'webhook',
        '--url',
        `${world.receiver.url}/cli`,
        '--filter',
        'alert.resolved',
        '--json',
        ...files,
      ]);
      world.receiver.secrets.set('/cli', (JSON.parse(added.stdout) as { result: { secret: string } }).result.secret);
      expect((await runCli(['resolve', 'cli-1', '--outcome', 'theft', '--by', 'Marco', ...files])).code).toBe(0);
      await waitFor(() => world.receiver.at('/cli').length === 1, 20_000, 'alert.resolved delivered');
      expect(JSON.parse(world.receiver.at('/cli')[0]?.body ?? '{}')).toMatchObject({
        type: 'alert.resolved',
        data: { alert: { id: 'cli-1' }, incident: { outcome: 'theft', resolvedBy: 'Marco' } },
      });
      // And the store's conversation hears it, like a resolution from the chat.
      await waitFor(
        () => world.xbees.messages.some((m) => /^Theft confirmed by Marco \(camera cli-1\)$/.test(m.text)),
        20_000,
        'the CLI resolution followed up in the chat',
      );

      // Down: the claim waits in the journal and is told at the next start.
      expect(await post('cli-2')).toBe(200);
      await waitFor(() => callsFor(world, 'cli-2') >= 1, 20_000, 'announced');
      const exited = new Promise((res) => daemon.once('exit', res));
      daemon.kill('SIGTERM');
      await exited;
      const offline = await runCli(['claim', 'cli-2', '--by', 'Luca', ...files]);
      expect(offline.code).toBe(0);
      expect(offline.stdout).toContain('takes effect at its next start');
      daemon = start();
      await waitFor(
        () => world.xbees.messages.some((m) => m.text.startsWith('Luca is on it')),
        20_000,
        'told after the restart',
      );
    } finally {
      daemon.kill('SIGKILL');
      await world.stop();
    }
  }, 120_000);
});
