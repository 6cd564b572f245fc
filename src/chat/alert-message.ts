import type { Alert, StoreRoute } from '../pipeline/alert';

/** The chat text: alert type, store, date and time, camera id and IP, group, video link. */
export function alertMessageText(alert: Alert, store: StoreRoute, videoAttached: boolean): string {
  const when = new Date(alert.startDate);
  const date = Number.isNaN(when.getTime())
    ? alert.startDate
    : when
        .toISOString()
        .replace('T', ' ')
        .replace(/\.\d+Z$/, ' UTC');
  const lines = [
    `🚨 ${capitalise(alert.alertType)} alert`,
    `Store: ${store.name}${store.location ? ` (${store.location})` : ''}`,
    `Date: ${date}`,
    `Camera: ${alert.cameraId || 'unknown'}${alert.cameraIp ? ` (${alert.cameraIp})` : ''}`,
  ];
  if (alert.groupId) lines.push(`Group: ${alert.groupId}`);
  if (alert.videoUrl) lines.push(videoAttached ? `Video attached (${alert.videoUrl})` : `Video: ${alert.videoUrl}`);
  return lines.join('\n');
}

function capitalise(s: string): string {
  return s.length > 0 ? s[0]!.toUpperCase() + s.slice(1) : 'Theft'; // `!`: length checked above
}
