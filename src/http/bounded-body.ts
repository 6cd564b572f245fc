import type { Request, Response, NextFunction } from 'express';

export type Refuse = (res: Response, status: number, error: string) => void;

/**
 * Makes the response the last one on its connection: Node closes the socket once it is sent.
 * Used whenever a request is refused before its body is read, so a body announced but never
 * sent (or an endless one) cannot keep the socket, and the connection cannot be reused with
 * unread body bytes still on it.
 */
export function closeAfterResponse(res: Response): void {
  res.setHeader('Connection', 'close');
}

/** Whether a request declares a body (a Content-Length above 0, or a Transfer-Encoding). */
export function hasBody(req: Request): boolean {
  return req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;
}

/**
 * Reads at most `maxBytes` of body into `req.body` (a Buffer). Not express.raw: body-parser
 * answers an oversized body only after reading it to its end, so a sender announcing 100 MB
 * and sending nothing held the socket until a timeout. Here a Content-Length over the limit is
 * answered 413 before a byte is read, a chunked body is cut off with 413 the moment it passes
 * the limit, and both connections are closed.
 */
export function boundedBody(maxBytes: number, refuse: Refuse) {
  const tooLarge = `body larger than ${maxBytes / 1024} KiB`;
  return (req: Request, res: Response, next: NextFunction): void => {
    if (Number(req.headers['content-length'] ?? 0) > maxBytes) {
      closeAfterResponse(res);
      return refuse(res, 413, tooLarge);
    }
    // Compressed bodies would need their own bound after inflating; senders post plain JSON.
    const encoding = (req.headers['content-encoding'] ?? 'identity').toLowerCase();
    if (encoding !== 'identity') {
      closeAfterResponse(res);
      return refuse(res, 415, `Content-Encoding ${encoding} is not supported: send the JSON uncompressed`);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = () => {
      req.off('data', onData);
      req.off('end', onEnd);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= maxBytes) return void chunks.push(chunk);
      stop();
      req.pause();
      closeAfterResponse(res);
      refuse(res, 413, tooLarge);
    };
    const onEnd = () => {
      stop();
      req.body = Buffer.concat(chunks, size);
      next();
    };
    req.on('data', onData);
    req.on('end', onEnd);
    // A sender that hangs up mid-body cannot be answered; Node reports it here, nothing to do.
    req.once('error', stop);
  };
}
