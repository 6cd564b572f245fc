import { PassThrough } from 'node:stream';
import { createLogger } from '../../../src/log/logger';

describe('logger', () => {
  it('writes JSON lines and scrubs secrets by value and by field name', async () => {
    const stream = new PassThrough();
    const chunks: string[] = [];
    stream.on('data', (c: Buffer) => chunks.push(c.toString()));
    const log = createLogger({ level: 'debug', secrets: ['s3cr3t-token'], stream }).child({ area: 'test' });
    log.info('hook registered', { url: 'https://pbx/api?token=s3cr3t-token', password: 'hunter2', alertId: 'a1' });
    log.error('failed', { err: new Error('auth with s3cr3t-token refused') });
    await new Promise((r) => setImmediate(r));
    const text = chunks.join('');
    expect(text).not.toContain('s3cr3t-token');
    expect(text).not.toContain('hunter2');
    const [first] = text
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(first).toMatchObject({
      message: 'hook registered',
      area: 'test',
      alertId: 'a1',
      url: 'https://pbx/api?token=HIDDEN',
      password: 'HIDDEN',
    });
  });
});
