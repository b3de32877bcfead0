import type pg from 'pg';
import { connectToPrimary } from '../db/primary-pool';
import type { MoveRecord } from './directory';
import {
  checksumSql,
  moveNames,
  planTables,
  publicationStatements,
  quoteIdent,
  rowFilter,
  rowKeysSql,
  type CatalogTable,
  type ForeignKey,
  type MoveKeys,
  type TablePlan,
  type TableSums,
} from './move-plan';

/**
 * What a tenant move does on the two shards' databases (move.ts runs the steps): the catalog
 * read, publications, slot and subscription, the pause's drain and positions, the checks.
 */

/** One connection to a shard as its tables' owner (a superuser: see docs/OPERATIONS.md). */
export interface ShardSession {
  query<R extends pg.QueryResultRow>(text: string, params?: unknown[]): Promise<R[]>;
  end(): Promise<void>;
}

export type ShardConnector = (ownerUrl: string) => Promise<ShardSession>;

/**
 * A pg.Client with the session settings the checksums depend on (same text on both sides), on the
 * shard's primary (a shard on a failover pair names both hosts in its URL).
 */
export const connectShard: ShardConnector = async (url) => {
  const client = await connectToPrimary(url, 10_000);
  await client.query(
    "set timezone = 'UTC'; set datestyle = 'ISO, YMD'; set extra_float_digits = 3; set statement_timeout = 0",
  );
  return {
    query: async (text, params) => (await client.query(text, params)).rows,
    end: () => client.end(),
  };
};

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

const TABLES_SQL = `
  with pk as (
    select i.indrelid, array_agg(a.attname::text order by k.ord) as cols,
           bool_or(i.indisprimary) as primary, bool_or(i.indisreplident) as replident
      from pg_index i
      cross join unnest(i.indkey) with ordinality k(attnum, ord)
      join pg_attribute a on a.attrelid = i.indrelid and a.attnum = k.attnum
     where i.indisprimary or i.indisreplident
     group by i.indrelid, i.indexrelid
  )
  select c.relname as name,
         array(select a.attname::text from pg_attribute a
                where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
                order by a.attnum) as columns,
         coalesce((select cols from pk where pk.indrelid = c.oid and pk.primary), '{}') as primary_key,
         case c.relreplident
           when 'f' then array(select a.attname::text from pg_attribute a
                                where a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped)
           when 'd' then coalesce((select cols from pk where pk.indrelid = c.oid and pk.primary), '{}')
           when 'i' then coalesce((select cols from pk where pk.indrelid = c.oid and pk.replident), '{}')
           else '{}'
         end as identity,
         has_table_privilege('mango_app', c.oid, 'UPDATE')
           or has_table_privilege('mango_app', c.oid, 'DELETE') as mutable
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
   where n.nspname = 'public' and c.relkind in ('r', 'p') and not c.relispartition`;

const FOREIGN_KEYS_SQL = `
  select conrelid::regclass::text as child, confrelid::regclass::text as parent
    from pg_constraint where contype = 'f' and conrelid <> confrelid`;

/** Sequences feeding a column of a tenant table (audit_log.id): logical replication skips them. */
const SEQUENCES_SQL = `
  select s.oid::regclass::text as seq, t.relname as tbl
    from pg_class s
    join pg_depend d on d.objid = s.oid and d.classid = 'pg_class'::regclass and d.deptype in ('a', 'i')
    join pg_class t on t.oid = d.refobjid
   where s.relkind = 'S'`;

/** The move plan of a shard, read from its catalog. */
export async function planOf(session: ShardSession): Promise<TablePlan[]> {
  const tables = await session.query<{
    name: string;
    columns: string[];
    primary_key: string[];
    identity: string[];
    mutable: boolean;
  }>(TABLES_SQL);
  const catalog: CatalogTable[] = tables.map((t) => ({
    name: t.name,
    columns: t.columns,
    primaryKey: t.primary_key,
    identity: t.identity,
    mutable: t.mutable,
  }));
  return planTables(catalog, await session.query<ForeignKey>(FOREIGN_KEYS_SQL));
}

