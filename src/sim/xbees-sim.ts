import express from 'express';
import { randomBytes, randomUUID } from 'node:crypto';
import { HttpSim } from './http-sim';
import { isBotToken } from '../config/xbees-auth';

export interface SimFile {
  id: string;
  channelId: string;
  name: string;
  /** The x-bees user the upload acted for (PBX token only). */
  userId?: string;
  bytes?: Buffer;
  contentType?: string;
}

export interface SimMessage {
  channelId: string;
  text: string;
  attachments: Record<string, unknown>[];
  /** Interactive parts (buttons), as sent. */
  elements: unknown[];
  userId?: string;
  at: number;
}

export interface XbeesSimOptions {
  /** The bearer token it accepts; default: a bot token, `wsk-v1-` and random characters. */
  token?: string;
  /** The x-bees user ids a PBX token may act for (a bot token acts for none). */
  users?: readonly string[];
}

/**
 * The x-bees conversations API: files with presigned upload, messages.
 * Who acts follows Wildix's examples: a bot token (`wsk-...`) posts as its bot and a `userId`
 * with it is refused (Wildix/sdk-examples, examples/chatbot-simple); a PBX token names the
 * x-bees user of each upload and message in `userId`, one of its known users, else refused
 * (Wildix/sdk-examples, examples/conversation-api-send-message and its README).
 */
export class XbeesSimulator extends HttpSim {
  readonly files = new Map<string, SimFile>();
  readonly messages: SimMessage[] = [];
  /** The JSON body of every API request but GETs, as it arrived (refused ones too): the wire shape, for tests. */
  readonly bodies: { method: string; path: string; body: unknown }[] = [];
  /** The next this-many uploads find their presigned URL expired. */
  expireNextUploads = 0;
  /** While set, every API call answers this status (an outage), uploads included. */
  down: number | undefined;
  private readonly listeners: ((m: SimMessage) => void)[] = [];

  readonly token: string;
  readonly users: ReadonlySet<string>;

  constructor(opts: XbeesSimOptions = {}) {
    super();
    this.token = opts.token ?? `wsk-v1-${randomBytes(24).toString('base64url')}`;
    this.users = new Set(opts.users ?? []);
  }

  /** Why x-bees would refuse this `userId` with this token, as [status, error]; undefined: accepted. */
  private refusedUser(userId: unknown): [number, string] | undefined {
    if (isBotToken(this.token))
      return userId === undefined
        ? undefined
        : [400, 'userId is not accepted with a bot token: the bot posts as itself'];
    if (userId === undefined) return [400, 'userId required: the x-bees user this PBX token acts for'];
    if (typeof userId !== 'string' || !this.users.has(userId)) return [403, 'userId is not a known x-bees user'];
    return undefined;
  }

  onMessage(listener: (m: SimMessage) => void): void {
    this.listeners.push(listener);
  }

