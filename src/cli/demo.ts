import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import * as ini from 'ini';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon } from '../daemon';
import { loadConfig } from '../config/load';
import { createLogger } from '../log/logger';
import { secretValues } from '../config/redact';
import { SimWorld } from '../sim/sim-world';
import { testPatternClip } from '../sim/video-sim';
import { buttonIds } from '../sim/xbees-sim';
import { FINAL_STATES } from '../pipeline/alert';
import type { StepEvent } from '../pipeline/ports';
import { CliExit, EXIT } from './exit-codes';
import { journalFile } from '../journal/journal-file';
import { handleDaemonSignals, type StopRequest } from './daemon-signals';
import { signInCode } from '../console/sessions';
import { invokedAs } from './invoked-as';

export interface DemoOptions {
  dataDir?: string;
  keepRunning?: boolean;
  /** `smart-notifications`: the store's alerts go to its x-hoppers broadcast, accepted on a headset. */
  delivery?: string;
  logLevel?: string;
  timeoutS?: string;
}

/**
 * The daemon against built-in simulators of Veesion, the PBX (AMI) and x-bees: registers its
 * hook, has "Veesion" fire one alert, and shows each step as it happens. It holds its data
 * dir like `run` does, so with --keep-running the operator commands pointed at its config
 * (claim, resolve, replay, silence, reload) reach it the same way, signals included.
 */
