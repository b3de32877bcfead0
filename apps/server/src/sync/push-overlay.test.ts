import { createMemoryStore, type ClientRow, type MutatorTx } from '@mango/domain';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { countingLists } from '../test-support/counting-lists';
import { copy, PushOverlay } from './push-overlay';

const ids = ['00000000-0000-4000-8000-000000000001', '00000000-0000-4000-8000-000000000002'];
ids.push('00000000-0000-4000-8000-000000000003', '00000000-0000-4000-8000-000000000004');

const client = (id: string, phone: string | null, firstName = 'A'): ClientRow =>
  ({ id, firstName, lastName: 'B', phone }) as ClientRow;

type Op =
  | { kind: 'put'; id: string; phone: string | null; firstName: string }
  | { kind: 'delete'; id: string }
  | { kind: 'get'; id: string }
  | { kind: 'list'; phone: string | null | undefined };

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({
    kind: fc.constant('put' as const),
    id: fc.constantFrom(...ids),
    phone: fc.constantFrom('555', '777', null),
    firstName: fc.constantFrom('Ana', 'Bo', 'Cy'),
  }),
  fc.record({ kind: fc.constant('delete' as const), id: fc.constantFrom(...ids) }),
  fc.record({ kind: fc.constant('get' as const), id: fc.constantFrom(...ids) }),
  fc.record({
    kind: fc.constant('list' as const),
    phone: fc.constantFrom('555', '777', null, undefined),
  }),
);

/** Runs one op and returns what it read (reads are compared, in id order). */
async function run(tx: MutatorTx, o: Op): Promise<unknown> {
  switch (o.kind) {
    case 'put':
      return tx.put('client', client(o.id, o.phone, o.firstName));
    case 'delete':
      return tx.delete('client', o.id);
    case 'get':
      return (await tx.get('client', o.id)) ?? null;
    case 'list': {
      const query = o.phone === undefined ? undefined : { where: { phone: o.phone } };
      const rows = await tx.list('client', query);
      return rows.map((r) => r.id).sort();
    }
  }
}

async function seeded() {
  const store = createMemoryStore();
  await store.put('client', client(ids[0]!, '555'));
  await store.put('client', client(ids[1]!, null));
  return store;
}

describe('PushOverlay', () => {
  it('reads like the storage it stands for, across accepted and discarded mutations', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.record({ ops: fc.array(op, { maxLength: 6 }), rejected: fc.boolean() }), {
          maxLength: 8,
        }),
        async (mutations) => {
          const model = await seeded();
          const base = await seeded();
          const overlay = new PushOverlay(base);
          let version = 100;
          for (const m of mutations) {
            const seen: unknown[] = [];
            const expected: unknown[] = [];
            await model
              .transaction(async (tx) => {
                for (const o of m.ops) expected.push(await run(tx, o));
                if (m.rejected) throw new Error('rejected');
              })
              .catch(() => undefined);
            for (const o of m.ops) seen.push(await run(overlay.tx, o));
            expect(seen).toEqual(expected);
            if (m.rejected) overlay.discard();
            else overlay.accept(++version);
          }
          // What the push would write, applied to the untouched base, is the model's end state.
          for (const p of overlay.pending()) {
            if (p.row) await base.put(p.entity, p.row as never);
            else await base.delete(p.entity, p.id);
          }
          expect(base.rows('client')).toEqual(model.rows('client'));
        },
      ),
      { numRuns: 300 },
    );
  });

  it('hands out copies: changing a row read or written does not change what it holds', async () => {
    const overlay = new PushOverlay(await seeded());
    const row = client(ids[2]!, '555');
    await overlay.tx.put('client', row);
    row.firstName = 'Changed';
    const read = await overlay.tx.get('client', ids[2]!);
    expect(read?.firstName).toBe('A');
    read!.firstName = 'Changed too';
    expect(
      (await overlay.tx.list('client', { where: { phone: '555' } })).map((r) => r.firstName),
    ).toEqual(['A', 'A']);
  });

  it('keeps each entity’s rows apart: a list sees its entity only, unwritten too', async () => {
    const overlay = new PushOverlay(await seeded());
    await overlay.tx.put('client', client(ids[2]!, '555'));
    await overlay.tx.put('staff', { id: ids[3]!, phone: '555' } as never);
    overlay.accept(7);
    await overlay.tx.put('staff', { id: ids[2]!, phone: '555' } as never);
    expect((await overlay.tx.list('client', { where: { phone: '555' } })).map((r) => r.id)).toEqual(
      [ids[0], ids[2]],
    );
    expect(overlay.unwritten('client').map((u) => u.row?.id)).toEqual([ids[2]]);
    expect(overlay.unwritten('staff').map((u) => u.row?.id)).toEqual([ids[3], ids[2]]);
    overlay.discard();
    expect(overlay.unwritten('staff').map((u) => u.row?.id)).toEqual([ids[3]]);
  });

  it('records each row before and after the mutation, and what the database holds', async () => {
    const overlay = new PushOverlay(await seeded());
    await overlay.tx.put('client', client(ids[0]!, '777'));
    expect(overlay.accept(5)).toEqual([
      {
        entity: 'client',
        id: ids[0],
        before: client(ids[0]!, '555'),
        after: client(ids[0]!, '777'),
      },
    ]);
    await overlay.tx.delete('client', ids[0]!);
    expect(overlay.accept(6)).toEqual([
      { entity: 'client', id: ids[0], before: client(ids[0]!, '777'), after: null },
    ]);
    expect(overlay.pending()).toEqual([
      { entity: 'client', id: ids[0], row: null, version: 6, stored: client(ids[0]!, '555') },
    ]);
  });
});

