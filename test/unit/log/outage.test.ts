import { OutageReporter } from '../../../src/log/outage';
import { capturedLogger } from '../../helpers/quiet-logger';

describe('OutageReporter: an outage in at most one line a minute', () => {
  const setup = () => {
    let now = 1_000_000;
    const { logger, lines } = capturedLogger();
    const outage = new OutageReporter({
      logger,
      system: 'AMI',
      where: '127.0.0.1:5038',
      impact: 'announcements retry for 120 s',
      now: () => now,
    });
    const parsed = () => lines().map((l) => JSON.parse(l) as Record<string, unknown>);
    return { outage, parsed, advance: (ms: number) => (now += ms) };
  };

  it('logs the start with where and what it means, one "still" line a minute, and the end', () => {
    const { outage, parsed, advance } = setup();
    expect(outage.summary).toBeUndefined();
    for (let t = 0; t <= 150_000; t += 3_000) {
      outage.failed('ECONNREFUSED');
      advance(3_000);
    }
    outage.recovered();
    const messages = parsed().map((l) => [l.level, l.message]);
    expect(messages).toEqual([
      ['warn', 'AMI unreachable'],
      ['warn', 'AMI still unreachable'],
      ['warn', 'AMI still unreachable'],
      ['info', 'AMI reachable again'],
    ]);
    expect(parsed()[0]).toMatchObject({
      where: '127.0.0.1:5038',
      reason: 'ECONNREFUSED',
      impact: 'announcements retry for 120 s',
    });
    expect(parsed()[3]).toMatchObject({ downForS: 153, failures: 51 });
    expect(outage.down).toBe(false);
  });

  it('keeps the reason for /readyz while down; a refusal only an operator can fix is an error', () => {
    const { outage, parsed } = setup();
    outage.failed('login refused (Authentication failed)', 'error');
    expect(outage.summary).toMatch(
      /^AMI at 127.0.0.1:5038 unreachable since .*: login refused \(Authentication failed\)$/,
    );
    expect(parsed()[0]).toMatchObject({ level: 'error', message: 'AMI unreachable' });
    outage.recovered();
    outage.recovered(); // only one end line per outage
    expect(parsed().filter((l) => l.message === 'AMI reachable again')).toHaveLength(1);
  });
});