export async function demo(opts: DemoOptions): Promise<void> {
  if (opts.dataDir !== undefined) return demoIn(opts.dataDir, opts);
  // A temp dir made for this run is its alone: it goes when the demo ends, however it ends
  // (a process.exit too, e.g. when the reader of its output goes away).
  const dir = mkdtempSync(join(tmpdir(), 'veesion-bridge-demo-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  process.once('exit', remove);
  try {
    await demoIn(dir, opts);
  } finally {
    process.off('exit', remove);
    remove();
  }
}

async function demoIn(dir: string, opts: DemoOptions): Promise<void> {
  const t0 = Date.now();
  const say = (msg: string) => process.stdout.write(`[${String(Date.now() - t0).padStart(6)} ms] ${msg}\n`);
  const headsets = opts.delivery === 'smart-notifications';
  if (opts.delivery !== undefined && !headsets && opts.delivery !== 'conference')
    throw new CliExit(EXIT.usage, 'demo: --delivery takes smart-notifications or conference');
  const adminToken = demoAdminToken(join(dir, 'env.custom.ini'));
  const settings = {
    BRIDGE_ADMIN_TOKEN: adminToken,
    ...(headsets ? { BRIDGE_ORIGINATOR: 'smart-notifications,ami' } : {}),
  };
  const world = await new SimWorld({ dir, settings }).start();
  try {
    world.video.video = await testPatternClip(join(dir, 'demo-clip.mp4'));
  } catch (err) {
    say(
      `no demo clip (${(err as Error).message.split('\n')[0]}): the video is opaque bytes and the message gets no still image`,
    );
  }
  say(
    `simulators up: Veesion klaxon ${world.klaxon.url}, AMI 127.0.0.1:${world.ami.port}, x-bees ${world.xbees.url}, video https://${world.video.host}:${world.video.port}`,
  );
  say(`config written: ${world.envFile}, ${world.storesFile}`);
  const config = loadConfig({ envFile: world.envFile, storesFile: world.storesFile, env: {} });
  const logger = createLogger({
    level: opts.logLevel ?? 'warn',
    secrets: secretValues(config.settings),
    stream: process.stderr,
  });
  const daemon = new Daemon({ config, logger, video: world.videoSeams });
  world.notifications.onNotification((n) =>
    say(`PBX (Smart Notifications) <- ${JSON.stringify(n.body)}: requestId ${n.requestId}`),
  );
  world.ami.onOriginate((o) =>
    say(
      `PBX (AMI) <- Originate Channel=${o.channel} Application=${o.application} Data=${o.data} CallerID=${o.callerId}`,
    ),
  );
  world.xbees.onMessage((m) => {
    const files = m.attachments.map((a) => `${String(a.mime)} ${String(a.size)} bytes`).join(', ');
    const buttons = Object.keys(buttonIds(m))
      .map((b) => `[${b}]`)
      .join(' ');
    say(
      `x-bees <- message in ${m.channelId}${files ? ` with ${files}` : ''}:\n${indent(m.text)}${buttons ? `\n${indent(buttons)}` : ''}`,
    );
  });
  const done = new Promise<StepEvent[]>((resolve) => {
    const finals = new Map<string, StepEvent>();
    daemon.pipeline.onStep((e) => {
      say(
        `step ${e.step.padEnd(8)} ${e.state}${e.attempt ? ` (attempt ${e.attempt})` : ''}${e.detail ? `: ${e.detail}` : ''}${e.error ? `: ${e.error}` : ''}`,
      );
      if (FINAL_STATES.includes(e.state)) finals.set(e.step, e);
      if (finals.size === 2) resolve([...finals.values()]);
    });
  });
  // From before the start: an operator's signal would otherwise end the demo (their default action).
  const signals = handleDaemonSignals(daemon);
  const stopped = signals.stopRequest.then((stop) => ({ stop }));
  await daemon.start();
  signals.started();
  let outcome: { ok: boolean } | { stop: StopRequest };
  let stop: StopRequest | undefined;
  try {
    say(
      `daemon receiving on http://127.0.0.1:${daemon.port}/api/v1/veesion (journal ${journalFile(config.settings.BRIDGE_DATA_DIR)})`,
    );
    const alert = oneAlert(world, daemon, done, opts, say).then((ok) => ({ ok }));
    alert.catch(() => undefined); // stopped first, what it throws later is moot
    outcome = await Promise.race([alert, stopped]);
    if ('ok' in outcome)
      say(outcome.ok ? 'alert announced and posted: demo OK' : 'demo FAILED: not every step succeeded in time');
    if ('ok' in outcome && opts.keepRunning) {
      const files = `--env-file ${world.envFile} --stores-file ${world.storesFile}`;
      const command = invokedAs();
      say(
        `still running; send more with: ${command} test-alert --store ${world.stores[0]?.store_veesion_id ?? ''} ${files}`,
      );
      // The link's code signs in once and holds no part of the admin token; after the #, so the
      // browser never sends it (no request line, no log), and the page takes it out of its address at once.
      say(
        `operator console: http://127.0.0.1:${daemon.port}/console#once=${signInCode(adminToken)} (signs in once, within an hour; then sign in with BRIDGE_ADMIN_TOKEN from ${world.envFile})`,
      );
      say(
        `operator commands reach this daemon with the same files, e.g. ${command} claim <alert-id> --by <name> ${files} (also resolve, replay, silence, reload, status); Ctrl-C stops`,
      );
      ({ stop } = await stopped);
    }
  } finally {
    await daemon.stop();
    await world.stop();
  }
  if ('stop' in outcome)
    throw new CliExit(EXIT.failure, `demo stopped (${outcome.stop.why}) before its alert was through`);
  if (!outcome.ok) throw new CliExit(EXIT.failure, 'demo failed');
  if (stop && stop.code !== EXIT.ok) throw new CliExit(stop.code, `demo stopped: ${stop.why}`);
}

/**
 * The demo's admin token, so its console can be signed in to: the one already in the env file
 * of a reused --data-dir (the user's own, or an earlier run's) is kept, never replaced; a new
 * data dir gets a random one.
 */
function demoAdminToken(envFile: string): string {
  if (existsSync(envFile)) {
    const kept = ini.parse(readFileSync(envFile, 'utf8')).BRIDGE_ADMIN_TOKEN;
    if (typeof kept === 'string' && kept.length > 0) return kept;
  }
  return `demo-${randomBytes(24).toString('base64url')}`;
}

/** Has "Veesion" fire one alert once the hook is registered; true when both steps succeeded and the chat heard who took it. */
async function oneAlert(
  world: SimWorld,
  daemon: Daemon,
  done: Promise<StepEvent[]>,
  opts: DemoOptions,
  say: (msg: string) => void,
): Promise<boolean> {
  await waitFor(() => world.ami.connections > 0 && daemon.ami.loggedIn && world.klaxon.hooks.size > 0, 10_000);
  say(`AMI logged in; Veesion hook registered for ${[...world.klaxon.hooks.keys()].join(', ')}`);
  const store = world.stores[0]!; // `!`: SimWorld always has a store
  const payload = {
    storeId: store.store_veesion_id,
    startDate: new Date().toISOString(),
    endDate: new Date().toISOString(),
    cameraIp: '192.168.10.64',
    cameraId: '3',
    groupId: 'entrance',
    alertType: 'theft',
    videoUrl: world.video.url('demo-alert'),
  };
  const statuses = await world.klaxon.fireAlert(store.store_veesion_id, payload);
  say(`Veesion -> POST hook: HTTP ${statuses.join(', ')}`);
  const timeout = Number(opts.timeoutS ?? 60) * 1000;
  const finals = await Promise.race([
    done,
    new Promise<undefined>((r) => setTimeout(() => r(undefined), timeout).unref()),
  ]);
  const ok = finals?.every((e) => e.state === 'succeeded') ?? false;
  return ok && (opts.delivery === 'smart-notifications' ? acceptOnHeadset(world, say) : pressOnIt(world, say));
}

/** A store member presses "I'm on it" in x-bees: Wildix sends the signed event, the chat hears who took it. */
async function pressOnIt(world: SimWorld, say: (msg: string) => void): Promise<boolean> {
  const message = world.xbees.messages[0];
  const id = message && buttonIds(message)["I'm on it"];
  if (!message || !id) return false;
  const answer = await world.wildix.press(message.channelId, id, { id: 'demo-anna', name: 'Anna' });
  say(`Wildix -> POST /api/v1/wildix/events (Anna pressed "I'm on it"): HTTP ${answer.status} ${answer.body}`);
  const told = () => world.xbees.messages.some((m) => m.text.startsWith('Anna is on it'));
  try {
    await waitFor(told, 10_000);
  } catch {
    return false;
  }
  return answer.status === 200;
}

/** Anna double-presses push-to-talk on her headset: x-hoppers' state says so, the chat hears who took it. */
async function acceptOnHeadset(world: SimWorld, say: (msg: string) => void): Promise<boolean> {
  const n = world.notifications.notifications[0];
  if (!n) return false;
  world.notifications.accept(n.requestId, 'Anna');
  say(`x-hoppers: Anna double-pressed push-to-talk (request ${n.requestId} accepted)`);
  try {
    await waitFor(() => world.xbees.messages.some((m) => m.text.startsWith('Anna is on it')), 10_000);
  } catch {
    return false;
  }
  return true;
}

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new CliExit(EXIT.failure, 'demo: simulators not ready in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => `             | ${l}`)
    .join('\n');
}
