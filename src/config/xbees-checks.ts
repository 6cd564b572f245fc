import type { ConfigIssue } from './errors';
import type { Settings } from './settings-schema';
import type { Store } from './store-schema';
import { isBotToken } from './xbees-auth';

const WHERE_TO_FIND =
  "an administrator finds it in x-bees, in the browser's developer console: wx.stream._user.id " +
  "(that user must be a member of each store's channel)";

/**
 * Who the x-bees posts act for. A bot token (`wsk-...`) is the recommended set-up: the bot posts
 * as itself. Any other token is taken for a PBX token: it may expire, and every store needs the
 * x-bees user its posts act for (BRIDGE_XBEES_USER_ID, or the store's xbees_user_id), else x-bees
 * refuses each post. The token itself is never quoted.
 */
export function checkXbeesIdentity(
  s: Settings,
  stores: readonly Store[],
  issues: ConfigIssue[],
  warnings: ConfigIssue[],
): void {
  const token = s.BRIDGE_XBEES_TOKEN;
  if (!token) return; // already refused as required
  const at = (key: string) => `env.custom.ini: ${key}`;
  const ownIds = stores.filter((st) => st.xbees_user_id !== undefined).map((st) => st.store_veesion_id);
  if (isBotToken(token)) {
    if (s.BRIDGE_XBEES_USER_ID !== undefined)
      warnings.push({
        path: at('BRIDGE_XBEES_USER_ID'),
        message: 'unused with a bot token (wsk-...): the bot posts as itself',
      });
    if (ownIds.length > 0)
      warnings.push({
        path: 'x-hoppers.json',
        message: `xbees_user_id of ${ownIds.join(', ')} unused with a bot token (wsk-...): the bot posts as itself`,
      });
    return;
  }
  warnings.push({
    path: at('BRIDGE_XBEES_TOKEN'),
    message:
      'not a bot token (wsk-v1-...), taken for a PBX token: it may expire, and chat posts then fail until it is replaced; an x-bees bot token is the recommended set-up',
  });
  const without = stores.filter((st) => st.xbees_user_id === undefined).map((st) => st.store_veesion_id);
  if (s.BRIDGE_XBEES_USER_ID === undefined && without.length > 0) {
    issues.push({
      path: at('BRIDGE_XBEES_USER_ID'),
      message: `required with a PBX token for ${without.join(', ')} (no xbees_user_id in x-hoppers.json): the x-bees user id the posts act for, not a PBX extension; ${WHERE_TO_FIND}. A bot token (wsk-v1-...) needs none`,
    });
  }
}
