import type { Role, ServiceRow, StaffRow, StoreRow } from '../entities';
import { isDomainError } from '../errors';
import { createMemoryStore, type MemoryStore, type MemoryStoreOptions } from '../memory-store';
import { applyMutation } from '../mutators/registry';
import type { Actor, MutatorContext } from '../tx';

/** A valid v4-shaped UUID from a small number, so tests read `uid(7)` instead of noise. */
export function uid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export const STORE_ID = uid(9000);
export const NOW = '2026-11-24T15:00:00.000Z';

export const ids = {
  owner: uid(1),
  manager: uid(2),
  desk: uid(3),
  ana: uid(11),
  ben: uid(12),
  cleo: uid(13),
  manicure: uid(21),
  pedicure: uid(22),
  polishChange: uid(23),
  polish: uid(31),
  client: uid(41),
};

export const baseStore: StoreRow = {
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

export function staffRow(
  id: string,
  displayName: string,
  role: Role,
  extra: Partial<StaffRow> = {},
) {
  return { id, displayName, role, active: true, ...extra } satisfies StaffRow;
}

export const manicure: ServiceRow = {
  id: ids.manicure,
  name: 'Manicure',
  category: 'Hands',
  durationMin: 30,
  priceCents: 2500,
  taxable: true,
  staffOverrides: { [ids.ben]: { priceCents: 3000, durationMin: 45 } },
};
export const pedicure: ServiceRow = {
  id: ids.pedicure,
  name: 'Pedicure',
  durationMin: 60,
  priceCents: 4000,
  taxable: true,
};
export const polishChange: ServiceRow = {
  id: ids.polishChange,
  name: 'Polish change',
  durationMin: 15,
  priceCents: 1200,
  taxable: false,
};

/** A store with staff of every role, three services, a product and a client. */
export async function seededStore(options: MemoryStoreOptions = {}): Promise<MemoryStore> {
  const store = createMemoryStore(options);
  await store.put('store', baseStore);
  await store.put('staff', staffRow(ids.owner, 'Olivia Owner', 'owner'));
  await store.put('staff', staffRow(ids.manager, 'Max Manager', 'manager'));
  await store.put('staff', staffRow(ids.desk, 'Dana Desk', 'front_desk'));
  await store.put('staff', staffRow(ids.ana, 'Ana', 'technician', { commissionBps: 4000 }));
  await store.put('staff', staffRow(ids.ben, 'Ben', 'technician'));
  await store.put(
    'staff',
    staffRow(ids.cleo, 'Cleo', 'technician', { serviceIds: [ids.pedicure] }),
  );
  await store.put('service', manicure);
  await store.put('service', pedicure);
  await store.put('service', polishChange);
  await store.put('product', {
    id: ids.polish,
    name: 'Top coat',
    sku: 'TC-1',
    priceCents: 1000,
    taxable: true,
    stockCount: 5,
  });
  await store.put('client', { id: ids.client, firstName: 'Kim', lastName: 'Lee' });
  return store;
}

const STAFF_FOR_ROLE: Record<Role, string> = {
  owner: ids.owner,
  manager: ids.manager,
  front_desk: ids.desk,
  technician: ids.ana,
};

export interface Acting {
  role?: Role;
  staffId?: string | null;
  approvedBy?: string | null;
  now?: string;
  /** The acting device's short code, as the server knows it (ticket numbers). */
  deviceCode?: string;
  deviceId?: string;
  /** The store's public booking page (Actor.online). */
  online?: boolean;
}

export function context(store: MemoryStore, acting: Acting = {}): MutatorContext {
  const role = acting.role ?? 'front_desk';
  const actor: Actor = {
    userId: null,
    staffId: acting.staffId === undefined ? STAFF_FOR_ROLE[role] : acting.staffId,
    role,
    deviceId: acting.deviceId ?? uid(8000),
  };
  if (acting.approvedBy) actor.approvedBy = acting.approvedBy;
  if (acting.deviceCode) actor.deviceCode = acting.deviceCode;
  if (acting.online) actor.online = true;
  return { tx: store, storeId: STORE_ID, actor, now: acting.now ?? NOW };
}

export type Outcome = { ok: true } | { ok: false; code: string; message: string };

/** Applies a mutation the way the server does: in a transaction, rejections recorded, not thrown. */
export async function apply(
  store: MemoryStore,
  name: string,
  args: unknown,
  acting: Acting = {},
): Promise<Outcome> {
  try {
    await store.transaction((tx) => applyMutation({ ...context(store, acting), tx }, name, args));
    return { ok: true };
  } catch (error) {
    if (isDomainError(error)) return { ok: false, code: error.code, message: error.message };
    throw error;
  }
}

/** Applies and fails the test with the rejection's message if it was rejected. */
export async function must(
  store: MemoryStore,
  name: string,
  args: unknown,
  acting: Acting = {},
): Promise<void> {
  const outcome = await apply(store, name, args, acting);
  if (!outcome.ok) throw new Error(`${name} rejected: ${outcome.code} ${outcome.message}`);
}
