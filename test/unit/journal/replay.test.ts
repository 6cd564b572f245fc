import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { requeueAlerts } from '../../../src/journal/replay';
import { openJournalForOperator } from '../../../src/journal/operator-access';
import { readHookStates, recordHookStates } from '../../../src/journal/hook-state';
import type { Alert, StepName, StepState } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';

const HOUR = 3_600_000;
const alert = (id: string, storeId = 's1'): Alert => ({ id, storeId, cameraId: '3', cameraIp: '', groupId: '', alertType: 'theft', startDate: '', endDate: '', videoUrl: '' });

/** A journal with alerts in the given step states, written through the daemon's own class. */
async function journalWith(rows: { id: string; at: number; store?: string; announce?: StepState; chat?: StepState; unroutable?: boolean }[]) {
  const file = join(tempDir(), 'journal.sqlite');
  const j = new SqliteJournal(file);
  for (const r of rows) {
    const steps: StepName[] = r.unroutable ? [] : ['announce', 'chat'];
    await j.append({ alert: alert(r.id, r.store), status: r.unroutable ? 'unroutable' : 'routed', rawBody: '{}', receivedAt: r.at, steps });
    for (const step of steps) {
      const state = r[step] ?? 'succeeded';
      j.updateStep({ alertId: r.id, step, state, attempts: state === 'pending' ? 1 : 3, nextAt: null, lastError: state === 'succeeded' ? null : 'AMI_DOWN: x', detail: null, updatedAt: r.at });
    }
  }
  await j.close();
  return file;
}

const now = 100 * HOUR;
const routable = (id: string) => id !== 'unknown-store';

describe('requeueAlerts (replay)', () => {
  it('requeues given-up steps with a fresh window, leaves succeeded ones unless forced, and never touches a step in progress', async () => {
    const file = await journalWith([
      { id: 'dead', at: now - HOUR, announce: 'expired', chat: 'dead' },
      { id: 'half', at: now - HOUR, announce: 'succeeded', chat: 'dead' },
      { id: 'busy', at: now - HOUR, announce: 'pending', chat: 'dead' },
    ]);
    const db = openJournalForOperator(file, 'write');
    expect(requeueAlerts(db, { alertIds: ['dead', 'half', 'busy', 'nope'], routable, now })).toEqual([
      { alertId: 'dead', storeId: 's1', requeued: ['announce', 'chat'], skipped: [] },
      { alertId: 'half', storeId: 's1', requeued: ['chat'], skipped: [{ step: 'announce', reason: expect.stringContaining('--force') }] },
      { alertId: 'busy', storeId: 's1', requeued: ['chat'], skipped: [{ step: 'announce', reason: expect.stringContaining('still pending') }] },
      { alertId: 'nope', requeued: [], skipped: [{ step: '*', reason: 'no such alert in the journal' }] },
    ]);
    const row = db.prepare("SELECT * FROM steps WHERE alert_id = 'dead' AND step = 'announce'").get();
    expect(row).toMatchObject({ state: 'pending', attempts: 0, next_at: now, window_from: now, replays: 1, updated_at: now });
    // The same replay again finds them pending: two replays cannot queue a step twice.
    expect(requeueAlerts(db, { alertIds: ['dead'], routable, now }).map((o) => o.requeued)).toEqual([[]]);
    expect(requeueAlerts(db, { alertIds: ['half'], steps: ['announce'], force: true, routable, now })[0]?.requeued).toEqual(['announce']);
    db.close();
  });

  it('selects failed alerts since a time, routes unroutable ones whose store is known now, and names the ones still unknown', async () => {
    const file = await journalWith([
      { id: 'too-old', at: now - 5 * HOUR, chat: 'dead' },
      { id: 'fine', at: now - HOUR },
      { id: 'chat-dead', at: now - HOUR, chat: 'dead' },
      { id: 'late', at: now - HOUR, announce: 'expired' },
      { id: 'lost', at: now - HOUR, store: 's1', unroutable: true },
      { id: 'still-lost', at: now - HOUR, store: 'unknown-store', unroutable: true },
    ]);
    const db = openJournalForOperator(file, 'write');
    const out = requeueAlerts(db, { failedSince: now - 2 * HOUR, steps: ['chat'], routable, now });
    // 'late' failed only its announcement, and only chat was asked for: it is not selected.
    expect(out.map((o) => [o.alertId, o.requeued, o.skipped.map((s) => s.reason)])).toEqual([
      ['chat-dead', ['chat'], []],
      ['lost', ['chat'], []],
      ['still-lost', [], [expect.stringContaining('not in x-hoppers.json')]],
    ]);
    expect(db.prepare("SELECT status FROM alerts WHERE id = 'lost'").get()).toEqual({ status: 'routed' });
    db.close();
  });

  it('read access is refused on a journal of another schema version, and the operator is told what to do', async () => {
    const file = await journalWith([]);
    const raw = new Database(file);
    raw.pragma('user_version = 1');
    raw.close();
    expect(() => openJournalForOperator(file, 'read')).toThrow(/schema 1.*restart the daemon/);
    expect(() => openJournalForOperator(join(tempDir(), 'none.sqlite'), 'read')).toThrow(/no journal at/);
  });
});

