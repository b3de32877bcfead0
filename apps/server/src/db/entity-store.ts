/**
 * The server's MutatorTx (packages/domain/src/tx.ts) over the synced tables, and the sync
 * pull's change feed. Runs inside a Db transaction; every statement names the store
 * explicitly (`store_id = $1`) on top of the RLS policies.
 */
import type { EntityName, EntityRows, StoreRow } from '../../../../packages/domain/src/entities';
import type { ListQuery, MutatorTx } from '../../../../packages/domain/src/tx';
import {
  CHANGE_LOG_ENTRIES,
  entitiesChangedSince,
  keyedPage,
  type ChangeLogEntry,
  type KeyedPage,
} from './change-log';
import { isUuid, type Sql } from './db';
import {
  columnForField,
  ENTITY_TABLES,
  STORE_COLUMNS,
  TABLE_ENTITY_NAMES,
  type ColumnType,
  type ColumnValue,
  type EntityTable,
  type TableEntityName,
} from './entity-tables';

export interface SqlMutatorTxOptions {
  storeId: string;
  /** The store version this transaction writes (every put/delete stamps it on the row). */
  version: number;
}

/** A value as a text parameter (cast in SQL), so both engines serialize it the same way. */
function param(value: ColumnValue): string | null {
  return value === null ? null : String(value);
}

function tableOf(entity: TableEntityName): EntityTable<TableEntityName> {
  return ENTITY_TABLES[entity] as EntityTable<TableEntityName>;
}

function checkValue(entity: string, column: string, type: ColumnType, value: ColumnValue): void {
  if (value === null) return;
  if (type === 'uuid' && !isUuid(value)) {
    throw new TypeError(`${entity}.${column} must be a UUID, got ${JSON.stringify(value)}`);
  }
  if ((type === 'bigint' || type === 'integer') && !Number.isSafeInteger(value)) {
    throw new TypeError(`${entity}.${column} must be an integer, got ${JSON.stringify(value)}`);
  }
}

/**
 * The promoted column values of a row as text parameters, in `ENTITY_TABLES` column order.
 * Throws a TypeError naming the field when a value cannot be stored in its column.
 */
export function promotedParams<E extends TableEntityName>(
  entity: E,
  row: EntityRows[E] | EntityRows[TableEntityName],
): (string | null)[] {
  if (!isUuid(row.id)) throw new TypeError(`${entity}.id must be a UUID, got ${row.id}`);
  return tableOf(entity).columns.map((c) => {
    const value = c.from(row as EntityRows[TableEntityName]);
    checkValue(entity, c.column, c.type, value);
    return param(value);
  });
}

const STORE_SELECT = STORE_COLUMNS.map((c) => c.column).join(', ');
/** The `store` entity's columns of the stores row aliased `alias`, for a select list. */
export function storeColumns(alias: string): string {
  return STORE_COLUMNS.map((c) => `${alias}.${c.column}`).join(', ');
}
/** The stores row `s` as the `store` entity (jsonb built in SQL, used by pulls and snapshots). */
export const STORE_JSON = `jsonb_build_object(${STORE_COLUMNS.map((c) => `'${c.field}', s.${c.column}`).join(', ')})`;

/** The `store` entity from a result row holding the stores row's columns (`storeColumns`). */
export function storeRowFrom(row: Record<string, unknown>): StoreRow {
  const out: Record<string, unknown> = {};
  for (const c of STORE_COLUMNS) {
    // An object setting never set (online booking) is absent from the row, as before it existed.
    if (c.type === 'jsonb' && row[c.column] == null) continue;
    out[c.field] = row[c.column];
  }
  return out as unknown as StoreRow;
}

