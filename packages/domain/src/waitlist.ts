import { serviceTermsFor } from './appointments';
import type { ServiceRow, StaffRow, WaitlistEntryRow } from './entities';
import { addDaysToYmd } from './time';
import { weekdayOf } from './working-hours';

/** A client may name up to this many services for one visit. */
export const MAX_WAITLIST_SERVICES = 8;
/**
 * The longest span of days an entry may cover. A list of people who wanted "any time this year"
 * is a marketing list, not a waitlist; it also bounds what the desk scans for a freed slot.
 */
export const MAX_WAITLIST_DAYS = 92;
export const MAX_WAITLIST_NOTES = 500;

/** 'HH:MM' as minutes after midnight. The caller has checked the shape. */
export function hhmmMinutes(hhmm: string): number {
  return Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));
}

function daysBetween(fromYmd: string, toYmd: string): number {
  return Math.round(
    (Date.parse(`${toYmd}T00:00:00Z`) - Date.parse(`${fromYmd}T00:00:00Z`)) / 864e5,
  );
}

/**
 * What is wrong with an entry's dates and window, or null. One rule for the add schema (a coded
 * INVALID_ARGS) and for an update, whose fields are only known together after merging.
 */
export function waitlistRangeProblem(entry: {
  fromDate: string;
  toDate: string;
  windowStart?: string | null | undefined;
  windowEnd?: string | null | undefined;
}): string | null {
  if (entry.toDate < entry.fromDate) return 'toDate must not be before fromDate';
  if (daysBetween(entry.fromDate, entry.toDate) >= MAX_WAITLIST_DAYS) {
    return `an entry covers at most ${MAX_WAITLIST_DAYS} days`;
  }
  const hasStart = entry.windowStart != null;
  if (hasStart !== (entry.windowEnd != null)) {
    return 'a time window needs both windowStart and windowEnd';
  }
  if (hasStart && hhmmMinutes(entry.windowEnd!) <= hhmmMinutes(entry.windowStart!)) {
    return 'windowEnd must be after windowStart';
  }
  return null;
}

/** Whether the entry is still on the list on `today` (store-local): waiting, not past its dates. */
export function isWaitlistActive(entry: WaitlistEntryRow, today: string): boolean {
  return entry.status === 'waiting' && entry.toDate >= today;
}

/** The waiting entries of `today`, soonest to expire first (they have the least time left). */
export function activeWaitlist(
  entries: readonly WaitlistEntryRow[],
  today: string,
): WaitlistEntryRow[] {
  return entries
    .filter((e) => isWaitlistActive(e, today))
    .sort((a, b) => cmp(a.toDate, b.toDate) || cmp(a.createdAt, b.createdAt) || cmp(a.id, b.id));
}

/** A stretch of one technician's day that nobody is booked in (store-local minutes). */
export interface OpenSlot {
  staffId: string;
  date: string;
  startMin: number;
  endMin: number;
}

export interface WaitlistMatch {
  entry: WaitlistEntryRow;
  /** Where the visit would start in the slot (minutes after local midnight), and its length. */
  startMin: number;
  durationMin: number;
}

/** Minutes the entry's services take back to back with this technician; null if one is gone. */
export function waitlistVisitMinutes(
  entry: Pick<WaitlistEntryRow, 'serviceIds'>,
  staffId: string,
  services: readonly ServiceRow[],
): number | null {
  let total = 0;
  for (const serviceId of entry.serviceIds) {
    const service = services.find((s) => s.id === serviceId);
    if (!service || service.active === false) return null;
    total += serviceTermsFor(service, staffId).durationMin;
  }
  return total;
}

/**
 * Who on the waitlist fits a freed slot, best first. An entry fits when it is waiting, wants
 * this technician or anyone, the slot's date is in its range, and its services (with this
 * technician's durations) fit in the slot inside its time window, starting as early as both
 * allow. Clients who asked for this technician come first: the slot is the rarer chance for
 * them, while "anyone" can take another technician's gap. Then the longest waiting first.
 */
