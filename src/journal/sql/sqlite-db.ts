import type Database from 'better-sqlite3';
import { preparedOnce } from '../prepared';
import { type Db, type Params, type Statement, type Step, type Tx, txOf } from './db';

/** The query layer on a better-sqlite3 connection (each statement prepared once). */
export class SqliteDb implements Db {
  readonly dialect = 'sqlite';
  private readonly stmt: (sql: string) => Database.Statement;
  private readonly tx: Tx = txOf('sqlite');

  constructor(readonly sqlite: Database.Database) {
    this.stmt = preparedOnce(sqlite);
  }

  /** The statement of `sql`, prepared once (for the journal's own synchronous writes). */
  prepare(sql: string): Database.Statement {
    return this.stmt(sql);
  }

  async all<T>(sql: string, params: Params = []): Promise<T[]> {
    return this.exec({ kind: 'all', sql, params }) as T[];
  }

  async get<T>(sql: string, params: Params = []): Promise<T | undefined> {
    return this.exec({ kind: 'get', sql, params }) as T | undefined;
  }

  async run(sql: string, params: Params = []): Promise<number> {
    return this.exec({ kind: 'run', sql, params }) as number;
  }

  /** Runs `body` to its end synchronously in one immediate transaction (it writes: the lock first). */
  async transaction<T>(body: (tx: Tx) => Step<T>): Promise<T> {
    return this.sqlite
      .transaction((): T => {
        const steps = body(this.tx);
        let next = steps.next();
        while (!next.done) next = steps.next(this.exec(next.value));
        return next.value;
      })
      .immediate();
  }

  private exec(s: Statement): unknown {
    const st = this.stmt(s.sql);
    switch (s.kind) {
      case 'all':
        return st.all(...s.params);
      case 'get':
        return st.get(...s.params);
      case 'run':
        return st.run(...s.params).changes;
    }
  }
}
