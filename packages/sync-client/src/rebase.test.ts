import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMemoryStore } from '@mango/domain';
import { DomainError } from '@mango/domain/errors';
import type { ClientRow } from '@mango/domain/entities';
import type { MutatorContext } from '@mango/domain/tx';
import { LocalStore, type ApplyMutation } from './local-store';
import { FakeSyncServer, freshIdb, ownerActor, uid } from './test-support/fake-server';
import { heldServerState, shadowsAndTouched } from './test-support/held-state';

const STORE = uid(9100);
const DEVICE = uid(501);
const IDS = [1, 2, 3, 4, 5].map((n) => uid(n));
const T = '2026-11-24T15:00:00.000Z';

/** Small mutators with the same shape as the domain's: reads, conditional writes, rejections. */
const testApply: ApplyMutation = async (ctx: MutatorContext, name, raw) => {
  const args = raw as { id: string; s?: string };
  const existing = await ctx.tx.get('client', args.id);
  switch (name) {
    case 'c.set':
      await ctx.tx.put('client', {
        ...(existing ?? { id: args.id, firstName: 'n', lastName: '' }),
        phone: args.s ?? null,
      });
      return;
    case 'c.append':
      if (!existing) throw new DomainError('CLIENT_NOT_FOUND', 'missing');
      await ctx.tx.put('client', { ...existing, lastName: existing.lastName + (args.s ?? '') });
      return;
    case 'c.remove':
      if (!existing) throw new DomainError('CLIENT_NOT_FOUND', 'missing');
      await ctx.tx.delete('client', args.id);
      return;
    case 'c.touchTwo': {
      // writes two rows, and rejects after the first write when the second is missing
      await ctx.tx.put('client', {
        ...(existing ?? { id: args.id, firstName: 'n', lastName: '' }),
        firstName: 'two',
      });
      const other = IDS[(IDS.indexOf(args.id) + 1) % IDS.length] as string;
      const o = await ctx.tx.get('client', other);
      if (!o) throw new DomainError('CLIENT_NOT_FOUND', 'missing other');
      await ctx.tx.put('client', { ...o, firstName: 'two' });
      return;
    }
    default:
      throw new DomainError('UNKNOWN_MUTATION', name);
  }
};

const idArb = fc.constantFrom(...IDS);
const strArb = fc.string({ minLength: 1, maxLength: 3 });
const mutationArb = fc.record({
  name: fc.constantFrom('c.set', 'c.append', 'c.remove', 'c.touchTwo'),
  id: idArb,
  s: strArb,
});
const serverOpArb = fc.record({
  op: fc.constantFrom('put', 'delete', 'append'),
  id: idArb,
  s: strArb,
});
const roundArb = fc.record({
  serverBefore: fc.array(serverOpArb, { maxLength: 6 }),
  mutations: fc.array(mutationArb, { maxLength: 8 }),
  /** How many of the pending mutations the server handles before the pull. */
  handled: fc.nat({ max: 10 }),
  serverAfter: fc.array(serverOpArb, { maxLength: 4 }),
  pageLimit: fc.integer({ min: 1, max: 6 }),
});

async function pullAll(server: FakeSyncServer, device: LocalStore, limit: number) {
  for (;;) {
    const meta = await device.readMeta();
    const page = await server.pull(DEVICE, meta.cursor, limit);
    await device.applyPullPage(page, T);
    if (!page.hasMore) return;
  }
}

/** A server and a device about to hydrate from it. */
async function freshPair() {
  const server = new FakeSyncServer(STORE, testApply);
  // Packs of two rows: packed rows are spread over several packs.
  const device = new LocalStore(STORE, testApply, freshIdb(), { packRows: 2 });
  await device.open();
  await device.beginHydration();
  return { server, device };
}

/** A server-side write by someone else: a new row, a deletion or an edit of an existing row. */
async function serverOp(server: FakeSyncServer, o: { op: string; id: string; s: string }) {
  await server.write(async (db) => {
    const row = await db.get('client', o.id);
    if (o.op === 'put') await db.put('client', { id: o.id, firstName: o.s, lastName: 'srv' });
    else if (o.op === 'delete') await db.delete('client', o.id);
    else if (row) await db.put('client', { ...row, lastName: row.lastName + o.s });
  });
}

/** A local mutation; one the domain refuses is not queued (as on a device). */
async function mutateLocally(device: LocalStore, m: { name: string; id: string; s: string }) {
  await device
    .enqueue({
      name: m.name,
      args: { id: m.id, s: m.s },
      actor: ownerActor(DEVICE),
      clientTime: T,
    })
    .catch((e: unknown) => {
      if (!(e instanceof DomainError)) throw e;
    });
}

