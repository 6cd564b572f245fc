import https from 'node:https';
import type { AddressInfo } from 'node:net';
import { readFileSync } from 'node:fs';
import { generate } from 'selfsigned';
import { runFfmpeg } from '../ffmpeg';

/**
 * Plays the Veesion media host over HTTPS with a self-signed certificate for `host`. The
 * daemon is pointed at it through an injected resolver and CA (never a weakened policy).
 */
export class VideoSimulator {
  readonly requests: string[] = [];
  ca = '';
  private server: https.Server | undefined;

  constructor(
    readonly host = 'media.veesion.io',
    /** What every .mp4 URL serves: an opaque MP4-looking payload, or a real clip a test sets. */
    public video: Buffer = sampleVideo(),
  ) {}

  async start(): Promise<void> {
    const pems = await generate([{ name: 'commonName', value: this.host }], {
      days: 2,
      keySize: 2048,
      algorithm: 'sha256',
      extensions: [{ name: 'subjectAltName', altNames: [{ type: 2, value: this.host }] }],
    } as Parameters<typeof generate>[1]);
    this.ca = pems.cert;
    this.server = https.createServer({ key: pems.private, cert: pems.cert }, (req, res) => {
      this.requests.push(req.url ?? '');
      if (!(req.url ?? '').endsWith('.mp4')) return void res.writeHead(404).end();
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': this.video.length }).end(this.video);
    });
    await new Promise<void>((resolve) => this.server?.listen(0, '127.0.0.1', resolve));
  }

  get port(): number {
    return (this.server!.address() as AddressInfo).port; // `!`: read only while listening
  }

  url(name: string): string {
    return `https://${this.host}:${this.port}/${name}.mp4`;
  }

  async stop(): Promise<void> {
    const s = this.server;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((resolve) => s.close(() => resolve()));
  }
}

/** An MP4-looking payload (ftyp box + filler): the bridge treats videos as opaque bytes. */
function sampleVideo(): Buffer {
  const ftyp = Buffer.from('000000186674797069736f6d0000020069736f6d69736f32', 'hex');
  return Buffer.concat([ftyp, Buffer.alloc(64 * 1024, 0x2a)]);
}

/**
 * A real 4 s clip (ffmpeg's test pattern with a moving counter, 320x240) for the demo, so its
 * message shows a real still image. Written to `file`, returned as bytes.
 */
export async function testPatternClip(file: string, timeoutMs = 20_000): Promise<Buffer> {
  await runFfmpeg(
    (cmd) => {
      cmd
        .input('testsrc=size=320x240:rate=10:duration=4')
        .inputFormat('lavfi')
        .outputOptions('-pix_fmt', 'yuv420p', '-an')
        .output(file);
    },
    { timeoutMs, what: 'demo clip' },
  );
  return readFileSync(file);
}
