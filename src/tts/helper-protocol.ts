import type { FailureKind } from '../pipeline/step-error';
import type { StillImageOptions } from '../chat/still-image';

/**
 * What the daemon and its process helper (helper-main.ts) say to each other over the helper's
 * IPC channel (V8 serialization: buffers go as bytes, not as JSON).
 */
export type HelperRequest =
  | {
      type: 'run';
      id: number;
      command: string;
      args: string[];
      stdin: Buffer;
      timeoutMs: number;
      niceness: number;
      /** Take a process started ahead for this command line, and keep one waiting after. */
      spare: boolean;
    }
  | { type: 'still'; id: number; video: Buffer; opts: StillImageOptions }
  /** Start a spare for each command line in use (after a render is done). */
  | { type: 'refill' };

/** A StepError as it crosses the channel. `output`: how many chunks a failed engine wrote. */
export interface HelperFailure {
  code: string;
  kind: FailureKind;
  message: string;
  output?: number;
}

export type HelperAnswer =
  | { id: number; ok: true; stdout: Buffer; stderr: string; status: number }
  | { id: number; ok: true; jpeg: Buffer }
  | { id: number; ok: false; error: HelperFailure };
