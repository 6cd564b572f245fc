import { join } from 'node:path';
import Database from 'better-sqlite3';
import { SqliteJournal } from '../../../src/journal/sqlite-journal';
import { openJournalForOperator } from '../../../src/journal/operator-access';
import { readHookStates, recordHookStates } from '../../../src/journal/hook-state';
import { SqliteDb } from '../../../src/journal/sql/sqlite-db';
import type { Alert, StepName, StepState } from '../../../src/pipeline/alert';
import { tempDir } from '../../helpers/paths';

const alert = (id: string, storeId = 's1'): Alert => ({
  id,
  storeId,
  cameraId: '3',
  cameraIp: '',
  groupId: '',
  alertType: 'theft',
  startDate: '',
  endDate: '',
  videoUrl: '',
});

/** A journal with alerts in the given step states, written through the daemon's own class. */
async function journalWith(
  rows: { id: string; at: number; store?: string; announce?: StepState; chat?: StepState; unroutable?: boolean }[],
) {
  const file = join(tempDir(), 'journal.sqlite');
  const j = new SqliteJournal(file);
  for (const r of rows) {
    const steps: StepName[] = r.unroutable ? [] : ['announce', 'chat'];
    await j.append({
      alert: alert(r.id, r.store),
      status: r.unroutable ? 'unroutable' : 'routed',
      rawBody: '{}',
      receivedAt: r.at,
      steps,
    });
    for (const step of steps) {
      const state = r[step] ?? 'succeeded';
      j.updateStep({
        alertId: r.id,
        step,
        state,
        attempts: state === 'pending' ? 1 : 3,
        nextAt: null,
        lastError: state === 'succeeded' ? null : 'AMI_DOWN: x',
        detail: null,
        updatedAt: r.at,
      });
    }
  }
  await j.close();
  return file;
}

/** requeueAlerts itself (and prune) run on both journals in replay-contract.test.ts. */
describe('operator access to the journal', () => {
  it('read access is refused on a journal of another schema version, and the operator is told what to do', async () => {
    const file = await journalWith([]);
    const raw = new Database(file);
    raw.pragma('user_version = 1');
    raw.close();
    expect(() => openJournalForOperator(file, 'read')).toThrow(/schema 1.*restart the daemon/);
    expect(() => openJournalForOperator(join(tempDir(), 'none.sqlite'), 'read')).toThrow(/no journal at/);
  });
});

describe('hook state in the journal', () => {
  it('keeps the last reconciliation per store, replacing the one before', async () => {
    const file = await journalWith([]);
    const raw = openJournalForOperator(file, 'write');
    const db = new SqliteDb(raw);
    await recordHookStates(db, [
      { storeId: 'a', state: 'failed', error: 'Veesion register hook failed: 500', updatedAt: 1 },
      { storeId: 'b', state: 'registered', error: null, updatedAt: 1 },
    ]);
    await recordHookStates(db, [{ storeId: 'a', state: 'registered', error: null, updatedAt: 2 }]);
    expect(await readHookStates(db)).toEqual([{ storeId: 'a', state: 'registered', error: null, updatedAt: 2 }]);
    raw.close();
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
    const out = JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' })) as Record<
      string,
      number
    >;
    expect(out).toEqual({ wal: nobody, shm: nobody });
  });
});
