/**
 * The journal's query layer: one way to run a statement on either database, so a store is
 * written once. Statements use `?` placeholders (PostgreSQL's `$n` are written for it) and SQL
 * both servers read alike; `dialect` is for the few places where a statement must differ.
 *
 * A transaction is a generator that yields its statements and is handed each one's result: on
 * SQLite it runs to its end synchronously inside better-sqlite3's `transaction()` (never across
 * an await, where the group commit of the steps could land inside it); on PostgreSQL each
 * statement is awaited on one pooled connection between BEGIN and COMMIT.
 */
export type Dialect = 'sqlite' | 'pg';

export type Params = readonly unknown[];

/** One statement to run: its rows (`all`), its first row (`get`), or the rows it changed (`run`). */
export type Statement =
  | { kind: 'all'; sql: string; params: Params }
  | { kind: 'get'; sql: string; params: Params }
  | { kind: 'run'; sql: string; params: Params };

/** What a transaction's body yields: a statement, typed by what it gives back through `yield*`. */
export type Step<T> = Generator<Statement, T, unknown>;

export interface Tx {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: Params): Step<T[]>;
  get<T>(sql: string, params?: Params): Step<T | undefined>;
  run(sql: string, params?: Params): Step<number>;
}

export interface Db {
  readonly dialect: Dialect;
  all<T>(sql: string, params?: Params): Promise<T[]>;
  get<T>(sql: string, params?: Params): Promise<T | undefined>;
  /** The number of rows the statement changed. */
  run(sql: string, params?: Params): Promise<number>;
  /** `body` in one transaction: committed if it returns, rolled back if it throws. */
  transaction<T>(body: (tx: Tx) => Step<T>): Promise<T>;
}

/** The statement-yielding half of a Tx, the same on both databases. */
export function txOf(dialect: Dialect): Tx {
  return {
    dialect,
    *all<T>(sql: string, params: Params = []): Step<T[]> {
      return (yield { kind: 'all', sql, params }) as T[];
    },
    *get<T>(sql: string, params: Params = []): Step<T | undefined> {
      return (yield { kind: 'get', sql, params }) as T | undefined;
    },
    *run(sql: string, params: Params = []): Step<number> {
      return (yield { kind: 'run', sql, params }) as number;
    },
  };
}

/** `?, ?, ?` for a list of `n` values (an IN list); callers skip the statement when the list is empty. */
export function marks(n: number): string {
  return Array.from({ length: n }, () => '?').join(', ');
}
