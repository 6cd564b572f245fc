import { createHash } from 'node:crypto';
import type { Alert } from '../pipeline/alert';

/**
 * Maps a Veesion webhook body (either shape in fixtures/veesion) to the domain Alert.
 * Every value is untrusted: strings are bounded and stripped of control characters (CR/LF
 * included); nothing here is ever evaluated.
 */
export type ParseResult = { ok: true; alert: Alert } | { ok: false; reason: string };

type Json = Record<string, unknown>;
const MAX_FIELD = 256;
const MAX_URL = 2048;

export function parseAlertPayload(body: unknown, receivedAt: Date): ParseResult {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    return { ok: false, reason: 'body must be a JSON object' };
  }
  const b = body as Json;
  const errors: string[] = [];
  const field = (keys: string[], max = MAX_FIELD): string | undefined => {
    for (const key of keys) {
      const v = b[key];
      if (v === undefined || v === null) continue;
      if (typeof v !== 'string' && typeof v !== 'number') {
        errors.push(`${key} must be a string or a number`);
        return undefined;
      }
      const s = clean(String(v));
      if (s.length > max) {
        errors.push(`${key} is longer than ${max} characters`);
        return undefined;
      }
      if (s.length > 0) return s;
    }
    return undefined;
  };

  const storeId = field(['storeId', 'location', 'store_veesion_id']);
  const cameraId = field(['cameraId', 'camera_id', 'camera']) ?? '';
  const alertType = field(['alertType', 'label', 'alert_type', 'type']) ?? 'theft';
  const startDate = date(b, ['startDate', 'time_spotted', 'start_date'], errors) ?? receivedAt.toISOString();
  const endDate = date(b, ['endDate', 'end_date'], errors) ?? startDate;
  const alert = {
    storeId: storeId ?? '',
    cameraId,
    cameraIp: field(['cameraIp', 'camera_ip']) ?? '',
    groupId: field(['groupId', 'group_id', 'group']) ?? '',
    alertType,
    startDate,
    endDate,
    videoUrl: field(['videoUrl', 'url', 'video_url'], MAX_URL) ?? '',
  };
  const givenId = field(['alert_uuid', 'id', 'alertId', 'alert_id']);
  if (!storeId) errors.push('missing store id (storeId, location or store_veesion_id)');
  if (errors.length > 0) return { ok: false, reason: errors.join('; ') };
  const id = givenId ?? `h-${hash([alert.storeId, cameraId, startDate, alertType])}`;
  return { ok: true, alert: { id, ...alert } };
}

/** Control characters (CR, LF, NUL, ...) become spaces; the result is trimmed. */
function clean(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\u0000-\u001f\u007f\u2028\u2029]/g, ' ').trim();
}

function date(b: Json, keys: string[], errors: string[]): string | undefined {
  for (const key of keys) {
    const v = b[key];
    if (v === undefined || v === null || v === '') continue;
    // Unix seconds (time_spotted) or an ISO string.
    const ms = typeof v === 'number' ? v * 1000 : typeof v === 'string' ? Date.parse(v) : NaN;
    if (!Number.isFinite(ms) || ms < 0 || ms > 8.64e15) {
      errors.push(`${key} is not a date (ISO 8601 string or Unix seconds)`);
      return undefined;
    }
    return new Date(ms).toISOString();
  }
  return undefined;
}

function hash(parts: string[]): string {
  return createHash('sha256').update(parts.join('\u0000')).digest('hex').slice(0, 32);
}