export async function readKeys(session: ShardSession, organizationId: string): Promise<MoveKeys> {
  const [row] = await session.query<{ stores: string[]; users: string[] }>(
    `select array(select id::text from stores where organization_id = $1 order by id) as stores,
            array(select id::text from users where organization_id = $1 order by id) as users`,
    [organizationId],
  );
  return { organizationId, storeIds: row?.stores ?? [], userIds: row?.users ?? [] };
}

/** Polls `check` every `everyMs` until it is true; false when `timeoutMs` passed first. */
export async function until(check: () => Promise<boolean>, timeoutMs: number, everyMs: number) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/**
 * What a move does on the two shards, step by step; every operation is idempotent, so a step
 * interrupted half-way is simply done again.
 */
export function shardOps(
  from: ShardSession,
  to: ShardSession,
  move: MoveRecord,
  sourceUrl: string,
) {
  const names = moveNames(move.organizationId, move.id);
  const slot = names.subscription;
  let subscriptionOid: string | undefined;
  return {
    names,
    async publish(plans: TablePlan[], keys: MoveKeys) {
      // No subscription exists yet: a slot left by an interrupted attempt has no reader.
      await this.dropSourceObjects();
      for (const statement of publicationStatements(names, plans, keys))
        await from.query(statement);
      // The slot after the publications, so every change it decodes is decided by them.
      await from.query("select pg_create_logical_replication_slot($1, 'pgoutput')", [slot]);
    },
    async subscribe() {
      const exists = await to.query('select 1 from pg_subscription where subname = $1', [
        names.subscription,
      ]);
      if (exists.length > 0) return;
      // The slot exists already (made on the source, not by this command, which would hang when
      // both shards share a cluster); the subscription copies each table, then streams. Applied
      // changes are flushed before they are reported applied: the switch trusts that report.
      await to.query(
        `create subscription ${quoteIdent(names.subscription)} connection ${literal(sourceUrl)}
           publication ${quoteIdent(names.publication)}, ${quoteIdent(names.insertPublication)}
           with (create_slot = false, slot_name = ${literal(slot)}, copy_data = true,
                 synchronous_commit = 'on')`,
      );
    },
    async copied(): Promise<boolean> {
      const [row] = await to.query<{ waiting: number; tables: number }>(
        `select count(*) filter (where r.srsubstate <> 'r')::int as waiting, count(r.*)::int as tables
           from pg_subscription s left join pg_subscription_rel r on r.srsubid = s.oid
          where s.subname = $1`,
        [names.subscription],
      );
      return !!row && row.tables > 0 && row.waiting === 0;
    },
    /**
     * Starts or stops applying. Stopped at the switch: after it, the source's own jobs (a
     * last-seen flush on every shard) could still touch the organization's old rows there, and
     * applying that would overwrite the target's newer ones.
     */
    async applying(on: boolean) {
      await to.query(
        `alter subscription ${quoteIdent(names.subscription)} ${on ? 'enable' : 'disable'}`,
      );
      if (on) return;
      // The worker would notice only at its next loop (up to a second): end it now. All the
      // organization's changes are applied already; one of a source job's in flight rolls back.
      await to.query(
        'select pg_terminate_backend(pid) from pg_stat_subscription where subname = $1 and pid is not null',
        [names.subscription],
      );
      await until(
        async () =>
          (
            await to.query(
              'select 1 from pg_stat_subscription where subname = $1 and pid is not null',
              [names.subscription],
            )
          ).length === 0,
        10_000,
        5,
      );
    },
    /** Waits for the pushes that were running when the pause began (they hold these locks). */
    async drain() {
      await from.query('begin');
      try {
        await from.query(
          'select 1 from devices where organization_id = $1 order by id for update',
          [move.organizationId],
        );
        await from.query('select 1 from stores where organization_id = $1 order by id for update', [
          move.organizationId,
        ]);
      } finally {
        await from.query('commit');
      }
    },
    async currentLsn(): Promise<string> {
      const [row] = await from.query<{ lsn: string }>('select pg_current_wal_lsn()::text as lsn');
      return row!.lsn;
    },
    /** The subscription has applied (or skipped as not its own) everything up to `lsn`. */
    async appliedPast(lsn: string): Promise<boolean> {
      const [row] = await from.query<{ ok: boolean }>(
        `select bool_or(replay_lsn >= $2::pg_lsn) as ok from pg_stat_replication
          where application_name = $1`,
        [names.subscription, lsn],
      );
      return row?.ok === true;
    },
    /** The target's sequences continue past every value the moved rows may carry. */
    async advanceSequences(plans: TablePlan[]) {
      const moved = new Set(plans.map((p) => p.name));
      for (const s of await from.query<{ seq: string; tbl: string }>(SEQUENCES_SQL)) {
        if (!moved.has(s.tbl)) continue;
        const [src] = await from.query<{ last: string }>(
          `select last_value::text as last from ${s.seq}`,
        );
        await to.query(
          `select setval($1::regclass, greatest((select last_value from ${s.seq}), $2::bigint))`,
          [s.seq, src!.last],
        );
      }
    },
    /**
     * Drops the subscription on the target only (its slots are dropped by dropSourceObjects:
     * DROP SUBSCRIPTION's own remote drop fails while the source's walsender is still exiting).
     */
    async dropSubscription() {
      const [sub] = await to.query<{ oid: string }>(
        'select oid::text from pg_subscription where subname = $1',
        [names.subscription],
      );
      if (!sub) return;
      const name = quoteIdent(names.subscription);
      await to.query(`alter subscription ${name} disable`);
      await to.query(`alter subscription ${name} set (slot_name = none)`);
      await to.query(`drop subscription ${name}`);
      subscriptionOid = sub.oid;
    },
    /** The slot (and table-copy slots a dropped subscription left), then the publications. */
    async dropSourceObjects() {
      const ours = `(slot_name = $1 or slot_name like 'pg\\_' || $2 || '\\_sync\\_%')`;
      const params = [slot, subscriptionOid ?? '-'];
      // A slot still held by a departing walsender cannot be dropped yet: wait for it.
      await until(
        async () =>
          (await from.query(`select 1 from pg_replication_slots where ${ours} and active`, params))
            .length === 0,
        10_000,
        50,
      );
      await from.query(
        `select pg_drop_replication_slot(slot_name) from pg_replication_slots where ${ours}`,
        params,
      );
      await from.query(`drop publication if exists ${quoteIdent(names.publication)}`);
      await from.query(`drop publication if exists ${quoteIdent(names.insertPublication)}`);
    },
    /** Deletes the organization's rows, children first, as the owner with triggers off. */
    async deleteRows(side: ShardSession, plans: TablePlan[], keys: MoveKeys) {
      await side.query('begin');
      try {
        await side.query("set local session_replication_role = 'replica'");
        for (const p of [...plans].reverse()) {
          await side.query(`delete from ${quoteIdent(p.name)} where ${rowFilter(p, keys)}`);
        }
        await side.query('commit');
      } catch (e) {
        await side.query('rollback').catch(() => undefined);
        throw e;
      }
    },
  };
}

