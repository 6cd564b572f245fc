import { hostname } from 'node:os';
import { join } from 'node:path';
import { configFor, print, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { captureFileName, writeCaptureRequest } from '../chat/capture-request';
import { DataDirLock } from '../journal/data-dir-lock';

const MAX_MINUTES = 24 * 60;

/**
 * `veesion-bridge wildix capture --minutes N`: the daemon of this data directory keeps the signed
 * Wildix events it receives for N minutes, people taken out, in an owner-only file there (deleted
 * after 7 days). For the events Wildix does not document, such as a button press: one captured
 * on the installer's own PBX says what it looks like.
 */
export async function wildixCapture(opts: GlobalOptions & { minutes: string }): Promise<void> {
  const minutes = Number(opts.minutes);
  if (!Number.isInteger(minutes) || minutes < 1 || minutes > MAX_MINUTES) {
    throw new CliExit(
      EXIT.usage,
      `wildix capture: --minutes is a whole number from 1 to ${MAX_MINUTES} (got "${opts.minutes}")\nusage: veesion-bridge wildix capture --minutes 10`,
    );
  }
  const { settings } = configFor(opts);
  if (!settings.BRIDGE_WILDIX_WEBHOOK_SECRET) {
    throw new CliExit(
      EXIT.failure,
      'wildix capture: Wildix events are off (BRIDGE_WILDIX_WEBHOOK_SECRET is not set): there would be nothing to capture',
    );
  }
  const dataDir = settings.BRIDGE_DATA_DIR;
  const now = Date.now();
  const until = now + minutes * 60_000;
  const file = captureFileName(hostname(), now);
  try {
    writeCaptureRequest(dataDir, { until, file });
  } catch (err) {
    throw new CliExit(
      EXIT.failure,
      `wildix capture: cannot write the request in ${dataDir}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    );
  }
  const path = join(dataDir, file);
  const running = DataDirLock.holder(dataDir) !== undefined;
  const lines = [
    `capturing the signed Wildix events this daemon receives until ${new Date(until).toISOString()} (${minutes} min)`,
    `file: ${path} (owner-only; names, e-mail addresses, phone numbers and texts replaced; deleted after 7 days)`,
    ...(running
      ? []
      : [`note: no daemon is running on ${dataDir} now; the capture starts when one does, and ends at the same time`]),
  ];
  print(opts, lines.join('\n'), { ok: true, file: path, until: new Date(until).toISOString(), daemonRunning: running });
}
