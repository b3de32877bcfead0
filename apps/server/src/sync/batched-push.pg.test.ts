/**
 * The batched push (push.ts, push-overlay.ts, db/batch-write.ts): a chunk's mutations run over
 * an in-memory overlay and are written once at its end, audited one record per mutation. What
 * must still hold: a value the database refuses rejects exactly the mutation that carried it
 * (whether it fails in a read or in the final write), the rest of the push applies; what a push
 * wrote early counts for what it checks later (quotas, offline-card totals); and the audit says
 * who did what, with each row before and after, to the store alone.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { PaymentRow } from '@mango/domain';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recordingDb } from '../test-support/recording-db';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  signupStore,
  technicianAndService,
  type TestStore,
} from '../test-support/test-app';
import { PLAN_LIMITS } from '../quotas/plans';

interface PushBody {
  lastMutationId: number;
  results: { id: number; status: string; error?: { code: string; message: string } }[];
}

/** A time zod accepts as ISO-8601 and PostgreSQL refuses (there is no year 0 in timestamptz). */
const YEAR_ZERO = '0000-01-01T00:00:00Z';

describeEachEngine('batched push', (getDb) => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await makeTestApp(getDb(), { env: { PLAN_QUOTAS: 'true' } });
  });
  afterAll(async () => {
    await app.close();
  });

  const statuses = (body: PushBody) => body.results.map((r) => r.error?.code ?? r.status);

  describe('rows the push inserts', () => {
    // New rows are written by a plain insert (no upsert: db/batch-write.ts). A row the push saw
    // absent may be a tombstone in the table: the insert fails on its key and the chunk is
    // retried one mutation at a time, which must apply every mutation of it.
    it('re-creates a deleted row, with the other mutations of the push', async () => {
      const store = await signupStore(app, 'Resurrect');
      const log = new MutationLog(store.deviceId);
      const [gone, other] = [randomUUID(), randomUUID()];
      const first = await push(app, store, store.deviceId, [
        log.make('client.upsert', { id: gone, firstName: 'Ana', lastName: 'Old' }),
        log.make('client.delete', { id: gone }),
      ]);
      expect(statuses(json<PushBody>(first))).toEqual(['applied', 'applied']);
      const res = await push(app, store, store.deviceId, [
        log.make('client.upsert', { id: other, firstName: 'Bao', lastName: 'New' }),
        log.make('client.upsert', { id: gone, firstName: 'Ana', lastName: 'Back' }),
      ]);
      const body = json<PushBody>(res);
      expect(statuses(body)).toEqual(['applied', 'applied']);
      expect(body.lastMutationId).toBe(4);
      const { replica } = await pullAll(app, store, store.deviceId);
      expect(replica.get(`client:${gone}`)?.data).toMatchObject({ lastName: 'Back' });
      expect(replica.get(`client:${other}`)?.data).toMatchObject({ lastName: 'New' });
    });
  });

  describe('a value the database refuses', () => {
    it('in the final write rejects that mutation alone; the others of the push apply', async () => {
      const store = await signupStore(app, 'WriteError');
      const log = new MutationLog(store.deviceId);
      const drawerId = randomUUID();
      const [good1, good2] = [randomUUID(), randomUUID()];
      const res = await push(app, store, store.deviceId, [
        log.make('cashDrawer.open', { id: drawerId, floatCents: 10_000 }),
        log.make('cashDrawer.payIn', { id: good1, amountCents: 500 }),
        // Nothing reads this time before the write: the batch's insert is what fails.
        log.make('cashDrawer.payIn', { id: randomUUID(), amountCents: 700 }, YEAR_ZERO),
        log.make('cashDrawer.payIn', { id: good2, amountCents: 900 }),
      ]);
      expect(res.statusCode).toBe(200);
      const body = json<PushBody>(res);
      expect(statuses(body)).toEqual(['applied', 'applied', 'INVALID_DATA', 'applied']);
      expect(body.lastMutationId).toBe(4);
      const { replica } = await pullAll(app, store, store.deviceId);
      const movements = [...replica.keys()].filter((k) => k.startsWith('cashMovement:'));
      expect(movements.sort()).toEqual([`cashMovement:${good1}`, `cashMovement:${good2}`].sort());

      // The next push goes on from there.
      const next = await push(app, store, store.deviceId, [
        log.make('cashDrawer.payOut', { id: randomUUID(), amountCents: 100 }),
      ]);
      expect(statuses(json<PushBody>(next))).toEqual(['applied']);
    });

    it('in a read of a mutation rejects that mutation alone', async () => {
      const store = await signupStore(app, 'ReadError');
      const log = new MutationLog(store.deviceId);
      const { staffId, serviceId, mutations } = technicianAndService(log);
      const booked = randomUUID();
      const res = await push(app, store, store.deviceId, [
        ...mutations,
        // The overlap check reads appointments around this start: the read itself fails.
        log.make('appointment.book', { id: randomUUID(), staffId, serviceId, start: YEAR_ZERO }),
        log.make('appointment.book', {
          id: booked,
          staffId,
          serviceId,
          start: '2031-05-06T15:00:00.000Z',
        }),
      ]);
      const body = json<PushBody>(res);
      expect(statuses(body)).toEqual(['applied', 'applied', 'INVALID_DATA', 'applied']);
      const { replica } = await pullAll(app, store, store.deviceId);
      expect(replica.get(`appointment:${booked}`)?.data).toMatchObject({ staffId, serviceId });
      expect([...replica.keys()].filter((k) => k.startsWith('appointment:'))).toHaveLength(1);
    });
  });

  it('counts what the push wrote earlier: a client over the quota in the same push', async () => {
    const store = await signupStore(app, 'QuotaBatch');
    const log = new MutationLog(store.deviceId);
    const limit = PLAN_LIMITS.free.maxClients!;
    // Seed up to one below the limit, then push two in one request: the second is over.
    await getDb().ownerTransaction((sql) =>
      sql.query(
        `insert into clients (store_id, id, version, data, first_name)
         select $1, gen_random_uuid(), 1, jsonb_build_object('firstName', 'Seed ' || g), 'Seed'
           from generate_series(1, $2::int) g`,
        [store.storeId, limit - 1],
      ),
    );
    const client = (firstName: string) =>
      log.make('client.upsert', { id: randomUUID(), firstName, lastName: 'New' });
    const res = await push(app, store, store.deviceId, [client('Last'), client('Over')]);
    expect(statuses(json<PushBody>(res))).toEqual(['applied', 'QUOTA_EXCEEDED']);
  });

  it('reviews offline card payments against earlier ones of the same push', async () => {
    const store = await signupStore(app, 'OfflineBatch');
    const log = new MutationLog(store.deviceId);
    const ticketId = randomUUID();
    const productId = randomUUID();
    const takenAt = new Date(Date.now() - 3600_000);
    const pay = (paymentId: string, amountCents: number, minutes: number) =>
      log.make(
        'ticket.addPayment',
        { ticketId, paymentId, method: 'card', amountCents, offline: true },
        new Date(takenAt.getTime() + minutes * 60_000).toISOString(),
      );
    const [first, second] = [randomUUID(), randomUUID()];
    const res = await push(app, store, store.deviceId, [
      log.make('store.updateSettings', {
        offlineCardMaxPerPaymentCents: 10_000,
        offlineCardMaxPerDeviceCents: 12_000,
      }),
      log.make('product.upsert', {
        id: productId,
        name: 'Kit',
        priceCents: 100_000,
        taxable: false,
        stockCount: 10,
      }),
      log.make('ticket.open', { id: ticketId }),
      log.make('ticket.addLine', {
        ticketId,
        lineId: randomUUID(),
        kind: 'product',
        itemId: productId,
      }),
      pay(first, 8_000, 0),
      pay(second, 8_000, 5),
    ]);
    expect(statuses(json<PushBody>(res))).toEqual(Array(6).fill('applied'));
    const { replica } = await pullAll(app, store, store.deviceId);
    const payment = (id: string) => replica.get(`payment:${id}`)?.data as PaymentRow;
    expect(payment(first).reconciliation).toBeUndefined();
    expect(payment(second).reconciliation).toEqual(['OVER_DEVICE_CAP']);
  });

  it('a whole visit in one push costs a handful of statements, not a few per mutation', async () => {
    const { db: counting, statements } = recordingDb(getDb());
    const counted = await makeTestApp(counting);
    try {
      const store = await signupStore(counted, 'Counted');
      const log = new MutationLog(store.deviceId);
      const { staffId, serviceId, mutations } = technicianAndService(log);
      const ticketId = randomUUID();
      const setup = await push(counted, store, store.deviceId, mutations);
      expect(statuses(json<PushBody>(setup))).toEqual(['applied', 'applied']);
      statements.length = 0;
      const visit = [
        log.make('ticket.open', { id: ticketId }),
        ...[1, 2, 3].map(() =>
          log.make('ticket.addLine', {
            ticketId,
            lineId: randomUUID(),
            kind: 'service',
            itemId: serviceId,
            staffId,
          }),
        ),
        log.make('ticket.addPayment', {
          ticketId,
          paymentId: randomUUID(),
          method: 'card',
          amountCents: 12_000,
          tipCents: 1_500,
        }),
        log.make('ticket.close', { ticketId }),
      ];
      const res = await push(counted, store, store.deviceId, visit);
      expect(statuses(json<PushBody>(res))).toEqual(Array(6).fill('applied'));
      // Inside the transaction (BEGIN with the tenant settings, and COMMIT, are the Db's own):
      // the lock, one read ahead of what the visit names, the store row, and one statement for
      // every write (tickets, lines, payments, the audit, the store version, the device): 4.
      // One mutation at a time, with savepoints, it was over 70; before the writes went out as
      // one statement, 9.
      const push_ = statements.filter((s) => !/^\s*select .* from devices where id/i.test(s));
      expect(push_.length, push_.join('\n---\n')).toBeLessThanOrEqual(4);
      const write = push_.at(-1) ?? '';
      for (const table of [
        'tickets',
        'ticket_lines',
        'payments',
        'push_audit',
        'stores',
        'devices',
      ])
        expect(write).toMatch(new RegExp(`(insert into|update) ${table}\\b`));
    } finally {
      await counted.close?.();
    }
  });

  describe('audit', () => {
    let store: TestStore;
    let other: TestStore;
    const clientId = randomUUID();

    beforeAll(async () => {
      store = await signupStore(app, 'Audited');
      other = await signupStore(app, 'Neighbour');
      const log = new MutationLog(store.deviceId);
      const res = await push(app, store, store.deviceId, [
        log.make('client.upsert', { id: clientId, firstName: 'Ana', lastName: 'Diaz' }),
        log.make('client.upsert', {
          id: clientId,
          firstName: 'Ana',
          lastName: 'Diaz',
          notes: 'Latex allergy',
        }),
        // Rejected: not audited as a change (it is in rejected_mutations).
        log.make('ticket.close', { ticketId: randomUUID() }),
      ]);
      expect(statuses(json<PushBody>(res))).toEqual(['applied', 'applied', 'TICKET_NOT_FOUND']);
    });

    const auditOf = (as: TestStore, storeId: string) =>
      getDb().transaction({ storeId: as.storeId, organizationId: as.organizationId }, (sql) =>
        sql.query<{
          mutation_id: number;
          name: string;
          device_id: string;
          user_id: string;
          args: Record<string, unknown>;
          changes: { entity: string; id: string; before: unknown; after: unknown }[];
        }>(
          `select mutation_id, name, device_id, user_id, args, changes from mutation_audit
              where store_id = $1 order by mutation_id`,
          [storeId],
        ),
      );

    it('keeps one record per applied mutation: who, what, and each row before and after', async () => {
      const { rows } = await auditOf(store, store.storeId);
      expect(rows.map((r) => [r.mutation_id, r.name])).toEqual([
        [1, 'client.upsert'],
        [2, 'client.upsert'],
      ]);
      expect(rows[0]).toMatchObject({
        device_id: store.deviceId,
        user_id: store.session.user.id,
        args: { id: clientId, firstName: 'Ana' },
      });
      expect(rows[0]!.changes).toEqual([
        expect.objectContaining({ entity: 'client', id: clientId, before: null }),
      ]);
      const second = rows[1]!.changes[0]!;
      expect(second.before).toMatchObject({ firstName: 'Ana' });
      expect(second.before).not.toHaveProperty('notes');
      expect(second.after).toMatchObject({ notes: 'Latex allergy' });
      // Queryable by entity.
      const byEntity = await getDb().transaction({ storeId: store.storeId }, (sql) =>
        sql.query<{ n: number }>(
          `select count(*)::int as n from mutation_audit
            where store_id = $1 and changes @> jsonb_build_array(jsonb_build_object('entity', 'client', 'id', $2::text))`,
          [store.storeId, clientId],
        ),
      );
      expect(byEntity.rows[0]?.n).toBe(2);
    });

    it('the push writes no per-row audit; a write outside the push still gets one', async () => {
      const rowAudit = () =>
        getDb().ownerTransaction((sql) =>
          sql.query<{ n: number }>(
            `select count(*)::int as n from audit_log where table_name = 'clients' and row_id = $1`,
            [clientId],
          ),
        );
      expect((await rowAudit()).rows[0]?.n).toBe(0);
      await getDb().transaction({ storeId: store.storeId }, (sql) =>
        sql.query(`update clients set data = data || '{"notes": "by hand"}' where id = $1`, [
          clientId,
        ]),
      );
      expect((await rowAudit()).rows[0]?.n).toBe(1);
    });

    it('another store sees none of it, and the app can neither change nor delete it', async () => {
      expect((await auditOf(other, store.storeId)).rows).toEqual([]);
      for (const statement of [
        'delete from push_audit',
        `update push_audit set mutations = '[]'`,
      ]) {
        await expect(
          getDb().transaction({ storeId: store.storeId }, (sql) => sql.query(statement)),
        ).rejects.toThrow(/permission denied/);
      }
    });
  });
});
