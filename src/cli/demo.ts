import { mkdtempSync } from 'node:fs';
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

export interface DemoOptions {
  dataDir?: string;
  keepRunning?: boolean;
  logLevel?: string;
  timeoutS?: string;
}

/**
 * The daemon against built-in simulators of Veesion, the PBX (AMI) and x-bees: registers its
 * hook, has "Veesion" fire one alert, and shows each step as it happens.
 */
export async function demo(opts: DemoOptions): Promise<void> {
  const dir = opts.dataDir ?? mkdtempSync(join(tmpdir(), 'veesion-bridge-demo-'));
  const t0 = Date.now();
  const say = (msg: string) => process.stdout.write(`[${String(Date.now() - t0).padStart(6)} ms] ${msg}\n`);
  const world = await new SimWorld({ dir }).start();
  try {
    world.video.video = await testPatternClip(join(dir, 'demo-clip.mp4'));
  } catch (err) {
    say(`no demo clip (${(err as Error).message.split('\n')[0]}): the video is opaque bytes and the message gets no still image`);
  }
  say(`simulators up: Veesion klaxon ${world.klaxon.url}, AMI 127.0.0.1:${world.ami.port}, x-bees ${world.xbees.url}, video https://${world.video.host}:${world.video.port}`);
  say(`config written: ${world.envFile}, ${world.storesFile}`);
  const config = loadConfig({ envFile: world.envFile, storesFile: world.storesFile, env: {} });
  const logger = createLogger({ level: opts.logLevel ?? 'warn', secrets: secretValues(config.settings), stream: process.stderr });
  const daemon = new Daemon({ config, logger, video: world.videoSeams });
  world.ami.onOriginate((o) => say(`PBX (AMI) <- Originate Channel=${o.channel} Application=${o.application} Data=${o.data} CallerID=${o.callerId}`));
  world.xbees.onMessage((m) => {
    const files = m.attachments.map((a) => `${String(a['mime'])} ${String(a['size'])} bytes`).join(', ');
    const buttons = Object.keys(buttonIds(m)).map((b) => `[${b}]`).join(' ');
    say(`x-bees <- message in ${m.channelId}${files ? ` with ${files}` : ''}:\n${indent(m.text)}${buttons ? `\n${indent(buttons)}` : ''}`);
  });
  const done = new Promise<StepEvent[]>((resolve) => {
    const finals = new Map<string, StepEvent>();
    daemon.pipeline.onStep((e) => {
      say(`step ${e.step.padEnd(8)} ${e.state}${e.attempt ? ` (attempt ${e.attempt})` : ''}${e.detail ? `: ${e.detail}` : ''}${e.error ? `: ${e.error}` : ''}`);
      if (FINAL_STATES.includes(e.state)) finals.set(e.step, e);
      if (finals.size === 2) resolve([...finals.values()]);
    });
  });
  await daemon.start();
  say(`daemon receiving on http://127.0.0.1:${daemon.port}/api/v1/veesion (journal ${journalFile(config.settings.BRIDGE_DATA_DIR)})`);
  await waitFor(() => world.ami.connections > 0 && daemon.ami.loggedIn && world.klaxon.hooks.size > 0, 10_000);
  say(`AMI logged in; Veesion hook registered for ${[...world.klaxon.hooks.keys()].join(', ')}`);
  const store = world.stores[0]!; // `!`: SimWorld always has a store
  const payload = {
    storeId: store.store_veesion_id, startDate: new Date().toISOString(), endDate: new Date().toISOString(),
    cameraIp: '192.168.10.64', cameraId: '3', groupId: 'entrance', alertType: 'theft', videoUrl: world.video.url('demo-alert'),
  };
  const statuses = await world.klaxon.fireAlert(store.store_veesion_id, payload);
  say(`Veesion -> POST hook: HTTP ${statuses.join(', ')}`);
  const timeout = Number(opts.timeoutS ?? 60) * 1000;
  const finals = await Promise.race([done, new Promise<undefined>((r) => setTimeout(() => r(undefined), timeout).unref())]);
  let ok = finals?.every((e) => e.state === 'succeeded') ?? false;
  if (ok) ok = await pressOnIt(world, say);
  say(ok ? 'alert announced and posted: demo OK' : 'demo FAILED: not every step succeeded in time');
  if (opts.keepRunning) {
    say(`still running; send more with: ./bin/veesion-bridge test-alert --store ${store.store_veesion_id} --env-file ${world.envFile} --stores-file ${world.storesFile}; Ctrl-C stops`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  }
  await daemon.stop();
  await world.stop();
  if (!ok) throw new CliExit(EXIT.failure, 'demo failed');
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

async function waitFor(cond: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new CliExit(EXIT.failure, 'demo: simulators not ready in time');
    await new Promise((r) => setTimeout(r, 20));
  }
}

function indent(text: string): string {
  return text.split('\n').map((l) => `             | ${l}`).join('\n');
}
