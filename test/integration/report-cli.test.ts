import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { SqliteJournal } from '../../src/journal/sqlite-journal';
import type { Alert } from '../../src/pipeline/alert';
import { CLI, runCli } from '../helpers/cli';
import { STORE, VALID_SETTINGS, tempDir, writeConfig } from '../helpers/paths';

const S = 1000;
const alert = (id: string, storeId: string, cameraId: string): Alert => ({
  id,
  storeId,
  cameraId,
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});

/**
 * `report` and the incidents of `status`, as the built CLI prints them, on a journal written
 * with the daemon's own writer (no daemon runs: status says so and still reads the journal).
 *
 *   store-1 camera 3: an incident of two alerts an hour ago, claimed after 20 s, resolved theft
 *   store-1 camera 12: one 10 min ago, announced twice, open; one 5 min ago claimed after 40 s
 *                      by Anna (and a second claim by Ben), escalated
 *   store-1 camera 3: one 10 days ago (outside the default 7d), claimed after 90 s
 */
async function journalIn(dataDir: string, now: number): Promise<{ open: string; claimed: string }> {
  const j = new SqliteJournal(join(dataDir, 'journal.sqlite'));
  const receive = async (id: string, cameraId: string, at: number) => {
    await j.append({
      alert: alert(id, 'store-1', cameraId),
      status: 'routed',
      rawBody: '{}',
      receivedAt: at,
      steps: [],
      incident: { room: '7', windowMs: 20 * S },
    });
    return (await j.incidents.find(id))?.id as string;
  };
  const old = await receive('old', '3', now - 10 * 86_400 * S);
  await j.incidents.claim(old, 'Zoe', 'cli', now - 10 * 86_400 * S + 90 * S);
  await j.incidents.resolve(old, 'false-alarm', null, now - 9 * 86_400 * S);
  const hour = await receive('h1', '3', now - 3600 * S);
  await receive('h2', '3', now - 3590 * S);
  await j.incidents.claim(hour, 'Carl', 'http', now - 3580 * S);
  await j.incidents.resolve(hour, 'theft', 'Carl', now - 3000 * S);
  const open = await receive('o1', '12', now - 600 * S);
  await j.incidents.recordAnnouncement(open, 2, now + 15 * S, 'open', now - 585 * S);
  const claimed = await receive('c1', '12', now - 300 * S);
  await j.incidents.claim(claimed, 'Anna', 'conference', now - 260 * S);
  await j.incidents.claim(claimed, 'Ben', 'cli', now - 250 * S);
  (j as unknown as { db: import('better-sqlite3').Database }).db // test seam: escalation has no writer yet
    .prepare('UPDATE incidents SET escalated_at = ?, escalated_to = ? WHERE id = ?')
    .run(now - 270 * S, 'PJSIP/201', claimed);
  await j.close();
  return { open, claimed };
}

