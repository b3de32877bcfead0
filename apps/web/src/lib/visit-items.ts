import { planVisit, serviceTermsFor } from '@mango/domain/appointments';
import type { ServiceRow } from '@mango/domain/entities';

/** One service of a visit as the booking dialog holds it. */
export interface VisitService {
  serviceId: string;
  staffId: string;
  /** Runs at the same time as the service before it (another technician). */
  together: boolean;
}

export interface VisitItem {
  id: string;
  serviceId: string;
  staffId: string;
  start?: string;
}

/**
 * appointment.bookVisit's items for the dialog's services: a service done together with the one
 * before it gets that one's start; the others get none, so the domain puts them after the ones
 * before (the same rule the mutator applies, computed once by planVisit for both).
 */
export function visitItems(
  start: string,
  rows: readonly VisitService[],
  services: readonly ServiceRow[],
  newId: () => string,
): { items: VisitItem[]; starts: string[] } {
  const items: VisitItem[] = [];
  const plan = () =>
    planVisit(
      start,
      items.map((item) => {
        const service = services.find((s) => s.id === item.serviceId);
        return {
          ...item,
          durationMin: service ? serviceTermsFor(service, item.staffId).durationMin : 0,
        };
      }),
    ).slots;
  for (const row of rows) {
    const item: VisitItem = { id: newId(), serviceId: row.serviceId, staffId: row.staffId };
    const previous = items.at(-1);
    if (previous && row.together && previous.staffId !== row.staffId) {
      item.start = plan().at(-1)?.start ?? start;
    }
    items.push(item);
  }
  return { items, starts: plan().map((slot) => slot.start) };
}
