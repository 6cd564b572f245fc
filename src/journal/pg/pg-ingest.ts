import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import type { NewAlertRecord, StepRecord } from '../../pipeline/ports';
import type { AlertEvent } from '../../pipeline/alert-event';
import { STEPS_CHANNEL, withClient } from './pg-pool';
import { insertEvents, keptEventsQuery } from './pg-events';
import { stepsQuery, writeSteps } from './pg-steps';
import { callDetail } from '../../pipeline/call-details';
import { firstCall } from '../step-call';
import { cameraOf, incidentCtes, incidentParams, joinIncidents } from './pg-incident-join';

/**
 * One group commit on PostgreSQL: a commit's new alerts, its step updates and its outbox events
 * in one transaction, whose COMMIT is the one durable write their acknowledgements wait for.
 *
 * Round trips are what a commit costs on a server, more so under load: each answer waits its turn
 * behind the requests the daemon's event loop is busy with (a second round trip took a commit
 * from 5-6 ms alone to 9-11 ms in a flood). So on a pipelining connection (the journal's commit
 * pool) a commit is one round trip: every statement and the COMMIT are sent together, on two
 * guesses the server checks in the same transaction. The alerts are all new, as a webhook's
 * nearly always are; and whether events are kept (only while some integration is enabled) is
 * what the last commit found, so a bridge without integrations does not send every alert a third
 * time as an event. A wrong guess fails the transaction, which is rolled back whole, and the
 * commit is made again in two round trips that read both before writing.
 */
