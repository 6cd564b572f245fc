/**
 * An x-bees user id as the conversations API takes it in `userId` (the Stream chat user id,
 * which x-bees' browser console shows as `wx.stream._user.id`): letters, digits and a few
 * separators, bounded. It reaches request bodies and logs, so nothing else gets through.
 */
export const XBEES_USER_ID = /^[A-Za-z0-9][A-Za-z0-9_@.:-]{0,127}$/;
export const XBEES_USER_ID_HINT =
  'an x-bees user id (letters, digits, _ @ . : -, at most 128), as x-bees shows it in its browser console: wx.stream._user.id';

/** Bot keys start `wsk-` (`wsk-v1-` today); a PBX token never does. */
export function isBotToken(token: string): boolean {
  return token.startsWith('wsk-');
}
