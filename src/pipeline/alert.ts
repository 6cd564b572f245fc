/** The normalised alert: every field a plain, bounded, control-character-free string. */
export interface Alert {
  /** Dedupe key: the sender's alert id, or a hash of store, camera, start time and type. */
  id: string;
  storeId: string;
  cameraId: string;
  cameraIp: string;
  groupId: string;
  alertType: string;
  startDate: string;
  endDate: string;
  videoUrl: string;
}

/** A store as the pipeline needs it (mapped from x-hoppers.json by the config layer). */
export interface StoreRoute {
  store_veesion_id: string;
  name: string;
  audio_conf_id: string;
  xbees_channel_id: string;
  location?: string | undefined;
  veesion_user_extension?: string | undefined;
  /** The x-bees user this store's posts act for with a PBX token (not an extension). */
  xbees_user_id?: string | undefined;
  /** x-hoppers Smart Notifications, or a call into the conference (absent: BRIDGE_ORIGINATOR's first decides). */
  delivery?: 'smart-notifications' | 'conference' | undefined;
  /** Cron-style windows in which announcements are muted (see cron-window.ts). */
  quiet_hours?: string[] | undefined;
  /** Channels called in turn when nobody claims an incident. */
  escalation?: string[] | undefined;
  /** Who answers an escalation channel, for the chat ("Marco (manager)"), by channel. */
  escalation_names?: Record<string, string> | undefined;
  /** The store's language (`fr-FR`): its built-in sentences, and a voice that speaks it. */
  language?: string | undefined;
  /** What is said for one alert here, instead of the language's or the global sentence. */
  alert_text?: string | undefined;
}

export type StepName = 'announce' | 'chat';
export const STEP_NAMES: readonly StepName[] = ['announce', 'chat'];

/**
 * pending: waiting for its (next) attempt; running: an attempt is under way (after a crash it
 * is resumed as pending); succeeded; dead: given up (non-retryable error or out of attempts);
 * expired: an announcement that could no longer be useful (too late, or dropped by storm
 * control); muted: an announcement not played on purpose (quiet hours, `silence`).
 */
export type StepState = 'pending' | 'running' | 'succeeded' | 'dead' | 'expired' | 'muted';
export const FINAL_STATES: readonly StepState[] = ['succeeded', 'dead', 'expired', 'muted'];
export const STEP_STATES: readonly StepState[] = ['pending', 'running', ...FINAL_STATES];

export type AlertStatus = 'routed' | 'unroutable';

/** Variables for templates and dialplan: the alert's fields plus the store's. */
export function alertVariables(alert: Alert, store: StoreRoute | undefined): Record<string, string> {
  return {
    storeId: alert.storeId,
    startDate: alert.startDate,
    endDate: alert.endDate,
    cameraIp: alert.cameraIp,
    cameraId: alert.cameraId,
    groupId: alert.groupId,
    videoUrl: alert.videoUrl,
    alertType: alert.alertType,
    name: store?.name ?? alert.storeId,
    location: store?.location ?? '',
    store_veesion_id: store?.store_veesion_id ?? alert.storeId,
    audio_conf_id: store?.audio_conf_id ?? '',
    xbees_channel_id: store?.xbees_channel_id ?? '',
  };
}