describe('copy', () => {
  it('is a deep copy equal to structuredClone’s for JSON rows, sharing nothing', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.option(fc.constant(undefined)), (value, missing) => {
        const row = { value, missing, nested: [{ value }] };
        const copied = copy(row);
        expect(copied).toStrictEqual(structuredClone(row));
        if (typeof value === 'object' && value !== null) expect(copied.value).not.toBe(value);
        expect(copied.nested[0]).not.toBe(row.nested[0]);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps an own "__proto__" key a key, never the copy’s prototype', () => {
    const row = JSON.parse('{"id":"x","__proto__":{"polluted":true}}') as Record<string, unknown>;
    const copied = copy(row);
    expect(Object.getPrototypeOf(copied)).toBe(Object.prototype);
    expect((copied as { polluted?: unknown }).polluted).toBeUndefined();
    expect(Object.keys(copied)).toEqual(['id', '__proto__']);
    expect(Object.getOwnPropertyDescriptor(copied, '__proto__')?.value).toEqual({ polluted: true });
  });
});

describe('namedRows', () => {
  it('finds the rows a chunk names, by argument name and by the mutation’s entity', async () => {
    const { namedRows } = await import('./prefetch');
    const [t, l, s, c] = ids as [string, string, string, string];
    const named = namedRows([
      { name: 'ticket.open', args: { id: t.toUpperCase(), clientId: c } },
      { name: 'ticket.addLine', args: { ticketId: t, lineId: l, itemId: s, staffId: s } },
      { name: 'cashDrawer.payIn', args: { id: l, amountCents: 5 } },
      { name: 'store.updateSettings', args: { id: s, timeZone: 'UTC' } },
      { name: 'ticket.close', args: { ticketId: 'not-a-uuid', __proto__: { staffId: c } } },
    ]);
    expect(Object.fromEntries([...named].map(([e, set]) => [e, [...set].sort()]))).toEqual({
      ticket: [t],
      client: [c],
      ticketLine: [l],
      service: [s],
      product: [s],
      giftCard: [s],
      staff: [s],
      cashDrawer: [l],
    });
  });

  it('answers a list inside a read-ahead cover from it, with the push’s own writes, by time', async () => {
    const STAFF = ids[0]!;
    const appt = (id: string, start: string) => ({ id, staffId: STAFF, start }) as never;
    const counted = countingLists(createMemoryStore());
    const overlay = new PushOverlay(counted.tx);
    // What the database held: one at 10:00 written without milliseconds.
    overlay.seedCover(
      'appointment',
      { staffId: STAFF.toUpperCase() },
      { field: 'start', gte: '2027-03-10T00:00:00.000Z', lt: '2027-03-11T00:00:00.000Z' },
      [appt(ids[1]!, '2027-03-10T10:00:00Z'), appt(ids[2]!, '2027-03-10T12:00:00.000Z')],
    );
    await overlay.tx.put('appointment', appt(ids[3]!, '2027-03-10T11:00:00.000Z'));
    const list = (gte: string, lt: string) =>
      overlay.tx.list('appointment', {
        where: { staffId: STAFF },
        range: { field: 'start', gte, lt },
      });
    // 10:00:00 is before 10:00:00.500 and at 10:00:00.000, whatever its precision.
    expect(
      (await list('2027-03-10T10:00:00.500Z', '2027-03-10T23:00:00.000Z')).map((r) => r.id),
    ).toEqual([ids[3], ids[2]]);
    expect(
      (await list('2027-03-10T10:00:00.000Z', '2027-03-10T11:00:00.000Z')).map((r) => r.id),
    ).toEqual([ids[1]]);
    expect(counted.lists()).toBe(0);
    // Past the cover's end: read from the storage.
    await list('2027-03-10T10:00:00.000Z', '2027-03-11T00:00:00.001Z');
    expect(counted.lists()).toBe(1);
  });
});
