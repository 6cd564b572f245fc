import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import { telephoneWav, type Pcm } from './pcm';

/**
 * The announcement's DSP (resampling, loudness, the chime) on a worker thread: a sentence costs
 * 10-20 ms of CPU, which on the event loop would hold back every acknowledgement queued behind
 * it during a flood of alerts. Started at the first render; one job at a time, in
 * order. Without its compiled module (a checkout never built) it runs in-process instead.
 */
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const { telephoneWav } = require(workerData.module);
parentPort.on('message', (job) => {
  if (job === 'stop') return parentPort.close();
  try {
    const chime = job.chime ? { rate: job.chime.rate, samples: job.chime.samples } : undefined;
    const wav = telephoneWav(Buffer.from(job.speech.buffer, job.speech.byteOffset, job.speech.byteLength), job.rate, chime);
    parentPort.postMessage({ id: job.id, wav }, [wav.buffer]);
  } catch (err) {
    parentPort.postMessage({ id: job.id, error: String(err && err.message || err) });
  }
});
`;

/** The compiled pcm module: beside this file once built, or in dist/ when running from src/ (tests). */
function pcmModule(): string | undefined {
  return [join(__dirname, 'pcm.js'), resolve(__dirname, '../../dist/src/tts/pcm.js')].find((p) => existsSync(p));
}

export class PcmWorker {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve: (b: Buffer) => void; reject: (e: Error) => void }>();
  private readonly module = pcmModule();

  /** Speech WAV -> the announcement WAV at `rate`, after the chime. */
  convert(speech: Buffer, rate: number, chime?: Pcm): Promise<Buffer> {
    if (!this.module) return Promise.resolve(telephoneWav(speech, rate, chime));
    const worker = this.start();
    const id = this.nextId++;
    // Held while a job is out: an idle worker must not keep a process (the CLI's `say`) alive,
    // and a busy one must not let it end before the answer.
    worker.ref();
    return new Promise<Buffer>((resolvePromise, reject) => {
      this.pending.set(id, { resolve: resolvePromise, reject });
      worker.postMessage({ id, speech, rate, chime });
    }).finally(() => {
      if (this.pending.size === 0 && this.worker === worker) worker.unref();
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = undefined;
    if (!worker) return;
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    // Held while it stops: an unref'd worker leaves the event loop empty, and the process would
    // end mid-stop, before the journal is closed and the 'stopped' line logged.
    worker.ref();
    worker.postMessage('stop');
    await exited;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { module: this.module },
      resourceLimits: { maxYoungGenerationSizeMb: 4, maxOldGenerationSizeMb: 64, stackSizeMb: 1 },
    });
    worker.on('message', (m: { id: number; wav?: Uint8Array; error?: string }) => {
      const job = this.pending.get(m.id);
      this.pending.delete(m.id);
      if (!job) return;
      if (m.wav) job.resolve(Buffer.from(m.wav.buffer, m.wav.byteOffset, m.wav.byteLength));
      else job.reject(new Error(m.error ?? 'audio conversion failed'));
    });
    const fail = (err: Error) => {
      if (this.worker === worker) this.worker = undefined; // the next job starts a new one
      for (const job of this.pending.values()) job.reject(err);
      this.pending.clear();
    };
    worker.on('error', fail);
    worker.on('exit', (code) => fail(new Error(`audio worker exited (${code})`)));
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
