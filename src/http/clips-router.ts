import express, { type Router } from 'express';
import { requireRole, type AdminAuthDeps } from './admin-auth';
import { EVERY_ROLE, inScope, outOfScope, principalOf } from './principal';
import type { Alert } from '../pipeline/alert';
import type { FetchedVideo } from '../chat/video-fetch';
import type { Logger } from '../log/logger';

/** Clips fetched at once for consoles: each may hold BRIDGE_VIDEO_MAX_BYTES in memory until sent. */
const MAX_AT_ONCE = 4;

export interface ClipsDeps extends AdminAuthDeps {
  alert: (id: string) => Promise<Alert | undefined>;
  logger?: Logger;
  /** The chat's own fetch: the same host allow-list, address checks, size and time limits. */
  fetch: (url: string) => Promise<FetchedVideo>;
}

/**
 * `GET /api/v1/alerts/{id}/clip`: the alert's video, fetched by the daemon the way the chat post
 * fetches it (HTTPS, BRIDGE_VIDEO_HOSTS only, public addresses only, within the size and time
 * limits), so the console plays it from its own origin and its CSP stays 'self'. Every role,
 * its stores' alerts. Nothing is kept: each play fetches it again.
 */
export function clipsRouter(deps: ClipsDeps): Router {
  const router = express.Router();
  let fetching = 0;
  router.get('/api/v1/alerts/:id/clip', requireRole(deps, EVERY_ROLE), async (req, res) => {
    const alert = await deps.alert(String(req.params.id));
    if (!alert) return void res.status(404).json({ error: 'no such alert in the journal' });
    if (!inScope(principalOf(res), alert.storeId)) return outOfScope(res, 'this alert');
    if (!alert.videoUrl) return void res.status(404).json({ error: 'this alert came without a video' });
    if (fetching >= MAX_AT_ONCE)
      return void res
        .status(503)
        .json({ error: `${MAX_AT_ONCE} clips are being fetched already: try again in a moment` });
    fetching++;
    let video: FetchedVideo;
    try {
      video = await deps.fetch(alert.videoUrl);
    } catch (err) {
      // Why stays in the log: the video hosts and addresses tried are the operator's business.
      deps.logger?.warn('a clip could not be fetched for the console', { alertId: alert.id, err });
      return void res.status(502).json({ error: 'the clip could not be fetched from the video host' });
    } finally {
      fetching--;
    }
    res.setHeader('Cache-Control', 'no-store');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    // What the video host calls it, when that is a video type; an MP4 otherwise (Veesion's clips are).
    res.type(/^video\/[a-z0-9.+-]+$/i.test(video.contentType) ? video.contentType : 'video/mp4').send(video.bytes);
  });
  return router;
}
