import { StepQueue } from '../../../src/journal/step-queue';
import type { StepRecord } from '../../../src/pipeline/ports';

const rec = (alertId: string, detail: string): StepRecord => ({
  alertId,
  step: 'announce',
  state: 'running',
  attempts: 1,
  nextAt: null,
  lastError: null,
  detail,
  updatedAt: 1,
});

describe('StepQueue', () => {
  it("puts a failed commit's updates back ahead of newer ones, reports each once, and rejects the waiters", async () => {
    const q = new StepQueue();
    q.push(rec('a', 'first'));
    const waited = q.pushCommitted(rec('b', 'calling'));
    const taken = q.take();
    q.push(rec('a', 'newer')); // made while the commit was failing
    expect(q.failed(taken, new Error('disk full'), true).map((r) => r.detail)).toEqual(['first']);
    await expect(waited).rejects.toThrow('disk full');
    expect(q.unwritten()).toBe(1);
    const again = q.take();
    expect(again.map((x) => x.record.detail)).toEqual(['first', 'newer']); // the older first: the newer wins
    expect(q.failed(again, new Error('still full'), true)).toEqual([rec('a', 'newer')]); // 'first' was reported already
    const last = q.take();
    q.written(last);
    expect(q.unwritten()).toBe(0);
  });

  it('when the journal is closed nothing is retried and every lost update is reported', () => {
    const q = new StepQueue();
    q.push(rec('a', 'x'));
    const t = q.take();
    q.failed(t, new Error('busy'), true);
    expect(q.failed(q.take(), new Error('closed'), false).map((r) => r.detail)).toEqual(['x']);
    expect(q.length).toBe(0);
  });
});
