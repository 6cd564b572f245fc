import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { CallOriginator, OriginateRequest, PlacedCall } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';
import { CALL_FILE_VARIABLE, callSpec, RING_TIMEOUT_MS, type CallOptions, type CallSpec } from './call-spec';

export interface CallfileOriginatorOptions extends CallOptions {
  /** Asterisk's spool (`/var/spool/asterisk`): `outgoing/`, `outgoing_done/`, and `tmp/` for writing. */
  spoolDir: string;
  /** How long to wait for the result in `outgoing_done/`. */
  responseTimeoutMs: number;
  /** How often `outgoing_done/` is looked at while a call is waited for. */
  pollMs?: number;
}

/**
 * Places the alert call with an Asterisk call file (pbx_spool): written under a temporary
 * name, renamed into `outgoing/` so Asterisk never reads half a file, and followed to its
 * result in `outgoing_done/` (`Archive: yes` makes Asterisk move it there and append
 * `Status: Completed`, `Expired` or `Failed`). A call file nobody picked up by the deadline is
 * taken back, so it cannot ring minutes later.
 */
export class CallfileOriginator implements CallOriginator {
  constructor(private readonly opts: CallfileOriginatorOptions) {}

  async originate(req: OriginateRequest): Promise<PlacedCall> {
    const spec = callSpec(req, { ...this.opts, variableLine: CALL_FILE_VARIABLE });
    const name = `veesion-bridge-${safeName(req.alertId)}-${randomBytes(4).toString('hex')}.call`;
    const outgoing = join(this.opts.spoolDir, 'outgoing', name);
    const done = join(this.opts.spoolDir, 'outgoing_done', name);
    await this.submit(name, outgoing, callFile(spec));
    const status = await this.result(done);
    if (status === undefined) {
      // Still in outgoing/: Asterisk never took it. Take it back so it cannot ring late.
      const untouched = await rm(outgoing).then(
        () => true,
        () => false,
      );
      throw untouched
        ? new StepError(
            'CALLFILE_NOT_PICKED_UP',
            'connection',
            `Asterisk did not pick up the call file within ${this.opts.responseTimeoutMs} ms (is pbx_spool running?)`,
          )
        : new StepError(
            'CALLFILE_NO_RESULT',
            'timeout',
            `no result for the call file in outgoing_done within ${this.opts.responseTimeoutMs} ms`,
          );
    }
    await rm(done, { force: true });
    if (status !== 'Completed')
      throw new StepError(
        'CALLFILE_FAILED',
        'rejected',
        `call to ${spec.channel} ended as ${status} (call file ${name})`,
      );
    return { channel: spec.channel };
  }

  private async submit(name: string, outgoing: string, content: string): Promise<void> {
    const tmpDir = join(this.opts.spoolDir, 'tmp');
    const tmp = join(tmpDir, `.${name}`);
    try {
      // Not recursive: a mistyped spool directory must fail, not grow a tree of its own.
      await mkdir(tmpDir).catch((err: NodeJS.ErrnoException) => {
        if (err.code !== 'EEXIST') throw err;
      });
      // Group-writable unless the umask says otherwise: a non-root Asterisk appends the Status:
      // line to the file (deploy/systemd/callfile-spool.conf sets UMask=0007 for that).
      await writeFile(tmp, content, { mode: 0o664 });
      await rename(tmp, outgoing);
    } catch (err) {
      await rm(tmp, { force: true });
      const reason = err instanceof Error ? err.message : String(err);
      throw new StepError(
        'CALLFILE_WRITE',
        'connection',
        `cannot write the call file into ${join(this.opts.spoolDir, 'outgoing')}: ${reason}`,
        { cause: err },
      );
    }
  }

  /** The `Status:` Asterisk appended, once it is there; undefined at the deadline. */
  private async result(done: string): Promise<string | undefined> {
    const deadline = Date.now() + this.opts.responseTimeoutMs;
    const pollMs = this.opts.pollMs ?? 50;
    for (;;) {
      // Asterisk renames the file first and appends the status after: wait for the line.
      const text = await readFile(done, 'utf8').catch(() => '');
      const status = /^Status:\s*(\w+)\s*$/m.exec(text)?.[1];
      if (status) return status;
      if (Date.now() >= deadline) return undefined;
      await new Promise((r) => setTimeout(r, Math.min(pollMs, Math.max(1, deadline - Date.now()))));
    }
  }
}

/** The call file (Asterisk's `key: value` lines); values are one line by construction. */
function callFile(spec: CallSpec): string {
  const line = (k: string, v: string) => `${k}: ${v.replace(/[\r\n]/g, ' ')}\n`;
  const target =
    'application' in spec.target
      ? line('Application', spec.target.application) + line('Data', spec.target.data)
      : line('Context', spec.target.context) +
        line('Extension', spec.target.exten) +
        line('Priority', spec.target.priority);
  return (
    line('Channel', spec.channel) +
    line('CallerID', spec.callerId) +
    line('MaxRetries', '0') +
    line('WaitTime', String(RING_TIMEOUT_MS / 1000)) +
    target +
    spec.variables.map(([k, v]) => line('Setvar', `${k}=${v}`)).join('') +
    line('Archive', 'yes')
  );
}

function safeName(id: string): string {
  return id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 64);
}
