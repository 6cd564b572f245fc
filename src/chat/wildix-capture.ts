import { closeSync, constants, fchmodSync, fstatSync, openSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { deleteOlderThan } from './old-files';
import type { Logger } from '../log/logger';
import { redactEvent } from './event-redaction';
import { CAPTURE_FILE, CAPTURE_REQUEST_FILE, readCaptureRequest, type CaptureRequest } from './capture-request';

/** How long capture files are kept: long enough to attach to a report, not to become an archive. */
export const CAPTURE_KEEP_MS = 7 * 86_400_000;
/** A capture file stops growing here: a busy PBX's presence events must not fill the disk. */
const MAX_CAPTURE_BYTES = 5 * 1024 * 1024;

/**
 * While `veesion-bridge wildix capture` asks for it (see capture-request.ts), the raw bodies of
 * the signed Wildix events this daemon receives, with people taken out (event-redaction.ts), one
 * JSON line each in an owner-only file of the data directory: what an installer attaches to a
 * report on an event Wildix does not document. Housekeeping deletes the files after 7 days.
 */
export class WildixCapture {
  private request: CaptureRequest | undefined;
  /** The request file as last read (modification time and size): read again when it changes. */
  private seen = '';
  private readonly full = new Set<string>();

  constructor(
    private readonly dataDir: string,
    private readonly clock: { now(): number },
    private readonly logger: Logger,
    private readonly maxBytes = MAX_CAPTURE_BYTES,
  ) {}

  /** A signed event's raw body: kept when a capture is on. Never throws for a bad body. */
  offer(raw: Buffer): void {
    const req = this.current();
    const now = this.clock.now();
    if (!req || now >= req.until || this.full.has(req.file)) return;
    let body: unknown;
    try {
      body = redactEvent(JSON.parse(raw.toString('utf8')));
    } catch {
      body = { unreadable: true, bytes: raw.length };
    }
    this.append(req.file, `${JSON.stringify({ receivedAt: new Date(now).toISOString(), body })}\n`);
  }

  /** Deletes capture files older than 7 days, and a request long over; returns how many files went. */
  prune(now: number): number {
    const removed = deleteOlderThan(this.dataDir, CAPTURE_KEEP_MS, now, (n) => CAPTURE_FILE.test(n));
    const req = readCaptureRequest(this.dataDir);
    if (req && now - req.until > CAPTURE_KEEP_MS) {
      try {
        unlinkSync(join(this.dataDir, CAPTURE_REQUEST_FILE));
      } catch {
        // gone meanwhile
      }
    }
    return removed;
  }

  private current(): CaptureRequest | undefined {
    let stamp = '';
    try {
      const st = statSync(join(this.dataDir, CAPTURE_REQUEST_FILE));
      stamp = `${st.ino}:${st.mtimeMs}:${st.size}`;
    } catch {
      // no capture asked for
    }
    if (stamp !== this.seen) {
      this.seen = stamp;
      this.request = stamp ? readCaptureRequest(this.dataDir) : undefined;
      if (this.request && this.clock.now() < this.request.until) {
        this.logger.info('Wildix events captured (names, addresses, numbers and texts taken out)', {
          file: join(this.dataDir, this.request.file),
          until: new Date(this.request.until).toISOString(),
        });
      }
    }
    return this.request;
  }

  private append(file: string, line: string): void {
    const path = join(this.dataDir, file);
    // Never through a link: the file is created here, owner-only, whatever the umask.
    const fd = openSync(
      path,
      constants.O_WRONLY | constants.O_APPEND | constants.O_CREAT | constants.O_NOFOLLOW,
      0o600,
    );
    try {
      fchmodSync(fd, 0o600);
      if (fstatSync(fd).size + Buffer.byteLength(line) > this.maxBytes) {
        this.full.add(file);
        this.logger.warn('Wildix capture file full: later events are not kept', {
          file: path,
          maxBytes: this.maxBytes,
        });
        return;
      }
      writeSync(fd, line);
    } finally {
      closeSync(fd);
    }
  }
}
