import { existsSync, readdirSync, readFileSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { WildixCapture } from '../../../src/chat/wildix-capture';
import {
  CAPTURE_REQUEST_FILE,
  captureFileName,
  readCaptureRequest,
  writeCaptureRequest,
} from '../../../src/chat/capture-request';
import { FIXTURES, tempDir } from '../../helpers/paths';
import { ManualClock } from '../../helpers/manual-clock';
import { capturedLogger } from '../../helpers/quiet-logger';

/** docs.wildix.com, Conferences -> Webhooks: the conference:live:progress example, as the PBX would send it. */
const PROGRESS = readFileSync(join(FIXTURES, 'wildix', 'conference-live-progress.body.json'));
const DAY = 86_400_000;

describe('Wildix capture', () => {
  const setup = (maxBytes?: number) => {
    const dir = tempDir('vb-capture-');
    const clock = new ManualClock(Date.UTC(2024, 6, 25, 11));
    const log = capturedLogger();
    return { dir, clock, log, capture: new WildixCapture(dir, clock, log.logger, maxBytes) };
  };
  const captures = (dir: string) => readdirSync(dir).filter((n) => n.endsWith('.jsonl'));

  it('keeps nothing until asked; then each event, people taken out, in an owner-only file; nothing from the end time on', async () => {
    const { dir, clock, capture, log } = setup();
    capture.offer(PROGRESS);
    expect(captures(dir)).toEqual([]);
    const file = captureFileName('pbx-1', clock.now());
    writeCaptureRequest(dir, { until: clock.now() + 10 * 60_000, file });
    capture.offer(PROGRESS);
    await clock.advance(9 * 60_000);
    capture.offer(Buffer.from('not json at all: Anna +33612345678'));
    await clock.advance(60_000); // the 10 minutes are over
    capture.offer(PROGRESS);
    expect(captures(dir)).toEqual([file]);
    const path = join(dir, file);
    expect(statSync(path).mode & 0o777).toBe(0o600);
    const lines = readFileSync(path, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as { receivedAt: string; body: Record<string, unknown> });
    expect(lines).toHaveLength(2);
    expect(lines[0]?.body).toMatchObject({
      type: 'conference:live:progress',
      data: { subject: '<text>', participants: [{ name: '<name>', email: '<email>', pbxExtension: '25111' }] },
    });
    expect(lines[1]?.body).toEqual({ unreadable: true, bytes: 34 });
    const text = readFileSync(path, 'utf8');
    for (const gone of ['John Doe', 'johndoe@example.com', 'Status & Priorities', 'Anna', '33612345678'])
      expect(text).not.toContain(gone);
    expect(log.lines().filter((l) => l.includes('Wildix events captured'))).toHaveLength(1);
  });

  it('a new request is read at once; a request naming a file outside the pattern is not followed', () => {
    const { dir, clock, capture } = setup();
    writeFileSync(
      join(dir, CAPTURE_REQUEST_FILE),
      JSON.stringify({ until: clock.now() + 60_000, file: '../escape.jsonl' }),
    );
    expect(readCaptureRequest(dir)).toBeUndefined();
    capture.offer(PROGRESS);
    expect(captures(dir)).toEqual([]);
    writeCaptureRequest(dir, { until: clock.now() + 60_000, file: 'wildix-capture-b.jsonl' });
    capture.offer(PROGRESS);
    expect(captures(dir)).toEqual(['wildix-capture-b.jsonl']);
  });

  it('never writes through a link, and stops at its size bound', () => {
    const { dir, clock, capture, log } = setup(PROGRESS.length * 2);
    const target = join(tempDir('vb-capture-target-'), 'elsewhere');
    writeFileSync(target, '');
    symlinkSync(target, join(dir, 'wildix-capture-link.jsonl'));
    writeCaptureRequest(dir, { until: clock.now() + 60_000, file: 'wildix-capture-link.jsonl' });
    expect(() => capture.offer(PROGRESS)).toThrow(/ELOOP/);
    expect(readFileSync(target, 'utf8')).toBe('');
    writeCaptureRequest(dir, { until: clock.now() + 60_000, file: 'wildix-capture-full.jsonl' });
    for (let i = 0; i < 5; i++) capture.offer(PROGRESS);
    expect(readFileSync(join(dir, 'wildix-capture-full.jsonl'), 'utf8').trim().split('\n').length).toBeLessThan(5);
    expect(log.lines().filter((l) => l.includes('capture file full'))).toHaveLength(1);
  });

  it('housekeeping deletes capture files older than 7 days (and a request long over), nothing else', () => {
    const { dir, clock, capture } = setup();
    const now = clock.now();
    const old = join(dir, 'wildix-capture-old.jsonl');
    const recent = join(dir, 'wildix-capture-recent.jsonl');
    const other = join(dir, 'journal.sqlite');
    for (const f of [old, recent, other]) writeFileSync(f, '{}\n');
    for (const f of [old, other]) utimesSync(f, (now - 8 * DAY) / 1000, (now - 8 * DAY) / 1000);
    utimesSync(recent, (now - 6 * DAY) / 1000, (now - 6 * DAY) / 1000);
    writeCaptureRequest(dir, { until: now - 8 * DAY, file: 'wildix-capture-old.jsonl' });
    expect(capture.prune(now)).toBe(1);
    expect([
      existsSync(old),
      existsSync(recent),
      existsSync(other),
      existsSync(join(dir, CAPTURE_REQUEST_FILE)),
    ]).toEqual([false, true, true, false]);
  });
});
