import { isUuid } from '../db/db';
import { HttpError } from '../http/errors';

/**
 * The pure half of a tenant move (move.ts does the I/O): which rows of which tables belong to an
 * organization, how they are published (row filters), how both sides are compared, and the order
 * of the steps a move goes through. No I/O here: everything is computed from catalog rows.
 */

/** A table of the shard schema as the catalog describes it (`TABLES_SQL` in move.ts). */
export interface CatalogTable {
  name: string;
  columns: string[];
  /** Columns of the replica identity: the primary key, every column (FULL), or none. */
  identity: string[];
  primaryKey: string[];
  /** The application role may UPDATE or DELETE its rows (else it is append-only). */
  mutable: boolean;
}

export interface ForeignKey {
  child: string;
  parent: string;
}

/** How an organization's rows are found: by its id, its stores' ids or its users' ids. */
export type KeyKind = 'organization' | 'stores' | 'users';

export interface MoveKeys {
  organizationId: string;
  storeIds: string[];
  userIds: string[];
}

export interface TablePlan {
  name: string;
  /** Empty for a table without one (push_audit): rows are then known by their whole text. */
  primaryKey: string[];
  by: KeyKind;
  column: string;
  /**
   * `all`: inserts, updates and deletes (the filter column is in the replica identity, as
   * PostgreSQL requires for them). `insert`: an append-only table, published for inserts only.
   */
  publish: 'all' | 'insert';
}

/** Coded errors of the move (the CLI prints code and message; status says whose fault it is). */
export const moveErrors = {
  organizationNotFound: (id: string) =>
    new HttpError(404, 'ORGANIZATION_NOT_FOUND', `Organization ${id} is not in the directory.`),
  shardNotFound: (id: string) => new HttpError(404, 'SHARD_NOT_FOUND', `Unknown shard ${id}.`),
  sameShard: (id: string) =>
    new HttpError(409, 'ALREADY_ON_SHARD', `The organization is already on shard ${id}.`),
  inProgress: (organizationId: string, to: string, step: string) =>
    new HttpError(
      409,
      'MOVE_IN_PROGRESS',
      `Organization ${organizationId} is already being moved to ${to} (step ${step}): resume that move or cancel it first.`,
    ),
  noMove: (organizationId: string) =>
    new HttpError(404, 'MOVE_NOT_FOUND', `Organization ${organizationId} is not being moved.`),
  pastSwitch: (organizationId: string) =>
    new HttpError(
      409,
      'MOVE_PAST_SWITCH',
      `Organization ${organizationId} already works on its new shard: the move can only be finished (run shard-move again).`,
    ),
  badInput: (message: string) => new HttpError(400, 'VALIDATION_FAILED', message),
  unsupportedSchema: (table: string) =>
    new HttpError(
      500,
      'MOVE_SCHEMA_UNSUPPORTED',
      `Table ${table} is updated in place but its tenant column is not in its replica identity: give it one (ALTER TABLE … REPLICA IDENTITY FULL) in a migration.`,
    ),
  checkFailed: (tables: string[]) =>
    new HttpError(
      409,
      'MOVE_CHECK_FAILED',
      `The two shards disagree on ${tables.join(', ')}: the source rows are kept. Cancel is no longer possible; inspect and run shard-move again.`,
      { tables },
    ),
  slow: (what: string, ms: number) =>
    new HttpError(
      503,
      'MOVE_TIMEOUT',
      `${what} took longer than ${ms} ms; the organization works on its source shard: run shard-move again to resume.`,
    ),
};

/**
 * The steps of a move, each one saved in the directory once done, so a mover that dies resumes
 * after the last one saved. Up to `synced` the organization works normally on the source; the
 * pause spans `paused` (a short hold while the last changes arrive); from `switched` on it works
 * on the target and the move can no longer be cancelled.
 */
export const MOVE_STEPS = [
  'started', // the move's record and names are saved
  'published', // publications (row filters) and the replication slot exist on the source
  'subscribed', // the subscription exists on the target: initial copy, then streaming
  'synced', // every table's initial copy is done; changes stream
  'paused', // writes paused, drained, the source's LSN saved
  'switched', // caught up; the directory points at the target, writes resumed
  'verified', // both sides agreed (counts and checksums per table and key)
  'done', // replication objects and the source rows dropped
] as const;
export type MoveStep = (typeof MOVE_STEPS)[number];

export const stepIndex = (step: MoveStep): number => MOVE_STEPS.indexOf(step);
export const isPastSwitch = (step: MoveStep): boolean => stepIndex(step) >= stepIndex('switched');

