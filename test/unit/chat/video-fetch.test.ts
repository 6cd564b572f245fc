import { fetchVideo, type VideoFetchOptions } from '../../../src/chat/video-fetch';
import { isPublicAddress, hostAllowed } from '../../../src/chat/address-policy';
import { VideoSimulator } from '../../../src/sim/video-sim';

describe('address policy', () => {
  it.each([
    '127.0.0.1',
    '10.1.2.3',
    '172.16.0.1',
    '192.168.10.64',
    '169.254.169.254',
    '100.64.0.1',
    '0.0.0.0',
    '::1',
    '::ffff:127.0.0.1',
    'fd00::1',
    'fe80::1',
  ])('blocks %s', (ip) => expect(isPublicAddress(ip)).toBe(false));
  it.each(['8.8.8.8', '151.101.1.1', '2606:4700::1111'])('allows %s', (ip) => expect(isPublicAddress(ip)).toBe(true));
  it('matches *.veesion.io subdomains only', () => {
    expect(hostAllowed('media.veesion.io', ['*.veesion.io'])).toBe(true);
    expect(hostAllowed('evilveesion.io', ['*.veesion.io'])).toBe(false);
    expect(hostAllowed('media.veesion.io.evil.com', ['*.veesion.io'])).toBe(false);
  });
});

describe('fetchVideo', () => {
  const sim = new VideoSimulator();
  let opts: VideoFetchOptions;
  beforeAll(async () => {
    await sim.start();
    opts = {
      allowedHosts: ['*.veesion.io'],
      maxBytes: 1024 * 1024,
      timeoutMs: 3000,
      resolve: async () => ['127.0.0.1'],
      addressAllowed: (ip) => ip === '127.0.0.1',
      ca: sim.ca,
    };
  });
  afterAll(() => sim.stop());

  it('downloads over HTTPS from an allowed host', async () => {
    const v = await fetchVideo(sim.url('clip'), opts);
    expect(v.bytes.equals(sim.video)).toBe(true);
    expect(v).toMatchObject({ contentType: 'video/mp4', name: 'clip.mp4' });
  });

  it.each([
    ['file:///etc/passwd', 'VIDEO_URL_SCHEME'],
    ['http://media.veesion.io/a.mp4', 'VIDEO_URL_SCHEME'],
    ['https://127.0.0.1/a.mp4', 'VIDEO_HOST_NOT_ALLOWED'],
    ['https://evil.example.com/a.mp4', 'VIDEO_HOST_NOT_ALLOWED'],
    ['https://user:pw@media.veesion.io/a.mp4', 'VIDEO_URL_CREDENTIALS'],
    ['not a url', 'VIDEO_URL_INVALID'],
  ])('refuses %s (%s) without any request', async (url, code) => {
    const before = sim.requests.length;
    await expect(fetchVideo(url, opts)).rejects.toMatchObject({ code, kind: 'bad-input' });
    expect(sim.requests.length).toBe(before);
  });

  it.each([['127.0.0.1'], ['10.0.0.5'], ['192.168.1.20']])(
    'refuses an allowed name that resolves to %s under the default policy',
    async (ip) => {
      const { addressAllowed: _ignored, ...strict } = opts;
      await expect(fetchVideo(sim.url('clip'), { ...strict, resolve: async () => [ip] })).rejects.toMatchObject({
        code: 'VIDEO_ADDRESS_BLOCKED',
      });
    },
  );

  it('stops at the size limit', async () => {
    await expect(fetchVideo(sim.url('clip'), { ...opts, maxBytes: 1000 })).rejects.toMatchObject({
      code: 'VIDEO_TOO_LARGE',
    });
  });

  it('refuses a certificate it does not trust', async () => {
    const { ca: _ca, ...untrusted } = opts;
    await expect(fetchVideo(sim.url('clip'), untrusted)).rejects.toMatchObject({ code: 'VIDEO_FETCH' });
  });
});
