import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Daemon } from '../daemon';
import { loadConfig } from '../config/load';
import { createLogger } from '../log/logger';
import { secretValues } from '../config/redact';
import { SimWorld } from '../sim/sim-world';
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
  say(`simulators up: Veesion klaxon ${world.klaxon.url}, AMI 127.0.0.1:${world.ami.port}, x-bees ${world.xbees.url}, video https://${world.video.host}:${world.video.port}`);
  say(`config written: ${world.envFile}, ${world.storesFile}`);
  const config = loadConfig({ envFile: world.envFile, storesFile: world.storesFile, env: {} });
  const logger = createLogger({ level: opts.logLevel ?? 'warn', secrets: secretValues(config.settings), stream: process.stderr });
  const daemon = new Daemon({ config, logger, video: world.videoSeams });
  world.ami.onOriginate((o) => say(`PBX (AMI) <- Originate Channel=${o.channel} Application=${o.application} Data=${o.data} CallerID=${o.callerId}`));
  world.xbees.onMessage((m) => say(`x-bees <- message in ${m.channelId} with ${m.attachments.length} attachment(s):\n${indent(m.text)}`));
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
  const ok = finals?.every((e) => e.state === 'succeeded') ?? false;
  say(ok ? 'alert announced and posted: demo OK' : 'demo FAILED: not every step succeeded in time');
  if (opts.keepRunning) {
    say(`still running; send more with: ./bin/veesion-bridge test-alert --store ${store.store_veesion_id} --env-file ${world.envFile} --stores-file ${world.storesFile}; Ctrl-C stops`);
    await new Promise<void>((resolve) => process.once('SIGINT', resolve).once('SIGTERM', resolve));
  }
  await daemon.stop();
  await world.stop();
  if (!ok) throw new CliExit(EXIT.failure, 'demo failed');
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
