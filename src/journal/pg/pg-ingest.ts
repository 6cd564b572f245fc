import { randomUUID } from 'node:crypto';
import type { Pool, PoolClient, QueryConfig, QueryResult } from 'pg';
import type { NewAlertRecord, StepRecord } from '../../pipeline/ports';
import type { AlertEvent } from '../../pipeline/alert-event';
import { STEPS_CHANNEL, withClient } from './pg-pool';
import { insertEvents, keptEventsQuery } from './pg-events';
import { stepsQuery, writeSteps } from './pg-steps';
import { callDetail } from '../../pipeline/call-details';
import { firstCall } from '../step-call';

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
  const statements = [
    insertAlertsQuery([...firsts], { allNew: true }),
    joinQuery(
      [...firsts].filter((r) => r.incident),
      { strict: true },
    )?.query,
    stepsQuery(updates),
    keptEventsQuery(toWrite),
  ];
  const answers = await inSendingOrder([
    client.query('BEGIN'),
    ...statements.map((q) => (q ? client.query(q) : Promise.resolve(undefined))),
    client.query(`${check}${tell}COMMIT`),
  ]);
  const eventsWritten = (answers[4] as QueryResult | undefined)?.rowCount ?? 0;
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
 * insertAlerts); the guess that events are not kept is checked by EVENTS_NOW_KEPT. Each fails by
 * casting a text that is no number, built from a count the planner cannot know, so the error is
 * raised when the statement runs, and only when the guess was wrong.
 */
const KNOWN_ALERTS = 'known alerts in the commit';
/** How a strict join fails (see joinQuery): not a guess, an error. */
const NOT_JOINED = 'alerts not inserted by the commit that joins them';
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

/**
 * A commit's alerts (one record per id) with their steps, under their cameras' locks, in one
 * statement; returns the ids inserted (a known id is skipped, its steps too). `allNew`: the caller
 * took them all to be new, and a known one fails the statement, so the whole transaction, with a
 * message naming KNOWN_ALERTS.
 *
 * Across daemons: the cameras' advisory locks are taken first, in one order, then the alerts are
 * inserted in id order, so two daemons given the same alerts never wait on each other in a
 * cycle; and a camera's incident is joined or opened under that camera's lock, held before the
 * statement that reads the live incidents starts (two daemons cannot open two incidents for one
 * camera).
 */
async function insertAlerts(
  client: PoolClient,
  firsts: readonly NewAlertRecord[],
  opts: { allNew?: boolean } = {},
): Promise<Set<string>> {
  const query = insertAlertsQuery(firsts, opts);
  if (!query) return new Set();
  const r = await client.query<{ ids: string[] | null }>(query);
  return new Set(r.rows[0]?.ids ?? []);
}

