/**
 * The load generator's end check against the REAL server (the app over HTTP, on PGlite and on
 * PostgreSQL): after a salon day it passes; then a fault is injected in the server's database —
 * an acknowledged payment lost, a payment written twice, a refund counted twice — and the check
 * must fail, naming the fault. Without this, a check that silently passes would prove nothing.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Db } from '../../../apps/server/src/db/db';
import { describeEachEngine } from '../../../apps/server/src/db/test-support/engines';
import { makeTestApp } from '../../../apps/server/src/test-support/test-app';
import { DEFAULT_SIM, Simulation } from './simulator';

describeEachEngine('loadgen ledger check on the real server', (getDb) => {
  let app: FastifyInstance;
  let sim: Simulation;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    const baseUrl = await app.listen({ host: '127.0.0.1', port: 0 });
    sim = new Simulation({
      ...DEFAULT_SIM,
      baseUrl,
      runTag: 'ledger-check',
      seed: 'ledger-check',
      stores: 2,
      devicesPerStore: 2,
      clientsPerStore: 10,
      largeStoreEvery: 0,
      historyStores: 1,
      historyDays: 5,
      historyTicketsPerDay: 3,
      sseFraction: 0,
      pullIntervalMs: 500,
    });
    await sim.setup(() => {});
    const day = await sim.run({
      label: 'ledger-check-day',
      durationSec: 3,
      rate: 8,
      timeScale: 1 / 60_000,
      progressEveryMs: 60_000,
    });
    expect(day.fatal).toEqual([]);
    expect(day.drained).toBe(true);
  });
  afterAll(async () => {
    sim?.close();
    await app?.close();
  });

  /** Runs `fn` in the store's tenant context, as the app role (what RLS lets the server do). */
  const inStore = <T>(db: Db, storeId: string, fn: Parameters<Db['transaction']>[1]) =>
    db.transaction({ storeId }, fn) as Promise<T>;

  it('passes on what the server holds after the day', async () => {
    const { report } = await sim.verify();
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.expected.closedTickets).toBeGreaterThan(5);
    expect(report.actual.paymentsCents).toBe(report.expected.paymentsCents);
  });

  it('fails when an acknowledged payment is lost, and when one is written twice', async () => {
    const storeId = sim.stores[0]!.storeId;
    const { rows } = await inStore<{ rows: { id: string; amount_cents: string }[] }>(
      getDb(),
      storeId,
      (sql) =>
        sql.query(
          `select p.id, p.amount_cents from payments p join tickets t
             on t.store_id = p.store_id and t.id = p.ticket_id
           where p.store_id = $1 and not p.deleted and t.status = 'closed'
           order by p.id limit 2`,
          [storeId],
        ),
    );
    expect(rows).toHaveLength(2);
    const [lostPayment, doubledPayment] = rows as [(typeof rows)[0], (typeof rows)[0]];

    // Lost: the row becomes a tombstone (the app role cannot DELETE; a tombstone pulls as gone).
    await inStore(getDb(), storeId, (sql) =>
      sql.query(`update payments set deleted = true, data = null where store_id = $1 and id = $2`, [
        storeId,
        lostPayment.id,
      ]),
    );
    const lost = await sim.verify();
    expect(lost.report.ok).toBe(false);
    expect(lost.report.lost).toBe(1);
    expect(lost.report.problems.join('\n')).toContain(
      `payment ${lostPayment.id} (${lostPayment.amount_cents}¢`,
    );

    // Twice: the same payment again under a new id, as a double apply would write it — with a
    // new store version and its change-log entry, as every push writes (pulls read by key).
    const twin = randomUUID();
    await inStore(getDb(), storeId, async (sql) => {
      const { rows: bumped } = await sql.query<{ version: string }>(
        'update stores set version = version + 1 where id = $1 returning version',
        [storeId],
      );
      const version = Number(bumped[0]!.version);
      await sql.query(
        `insert into payments
         select (jsonb_populate_record(null::payments,
                   to_jsonb(p) || jsonb_build_object('id', $3::uuid, 'version', $4::bigint,
                                                     'data', p.data || jsonb_build_object('id', $3::uuid)))).*
           from payments p
          where p.store_id = $1 and p.id = $2`,
        [storeId, doubledPayment.id, twin, version],
      );
      await sql.query(
        `insert into sync_changes (store_id, to_version, from_version, entities, ids, id_counts)
         values ($1, $2, $2, array['payment'], array[$3::uuid], array[1])`,
        [storeId, version, twin],
      );
    });
    const twice = await sim.verify();
    expect(twice.report.ok).toBe(false);
    expect(twice.report.lost).toBe(1);
    expect(twice.report.duplicated).toBe(1);
    expect(twice.report.problems.join('\n')).toMatch(
      /payment [0-9a-f-]+ \(\d+¢\) on ticket .* is not in the ledger/,
    );
  });

  it('fails when a refund is counted twice on its ticket', async () => {
    const storeId = sim.stores[1]!.storeId;
    // One closed ticket's refunded amount doubled (or a refund nobody made), as a refund applied
    // twice would leave it.
    const { rows } = await inStore<{ rows: { id: string }[] }>(getDb(), storeId, (sql) =>
      sql.query(
        `update tickets
            set refunded_cents = greatest(2 * coalesce(refunded_cents, 0), 100),
                data = data || jsonb_build_object('refundedCents',
                  greatest(2 * coalesce(refunded_cents, 0), 100))
          where store_id = $1 and status = 'closed'
            and id = (select id from tickets where store_id = $1 and status = 'closed'
                      order by id limit 1)
          returning id`,
        [storeId],
      ),
    );
    expect(rows).toHaveLength(1);
    const { report } = await sim.verify();
    expect(report.ok).toBe(false);
    // Only this store's count: the store of the previous test still has its faults.
    const thisStore = report.perStore.find((s) => s.storeId === storeId);
    expect(thisStore).toMatchObject({ lost: 0, duplicated: 1, mismatched: 0 });
    expect(report.problems.join('\n')).toContain(`ticket ${rows[0]!.id}: refunded`);
  });
});
