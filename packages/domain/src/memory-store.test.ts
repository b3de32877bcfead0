import { describe, expect, it } from 'vitest';
import { createMemoryStore } from './memory-store';
import { uid } from './test-support/fixtures';

const client = (n: number, extra: object = {}) => ({
  id: uid(n),
  firstName: `C${n}`,
  lastName: 'X',
  ...extra,
});

describe('memory store', () => {
  it('copies rows in and out', async () => {
    const store = createMemoryStore();
    const row = client(1);
    await store.put('client', row);
    row.firstName = 'changed';
    const read = await store.get('client', uid(1));
    expect(read?.firstName).toBe('C1');
    if (read) read.firstName = 'mutated';
    expect((await store.get('client', uid(1)))?.firstName).toBe('C1');
  });

  it('keeps tombstones that get and list do not see', async () => {
    const store = createMemoryStore();
    await store.put('client', client(1));
    await store.delete('client', uid(1));
    await store.delete('client', uid(1));
    await store.delete('client', uid(2));
    expect(await store.get('client', uid(1))).toBeUndefined();
    expect(await store.list('client')).toEqual([]);
    expect(store.rows('client')).toEqual([]);
    expect(store.snapshot().client?.[uid(1)]).toEqual({ version: 2, deleted: true, data: null });
    expect(store.version).toBe(2);
  });

  it('filters by where and a half-open range', async () => {
    const store = createMemoryStore();
    await store.put('client', client(1, { phone: '1' }));
    await store.put('client', client(2, { phone: '2' }));
    await store.put('client', client(3));
    expect((await store.list('client', { where: { phone: '2' } })).map((c) => c.id)).toEqual([
      uid(2),
    ]);
    expect(
      (await store.list('client', { range: { field: 'phone', gte: '1', lt: '2' } })).map(
        (c) => c.id,
      ),
    ).toEqual([uid(1)]);
    expect(
      (await store.list('client', { range: { field: 'phone', gte: '2' } })).map((c) => c.id),
    ).toEqual([uid(2)]);
    expect((await store.list('client', { where: { phone: null } })).map((c) => c.id)).toEqual([
      uid(3),
    ]);
  });

  it('can list in reverse to flush out order dependence', async () => {
    const store = createMemoryStore({ listOrder: 'reverse' });
    await store.put('client', client(1));
    await store.put('client', client(2));
    expect((await store.list('client')).map((c) => c.id)).toEqual([uid(2), uid(1)]);
    expect(store.rows('client').map((c) => c.id)).toEqual([uid(1), uid(2)]);
  });

  it('discards every write of a transaction that throws', async () => {
    const store = createMemoryStore();
    await store.put('client', client(1));
    await expect(
      store.transaction(async (tx) => {
        await tx.put('client', client(2));
        await tx.delete('client', uid(1));
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(store.rows('client').map((c) => c.id)).toEqual([uid(1)]);
    expect(store.version).toBe(1);
    expect(await store.transaction(async (tx) => (await tx.list('client')).length)).toBe(1);
  });
});
