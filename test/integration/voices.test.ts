import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bootWorld, STORES, type World } from '../helpers/world';
import { runCli } from '../helpers/cli';
import { tempDir, writeConfig, VALID_SETTINGS } from '../helpers/paths';
import { waitFor } from '../helpers/quiet-logger';
import { TtsRenderer } from '../../src/tts/tts-renderer';
import { BUILT_IN } from '../../src/pipeline/sentences';
import { renderTemplate } from '../../src/pipeline/template';
import { readWavInfo } from '../../src/tts/wav';

const ADMIN = 'voices-admin-token-0123456789';

/**
 * A store's own language against the real daemon and engines: its sentences are rendered ahead
 * (after a reload that adds it), `say` renders with its voice and plays in its conference, and
 * check-config refuses a language nobody speaks.
 */
describe("voices in the store's language", () => {
  let w: World | undefined;
  afterEach(async () => {
    await w?.stop();
    w = undefined;
  });

  type Details = { details: { audioCache: { wanted: number; cached: number; running: boolean } } };
  const cache = async (base: string) => ((await (await fetch(`${base}/readyz`)).json()) as Details).details.audioCache;

  it('a store added by a reload has the sentences of its cameras rendered ahead, in French; status shows the coverage', async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN } });
    const { world, base } = w;
    // Alerts for a store not configured yet (kept as unroutable): its camera is known.
    expect((await w.post({ alert_uuid: 'fr-1', location: 'magasin-lyon', camera_id: '12' })).body.status).toBe(
      'unroutable',
    );
    writeFileSync(
      world.storesFile,
      JSON.stringify({
        stores: [
          ...STORES,
          {
            store_veesion_id: 'magasin-lyon',
            name: 'Lyon Part-Dieu',
            audio_conf_id: '77',
            xbees_channel_id: 'chan-lyon',
            language: 'fr-FR',
          },
        ],
      }),
    );
    world.ami.join('77', { callerIdNum: '200', callerIdName: 'Staff' });
    expect(w.daemon.reload()).toMatchObject({ added: ['magasin-lyon'] });
    await waitFor(
      async () => {
        const c = await cache(base);
        return c.wanted >= 1 && c.cached === c.wanted && !c.running;
      },
      30_000,
      "the new store's sentences rendered ahead",
    );
    const french = renderTemplate(BUILT_IN.fr.single, { name: 'Lyon Part-Dieu', cameraId: '12' });
    const check = new TtsRenderer({
      engine: w.config.settings.BRIDGE_TTS_ENGINE,
      voice: '',
      cacheDir: join(w.config.settings.BRIDGE_DATA_DIR, 'sounds'),
      timeoutMs: 10_000,
    });
    expect(await check.isCached(french, 'fr-FR')).toBe(true);
    await check.stop();
    const status = await runCli(['status', '--env-file', world.envFile, '--stores-file', world.storesFile]);
    expect(status.stdout).toMatch(/audio cache: (\d+) of \1 sentences ready/);
  }, 90_000);

  it("say: renders with the store's voice into a WAV, and --call plays it in the store's conference through the daemon", async () => {
    w = await bootWorld({ settings: { BRIDGE_ADMIN_TOKEN: ADMIN, BRIDGE_AUDIO_RATE: '16000' } });
    const { world } = w;
    const files = ['--env-file', world.envFile, '--stores-file', world.storesFile];
    const out = join(tempDir(), 'bonjour.wav');
    const rendered = await runCli([
      'say',
      'Bonjour, ceci est un essai',
      '--store',
      'store-b',
      '--out',
      out,
      '--json',
      ...files,
    ]);
    expect(rendered.code).toBe(0);
    expect(JSON.parse(rendered.stdout)).toMatchObject({ ok: true, sampleRate: 16000 });
    expect(readWavInfo(readFileSync(out))).toMatchObject({ sampleRate: 16000, channels: 1, bitsPerSample: 16 });
    const before = world.ami.originates.filter((o) => o.channel.startsWith('Local/3@')).length;
    const called = await runCli(['say', 'Test of the conference', '--store', 'store-b', '--call', ...files]);
    expect([called.code, called.stderr]).toEqual([0, '']);
    expect(called.stdout).toContain('said in conference 3');
    expect(world.ami.originates.filter((o) => o.channel.startsWith('Local/3@')).length).toBe(before + 1);
    expect((await runCli(['say', 'x', '--call', ...files])).code).toBe(2); // --call needs --store
    expect((await runCli(['say', 'x', '--store', 'nope', ...files])).code).toBe(2);
  }, 90_000);

  it('check-config refuses a store language no installed engine speaks (exit 78), and accepts one that is', async () => {
    const dir = tempDir();
    const bad = writeConfig(dir, VALID_SETTINGS, [
      { store_veesion_id: 's', name: 'S', audio_conf_id: '7', xbees_channel_id: 'c', language: 'tlh' },
    ]);
    const refused = await runCli(['check-config', '--env-file', bad.envFile, '--stores-file', bad.storesFile]);
    expect(refused.code).toBe(78);
    expect(refused.stderr).toContain('no installed speech engine speaks tlh');
    const good = writeConfig(tempDir(), VALID_SETTINGS, [
      {
        store_veesion_id: 's',
        name: 'S',
        audio_conf_id: '7',
        xbees_channel_id: 'c',
        language: 'it-IT',
        alert_text: 'Ladro alla telecamera ${cameraId}',
      },
    ]);
    const ok = await runCli(['check-config', '--env-file', good.envFile, '--stores-file', good.storesFile]);
    expect([ok.code, ok.stdout]).toEqual([0, expect.stringContaining('language it-IT')]);
  }, 60_000);
});