export const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`;

/** A uuid as an SQL literal; anything else is refused (they are spliced into row filters). */
function uuidLiteral(id: string): string {
  if (!isUuid(id)) throw moveErrors.badInput(`Not a uuid: ${id}`);
  return `'${id.toLowerCase()}'::uuid`;
}

/** Names of the replication objects of one move (≤ 63 bytes, unique per attempt). */
export function moveNames(organizationId: string, moveId: string) {
  const base = `mango_move_${organizationId.replace(/-/g, '').slice(0, 16)}_${moveId.replace(/-/g, '').slice(0, 8)}`;
  return { publication: base, insertPublication: `${base}_ins`, subscription: base };
}

/**
 * Each tenant table with the column that finds the organization's rows: organization_id where
 * there is one, else store_id (the stores table: its id), else user_id: the first of these that
 * is in its replica identity, so updates and deletes are published too. A table with none of
 * them there is published for inserts only, which is right only if nothing updates it in place:
 * one the application role may update or delete cannot be moved.
 * Parents come before children (foreign keys), so deletes run in reverse.
 */
export function planTables(tables: CatalogTable[], fks: ForeignKey[]): TablePlan[] {
  const plans = new Map<string, TablePlan>();
  for (const t of [...tables].sort((a, b) => a.name.localeCompare(b.name))) {
    const candidates: Pick<TablePlan, 'by' | 'column'>[] =
      t.name === 'organizations'
        ? [{ by: 'organization', column: 'id' }]
        : t.name === 'stores'
          ? [
              { by: 'organization', column: 'organization_id' },
              { by: 'stores', column: 'id' },
            ]
          : [
              { by: 'organization', column: 'organization_id' },
              { by: 'stores', column: 'store_id' },
              { by: 'users', column: 'user_id' },
            ];
    const present = candidates.filter((c) => t.columns.includes(c.column));
    if (present.length === 0) continue; // not a tenant table (schema_migrations)
    const base = { name: t.name, primaryKey: t.primaryKey };
    const covered = present.find((c) => t.identity.includes(c.column));
    if (covered) plans.set(t.name, { ...base, ...covered, publish: 'all' });
    else if (!t.mutable) plans.set(t.name, { ...base, ...present[0]!, publish: 'insert' });
    else throw moveErrors.unsupportedSchema(t.name);
  }
  const ordered: TablePlan[] = [];
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    for (const fk of fks) if (fk.child === name && plans.has(fk.parent)) visit(fk.parent);
    ordered.push(plans.get(name)!);
  };
  for (const name of plans.keys()) visit(name);
  return ordered;
}

const keyValues = (plan: TablePlan, keys: MoveKeys): string[] =>
  plan.by === 'organization'
    ? [keys.organizationId]
    : plan.by === 'stores'
      ? keys.storeIds
      : keys.userIds;

/** The row filter of a table: a boolean SQL expression over its own columns, literals only. */
export function rowFilter(plan: TablePlan, keys: MoveKeys): string {
  const values = keyValues(plan, keys);
  if (values.length === 0) return 'false';
  return `${quoteIdent(plan.column)} in (${values.map(uuidLiteral).join(', ')})`;
}

/** The statements that publish the organization's rows on the source. */
export function publicationStatements(
  names: ReturnType<typeof moveNames>,
  plans: TablePlan[],
  keys: MoveKeys,
): string[] {
  const list = (publish: TablePlan['publish']) =>
    plans
      .filter((p) => p.publish === publish)
      .map((p) => `${quoteIdent(p.name)} where (${rowFilter(p, keys)})`)
      .join(', ');
  // Partitioned tables are published as their root, so the target's own partitions (which may
  // differ: months created at other times) receive them.
  return [
    `create publication ${quoteIdent(names.publication)} for table ${list('all')}
       with (publish = 'insert, update, delete', publish_via_partition_root = true)`,
    `create publication ${quoteIdent(names.insertPublication)} for table ${list('insert')}
       with (publish = 'insert', publish_via_partition_root = true)`,
  ];
}

/**
 * Count and checksum of the organization's rows of one table, per key (store, user or the
 * organization): md5 over the md5s of the rows' text, sorted, so neither physical order nor
 * collation matters. Run on both sides with the same session settings (UTC, ISO dates).
 */
export function checksumSql(plan: TablePlan, keys: MoveKeys): string {
  return `select ${quoteIdent(plan.column)}::text as key, count(*)::int as n,
                 md5(string_agg(md5(t::text), '' order by md5(t::text))) as sum
            from ${quoteIdent(plan.name)} t
           where ${rowFilter(plan, keys)}
           group by 1`;
}

/**
 * Each of the organization's rows of a table as one text: its primary key, or the whole row for
 * a table without one. A source row whose key is not on the target is missing there.
 */
export function rowKeysSql(plan: TablePlan, keys: MoveKeys): string {
  const key =
    plan.primaryKey.length > 0
      ? `md5(row(${plan.primaryKey.map(quoteIdent).join(', ')})::text)`
      : 'md5(t::text)';
  return `select ${key} as k from ${quoteIdent(plan.name)} t where ${rowFilter(plan, keys)}`;
}

export interface TableSums {
  table: string;
  /** key → `count:md5` */
  sums: Record<string, string>;
}

/** The tables whose counts or checksums differ between the two sides. */
export function disagreements(source: TableSums[], target: TableSums[]): string[] {
  const bad: string[] = [];
  const byTable = new Map(target.map((t) => [t.table, t.sums]));
  for (const s of source) {
    const t = byTable.get(s.table) ?? {};
    const keys = new Set([...Object.keys(s.sums), ...Object.keys(t)]);
    if ([...keys].some((k) => s.sums[k] !== t[k])) bad.push(s.table);
  }
  return bad;
}

/** Key lists compared as sets: a store or user added during the move is not in the filters. */
export function sameKeys(a: MoveKeys, b: MoveKeys): boolean {
  const same = (x: string[], y: string[]) =>
    x.length === y.length && [...x].sort().every((v, i) => v === [...y].sort()[i]);
  return (
    a.organizationId === b.organizationId &&
    same(a.storeIds, b.storeIds) &&
    same(a.userIds, b.userIds)
  );
}
