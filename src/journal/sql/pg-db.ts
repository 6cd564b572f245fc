import { createHash } from 'node:crypto';
import type { Pool, PoolClient } from 'pg';
import { inTransaction, pgText } from '../pg/pg-pool';
import { type Db, type Params, type Statement, type Step, type Tx, txOf } from './db';

type Queryable = Pick<PoolClient, 'query'>;

/**
 * The query layer on a PostgreSQL pool. Each statement is prepared once per connection, under a
 * name taken from its text (the same text has the same name in every store that runs it).
 */
export class PgDb implements Db {
  readonly dialect = 'pg';
  private readonly tx: Tx = txOf('pg');

  constructor(readonly pool: Pool) {}

  async all<T>(sql: string, params: Params = []): Promise<T[]> {
    return (await exec(this.pool, { kind: 'all', sql, params })) as T[];
  }

  async get<T>(sql: string, params: Params = []): Promise<T | undefined> {
    return (await exec(this.pool, { kind: 'get', sql, params })) as T | undefined;
  }

  async run(sql: string, params: Params = []): Promise<number> {
    return (await exec(this.pool, { kind: 'run', sql, params })) as number;
  }

  transaction<T>(body: (tx: Tx) => Step<T>): Promise<T> {
    return inTransaction(this.pool, async (client) => {
      const steps = body(this.tx);
      let next = steps.next();
      while (!next.done) next = steps.next(await exec(client, next.value));
      return next.value;
    });
  }
}

async function exec(on: Queryable, s: Statement): Promise<unknown> {
  const text = numbered(s.sql);
  const r = await on.query({ name: nameOf(text), text, values: s.params.map(pgValue) });
  switch (s.kind) {
    case 'all':
      return r.rows;
    case 'get':
      return r.rows[0];
    case 'run':
      return r.rowCount ?? 0;
  }
}

/** A prepared statement's name from its text: two texts never share one, and every store gives one text the same. */
function nameOf(text: string): string {
  return `q_${createHash('sha1').update(text).digest('hex').slice(0, 20)}`;
}

/** `?` -> `$1`, `$2`, ... outside quoted text. */
export function numbered(sql: string): string {
  let n = 0;
  let quoted = false;
  let out = '';
  for (const ch of sql) {
    if (ch === "'") quoted = !quoted;
    out += ch === '?' && !quoted ? `$${++n}` : ch;
  }
  return out;
}

/** Text as PostgreSQL takes it (no NUL); the rest as given. */
function pgValue(v: unknown): unknown {
  return typeof v === 'string' ? pgText(v) : v;
}
