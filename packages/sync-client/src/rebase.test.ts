import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { createMemoryStore } from '@mango/domain';
import { DomainError } from '@mango/domain/errors';
import type { ClientRow } from '@mango/domain/entities';
import type { MutatorContext } from '@mango/domain/tx';
import { LocalStore, type ApplyMutation } from './local-store';
import { FakeSyncServer, freshIdb, ownerActor, uid } from './test-support/fake-server';

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

describe('rebase', () => {
  it('view = server state with the pending mutations re-applied, after any pull', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(roundArb, { minLength: 1, maxLength: 3 }), async (rounds) => {
        const server = new FakeSyncServer(STORE, testApply);
        const device = new LocalStore(STORE, testApply, freshIdb());
        await device.open();
        await device.beginHydration();
        const serverOp = async (o: { op: string; id: string; s: string }) =>
          server.write(async (db) => {
            const row = await db.get('client', o.id);
            if (o.op === 'put')
              await db.put('client', { id: o.id, firstName: o.s, lastName: 'srv' });
            else if (o.op === 'delete') await db.delete('client', o.id);
            else if (row) await db.put('client', { ...row, lastName: row.lastName + o.s });
          });
        for (const round of rounds) {
          for (const o of round.serverBefore) await serverOp(o);
          for (const m of round.mutations) {
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
          const acked = (await device.readMeta()).ackedMutationId;
          const unsent = (await device.outbox()).filter((m) => m.id > acked);
          const toPush = unsent
            .slice(0, round.handled)
            .map(({ id, name, args, clientTime }) => ({ id, name, args, clientTime }));
          if (toPush.length > 0) await device.recordPush(await server.push(DEVICE, toPush), T);
          for (const o of round.serverAfter) await serverOp(o);
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
          // the server table is exactly the server's state
          const serverRows = (await device.db.server.toArray())
            .filter((r) => r.e === 'client')
            .map((r) => r.d);
          expect(serverRows.sort((a, b) => String(a['id']).localeCompare(String(b['id'])))).toEqual(
            server.db.rows('client'),
          );
        }
        device.close();
      }),
      { numRuns: 60 },
    );
  });

  it('keeps a pending mutation that the rebase now refuses (the server decides)', async () => {
    const server = new FakeSyncServer(STORE, testApply);
    const device = new LocalStore(STORE, testApply, freshIdb());
    await device.open();
    await device.beginHydration();
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
