import { BridgeMetrics } from '../../../src/http/metrics';
import { STEP_LINES_PER_S, stepLogger } from '../../../src/log/step-log';
import type { StepEvent } from '../../../src/pipeline/ports';
import { capturedLogger, waitFor } from '../../helpers/quiet-logger';

const givenUp = (i: number): StepEvent => ({
  alertId: `a${i}`,
  step: 'announce',
  state: 'expired',
  attempt: 1,
  storeId: 's1',
  error: 'conference 100 queue full (20 waiting): dropped the oldest',
});

describe('step log lines', () => {
  it('a storm of outcomes is written a line each up to a budget a second, and the rest counted in one line', async () => {
    const { logger, lines } = capturedLogger();
    let now = 10_000;
    const log = stepLogger(logger, new BridgeMetrics(), () => now);
    for (let i = 0; i < STEP_LINES_PER_S + 30; i++) log(givenUp(i));
    const parsed = () => lines().map((l) => JSON.parse(l) as { message: string; alertId?: string; count?: number });
    expect(parsed().filter((l) => l.message === 'step given up')).toHaveLength(STEP_LINES_PER_S);
    await waitFor(() => parsed().some((l) => l.count !== undefined), 10_000, 'the count of lines held back');
    expect(parsed().find((l) => l.count !== undefined)).toMatchObject({
      message: expect.stringContaining('step given up: 30 more in one second'),
      step: 'announce',
      count: 30,
      alertIds: ['a20', 'a21', 'a22', 'a23', 'a24'],
    });
    // The next second has its own budget: a lone failure is written as ever.
    now += 1_000;
    log(givenUp(999));
    expect(parsed().at(-1)).toMatchObject({ message: 'step given up', alertId: 'a999' });
  });

  it('lines the level leaves out do not use the budget', () => {
    const { logger, lines } = capturedLogger();
    logger.level = 'warn';
    const log = stepLogger(logger, new BridgeMetrics(), () => 10_000);
    for (let i = 0; i < 100; i++) log({ ...givenUp(i), state: 'succeeded', error: undefined });
    log(givenUp(100));
    expect(lines().map((l) => JSON.parse(l) as { alertId: string })).toEqual([
      expect.objectContaining({ alertId: 'a100' }),
    ]);
  });
});
