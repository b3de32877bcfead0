/**
 * Writes gathered and sent as one statement: each write becomes a data-modifying CTE of
 * `with w0 as (…), w1 as (…) select …`, so a batched push's rows, audit, version, device and
 * rejections reach PostgreSQL in one round trip instead of one each (issue 19: a push held its
 * connection and the store's lock for ~10 round trips, the limit of the peak bench).
 *
 * PostgreSQL runs every sub-statement once, against the same snapshot; none of the writes added
 * here reads what another one writes, and no row is written twice (the push writes each row
 * once). An error in any of them fails the whole statement, as it would have failed the
 * transaction anyway.
 */
import type { QueryOptions, Sql } from './db';

const PREPARE: QueryOptions = { prepare: true };

interface Write {
  text: string;
  params: readonly unknown[];
  /** Rows the statement must return (see `add`); undefined: not checked. */
  rows?: number;
}

/**
 * The statements a push batches are a few fixed texts (an insert and an update per table, the audit, the
 * version, the device), several KiB each: their check and their shifted placeholders are
 * remembered instead of run through a regular expression on every push. Bounded: beyond this
 * many entries the memory starts again.
 */
const MAX_REMEMBERED = 2000;
const checked = new Set<string>();
// By text, then offset: the texts are the same string objects push after push, whose hash V8
// keeps, so a lookup does not read them through.
const shifted = new Map<string, Map<number, string>>();

/** `$n` placeholders of a statement, shifted by `offset` (our SQL has no `$` elsewhere). */
function shiftPlaceholders(text: string, offset: number): string {
  if (offset === 0) return text;
  let byOffset = shifted.get(text);
  if (byOffset === undefined) {
    if (shifted.size >= MAX_REMEMBERED) shifted.clear();
    shifted.set(text, (byOffset = new Map()));
  }
  let out = byOffset.get(offset);
  if (out === undefined) {
    out = text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
    byOffset.set(offset, out);
  }
  return out;
}

export class WriteBatch {
  readonly #writes: Write[] = [];

  /**
   * A data-modifying statement (insert, update, delete; no `with` of its own). With `rows`, it
   * returns a row per row it wrote (`returning 1`) and the whole statement fails unless there
   * are exactly that many (SQLSTATE 22P02, with a message that says so): an update that finds
   * fewer rows than the caller knows exist is an error, never a write silently skipped.
   */
  add(text: string, params: readonly unknown[], rows?: number): void {
    if (!checked.has(text)) {
      if (/\$\$|^\s*with\b/i.test(text)) {
        throw new Error(
          'WriteBatch.add: a statement with its own WITH or a $$ string cannot be batched',
        );
      }
      if (checked.size >= MAX_REMEMBERED) checked.clear();
      checked.add(text);
    }
    if (rows !== undefined && !(Number.isSafeInteger(rows) && rows >= 0)) {
      throw new TypeError(`WriteBatch.add: rows must be a count, got ${rows}`);
    }
    this.#writes.push(rows === undefined ? { text, params } : { text, params, rows });
  }

  get size(): number {
    return this.#writes.length;
  }

  /** The one statement and its parameters (null when nothing was added). */
  statement(): Write | null {
    if (this.#writes.length === 0) return null;
    const checks = this.#writes.flatMap((w, i) =>
      w.rows === undefined ? [] : [`(select count(*) from w${i}) = ${w.rows}`],
    );
    if (this.#writes.length === 1 && checks.length === 0) {
      const only = this.#writes[0]!;
      return { text: only.text, params: only.params };
    }
    const ctes: string[] = [];
    const params: unknown[] = [];
    this.#writes.forEach((w, i) => {
      ctes.push(`w${i} as (${shiftPlaceholders(w.text, params.length)})`);
      params.push(...w.params);
    });
    // The counts are read at run time (sub-queries), so the cast fails only when one is wrong.
    const last =
      checks.length === 0
        ? 'select 1'
        : `select (case when ${checks.join(' and ')} then '1' ` +
          `else 'a batched write found fewer rows than it was given' end)::int`;
    return { text: `with ${ctes.join(',\n')}\n${last}`, params };
  }

  /**
   * Sends the gathered writes (nothing when none) and forgets them. With `commit`, they are the
   * transaction's last statement and COMMIT rides with them (`Sql.queryThenCommit`: one round
   * trip on PostgreSQL); nothing may run in the transaction after this.
   */
  async flush(sql: Sql, opts: { commit?: boolean } = {}): Promise<void> {
    const statement = this.statement();
    this.#writes.length = 0;
    if (!statement) return;
    // Prepared: a push's batches are a few dozen texts (which tables, insert or update), each
    // parsed once per connection; the inserts from arrays plan the same whatever the values.
    if (opts.commit) await sql.queryThenCommit(statement.text, statement.params, PREPARE);
    else await sql.query(statement.text, statement.params, PREPARE);
  }
}
