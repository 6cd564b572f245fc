import type Database from 'better-sqlite3';

/** `sql` -> its statement, prepared once per connection (the stores' hot paths run them often). */
export function preparedOnce(db: Database.Database): (sql: string) => Database.Statement {
  const statements = new Map<string, Database.Statement>();
  return (sql) => {
    let st = statements.get(sql);
    if (!st) {
      st = db.prepare(sql);
      statements.set(sql, st);
    }
    return st;
  };
}
