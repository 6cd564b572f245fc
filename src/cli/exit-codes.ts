/** 0 ok, 1 runtime failure, 2 usage, 78 config error (EX_CONFIG), 130 interrupted (128 + SIGINT). */
export const EXIT = { ok: 0, failure: 1, usage: 2, config: 78, interrupted: 130 } as const;

/** Thrown by commands to end with a given code after printing `message`. */
export class CliExit extends Error {
  constructor(
    readonly exitCode: number,
    message: string,
  ) {
    super(message);
  }
}
