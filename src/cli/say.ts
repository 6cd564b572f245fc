import axios, { type AxiosResponse } from 'axios';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { TtsRenderer } from '../tts/tts-renderer';
import { readWavInfo } from '../tts/wav';
import { soundFile } from '../tts/sound-file';
import { CliExit, EXIT } from './exit-codes';
import { configFor, print, receiverBase, receiverRequest, type GlobalOptions } from './context';

export interface SayOptions extends GlobalOptions {
  store?: string;
  out?: string;
  call?: boolean;
}

/** One line, no control characters: it is spoken (and, with --call, named in the daemon's log). */
const SENTENCE = /^[^\x00-\x1f\x7f]{1,500}$/;

/**
 * `veesion-bridge say "<text>" [--store <id>] [--out file.wav] [--call]`: renders a sentence with
 * the store's language and voice (or the global ones) exactly as an announcement is rendered,
 * writes the WAV, and with --call has the running daemon play it in the store's conference, in
 * turn with the announcements.
 */
export async function say(text: string, opts: SayOptions): Promise<void> {
  if (!SENTENCE.test(text)) throw new CliExit(EXIT.usage, 'say: the text is one line of 1 to 500 characters');
  const config = configFor(opts);
  const s = config.settings;
  const store = opts.store === undefined ? undefined : config.stores.find((st) => st.store_veesion_id === opts.store);
  if (opts.store !== undefined && !store)
    throw new CliExit(EXIT.usage, `say: no store ${opts.store} in ${config.files.stores}`);
  if (opts.call && !store) throw new CliExit(EXIT.usage, 'say: --call needs --store (whose conference hears it)');
  const out = opts.out ?? (opts.call ? undefined : 'veesion-say.wav');
  if (out) {
    const dir = mkdtempSync(join(tmpdir(), 'veesion-say-'));
    const tts = new TtsRenderer({
      engine: s.BRIDGE_TTS_ENGINE,
      voice: s.BRIDGE_TTS_VOICE,
      cacheDir: dir,
      timeoutMs: s.BRIDGE_TTS_TIMEOUT_MS,
      rate: s.BRIDGE_AUDIO_RATE,
      chimeFile: s.BRIDGE_CHIME ? soundFile(s.BRIDGE_CHIME) : undefined,
      spareEngines: false,
    });
    try {
      const voice = tts.voice(store?.language);
      const rendered = await tts.render(text, store?.language).catch((err: Error) => {
        throw new CliExit(EXIT.failure, `say: ${err.message}`);
      });
      const wav = readFileSync(`${rendered.playbackPath}.wav`);
      writeFileSync(resolve(out), wav);
      const info = readWavInfo(wav);
      print(
        opts,
        `${resolve(out)}: ${info.sampleRate} Hz mono 16-bit, ${info.durationMs} ms, ${voice?.engine} ${voice?.voice || '(default voice)'}`,
        {
          ok: true,
          file: resolve(out),
          sampleRate: info.sampleRate,
          durationMs: info.durationMs,
          engine: voice?.engine,
          voice: voice?.voice,
        },
      );
    } finally {
      await tts.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  }
  if (opts.call && store) {
    const url = `${receiverBase(s)}/api/v1/stores/${encodeURIComponent(store.store_veesion_id)}/say`;
    let res: AxiosResponse;
    try {
      const { httpsAgent, headers } = receiverRequest(s, { admin: true });
      res = await axios.post(url, { text }, { headers, httpsAgent, timeout: 60_000, validateStatus: () => true });
    } catch (err) {
      throw new CliExit(EXIT.failure, `cannot reach the daemon at ${url}: ${(err as Error).message} (is it running?)`);
    }
    const body = res.data as { played?: boolean; detail?: string; error?: string };
    if (res.status !== 200)
      throw new CliExit(EXIT.failure, `daemon answered ${res.status}: ${body.error ?? JSON.stringify(body)}`);
    print(opts, `said in conference ${store.audio_conf_id}: ${body.detail}`, { ok: true, ...body });
  }
}
