import type { ServiceRow, StaffRow, StoreRow } from '@mango/domain/entities';
import type { MemoryStore } from '@mango/domain';
import { uid } from './fake-server';

export const STORE_ID = uid(9000);

export const storeRow: StoreRow = {
  id: STORE_ID,
  organizationId: uid(9001),
  name: 'Mango Nails',
  currency: 'USD',
  taxRatePpm: 82_500,
  timeZone: 'America/New_York',
  plan: 'pro',
  fullTurnThresholdCents: 2500,
  offlineCardMaxPerPaymentCents: 20_000,
  offlineCardMaxPerDeviceCents: 100_000,
};

export const ana: StaffRow = { id: uid(11), displayName: 'Ana', role: 'technician', active: true };
export const manicure: ServiceRow = {
  id: uid(21),
  name: 'Manicure',
  durationMin: 30,
  priceCents: 2500,
  taxable: true,
};

/** Store, one technician, one service. */
export async function seed(db: MemoryStore): Promise<void> {
  await db.put('store', storeRow);
  await db.put('staff', ana);
  await db.put('service', manicure);
}
