import { DomainError, type MutatorName } from '@mango/domain';
import { seriesStarts } from '@mango/domain/appointments';
import type { Sql } from '../db/db';
import { ENTITY_TABLES, TABLE_ENTITY_NAMES } from '../db/entity-tables';
import { isPlanName, planLimitsOf, type PlanLimits, type PlanName } from './plans';

export type QuotaName = 'staff' | 'clients' | 'appointmentsPerDay';

interface QuotaCounter {
  quota: QuotaName;
  limitOf(limits: PlanLimits): number | null;
  /** How the limit reads in a message: "3 active staff members". */
  noun: string;
  /** The count this mutation could raise; null when the args do not name what to count. */
  count(
    sql: Sql,
    storeId: string,
    args: Record<string, unknown>,
    unwritten?: UnwrittenRows,
    /** The plan's limit (the series counter measures how far over it its days are). */
    limit?: number,
  ): Promise<number | null>;
}

type Row = Record<string, unknown>;

/**
 * The rows of an entity that a batched push has written but not yet stored (its last image and
 * the database's): quotas count them beside the database's rows.
 */
export type UnwrittenRows = (entity: 'staff' | 'client' | 'appointment') => readonly {
  row: Row | null;
  stored: Row | null;
}[];

/** How many more rows pass `test` once the unwritten rows are stored. */
function unwrittenDelta(
  rows: ReturnType<UnwrittenRows> | undefined,
  test: (row: Row) => boolean,
): number {
  let delta = 0;
  for (const { row, stored } of rows ?? []) {
    delta += (row && test(row) ? 1 : 0) - (stored && test(stored) ? 1 : 0);
  }
  return delta;
}

async function countOf(sql: Sql, text: string, params: unknown[]): Promise<number> {
  return (await sql.query<{ n: number }>(text, params)).rows[0]?.n ?? 0;
}

const staffCounter: QuotaCounter = {
  quota: 'staff',
  limitOf: (l) => l.maxStaff,
  noun: 'active staff members',
  count: async (sql, storeId, _args, unwritten) =>
    (await countOf(
      sql,
      'select count(*)::int as n from staff where store_id = $1 and active and not deleted',
      [storeId],
    )) + unwrittenDelta(unwritten?.('staff'), (r) => r.active === true),
};

const clientCounter: QuotaCounter = {
  quota: 'clients',
  limitOf: (l) => l.maxClients,
  noun: 'clients',
  count: async (sql, storeId, _args, unwritten) =>
    (await countOf(
      sql,
      'select count(*)::int as n from clients where store_id = $1 and not deleted',
      [storeId],
    )) + unwrittenDelta(unwritten?.('client'), () => true),
};

// The store's local day of `start`, as a range on start_at so the index and partitions apply.
const APPOINTMENTS_OF_DAY = `
  with tz as (select time_zone from stores where id = $1),
  day as (
    select date_trunc('day', $2::timestamptz at time zone tz.time_zone) at time zone tz.time_zone as from_at,
           (date_trunc('day', $2::timestamptz at time zone tz.time_zone) + interval '1 day')
             at time zone tz.time_zone as to_at
      from tz)
  select count(appointments.id)::int as n, min(day.from_at) as from_at, min(day.to_at) as to_at
    from day left join appointments
      on store_id = $1 and not deleted and status <> 'cancelled'
     and start_at >= day.from_at and start_at < day.to_at`;

const appointmentsOfDayCounter: QuotaCounter = {
  quota: 'appointmentsPerDay',
  limitOf: (l) => l.maxAppointmentsPerDay,
  noun: 'appointments a day',
  count: async (sql, storeId, args, unwritten) => {
    if (typeof args.start !== 'string') return null;
    const res = await sql.query<{ n: number; from_at: string; to_at: string }>(
      APPOINTMENTS_OF_DAY,
      [storeId, args.start],
    );
    const day = res.rows[0];
    if (!day) return 0;
    const [from, to] = [Date.parse(day.from_at), Date.parse(day.to_at)];
    return (
      day.n +
      unwrittenDelta(unwritten?.('appointment'), (r) => {
        const start = typeof r.start === 'string' ? Date.parse(r.start) : NaN;
        return (
          typeof r.status === 'string' && r.status !== 'cancelled' && start >= from && start < to
        );
      })
    );
  },
};

/**
 * A series books one appointment on each of its days (up to 26): the limit holds on every one.
 * Its count is the limit plus how far the series' days are over it in all (the sum of
 * max(0, n − limit) over the days), so `applyWithinQuotas` refuses exactly when one of the
 * series' days goes over the limit, or further over it (a store over its limit after a
 * downgrade keeps what it has).
 */
