import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DomainError } from '@mango/domain/errors';
import type { EntityName } from '@mango/domain/entities';
import type { MutatorContext } from '@mango/domain/tx';
import { LocalStore, type ApplyMutation, type SnapshotRow } from './local-store';
import type { QuerySpec } from './packs';
import { FakeSyncServer, freshIdb, ownerActor, uid } from './test-support/fake-server';
import { heldServerState, shadowsAndTouched } from './test-support/held-state';

/**
 * Packed history (docs/SYNC.md "Packed history"): a device that stores the snapshot's history
 * parts many rows to a record answers every query exactly as one that stores a record per row —
 * after pulled changes, deletions, local mutations of packed rows, re-hydrations and retention.
 */

const STORE = uid(9300);
const DEVICE = uid(601);
const T = '2026-11-24T15:00:00.000Z';
const NOW = Date.parse(T);

const TICKETS = [1, 2, 3, 4, 5, 6, 7].map((n) => uid(100 + n));
const LINES = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => uid(200 + n));
const PAYMENTS = [1, 2, 3, 4].map((n) => uid(300 + n));
const CLIENTS = [uid(401), uid(402)];
const DRAWERS = [uid(501), uid(502)];
const IDS: Record<string, string[]> = { ticket: TICKETS, ticketLine: LINES, payment: PAYMENTS };
const ENTITIES = ['ticket', 'ticketLine', 'payment'] as const;
/** Inside and outside a 90-day retention window from NOW. */
const CLOSED_AT = ['2026-01-10T10:00:00.000Z', '2026-06-01T10:00:00.000Z', T, null];
const DATES = ['2026-01-10', '2026-06-01', '2026-11-24'];

type Row = Record<string, unknown> & { id: string };

/** A server-side or local row of `entity`, from a few small choices. */
function makeRow(entity: string, id: string, pick: number): Row {
  const p = (n: number, list: readonly unknown[]) => list[Math.floor(pick / n) % list.length];
  if (entity === 'ticket') {
    return {
      id,
      status: p(1, ['open', 'closed', 'voided', 'closed']),
      clientId: p(4, [...CLIENTS, null]),
      closedAt: p(12, CLOSED_AT),
      businessDate: p(48, DATES),
      openedAt: '2026-01-01T09:00:00.000Z',
      totalCents: pick % 997,
    };
  }
  if (entity === 'ticketLine') {
    return { id, ticketId: p(1, TICKETS), priceCents: pick % 991 };
  }
  return { id, ticketId: p(1, TICKETS), cashDrawerId: p(7, DRAWERS), amountCents: pick % 983 };
}

/** Mutators over these entities: reads by id and by query, writes, deletes, a refusal. */
const testApply: ApplyMutation = async (ctx: MutatorContext, name, raw) => {
  const a = raw as { e: EntityName; id: string; pick: number };
  const tx = ctx.tx;
  switch (name) {
    case 'r.set': {
      const before = (await tx.get(a.e, a.id)) as Row | undefined;
      await tx.put(a.e, { ...(before ?? {}), ...makeRow(a.e, a.id, a.pick) } as never);
      return;
    }
    case 'r.delete':
      if (!(await tx.get(a.e, a.id))) throw new DomainError('NOT_FOUND', 'missing');
      await tx.delete(a.e, a.id);
      return;
    case 't.refund': {
      // As a refund of an old ticket does: the ticket, its lines and payments by query.
      const ticket = (await tx.get('ticket', a.id)) as Row | undefined;
      if (!ticket || ticket['status'] !== 'closed') throw new DomainError('NOT_CLOSED', 'no');
      const lines = await tx.list('ticketLine', { where: { ticketId: a.id } });
      const paid = await tx.list('payment', { where: { ticketId: a.id } });
      const total = lines.length * 100 + paid.length;
      await tx.put('ticket', { ...ticket, totalCents: -total } as never);
      const first = paid[0];
      if (first) await tx.put('payment', { ...first, amountCents: -total } as never);
      return;
    }
    default:
      throw new DomainError('UNKNOWN_MUTATION', name);
  }
};

