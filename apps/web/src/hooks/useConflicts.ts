import { ACTIVE_APPOINTMENT_STATUSES } from '@mango/domain/appointments';
import type { AppointmentRow } from '@mango/domain/entities';
import { localYmd, zonedToUtc } from '../lib/time';
import { useLive } from './useLive';

/**
 * Active appointments from today on that overlap another of the same staff member (the
 * `conflict` flag the mutators set: a desk booking made offline that met an online one when it
 * synced, or a double booking allowed outside strict mode), in time order. What the desk has
 * to resolve, by moving or cancelling one of them.
 */
export function useConflicts(timeZone: string): AppointmentRow[] {
  const from = zonedToUtc(localYmd(new Date(), timeZone), 0, timeZone);
  const rows = useLive(
    async (r) =>
      (
        await Promise.all(
          ACTIVE_APPOINTMENT_STATUSES.map((status) =>
            r.list('appointment', { where: { status }, range: { field: 'start', gte: from } }),
          ),
        )
      )
        .flat()
        .filter((a) => a.conflict)
        .sort((a, b) => a.start.localeCompare(b.start)),
    [from],
  );
  return rows ?? [];
}