describe('rebase', () => {
  it('view = server state with the pending mutations re-applied, after any pull', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 1, maxLength: 3 }), async (rounds) => {
        const { server, device } = await freshPair();
        for (const round of rounds) {
          for (const o of round.serverBefore) await serverOp(server, o);
          for (const m of round.mutations) await mutateLocally(device, m);
          const acked = (await device.readMeta()).ackedMutationId;
          const unsent = (await device.outbox()).filter((m) => m.id > acked);
          const toPush = unsent
            .slice(0, round.handled)
            .map(({ id, name, args, clientTime }) => ({ id, name, args, clientTime }));
          if (toPush.length > 0) await device.recordPush(await server.push(DEVICE, toPush), T);
          for (const o of round.serverAfter) await serverOp(server, o);
          await pullAll(server, device, round.pageLimit);

          // The model: the server's rows, then every pending mutation in id order, each all-or-nothing.
          const model = createMemoryStore();
          for (const row of server.db.rows('client')) await model.put('client', row);
          const last = server.lastMutationIds.get(DEVICE) ?? 0;
          const pending = await device.outbox();
          expect(pending.every((m) => m.id > last)).toBe(true);
          for (const m of pending) {
            await model
              .transaction((tx) =>
                testApply(
                  { tx, storeId: STORE, actor: ownerActor(DEVICE), now: m.clientTime },
                  m.name,
                  m.args,
                ),
              )
              .catch(() => {});
          }
          const view: ClientRow[] = await device.list('client');
          expect(view).toEqual(model.rows('client'));
          // the server state it holds (shadows, else view rows) is exactly the server's state
          expect(await heldServerState(device.db, 'client')).toEqual(server.db.rows('client'));
          const { shadows, touched } = await shadowsAndTouched(device.db);
          expect(shadows).toEqual(touched);
        }
        device.close();
      }),
      { numRuns: 60 },
    );
  });

  it('any interleaving of local mutations, pulls, acks and re-hydrations: view = held server state ⊕ pending, shadows = rows pending mutations touched', async () => {
    const stepArb = fc.oneof(
      { arbitrary: mutationArb.map((m) => ({ kind: 'mutate' as const, ...m })), weight: 3 },
      { arbitrary: serverOpArb.map((o) => ({ kind: 'server' as const, ...o })), weight: 3 },
      { arbitrary: fc.nat({ max: 4 }).map((n) => ({ kind: 'push' as const, n })), weight: 2 },
      {
        arbitrary: fc
          .integer({ min: 1, max: 4 })
          .map((limit) => ({ kind: 'pullPage' as const, limit })),
        weight: 3,
      },
      { arbitrary: fc.constant({ kind: 'rehydrate' as const }), weight: 1 },
      // A snapshot whose rows the server marked packed, or not (docs/SYNC.md "Packed history").
      {
        arbitrary: fc.boolean().map((packed) => ({ kind: 'snapshot' as const, packed })),
        weight: 1,
      },
    );
    await fc.assert(
      fc.asyncProperty(fc.array(stepArb, { minLength: 1, maxLength: 25 }), async (steps) => {
        const { server, device } = await freshPair();
        /** A pull has begun and its last page is not in: the view waits for the rebase. */
        let midPull = false;
        for (const step of [...steps, { kind: 'pullPage' as const, limit: 1000 }]) {
          switch (step.kind) {
            case 'mutate':
              await mutateLocally(device, step);
              break;
            case 'server':
              await serverOp(server, step);
              break;
            case 'push': {
              const acked = (await device.readMeta()).ackedMutationId;
              const toPush = (await device.outbox())
                .filter((m) => m.id > acked)
                .slice(0, step.n)
                .map(({ id, name, args, clientTime }) => ({ id, name, args, clientTime }));
              if (toPush.length > 0) await device.recordPush(await server.push(DEVICE, toPush), T);
              break;
            }
            case 'pullPage': {
              const meta = await device.readMeta();
              const page = await server.pull(DEVICE, meta.cursor, step.limit);
              // From 0 the server sends live rows only (its tombstones may be pruned): rows the
              // device holds that the hydration does not write go with its sweep.
              if (meta.cursor === 0) page.changes = page.changes.filter((c) => !c.deleted);
              await device.applyPullPage(page, T);
              midPull = page.hasMore;
              if (!page.hasMore) {
                // the last page: the device holds the server's state as of now
                expect(await heldServerState(device.db, 'client')).toEqual(
                  server.db.rows('client'),
                );
              }
              break;
            }
            case 'rehydrate':
              await device.beginHydration();
              midPull = true;
              break;
            case 'snapshot': {
              // a snapshot of the current state in one batch, then pulls finish the hydration
              await device.beginHydration();
              const rows = server
                .changesAfter(0)
                .filter((c) => c.data !== null)
                .map((c) => ({
                  entity: c.entity,
                  id: c.id,
                  version: c.version,
                  data: c.data!,
                  packed: step.packed,
                }));
              const cursor = server.db.version;
              const lastMutationId = server.lastMutationIds.get(DEVICE) ?? 0;
              const progress = {
                resume: null,
                cursor,
                epoch: server.epoch,
                rows: rows.length,
                total: rows.length,
                essentials: true,
              };
              const r = await device.applySnapshotBatch(rows, progress, lastMutationId);
              if (r.requeued === undefined) await device.finishSnapshot(cursor, server.epoch);
              midPull = true;
              break;
            }
          }
          const { shadows, touched } = await shadowsAndTouched(device.db);
          expect(shadows).toEqual(touched);
          if (midPull) continue;
          // view = the server state the device holds, with every pending mutation re-applied
          const model = createMemoryStore();
          for (const row of await heldServerState(device.db, 'client'))
            await model.put('client', row as unknown as ClientRow);
          for (const m of await device.outbox()) {
            if (m.touched.length === 0) continue; // refused or rejected: it wrote nothing
            await model.transaction((tx) =>
              testApply(
                { tx, storeId: STORE, actor: ownerActor(DEVICE), now: m.clientTime },
                m.name,
                m.args,
              ),
            );
          }
          expect(await device.list('client')).toEqual(model.rows('client'));
        }
        expect(await device.outboxCount()).toBe(
          (await device.outbox()).filter((m) => m.id > (server.lastMutationIds.get(DEVICE) ?? 0))
            .length,
        );
        device.close();
      }),
      { numRuns: 150 },
    );
  });

  it('a re-hydration sweeps the rows it did not write; a pending row whose server row is gone is re-run on its absence', async () => {
    const { server, device } = await freshPair();
    const [a, b] = IDS as [string, string];
    await server.write(async (db) => {
      await db.put('client', { id: a, firstName: 'a', lastName: '' });
      await db.put('client', { id: b, firstName: 'b', lastName: '' });
    });
    await pullAll(server, device, 10);
    await device.enqueue({
      name: 'c.set',
      args: { id: b, s: '555' },
      actor: ownerActor(DEVICE),
      clientTime: T,
    });
    expect(await device.db.shadow.get(['client', b])).toMatchObject({ d: { firstName: 'b' } });
    // Both rows go on the server; a hydration from 0 that never sees their tombstones.
    await server.write(async (db) => {
      await db.delete('client', a);
      await db.delete('client', b);
    });
    await device.beginHydration();
    const page = await server.pull(DEVICE, 0, 10);
    page.changes = page.changes.filter((c) => !c.deleted);
    await device.applyPullPage(page, T);
    expect(await device.get('client', a)).toBeUndefined();
    // the pending c.set re-ran on "absent": it creates the row again
    expect(await device.get('client', b)).toMatchObject({ firstName: 'n', phone: '555' });
    expect(await device.db.shadow.get(['client', b])).toMatchObject({ d: null });
  });

  it('keeps a pending mutation that the rebase now refuses (the server decides)', async () => {
    const { server, device } = await freshPair();
    await server.write(async (db) =>
      db.put('client', { id: IDS[0] as string, firstName: 'a', lastName: '' }),
    );
    await pullAll(server, device, 10);
    await device.enqueue({
      name: 'c.append',
      args: { id: IDS[0], s: '!' },
      actor: ownerActor(DEVICE),
      clientTime: T,
    });
    await server.write(async (db) => db.delete('client', IDS[0] as string));
    await pullAll(server, device, 10);
    const [m] = await device.outbox();
    expect(m).toMatchObject({ id: 1, localError: { code: 'CLIENT_NOT_FOUND' }, touched: [] });
    expect(await device.get('client', IDS[0] as string)).toBeUndefined();
    // the server's answer wins: it rejects, the pull drops it and the rejection needs attention
    await device.recordPush(
      await server.push(DEVICE, [{ id: 1, name: m!.name, args: m!.args, clientTime: T }]),
      T,
    );
    await pullAll(server, device, 10);
    expect(await device.outboxCount()).toBe(0);
    expect(await device.attention()).toMatchObject([
      { mutationId: 1, code: 'CLIENT_NOT_FOUND', name: 'c.append' },
    ]);
  });
});