function insertAlertsQuery(firsts: readonly NewAlertRecord[], { allNew = false } = {}): QueryConfig | undefined {
  if (firsts.length === 0) return undefined;
  const sorted = [...firsts].sort((a, b) => (a.alert.id < b.alert.id ? -1 : a.alert.id > b.alert.id ? 1 : 0));
  const steps = sorted.flatMap((r) =>
    r.steps.map((step) => [r.alert.id, step, r.receivedAt, firstCall(r, step)] as const),
  );
  // Every camera that may get an incident, known or not: the alerts are not known to be new yet.
  const cameras = [...new Set(sorted.filter((r) => r.incident).map(cameraOf))].sort();
  // The locks are a condition that reads no row: PostgreSQL settles it once, before the first
  // alert is inserted (unnest yields the sorted array in its order: the locks go in that order).
  // The steps go in with their alert, and only for an alert the insert did not skip as known.
  return {
    name: 'insert-alerts',
    text: `WITH inserted AS (
             INSERT INTO alerts (id, received_at, store_id, status, alert_json, raw_body)
             SELECT * FROM unnest($1::text[], $2::bigint[], $3::text[], $4::text[], $5::text[], $6::text[])
             WHERE (SELECT count(pg_advisory_xact_lock(hashtext(k))) FROM unnest($10::text[]) AS k) >= 0
             ON CONFLICT (id) DO NOTHING RETURNING id),
           with_steps AS (
             INSERT INTO steps (alert_id, step, state, attempts, updated_at, call_token, call_state, detail)
             SELECT a, s, CASE WHEN c IS NULL THEN 'pending' ELSE 'running' END, 0, t, c, CASE WHEN c IS NULL THEN NULL ELSE 'calling' END, d
             FROM unnest($7::text[], $8::text[], $9::bigint[], $12::text[], $13::text[]) AS x(a, s, t, c, d)
             WHERE a IN (SELECT id FROM inserted))
           SELECT array_agg(id) AS ids,
                  CASE WHEN $11::boolean AND count(*) < cardinality($1::text[])
                       THEN ('${KNOWN_ALERTS}: ' || (cardinality($1::text[]) - count(*)))::int END AS all_new
           FROM inserted`,
    values: [
      sorted.map((b) => b.alert.id),
      sorted.map((b) => b.receivedAt),
      sorted.map((b) => b.alert.storeId),
      sorted.map((b) => b.status),
      sorted.map((b) => JSON.stringify(b.alert)),
      sorted.map((b) => b.rawBody),
      steps.map((s) => s[0]),
      steps.map((s) => s[1]),
      steps.map((s) => s[2]),
      cameras,
      allNew,
      steps.map((s) => s[3]?.token ?? null),
      steps.map((s) => (s[3] ? callDetail(s[3]) : null)),
    ],
  };
}

/** A camera's alerts of one commit that go to one incident, in the order they came. */
interface Run {
  alerts: NewAlertRecord[];
  /** The camera's first run may join the camera's live incident; a later one opens its own. */
  mayJoin: boolean;
}

/**
 * The same outcome as taking the alerts one by one (join the camera's live incident whose last
 * alert is within the window, else open one): an alert within the window of the camera's alert
 * before it in the commit goes where that one went, so only a camera's first alert of the commit
 * reads the live incidents. It reads them locked: an incident claimed, resolved or ended by
 * another transaction meanwhile is read again once that commits, and one no longer live is not
 * joined (the alert opens its own incident, so it is repeated and escalated like any other).
 *
 * `fresh` are meant to be alerts this transaction inserted; if one of them is not (a known alert,
 * sent before its insert's answer was seen), nothing is joined and the answer is false.
 */
async function joinIncidents(client: PoolClient, fresh: readonly NewAlertRecord[]): Promise<boolean> {
  const join = joinQuery(fresh);
  if (!join) return true;
  return (await client.query(join.query)).rowCount === join.alerts;
}

/**
 * joinIncidents' statement, and how many alerts it joins. `strict`: an alert the transaction did
 * not insert fails the statement (so the transaction) instead of joining nothing, for a commit
 * that sends its COMMIT without waiting for this answer.
 */
