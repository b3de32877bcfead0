/**
 * The compacted push audit (migration 0029, sync/audit-record.ts) on both engines: the reader
 * (`mutation_audit`, through `mango_audit_mutations`) gives back every record exactly as it was
 * before compaction — for random records, for records written before 0029, and for random pushes
 * through the app, whose images must chain (each before is the row's previous after; the last
 * after is the row as stored) as they did when every image was stored.
 */
import { randomUUID } from 'node:crypto';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import { auditRecords } from '../test-support/audit-records';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { compactAudit } from './audit-record';

type Row = Record<string, unknown>;
interface Change {
  entity: string;
  id: string;
  before: Row | null;
  after: Row | null;
}

const asJson = (value: unknown): unknown => JSON.parse(JSON.stringify(value));

describeEachEngine('compacted push audit', (getDb) => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
  });
  afterAll(async () => {
    await app.close();
  });

  const expand = async (stored: unknown) =>
    (
      await getDb().ownerTransaction((sql) =>
        sql.query<{ m: unknown }>('select mango_audit_mutations($1::jsonb) as m', [
          JSON.stringify(stored),
        ]),
      )
    ).rows[0]!.m;

  it('the reader gives back every image of random records exactly', async () => {
    await fc.assert(
      fc.asyncProperty(auditRecords, async (records) => {
        expect(await expand(compactAudit(records))).toEqual(asJson(records));
      }),
      { numRuns: 60 },
    );
  });

  it('records written before the compaction read back unchanged', async () => {
    const store = await signupStore(app, 'Old records');
    const id = randomUUID();
    const old = [
      {
        id: 1,
        name: 'client.upsert',
        args: { id, firstName: 'Ana' },
        clientTime: '2026-12-01T10:00:00.000Z',
        staffId: null,
        approvedBy: null,
        changes: [{ entity: 'client', id, before: null, after: { id, firstName: 'Ana' } }],
      },
      {
        id: 2,
        name: 'client.upsert',
        args: { id, firstName: 'Ana', notes: 'x' },
        clientTime: '2026-12-01T10:01:00.000Z',
        staffId: null,
        approvedBy: null,
        changes: [
          {
            entity: 'client',
            id,
            before: { id, firstName: 'Ana' },
            after: { id, firstName: 'Ana', notes: 'x' },
          },
        ],
      },
      { id: 3, name: 'store.noop' },
    ];
    expect(await expand(old)).toEqual(old);
    await getDb().ownerTransaction((sql) =>
      sql.query(
        `insert into push_audit (store_id, organization_id, user_id, device_id,
                                 first_mutation_id, last_mutation_id, mutations)
         values ($1, $2, $3, $4, 1, 3, $5::jsonb)`,
        [
          store.storeId,
          store.organizationId,
          store.session.user.id,
          store.deviceId,
          JSON.stringify(old),
        ],
      ),
    );
    const { rows } = await getDb().transaction({ storeId: store.storeId }, (sql) =>
      sql.query<{ mutation_id: number; args: unknown; changes: unknown }>(
        `select mutation_id, args, changes from mutation_audit where store_id = $1
          order by mutation_id`,
        [store.storeId],
      ),
    );
    expect(rows).toEqual([
      { mutation_id: 1, args: old[0]!.args, changes: old[0]!.changes },
      { mutation_id: 2, args: old[1]!.args, changes: old[1]!.changes },
      { mutation_id: 3, args: null, changes: null },
    ]);
  });

  /** A client upsert or delete of one of three clients, or a ticket's (opened, its client set). */
  const step = fc.oneof(
    fc.record({
      kind: fc.constant('upsert' as const),
      client: fc.integer({ min: 0, max: 2 }),
      lastName: fc.constantFrom('Diaz', 'Ng'),
      notes: fc.option(fc.constantFrom('Latex allergy', 'Prefers Linh')),
    }),
    fc.record({ kind: fc.constant('delete' as const), client: fc.integer({ min: 0, max: 2 }) }),
    fc.record({
      kind: fc.constant('ticket' as const),
      client: fc.option(fc.integer({ min: 0, max: 2 })),
    }),
  );

  it('random pushes: every image chains as when each was stored, and repeats are left out', async () => {
    // One store for every run (sign-ups are rate limited): each run has its own rows.
    const store: TestStore = await signupStore(app, 'Audited pushes');
    const log = new MutationLog(store.deviceId);
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.array(step, { minLength: 1, maxLength: 8 }), { minLength: 1, maxLength: 3 }),
        async (pushes) => {
          let first = 0;
          const clients = [randomUUID(), randomUUID(), randomUUID()];
          const ticketId = randomUUID();
          let opened = false;
          const deleted = new Set<number>();
          const expected: { name: string; args: Row }[] = [];
          for (const steps of pushes) {
            // A deleted client is not written again: re-creating a tombstone makes the insert
            // fail and the push retry one mutation at a time, audited by the row triggers
            // (audit_log), not in push_audit.
            const mutations = steps.flatMap((s) => {
              if (s.kind === 'upsert') {
                if (deleted.has(s.client)) return [];
                const args: Row = { id: clients[s.client], firstName: 'Ana', lastName: s.lastName };
                if (s.notes !== null) args.notes = s.notes;
                return [log.make('client.upsert', args)];
              }
              if (s.kind === 'delete') {
                deleted.add(s.client);
                return [log.make('client.delete', { id: clients[s.client] })];
              }
              if (!opened) {
                opened = true;
                return [log.make('ticket.open', { id: ticketId })];
              }
              return [
                log.make('ticket.setClient', {
                  ticketId,
                  clientId: s.client === null ? null : clients[s.client],
                }),
              ];
            });
            if (mutations.length === 0) continue;
            first ||= mutations[0]!.id;
            const res = await push(app, store, store.deviceId, mutations);
            const body = json<{ results: { status: string }[] }>(res);
            body.results.forEach((r, i) => {
              if (r.status === 'applied') expected.push(mutations[i]!);
            });
          }
          const { stored, audit, rows } = await getDb().transaction(
            { storeId: store.storeId },
            async (sql) => ({
              stored: (
                await sql.query<{ mutations: { changes: Row[] }[] }>(
                  `select mutations from push_audit
                    where store_id = $1 and first_mutation_id >= $2`,
                  [store.storeId, first],
                )
              ).rows,
              audit: (
                await sql.query<{ name: string; args: Row; changes: Change[] }>(
                  `select name, args, changes from mutation_audit
                    where store_id = $1 and mutation_id >= $2 order by mutation_id`,
                  [store.storeId, first],
                )
              ).rows,
              rows: (
                await sql.query<{ id: string; data: Row | null }>(
                  `select id, case when deleted then null else data end as data from clients
                    where store_id = $1 and id = any($2::uuid[])
                   union all select id, data from tickets where store_id = $1 and id = $3`,
                  [store.storeId, clients, ticketId],
                )
              ).rows,
            }),
          );
          expect(audit.map((a) => [a.name, a.args])).toEqual(expected.map((m) => [m.name, m.args]));
          // The images as a full record had them: each before is the row's last after.
          const last = new Map<string, Row | null>();
          for (const change of audit.flatMap((a) => a.changes)) {
            expect(change.before).toEqual(last.get(change.id) ?? null);
            last.set(change.id, change.after);
          }
          for (const [id, after] of last)
            expect(after).toEqual(rows.find((r) => r.id === id)?.data ?? null);
          // What is stored leaves out a row's repeated before and an update's full after.
          for (const change of stored.flatMap((r) => r.mutations.flatMap((m) => m.changes))) {
            const { before, after } = change as { before?: Row | null; after?: Row | null };
            if (before && after) throw new Error('an update stored its whole after image');
          }
        },
      ),
      { numRuns: 12 },
    );
  });
});
