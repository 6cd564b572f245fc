import { isAxiosError, type AxiosInstance } from 'axios';
import { z } from 'zod';
import type { CallOriginator, OriginateRequest, PlacedCall } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';
import { pbxApiClient, pbxApiError } from './pbx-api';

/**
 * The body of x-hoppers' `addSmartNotification` on the PBX's API: an event announced to a
 * broadcast's headsets, repeated by x-hoppers every `playFrequency` seconds (5-30) until an
 * associate accepts it with a double press of push-to-talk or `confirmationTimeout` passes.
 */
export interface SmartNotificationBody {
  /** Where the event comes from ("Camera1", "Till Point 4"): the camera. */
  from: string;
  notificationType: 'BroadcastMessage';
  /** What happened ("theft", "help needed"): the alert type. */
  event: string;
  /** What the headsets hear: the store's sentence. */
  broadcastMessage: string;
  /** The broadcast's conference id (digits): the store's audio_conf_id. */
  conferenceId: string;
  playFrequency: number;
  confirmationTimeout: number;
}

export interface SmartNotificationsOptions {
  /** BRIDGE_WILDIX_API_URL and BRIDGE_SMART_NOTIFICATIONS_PATH. */
  baseUrl: string;
  path: string;
  /** BRIDGE_WILDIX_API_TOKEN: a company API key, sent as Bearer. */
  token: string;
  timeoutMs: number;
  /** BRIDGE_REPEAT_S: how often x-hoppers repeats it (clamped to its 5-30 s). */
  repeatS: number;
  /** BRIDGE_ESCALATE_AFTER_S: how long x-hoppers waits for an accept. */
  confirmationS: number;
}

const PBX = { name: 'Smart Notifications API', code: 'SMART_NOTIFICATION' };

const answer = z.union([
  z.looseObject({
    type: z.literal('result'),
    result: z.looseObject({ requestId: z.union([z.string().min(1).max(200), z.number()]) }),
  }),
  z.looseObject({ type: z.literal('error'), reason: z.string().max(500).optional() }),
]);

/** The broadcast's conference id is digits; a word would be refused by the PBX, so it is refused here first. */
const CONFERENCE_ID = /^[0-9]{1,20}$/;

export function smartNotificationBody(
  req: OriginateRequest,
  opts: Pick<SmartNotificationsOptions, 'repeatS' | 'confirmationS'>,
): SmartNotificationBody {
  const conferenceId = req.store.audio_conf_id;
  if (!CONFERENCE_ID.test(conferenceId)) {
    throw new StepError(
      'SMART_NOTIFICATION_CONFERENCE',
      'bad-input',
      `audio_conf_id ${conferenceId} of store ${req.store.store_veesion_id} is not a broadcast's conference id (digits)`,
    );
  }
  const camera = req.variables.cameraId || req.alertId;
  return {
    from: camera.slice(0, 100),
    notificationType: 'BroadcastMessage',
    event: (req.variables.alertType || 'theft').slice(0, 100),
    // Never empty: x-hoppers' own suggestion is "$event at $from".
    broadcastMessage: (req.text?.trim() || `${req.variables.alertType || 'theft'} at ${camera}`).slice(0, 500),
    conferenceId,
    playFrequency: Math.min(30, Math.max(5, Math.round(opts.repeatS))),
    confirmationTimeout: Math.max(1, Math.round(opts.confirmationS)),
  };
}

/**
 * An announcement as one Smart Notification to the store's broadcast. x-hoppers repeats it and
 * takes the headsets' accept: this originator only hands it over and reads the request id. A PBX
 * without the operation (404) answers SMART_NOTIFICATION_UNSUPPORTED, so the next originator can
 * place a conference call instead.
 */
export class SmartNotificationsOriginator implements CallOriginator {
  private readonly http: AxiosInstance;

  constructor(private readonly opts: SmartNotificationsOptions) {
    this.http = pbxApiClient(opts.baseUrl, opts.token, opts.timeoutMs);
  }

  async originate(req: OriginateRequest): Promise<PlacedCall> {
    const body = smartNotificationBody(req, this.opts);
    let data: unknown;
    try {
      data = (await this.http.post(this.opts.path, body)).data;
    } catch (err) {
      if (isAxiosError(err) && err.response?.status === 404) {
        throw new StepError(
          'SMART_NOTIFICATION_UNSUPPORTED',
          'connection',
          `this PBX has no Smart Notifications at ${this.opts.path} (404): x-hoppers on WMS 7 or later, and the path of its API reference, are needed`,
        );
      }
      throw pbxApiError(PBX, 'add notification', err);
    }
    const parsed = answer.safeParse(data);
    if (!parsed.success)
      throw new StepError(
        'SMART_NOTIFICATION_BAD_RESPONSE',
        'rejected',
        'Smart Notifications API: unexpected response shape',
      );
    if (parsed.data.type === 'error') {
      throw new StepError(
        'SMART_NOTIFICATION_REFUSED',
        'rejected',
        `Smart Notification refused: ${parsed.data.reason ?? 'no reason given'}`,
      );
    }
    const requestId = String(parsed.data.result.requestId);
    return { channel: `broadcast ${body.conferenceId} (request ${requestId})`, requestId };
  }
}
