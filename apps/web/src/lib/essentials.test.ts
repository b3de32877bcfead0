import { describe, expect, it } from 'vitest';
import { frontDeskEssentials, type EssentialsReader } from './essentials';

const reader = (has: { store?: boolean; staff?: number; service?: number }): EssentialsReader => ({
  get: async () => (has.store ? { id: 's' } : undefined),
  count: async (entity) =>
    entity === 'staff' ? (has.staff ?? 0) : entity === 'service' ? (has.service ?? 0) : 0,
});

describe('front desk essentials', () => {
  it('opens once the store, a staff member and a service are in, appointments or not', async () => {
    const ctx = { storeId: 's', hydrationDone: false };
    expect(await frontDeskEssentials(reader({}), ctx)).toBe(false);
    expect(await frontDeskEssentials(reader({ store: true, staff: 1 }), ctx)).toBe(false);
    expect(await frontDeskEssentials(reader({ store: true, service: 2 }), ctx)).toBe(false);
    expect(await frontDeskEssentials(reader({ staff: 1, service: 2 }), ctx)).toBe(false);
    expect(await frontDeskEssentials(reader({ store: true, staff: 1, service: 2 }), ctx)).toBe(
      true,
    );
  });

  it('always opens when the hydration is done (a store with no staff yet)', async () => {
    expect(await frontDeskEssentials(reader({}), { storeId: 's', hydrationDone: true })).toBe(true);
  });
});