function joinQuery(
  fresh: readonly NewAlertRecord[],
  { strict = false } = {},
): { query: QueryConfig; alerts: number } | undefined {
  if (fresh.length === 0) return undefined;
  const byCamera = new Map<string, NewAlertRecord[]>();
  for (const b of fresh) {
    const camera = cameraOf(b);
    const list = byCamera.get(camera);
    if (list) list.push(b);
    else byCamera.set(camera, [b]);
  }
  const runs: Run[] = [];
  for (const alerts of byCamera.values()) {
    let run: Run | undefined;
    for (const a of alerts) {
      const before = run?.alerts.at(-1);
      const windowMs = (a.incident as NonNullable<NewAlertRecord['incident']>).windowMs;
      if (run && before && before.receivedAt >= a.receivedAt - windowMs) run.alerts.push(a);
      else {
        run = { alerts: [a], mayJoin: run === undefined };
        runs.push(run);
      }
    }
  }
  const first = (run: Run) => run.alerts[0] as NewAlertRecord;
  const last = (run: Run) => run.alerts.at(-1) as NewAlertRecord;
  const pointed = runs.flatMap((run, k) => run.alerts.map((a) => [a.alert.id, k] as const));
  const query: QueryConfig = {
    name: 'join-or-open-incidents',
    text: `WITH inserted_here AS (
             SELECT count(*) = cardinality($14::text[]) AS all_new FROM alerts
             WHERE id = ANY($14::text[]) AND xmin = pg_current_xact_id()::xid),
           run AS (
             SELECT * FROM unnest($1::int[], $2::text[], $3::text[], $4::bigint[], $5::text[], $6::bigint[], $7::text[], $8::bigint[],
                                  $9::bigint[], $10::text[], $11::text[], $12::bigint[], $13::boolean[])
               AS r(k, store_id, camera_id, since, first_alert_id, first_at, last_alert_id, last_at, alerts, new_id, room, next_repeat_at, may_join)
             WHERE (SELECT CASE WHEN all_new THEN true
                                WHEN $16::boolean THEN ('${NOT_JOINED}: ' || all_new)::int > 0
                                ELSE false END FROM inserted_here)),
           live AS (
             SELECT run.k, (SELECT i.id FROM incidents i
                            WHERE i.store_id = run.store_id AND i.camera_id = run.camera_id AND i.state IN ('open', 'claimed') AND i.last_alert_at >= run.since
                            ORDER BY i.last_alert_at DESC LIMIT 1 FOR UPDATE) AS id
             FROM run WHERE run.may_join),
           target AS (
             SELECT run.*, live.id AS live_id, COALESCE(live.id, run.new_id) AS incident_id FROM run LEFT JOIN live ON live.k = run.k),
           joined AS (
             UPDATE incidents i SET alerts = i.alerts + t.alerts, last_alert_id = t.last_alert_id, last_alert_at = t.last_at, updated_at = t.last_at
             FROM target t WHERE i.id = t.live_id),
           opened AS (
             INSERT INTO incidents (id, store_id, camera_id, room, state, opened_at, first_alert_id, last_alert_id, last_alert_at, next_repeat_at, updated_at, alerts)
             SELECT new_id, store_id, camera_id, room, 'open', first_at, first_alert_id, last_alert_id, last_at, next_repeat_at, last_at, alerts
             FROM target WHERE live_id IS NULL)
           UPDATE alerts a SET incident_id = t.incident_id
           FROM unnest($14::text[], $15::int[]) AS p(alert_id, k) JOIN target t ON t.k = p.k
           WHERE a.id = p.alert_id`,
    values: [
      runs.map((_, k) => k),
      runs.map((run) => first(run).alert.storeId),
      runs.map((run) => first(run).alert.cameraId),
      runs.map(
        (run) => first(run).receivedAt - (first(run).incident as NonNullable<NewAlertRecord['incident']>).windowMs,
      ),
      runs.map((run) => first(run).alert.id),
      runs.map((run) => first(run).receivedAt),
      runs.map((run) => last(run).alert.id),
      runs.map((run) => last(run).receivedAt),
      runs.map((run) => run.alerts.length),
      runs.map(() => `inc_${randomUUID()}`),
      runs.map((run) => (first(run).incident as NonNullable<NewAlertRecord['incident']>).room),
      runs.map((run) => first(run).incident?.firstRepeatAt ?? null),
      runs.map((run) => run.mayJoin),
      pointed.map((p) => p[0]),
      pointed.map((p) => p[1]),
      strict,
    ],
  };
  return { query, alerts: pointed.length };
}

/** The key of a camera's advisory lock. */
function cameraOf(r: NewAlertRecord): string {
  return JSON.stringify([r.alert.storeId, r.alert.cameraId]);
}