/** Every query the device's screens and mutators make on these entities, and more. */
const QUERIES: [string, QuerySpec][] = [
  ...ENTITIES.map((e): [string, QuerySpec] => [e, {}]),
  ...['open', 'closed', 'voided'].map((s): [string, QuerySpec] => [
    'ticket',
    { where: { status: s } },
  ]),
  ...[...CLIENTS, null].map((c): [string, QuerySpec] => ['ticket', { where: { clientId: c } }]),
  ['ticket', { where: { status: 'closed', clientId: CLIENTS[0] } }],
  ['ticket', { range: { field: 'closedAt', gte: '2026-03-01', lt: '2026-12-01' } }],
  ['ticket', { range: { field: 'closedAt', lt: '2026-08-01T00:00:00.000Z' } }],
  ['ticket', { where: { status: 'closed' }, range: { field: 'businessDate', gte: '2026-06-01' } }],
  ...DATES.map((d): [string, QuerySpec] => ['ticket', { where: { businessDate: d } }]),
  // Packs key these dates by month (PACK_MONTH_FIELDS): bounds and dates inside a month.
  ['ticket', { where: { businessDate: '2026-06-15' } }],
  [
    'ticket',
    {
      range: { field: 'closedAt', gte: '2026-06-01T09:00:00.000Z', lt: '2026-11-24T16:00:00.000Z' },
    },
  ],
  ['ticket', { range: { field: 'closedAt', gte: '2026-06-01T11:00:00.000Z' } }],
  ['ticket', { range: { field: 'businessDate', gte: '2026-06-01', lt: '2026-11-24' } }],
  ...TICKETS.map((t): [string, QuerySpec] => ['ticketLine', { where: { ticketId: t } }]),
  ...TICKETS.map((t): [string, QuerySpec] => ['payment', { where: { ticketId: t } }]),
  ...DRAWERS.map((d): [string, QuerySpec] => ['payment', { where: { cashDrawerId: d } }]),
];

async function answers(device: LocalStore) {
  const out: unknown[] = [];
  for (const [e, q] of QUERIES) {
    out.push(await device.list(e as EntityName, q as never));
  }
  for (const e of ENTITIES) for (const id of IDS[e]!) out.push(await device.get(e, id));
  return out;
}

const entityArb = fc.constantFrom(...ENTITIES);
const rowOpArb = fc
  .record({ e: entityArb, k: fc.nat({ max: 7 }), pick: fc.nat({ max: 10_000 }) })
  .map(({ e, k, pick }) => ({ e, id: IDS[e]![k % IDS[e]!.length]!, pick }));
const stepArb = fc.oneof(
  { arbitrary: rowOpArb.map((o) => ({ kind: 'server' as const, del: false, ...o })), weight: 3 },
  { arbitrary: rowOpArb.map((o) => ({ kind: 'server' as const, del: true, ...o })), weight: 1 },
  {
    arbitrary: fc
      .record({ op: rowOpArb, name: fc.constantFrom('r.set', 'r.delete', 't.refund') })
      .map(({ op, name }) => ({
        kind: 'mutate' as const,
        name,
        ...op,
        id: name === 't.refund' ? TICKETS[op.pick % TICKETS.length]! : op.id,
      })),
    weight: 3,
  },
  { arbitrary: fc.nat({ max: 4 }).map((n) => ({ kind: 'push' as const, n })), weight: 2 },
  {
    arbitrary: fc.integer({ min: 1, max: 5 }).map((limit) => ({ kind: 'pull' as const, limit })),
    weight: 3,
  },
  {
    arbitrary: fc
      .record({ batch: fc.integer({ min: 1, max: 6 }), again: fc.nat({ max: 3 }) })
      .map((s) => ({ kind: 'snapshot' as const, ...s })),
    weight: 2,
  },
  { arbitrary: fc.constant({ kind: 'retention' as const }), weight: 1 },
);

/** One device: a server of its own (both get the same writes) and its local store. */
async function twin(packRows: number | null) {
  const server = new FakeSyncServer(STORE, testApply);
  const device = new LocalStore(
    STORE,
    testApply,
    freshIdb(),
    packRows === null ? {} : { packRows },
  );
  await device.open();
  await device.beginHydration();
  return { server, device, packed: packRows !== null };
}
type Twin = Awaited<ReturnType<typeof twin>>;

type Step = typeof stepArb extends fc.Arbitrary<infer S> ? S : never;

