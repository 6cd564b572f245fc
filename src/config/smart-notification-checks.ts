import type { Settings } from './settings-schema';
import type { Store } from './store-schema';
import type { ConfigIssue } from './errors';

/**
 * The Smart Notifications delivery needs the PBX API's path and key, and a broadcast's
 * conference id (digits) for each store announced that way: said at start, not at the first theft.
 */
export function checkSmartNotifications(s: Settings, stores: readonly Store[], issues: ConfigIssue[]): void {
  const byDefault = s.BRIDGE_ORIGINATOR[0] === 'smart-notifications';
  const users = stores.filter(
    (st) => (st.delivery ?? (byDefault ? 'smart-notifications' : 'conference')) === 'smart-notifications',
  );
  const named = s.BRIDGE_ORIGINATOR.includes('smart-notifications');
  if (!named && users.length === 0) return;
  const why = named
    ? 'BRIDGE_ORIGINATOR names smart-notifications'
    : `store ${users[0]?.store_veesion_id} has delivery smart-notifications`;
  if (!s.BRIDGE_SMART_NOTIFICATIONS_PATH) {
    issues.push({
      path: 'env.custom.ini: BRIDGE_SMART_NOTIFICATIONS_PATH',
      message: `required: ${why}; read the path of addSmartNotification in your PBX's API reference (https://<pbx>/api/v1/doc/, Smart Notifications)`,
    });
  }
  if (!s.BRIDGE_WILDIX_API_TOKEN) {
    issues.push({
      path: 'env.custom.ini: BRIDGE_WILDIX_API_TOKEN',
      message: `required: ${why}; a company API key (wsk-v1-...) from WMS`,
    });
  }
  stores.forEach((st, i) => {
    if (users.includes(st) && !/^[0-9]{1,20}$/.test(st.audio_conf_id)) {
      issues.push({
        path: `x-hoppers.json: [${i}].audio_conf_id`,
        message: `${st.audio_conf_id} is not a broadcast's conference id (digits), which Smart Notifications need`,
      });
    }
  });
}
