/**
 * The push's read-ahead (prefetch.ts) runs its generic plan on PostgreSQL (`prepare: 'generic'`:
 * planned once per connection, docs/PERFORMANCE.md session 11). A generic plan does not know how
 * many rows the store has, so the statement must read every row by key whatever the plan: a store
 * with many tickets, lines and clients must be read through key probes, never through a scan of
 * the store's rows. And it reads the same rows on both engines.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { MutatorTx } from '@mango/domain';
import type { Sql } from '../db/db';
import { describeEachEngine } from '../db/test-support/engines';
import { genericPlanNodes, type PlanNode } from '../db/test-support/generic-plan';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  technicianAndService,
} from '../test-support/test-app';
import { createSqlMutatorTx } from '../db/entity-store';
import { countingLists } from '../test-support/counting-lists';
import { readAhead } from './prefetch';
import { PushOverlay } from './push-overlay';

describeEachEngine('push read-ahead: rows by key, with a plan made once', (getDb) => {
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await makeTestApp(getDb());
  });
  afterAll(async () => {
    await app.close();
  });

  it('reads the named rows through key probes, also in a store with many rows', async () => {
    const store = await signupStore(app, 'Ahead');
    const log = new MutationLog(store.deviceId);
    const { staffId, serviceId, mutations } = technicianAndService(log);
    const tickets = Array.from({ length: 150 }, () => randomUUID());
    const clients = Array.from({ length: 60 }, () => randomUUID());
    const setup = [
      ...mutations,
      ...clients.map((id, i) =>
        log.make('client.upsert', { id, firstName: `C${i}`, lastName: 'Test', phone: null }),
      ),
      ...tickets.flatMap((id) => [
        log.make('ticket.open', { id }),
        log.make('ticket.addLine', {
          ticketId: id,
          lineId: randomUUID(),
          kind: 'service',
          itemId: serviceId,
          staffId,
        }),
      ]),
    ];
    for (let i = 0; i < setup.length; i += 100) {
      const res = await push(app, store, store.deviceId, setup.slice(i, i + 100));
      const body = json<{ results: { status: string }[] }>(res);
      expect(body.results.every((r) => r.status === 'applied')).toBe(true);
    }
    if (getDb().engine === 'postgres') {
      // A store's clients as a live database has them (3,840: pages the planner will not scan
      // for one row, as it would a table of a page), and statistics.
      await getDb().ownerTransaction((sql) =>
        sql.query(
          `do $$
           declare cols text; picks text;
           begin
             select string_agg(quote_ident(column_name), ', ' order by ordinal_position),
                    string_agg(case when column_name = 'id' then 'gen_random_uuid()'
                               else quote_ident(column_name) end, ', ' order by ordinal_position)
               into cols, picks
               from information_schema.columns
              where table_schema = 'public' and table_name = 'clients' and is_generated = 'NEVER';
             for i in 1..6 loop
               execute format('insert into clients (%s) select %s from clients', cols, picks);
             end loop;
           end $$;
           analyze`,
        ),
      );
    }
    // Its plan, where the statement is prepared: on PostgreSQL, not through PgBouncer 1.18
    // (npm run test:scale), where prepared statements are off.
    const planned = getDb().engine === 'postgres' && !process.env.TEST_PGBOUNCER_URL;
    const ticketId = tickets[7]!;
    const named = [
      {
        name: 'ticket.addLine',
        args: { ticketId, itemId: serviceId, staffId, lineId: randomUUID() },
      },
      { name: 'ticket.setClient', args: { ticketId, clientId: clients[3] } },
    ];
    const seen = await getDb().transaction({ storeId: store.storeId }, async (sql) => {
      const sent: { text: string; params: readonly unknown[] }[] = [];
      const recording: Sql = {
        ...sql,
        query: (text, params, opts) => {
          sent.push({ text, params: params ?? [] });
          return sql.query(text, params, opts);
        },
      };
      // Every row must come from the read-ahead: the overlay's own reads fail.
      const overlay = new PushOverlay({
        get: () => Promise.reject(new Error('read outside the read-ahead')),
      } as unknown as MutatorTx);
      (await readAhead(recording, store.storeId, named))(overlay);
      const rows = {
        ticket: await overlay.stored('ticket', ticketId),
        client: await overlay.stored('client', clients[3]!),
        staff: await overlay.stored('staff', staffId),
        service: await overlay.stored('service', serviceId),
      };
      if (!planned) return { rows, nodes: [] as PlanNode[] };
      // The same statement, by its name on this connection, with its generic plan.
      const { text, params } = sent[0]!;
      return { rows, nodes: await genericPlanNodes(sql, text, params) };
    });
    expect(seen.rows.ticket).toMatchObject({ id: ticketId });
    expect(seen.rows.client).toMatchObject({ id: clients[3] });
    expect(seen.rows.staff).toMatchObject({ id: staffId });
    expect(seen.rows.service).toMatchObject({ id: serviceId });
    if (!planned) return;
    const scans = seen.nodes.filter((n) => n['Relation Name'] !== undefined);
    expect(scans.length).toBeGreaterThan(0);
    // The store has 150 tickets, 150 lines and 60 clients: each scan, whatever its kind (a
    // sequential scan of a one-page table is fine), meets at most the rows it names.
    for (const n of scans) {
      const what = `${n['Node Type']} on ${n['Relation Name']}`;
      expect(n['Actual Rows'] ?? 0, what).toBeLessThanOrEqual(2);
      expect(n['Rows Removed by Filter'] ?? 0, what).toBeLessThanOrEqual(2);
      expect(n['Rows Removed by Index Recheck'] ?? 0, what).toBeLessThanOrEqual(2);
    }
  });

  it('answers a booking’s overlap checks from the read-ahead, as the database would', async () => {
    const store = await signupStore(app, 'Windows');
    const log = new MutationLog(store.deviceId);
    const { staffId, serviceId, mutations } = technicianAndService(log);
    const otherStaff = randomUUID();
    const at = Date.parse('2027-03-10T15:00:00.000Z');
    const iso = (minutes: number) => new Date(at + minutes * 60_000).toISOString();
    const booked = new Map<string, number>(); // id → minutes from `at`, of staffId's bookings
    const book = (staff: string, minutes: number) => {
      const id = randomUUID();
      if (staff === staffId) booked.set(id, minutes);
      return log.make('appointment.book', { id, staffId: staff, serviceId, start: iso(minutes) });
    };
    const setup = [
      ...mutations,
      log.make('staff.upsert', {
        id: otherStaff,
        displayName: 'Mai',
        role: 'technician',
        active: true,
      }),
      // Inside the window of a booking at `at` (24 h either side), at its edges, and outside it.
      ...[-1500, -1440, -1439, -60, 0, 30, 1380, 1439, 1440, 1500].map((m) => book(staffId, m)),
      book(otherStaff, 0),
    ];
    const res = json<{ results: { status: string }[] }>(
      await push(app, store, store.deviceId, setup),
    );
    expect(res.results.every((r) => r.status === 'applied')).toBe(true);

    const seen = await getDb().transaction({ storeId: store.storeId }, async (sql) => {
      const db = createSqlMutatorTx(sql, { storeId: store.storeId, version: 1 });
      const counted = countingLists(db);
      const overlay = new PushOverlay(counted.tx);
      // The device's staff id in upper case: the same staff member to the database.
      const booking = {
        name: 'appointment.book',
        args: { id: randomUUID(), staffId: staffId.toUpperCase(), serviceId, start: iso(0) },
      };
      (await readAhead(sql, store.storeId, [booking]))(overlay);
      const ranges: [number, number][] = [
        [-1440, 45], // the booking's own overlap check
        [-1440, 1440], // the whole window
        [-1439, 1439],
        [-60, 31],
      ];
      const answers = [];
      for (const [from, to] of ranges) {
        const query = {
          where: { staffId },
          range: { field: 'start' as const, gte: iso(from), lt: iso(to) },
        };
        answers.push({
          overlay: (await overlay.tx.list('appointment', query)).map((r) => r.id),
          database: (await db.list('appointment', query)).map((r) => r.id),
        });
      }
      const inside = counted.lists();
      // Wider than the window, or another staff member's: read from the database.
      const outside = {
        where: { staffId },
        range: { field: 'start' as const, gte: iso(-1441), lt: iso(30) },
      };
      const wider = (await overlay.tx.list('appointment', outside)).map((r) => r.id);
      const other = await overlay.tx.list('appointment', {
        where: { staffId: otherStaff },
        range: { field: 'start', gte: iso(-1440), lt: iso(45) },
      });
      return { answers, inside, wider, other: other.length, after: counted.lists() };
    });
    const within = (from: number, to: number) =>
      [...booked].filter(([, m]) => m >= from && m < to).map(([id]) => id);
    expect([...seen.answers[0]!.database].sort()).toEqual(within(-1440, 45).sort());
    for (const { overlay, database } of seen.answers) expect(overlay).toEqual(database);
    expect(seen.inside).toBe(0);
    expect(seen.wider.sort()).toEqual(within(-1441, 30).sort());
    expect(seen.other).toBe(1);
    expect(seen.after).toBe(2);
  });
});
