import axios from 'axios';
import { XbeesSimulator } from '../../../src/sim/xbees-sim';

/**
 * The simulator refuses what x-bees would about who acts. Sources: Wildix/sdk-examples,
 * examples/chatbot-simple/src/index.ts (a bot token's SendMessageCommand names no user) and
 * examples/conversation-api-send-message/README.md (a PBX token names the x-bees user,
 * `wx.stream._user.id`; "otherwise you will get an error").
 */
async function call(sim: XbeesSimulator, path: string, body: unknown) {
  const r = await axios.post(`${sim.url}/v2/conversations/channels/chan-1/${path}`, body, {
    headers: { Authorization: `Bearer ${sim.token}` },
    validateStatus: () => true,
  });
  return { status: r.status, error: (r.data as { error?: unknown }).error };
}

describe('x-bees simulator: who may act', () => {
  const bot = new XbeesSimulator();
  const pbx = new XbeesSimulator({ token: 'pbx-token-value', users: ['u-stream-1'] });
  beforeAll(() => Promise.all([bot.start(), pbx.start()]));
  afterAll(() => Promise.all([bot.stop(), pbx.stop()]));

  it('issues a bot token by default, wsk-v1- and random characters', () => {
    expect(bot.token).toMatch(/^wsk-v1-[A-Za-z0-9_-]{20,}$/);
    expect(new XbeesSimulator().token).not.toBe(bot.token);
  });

  it("accepts a bot's message and upload without userId, and refuses any userId with a bot token", async () => {
    expect(await call(bot, 'messages', { text: 'hi', attachments: [] })).toEqual({ status: 200, error: undefined });
    expect((await call(bot, 'files', { name: 'a.mp4' })).status).toBe(200);
    for (const path of ['messages', 'files']) {
      const r = await call(bot, path, { text: 'hi', name: 'a.mp4', userId: 'u-stream-1' });
      expect(r.status).toBe(400);
      expect(r.error).toMatch(/bot token/);
    }
    expect(bot.messages).toHaveLength(1);
  });

  it('with a PBX token, accepts a known user and refuses an unknown one or none', async () => {
    expect((await call(pbx, 'messages', { text: 'hi', attachments: [], userId: 'u-stream-1' })).status).toBe(200);
    expect((await call(pbx, 'files', { name: 'a.mp4', userId: 'u-stream-1' })).status).toBe(200);
    for (const path of ['messages', 'files']) {
      expect(await call(pbx, path, { text: 'hi', name: 'a.mp4', userId: '201' })).toEqual({
        status: 403,
        error: expect.stringMatching(/not a known x-bees user/),
      });
      expect(await call(pbx, path, { text: 'hi', name: 'a.mp4' })).toEqual({
        status: 400,
        error: expect.stringMatching(/userId required/),
      });
    }
    expect(pbx.messages.map((m) => m.userId)).toEqual(['u-stream-1']);
  });
});
