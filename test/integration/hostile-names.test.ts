import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteJournal } from '../../src/journal/sqlite-journal';
import type { Alert } from '../../src/pipeline/alert';
import { CLI, runCli } from '../helpers/cli';
import { STORE, VALID_SETTINGS, shortIssues, tempDir, writeConfig } from '../helpers/paths';

/** Any character a terminal would obey or reorder, raw. */
const UNSAFE = /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/u;
const CLEAR_AND_RETITLE = '\u001b[2J\u001b]0;TITLE\u0007';

/**
 * Names on the operator's terminal (built CLI, run as a process): a name typed with control or
 * bidirectional characters is refused, in `--by` and in x-hoppers.json; a value already in the
 * journal that holds them is printed escaped, never raw.
 */
describe('hostile names and the CLI', () => {
  beforeAll(() => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm run build` first');
  });

  it.each([
    ['claim', ['claim', 'inc_x', '--by', '\u001b[2J'], 'claim: --by holds a control character (U+001B)'],
    [
      'claim',
      ['claim', 'inc_x', '--by', 'Anna\u202eoB'],
      'claim: --by holds a bidirectional formatting character (U+202E)',
    ],
    ['claim', ['claim', 'inc_x', '--by', 'x'.repeat(81)], 'claim: --by is 81 characters long (at most 80)'],
    [
      'resolve',
      ['resolve', 'inc_x', '--outcome', 'theft', '--by', 'Anna\u0007'],
      'resolve: --by holds a control character (U+0007)',
    ],
  ])('%s --by with a name that breaks the rule is a usage error (exit 2) saying why', async (_cmd, args, message) => {
    const r = await runCli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(UNSAFE);
  });

  it.each([
    [
      'a store name with a control character',
      { ...STORE, name: `Store ${CLEAR_AND_RETITLE}` },
      'x-hoppers.json: [0].name',
      'holds a control character (U+001B)',
    ],
    [
      'a store name with U+202E',
      { ...STORE, name: 'Store\u202eenO' },
      'x-hoppers.json: [0].name',
      'holds a bidirectional formatting character (U+202E)',
    ],
    [
      'an escalation name with U+2066',
      { ...STORE, escalation: [{ channel: 'PJSIP/201', name: '\u2066Anna' }] },
      'x-hoppers.json: [0].escalation[0].name',
      'holds a bidirectional formatting character (U+2066)',
    ],
    [
      'a location with a tab',
      { ...STORE, location: 'North\tside' },
      'x-hoppers.json: [0].location',
      'holds a control character (U+0009)',
    ],
  ])('check-config refuses %s with exit 78, naming the key path', async (_what, store, path, message) => {
    const { envFile, storesFile } = writeConfig(tempDir(), VALID_SETTINGS, [store]);
    const r = await runCli(['check-config', '--json', '--env-file', envFile, '--stores-file', storesFile]);
    expect(r.code).toBe(78);
    expect(shortIssues((JSON.parse(r.stdout) as { issues: { path: string }[] }).issues)).toEqual([
      { path, message: expect.stringContaining(message) },
    ]);
    const human = await runCli(['check-config', '--env-file', envFile, '--stores-file', storesFile]);
    expect(human.code).toBe(78);
    expect(human.stderr).toContain(path);
    expect(human.stderr).not.toMatch(UNSAFE);
  });

  it('check-config accepts names with accents, emoji and brackets', async () => {
    const store = {
      ...STORE,
      name: 'Négoce 😀 (Trento)',
      escalation: [{ channel: 'PJSIP/201', name: 'Giulia (Trento)' }],
    };
    const { envFile, storesFile } = writeConfig(tempDir(), VALID_SETTINGS, [store]);
    const r = await runCli(['check-config', '--env-file', envFile, '--stores-file', storesFile]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
  });

  it('status prints a name the journal kept from before the rule escaped, never raw', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    // Port 1: no daemon answers; status reads the journal alone.
    const cfg = writeConfig(dir, { ...VALID_SETTINGS, BRIDGE_DATA_DIR: data, BRIDGE_HTTP_PORT: '1' }, [STORE]);
    const now = Date.now();
    const j = new SqliteJournal(join(data, 'journal.sqlite'));
    const alert: Alert = {
      id: 'a1',
      storeId: 'store-1',
      cameraId: '3',
      cameraIp: '',
      groupId: '',
      alertType: 'theft',
      startDate: '',
      endDate: '',
      videoUrl: '',
    };
    await j.append({
      alert,
      status: 'routed',
      rawBody: '{}',
      receivedAt: now - 60_000,
      steps: [],
      incident: { room: '7', windowMs: 20_000 },
    });
    const id = (await j.incidents.find('a1'))?.id as string;
    // Written straight into the journal, as a claim recorded before names were checked.
    await j.incidents.claim(id, `${CLEAR_AND_RETITLE}Anna\u202e`, 'http', now - 30_000);
    await j.close();
    const files = ['--env-file', cfg.envFile, '--stores-file', cfg.storesFile];

    const human = await runCli(['status', ...files]);
    expect(human.code).toBe(0);
    expect(human.stdout).not.toContain('\u001b');
    expect(human.stdout).not.toMatch(UNSAFE);
    expect(human.stdout).toContain('claimed by \\u001b[2J\\u001b]0;TITLE\\u0007Anna\\u202e via http');

    const json = await runCli(['status', '--json', ...files]);
    expect(json.code).toBe(0);
    expect(json.stdout).not.toMatch(UNSAFE);
    const status = JSON.parse(json.stdout) as { incidents: { claimedBy: string }[] };
    expect(status.incidents[0]?.claimedBy).toBe(`${CLEAR_AND_RETITLE}Anna\u202e`);
  });

  it('a name already in an old journal is escaped in the claim refusal as well', async () => {
    const dir = tempDir();
    const data = join(dir, 'data');
    const cfg = writeConfig(dir, { ...VALID_SETTINGS, BRIDGE_DATA_DIR: data }, [STORE]);
    const j = new SqliteJournal(join(data, 'journal.sqlite'));
    const alert: Alert = {
      id: 'a2',
      storeId: 'store-1',
      cameraId: '3',
      cameraIp: '',
      groupId: '',
      alertType: 'theft',
      startDate: '',
      endDate: '',
      videoUrl: '',
    };
    await j.append({
      alert,
      status: 'routed',
      rawBody: '{}',
      receivedAt: Date.now(),
      steps: [],
      incident: { room: '7', windowMs: 20_000 },
    });
    await j.incidents.claim(
      (await j.incidents.find('a2'))?.id as string,
      `${CLEAR_AND_RETITLE}Eve`,
      'http',
      Date.now(),
    );
    await j.close();
    const r = await runCli(['claim', 'a2', '--by', 'Anna', '--env-file', cfg.envFile, '--stores-file', cfg.storesFile]);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('already claimed by \\u001b[2J\\u001b]0;TITLE\\u0007Eve at ');
    expect(r.stderr).not.toMatch(UNSAFE);
  });
});
