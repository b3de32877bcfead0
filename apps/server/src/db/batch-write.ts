/**
 * The end of a batched push: every row it wrote, each once, in one multi-row write per table
 * (rows passed as parallel text arrays through `unnest`, so each write's text is fixed), added to
 * the push's `WriteBatch` (sent with the rest of the push's writes as one statement). See
 * apps/server/src/sync/push.ts.
 */
import type { EntityName, StoreRow } from '../../../../packages/domain/src/entities';
import { isUuid, type Sql } from './db';
import { createSqlMutatorTx, promotedParams } from './entity-store';
import type { WriteBatch } from './write-batch';
import { ENTITY_TABLES, type EntityTable, type TableEntityName } from './entity-tables';

export interface RowToWrite {
  entity: EntityName;
  id: string;
  /** The row's last image; null: a tombstone. */
  row: Record<string, unknown> | null;
  /** The store version of the mutation that last wrote it. */
  version: number;
  /** Whether the database has the row live now (a tombstone of an absent row writes nothing). */
  stored: unknown;
}

/** Rows per statement: a statement's parameters are arrays, so this bounds their size only. */
const ROWS_PER_STATEMENT = 500;

function tableOf(entity: TableEntityName): EntityTable<TableEntityName> {
  return ENTITY_TABLES[entity] as EntityTable<TableEntityName>;
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

const insertSql = new Map<TableEntityName, string>();
const updateSql = new Map<TableEntityName, string>();
const tombstoneSql = new Map<TableEntityName, string>();

/** The typed rows of the parameters: `$2` ids, `$3` versions, `$4` data, `$5…` promoted columns. */
function rowsFrom(entity: TableEntityName): string {
  const def = tableOf(entity);
  const cols = def.columns.map((c) => c.column);
  const arrays = ['id', 'version', 'data', ...cols.map((_, i) => `c${i}`)];
  const unnest = `unnest(${arrays.map((_, i) => `$${i + 2}::text[]`).join(', ')}) as u(${arrays.join(', ')})`;
  const typed =
    `u.id::uuid as id, u.version::bigint as version, u.data::jsonb as data` +
    def.columns.map((c, i) => `, u.c${i}::${c.type} as ${c.column}`).join('');
  return `(select ${typed} from ${unnest}) v`;
}

/** `$1` store, `$2` ids, `$3` versions, `$4` data, `$5…` one array per promoted column. */
function insertStatement(entity: TableEntityName): string {
  const cached = insertSql.get(entity);
  if (cached) return cached;
  const def = tableOf(entity);
  const cols = def.columns.map((c) => c.column);
  const insertColumns = `(store_id, id, version, deleted, data${cols.map((c) => `, ${c}`).join('')})`;
  const values = `$1::uuid, v.id, v.version, false, v.data${cols.map((c) => `, v.${c}`).join('')}`;
  const text = `insert into ${def.table} ${insertColumns} select ${values} from ${rowsFrom(entity)}`;
  insertSql.set(entity, text);
  return text;
}

/** The rows that exist, with the parameters of `insertStatement`; returns a row per row. */
function updateStatement(entity: TableEntityName): string {
  const cached = updateSql.get(entity);
  if (cached) return cached;
  const def = tableOf(entity);
  const text =
    `update ${def.table} t set version = v.version, deleted = false, updated_at = now(), ` +
    `data = v.data${def.columns.map((c) => `, ${c.column} = v.${c.column}`).join('')} ` +
    `from ${rowsFrom(entity)} where t.store_id = $1::uuid and t.id = v.id returning 1`;
  updateSql.set(entity, text);
  return text;
}

function tombstoneStatement(entity: TableEntityName): string {
  const cached = tombstoneSql.get(entity);
  if (cached) return cached;
  const { table } = tableOf(entity);
  const text =
    `update ${table} t set deleted = true, data = null, version = u.version::bigint, updated_at = now() ` +
    `from unnest($2::text[], $3::text[]) as u(id, version) ` +
    `where t.store_id = $1::uuid and t.id = u.id::uuid and not t.deleted`;
  tombstoneSql.set(entity, text);
  return text;
}

/**
 * Writes a batched push's rows: the store row (a settings change) at once, as the per-mutation
 * path does; per table one upsert of the live rows and one tombstone update into `batch`. The
 * database's error comes as is (a data error makes the caller retry the push one mutation at a
 * time, to reject the right one).
 */
export async function writeRows(
  sql: Sql,
  batch: WriteBatch,
  storeId: string,
  rows: readonly RowToWrite[],
): Promise<void> {
  if (!isUuid(storeId)) throw new TypeError(`storeId must be a UUID, got ${storeId}`);
  const byEntity = new Map<TableEntityName, RowToWrite[]>();
  for (const r of rows) {
    if (r.entity === 'store') {
      if (r.row) {
        const tx = createSqlMutatorTx(sql, { storeId, version: r.version });
        await tx.put('store', r.row as unknown as StoreRow);
      }
      continue;
    }
    const entity = r.entity as TableEntityName;
    const list = byEntity.get(entity) ?? [];
    list.push(r);
    byEntity.set(entity, list);
  }
  // Tables in one order whatever the order the push wrote them in: one statement text per set
  // of tables, so a connection prepares a few dozen texts (docs/PERFORMANCE.md, session 11). The
  // writes are sub-statements of one statement on one snapshot: their order changes nothing.
  const tables = [...byEntity].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [entity, list] of tables) {
    // The push read every row it writes (under the store's lock): new rows by a plain insert,
    // the rows it saw live by an update. No upsert: on these partitioned tables an
    // `on conflict` statement maps its arbiter index in every partition it routes to (~37 shared
    // buffers of catalog reads per statement, measured) and each new row pays a probe of the
    // primary key and a second WAL record (HEAP_CONFIRM) — docs/PERFORMANCE.md, session 8.
    // A row the push did not see live may be a tombstone: the insert fails on the key. A row
    // it saw live that the update does not find fails the batch's count check. Either way the
    // chunk is retried one mutation at a time, which upserts.
    const live = list.filter((r) => r.row !== null);
    for (const [rows, statement, counted] of [
      [live.filter((r) => !r.stored), insertStatement, false],
      [live.filter((r) => r.stored), updateStatement, true],
    ] as const) {
      writeLive(batch, storeId, entity, rows, statement, counted);
    }
    const tombstones = list.filter((r) => r.row === null && r.stored);
    for (const part of chunks(tombstones, ROWS_PER_STATEMENT)) {
      batch.add(tombstoneStatement(entity), [
        storeId,
        part.map((r) => r.id),
        part.map((r) => String(r.version)),
      ]);
    }
  }
}

function writeLive(
  batch: WriteBatch,
  storeId: string,
  entity: TableEntityName,
  live: readonly RowToWrite[],
  statement: (entity: TableEntityName) => string,
  counted: boolean,
): void {
  for (const part of chunks(live, ROWS_PER_STATEMENT)) {
    const ncols = tableOf(entity).columns.length;
    const columns: (string | null)[][] = Array.from({ length: ncols }, () => []);
    for (const r of part) {
      promotedParams(entity, r.row as never).forEach((value, i) => columns[i]!.push(value));
    }
    batch.add(
      statement(entity),
      [
        storeId,
        part.map((r) => r.id),
        part.map((r) => String(r.version)),
        part.map((r) => JSON.stringify(r.row)),
        ...columns,
      ],
      counted ? part.length : undefined,
    );
  }
}