describe('housekeeping and hook state in the journal', () => {
  it('prunes finished alerts older than the cutoff, never one with a pending step', async () => {
    const file = await journalWith([
      { id: 'old-done', at: now - 40 * 24 * HOUR },
      { id: 'old-dead', at: now - 40 * 24 * HOUR, chat: 'dead' },
      { id: 'old-unroutable', at: now - 40 * 24 * HOUR, unroutable: true },
      { id: 'old-pending', at: now - 40 * 24 * HOUR, chat: 'pending' },
      { id: 'recent', at: now - HOUR },
    ]);
    const j = new SqliteJournal(file);
    expect(await j.prune(now - 30 * 24 * HOUR)).toBe(3);
    expect(['old-done', 'old-dead', 'old-unroutable', 'old-pending', 'recent'].filter((id) => j.storedAlert(id))).toEqual(['old-pending', 'recent']);
    expect(j.steps('old-pending')).toHaveLength(2);
    expect((await j.unfinishedSteps()).map((s) => s.alertId)).toEqual(['old-pending']);
    await j.close();
  });

  it('keeps the last reconciliation per store, replacing the one before', async () => {
    const file = await journalWith([]);
    const db = openJournalForOperator(file, 'write');
    recordHookStates(db, [{ storeId: 'a', state: 'failed', error: 'Veesion register hook failed: 500', updatedAt: 1 }, { storeId: 'b', state: 'registered', error: null, updatedAt: 1 }]);
    recordHookStates(db, [{ storeId: 'a', state: 'registered', error: null, updatedAt: 2 }]);
    expect(readHookStates(db)).toEqual([{ storeId: 'a', state: 'registered', error: null, updatedAt: 2 }]);
    db.close();
  });
});

describe('operator access as root', () => {
  // Only root can create files another user owns; elsewhere there is nothing to check.
  const asRoot = process.getuid?.() === 0 ? it : it.skip;
  asRoot('leaves no root-owned files: the -wal and -shm it creates belong to the daemon user', async () => {
    const { chownSync, readdirSync } = await import('node:fs');
    const { execFileSync } = await import('node:child_process');
    const { REPO } = await import('../../helpers/paths');
    const file = await journalWith([]);
    const dir = join(file, '..');
    const nobody = 65534;
    chownSync(dir, nobody, nobody); // a fresh temp dir right under the world-searchable tmp dir
    for (const f of readdirSync(dir)) chownSync(join(dir, f), nobody, nobody);
    const script = `
      const { statSync } = require('node:fs');
      const { openJournalForOperator } = require(${JSON.stringify(join(REPO, 'dist/src/journal/operator-access.js'))});
      const db = openJournalForOperator(${JSON.stringify(file)}, 'write');
      db.prepare("INSERT INTO silences (store_id, until, created_at) VALUES ('s1', 2, 1)").run();
      const uid = (f) => statSync(${JSON.stringify(file)} + f).uid;
      console.log(JSON.stringify({ wal: uid('-wal'), shm: uid('-shm') }));
      db.close();`;
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Record<string, number>;
    expect(out).toEqual({ wal: nobody, shm: nobody });
  });
});
