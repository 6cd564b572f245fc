import { WildixInbox } from '../../../src/chat/wildix-inbox';
import { ClaimWords } from '../../../src/chat/claim-words';
import { xbeesIdentity } from '../../../src/chat/xbees-identity';
import type { StoreRoute } from '../../../src/pipeline/alert';
import type { WildixEvent } from '../../../src/chat/wildix-event';
import { capturedLogger } from '../../helpers/quiet-logger';

/**
 * The bridge's own posts come back as chat events and must not claim anything. A bot's post is
 * flagged `user.bot` (Wildix/sdk-examples, examples/chatbot-simple/src/index.ts ignores
 * `message.user.bot`); a PBX token's post comes from the x-bees user it named in `userId`
 * (examples/conversation-api-send-message), never from a PBX extension.
 */
const NOW = 1_700_000_000_000;
const STORE: StoreRoute = {
  store_veesion_id: 's1',
  name: 'Store 1',
  audio_conf_id: '7',
  xbees_channel_id: 'chan-1',
  veesion_user_extension: '201',
};

function inbox(token: string, userId: string | undefined, stores: StoreRoute[] = [STORE]) {
  const claims: string[] = [];
  const box = new WildixInbox({
    seen: { firstSeen: async () => true, forget: async () => undefined },
    incidents: {
      find: async () => undefined,
      latestInRoom: async () => undefined,
      recordActivity: async () => undefined,
    },
    loop: () =>
      ({
        claim: async () => {
          throw new Error('unused');
        },
        resolve: async () => {
          throw new Error('unused');
        },
        claimOldestIn: async (_rooms: string[], by: string) => {
          claims.push(by);
          return { kind: 'nothing-open' as const };
        },
      }) as never,
    stores: () => new Map(stores.map((s) => [s.store_veesion_id, s])),
    claimWords: new ClaimWords(),
    identity: xbeesIdentity(token, userId),
    clock: { now: () => NOW } as never,
    logger: capturedLogger().logger,
  });
  let n = 0;
  const reply = (user: { id: string; bot?: boolean }) =>
    box.handle({
      id: `e${++n}`,
      type: 'chat:message:new',
      time: NOW,
      kind: 'chat-message',
      channelId: 'chan-1',
      text: 'ok',
      user: { id: user.id, display: user.id, bot: user.bot ?? false },
    } as WildixEvent);
  return { reply, claims };
}

describe('own messages are recognised by the bot flag or the x-bees user id, not the extension', () => {
  it("bot token: a message flagged bot is the bridge's own; the store's extension is just a person", async () => {
    const { reply, claims } = inbox('wsk-v1-abc', undefined);
    expect((await reply({ id: 'bot-1', bot: true })).outcome).toBe('own-message');
    expect((await reply({ id: '201' })).outcome).toBe('nothing-open');
    expect(claims).toEqual(['201']);
  });

  it("PBX token: a message from BRIDGE_XBEES_USER_ID, or from a store's own xbees_user_id, is the bridge's own", async () => {
    const { reply } = inbox('pbx-token', 'u-default', [
      STORE,
      { ...STORE, store_veesion_id: 's2', xbees_user_id: 'u-store' },
    ]);
    expect((await reply({ id: 'u-default' })).outcome).toBe('own-message');
    expect((await reply({ id: 'u-store' })).outcome).toBe('own-message');
    expect((await reply({ id: '201' })).outcome).toBe('nothing-open');
  });

  it('bot token: a person whose id happens to equal a configured user id still claims (no userId is sent with a bot)', async () => {
    const { reply } = inbox('wsk-v1-abc', 'u-default');
    expect((await reply({ id: 'u-default' })).outcome).toBe('nothing-open');
  });
});
