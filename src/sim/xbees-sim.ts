import express from 'express';
import { randomUUID } from 'node:crypto';
import { HttpSim } from './http-sim';

export interface SimFile {
  id: string;
  channelId: string;
  name: string;
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

/** The x-bees conversations API: files with presigned upload, messages (DESIGN section 3). */
export class XbeesSimulator extends HttpSim {
  readonly files = new Map<string, SimFile>();
  readonly messages: SimMessage[] = [];
  /** The next this-many uploads find their presigned URL expired. */
  expireNextUploads = 0;
  /** While set, every API call answers this status (an outage), uploads included. */
  down: number | undefined;
  private readonly listeners: ((m: SimMessage) => void)[] = [];

  constructor(readonly token = 'xbees-sim-token') {
    super();
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
      if (req.get('authorization') !== `Bearer ${this.token}`) return void res.status(401).json({ error: 'unauthorized' });
      next();
    });
    api.use(express.json());
    api.post('/channels/:channel/files', (req, res) => {
      const name = (req.body as { name?: unknown }).name;
      if (typeof name !== 'string' || name.length === 0) return void res.status(400).json({ error: 'name required' });
      const id = randomUUID();
      this.files.set(id, { id, channelId: String(req.params['channel']), name });
      res.json({ fileId: id, presignedUploadUrl: `${this.url}/upload/${id}?X-Amz-Signature=sim` });
    });
    api.get('/channels/:channel/files/:id', (req, res) => {
      const f = this.files.get(String(req.params['id']));
      if (!f?.bytes) return void res.status(404).json({ error: 'no such file' });
      res.json({ file: { id: f.id, name: f.name, size: f.bytes.length, mime: f.contentType, url: `${this.url}/files/${f.id}` } });
    });
    api.post('/channels/:channel/messages', (req, res) => {
      const body = req.body as Partial<SimMessage>;
      if (typeof body.text !== 'string') return void res.status(400).json({ error: 'text required' });
      const attachments = Array.isArray(body.attachments) ? body.attachments : [];
      if (attachments.length > 10) return void res.status(400).json({ error: 'at most 10 attachments' });
      const elements = Array.isArray(body.elements) ? body.elements : [];
      if (!elements.every(validElement)) return void res.status(400).json({ error: 'elements: each is {actions: [{button: {text, handler: {action: {id}} | {link: {url}} | {reply: {text}}}}]}' });
      const msg: SimMessage = { channelId: String(req.params['channel']), text: body.text, attachments, elements, at: Date.now(), ...(body.userId ? { userId: body.userId } : {}) };
      this.messages.push(msg);
      for (const l of this.listeners) l(msg);
      res.json({ id: `msg-${this.messages.length}` });
    });
    app.use('/v2/conversations', api);
    app.put('/upload/:id', express.raw({ type: () => true, limit: '200mb' }), (req, res) => {
      const f = this.files.get(String(req.params['id']));
      if (!f) return void res.status(404).send('NoSuchUpload');
      if (this.down) return void res.status(this.down).send('ServiceUnavailable');
      if (this.expireNextUploads === 0) return void this.store(f, req, res);
      this.expireNextUploads--;
      return void res.status(403).send('<Error><Code>AccessDenied</Code><Message>Request has expired</Message></Error>');
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
  return Array.isArray(actions) && actions.length > 0 && actions.every((a) => {
    const b = (a as { button?: { text?: unknown; handler?: Record<string, unknown> } } | null)?.button;
    if (!b || typeof b.text !== 'string' || b.text.length === 0 || !b.handler) return false;
    const kinds = Object.keys(b.handler);
    if (kinds.length !== 1) return false;
    const h = b.handler[kinds[0] as string] as Record<string, unknown> | undefined;
    return (kinds[0] === 'action' && typeof h?.['id'] === 'string')
      || (kinds[0] === 'link' && typeof h?.['url'] === 'string')
      || (kinds[0] === 'reply' && typeof h?.['text'] === 'string');
  });
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
