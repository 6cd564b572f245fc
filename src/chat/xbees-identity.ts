import type { StoreRoute } from '../pipeline/alert';
import { isBotToken } from '../config/xbees-auth';

/**
 * Who the bridge posts as in x-bees. A bot token (`wsk-v1-...`) posts as its bot and takes no
 * `userId` (Wildix/sdk-examples, examples/chatbot-simple: SendMessageCommand with channelId and
 * text only). Any other token is a PBX token: each request names the x-bees user it acts for
 * (Wildix/sdk-examples, examples/conversation-api-send-message: `userId` on UploadFileCommand
 * and SendMessageCommand). That id is x-bees' own user id, never a PBX extension.
 */
export interface XbeesIdentity {
  /** The token is a bot's: requests carry no userId. */
  bot: boolean;
  /** BRIDGE_XBEES_USER_ID: the x-bees user of every store that names none of its own. */
  userId?: string | undefined;
}

export function xbeesIdentity(token: string, userId: string | undefined): XbeesIdentity {
  return { bot: isBotToken(token), userId };
}

/** The userId for a store's requests: none for a bot, else the store's own or the default. */
export function postingUserId(identity: XbeesIdentity, store: Pick<StoreRoute, 'xbees_user_id'>): string | undefined {
  if (identity.bot) return undefined;
  return store.xbees_user_id ?? identity.userId;
}
