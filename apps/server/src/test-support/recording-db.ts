import type { Db } from '../db/db';

/**
 * The app's database, keeping the text of every statement run in its transactions (to count a
 * request's statements or see which tables it read), and which of them carried their COMMIT. `close` leaves the real database open.
 */
export function recordingDb(db: Db): { db: Db; statements: string[]; committedWith: string[] } {
  const statements: string[] = [];
  // The statements whose COMMIT went with them (Sql.queryThenCommit).
  const committedWith: string[] = [];
  const recording: Db = {
    ...db,
    engine: db.engine,
    transaction: (ctx, fn, opts) =>
      db.transaction(
        ctx,
        (sql) =>
          fn({
            query: (text, params, queryOpts) => {
              statements.push(text);
              return sql.query(text, params, queryOpts);
            },
            queryThenCommit: (text, params, queryOpts) => {
              statements.push(text);
              committedWith.push(text);
              return sql.queryThenCommit(text, params, queryOpts);
            },
            streamText: (select, batchRows, onBatch) => {
              statements.push(select);
              return sql.streamText(select, batchRows, onBatch);
            },
          }),
        opts,
      ),
    ownerTransaction: (fn) => db.ownerTransaction(fn),
    poolStats: () => db.poolStats(),
    close: async () => {},
  };
  return { db: recording, statements, committedWith };
}