  start(): Promise<string> {
    const app = express();
    const api = express.Router();
    api.use(this.faults());
    api.use((_req, res, next) => (this.down ? void res.status(this.down).json({ error: 'simulated outage' }) : next()));
    api.use((req, res, next) => {
      if (req.get('authorization') !== `Bearer ${this.token}`)
        return void res.status(401).json({ error: 'unauthorized' });
      next();
    });
    api.use(express.json());
    api.use((req, _res, next) => {
      if (req.method !== 'GET') this.bodies.push({ method: req.method, path: req.path, body: req.body as unknown });
      next();
    });
    api.post('/channels/:channel/files', (req, res) => {
      const { name, userId } = req.body as { name?: unknown; userId?: unknown };
      if (typeof name !== 'string' || name.length === 0) return void res.status(400).json({ error: 'name required' });
      const refused = this.refusedUser(userId);
      if (refused) return void res.status(refused[0]).json({ error: refused[1] });
      const id = randomUUID();
      this.files.set(id, {
        id,
        channelId: String(req.params.channel),
        name,
        ...(typeof userId === 'string' ? { userId } : {}),
      });
      res.json({ fileId: id, presignedUploadUrl: `${this.url}/upload/${id}?X-Amz-Signature=sim` });
    });
    api.get('/channels/:channel/files/:id', (req, res) => {
      const f = this.files.get(String(req.params.id));
      if (!f?.bytes) return void res.status(404).json({ error: 'no such file' });
      res.json({
        file: { id: f.id, name: f.name, size: f.bytes.length, mime: f.contentType, url: `${this.url}/files/${f.id}` },
      });
    });
    api.post('/channels/:channel/messages', (req, res) => {
      const body = req.body as Partial<SimMessage>;
      if (typeof body.text !== 'string') return void res.status(400).json({ error: 'text required' });
      const attachments = Array.isArray(body.attachments) ? body.attachments : [];
      if (attachments.length > 10) return void res.status(400).json({ error: 'at most 10 attachments' });
      const elements = Array.isArray(body.elements) ? body.elements : [];
      if (!elements.every(validElement))
        return void res.status(400).json({
          error:
            'elements: each is {actions: [{button: {text, handler: {action: {id}} | {link: {url}} | {reply: {text}}}}]}',
        });
      const refused = this.refusedUser(body.userId);
      if (refused) return void res.status(refused[0]).json({ error: refused[1] });
      const msg: SimMessage = {
        channelId: String(req.params.channel),
        text: body.text,
        attachments,
        elements,
        at: Date.now(),
        ...(body.userId ? { userId: body.userId } : {}),
      };
      this.messages.push(msg);
      for (const l of this.listeners) l(msg);
      res.json({ messageId: `msg-${this.messages.length}` });
    });
    app.use('/v2/conversations', api);
    app.put('/upload/:id', express.raw({ type: () => true, limit: '200mb' }), (req, res) => {
      const f = this.files.get(String(req.params.id));
      if (!f) return void res.status(404).send('NoSuchUpload');
      if (this.down) return void res.status(this.down).send('ServiceUnavailable');
      if (this.expireNextUploads === 0) return void this.store(f, req, res);
      this.expireNextUploads--;
      return void res
        .status(403)
        .send('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
    });
    return this.listen(app);
  }

  private store(f: SimFile, req: express.Request, res: express.Response): void {
    // A presigned URL must not be sent our bearer token (S3 would refuse, and it would leak).
    if (req.get('authorization')) return void res.status(400).send('InvalidArgument: Authorization with presigned URL');
    f.bytes = req.body as Buffer;
    f.contentType = req.get('content-type') ?? 'application/octet-stream';
    res.status(200).end();
  }
}

/** The x-bees SendMessage `elements` shape (see README "x-bees buttons"): actions of buttons. */
function validElement(e: unknown): boolean {
  const actions = (e as { actions?: unknown } | null)?.actions;
  return (
    Array.isArray(actions) &&
    actions.length > 0 &&
    actions.every((a) => {
      const b = (a as { button?: { text?: unknown; handler?: Record<string, unknown> } } | null)?.button;
      if (!b || typeof b.text !== 'string' || b.text.length === 0 || !b.handler) return false;
      const kinds = Object.keys(b.handler);
      if (kinds.length !== 1) return false;
      const h = b.handler[kinds[0] as string] as Record<string, unknown> | undefined;
      return (
        (kinds[0] === 'action' && typeof h?.id === 'string') ||
        (kinds[0] === 'link' && typeof h?.url === 'string') ||
        (kinds[0] === 'reply' && typeof h?.text === 'string')
      );
    })
  );
}

/** The action ids of a message's buttons, by label: what a person can press. */
export function buttonIds(m: SimMessage): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of m.elements) {
    for (const a of (e as { actions: { button: { text: string; handler: { action?: { id: string } } } }[] }).actions) {
      if (a.button.handler.action) out[a.button.text] = a.button.handler.action.id;
    }
  }
  return out;
}
