import type { Logger } from '../log/logger';
import type { StoreRoute } from '../pipeline/alert';
import type { CallOriginator, OriginateRequest, PlacedCall } from '../pipeline/ports';
import { StepError } from '../pipeline/step-error';

/** How a store's announcements reach its staff: x-hoppers Smart Notifications, or a call into the conference. */
export type Delivery = 'smart-notifications' | 'conference';

export interface DeliveryRouterDeps {
  /** Present when BRIDGE_SMART_NOTIFICATIONS_PATH is set. */
  notifications?: CallOriginator | undefined;
  /** The conference originators of BRIDGE_ORIGINATOR, in order; absent when it names none. */
  conference?: CallOriginator | undefined;
  /** Stores without a `delivery` of their own: the first of BRIDGE_ORIGINATOR decides. */
  fallbackDelivery: Delivery;
  now: () => number;
  logger: Logger;
  /** A notification handed over: its request id and the alerts it says (for the headset accept). */
  onNotified?: (requestId: string, alertIds: readonly string[]) => void;
}

/** How long a PBX that answered 404 for Smart Notifications is not asked again. */
const UNSUPPORTED_FOR_MS = 10 * 60_000;

/**
 * Sends each store's announcements the way it is set up for: a store with `delivery:
 * "smart-notifications"` (or every store, with BRIDGE_ORIGINATOR=smart-notifications,...) gets a
 * Smart Notification; a PBX that does not know the operation (404) gets the conference call
 * instead, and that is logged once. Everything about calls (answers, hang-ups) is the conference's.
 */
export class DeliveryRouter implements CallOriginator {
  private unsupportedUntil = -Infinity;
  private toldUnsupported = false;

  constructor(private readonly deps: DeliveryRouterDeps) {}

  deliveryOf(store: StoreRoute): Delivery {
    return store.delivery ?? this.deps.fallbackDelivery;
  }

  /** Whether x-hoppers repeats this store's announcements (the bridge then places none of its own). */
  repeatsOnPbx(store: StoreRoute): boolean {
    return (
      this.deliveryOf(store) === 'smart-notifications' &&
      this.deps.notifications !== undefined &&
      this.deps.now() >= this.unsupportedUntil
    );
  }

  async originate(req: OriginateRequest): Promise<PlacedCall> {
    const { notifications, conference } = this.deps;
    if (this.repeatsOnPbx(req.store) && notifications) {
      try {
        const placed = await notifications.originate(req);
        if (placed.requestId !== undefined) this.deps.onNotified?.(placed.requestId, req.alertIds ?? [req.alertId]);
        return { ...placed, via: 'smart-notifications' };
      } catch (err) {
        if (!(err instanceof StepError && err.code === 'SMART_NOTIFICATION_UNSUPPORTED') || !conference) throw err;
        this.unsupportedUntil = this.deps.now() + UNSUPPORTED_FOR_MS;
        if (!this.toldUnsupported)
          this.deps.logger.warn('Smart Notifications unknown to this PBX; announcing in the conference instead', {
            reason: err.message,
          });
        this.toldUnsupported = true;
      }
    }
    if (!conference)
      throw new StepError(
        'NO_CONFERENCE_ORIGINATOR',
        'bad-input',
        `store ${req.store.store_veesion_id} is announced in its conference, but BRIDGE_ORIGINATOR names no conference originator (ami, callfile, wildix-api)`,
      );
    const placed = await conference.originate(req);
    return this.deps.notifications && placed.via === undefined ? { ...placed, via: 'conference' } : placed;
  }

  answered(callToken: string): boolean | undefined {
    return this.deps.conference?.answered?.(callToken);
  }

  callEnded(callToken: string): Promise<void> | undefined {
    return this.deps.conference?.callEnded?.(callToken);
  }

  onAnsweredElsewhere(listener: (callToken: string, channel: string) => void): void {
    this.deps.conference?.onAnsweredElsewhere?.(listener);
  }

  async idle(): Promise<void> {
    await this.deps.conference?.idle?.();
  }
}