export async function sums(session: ShardSession, plans: TablePlan[], keys: MoveKeys) {
  const out: TableSums[] = [];
  for (const p of plans) {
    const rows = await session.query<{ key: string; n: number; sum: string }>(checksumSql(p, keys));
    out.push({
      table: p.name,
      sums: Object.fromEntries(rows.map((r) => [r.key, `${r.n}:${r.sum}`])),
    });
  }
  return out;
}

export const rowCounts = (all: TableSums[]): Record<string, number> =>
  Object.fromEntries(
    all.map((t) => [
      t.table,
      Object.values(t.sums).reduce((n, s) => n + Number(s.split(':')[0]), 0),
    ]),
  );

/**
 * After a crash between the switch and the check, the target has moved on: every source row must
 * still be there (by primary key; append-only tables by the whole row). A row the organization
 * deleted since then fails the check, and the source rows are kept for a person to look at.
 */
export async function presenceCheck(
  from: ShardSession,
  to: ShardSession,
  plans: TablePlan[],
  keys: MoveKeys,
) {
  const missing: string[] = [];
  const rows: Record<string, number> = {};
  for (const p of plans) {
    const sql = rowKeysSql(p, keys);
    const there = new Set((await to.query<{ k: string }>(sql)).map((r) => r.k));
    const here = await from.query<{ k: string }>(sql);
    rows[p.name] = here.length;
    if (here.some((r) => !there.has(r.k))) missing.push(p.name);
  }
  return { missing, rows };
}
