/**
 * One area of the daemon (veesion, chat, ...): built from the config by its own function, started
 * by the daemon in dependency order and stopped in reverse (STYLE 11). An area sees the others
 * only through pipeline ports.
 */
export interface Area {
  start(): void | Promise<void>;
  stop(): void | Promise<void>;
}

/** A readiness check for /readyz: its name, whether it passes, and why not (never a secret). */
export interface ReadinessCheck {
  name: string;
  ok: () => boolean;
  reason?: () => string | undefined;
}

/** Waits for `work` at most `ms`: true when it was still running then (what stop() reports). */
export function outlasts(work: Promise<unknown>, ms: number): Promise<boolean> {
  return Promise.race([work.then(() => false), new Promise<boolean>((r) => setTimeout(() => r(true), ms).unref())]);
}