async function run(t: Twin, step: Step): Promise<unknown> {
  const { server, device } = t;
  switch (step.kind) {
    case 'server':
      await server.write(async (db) => {
        if (step.del) await db.delete(step.e, step.id);
        else await db.put(step.e, makeRow(step.e, step.id, step.pick) as never);
      });
      return null;
    case 'mutate':
      return device
        .enqueue({
          name: step.name,
          args: { e: step.e, id: step.id, pick: step.pick },
          actor: ownerActor(DEVICE),
          clientTime: T,
        })
        .catch((e: unknown) => {
          if (!(e instanceof DomainError)) throw e;
          return e.code;
        });
    case 'push': {
      const acked = (await device.readMeta()).ackedMutationId;
      const toPush = (await device.outbox())
        .filter((m) => m.id > acked)
        .slice(0, step.n)
        .map(({ id, name, args, clientTime }) => ({ id, name, args, clientTime }));
      if (toPush.length > 0) await device.recordPush(await server.push(DEVICE, toPush), T);
      return toPush.length;
    }
    case 'pull': {
      const meta = await device.readMeta();
      const page = await server.pull(DEVICE, meta.cursor, step.limit);
      if (meta.cursor === 0) page.changes = page.changes.filter((c) => !c.deleted);
      const r = await device.applyPullPage(page, T);
      return { hasMore: page.hasMore, rebase: r.rebase };
    }
    case 'snapshot': {
      // A re-hydration by snapshot: rows in id order per entity (as the server's parts), the
      // history marked packed for the packing twin, in batches; `again` rows sent twice (a
      // resumed chunk).
      await device.beginHydration();
      const rows: SnapshotRow[] = server
        .changesAfter(0)
        .filter((c) => c.data !== null)
        .map((c) => ({ entity: c.entity, id: c.id, version: c.version, data: c.data! }))
        .sort((a, b) => (a.entity + a.id < b.entity + b.id ? -1 : 1))
        .map((r) => (t.packed ? { ...r, packed: true } : r));
      const cursor = server.db.version;
      const lastMutationId = server.lastMutationIds.get(DEVICE) ?? 0;
      let sent = 0;
      for (let i = 0; i < rows.length; i += step.batch) {
        const from = Math.max(0, i - (i > 0 ? step.again : 0));
        const batch = rows.slice(from, i + step.batch);
        sent += batch.length;
        const progress = {
          resume: null,
          cursor,
          epoch: server.epoch,
          rows: sent,
          total: rows.length,
          essentials: true,
        };
        await device.applySnapshotBatch(batch, progress, lastMutationId);
      }
      await device.finishSnapshot(cursor, server.epoch);
      return rows.length;
    }
    case 'retention':
      return device.runRetention(NOW, 90, { chunkSize: 2, pause: async () => {} });
  }
}

describe('packed history', () => {
  it('a store with packed rows answers every query as one without, through pulls, deletes, local mutations of packed rows, re-hydrations and retention', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 4 }),
        // Most rows exist before the first sync: it packs them, the steps then change them.
        fc.array(fc.option(fc.nat({ max: 10_000 }), { freq: 5 }), { minLength: 19, maxLength: 19 }),
        fc.array(stepArb, { minLength: 1, maxLength: 25, size: 'max' }),
        async (packRows, seed, steps) => {
          const plain = await twin(null);
          const packed = await twin(packRows);
          const ids = ENTITIES.flatMap((e) => IDS[e]!.map((id) => ({ e, id })));
          const fill = ids.flatMap(({ e, id }, i) => {
            const pick = seed[i];
            return pick === null || pick === undefined
              ? []
              : [{ kind: 'server' as const, del: false, e, id, pick }];
          });
          const first: Step = { kind: 'snapshot', batch: 3, again: 1 };
          const all = [...fill, first, { kind: 'pull' as const, limit: 1000 }, ...steps];
          for (const step of [...all, { kind: 'pull' as const, limit: 1000 }]) {
            expect(await run(packed, step)).toEqual(await run(plain, step));
            expect(await answers(packed.device)).toEqual(await answers(plain.device));
            for (const e of ENTITIES) {
              // throws if a key is in two places or packs overlap (held-state.ts)
              expect(await heldServerState(packed.device.db, e)).toEqual(
                await heldServerState(plain.device.db, e),
              );
            }
            const { shadows, touched } = await shadowsAndTouched(packed.device.db);
            expect(shadows).toEqual(touched);
          }
          plain.device.close();
          packed.device.close();
        },
      ),
      { numRuns: 30 },
    );
  }, 300_000);

  it('packs the history a snapshot marks, and a local change to a packed row unpacks it', async () => {
    const t = await twin(2);
    await t.server.write(async (db) => {
      for (const [i, id] of TICKETS.entries())
        await db.put('ticket', makeRow('ticket', id, i) as never);
    });
    await run(t, { kind: 'snapshot', batch: 10, again: 0 });
    await run(t, { kind: 'pull', limit: 100 });
    expect(await t.device.db.view.count()).toBe(0);
    expect(await t.device.db.pack.count()).toBe(4); // 7 tickets, 2 a pack
    const id = TICKETS[2]!;
    await t.device.enqueue({
      name: 'r.set',
      args: { e: 'ticket', id, pick: 1 },
      actor: ownerActor(DEVICE),
      clientTime: T,
    });
    expect(await t.device.db.view.get(['ticket', id])).toMatchObject({ d: { status: 'closed' } });
    const packedIds = (await t.device.db.pack.toArray()).flatMap((p) => p.rows.map((r) => r.id));
    expect(packedIds).not.toContain(id);
    expect(await t.device.db.shadow.get(['ticket', id])).toMatchObject({
      d: makeRow('ticket', id, 2),
    });
    expect(await t.device.get('ticket', id)).toMatchObject({ status: 'closed', totalCents: 1 });
    t.device.close();
  });
});