export function createSqlMutatorTx(sql: Sql, opts: SqlMutatorTxOptions): MutatorTx {
  const { storeId, version } = opts;
  if (!isUuid(storeId)) throw new TypeError(`storeId must be a UUID, got ${storeId}`);
  if (!Number.isSafeInteger(version) || version < 1) {
    throw new TypeError(`version must be a positive integer, got ${version}`);
  }

  async function getStore(id: string): Promise<StoreRow | undefined> {
    if (id.toLowerCase() !== storeId.toLowerCase()) return undefined;
    const res = await sql.query(`select ${STORE_SELECT} from stores where id = $1`, [storeId]);
    return res.rows[0] ? storeRowFrom(res.rows[0]) : undefined;
  }

  async function putStore(row: StoreRow): Promise<void> {
    const current = await getStore(row.id);
    if (!current) throw new Error(`put('store'): the row must be this transaction's store`);
    if (current.organizationId !== row.organizationId) {
      throw new Error(`put('store'): organizationId cannot change`);
    }
    const settings = STORE_COLUMNS.filter(
      (c) => c.column !== 'id' && c.column !== 'organization_id',
    );
    const sets = settings.map((c, i) => `${c.column} = $${i + 3}::${c.type}`);
    // An optional setting left out of the row (strictBooking from a row made before it
    // existed) is unchanged, not cleared: its column keeps a value either way.
    const values = settings.map((c) => {
      const value = row[c.field] === undefined ? (current[c.field] ?? null) : row[c.field];
      if (c.type === 'jsonb') return value === null ? null : JSON.stringify(value);
      // Only an object setting may be cleared (null): the other columns are NOT NULL.
      return param((value ?? current[c.field] ?? null) as ColumnValue);
    });
    await sql.query(
      `update stores set ${sets.join(', ')}, settings_version = $2::bigint where id = $1`,
      [storeId, String(version), ...values],
    );
  }

  return {
    async get<E extends EntityName>(entity: E, id: string): Promise<EntityRows[E] | undefined> {
      if (!isUuid(id)) return undefined;
      if (entity === 'store') return (await getStore(id)) as EntityRows[E] | undefined;
      const { table } = tableOf(entity as TableEntityName);
      const res = await sql.query<{ data: EntityRows[E] }>(
        `select data from ${table} where store_id = $1 and id = $2 and not deleted`,
        [storeId, id],
      );
      return res.rows[0]?.data;
    },

    async list<E extends EntityName>(entity: E, query?: ListQuery<E>): Promise<EntityRows[E][]> {
      if (entity === 'store') {
        const store = await getStore(storeId);
        const where = Object.entries(query?.where ?? {}).filter(([, v]) => v !== undefined);
        const rec = store as unknown as Record<string, unknown> | undefined;
        const ok = rec !== undefined && where.every(([k, v]) => rec[k] === v);
        return ok ? [store as EntityRows[E]] : [];
      }
      const name = entity as TableEntityName;
      const { table } = tableOf(name);
      const conditions = ['store_id = $1', 'not deleted'];
      const params: unknown[] = [storeId];
      const columnOf = (field: string) => {
        const col = columnForField(name, field);
        if (!col) {
          const known = tableOf(name)
            .columns.flatMap((c) => (c.field ? [c.field] : []))
            .join(', ');
          throw new Error(
            `list('${entity}'): field '${field}' is not a promoted column of ${table}, so the ` +
              `server cannot query it (queryable: ${known}). Promote it in entity-tables.ts.`,
          );
        }
        return col;
      };
      for (const [field, value] of Object.entries(query?.where ?? {})) {
        if (value === undefined) continue;
        const col = columnOf(field);
        if (value === null) {
          conditions.push(`${col.column} is null`);
          continue;
        }
        if (col.type === 'uuid' && !isUuid(value)) return []; // no row can match
        params.push(param(value as ColumnValue));
        conditions.push(`${col.column} = $${params.length}::${col.type}`);
      }
      let order = 'id';
      if (query?.range) {
        const col = columnOf(query.range.field);
        for (const [op, value] of [
          ['>=', query.range.gte],
          ['<', query.range.lt],
        ] as const) {
          if (value === undefined) continue;
          params.push(String(value));
          conditions.push(`${col.column} ${op} $${params.length}::${col.type}`);
        }
        order = `${col.column}, id`;
      }
      // A range list is an appointment's overlap check (one staff member's appointments around
      // a time), run by every booking: planning it over the hash partitions cost PostgreSQL
      // five times running it (23 of 27 µs a mutation in the push bench, docs/PERFORMANCE.md
      // session 12), so it runs its generic plan, planned once per connection. Its equality on
      // the staff member and range on the time pick their index whatever the values.
      const res = await sql.query<{ data: EntityRows[E] }>(
        `select data from ${table} where ${conditions.join(' and ')} order by ${order}`,
        params,
        query?.range ? { prepare: 'generic' } : undefined,
      );
      return res.rows.map((r) => r.data);
    },

    async put<E extends EntityName>(entity: E, row: EntityRows[E]): Promise<void> {
      if (entity === 'store') return putStore(row as StoreRow);
      const def = tableOf(entity as TableEntityName);
      const values = promotedParams(entity as TableEntityName, row as EntityRows[TableEntityName]);
      const data = JSON.stringify(row);
      const columns = def.columns.map((c) => c.column);
      const placeholders = def.columns.map((c, i) => `$${i + 5}::${c.type}`);
      const insert =
        `insert into ${def.table} (store_id, id, version, deleted, data${columns.map((c) => ', ' + c).join('')}) ` +
        `values ($1, $2, $3::bigint, false, $4::jsonb${placeholders.map((p) => ', ' + p).join('')})`;
      const params = [storeId, row.id, String(version), data, ...values];
      // One statement: the unique key (store_id, id) is the whole identity of the row.
      await sql.query(
        `${insert} on conflict (store_id, id) do update set version = excluded.version, ` +
          `deleted = false, updated_at = now(), data = excluded.data` +
          columns.map((c) => `, ${c} = excluded.${c}`).join(''),
        params,
      );
    },

    async delete(entity: EntityName, id: string): Promise<void> {
      if (entity === 'store') throw new Error(`delete('store'): a store cannot be deleted by sync`);
      if (!isUuid(id)) return;
      const { table } = tableOf(entity);
      // A tombstone: the row stays (so pulls see the deletion) without its data.
      await sql.query(
        `update ${table} set deleted = true, data = null, version = $3::bigint, updated_at = now() ` +
          `where store_id = $1 and id = $2 and not deleted`,
        [storeId, id, String(version)],
      );
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Pull

export interface Change {
  entity: EntityName;
  id: string;
  version: number;
  deleted: boolean;
  /** The row (an EntityRows[entity], the protocol's `data`); null for a tombstone. */
  data: Record<string, unknown> | null;
}

export interface ChangesPage {
  changes: Change[];
  hasMore: boolean;
  /** The version the device has fully applied after this page (the input cursor if empty). */
  cursor: number;
  /** The store's sync epoch: the history the cursor belongs to (see migration 0009). */
  epoch: string;
  /** The store's version as read before the changes (0 when the store has no row here). */
  storeVersion: number;
}

/** Why a cursor cannot be continued from. */
export type ResyncReason =
  /** Older than the oldest kept tombstone: deletions it has not seen are gone. */
  | 'TOMBSTONES_PURGED'
  /** From another history of the store: the database was restored since. */
  | 'STORE_RESTORED';

/** The cursor cannot be continued: the device must push, then hydrate from 0. */
export class ResyncRequiredError extends Error {
  readonly code = 'RESYNC_REQUIRED';
  constructor(
    readonly cursor: number,
    readonly reason: ResyncReason,
    readonly minKeptVersion: number,
  ) {
    super(
      reason === 'TOMBSTONES_PURGED'
        ? `Cursor ${cursor} is older than the oldest change this store still keeps ` +
            `(${minKeptVersion}): push pending mutations, then sync again from cursor 0.`
        : `Cursor ${cursor} belongs to a history of this store that a restore replaced: ` +
            'push pending mutations, then sync again from cursor 0.',
    );
    this.name = 'ResyncRequiredError';
  }
}

/**
 * The synced tables named (all of them by default) plus the store row, merged by version. `$1`
 * store, `$2` the lower bound, `$3` limit, and with `upTo` `$4` the highest version to read.
 * There is no index on version (migration 0027: it kept updates from being HOT): each branch
 * reads the store's rows of its table (its primary key's prefix, in the one partition of the
 * store). Only pulls the change log cannot serve come here: cursor 0 of a store whose log does
 * not reach back to its first version (devices hydrate from the snapshot instead), versions
 * written by something else than a push, entries from before 0027.
 */
function changesQuery(
  op: '>' | '=',
  entities: readonly EntityName[] = ['store', ...TABLE_ENTITY_NAMES],
  upTo = false,
): string {
  const bound = upTo ? ' and version <= $4::bigint' : '';
  const branches = entities.map((entity) =>
    entity === 'store'
      ? `select 'store'::text as entity, s.id, s.settings_version as version, false as deleted, ` +
        `${STORE_JSON} as data from stores s where s.id = $1 and s.settings_version ${op} $2::bigint` +
        bound.replace('version', 's.settings_version')
      : `select '${entity}'::text as entity, id, version, deleted, ` +
        `case when deleted then null else data end as data ` +
        `from ${ENTITY_TABLES[entity].table} where store_id = $1 and version ${op} $2::bigint${bound}`,
  );
  return `${branches.join('\nunion all\n')}\norder by version limit $3::bigint`;
}

const AFTER_QUERY = changesQuery('>');
const AT_QUERY = changesQuery('=');

/** The page query over some tables only, up to a version (texts kept per set of tables). */
const partialQueries = new Map<string, string>();
function partialChangesQuery(entities: readonly EntityName[]): string {
  const key = entities.join(',');
  let text = partialQueries.get(key);
  if (!text) {
    text = changesQuery('>', entities, true);
    partialQueries.set(key, text);
  }
  return text;
}

/**
 * The rows a keyed page names, by primary key: per entity `id = any($n)`, the store row by its
 * id, each only if its version is in (`$2`, `$3`] — a row written again after the page's last
 * version comes in the page that covers that write. Texts kept per set of entities.
 */
const keyedQueries = new Map<string, string>();
function keyedChangesQuery(entities: readonly EntityName[]): string {
  const key = entities.join(',');
  let text = keyedQueries.get(key);
  if (!text) {
    let param = 3;
    text = entities
      .map((entity) =>
        entity === 'store'
          ? `select 'store'::text as entity, s.id, s.settings_version as version, false as deleted, ` +
            `${STORE_JSON} as data from stores s where s.id = $1 ` +
            'and s.settings_version > $2::bigint and s.settings_version <= $3::bigint'
          : `select '${entity}'::text as entity, id, version, deleted, ` +
            `case when deleted then null else data end as data ` +
            `from ${ENTITY_TABLES[entity].table} where store_id = $1 and id = any($${++param}::uuid[]) ` +
            'and version > $2::bigint and version <= $3::bigint',
      )
      .join('\nunion all\n');
    keyedQueries.set(key, text);
  }
  return text;
}

async function readKeyedPage(
  sql: Sql,
  storeId: string,
  cursor: number,
  page: KeyedPage,
): Promise<Change[]> {
  const entities = [...page.keys.keys()];
  const ids = entities.filter((e) => e !== 'store').map((e) => page.keys.get(e) ?? []);
  const res = await sql.query<ChangeRow>(keyedChangesQuery(entities), [
    storeId,
    String(cursor),
    String(page.upTo),
    ...ids,
  ]);
  return sorted(res.rows);
}

type ChangeRow = Change;

function sorted(rows: ChangeRow[]): Change[] {
  return rows
    .map((r) => ({
      entity: r.entity,
      id: r.id,
      version: r.version,
      deleted: r.deleted,
      data: r.data,
    }))
    .sort(
      (a, b) =>
        a.version - b.version ||
        (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0) ||
        (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
    );
}

/**
 * The changes of a store after `cursor`, ordered by version, for a sync pull: at most `limit`
 * rows, except that the rows of one version are never split across pages (if one version alone
 * has more than `limit` rows, that page has all of them). Throws ResyncRequiredError when the
 * cursor is older than the store's kept tombstones (cursor 0, a hydration, is always answerable).
 */
export async function readChangesSince(
  sql: Sql,
  storeId: string,
  cursor: number,
  limit: number,
  /** The epoch the device's cursor came with; another one means the store was restored. */
  cursorEpoch?: string,
): Promise<ChangesPage> {
  if (!isUuid(storeId)) throw new TypeError(`storeId must be a UUID, got ${storeId}`);
  if (!Number.isSafeInteger(cursor) || cursor < 0) throw new TypeError(`bad cursor ${cursor}`);
  if (!Number.isSafeInteger(limit) || limit < 1) throw new TypeError(`bad limit ${limit}`);
  // The store's head and, for a cursor past 0, what the versions after it changed (same
  // statement, so the same snapshot: every version up to `version` has committed its entry).
  const storeRes = await sql.query<{
    min_kept_version: number | string;
    version: number | string;
    sync_epoch: string;
    log: ChangeLogEntry[] | null;
  }>(
    `select s.min_kept_version, s.version, s.sync_epoch,
            case when $2::bigint < s.version then (
              select coalesce(json_agg(json_build_object('from', c.from_version, 'to', c.to_version,
                                                         'entities', c.entities, 'ids', c.ids,
                                                         'counts', c.id_counts)), '[]')
                from (select from_version, to_version, entities, ids, id_counts from sync_changes
                       where store_id = s.id and to_version > $2::bigint
                       order by to_version limit ${CHANGE_LOG_ENTRIES}) c
            ) end as log
       from stores s where s.id = $1`,
    [storeId, String(cursor)],
  );
  const store = storeRes.rows[0];
  const epoch = store?.sync_epoch ?? '';
  const storeVersion = Number(store?.version ?? 0);
  if (cursor > 0 && store) {
    const minKept = Number(store.min_kept_version); // bigint: a string from node-postgres
    if (cursor < minKept) throw new ResyncRequiredError(cursor, 'TOMBSTONES_PURGED', minKept);
    // A cursor beyond every version this store has issued comes from a history it lost (a
    // restore), even from a device too old to send its epoch.
    if ((cursorEpoch !== undefined && cursorEpoch !== epoch) || cursor > Number(store.version))
      throw new ResyncRequiredError(cursor, 'STORE_RESTORED', minKept);
    // Nothing committed after the cursor (most pulls: a poll of a quiet store): skip the scan of
    // every synced table. Rows are written in the transaction that raises stores.version.
    if (cursor >= storeVersion) return { changes: [], hasMore: false, cursor, epoch, storeVersion };
  }
  // The rows the log names after the cursor, by primary key: the usual pull.
  const keyed = store?.log ? keyedPage(store.log, cursor, storeVersion, limit) : null;
  if (keyed) {
    const changes = await readKeyedPage(sql, storeId, cursor, keyed);
    const last = keyed.hasMore ? keyed.upTo : Math.max(keyed.upTo, storeVersion);
    return { changes, hasMore: keyed.hasMore, cursor: last, epoch, storeVersion };
  }
  const changed =
    cursor > 0 && store?.log ? entitiesChangedSince(store.log, cursor, storeVersion) : null;
  if (changed?.length === 0) {
    return { changes: [], hasMore: false, cursor: storeVersion, epoch, storeVersion };
  }
  const res = changed
    ? await sql.query<ChangeRow>(partialChangesQuery(changed), [
        storeId,
        String(cursor),
        String(limit + 1),
        String(storeVersion),
      ])
    : await sql.query<ChangeRow>(AFTER_QUERY, [storeId, String(cursor), String(limit + 1)]);
  const rows = sorted(res.rows);
  if (rows.length <= limit) {
    // Every row up to the store version read above committed with it, and this page holds all
    // rows after the cursor: the device is at least at that version even when the last
    // versions wrote no row it can see (so its next poll can be answered from the heads).
    const last = Math.max(rows.at(-1)?.version ?? cursor, storeVersion, cursor);
    return { changes: rows, hasMore: false, cursor: last, epoch, storeVersion };
  }
  const boundary = rows[limit]?.version ?? 0; // the first version that does not fit whole
  const whole = rows.filter((r) => r.version < boundary);
  if (whole.length > 0) {
    const last = whole.at(-1)?.version ?? cursor;
    return { changes: whole, hasMore: true, cursor: last, epoch, storeVersion };
  }
  // One version has more rows than the limit: return all of it.
  const all = await sql.query<ChangeRow>(AT_QUERY, [storeId, String(boundary), null]);
  const next = await sql.query(AFTER_QUERY, [storeId, String(boundary), '1']);
  const hasMore = next.rows.length > 0;
  return { changes: sorted(all.rows), hasMore, cursor: boundary, epoch, storeVersion };
}

/** The SQL of a pull page from the tables (for EXPLAIN in tests and diagnostics). */
export const PULL_QUERY_SQL = AFTER_QUERY;

/**
 * The SQL of a pull page by key over every table (for EXPLAIN): `$1` store, `$2` cursor, `$3`
 * last version, then the ids of each synced table in `TABLE_ENTITY_NAMES` order.
 */
export const KEYED_PULL_QUERY_SQL = keyedChangesQuery(['store', ...TABLE_ENTITY_NAMES]);
