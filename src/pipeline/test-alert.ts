import type { Alert } from './alert';

/** Every test alert's id starts so, and its group is `test-alert`: recognisable in the journal and the chat. */
export const TEST_ALERT_PREFIX = 'test-';

/**
 * The alert `veesion-bridge test-alert` and the admin API's test-alert route send through the
 * full path. `unique` makes the id (a UUID: two tests are never duplicates).
 */
export function buildTestAlert(
  unique: string,
  f: { storeId: string; cameraId?: string | undefined; alertType?: string | undefined; videoUrl?: string | undefined },
  now: number,
): Alert {
  const at = new Date(now).toISOString();
  return {
    id: `${TEST_ALERT_PREFIX}${unique}`,
    storeId: f.storeId,
    cameraId: f.cameraId ?? 'test',
    alertType: f.alertType ?? 'theft',
    startDate: at,
    endDate: at,
    cameraIp: '',
    groupId: 'test-alert',
    videoUrl: f.videoUrl ?? '',
  };
}
