/**
 * The drill's bulk history, on a migrated database of each engine: the rows land in the real
 * schema with the shapes the app reads (closed tickets whose lines and payments add up, a year
 * back from yesterday, appointments pointing at their tickets), one audit row per sale and none
 * from the triggers, and every store isolated under its own tenant context (RLS).
 */
import { beforeAll, expect, it } from 'vitest';
import type { Db } from '../../apps/server/src/db/db';
import { describeEachEngine } from '../../apps/server/src/db/test-support/engines';
import { seedHistory, type HistoryShape } from './history-seed';

const SHAPE: HistoryShape = { stores: 3, days: 30, ticketsPerStore: 24, clientsPerStore: 5 };

describeEachEngine('drill history seed', (getDb) => {
  let db: Db;
  const batches: number[] = [];

  beforeAll(async () => {
    db = getDb();
    await seedHistory(
      (script) => db.ownerTransaction(async (sql) => void (await sql.query(script))),
      SHAPE,
      2,
      (done) => batches.push(done),
    );
  });

  const one = async <R>(text: string): Promise<R> =>
    db.ownerTransaction(async (sql) => (await sql.query<R>(text)).rows[0]!);

  it('seeds every store in batches, each with a year-like spread of closed tickets', async () => {
    expect(batches).toEqual([2, 3]);
    const counts = await one<Record<string, number | boolean>>(
      `select (select count(*)::int from stores where name like 'History salon %') as stores,
              (select count(*)::int from tickets where status = 'closed') as tickets,
              (select count(distinct store_id)::int from tickets) as ticket_stores,
              (select count(*)::int from ticket_lines) as lines,
              (select count(*)::int from payments) as payments,
              (select count(*)::int from clients) as clients,
              (select count(*)::int from staff) as staff,
              (select count(*)::int from services) as services,
              (select count(*)::int from appointments a join tickets t
                  on t.store_id = a.store_id and t.id = a.ticket_id and t.appointment_id = a.id) as appointments,
              (select count(*)::int from audit_log where table_name = 'tickets') as ticket_audit,
              (select count(*)::int from audit_log where table_name <> 'tickets') as trigger_audit,
              (select min(business_date) >= current_date - 30 and max(business_date) < current_date
                 from tickets) as in_range`,
    );
    expect(counts).toEqual({
      stores: 3,
      tickets: 72,
      ticket_stores: 3,
      lines: 72 + 3 * 8, // every third ticket has two lines
      payments: 72,
      clients: 15,
      staff: 12,
      services: 18,
      appointments: 3 * 14, // k % 5 < 3: 14 of k = 1..24
      ticket_audit: 72,
      trigger_audit: 0,
      in_range: true,
    });
  });

  it('writes money that adds up: lines to subtotals, payments to paid, tips on card only', async () => {
    const bad = await one<{ n: number }>(
      `with l as (select store_id, ticket_id, sum(line_total_cents) as lines
                    from ticket_lines group by 1, 2),
            p as (select store_id, ticket_id, sum(amount_cents) as paid, sum(tip_cents) as tip,
                         bool_or(method = 'cash' and tip_cents <> 0) as cash_tip
                    from payments group by 1, 2)
       select count(*)::int as n from tickets t
         left join l on l.store_id = t.store_id and l.ticket_id = t.id
         left join p on p.store_id = t.store_id and p.ticket_id = t.id
        where l.lines is distinct from t.subtotal_cents or p.paid is distinct from t.paid_cents
           or p.tip is distinct from t.tip_cents or p.cash_tip or t.total_cents <> t.subtotal_cents
           or (t.data ->> 'paidCents')::bigint <> t.paid_cents`,
    );
    expect(bad.n).toBe(0);
  });

  it('keeps each store behind its tenant boundary', async () => {
    const store = await one<{ id: string; organization_id: string }>(
      "select id, organization_id from stores where name like 'History salon 1 %'",
    );
    const seen = await db.transaction(
      { storeId: store.id, organizationId: store.organization_id },
      async (sql) =>
        (
          await sql.query<{ stores: number; tickets: number }>(
            'select count(distinct store_id)::int as stores, count(*)::int as tickets from tickets',
          )
        ).rows[0]!,
    );
    expect(seen).toEqual({ stores: 1, tickets: 24 });
  });
});
