import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Daemon, type DaemonOptions } from '../../src/daemon';
import { loadConfig } from '../../src/config/load';
import { secretValues } from '../../src/config/redact';
import { SimWorld, type SimWorldOptions } from '../../src/sim/sim-world';
import { FINAL_STATES } from '../../src/pipeline/alert';
import type { StepRecord } from '../../src/pipeline/ports';
import { journalFile } from '../../src/journal/journal-file';
import { capturedLogger, waitFor } from './quiet-logger';
import { journalRawBody, journalSteps } from './journal-rows';
import { FIXTURES, tempDir } from './paths';

export const STORES = [
  {
    store_veesion_id: 'test-store-wildix',
    name: 'Wildix Test Store',
    audio_conf_id: '2',
    xbees_channel_id: 'chan-test-store',
    location: 'Trento',
  },
  { store_veesion_id: 'store-b', name: 'Store B', audio_conf_id: '3', xbees_channel_id: 'chan-b' },
  { store_veesion_id: 'store-c', name: 'Store C', audio_conf_id: '4', xbees_channel_id: 'chan-c' },
  { store_veesion_id: 'store-d', name: 'Store D', audio_conf_id: '5', xbees_channel_id: 'chan-d' },
];

/** The real daemon against every simulator, with its whole log captured. */
export async function bootWorld(
  opts: Partial<SimWorldOptions> = {},
  extra: { daemon?: Partial<DaemonOptions>; before?: (world: SimWorld) => void; skipAmiLogin?: boolean } = {},
) {
  const world = await new SimWorld({ dir: tempDir('vb-world-'), stores: STORES, ...opts }).start();
  extra.before?.(world);
  const config = loadConfig({ envFile: world.envFile, storesFile: world.storesFile, env: {} });
  const { logger, lines } = capturedLogger(secretValues(config.settings));
  const daemon = new Daemon({ config, logger, video: world.videoSeams, stopDeadlineMs: 2000, ...extra.daemon });
  await daemon.start();
  if (config.settings.BRIDGE_ORIGINATOR[0] === 'ami' && !extra.skipAmiLogin)
    await waitFor(() => daemon.ami.loggedIn, 5000, 'AMI login');
  const base = `http://127.0.0.1:${daemon.port}`;

  const post = async (body: unknown, headers: Record<string, string> = {}, query = `?token=${world.hookToken}`) => {
    const res = await fetch(`${base}/api/v1/veesion${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
    return { status: res.status, body: (await res.json()) as { status?: string; alertId?: string; error?: string } };
  };

  const file = journalFile(config.settings.BRIDGE_DATA_DIR);
  /** An alert's steps as committed to the daemon's journal. */
  const steps = (alertId: string) => journalSteps(file, alertId);
  const rawBody = (alertId: string) => journalRawBody(file, alertId);

  const finished = async (alertId: string, ms = 20_000): Promise<StepRecord[]> => {
    await waitFor(
      () => {
        const rows = steps(alertId);
        return rows.length > 0 && rows.every((s) => FINAL_STATES.includes(s.state));
      },
      ms,
      `steps of ${alertId}`,
    );
    return steps(alertId);
  };

  const stop = async () => {
    await daemon.stop();
    await world.stop();
  };
  return { world, daemon, config, logLines: lines, base, post, finished, steps, rawBody, stop };
}

export type World = Awaited<ReturnType<typeof bootWorld>>;

export const fixture = (name: string) =>
  JSON.parse(readFileSync(join(FIXTURES, 'veesion', name), 'utf8')) as Record<string, unknown>;
