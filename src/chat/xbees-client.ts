import axios, { type AxiosInstance } from 'axios';
import { z } from 'zod';
import { StepError } from '../pipeline/step-error';
import { httpStepError } from '../http/client-errors';

const XBEES = { name: 'x-bees', code: 'XBEES' };
/** The presigned storage URL: its 403 means "expired", not "our token is wrong". */
const STORAGE = { name: 'x-bees', code: 'XBEES_UPLOAD' };

/** x-bees conversations API. Responses are validated before use. */
const createdFile = z.object({ fileId: z.string().min(1).max(200), presignedUploadUrl: z.string().url() });
const fileInfo = z.object({ file: z.record(z.string(), z.unknown()) });
/** The new message's id: `messageId`, or `id` where the answer names it so. */
const messageRef = z.union([z.string(), z.number()]).optional();
const postedMessage = z.looseObject({ messageId: messageRef, id: messageRef });

export type XbeesFile = Record<string, unknown>;

export interface XbeesClientOptions {
  baseUrl: string;
  token: string;
  timeoutMs?: number;
}

export class XbeesClient {
  private readonly http: AxiosInstance;
  private readonly origin: string;

  constructor(private readonly opts: XbeesClientOptions) {
    this.origin = new URL(opts.baseUrl).origin;
    this.http = axios.create({
      baseURL: opts.baseUrl,
      timeout: opts.timeoutMs ?? 15_000,
      headers: { Authorization: `Bearer ${opts.token}` },
      maxRedirects: 0,
    });
  }

  /** `userId`: the x-bees user the upload acts for (PBX token only; a bot token sends none). */
  async createFile(
    channelId: string,
    name: string,
    userId?: string,
  ): Promise<{ fileId: string; presignedUploadUrl: string }> {
    const body = userId === undefined ? { name } : { name, userId };
    const data = await this.call('create file', XBEES, () => this.http.post(`${channelPath(channelId)}/files`, body));
    const parsed = validate(createdFile, data, 'create file');
    const upload = new URL(parsed.presignedUploadUrl);
    if (upload.protocol !== 'https:' && upload.origin !== this.origin) {
      throw new StepError('XBEES_BAD_UPLOAD_URL', 'rejected', 'x-bees returned a non-https upload URL');
    }
    return parsed;
  }

  /** PUT to the presigned URL, without our Authorization header (it is a storage URL). */
  async upload(presignedUrl: string, bytes: Buffer, contentType: string): Promise<void> {
    await this.call('upload file', STORAGE, () =>
      axios.put(presignedUrl, bytes, {
        headers: { 'Content-Type': contentType },
        timeout: this.opts.timeoutMs ?? 60_000,
        maxBodyLength: Infinity,
        maxRedirects: 0,
      }),
    );
  }

  async getFile(channelId: string, fileId: string): Promise<XbeesFile> {
    const data = await this.call('get file', XBEES, () =>
      this.http.get(`${channelPath(channelId)}/files/${encodeURIComponent(fileId)}`),
    );
    return validate(fileInfo, data, 'get file').file;
  }

  /**
   * `elements`: interactive parts (buttons), as the conversations API's SendMessage takes them.
   * `userId`: as for createFile; left out of the body when undefined.
   */
  async postMessage(
    channelId: string,
    body: { text: string; attachments: XbeesFile[]; elements?: unknown[]; userId?: string | undefined },
  ): Promise<string> {
    const { userId, ...rest } = body;
    const sent = userId === undefined ? rest : { ...rest, userId };
    const data = await this.call('post message', XBEES, () =>
      this.http.post(`${channelPath(channelId)}/messages`, sent),
    );
    const posted = validate(postedMessage, data, 'post message');
    return String(posted.messageId ?? posted.id ?? '');
  }

  private async call(
    what: string,
    service: { name: string; code: string },
    request: () => Promise<{ data: unknown }>,
  ): Promise<unknown> {
    try {
      return (await request()).data;
    } catch (err) {
      throw httpStepError(service, what, err);
    }
  }
}

function channelPath(channelId: string): string {
  return `/v2/conversations/channels/${encodeURIComponent(channelId)}`;
}

function validate<T>(schema: z.ZodType<T>, data: unknown, what: string): T {
  const parsed = schema.safeParse(data);
  if (!parsed.success)
    throw new StepError('XBEES_BAD_RESPONSE', 'rejected', `x-bees ${what}: unexpected response shape`);
  return parsed.data;
}
