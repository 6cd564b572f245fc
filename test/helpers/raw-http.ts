import net from 'node:net';

/**
 * Sends raw bytes over a fresh TCP socket on loopback and resolves with everything received
 * once the server closes the socket. Rejects if the socket is still open after `deadlineMs`
 * (a generous bound on waiting for the close, not a speed measurement).
 */
export function rawExchange(port: number, request: string | Buffer, deadlineMs = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = '';
    const timer = setTimeout(() => {
      socket.destroy();
      reject(
        new Error(
          `socket still open after ${deadlineMs} ms; received so far: ${JSON.stringify(received.slice(0, 200))}`,
        ),
      );
    }, deadlineMs);
    socket.on('data', (c: Buffer) => (received += c.toString('latin1')));
    // A reset after the answer (the server dropping unread bytes) still counts as closed.
    socket.on('error', () => undefined);
    socket.on('close', () => {
      clearTimeout(timer);
      resolve(received);
    });
    socket.write(request);
  });
}

/** The status code of a raw HTTP/1.1 response, or undefined when nothing parseable came. */
export function statusOf(response: string): number | undefined {
  const m = /^HTTP\/1\.1 (\d{3}) /.exec(response);
  return m ? Number(m[1]) : undefined;
}