export function waitlistMatches(
  entries: readonly WaitlistEntryRow[],
  slot: OpenSlot,
  services: readonly ServiceRow[],
): WaitlistMatch[] {
  const matches: WaitlistMatch[] = [];
  for (const entry of entries) {
    if (entry.status !== 'waiting') continue;
    if (entry.staffId !== null && entry.staffId !== slot.staffId) continue;
    if (slot.date < entry.fromDate || slot.date > entry.toDate) continue;
    const durationMin = waitlistVisitMinutes(entry, slot.staffId, services);
    if (durationMin === null) continue;
    const from = entry.windowStart ? hhmmMinutes(entry.windowStart) : 0;
    const until = entry.windowEnd ? hhmmMinutes(entry.windowEnd) : 24 * 60;
    const startMin = Math.max(slot.startMin, from);
    if (startMin + durationMin > Math.min(slot.endMin, until)) continue;
    matches.push({ entry, startMin, durationMin });
  }
  return matches.sort(
    (a, b) =>
      Number(b.entry.staffId === slot.staffId) - Number(a.entry.staffId === slot.staffId) ||
      cmp(a.entry.createdAt, b.entry.createdAt) ||
      cmp(a.entry.id, b.entry.id),
  );
}

/**
 * A technician who keeps no schedule is taken as working the hours the appointment book shows by
 * default (8:00–20:00), so a salon that never set hours still sees its gaps.
 */
export const UNSCHEDULED_DAY: readonly { startMin: number; endMin: number }[] = [
  { startMin: 8 * 60, endMin: 20 * 60 },
];

/** The stretches a technician works on a date: their shifts that weekday, or the default day. */
export function workingSpans(
  staff: Pick<StaffRow, 'workingHours'>,
  date: string,
): readonly { startMin: number; endMin: number }[] {
  const shifts = staff.workingHours ?? [];
  if (shifts.length === 0) return UNSCHEDULED_DAY;
  return shifts.filter((s) => s.weekday === weekdayOf(date));
}

/**
 * The free stretches of one technician's day from `fromMin` on: the stretches they work
 * (workingSpans) minus the times booked. `busy` are booked intervals in local minutes, in any
 * order, overlapping or not (a double booking).
 */
export function freeSlots(
  staffId: string,
  date: string,
  working: readonly { startMin: number; endMin: number }[],
  busy: readonly { startMin: number; endMin: number }[],
  fromMin = 0,
): OpenSlot[] {
  const taken = [...busy].sort((a, b) => a.startMin - b.startMin);
  const slots: OpenSlot[] = [];
  for (const shift of [...working].sort((a, b) => a.startMin - b.startMin)) {
    let cursor = Math.max(shift.startMin, fromMin);
    for (const b of taken) {
      if (b.endMin <= cursor || b.startMin >= shift.endMin) continue;
      if (b.startMin > cursor) slots.push({ staffId, date, startMin: cursor, endMin: b.startMin });
      cursor = Math.max(cursor, b.endMin);
    }
    if (cursor < shift.endMin)
      slots.push({ staffId, date, startMin: cursor, endMin: shift.endMin });
  }
  return slots;
}

/**
 * What the desk can offer each entry in a day's free slots: the earliest slot (then the first
 * technician in `slots` order) it fits, with where it would start. Entries that fit nowhere are
 * absent. Within one slot several entries may fit: each is offered it, in waitlistMatches'
 * order, and booking one closes the slot for the others on the next render.
 */
export function waitlistOffers(
  entries: readonly WaitlistEntryRow[],
  slots: readonly OpenSlot[],
  services: readonly ServiceRow[],
): Map<string, WaitlistMatch & { staffId: string }> {
  const offers = new Map<string, WaitlistMatch & { staffId: string }>();
  const ordered = [...slots].sort((a, b) => a.startMin - b.startMin);
  for (const slot of ordered) {
    for (const match of waitlistMatches(entries, slot, services)) {
      if (!offers.has(match.entry.id))
        offers.set(match.entry.id, { ...match, staffId: slot.staffId });
    }
  }
  return offers;
}

/** The last day an entry starting `fromDate` may run to. */
export function lastWaitlistDay(fromDate: string): string {
  return addDaysToYmd(fromDate, MAX_WAITLIST_DAYS - 1);
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
