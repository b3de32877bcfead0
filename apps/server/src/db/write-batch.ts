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
import type { Sql } from './db';

interface Write {
  text: string;
  params: readonly unknown[];
}

/** `$n` placeholders of a statement, shifted by `offset` (our SQL has no `$` elsewhere). */
function shiftPlaceholders(text: string, offset: number): string {
  if (offset === 0) return text;
  return text.replace(/\$(\d+)/g, (_, n: string) => `$${Number(n) + offset}`);
}

export class WriteBatch {
  readonly #writes: Write[] = [];

  /** A data-modifying statement (insert, update, delete; no `with` of its own). */
  add(text: string, params: readonly unknown[]): void {
    if (/\$\$|^\s*with\b/i.test(text)) {
      throw new Error(
        'WriteBatch.add: a statement with its own WITH or a $$ string cannot be batched',
      );
    }
    this.#writes.push({ text, params });
  }

  get size(): number {
    return this.#writes.length;
  }

  /** The one statement and its parameters (null when nothing was added). */
  statement(): Write | null {
    if (this.#writes.length === 0) return null;
    if (this.#writes.length === 1) return this.#writes[0]!;
    const ctes: string[] = [];
    const params: unknown[] = [];
    this.#writes.forEach((w, i) => {
      ctes.push(`w${i} as (${shiftPlaceholders(w.text, params.length)})`);
      params.push(...w.params);
    });
    return { text: `with ${ctes.join(',\n')}\nselect 1`, params };
  }

  /** Sends the gathered writes (nothing when none) and forgets them. */
  async flush(sql: Sql): Promise<void> {
    const statement = this.statement();
    this.#writes.length = 0;
    if (statement) await sql.query(statement.text, statement.params);
  }
}
