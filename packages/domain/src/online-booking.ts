import { z } from 'zod';
import { isActiveAppointment, serviceTermsFor } from './appointments';
import type {
  AppointmentRow,
  OnlineBookingSettings,
  ServiceRow,
  StaffRow,
  StoreRow,
} from './entities';
import { addDaysToYmd, businessDate, zonedWallTimeMs } from './time';
import { workingSpans } from './waitlist';

/**
 * Online booking: what the public page of a store offers and the rules a booking made there
 * keeps. Pure: the server reads the rows and the clock, this decides.
 */

export const SLUG_PATTERN = /^[a-z0-9](-?[a-z0-9])*$/;
export const MAX_HORIZON_DAYS = 365;
export const MAX_BUFFER_MIN = 120;
/** A week: a longer notice would hide every time a week-long horizon offers. */
export const MAX_MIN_NOTICE_MIN = 7 * 24 * 60;
/** Offered starts are on this grid of store-local minutes (9:00, 9:15, …). */
export const SLOT_STEP_MIN = 15;
/** Services or staff a store may list on its page: bounds the settings row and the page. */
export const MAX_OFFERED = 200;

export const bookingSlug = z.string().min(3).max(40).regex(SLUG_PATTERN, {
  message: 'a slug is 3–40 lowercase letters, digits and single dashes, like "nails-by-lee"',
});

/** THE rule for the settings; `satisfies` keeps it and the entity's interface the same shape. */
export const onlineBookingSettingsSchema = z.strictObject({
  enabled: z.boolean(),
  slug: bookingSlug,
  horizonDays: z.int().min(1).max(MAX_HORIZON_DAYS),
  minNoticeMin: z.int().min(0).max(MAX_MIN_NOTICE_MIN),
  bufferMin: z.int().min(0).max(MAX_BUFFER_MIN),
  serviceIds: z
    .array(z.uuid().transform((v) => v.toLowerCase()))
    .max(MAX_OFFERED)
    .refine((ids) => new Set(ids).size === ids.length, 'a service is listed once'),
  staffIds: z
    .array(z.uuid().transform((v) => v.toLowerCase()))
    .max(MAX_OFFERED)
    .refine((ids) => new Set(ids).size === ids.length, 'a staff member is listed once'),
}) satisfies z.ZodType<OnlineBookingSettings>;

/** The settings a store that turns online booking on starts from. */
export function defaultOnlineBooking(slug: string): OnlineBookingSettings {
  return {
    enabled: false,
    slug,
    horizonDays: 60,
    minNoticeMin: 120,
    bufferMin: 0,
    serviceIds: [],
    staffIds: [],
  };
}

/** The store's settings when its page is on, else null (off, or never set up). */
export function activeOnlineBooking(store: Pick<StoreRow, 'onlineBooking'>) {
  return store.onlineBooking?.enabled ? store.onlineBooking : null;
}

/** The active services the page offers. */
export function offeredServices(
  settings: OnlineBookingSettings,
  services: readonly ServiceRow[],
): ServiceRow[] {
  return services.filter(
    (s) =>
      s.active !== false &&
      (settings.serviceIds.length === 0 || settings.serviceIds.includes(s.id.toLowerCase())),
  );
}

/**
 * Whether a staff member takes clients (the book's columns, the page's technicians): active and
 * not front desk only. The desk's provider list and the booking page use this one rule.
 */
export function takesClients(s: Pick<StaffRow, 'active' | 'role'>): boolean {
  return s.active && s.role !== 'front_desk';
}

/**
 * The staff the page offers who may perform `serviceId` (all of them without one): those ticked
 * in the settings, or, with none ticked, everyone who takes clients.
 */
export function offeredStaff(
  settings: OnlineBookingSettings,
  staff: readonly StaffRow[],
  serviceId?: string,
): StaffRow[] {
  return staff
    .filter(
      (s) =>
        s.active &&
        (settings.staffIds.length === 0
          ? takesClients(s)
          : settings.staffIds.includes(s.id.toLowerCase())) &&
        (serviceId === undefined ||
          !s.serviceIds ||
          s.serviceIds.length === 0 ||
          s.serviceIds.includes(serviceId)),
    )
    .sort((a, b) => cmp(a.id, b.id));
}

/** Why a day cannot be booked at all (before today, beyond the horizon), or null. */
export function bookingDayProblem(
  date: string,
  settings: Pick<OnlineBookingSettings, 'horizonDays'>,
  nowIso: string,
  timeZone: string,
): 'PAST' | 'TOO_FAR_AHEAD' | null {
  const today = businessDate(nowIso, timeZone);
  if (date < today) return 'PAST';
  if (date > addDaysToYmd(today, settings.horizonDays)) return 'TOO_FAR_AHEAD';
  return null;
}

export interface AvailabilityInput {
  /** The store-local day, `YYYY-MM-DD`. */
  date: string;
  timeZone: string;
  now: string;
  settings: Pick<OnlineBookingSettings, 'horizonDays' | 'minNoticeMin' | 'bufferMin'>;
  service: ServiceRow;
  /** The staff to look at: one, or every offered one ("anyone"). */
  staff: readonly StaffRow[];
  /** The store's appointments around the day (any status: inactive ones are skipped). */
  appointments: readonly AppointmentRow[];
}

export interface FreeTime {
  /** ISO-8601 UTC. */
  start: string;
  /** Who could take it, ascending by id. */
  staffIds: string[];
}

interface Busy {
  startMs: number;
  endMs: number;
}

/** Whether [startMs, endMs) leaves `bufferMin` free around every busy interval. */
function clearOf(busy: readonly Busy[], startMs: number, endMs: number, bufferMs: number) {
  return busy.every((b) => endMs + bufferMs <= b.startMs || b.endMs + bufferMs <= startMs);
}

