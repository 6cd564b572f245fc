import express, { type Request, type Response, type Router } from 'express';
import { parseSince } from '../cli/time-arg';
import { AUDIT_MAX_ROWS, type JournalAudit } from '../journal/audit';
import { requireAdmin, type AdminAuthDeps } from './admin-auth';
import { BadInput, badInputAnswer, fields, wholeNumber } from './admin-input';

/**
 * `GET /api/v1/audit?since=7d&limit=1000`: the audit trail since then (a duration back or an ISO
 * date; 7 days by default), oldest first, at most `limit` (the newest). Admin only.
 */
export function auditRouter(deps: AdminAuthDeps & { audit: Pick<JournalAudit, 'since'> }): Router {
  const router = express.Router();
  router.get('/api/v1/audit', requireAdmin(deps), async (req: Request, res: Response) => {
    const query = fields(req.query, ['since', 'limit'], 'query');
    let since: number;
    try {
      since = parseSince(typeof query.since === 'string' ? query.since : '7d', Date.now());
    } catch (err) {
      throw new BadInput(`since: ${(err as Error).message}`);
    }
    const limit = wholeNumber(query.limit, 'limit', 1, AUDIT_MAX_ROWS) ?? AUDIT_MAX_ROWS;
    res.json({ since, entries: await deps.audit.since(since, limit) });
  });
  router.use('/api/v1/audit', badInputAnswer);
  return router;
}