export async function commitBatch(
  pool: Pool,
  records: readonly NewAlertRecord[],
  updates: readonly StepRecord[],
  events: readonly AlertEvent[],
  /**
   * The NOTIFY's payload: the committing journal knows it, and does not wake itself with it.
   * Letters, digits and colons only (the journal makes it so): it is spelled in the SQL text, to
   * ride with the COMMIT in one message.
   */
  notice: string,
  /** Whether the last commit found events kept (true when not known). */
  eventsKept: boolean,
): Promise<CommitAnswer> {
  return withClient(pool, async (client) => {
    const commit: Commit = { records, firsts: firstOfEachId(records), updates, events, notice };
    try {
      return await commitOnGuesses(client, commit, eventsKept);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      if (!isWrongGuess(err)) throw err;
    }
    try {
      return await commitReadFirst(client, commit);
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

/** What one commit writes; `firsts`: the first record of each alert id (a second is a duplicate). */
interface Commit {
  records: readonly NewAlertRecord[];
  firsts: ReadonlySet<NewAlertRecord>;
  updates: readonly StepRecord[];
  events: readonly AlertEvent[];
  notice: string;
}

interface CommitAnswer {
  isNew: boolean[];
  eventsWritten: number;
  /** Whether events are kept, as this commit found (its guess, when it had none to write). */
  eventsKept: boolean;
}

/** One round trip: every statement and the COMMIT sent at once; fails whole on a wrong guess. */
async function commitOnGuesses(
  client: PoolClient,
  { records, firsts, updates, events, notice }: Commit,
  eventsKept: boolean,
): Promise<CommitAnswer> {
  const isNew = records.map((r) => firsts.has(r));
  const candidates = eventsOf(records, isNew, events);
  const toWrite = eventsKept ? candidates : [];
  // Events not written on the guess that none are kept: the guess is checked last, just before
  // the COMMIT, as the two-round-trip commit reads it first.
  const check = !eventsKept && candidates.length > 0 ? `${EVENTS_NOW_KEPT}; ` : '';
  // The daemons holding these alerts' conferences start their steps, the one delivering events
  // sends these (both told at commit): events are written only if kept, and so is the NOTIFY.
  const notify = `SELECT pg_notify('${STEPS_CHANNEL}', '${notice}')`;
  const tell = records.some((r, i) => isNew[i] && r.steps.length > 0)
    ? `${notify}; `
    : toWrite.length > 0
      ? `${notify} WHERE ${KEPT}; `
      : '';
  // Every statement is made before the first is sent: one that cannot be made sends nothing, as
  // the COMMIT below does not wait to hear how the others went.
  const statements = [...ingestQueries([...firsts]), stepsQuery(updates), keptEventsQuery(toWrite)];
  const answers = await inSendingOrder([
    client.query('BEGIN'),
    ...statements.map((q) => (q ? client.query(q) : Promise.resolve(undefined))),
    client.query(`${check}${tell}COMMIT`),
  ]);
  const eventsWritten = (answers[4] as QueryResult | undefined)?.rowCount ?? 0; // BEGIN, lock, ingest, steps, events
  return { isNew, eventsWritten, eventsKept: toWrite.length > 0 ? eventsWritten > 0 : eventsKept };
}

/** Two round trips: which alerts are new, and whether events are kept, read before writing. */
async function commitReadFirst(
  client: PoolClient,
  { records, firsts, updates, events, notice }: Commit,
): Promise<CommitAnswer> {
  const joinable = records.filter((r) => firsts.has(r) && r.incident);
  const [begun, inserted, joinedAll] = await inSendingOrder([
    client.query(`BEGIN; SELECT ${KEPT} AS kept`) as unknown as Promise<QueryResult<{ kept: boolean }>[]>,
    insertAlerts(client, [...firsts]),
    joinIncidents(client, joinable),
    writeSteps(client, updates),
  ]);
  const isNew = records.map((r) => firsts.has(r) && inserted.has(r.alert.id));
  // A known alert among them: nothing was joined (see joinIncidents), so the new ones are now.
  if (
    !joinedAll &&
    !(await joinIncidents(
      client,
      records.filter((r, i) => isNew[i] && r.incident),
    ))
  )
    throw new Error('an alert this commit inserted was not found inserted by it (not joined to its incident)');
  const eventsKept = begun[1]?.rows[0]?.kept === true;
  const toWrite = eventsKept ? eventsOf(records, isNew, events) : [];
  const tell = toWrite.length > 0 || records.some((r, i) => isNew[i] && r.steps.length > 0);
  await inSendingOrder([
    insertEvents(client, toWrite),
    client.query(tell ? `SELECT pg_notify('${STEPS_CHANNEL}', '${notice}'); COMMIT` : 'COMMIT'),
  ]);
  return { isNew, eventsWritten: toWrite.length, eventsKept };
}

/** The events a commit writes if they are kept: its new alerts' own, then the steps'. */
function eventsOf(records: readonly NewAlertRecord[], isNew: readonly boolean[], events: readonly AlertEvent[]) {
  return [...records.filter((_, i) => isNew[i]).flatMap((r) => r.events ?? []), ...events];
}

/** Whether events are kept: while some integration is enabled, for them alone. */
const KEPT = 'EXISTS (SELECT 1 FROM integrations WHERE enabled = 1)';

/**
 * How a commit's guesses fail on the server. The alerts' insert is told they are all new (see
 * ingestQueries); the guess that events are not kept is checked by EVENTS_NOW_KEPT. Each fails by
 * casting a text that is no number, built from a count the planner cannot know, so the error is
 * raised when the statement runs, and only when the guess was wrong.
 */
const KNOWN_ALERTS = 'known alerts in the commit';
const KEPT_AFTER_ALL = 'events are kept after all';
const EVENTS_NOW_KEPT = `SELECT ('${KEPT_AFTER_ALL}: ' || count(*))::int FROM integrations WHERE enabled = 1 HAVING count(*) > 0`;

function isWrongGuess(err: unknown): boolean {
  return err instanceof Error && (err.message.includes(KNOWN_ALERTS) || err.message.includes(KEPT_AFTER_ALL));
}

/**
 * The answers of statements sent together, once all are in. Should one fail, the statements
 * after it fail too (the transaction is aborted): the first failure in the order they were sent
 * is the cause, whichever answer settled first.
 */
async function inSendingOrder<T extends readonly unknown[]>(
  sent: readonly [...{ [K in keyof T]: Promise<T[K]> }],
): Promise<T> {
  const answers = await Promise.allSettled(sent);
  const failed = answers.find((a): a is PromiseRejectedResult => a.status === 'rejected');
  if (failed) throw failed.reason;
  return answers.map((a) => (a as PromiseFulfilledResult<unknown>).value) as unknown as T;
}

/** The first record of each alert id, in the batch's order: a second one in a batch is a duplicate. */
function firstOfEachId(batch: readonly NewAlertRecord[]): Set<NewAlertRecord> {
  const firsts = new Set<NewAlertRecord>();
  const seenIds = new Set<string>();
  for (const r of batch) {
    if (seenIds.has(r.alert.id)) continue;
    seenIds.add(r.alert.id);
    firsts.add(r);
  }
  return firsts;
}

/** A commit's alerts (one record per id) in id order, their steps, and every camera that may get an incident. */
function alertRows(firsts: readonly NewAlertRecord[]) {
  const sorted = [...firsts].sort((a, b) => (a.alert.id < b.alert.id ? -1 : a.alert.id > b.alert.id ? 1 : 0));
  const steps = sorted.flatMap((r) =>
    r.steps.map((step) => [r.alert.id, step, r.receivedAt, firstCall(r, step)] as const),
  );
  return {
    sorted,
    alertValues: [
      sorted.map((b) => b.alert.id),
      sorted.map((b) => b.receivedAt),
      sorted.map((b) => b.alert.storeId),
      sorted.map((b) => b.status),
      sorted.map((b) => JSON.stringify(b.alert)),
      sorted.map((b) => b.rawBody),
    ],
    stepValues: [
      steps.map((s) => s[0]),
      steps.map((s) => s[1]),
      steps.map((s) => s[2]),
      steps.map((s) => s[3]?.token ?? null),
      steps.map((s) => (s[3] ? callDetail(s[3]) : null)),
    ],
    // Known or not: the alerts are not known to be new when the locks are taken.
    cameras: [...new Set(sorted.filter((r) => r.incident).map(cameraOf))].sort(),
  };
}

/**
 * Takes the advisory locks of the cameras in the text array `param`, in the order of the locks'
 * own keys: two daemons always take them in one order, even for two cameras whose names hash
 * to one key (then one lock, taken once). An aggregate over a sorted subquery reads its rows in
 * that order.
 */
const lockCameras = (param: string) =>
  `SELECT count(pg_advisory_xact_lock(h)) FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest(${param}::text[]) AS k ORDER BY h) AS keys`;

/** The steps of the alerts a statement's `inserted` returned, their values from parameter $n on. */
const insertStepsCte = (n: number) =>
  `with_steps AS (
     INSERT INTO steps (alert_id, step, state, attempts, updated_at, call_token, call_state, detail)
     SELECT a, s, CASE WHEN c IS NULL THEN 'pending' ELSE 'running' END, 0, t, c, CASE WHEN c IS NULL THEN NULL ELSE 'calling' END, d
     FROM unnest($${n}::text[], $${n + 1}::text[], $${n + 2}::bigint[], $${n + 3}::text[], $${n + 4}::text[]) AS x(a, s, t, c, d)
     WHERE a IN (SELECT id FROM inserted))`;

/**
 * A commit's alerts (one record per id) with their steps, under their cameras' locks, in one
 * statement; returns the ids inserted (a known id is skipped, its steps too). Their incidents are
 * joined after (joinIncidents), in the same transaction.
 *
 * Across daemons: the cameras' advisory locks are taken first, in one order, then the alerts are
 * inserted in id order, so two daemons given the same alerts never wait on each other in a
 * cycle; and a camera's incident is joined or opened under that camera's lock, held before the
 * statement that reads the live incidents starts (two daemons cannot open two incidents for one
 * camera).
 */
async function insertAlerts(client: PoolClient, firsts: readonly NewAlertRecord[]): Promise<Set<string>> {
  if (firsts.length === 0) return new Set();
  const { alertValues, stepValues, cameras } = alertRows(firsts);
  // The locks are a condition that reads no row: PostgreSQL settles it once, before the first
  // alert is inserted.
  const r = await client.query<{ ids: string[] | null }>({
    name: 'insert-alerts',
    text: `WITH inserted AS (
             INSERT INTO alerts (id, received_at, store_id, status, alert_json, raw_body)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
             WHERE (${lockCameras('$7')}) >= 0
             ON CONFLICT (id) DO NOTHING RETURNING id),
           ${insertStepsCte(8)}
           SELECT array_agg(id) AS ids FROM inserted`,
    values: [...alertValues, cameras, ...stepValues],
  });
  return new Set(r.rows[0]?.ids ?? []);
}

/**
 * The commit on guesses' statements for its alerts, taken all to be new: the cameras' locks (see
 * insertAlerts), then one statement that joins or opens their incidents and inserts each alert
 * with its incident and its steps. A known alert fails that statement, so the whole transaction,
 * with a message naming KNOWN_ALERTS. Inserted with its incident, an alert row is written once
 * (joined after, it was written twice, and its incident index with it).
 */
function ingestQueries(firsts: readonly NewAlertRecord[]): (QueryConfig | undefined)[] {
  if (firsts.length === 0) return [undefined, undefined];
  const { alertValues, stepValues, cameras } = alertRows(firsts);
  const incidents = incidentParams(firsts.filter((r) => r.incident));
  const lock: QueryConfig | undefined =
    cameras.length === 0
      ? undefined
      : {
          name: 'lock-cameras',
          text: lockCameras('$1'),
          values: [cameras],
        };
  return [
    lock,
    {
      name: 'ingest-alerts',
      text: `WITH ${incidentCtes()},
             inserted AS (
               INSERT INTO alerts (id, received_at, store_id, status, alert_json, raw_body, incident_id)
               SELECT x.id, x.received_at, x.store_id, x.status, x.alert_json, x.raw_body, t.incident_id
               FROM unnest($16::text[], $17::bigint[], $18::text[], $19::text[], $20::text[], $21::text[])
                      WITH ORDINALITY AS x(id, received_at, store_id, status, alert_json, raw_body, n)
               LEFT JOIN pointed p ON p.alert_id = x.id LEFT JOIN target t ON t.k = p.k
               ORDER BY x.n
               ON CONFLICT (id) DO NOTHING RETURNING id),
             ${insertStepsCte(22)}
             SELECT CASE WHEN count(*) < cardinality($16::text[])
                         THEN ('${KNOWN_ALERTS}: ' || (cardinality($16::text[]) - count(*)))::int END AS all_new
             FROM inserted`,
      values: [...incidents.values, ...alertValues, ...stepValues],
    },
  ];
}
