/**
 * Asterisk Manager Interface framing (https://docs.asterisk.org/Configuration/Interfaces/Asterisk-Manager-Interface-AMI/):
 * after a one-line banner, messages are `Key: Value` lines ending in CRLF, closed by an empty
 * line. A TCP chunk may hold several messages or part of one (see fixtures/ami).
 */
export type AmiFields = ReadonlyArray<readonly [string, string]>;

export class AmiMessage {
  constructor(readonly fields: AmiFields) {}

  /** First value of a key, case-insensitively (AMI keys are case-insensitive). */
  get(key: string): string | undefined {
    const k = key.toLowerCase();
    return this.fields.find(([name]) => name.toLowerCase() === k)?.[1];
  }

  getAll(key: string): string[] {
    const k = key.toLowerCase();
    return this.fields.filter(([name]) => name.toLowerCase() === k).map(([, v]) => v);
  }
}

/** Strips CR, LF and NUL: a value can never end its line and smuggle in another header. */
export function headerValue(value: string): string {
  return value.replace(/[\r\n\0]/g, '');
}

/**
 * The longest line Asterisk's manager reads whole, CRLF included: a session reads each line into
 * a 1025-byte buffer (one byte kept for the NUL), and a message with a longer line is refused
 * whole ("Failed to parse message: line too long"; Asterisk's source, main/manager.c, get_input and do_message).
 */
export const MAX_LINE_BYTES = 1024;
/** Lines Asterisk keeps from one message (its AST_MAX_MANHEADERS); past it the message is refused. */
export const MAX_HEADERS = 128;

/** The bytes one `Key: value` line takes on the wire, CRLF included. */
export function lineBytes(key: string, value: string): number {
  return Buffer.byteLength(`${key}: ${value}\r\n`);
}

/** Why Asterisk would refuse these fields whole, or undefined: a line too long, or too many lines. */
export function refusedByAsterisk(fields: AmiFields): string | undefined {
  if (fields.length > MAX_HEADERS) return `${fields.length} lines (Asterisk keeps ${MAX_HEADERS})`;
  const long = fields.find(([k, v]) => lineBytes(headerValue(k), headerValue(v)) > MAX_LINE_BYTES);
  if (long) return `its ${long[0]} line is ${lineBytes(long[0], long[1])} bytes (Asterisk reads ${MAX_LINE_BYTES})`;
  return undefined;
}

export function encodeMessage(fields: AmiFields): string {
  return `${fields.map(([k, v]) => `${headerValue(k)}: ${headerValue(v)}\r\n`).join('')}\r\n`;
}

const MAX_BUFFER = 1024 * 1024;

/** Incremental parser; `banner` is the first line the server sent, once seen. */
export class AmiParser {
  banner: string | undefined;
  private buffer = '';

  constructor(private readonly expectBanner: boolean) {}

  push(chunk: string): AmiMessage[] {
    this.buffer += chunk;
    if (this.buffer.length > MAX_BUFFER) throw new Error('AMI message larger than 1 MiB');
    if (this.expectBanner && this.banner === undefined) {
      const eol = this.buffer.indexOf('\r\n');
      if (eol < 0) return [];
      this.banner = this.buffer.slice(0, eol);
      this.buffer = this.buffer.slice(eol + 2);
    }
    const out: AmiMessage[] = [];
    for (let end = this.buffer.indexOf('\r\n\r\n'); end >= 0; end = this.buffer.indexOf('\r\n\r\n')) {
      // A copy: V8 keeps a slice's whole parent string alive, and a value kept from one message
      // (a call's token, an hour long) would otherwise hold the whole chunk it came in (tens of KB).
      const block = Buffer.from(this.buffer.slice(0, end)).toString();
      this.buffer = this.buffer.slice(end + 4);
      if (block.length === 0) continue;
      out.push(new AmiMessage(block.split('\r\n').map(parseLine)));
    }
    return out;
  }
}

function parseLine(line: string): [string, string] {
  const colon = line.indexOf(':');
  if (colon < 0) return [line, ''];
  return [line.slice(0, colon), line.slice(colon + 1).replace(/^ /, '')];
}