const appointmentsOfSeriesDaysCounter: QuotaCounter = {
  ...appointmentsOfDayCounter,
  count: async (sql, storeId, args, unwritten, limit = 0) => {
    const repeat = args.repeat as { everyWeeks?: unknown; count?: unknown } | undefined;
    if (
      typeof args.start !== 'string' ||
      typeof repeat?.everyWeeks !== 'number' ||
      typeof repeat.count !== 'number'
    ) {
      return null;
    }
    const zone = await sql.query<{ time_zone: string }>(
      'select time_zone from stores where id = $1',
      [storeId],
    );
    const timeZone = zone.rows[0]?.time_zone ?? 'UTC';
    let over = 0;
    const repeatRule = { everyWeeks: repeat.everyWeeks, count: repeat.count };
    for (const start of seriesStarts(args.start, repeatRule, timeZone)) {
      const n = await appointmentsOfDayCounter.count(sql, storeId, { start }, unwritten, limit);
      over += Math.max(0, (n ?? 0) - limit);
    }
    return limit + over;
  },
};

/**
 * The mutations that can add to a counted quota. A Map, keyed by mutator name: looked up with a
 * name from the wire, a plain object would answer "constructor" or "__proto__" from its prototype.
 */
const COUNTERS_BY_MUTATION: ReadonlyMap<MutatorName, readonly QuotaCounter[]> = new Map<
  MutatorName,
  readonly QuotaCounter[]
>([
  ['staff.upsert', [staffCounter]],
  ['client.upsert', [clientCounter]],
  ['appointment.book', [appointmentsOfDayCounter]],
  ['appointment.reschedule', [appointmentsOfDayCounter]],
  // A visit's services follow each other on its day (one crossing midnight counts on the first).
  ['appointment.bookVisit', [appointmentsOfDayCounter]],
  ['appointment.bookSeries', [appointmentsOfSeriesDaysCounter]],
]);

/**
 * Runs `apply` (a mutation, inside its savepoint) and refuses it with QUOTA_EXCEEDED when it
 * raised a count of the store's plan above the limit. Only a rise counts: a store over its limit
 * (after a downgrade) can still edit, deactivate and delete what it has.
 */
export async function applyWithinQuotas<T>(
  sql: Sql,
  store: { storeId: string; plan: PlanName | string },
  mutation: { name: string; args: unknown },
  apply: () => Promise<T>,
  /** A batched push's rows not yet in the database (absent: writes go straight to it). */
  unwritten?: UnwrittenRows,
): Promise<T> {
  const limits = planLimitsOf(store.plan);
  const counters = (COUNTERS_BY_MUTATION.get(mutation.name as MutatorName) ?? []).filter(
    (c) => c.limitOf(limits) !== null,
  );
  if (counters.length === 0) return apply();
  const args = (mutation.args ?? {}) as Record<string, unknown>;
  const before: (number | null)[] = [];
  for (const c of counters)
    before.push(await c.count(sql, store.storeId, args, unwritten, c.limitOf(limits)!));
  const result = await apply();
  for (const [i, c] of counters.entries()) {
    const limit = c.limitOf(limits)!;
    const was = before[i];
    const now = await c.count(sql, store.storeId, args, unwritten, limit);
    if (was === null || was === undefined || now === null) continue;
    if (now > was && now > limit) {
      throw new DomainError(
        'QUOTA_EXCEEDED',
        `The ${store.plan} plan allows ${limit} ${c.noun}: upgrade the plan to add more.`,
        { quota: c.quota, limit, plan: store.plan, current: was },
      );
    }
  }
  return result;
}

export interface StoreUsage {
  plan: PlanName;
  limits: PlanLimits;
  usage: {
    staff: number;
    clients: number;
    appointmentsToday: number;
    storageBytes: number;
  };
}

/**
 * The store's usage against its plan, for the owner. Storage is the size of the store's synced
 * rows as PostgreSQL stores them (an estimate: indexes and dead tuples are not counted).
 */
export async function readStoreUsage(sql: Sql, storeId: string, now: Date): Promise<StoreUsage> {
  const plan = (
    await sql.query<{ plan: string }>('select plan from stores where id = $1', [storeId])
  ).rows[0]?.plan;
  const limits = planLimitsOf(plan);
  const staff = (await staffCounter.count(sql, storeId, {})) ?? 0;
  const clients = (await clientCounter.count(sql, storeId, {})) ?? 0;
  const appointmentsToday =
    (await appointmentsOfDayCounter.count(sql, storeId, { start: now.toISOString() })) ?? 0;
  const sizes = TABLE_ENTITY_NAMES.map(
    (e) =>
      `(select coalesce(sum(pg_column_size(t.*)), 0) from ${ENTITY_TABLES[e].table} t where t.store_id = $1)`,
  );
  const storage = await sql.query<{ bytes: number }>(
    `select (${sizes.join(' + ')})::bigint as bytes`,
    [storeId],
  );
  return {
    plan: isPlanName(plan) ? plan : 'free',
    limits,
    usage: { staff, clients, appointmentsToday, storageBytes: storage.rows[0]?.bytes ?? 0 },
  };
}
