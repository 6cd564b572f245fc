import { EventEmitter } from 'node:events';
import { handleDaemonSignals } from '../../../src/cli/daemon-signals';

/** The operator commands' signals, as `run` and `demo` both handle them. */
describe('handleDaemonSignals', () => {
  const daemon = () => {
    const lost: (() => void)[] = [];
    const acts: string[] = [];
    return {
      acts,
      loseJournal: () => {
        for (const fn of lost) fn();
      },
      reload: () => acts.push('reload'),
      rescanLater: (reason: string) => void acts.push(`rescan ${reason}`),
      local: { onLost: (fn: () => void) => void lost.push(fn) },
    };
  };

  it('carries out SIGHUP and SIGUSR2 sent during the start once it is done, then each at once', () => {
    const d = daemon();
    const source = new EventEmitter();
    const signals = handleDaemonSignals(d, source);
    source.emit('SIGUSR2');
    source.emit('SIGHUP');
    expect(d.acts).toEqual([]);
    signals.started();
    expect(d.acts.sort()).toEqual(['reload', 'rescan replay']);
    source.emit('SIGUSR2');
    expect(d.acts.filter((a) => a === 'rescan replay')).toHaveLength(2);
  });

  it('asks to stop at SIGTERM or SIGINT with exit 0, and with exit 1 when the journal is lost', async () => {
    const source = new EventEmitter();
    const byTerm = handleDaemonSignals(daemon(), source);
    source.emit('SIGTERM');
    await expect(byTerm.stopRequest).resolves.toEqual({ why: 'SIGTERM', code: 0 });

    const intSource = new EventEmitter();
    const viaInt = handleDaemonSignals(daemon(), intSource);
    intSource.emit('SIGINT');
    await expect(viaInt.stopRequest).resolves.toEqual({ why: 'SIGINT', code: 0 });

    const d = daemon();
    const lost = handleDaemonSignals(d, new EventEmitter());
    d.loseJournal();
    await expect(lost.stopRequest).resolves.toEqual({ why: 'journal lost', code: 1 });
  });
});
