import http from 'node:http';
import net from 'node:net';

/**
 * The naive bridge the cached path is measured against: a plain HTTP server that, as soon as a
 * webhook's body is parsed, writes an Originate on an AMI connection it logged in on at start.
 * No journal, no checks, no storm control: the least any bridge can do. Run as its own process
 * (as the daemon is): `node naive-forwarder.js <ami port> <user> <secret>`; it prints its HTTP
 * port on its first line of output.
 */
async function main(): Promise<void> {
  const [amiPort, username, secret] = process.argv.slice(2);
  if (!amiPort || !username || !secret) throw new Error('usage: naive-forwarder <ami port> <user> <secret>');
  const ami = net.connect(Number(amiPort), '127.0.0.1');
  ami.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    ami.on('error', reject);
    ami.on('data', (chunk) => {
      seen += chunk.toString('latin1');
      if (seen.includes('Authentication accepted')) resolve();
      if (seen.includes('Authentication failed')) reject(new Error('AMI login refused'));
    });
    ami.write(`Action: Login\r\nUsername: ${username}\r\nSecret: ${secret}\r\nEvents: off\r\nActionID: login\r\n\r\n`);
  });
  ami.removeAllListeners('data');
  ami.on('data', () => undefined); // the responses are not read: a naive bridge does not wait for them
  let n = 0;
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: { alert_uuid?: unknown; location?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch {
        res.writeHead(400).end();
        return;
      }
      ami.write(
        `Action: Originate\r\nActionID: naive-${++n}\r\nChannel: Local/${String(body.location)}@veesion-conf\r\n` +
          'Application: Playback\r\nData: /var/lib/veesion-bridge/sounds/cached\r\nAsync: true\r\n' +
          `Variable: ALERT_ID=${String(body.alert_uuid)}\r\n\r\n`,
      );
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.listen(0, '127.0.0.1', () => {
    const address = server.address();
    process.stdout.write(`${typeof address === 'object' && address ? address.port : 0}\n`);
  });
  process.on('SIGTERM', () => {
    server.close();
    ami.end();
    process.exit(0);
  });
}

main().catch((err: unknown) => {
  process.stderr.write(`naive-forwarder: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
