import { describe, expect, it } from 'vitest';
import { apply, baseStore, ids, must, seededStore, STORE_ID, uid } from '../test-support/fixtures';
import { createMemoryStore } from '../memory-store';
import type { StoreRow } from '../entities';

describe('client.upsert / client.delete', () => {
  it('creates, then changes only the fields sent', async () => {
    const store = await seededStore();
    const id = uid(100);
    await must(store, 'client.upsert', {
      id,
      firstName: 'Sam',
      lastName: 'Ng',
      phone: '555',
      email: 'sam@example.com',
    });
    await must(store, 'client.upsert', {
      id,
      firstName: 'Samuel',
      lastName: 'Ng',
      notes: 'likes red',
    });
    expect(await store.get('client', id)).toEqual({
      id,
      firstName: 'Samuel',
      lastName: 'Ng',
      phone: '555',
      email: 'sam@example.com',
      notes: 'likes red',
    });
    await must(store, 'client.upsert', { id, firstName: 'Samuel', lastName: 'Ng', phone: null });
    expect((await store.get('client', id))?.phone).toBeNull();
  });

  it('validates email and lengths', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'client.upsert', {
        id: uid(100),
        firstName: 'A',
        lastName: 'B',
        email: 'nope',
      }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(
      await apply(store, 'client.upsert', {
        id: uid(100),
        firstName: 'x'.repeat(121),
        lastName: 'B',
      }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
  });

  it('deletes with a tombstone; deleting again is harmless', async () => {
    const store = await seededStore();
    await must(store, 'client.delete', { id: ids.client });
    await must(store, 'client.delete', { id: ids.client });
    expect(await store.get('client', ids.client)).toBeUndefined();
    expect(store.snapshot().client?.[ids.client]?.deleted).toBe(true);
  });

  it('is for the front desk, not technicians', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'client.delete', { id: ids.client }, { role: 'technician' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });
});

describe('service.upsert / product.upsert', () => {
  it('manages the catalog with per-staff overrides', async () => {
    const store = await seededStore();
    const id = uid(101);
    await must(
      store,
      'service.upsert',
      {
        id,
        name: 'Gel',
        durationMin: 45,
        priceCents: 3500,
        taxable: true,
        category: 'Hands',
        staffOverrides: { [ids.ana]: { priceCents: 4000 } },
      },
      { role: 'manager' },
    );
    await must(
      store,
      'service.upsert',
      { id, name: 'Gel X', durationMin: 50, priceCents: 3600, taxable: false },
      { role: 'owner' },
    );
    expect(await store.get('service', id)).toMatchObject({
      name: 'Gel X',
      category: 'Hands',
      durationMin: 50,
      taxable: false,
      staffOverrides: { [ids.ana]: { priceCents: 4000 } },
    });
    expect(
      await apply(
        store,
        'service.upsert',
        { id, name: 'Gel', durationMin: 0, priceCents: 1, taxable: true },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'INVALID_ARGS' });
  });

  it('stores products with SKU and stock', async () => {
    const store = await seededStore();
    const id = uid(102);
    await must(
      store,
      'product.upsert',
      { id, name: 'Lotion', sku: 'LO-1', priceCents: 1500, taxable: true, stockCount: 12 },
      { role: 'manager' },
    );
    expect(await store.get('product', id)).toEqual({
      id,
      name: 'Lotion',
      sku: 'LO-1',
      priceCents: 1500,
      taxable: true,
      stockCount: 12,
    });
    expect(
      await apply(
        store,
        'product.upsert',
        { id, name: 'Lotion', priceCents: 1500, taxable: true, stockCount: 1 },
        { role: 'front_desk' },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });
});

describe('staff.upsert', () => {
  it('lets a manager manage staff but not owners', async () => {
    const store = await seededStore();
    const id = uid(103);
    await must(
      store,
      'staff.upsert',
      {
        id,
        displayName: 'Eve',
        role: 'technician',
        active: true,
        commissionBps: 4500,
        serviceIds: [ids.manicure],
      },
      { role: 'manager' },
    );
    expect(await store.get('staff', id)).toMatchObject({
      displayName: 'Eve',
      commissionBps: 4500,
      serviceIds: [ids.manicure],
    });
    expect(
      await apply(
        store,
        'staff.upsert',
        { id, displayName: 'Eve', role: 'owner', active: true },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect(
      await apply(
        store,
        'staff.upsert',
        { id: ids.owner, displayName: 'Olivia', role: 'manager', active: false },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    await must(
      store,
      'staff.upsert',
      { id, displayName: 'Eve', role: 'owner', active: true },
      { role: 'owner' },
    );
    expect(
      await apply(
        store,
        'staff.upsert',
        { id, displayName: 'Eve', role: 'technician', active: true },
        { role: 'technician' },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });
});

describe('staff working hours', () => {
  const week = [
    { weekday: 1, startMin: 9 * 60, endMin: 13 * 60 },
    { weekday: 1, startMin: 14 * 60, endMin: 18 * 60 },
    { weekday: 6, startMin: 10 * 60, endMin: 16 * 60 },
  ];
  const eve = { id: uid(104), displayName: 'Eve', role: 'technician', active: true } as const;

  it('keeps the schedule across other edits, and null clears it', async () => {
    const store = await seededStore();
    await must(store, 'staff.upsert', { ...eve, workingHours: week }, { role: 'manager' });
    await must(store, 'staff.upsert', { ...eve, commissionBps: 4000 }, { role: 'manager' });
    expect(await store.get('staff', eve.id)).toMatchObject({
      commissionBps: 4000,
      workingHours: week,
    });
    await must(store, 'staff.upsert', { ...eve, workingHours: null }, { role: 'manager' });
    expect((await store.get('staff', eve.id))?.workingHours).toBeNull();
  });

  it.each([
    ['ends before it starts', [{ weekday: 1, startMin: 600, endMin: 540 }]],
    ['is empty', [{ weekday: 1, startMin: 600, endMin: 600 }]],
    ['has no such weekday', [{ weekday: 7, startMin: 540, endMin: 600 }]],
    ['is off the 5-minute grid', [{ weekday: 1, startMin: 541, endMin: 600 }]],
    ['runs past midnight', [{ weekday: 1, startMin: 1200, endMin: 1445 }]],
    [
      'overlaps another shift that day',
      [
        { weekday: 2, startMin: 540, endMin: 720 },
        { weekday: 2, startMin: 700, endMin: 900 },
      ],
    ],
  ])('refuses a shift that %s, changing nothing', async (_why, workingHours) => {
    const store = await seededStore();
    await must(store, 'staff.upsert', { ...eve, workingHours: week }, { role: 'manager' });
    expect(
      await apply(store, 'staff.upsert', { ...eve, workingHours }, { role: 'manager' }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect((await store.get('staff', eve.id))?.workingHours).toEqual(week);
  });

  it('is set by managers only', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'staff.upsert', { ...eve, workingHours: week }, { role: 'front_desk' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });
});

describe('store.updateSettings', () => {
  it('changes only the settings sent', async () => {
    const store = await seededStore();
    await must(
      store,
      'store.updateSettings',
      { taxRatePpm: 88_750, timeZone: 'Europe/Paris', currency: 'EUR', strictBooking: true },
      { role: 'manager' },
    );
    expect(await store.get('store', STORE_ID)).toEqual({
      ...baseStore,
      taxRatePpm: 88_750,
      timeZone: 'Europe/Paris',
      currency: 'EUR',
      strictBooking: true,
    });
  });

  it('refuses unknown zones and currencies, and non-managers', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'store.updateSettings', { timeZone: 'Mars/Base' }, { role: 'owner' }),
    ).toMatchObject({ code: 'INVALID_SETTING' });
    expect(
      await apply(store, 'store.updateSettings', { currency: 'XYZ' }, { role: 'owner' }),
    ).toMatchObject({ code: 'INVALID_SETTING' });
    expect(
      await apply(store, 'store.updateSettings', { taxRatePpm: 1_000_001 }, { role: 'owner' }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(
      await apply(store, 'store.updateSettings', { taxRatePpm: 1 }, { role: 'front_desk' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });

  it('needs the store row', async () => {
    expect(
      await apply(
        createMemoryStore(),
        'store.updateSettings',
        { taxRatePpm: 1 },
        { role: 'owner' },
      ),
    ).toMatchObject({ code: 'STORE_NOT_FOUND' });
  });

  it('still takes the deprecated taxRateBps of older app versions, converted exactly', async () => {
    const store = await seededStore();
    await must(store, 'store.updateSettings', { taxRateBps: 887 }, { role: 'owner' });
    const row = await store.get('store', STORE_ID);
    expect(row).toEqual({ ...baseStore, taxRatePpm: 88_700 });
    expect(row).not.toHaveProperty('taxRateBps');
    expect(
      await apply(store, 'store.updateSettings', { taxRateBps: 10_001 }, { role: 'owner' }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(
      await apply(store, 'store.updateSettings', { taxRateBps: 2.5 }, { role: 'owner' }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
  });

  it('refuses both units at once, even when they agree', async () => {
    const store = await seededStore();
    expect(
      await apply(
        store,
        'store.updateSettings',
        { taxRatePpm: 82_500, taxRateBps: 825 },
        { role: 'owner' },
      ),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(await store.get('store', STORE_ID)).toEqual(baseStore);
  });

  it('rewrites a store row kept from an older app version in the new unit', async () => {
    const store = await seededStore();
    const { taxRatePpm: _ppm, ...legacy } = baseStore;
    await store.put('store', { ...legacy, taxRateBps: 825 } as unknown as StoreRow);
    await must(store, 'store.updateSettings', { name: 'Renamed' }, { role: 'owner' });
    const row = await store.get('store', STORE_ID);
    expect(row).toEqual({ ...baseStore, name: 'Renamed', taxRatePpm: 82_500 });
    expect(row).not.toHaveProperty('taxRateBps');
  });
});
