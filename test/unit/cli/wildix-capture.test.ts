import { mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { wildixCapture } from '../../../src/cli/wildix-capture';
import { buildProgram } from '../../../src/cli/main';
import { CAPTURE_REQUEST_FILE, readCaptureRequest } from '../../../src/chat/capture-request';
import { WildixCapture } from '../../../src/chat/wildix-capture';
import { CliExit } from '../../../src/cli/exit-codes';
import { FIXTURES, STORE, VALID_SETTINGS, tempDir, writeConfig } from '../../helpers/paths';
import { capturedLogger } from '../../helpers/quiet-logger';

/** `veesion-bridge wildix capture --minutes N` asks the daemon of the data directory for a capture. */
describe('veesion-bridge wildix capture', () => {
  const config = (events = true) => {
    const dir = tempDir('vb-cli-capture-');
    const dataDir = join(dir, 'data');
    mkdirSync(dataDir);
    const secret: Record<string, string> = events ? { BRIDGE_WILDIX_WEBHOOK_SECRET: 'wildix-secret-0123456789' } : {};
    return { dataDir, ...writeConfig(dir, { ...VALID_SETTINGS, BRIDGE_DATA_DIR: dataDir, ...secret }, [STORE]) };
  };
  const run = async (opts: Parameters<typeof wildixCapture>[0]) => {
    let out = '';
    const spy = jest.spyOn(process.stdout, 'write').mockImplementation((c) => ((out += String(c)), true));
    try {
      await wildixCapture(opts);
    } finally {
      spy.mockRestore();
    }
    return out;
  };

  it('is declared under `wildix`, with --minutes required', () => {
    const wildix = buildProgram().commands.find((c) => c.name() === 'wildix');
    const capture = wildix?.commands.find((c) => c.name() === 'capture');
    expect(capture?.options.map((o) => [o.long, o.mandatory])).toEqual([['--minutes', true]]);
  });

  it('writes the request in the data directory, says where the file will be and when it ends; the daemon captures there', async () => {
    const { dataDir, envFile, storesFile } = config();
    const before = Date.now();
    const out = JSON.parse(await run({ envFile, storesFile, json: true, minutes: '10' })) as {
      file: string;
      until: string;
      daemonRunning: boolean;
    };
    const req = readCaptureRequest(dataDir);
    expect(req && join(dataDir, req.file)).toBe(out.file);
    expect(basename(out.file)).toMatch(/^wildix-capture-.+-\d{8}T\d{9}Z\.jsonl$/);
    expect(Date.parse(out.until)).toBe(req?.until);
    expect(req!.until - before).toBeGreaterThanOrEqual(10 * 60_000);
    expect(req!.until - before).toBeLessThan(10 * 60_000 + 5_000);
    expect(out.daemonRunning).toBe(false);
    expect(statSync(join(dataDir, CAPTURE_REQUEST_FILE)).mode & 0o777).toBe(0o644); // the daemon's user reads it

    const human = await run({ envFile, storesFile, minutes: '3' });
    expect(human).toContain(`until ${new Date(readCaptureRequest(dataDir)!.until).toISOString()} (3 min)`);
    expect(human).toContain(`file: ${join(dataDir, readCaptureRequest(dataDir)!.file)}`);
    expect(human).toContain('no daemon is running');

    // The daemon side: the next signed event lands in the file the command named.
    const capture = new WildixCapture(dataDir, { now: () => Date.now() }, capturedLogger().logger);
    capture.offer(readFileSync(join(FIXTURES, 'wildix', 'conference-live-join.body.json')));
    expect(statSync(join(dataDir, readCaptureRequest(dataDir)!.file)).mode & 0o777).toBe(0o600);
  });

  it('refuses a bad --minutes (usage) and a daemon whose Wildix events are off', async () => {
    const { envFile, storesFile } = config();
    for (const bad of ['0', '-1', '2.5', 'ten', '100000'])
      await expect(run({ envFile, storesFile, minutes: bad })).rejects.toMatchObject({ exitCode: 2 });
    const off = config(false);
    const err = await run({ envFile: off.envFile, storesFile: off.storesFile, minutes: '10' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CliExit);
    expect(err).toMatchObject({ exitCode: 1, message: expect.stringContaining('BRIDGE_WILDIX_WEBHOOK_SECRET') });
  });
});
