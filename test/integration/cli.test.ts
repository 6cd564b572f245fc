import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { STORE, VALID_SETTINGS, shortIssues, shortPaths, tempDir, writeConfig } from '../helpers/paths';
import { CLI, runCli } from '../helpers/cli';
import { bootWorld, type World } from '../helpers/world';
import { waitFor } from '../helpers/quiet-logger';

const cli = runCli;

describe('veesion-bridge CLI (built, run as a process)', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm test` (it builds first)');
  });

  it('check-config prints the effective config with secrets HIDDEN', async () => {
    const { envFile, storesFile } = writeConfig(tempDir(), VALID_SETTINGS, { stores: [STORE] });
    const r = await cli(['check-config', '--env-file', envFile, '--stores-file', storesFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('BRIDGE_AMI_SECRET=HIDDEN');
    expect(r.stdout).toContain('store-1 "Store One": conference 7, chat channel chan-1');
    for (const secret of Object.values(VALID_SETTINGS)) expect(r.stdout + r.stderr).not.toContain(secret);
  });

  it('check-config lists every problem with its key path and exits 78', async () => {
    const { envFile, storesFile } = writeConfig(tempDir(), { BRIDGE_HTTP_PORT: '99999' }, [{ name: 'no id' }]);
    const r = await cli(['check-config', '--json'], { BRIDGE_ENV_FILE: envFile, BRIDGE_STORES_FILE: storesFile });
    expect(r.code).toBe(78);
    // --json: the report on stdout, valid or not (the exit code tells which).
    const paths = (JSON.parse(r.stdout) as { issues: { path: string }[] }).issues.map((i) => shortPaths(i.path));
    expect(paths).toEqual(
      expect.arrayContaining([
        'env.custom.ini: BRIDGE_HTTP_PORT',
        'env.custom.ini: VEESION_HOOK_TOKEN',
        'x-hoppers.json: [0].store_veesion_id',
      ]),
    );
  });

  it('check-config shows warnings but exits 0; --json lists them', async () => {
    const { envFile, storesFile } = writeConfig(tempDir(), { ...VALID_SETTINGS, VEESION_ALERT_CHANEL: 'Local/1@x' }, [
      STORE,
    ]);
    const r = await cli(['check-config', '--env-file', envFile, '--stores-file', storesFile]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^configuration OK, with 1 warning\(s\) at the end/);
    expect(shortPaths(r.stdout)).toMatch(
      /\nwarnings:\n {2}- env.custom.ini: VEESION_ALERT_CHANEL: unknown key, ignored; did you mean VEESION_ALERT_CHANNEL\?\n$/,
    );
    const json = await cli(['check-config', '--json', '--env-file', envFile, '--stores-file', storesFile]);
    expect(json.code).toBe(0);
    expect(shortIssues((JSON.parse(json.stdout) as { warnings: { path: string }[] }).warnings)).toEqual([
      { path: 'env.custom.ini: VEESION_ALERT_CHANEL', message: expect.stringContaining('did you mean') },
    ]);
  });

  it('run refuses to start on a bad config with exit 78', async () => {
    const { envFile, storesFile } = writeConfig(tempDir(), {}, '[]');
    const r = await cli(['run', '--env-file', envFile, '--stores-file', storesFile]);
    expect(r.code).toBe(78);
    expect(r.stderr).toContain('no stores configured');
  });

  it('writing commands work before the daemon ever started: they create the journal', async () => {
    const dir = tempDir();
    const { envFile, storesFile } = writeConfig(dir, { ...VALID_SETTINGS, BRIDGE_DATA_DIR: `${dir}/data` }, [STORE]);
    const files = ['--env-file', envFile, '--stores-file', storesFile];
    const added = await cli([
      'integrations',
      'add',
      '--type',
      'webhook',
      '--url',
      'https://example.com/hook',
      '--json',
      ...files,
    ]);
    expect(added.stderr).toBe('');
    expect(added.code).toBe(0);
    expect((await cli(['silence', '--store', 'store-1', '--for', '10m', ...files])).code).toBe(0);
    const listed = JSON.parse((await cli(['integrations', 'list', '--json', ...files])).stdout) as {
      result: { url: string }[];
    };
    expect(listed.result.map((i) => i.url)).toEqual(['https://example.com/hook']);
    expect(existsSync(`${dir}/data/journal.sqlite`)).toBe(true);
    // With no daemon running, add says when the integration starts to get events.
    const told = await cli([
      'integrations',
      'add',
      '--type',
      'webhook',
      '--url',
      'https://example.com/other',
      ...files,
    ]);
    expect(told.code).toBe(0);
    expect(told.stdout).toContain(
      `\nNo daemon is running on ${dir}/data: the daemon sends this integration the events from its next start.\n`,
    );
    expect(told.stdout).not.toContain('The running daemon');
    // An alert not in the journal: said once, on stderr.
    const missing = await cli(['replay', 'nope', ...files]);
    expect(missing).toEqual({ code: 1, stdout: '', stderr: 'not in the journal: nope\n' });
  });

  it('exits 2 on usage errors', async () => {
    expect((await cli(['no-such-command'])).code).toBe(2);
    expect((await cli(['test-alert'])).code).toBe(2);
  });

  describe('test-alert against a running daemon', () => {
    let w: World;
    beforeAll(async () => {
      w = await bootWorld();
    });
    afterAll(() => w.stop());

    it('sends an alert through the full path with the daemon token', async () => {
      const r = await cli([
        'test-alert',
        '--store',
        'store-d',
        '--camera',
        '12',
        '--json',
        '--env-file',
        w.world.envFile,
        '--stores-file',
        w.world.storesFile,
      ]);
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout) as { status: string; alertId: string };
      expect(out.status).toBe('accepted');
      await w.finished(out.alertId);
      await waitFor(() => w.world.xbees.messages.some((m) => m.channelId === 'chan-d'), 5000, 'chat message');
      expect(w.world.ami.originates.find((o) => o.variables.includes(`ALERT_ID=${out.alertId}`))?.channel).toBe(
        'Local/5@xhoppers-conf',
      );
    });

    it('status shows readiness, recent alerts with their steps, and counts', async () => {
      const sent = JSON.parse(
        (
          await cli([
            'test-alert',
            '--store',
            'store-b',
            '--json',
            '--env-file',
            w.world.envFile,
            '--stores-file',
            w.world.storesFile,
          ])
        ).stdout,
      ) as { alertId: string };
      await w.finished(sent.alertId);
      const r = await cli(['status', '--json', '--env-file', w.world.envFile, '--stores-file', w.world.storesFile]);
      expect(r.code).toBe(0);
      const status = JSON.parse(r.stdout) as {
        daemon: unknown;
        queued: number;
        failed: number;
        recent: { id: string; steps: { step: string; state: string }[] }[];
      };
      // The simulator's tokens live 1800 s: the lifetime shown is what is left of one.
      expect(status.daemon).toEqual({
        up: true,
        ready: true,
        checks: { journal: true, ami: true, veesion: true },
        veesionTokenExpiresInS: expect.any(Number),
        audioCache: { wanted: 0, cached: 0, running: false },
      });
      expect((status.daemon as { veesionTokenExpiresInS: number }).veesionTokenExpiresInS).toBeGreaterThan(1700);
      expect((status.daemon as { veesionTokenExpiresInS: number }).veesionTokenExpiresInS).toBeLessThanOrEqual(1800);
      const human = await cli(['status', '--env-file', w.world.envFile, '--stores-file', w.world.storesFile]);
      expect(human.stdout).toMatch(/\nVeesion token: expires in (29|30) min\n/);
      // The cache as it is on disk: the sentences rendered for the alerts, though none was listed ahead.
      const sounds = readdirSync(join(w.config.settings.BRIDGE_DATA_DIR, 'sounds')).filter(
        (f) => f.endsWith('.wav') && !f.startsWith('.'),
      ).length;
      expect(sounds).toBeGreaterThan(0);
      expect((JSON.parse(r.stdout) as { soundsCached: number }).soundsCached).toBe(sounds);
      expect(human.stdout).toContain(
        `\naudio cache: ${sounds} sentence(s) rendered; none listed to render ahead of alerts yet (`,
      );
      expect(status.failed).toBe(0);
      expect(status.recent.find((a) => a.id === sent.alertId)?.steps).toEqual([
        expect.objectContaining({ step: 'announce', state: 'succeeded' }),
        expect.objectContaining({ step: 'chat', state: 'succeeded' }),
      ]);
      const down = await cli(['status', '--env-file', w.world.envFile, '--stores-file', w.world.storesFile], {
        BRIDGE_HTTP_PORT: '1',
      });
      expect(down.code).toBe(0);
      // Down, the daemon tells nothing; the cache on disk still counts.
      expect(down.stdout).toMatch(
        new RegExp(`^daemon: not running\naudio cache: ${sounds} sentence\\(s\\) rendered\njournal: \\d+ alerts`),
      );
    });

    it('integrations add says the running daemon sends the events', async () => {
      const r = await cli([
        'integrations',
        'add',
        '--type',
        'webhook',
        '--url',
        'https://example.com/hook',
        '--env-file',
        w.world.envFile,
        '--stores-file',
        w.world.storesFile,
      ]);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(
        '\nThe running daemon sends this integration the events from now on; no restart is needed.\n',
      );
    });

    it("status says why: a failing check's reason, the last error, the next attempt, active silences", async () => {
      const files = ['--env-file', w.world.envFile, '--stores-file', w.world.storesFile];
      expect((await cli(['silence', '--store', 'store-c', '--for', '30m', ...files])).code).toBe(0);
      w.world.xbees.failNext(1, 503);
      const sent = JSON.parse((await cli(['test-alert', '--store', 'store-b', '--json', ...files])).stdout) as {
        alertId: string;
      };
      await waitFor(
        () => w.steps(sent.alertId).some((st) => st.step === 'chat' && st.state === 'pending' && st.attempts === 1),
        15_000,
        'chat failed once',
      );
      const port = w.world.ami.port;
      await w.world.ami.stop();
      await waitFor(() => !w.daemon.ami.loggedIn, 10_000, 'AMI lost');
      try {
        const r = await cli(['status', '--json', ...files]);
        const status = JSON.parse(r.stdout) as {
          daemon: { ready: boolean; reasons?: Record<string, string> };
          lastError: { alertId: string; step: string; error: string } | null;
          silences: { storeId: string }[];
          recent: { id: string; steps: { step: string; nextAt: number | null }[] }[];
        };
        expect(status.daemon.ready).toBe(false);
        expect(status.daemon.reasons?.ami).toContain(`AMI at 127.0.0.1:${port} unreachable`);
        expect(status.lastError).toMatchObject({
          alertId: sent.alertId,
          step: 'chat',
          error: expect.stringContaining('503'),
        });
        expect(status.silences.map((x) => x.storeId)).toEqual(['store-c']);
        expect(
          status.recent.find((a) => a.id === sent.alertId)?.steps.find((st) => st.step === 'chat')?.nextAt,
        ).toEqual(expect.any(Number));
        const human = (await cli(['status', ...files])).stdout;
        expect(human).toContain(`  ami: AMI at 127.0.0.1:${port} unreachable`);
        expect(human).toMatch(/silenced: store-c until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+\n/);
        expect(human).toMatch(/chat=pending next \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} \S+\n/);
        // In the zone the CLI runs in, which it names.
        const paris = (await cli(['status', ...files], { TZ: 'Europe/Paris' })).stdout;
        expect(paris).toMatch(/silenced: store-c until \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} CES?T\n/);
      } finally {
        await w.world.ami.start(port);
      }
    });

    it('fails with exit 1 and says so when the daemon is not reachable', async () => {
      const r = await cli(
        ['test-alert', '--store', 'store-d', '--env-file', w.world.envFile, '--stores-file', w.world.storesFile],
        { BRIDGE_HTTP_PORT: '1' },
      );
      expect(r.code).toBe(1);
      expect(r.stderr).toContain('cannot reach the daemon');
    });
  });

  it('demo runs the daemon against its simulators and completes one alert', async () => {
    const r = await cli(['demo', '--data-dir', tempDir('vb-demo-')]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/PBX \(AMI\) <- Originate Channel=Local\/2@xhoppers-conf Application=Playback/);
    expect(r.stdout).toMatch(/step announce succeeded/);
    expect(r.stdout).toMatch(/step chat +succeeded \(attempt 1\): message msg-1 with video/);
    expect(r.stdout).toContain('demo OK');
  }, 60_000);

  it('demo with no --data-dir removes the temp dir it made when it ends', async () => {
    const tmp = tempDir('vb-demo-tmp-');
    const r = await cli(['demo'], { TMPDIR: tmp });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`config written: ${tmp}/veesion-bridge-demo-`);
    expect(readdirSync(tmp).filter((f) => f.startsWith('veesion-bridge-demo-'))).toEqual([]);
  }, 60_000);
});
