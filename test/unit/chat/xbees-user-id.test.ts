import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { XbeesClient } from '../../../src/chat/xbees-client';
import { XbeesPoster } from '../../../src/chat/xbees-poster';
import { xbeesIdentity } from '../../../src/chat/xbees-identity';
import { XbeesSimulator } from '../../../src/sim/xbees-sim';
import { VideoSimulator } from '../../../src/sim/video-sim';
import type { Alert, StoreRoute } from '../../../src/pipeline/alert';
import { capturedLogger } from '../../helpers/quiet-logger';

/**
 * Who the posts act for, on the wire. Sources: Wildix/sdk-examples,
 * examples/conversation-api-send-message/src/index.ts (a PBX token: the same `userId` on
 * UploadFileCommand and on SendMessageCommand) and its README.md (that id is the x-bees user id,
 * `wx.stream._user.id` in x-bees' browser console, a member of the channel); and
 * examples/chatbot-simple/src/index.ts (a bot token: SendMessageCommand with no userId).
 */

const video = new VideoSimulator();
beforeAll(() => video.start());
afterAll(() => video.stop());

const STORE: StoreRoute = {
  store_veesion_id: 's1',
  name: 'Store 1',
  audio_conf_id: '7',
  xbees_channel_id: 'chan-1',
  veesion_user_extension: '201',
};
const alert = (id: string): Alert => ({
  id,
  storeId: 's1',
  cameraId: 'cam-1',
  cameraIp: '10.0.0.1',
  groupId: 'g',
  alertType: 'theft',
  startDate: '2024-01-01T10:00:00Z',
  endDate: '2024-01-01T10:00:10Z',
  videoUrl: video.url(id),
});

async function posted(sim: XbeesSimulator, userId: string | undefined, store: StoreRoute) {
  const client = new XbeesClient({ baseUrl: sim.url, token: sim.token, timeoutMs: 5000 });
  const media = {
    video: {
      allowedHosts: ['*.veesion.io'],
      maxBytes: 1024 * 1024,
      timeoutMs: 5000,
      resolve: async () => ['127.0.0.1'],
      addressAllowed: (ip: string) => ip === '127.0.0.1',
      ca: video.ca,
    },
    stillTimeoutMs: 5000,
  };
  const poster = new XbeesPoster(client, xbeesIdentity(sim.token, userId), media, capturedLogger().logger);
  const result = await poster.post(alert(`a-${sim.bodies.length}`), store);
  await poster.postText(store, 'Anna is on it');
  return { result, bodies: sim.bodies.map((b) => ({ path: b.path, body: b.body as Record<string, unknown> })) };
}

describe('x-bees requests carry the x-bees user id, never the PBX extension', () => {
  it('a bot token (wsk-v1-...) sends no userId, on the file upload nor on the messages (sdk-examples chatbot-simple)', async () => {
    const sim = new XbeesSimulator();
    await sim.start();
    try {
      expect(sim.token).toMatch(/^wsk-v1-/);
      const { result, bodies } = await posted(sim, 'ignored-with-a-bot', STORE);
      expect(result.videoAttached).toBe(true);
      expect(bodies.map((b) => b.path)).toEqual([
        '/channels/chan-1/files',
        '/channels/chan-1/messages',
        '/channels/chan-1/messages',
      ]);
      for (const b of bodies) expect(b.body).not.toHaveProperty('userId');
      expect(JSON.stringify(bodies)).not.toContain('201');
    } finally {
      await sim.stop();
    }
  });

  it('a PBX token sends BRIDGE_XBEES_USER_ID on createFile and on the message (sdk-examples conversation-api-send-message)', async () => {
    const sim = new XbeesSimulator({ token: 'pbx-token-value', users: ['u-stream-1'] });
    await sim.start();
    try {
      const { result, bodies } = await posted(sim, 'u-stream-1', STORE);
      expect(result.messageId).toBe('msg-1');
      expect(bodies.map((b) => [b.path, b.body.userId])).toEqual([
        ['/channels/chan-1/files', 'u-stream-1'],
        ['/channels/chan-1/messages', 'u-stream-1'],
        ['/channels/chan-1/messages', 'u-stream-1'],
      ]);
      expect([...sim.files.values()].map((f) => f.userId)).toEqual(['u-stream-1']);
    } finally {
      await sim.stop();
    }
  });

  it("a store's xbees_user_id overrides BRIDGE_XBEES_USER_ID, on the upload and the message alike", async () => {
    const sim = new XbeesSimulator({ token: 'pbx-token-value', users: ['u-default', 'u-store'] });
    await sim.start();
    try {
      const { bodies } = await posted(sim, 'u-default', { ...STORE, xbees_user_id: 'u-store' });
      expect(bodies.map((b) => b.body.userId)).toEqual(['u-store', 'u-store', 'u-store']);
    } finally {
      await sim.stop();
    }
  });
});

describe("the posted message's id", () => {
  /** One answer to every request: what x-bees says to SendMessage. */
  async function answering(answer: unknown): Promise<{ url: string; close: () => Promise<void> }> {
    const server = http.createServer((_req, res) => {
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(answer));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    return {
      url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
      close: () => new Promise((resolve) => server.close(() => resolve())),
    };
  }

  it.each([
    [{ messageId: 'm-42' }, 'm-42'],
    [{ id: 'm-43' }, 'm-43'],
    [{ id: 44 }, '44'],
    [{ messageId: 'm-45', id: 'other' }, 'm-45'],
  ])('is read from %j', async (answer, id) => {
    const peer = await answering(answer);
    try {
      const client = new XbeesClient({ baseUrl: peer.url, token: 'wsk-v1-t', timeoutMs: 5000 });
      await expect(client.postMessage('chan-1', { text: 'hi', attachments: [] })).resolves.toBe(id);
    } finally {
      await peer.close();
    }
  });
});
