import type { EntityName } from '@mango/domain/entities';

/** The reads the check needs (a `LocalStore`). */
export interface EssentialsReader {
  get(entity: 'store', id: string): Promise<unknown>;
  count(entity: EntityName): Promise<number>;
}

/**
 * When the front desk may open during a hydration: the store row, a staff member and a service
 * are on the device. The engine's default also waits for an appointment today, which on a
 * walk-in salon (or with pages in version order) meant waiting for the whole history; the
 * appointments, open tickets and clients fill in live while the progress bar shows the rest
 * arriving (HydrationBar). A finished hydration always opens it.
 */
export async function frontDeskEssentials(
  store: EssentialsReader,
  ctx: { storeId: string; hydrationDone: boolean },
): Promise<boolean> {
  if (ctx.hydrationDone) return true;
  if (!(await store.get('store', ctx.storeId))) return false;
  return (await store.count('staff')) > 0 && (await store.count('service')) > 0;
}
