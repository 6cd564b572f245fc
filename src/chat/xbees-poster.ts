import type { Alert, StoreRoute } from '../pipeline/alert';
import type { ChatPoster } from '../pipeline/ports';
import type { Logger } from '../log/logger';
import { StepError } from '../pipeline/step-error';
import { alertMessageText } from './alert-message';
import { fetchVideo, type VideoFetchOptions } from './video-fetch';
import type { XbeesClient, XbeesFile } from './xbees-client';
import type { OutageReporter } from '../log/outage';

/**
 * Posts an alert to the store's x-bees channel: video downloaded, uploaded, attached. A video
 * that cannot be had (refused URL, download failure) still gets a text message with the link.
 */
export class XbeesPoster implements ChatPoster {
  constructor(
    private readonly client: XbeesClient,
    private readonly video: VideoFetchOptions,
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
      const messageId = await this.client.postMessage(store.xbees_channel_id, { text, attachments: [], userId: store.veesion_user_extension });
      this.outage?.recovered();
      return { messageId };
    } catch (err) {
      if (err instanceof StepError && err.kind !== 'bad-input') this.outage?.failed(`${err.code}: ${err.message}`);
      throw err;
    }
  }

  private async postOnce(alert: Alert, store: StoreRoute): Promise<{ messageId: string; videoAttached: boolean }> {
    const file = alert.videoUrl ? await this.attachVideo(alert, store) : undefined;
    const messageId = await this.client.postMessage(store.xbees_channel_id, {
      text: alertMessageText(alert, store, file !== undefined),
      attachments: file ? [file] : [],
      userId: store.veesion_user_extension,
    });
    return { messageId, videoAttached: file !== undefined };
  }

  private async attachVideo(alert: Alert, store: StoreRoute): Promise<XbeesFile | undefined> {
    let video;
    try {
      video = await fetchVideo(alert.videoUrl, this.video);
    } catch (err) {
      const e = err instanceof StepError ? err : undefined;
      this.logger.warn('video not fetched, posting the link only', { alertId: alert.id, code: e?.code, reason: e?.message ?? String(err) });
      return undefined;
    }
    // Upload failures are x-bees failures: let the step retry rather than drop the video.
    const channel = store.xbees_channel_id;
    try {
      return await this.upload(channel, video);
    } catch (err) {
      if (!(err instanceof StepError && err.code === 'XBEES_UPLOAD_403')) throw err;
      // The presigned URL expired before the bytes got there: a fresh one, once, in this attempt.
      this.logger.warn('x-bees upload URL expired, asking for a new one', { alertId: alert.id });
      return this.upload(channel, video);
    }
  }

  private async upload(channel: string, video: { name: string; bytes: Buffer; contentType: string }): Promise<XbeesFile> {
    const { fileId, presignedUploadUrl } = await this.client.createFile(channel, video.name);
    await this.client.upload(presignedUploadUrl, video.bytes, video.contentType);
    return this.client.getFile(channel, fileId);
  }
}
