import { chmodSync, chownSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * `veesion-bridge wildix capture` asks the daemon of its data directory to keep the signed Wildix
 * events it receives for a while, through a small file there: no signal, no journal row, and it
 * works the same on a shared PostgreSQL journal, where each daemon has its own data directory
 * and writes its own capture file.
 */
export const CAPTURE_REQUEST_FILE = 'wildix-capture-until';

/** What the daemon writes to: only such a name, in the data directory (the request is a file anyone with access to the directory could edit). */
export const CAPTURE_FILE = /^wildix-capture-[A-Za-z0-9._-]{1,120}\.jsonl$/;

export interface CaptureRequest {
  /** Epoch ms: nothing is kept from then on. */
  until: number;
  /** The capture file's name, in the data directory. */
  file: string;
}

/** `wildix-capture-<host>-<UTC time>.jsonl`: one per daemon and per request. */
export function captureFileName(host: string, start: number): string {
  const who = host.replace(/[^A-Za-z0-9.-]/g, '_').slice(0, 60) || 'host';
  return `wildix-capture-${who}-${new Date(start).toISOString().replace(/[-:.]/g, '')}.jsonl`;
}

/**
 * Writes the request whole (renamed into place). Readable by the daemon's user: the command may
 * run as root; it holds a time and a file name, nothing secret.
 */
export function writeCaptureRequest(dataDir: string, req: CaptureRequest): string {
  const path = join(dataDir, CAPTURE_REQUEST_FILE);
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, `${JSON.stringify(req)}\n`, { mode: 0o644 });
  chmodSync(tmp, 0o644);
  if (process.getuid?.() === 0) {
    const owner = statSync(dataDir);
    chownSync(tmp, owner.uid, owner.gid);
  }
  renameSync(tmp, path);
  return path;
}

/** The request in `dataDir`, or undefined when there is none or it does not read as one. */
export function readCaptureRequest(dataDir: string): CaptureRequest | undefined {
  let text: string;
  try {
    text = readFileSync(join(dataDir, CAPTURE_REQUEST_FILE), 'utf8');
  } catch {
    return undefined;
  }
  try {
    const v = JSON.parse(text) as Partial<CaptureRequest>;
    return typeof v.until === 'number' && typeof v.file === 'string' && CAPTURE_FILE.test(v.file)
      ? { until: v.until, file: v.file }
      : undefined;
  } catch {
    return undefined;
  }
}