describe('report and status incidents (built CLI, run as a process)', () => {
  let files: string[];
  let dir: string;
  let ids: { open: string; claimed: string };
  /** A zone with no summer time and an offset that is not whole hours: every time shown says it. */
  const INDIA = { TZ: 'Asia/Kolkata' };
  const LOCAL_TIME = '\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2} GMT\\+5:30';
  beforeAll(async () => {
    if (!existsSync(CLI)) throw new Error('dist/ missing: run `npm run build` first');
    dir = tempDir();
    // Port 1: no daemon answers; status reads the journal alone.
    const cfg = writeConfig(dir, { ...VALID_SETTINGS, BRIDGE_DATA_DIR: join(dir, 'data'), BRIDGE_HTTP_PORT: '1' }, [
      STORE,
      { ...STORE, store_veesion_id: 'store-2', audio_conf_id: '8' },
    ]);
    files = ['--env-file', cfg.envFile, '--stores-file', cfg.storesFile];
    ids = await journalIn(join(dir, 'data'), Date.now());
  });

  it('report --json: per camera and in total, over the last 7 days by default', async () => {
    const r = await runCli(['report', '--json', ...files]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout) as { since: string; stores: unknown[]; total: unknown };
    expect(Date.now() - Date.parse(report.since)).toBeGreaterThanOrEqual(7 * 86_400 * S);
    expect(Date.now() - Date.parse(report.since)).toBeLessThan(7 * 86_400 * S + 60 * S);
    const none = { theft: 0, 'false-alarm': 0, 'not-found': 0, 'no-outcome': 0, 'none-yet': 0 };
    expect(report.stores).toEqual([
      {
        storeId: 'store-1',
        cameraId: '3',
        alerts: 2,
        incidents: 1,
        claimedPct: 100,
        timeToClaimS: { p50: 20, p90: 20 },
        escalations: 0,
        outcomes: { ...none, theft: 1 },
        falseAlarmRate: 0,
      },
      {
        storeId: 'store-1',
        cameraId: '12',
        alerts: 2,
        incidents: 2,
        claimedPct: 50,
        timeToClaimS: { p50: 40, p90: 40 },
        escalations: 1,
        outcomes: { ...none, 'none-yet': 2 },
        falseAlarmRate: null,
      },
    ]);
    expect(report.total).toEqual({
      alerts: 4,
      incidents: 3,
      claimedPct: 66.7,
      timeToClaimS: { p50: 20, p90: 40 },
      escalations: 1,
      outcomes: { ...none, theft: 1, 'none-yet': 2 },
      falseAlarmRate: 0,
    });

    const longer = JSON.parse((await runCli(['report', '--json', '--since', '30d', ...files])).stdout) as {
      total: { incidents: number; timeToClaimS: unknown };
    };
    expect(longer.total).toEqual(expect.objectContaining({ incidents: 4, timeToClaimS: { p50: 40, p90: 90 } }));
    const other = JSON.parse((await runCli(['report', '--json', '--store', 'store-2', ...files])).stdout) as {
      stores: unknown[];
      total: { alerts: number };
    };
    expect(other.stores).toEqual([]);
    expect(other.total.alerts).toBe(0);
  });

  it('report prints an aligned table within 100 columns, stores by name, a total row, n/a where nothing was claimed or judged', async () => {
    const r = await runCli(['report', '--since', '2h', ...files], INDIA);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(new RegExp(`^incidents since ${LOCAL_TIME} \\(2h\\)$`));
    expect(lines.slice(1, -1).map((l) => l.split(/ {2,}/))).toEqual([
      ['store', 'camera', 'alerts', 'incidents', 'claimed', 'claim p50/p90', 'escalated', 'false-alarm rate'],
      ['Store One', '3', '2', '1', '100%', '20s/20s', '0', '0%'],
      ['Store One', '12', '2', '2', '50%', '40s/40s', '1', 'n/a'],
      ['total', '4', '3', '66.7%', '20s/40s', '1', '0%'],
    ]);
    expect(lines.at(-1)).toBe(
      'outcomes (confirmed, false alarm, not found, no outcome, none yet) and store ids: --wide',
    );
    // Aligned: every figure column ends where its header ends.
    const header = lines[1] as string;
    for (const row of lines.slice(2, -1)) expect(row.length).toBe(header.length);
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    const empty = await runCli(['report', '--since', '1m', ...files]);
    expect(empty.stdout).toMatch(/\(1m\)\nno alerts or incidents in that period\n$/);
  });

  it('report --wide: every column, the store ids beside their names', async () => {
    const r = await runCli(['report', '--since', '2h', '--wide', ...files]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines.slice(1).map((l) => l.split(/ {2,}/))).toEqual([
      [
        'store',
        'name',
        'camera',
        'alerts',
        'incidents',
        'claimed',
        'claim p50',
        'claim p90',
        'escalated',
        'confirmed',
        'false alarm',
        'not found',
        'no outcome',
        'none yet',
        'false-alarm rate',
      ],
      ['store-1', 'Store One', '3', '2', '1', '100%', '20s', '20s', '0', '1', '0', '0', '0', '0', '0%'],
      ['store-1', 'Store One', '12', '2', '2', '50%', '40s', '40s', '1', '0', '0', '0', '0', '2', 'n/a'],
      ['total', '4', '3', '66.7%', '20s', '40s', '1', '1', '0', '0', '0', '2', '0%'],
    ]);
    const header = lines[1] as string;
    for (const row of lines.slice(2)) expect(row.length).toBe(header.length);
  });

  it('report cuts a long store name to fit, and names a store no longer configured by its id', async () => {
    const longName = `Hypermarché ${'Grand Centre Commercial '.repeat(4)}`.trim();
    const renamed = writeConfig(
      tempDir(),
      { ...VALID_SETTINGS, BRIDGE_DATA_DIR: join(dir, 'data'), BRIDGE_HTTP_PORT: '1' },
      [{ ...STORE, name: longName }],
    );
    const cut = await runCli([
      'report',
      '--since',
      '2h',
      '--env-file',
      renamed.envFile,
      '--stores-file',
      renamed.storesFile,
    ]);
    const lines = cut.stdout.trimEnd().split('\n');
    for (const line of lines) expect(line.length).toBeLessThanOrEqual(100);
    const shown = lines[2]?.split(/ {2,}/)[0] ?? '';
    expect(shown.endsWith('…')).toBe(true);
    expect(longName.startsWith(shown.slice(0, -1))).toBe(true);
    const without = writeConfig(
      tempDir(),
      { ...VALID_SETTINGS, BRIDGE_DATA_DIR: join(dir, 'data'), BRIDGE_HTTP_PORT: '1' },
      [{ ...STORE, store_veesion_id: 'store-2' }],
    );
    const gone = await runCli([
      'report',
      '--since',
      '2h',
      '--env-file',
      without.envFile,
      '--stores-file',
      without.storesFile,
    ]);
    expect(gone.stdout.split('\n')[2]?.split(/ {2,}/).slice(0, 2)).toEqual(['store-1', '3']);
  });

  it('report refuses a bad --since or an unknown --store with exit 2, and a missing journal with exit 1', async () => {
    const badSince = await runCli(['report', '--since', 'yesterday', ...files]);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toContain(
      'report: --since "yesterday" is not a time: give a duration back from now (30m, 2h, 7d) or an ISO date',
    );
    const future = await runCli(['report', '--since', '2999-01-01', ...files]);
    expect(future.code).toBe(2);
    expect(future.stderr).toContain('is in the future');
    const badStore = await runCli(['report', '--store', 'store-9', ...files]);
    expect(badStore.code).toBe(2);
    expect(badStore.stderr).toContain(
      'report: no store "store-9" in x-hoppers.json or the journal (stores: store-1, store-2)',
    );
    const dir = tempDir();
    const cfg = writeConfig(dir, { ...VALID_SETTINGS, BRIDGE_DATA_DIR: join(dir, 'data') }, [STORE]);
    const none = await runCli(['report', '--env-file', cfg.envFile, '--stores-file', cfg.storesFile]);
    expect(none.code).toBe(1);
    expect(none.stderr).toContain('no journal at');
  });

  it('status lists open and claimed incidents with age, announcements, alerts and claims', async () => {
    const r = await runCli(['status', '--json', ...files]);
    expect(r.code).toBe(0);
    const status = JSON.parse(r.stdout) as { daemon: { up: boolean }; incidents: Record<string, unknown>[] };
    expect(status.daemon.up).toBe(false);
    expect(status.incidents).toEqual([
      expect.objectContaining({
        id: ids.open,
        storeId: 'store-1',
        cameraId: '12',
        room: '7',
        state: 'open',
        announcements: 2,
        alerts: 1,
        claimedBy: null,
        claims: 0,
      }),
      expect.objectContaining({
        id: ids.claimed,
        state: 'claimed',
        claimedBy: 'Anna',
        claimedVia: 'conference',
        claims: 2,
        escalatedTo: 'PJSIP/201',
      }),
    ]);
    expect(status.incidents[0]?.ageS).toBeGreaterThanOrEqual(600);
    const human = (await runCli(['status', ...files], INDIA)).stdout;
    expect(human).toContain('\nunresolved incidents: 2 (1 open, 1 claimed)\n');
    expect(human).toMatch(
      new RegExp(
        `\\n  ${ids.open} store store-1 camera 12 room 7: open, age 1\\dm\\d\\ds, 2 announcement\\(s\\), 1 alert\\(s\\), not claimed yet, 0 claim\\(s\\)\\n`,
      ),
    );
    expect(human).toMatch(
      new RegExp(
        `\\n  ${ids.claimed} store store-1 camera 12 room 7: claimed, age \\dm\\d\\ds, 0 announcement\\(s\\), 1 alert\\(s\\), claimed by Anna via conference at ${LOCAL_TIME}, 2 claim\\(s\\), escalated at ${LOCAL_TIME} to PJSIP/201\\n`,
      ),
    );
  });
});