/**
 * The free start times of a day: for each staff member, the starts on the SLOT_STEP_MIN grid of
 * their working hours where the whole service (their own duration, if they have one) fits in one
 * shift and clear of their active appointments by the buffer on both sides; not before now plus
 * the minimum notice and not beyond the horizon. "Anyone" is the union, each time listing who
 * could take it. Computed in instants, so a daylight-saving day is neither short nor long.
 */
export function availableTimes(input: AvailabilityInput): FreeTime[] {
  const { date, timeZone, settings } = input;
  if (bookingDayProblem(date, settings, input.now, timeZone) !== null) return [];
  const earliestMs = Date.parse(input.now) + settings.minNoticeMin * 60_000;
  const bufferMs = settings.bufferMin * 60_000;
  const byStart = new Map<number, string[]>();
  for (const staff of input.staff) {
    const { durationMin } = serviceTermsFor(input.service, staff.id);
    const busy: Busy[] = input.appointments
      .filter((a) => a.staffId === staff.id && isActiveAppointment(a.status))
      .map((a) => ({ startMs: Date.parse(a.start), endMs: Date.parse(a.end) }));
    for (const span of workingSpans(staff, date)) {
      const spanEndMs = zonedWallTimeMs(date, span.endMin, timeZone);
      const first = Math.ceil(span.startMin / SLOT_STEP_MIN) * SLOT_STEP_MIN;
      for (let m = first; m + durationMin <= span.endMin; m += SLOT_STEP_MIN) {
        const startMs = zonedWallTimeMs(date, m, timeZone);
        const endMs = startMs + durationMin * 60_000;
        if (startMs < earliestMs || endMs > spanEndMs) continue;
        if (!clearOf(busy, startMs, endMs, bufferMs)) continue;
        const ids = byStart.get(startMs) ?? [];
        if (!ids.includes(staff.id)) ids.push(staff.id);
        byStart.set(startMs, ids);
      }
    }
  }
  return [...byStart.entries()]
    .sort((a, b) => a[0] - b[0])
    .map(([ms, ids]) => ({ start: new Date(ms).toISOString(), staffIds: ids.sort(cmp) }));
}

/**
 * Who takes a time booked for "anyone": the candidate with the fewest booked minutes that day
 * (spreading the work), then the lowest id, so every server picks the same person.
 */
export function pickStaff(
  candidates: readonly string[],
  appointments: readonly AppointmentRow[],
): string | undefined {
  const load = new Map<string, number>(candidates.map((id) => [id, 0]));
  for (const a of appointments) {
    if (!isActiveAppointment(a.status) || !load.has(a.staffId)) continue;
    load.set(a.staffId, (load.get(a.staffId) ?? 0) + a.durationMin);
  }
  return [...candidates].sort((a, b) => (load.get(a) ?? 0) - (load.get(b) ?? 0) || cmp(a, b))[0];
}

/**
 * Whether a client may still move or cancel a booking online: it is booked (not yet checked in,
 * done or cancelled) and starts no sooner than the minimum notice.
 */
export function canChangeOnline(
  appointment: Pick<AppointmentRow, 'status' | 'start'>,
  settings: Pick<OnlineBookingSettings, 'minNoticeMin'>,
  nowIso: string,
): boolean {
  return (
    appointment.status === 'booked' &&
    Date.parse(appointment.start) >= Date.parse(nowIso) + settings.minNoticeMin * 60_000
  );
}

/**
 * The store-local window whose appointments decide a day's times: the day itself plus the
 * longest service before it (one running past midnight) and the buffer on both sides.
 */
export function availabilityWindow(
  date: string,
  timeZone: string,
  bufferMin: number,
): { from: string; to: string } {
  const startMs = zonedWallTimeMs(date, 0, timeZone);
  const endMs = zonedWallTimeMs(addDaysToYmd(date, 1), 0, timeZone);
  return {
    from: new Date(startMs - (24 * 60 + bufferMin) * 60_000).toISOString(),
    to: new Date(endMs + bufferMin * 60_000).toISOString(),
  };
}

function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** What a client booked online is told when the salon changes the booking. */
export type BookingNotice = 'booking_changed' | 'booking_cancelled';

/**
 * The e-mail a client who booked online gets when the desk changes their appointment, or null:
 * a new time, person or service is a change; cancelling (or deleting) it is a cancellation; a
 * cancelled booking given back is a change (they are booked again). Check-ins, completions,
 * no-shows and notes tell them nothing, nor does anything about a visit already begun or past
 * (`nowIso`): it is no news to the client. A booking the desk made is not the client's to hear of.
 */
export function bookingNoticeOf(
  before: Pick<AppointmentRow, 'start' | 'staffId' | 'serviceId' | 'status' | 'source'> | null,
  after: Pick<AppointmentRow, 'start' | 'staffId' | 'serviceId' | 'status' | 'source'> | null,
  nowIso: string,
): BookingNotice | null {
  // A new row is the booking itself: its confirmation is the booking page's.
  if (!before || before.source !== 'online') return null;
  const now = Date.parse(nowIso);
  if (!after || after.status === 'cancelled') {
    // Only a booking still ahead: one checked in is at the desk, one cancelled already was.
    return before.status === 'booked' && Date.parse(before.start) > now
      ? 'booking_cancelled'
      : null;
  }
  if (after.status !== 'booked' || Date.parse(after.start) <= now) return null;
  const reinstated = before.status === 'cancelled' || before.status === 'no_show';
  const moved =
    after.start !== before.start ||
    after.staffId !== before.staffId ||
    after.serviceId !== before.serviceId;
  return reinstated || moved ? 'booking_changed' : null;
}
