import { KeyedSerialQueue } from '../../../src/pipeline/conference-queue';

describe('one announcement at a time per conference', () => {
  it('a free conference starts its task at once, not a turn later', () => {
    const q = new KeyedSerialQueue();
    let started = false;
    void q.run('7', async () => {
      started = true;
      return { value: undefined };
    });
    expect(started).toBe(true);
  });

  it('a task queued while another holds the key, even by that task itself, waits for its release; order is kept', async () => {
    const q = new KeyedSerialQueue();
    const order: string[] = [];
    let release: () => void = () => undefined;
    const held = new Promise<void>((r) => (release = r));
    let inner: Promise<void> | undefined;
    const outer = q.run('7', async () => {
      order.push('outer');
      inner = q.run('7', async () => {
        order.push('inner');
        return { value: undefined };
      });
      return { value: undefined, release: held };
    });
    const third = q.run('7', async () => {
      order.push('third');
      return { value: undefined };
    });
    await outer;
    await new Promise((r) => setImmediate(r));
    expect(order).toEqual(['outer']); // still held: its audio plays
    release();
    await Promise.all([inner, third]);
    expect(order).toEqual(['outer', 'inner', 'third']);
    // A failing task does not block the ones behind it.
    const failing = q.run('7', async () => {
      throw new Error('no call');
    });
    await expect(failing).rejects.toThrow('no call');
    expect(await q.run('7', async () => ({ value: 'after' }))).toBe('after');
  });
});
