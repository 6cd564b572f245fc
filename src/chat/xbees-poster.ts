import type { Alert, StoreRoute } from '../pipeline/alert';
import type { ChatPoster } from '../pipeline/ports';
import type { Logger } from '../log/logger';
import { StepError } from '../pipeline/step-error';
import { alertMessageText } from './alert-message';
import { fetchVideo, type VideoFetchOptions } from './video-fetch';
import { stillImage, type StillImageOptions } from './still-image';
import { alertButtons } from './alert-actions';
import { Semaphore } from '../pipeline/semaphore';

/** ffmpeg processes taking stills at once: a storm of alerts must not start one per alert. */
const STILLS_AT_ONCE = 2;
import type { XbeesClient, XbeesFile } from './xbees-client';
import type { OutageReporter } from '../log/outage';
import { postingUserId, type XbeesIdentity } from './xbees-identity';

export interface MediaOptions {
  video: VideoFetchOptions;
  /** BRIDGE_STILL_TIMEOUT_MS: every ffmpeg pass of the still image within this. */
  stillTimeoutMs: number;
  /** Keeps the still for the console (a failure there never stops the post). */
  keepStill?: (alertId: string, jpeg: Buffer) => void;
  /** Takes the still (the daemon's: in its process helper, so it never forks); default: here. */
  still?: (video: Buffer, opts: StillImageOptions) => Promise<Buffer>;
}

interface Media {
  name: string;
  bytes: Buffer;
  contentType: string;
}

/**
 * Posts an alert to the store's x-bees channel with its buttons ("I'm on it", and the three
 * outcomes): a still image from the clip first, so staff see the person without opening the
 * video, then the video. A video that cannot be had (refused URL, download failure) still
 * gets a text message with the link; a clip ffmpeg cannot read still gets its video and text.
 * The announcement is another step: nothing here delays it.
 */
export class XbeesPoster implements ChatPoster {
  private readonly stills = new Semaphore(STILLS_AT_ONCE);

  constructor(
    private readonly client: XbeesClient,
    /** Who the posts act for: a bot sends no userId; a PBX token sends the store's x-bees user. */
    private readonly identity: XbeesIdentity,
    private readonly media: MediaOptions,
    private readonly logger: Logger,
    /** Hears whether x-bees answered: one line when posts start failing, one when they work again. */
    private readonly outage?: OutageReporter,
  ) {}

  async post(alert: Alert, store: StoreRoute): Promise<{ messageId: string; videoAttached: boolean }> {
    try {
      const posted = await this.postOnce(alert, store);
      this.outage?.recovered();
      return posted;
    } catch (err) {
      // A message x-bees refuses as bad input is this alert's problem, not an outage.
      if (err instanceof StepError && err.kind !== 'bad-input') this.outage?.failed(`${err.code}: ${err.message}`);
      throw err;
    }
  }

  async postText(store: StoreRoute, text: string): Promise<{ messageId: string }> {
    try {
      const messageId = await this.client.postMessage(store.xbees_channel_id, {
        text,
        attachments: [],
        userId: postingUserId(this.identity, store),
      });
      this.outage?.recovered();
      return { messageId };
    } catch (err) {
      if (err instanceof StepError && err.kind !== 'bad-input') this.outage?.failed(`${err.code}: ${err.message}`);
      throw err;
    }
  }

  private async postOnce(alert: Alert, store: StoreRoute): Promise<{ messageId: string; videoAttached: boolean }> {
    const video = alert.videoUrl ? await this.fetch(alert) : undefined;
    const still = video ? await this.still(alert, video) : undefined;
    // Upload failures are x-bees failures: the step retries rather than drop the pictures.
    const channel = store.xbees_channel_id;
    // The same x-bees user uploads the files and posts the message they are attached to.
    const userId = postingUserId(this.identity, store);
    const attachments: XbeesFile[] = [];
    if (still) attachments.push(await this.upload(channel, still, alert.id, userId));
    if (video) attachments.push(await this.upload(channel, video, alert.id, userId));
    const messageId = await this.client.postMessage(channel, {
      text: alertMessageText(alert, store, video !== undefined),
      attachments,
      elements: alertButtons(alert.id),
      userId,
    });
    return { messageId, videoAttached: video !== undefined };
  }

  private async fetch(alert: Alert): Promise<Media | undefined> {
    try {
      return await fetchVideo(alert.videoUrl, this.media.video);
    } catch (err) {
      const e = err instanceof StepError ? err : undefined;
      this.logger.warn('video not fetched, posting the link only', {
        alertId: alert.id,
        code: e?.code,
        reason: e?.message ?? String(err),
      });
      return undefined;
    }
  }

  private async still(alert: Alert, video: Media): Promise<Media | undefined> {
    try {
      // The bound covers ffmpeg's work, not the wait for a turn.
      const take = this.media.still ?? stillImage;
      const bytes = await this.stills.run(() => take(video.bytes, { timeoutMs: this.media.stillTimeoutMs }));
      try {
        this.media.keepStill?.(alert.id, bytes);
      } catch (err) {
        this.logger.warn('still image not kept for the console', { alertId: alert.id, err });
      }
      return { name: `${video.name.replace(/\.[^.]*$/, '')}.jpg`, bytes, contentType: 'image/jpeg' };
    } catch (err) {
      const e = err instanceof StepError ? err : undefined;
      this.logger.warn('no still image from the clip, posting the video without it', {
        alertId: alert.id,
        code: e?.code,
        reason: e?.message ?? String(err),
      });
      return undefined;
    }
  }

  private async upload(channel: string, media: Media, alertId: string, userId: string | undefined): Promise<XbeesFile> {
    try {
      return await this.uploadOnce(channel, media, userId);
    } catch (err) {
      if (!(err instanceof StepError && err.code === 'XBEES_UPLOAD_403')) throw err;
      // The presigned URL expired before the bytes got there: a fresh one, once, in this attempt.
      this.logger.warn('x-bees upload URL expired, asking for a new one', { alertId, file: media.name });
      return this.uploadOnce(channel, media, userId);
    }
  }

  private async uploadOnce(channel: string, media: Media, userId: string | undefined): Promise<XbeesFile> {
    const { fileId, presignedUploadUrl } = await this.client.createFile(channel, media.name, userId);
    await this.client.upload(presignedUploadUrl, media.bytes, media.contentType);
    return this.client.getFile(channel, fileId);
  }
}
