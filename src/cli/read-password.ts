import { createInterface } from 'node:readline';
import { Writable } from 'node:stream';
import { CliExit, EXIT } from './exit-codes';

/**
 * A password from standard input. On a terminal it is asked for twice, without echo, and the two
 * must match; otherwise (a pipe, a file) it is the first line, without its line ending, so a
 * script can set one without it ever being on a command line.
 */
export async function readPassword(
  input: NodeJS.ReadStream = process.stdin,
  out: NodeJS.WritableStream = process.stderr,
): Promise<string> {
  if (!input.isTTY) return firstLine(input);
  // Echo is off (readline puts the terminal in raw mode and writes what is typed to a sink)
  // before the first prompt shows, and stays off between the two: nothing typed ahead is shown.
  const sink = new Writable({ write: (_chunk, _enc, done) => done() });
  const rl = createInterface({ input, output: sink, terminal: true });
  const lines: string[] = [];
  let waiting: ((line: string | undefined) => void) | undefined;
  rl.on('line', (line) => (waiting ? waiting(line) : lines.push(line)));
  // Ctrl-C in raw mode is a key, not a signal: it ends the command as the signal would (128 + 2).
  let interrupted = false;
  rl.once('SIGINT', () => {
    interrupted = true;
    rl.close();
  });
  rl.once('close', () => waiting?.(undefined));
  const ask = (question: string) =>
    new Promise<string | undefined>((resolve) => {
      out.write(question);
      const line = lines.shift();
      if (line !== undefined) return resolve(line);
      waiting = resolve;
    }).then((line) => {
      waiting = undefined;
      out.write('\n');
      if (line === undefined && interrupted)
        throw new CliExit(EXIT.interrupted, 'users: interrupted; nothing was changed');
      if (line === undefined) throw new CliExit(EXIT.usage, 'users: no password given; nothing was changed');
      return line;
    });
  try {
    const first = await ask('Password: ');
    const again = await ask('Again: ');
    if (first !== again) throw new CliExit(EXIT.usage, 'users: the two passwords differ; nothing was changed');
    return first;
  } finally {
    rl.close();
  }
}

async function firstLine(input: NodeJS.ReadableStream): Promise<string> {
  const lines = createInterface({ input, terminal: false, crlfDelay: Number.POSITIVE_INFINITY });
  try {
    for await (const line of lines) return line;
    return '';
  } finally {
    lines.close();
  }
}
