import { createHash, randomBytes } from 'node:crypto';
import {
  activeOnlineBooking,
  availabilityWindow,
  availableTimes,
  bookingDayProblem,
  businessDate,
  canChangeOnline,
  offeredServices,
  offeredStaff,
  pickStaff,
  serviceTermsFor,
  type AppointmentRow,
  type FreeTime,
  type OnlineBookingSettings,
  type ServiceRow,
  type StaffRow,
  type StoreRow,
} from '@mango/domain';
import type {
  AvailabilityQuery,
  BookingRequest,
  MoveBookingRequest,
  PublicBooking,
  PublicStore,
} from '@mango/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Cache } from '../cache/cache';
import type { Clock } from '../clock';
import type { Sql } from '../db/db';
import { createSqlMutatorTx } from '../db/entity-store';
import type { MessageKind } from '../messages/outbox';
import { enqueueBookingMessage, scheduleReminder, type VisitFacts } from './booking-messages';
import { HttpError } from '../http/errors';
import {
  createOnlineDevices,
  pushAsOnline,
  type OnlinePushDeps,
  type StoreRef,
} from './online-device';

export interface OnlineBookingDeps extends OnlinePushDeps {
  cache: Cache;
  clock: Clock;
  /** Where clients reach the server: the e-mails' links start with it (PUBLIC_URL). */
  publicUrl: string;
}

/** A refusal of the public API: status, code, message, and for SLOT_TAKEN the fresh times. */
export class BookingRefusal extends HttpError {
  constructor(
    statusCode: number,
    code: string,
    message: string,
    readonly times?: FreeTime[],
  ) {
    super(statusCode, code, message);
  }
}

/**
 * A rejected mutation of the booking page, as its answer: a rule of the store (409, said as it
 * is), or a defect of ours (MUTATION_FAILED, its reference in the message: 500). Each attempt of
 * the page pushes a new mutation, so the client may try again; a device's push instead records
 * the rejection and goes on (sync/push.ts).
 */
function refusalOf(error: { code: string; message: string }): BookingRefusal {
  const status = error.code === 'MUTATION_FAILED' ? 500 : 409;
  return new BookingRefusal(status, error.code, error.message);
}

const notFound = () =>
  new BookingRefusal(404, 'BOOKING_PAGE_NOT_FOUND', 'There is no booking page at this address.');

/** The page as read from the store (cached: invalidated by every push that writes these). */
interface Page {
  store: StoreRow;
  settings: OnlineBookingSettings;
  services: ServiceRow[];
  staff: StaffRow[];
}

/** Rows as the mutators see them; never written here (the version is never used). */
/** A page address's store: never bumped, the entry is dropped by the page check (pageOfSlug). */
const SLUG_KINDS = ['store'] as const;
/** What a day's appointments depend on: the book, and the settings (time zone, buffer). */
const DAY_KINDS = ['appointment', 'store'] as const;

const readOnly = (sql: Sql, storeId: string) => createSqlMutatorTx(sql, { storeId, version: 1 });

/** A uuid made from the parts: a retry of one booking names the same rows. */
export function derivedId(...parts: string[]): string {
  const h = createHash('sha256').update(parts.join('\u0000')).digest('hex');
  const variant = ((parseInt(h[16]!, 16) & 0x3) | 0x8).toString(16);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-${variant}${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

/** What a booking's record and confirmation need of its appointment. */
interface BookedAppointment {
  id: string;
  clientId: string;
  serviceId: string;
  staffId: string;
  start: string;
}

function newToken(): string {
  return randomBytes(32).toString('base64url');
}

const managePath = (page: { settings: OnlineBookingSettings }, token: string) =>
  `/book/${page.settings.slug}/manage/${token}`;

function tokenHash(token: string): Buffer {
  return createHash('sha256').update(token).digest();
}

/** "Kim Lee" → Kim / Lee; one word is a first name. */
function splitName(name: string): { firstName: string; lastName: string } {
  const [first = name, ...rest] = name.trim().split(/\s+/);
  return { firstName: first, lastName: rest.join(' ') };
}

export function createOnlineBookingService(deps: OnlineBookingDeps, log: FastifyBaseLogger) {
  const onlineDeviceOf = createOnlineDevices(deps.db);
  const now = () => deps.clock.now().toISOString();

  /** The store whose page `slug` is, from the database. */
  async function storeOfSlugInDb(slug: string): Promise<StoreRef | null> {
    const res = await deps.db.transaction(null, (sql) =>
      sql.query<{ store_id: string; organization_id: string }>(
        'select store_id, organization_id from online_booking_store($1)',
        [slug],
      ),
    );
    const row = res.rows[0];
    return row ? { storeId: row.store_id, organizationId: row.organization_id } : null;
  }

  /**
   * The store of a page address and its page. Every public request starts here, so the address is
   * cached too (its own scope, `slug:…`): the page it leads to is cached under the store's
   * generations and names its own slug, so an address that moved to another store (or was
   * dropped) is caught by the page itself — that entry is then dropped and the address read
   * again. A request for an unknown address reads the database (the per-IP limit bounds those).
   */
  async function pageOfSlug(slug: string): Promise<{ ref: StoreRef; page: Page }> {
    const scope = `slug:${slug.toLowerCase()}`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const ref = await deps.cache.getOrLoad(scope, SLUG_KINDS, 'store', () =>
        storeOfSlugInDb(slug),
      );
      if (!ref) throw notFound();
      const page = await loadPage(ref);
      if (page.settings.slug.toLowerCase() === slug.toLowerCase()) return { ref, page };
      await deps.cache.invalidate(scope, SLUG_KINDS);
    }
    throw notFound();
  }

  async function loadPage(ref: StoreRef): Promise<Page> {
    const page = await deps.cache.getOrLoad(
      ref.storeId,
      ['store', 'staff', 'service'],
      'online-booking-page',
      () =>
        deps.db.transaction(ref, async (sql) => {
          const tx = readOnly(sql, ref.storeId);
          const store = await tx.get('store', ref.storeId);
          return store
            ? { store, services: await tx.list('service'), staff: await tx.list('staff') }
            : null;
        }),
    );
    if (!page) throw notFound();
    const settings = activeOnlineBooking(page.store);
    if (!settings) {
      throw new BookingRefusal(
        404,
        'ONLINE_BOOKING_OFF',
        'This salon does not take online bookings right now.',
      );
    }
    return { ...page, settings };
  }

  function requireService(page: Page, serviceId: string): ServiceRow {
    const service = offeredServices(page.settings, page.services).find((s) => s.id === serviceId);
    if (!service) {
      throw new BookingRefusal(400, 'SERVICE_NOT_OFFERED', 'This service cannot be booked online.');
    }
    return service;
  }

  /** The staff a choice stands for: the one named (who must be offered and do it), or all. */
  function staffFor(page: Page, serviceId: string, choice: string): StaffRow[] {
    const offered = offeredStaff(page.settings, page.staff, serviceId);
    if (choice === 'anyone') return offered;
    const one = offered.filter((s) => s.id === choice);
    if (one.length === 0) {
      throw new BookingRefusal(
        400,
        'STAFF_NOT_OFFERED',
        'This person cannot be booked online for this service.',
      );
    }
    return one;
  }

  function requireBookableDay(page: Page, date: string): void {
    const problem = bookingDayProblem(date, page.settings, now(), page.store.timeZone);
    if (problem === 'PAST') {
      throw new BookingRefusal(400, 'DATE_IN_PAST', 'That day has passed.');
    }
    if (problem === 'TOO_FAR_AHEAD') {
      throw new BookingRefusal(
        400,
        'TOO_FAR_AHEAD',
        `This salon takes bookings up to ${page.settings.horizonDays} days ahead.`,
      );
    }
  }

  async function dayAppointments(ref: StoreRef, page: Page, date: string) {
    const window = availabilityWindow(date, page.store.timeZone, page.settings.bufferMin);
    return deps.db.transaction(ref, (sql) =>
      readOnly(sql, ref.storeId).list('appointment', {
        range: { field: 'start', gte: window.from, lt: window.to },
      }),
    );
  }

  /** The day's free times from the database, leaving out `except` (a booking being moved). */
  async function freshTimes(
    ref: StoreRef,
    page: Page,
    q: { serviceId: string; staffId: string; date: string },
    except?: string,
  ): Promise<{ times: FreeTime[]; appointments: AppointmentRow[] }> {
    const service = requireService(page, q.serviceId);
    const staff = staffFor(page, q.serviceId, q.staffId);
    const appointments = (await dayAppointments(ref, page, q.date)).filter((a) => a.id !== except);
    const times = availableTimes({
      date: q.date,
      timeZone: page.store.timeZone,
      now: now(),
      settings: page.settings,
      service,
      staff,
      appointments,
    });
    return { times, appointments };
  }

  /**
   * The day's free times for the page: the day's appointments are cached (under the store's
   * appointment and settings generations: every push that touches the book drops them), the
   * times computed from them on each request — one entry serves every service and technician a
   * phone may ask about that day, and the minimum notice is measured from now.
   */
  async function cachedTimes(ref: StoreRef, page: Page, q: AvailabilityQuery) {
    const service = requireService(page, q.serviceId);
    const staff = staffFor(page, q.serviceId, q.staffId);
    const appointments = await deps.cache.getOrLoad(
      ref.storeId,
      DAY_KINDS,
      `online-day:${q.date}:${page.settings.bufferMin}`,
      () => dayAppointments(ref, page, q.date),
    );
    return availableTimes({
      date: q.date,
      timeZone: page.store.timeZone,
      now: now(),
      settings: page.settings,
      service,
      staff,
      appointments,
    });
  }

  const slotTaken = (times: FreeTime[]) =>
    new BookingRefusal(
      409,
      'SLOT_TAKEN',
      'That time is no longer free: choose another one.',
      times,
    );

  async function bookingView(ref: StoreRef, bookingId: string, token: string) {
    const found = await deps.db.transaction(ref, async (sql) => {
      const res = await sql.query<{ appointment_id: string }>(
        'select appointment_id from online_bookings where store_id = $1 and id = $2',
        [ref.storeId, bookingId],
      );
      const row = res.rows[0];
      if (!row) return null;
      const tx = readOnly(sql, ref.storeId);
      const appointment = await tx.get('appointment', row.appointment_id);
      const store = await tx.get('store', ref.storeId);
      if (!appointment || !store) return null;
      const service = await tx.get('service', appointment.serviceId);
      const staff = await tx.get('staff', appointment.staffId);
      return { appointment, store, service, staff };
    });
    if (!found) throw bookingNotFound();
    const { appointment, store, service, staff } = found;
    const settings = activeOnlineBooking(store);
    const booking: PublicBooking = {
      token,
      status: appointment.status === 'cancelled' ? 'cancelled' : 'booked',
      start: appointment.start,
      end: appointment.end,
      serviceName: service?.name ?? '',
      staffName: staff?.displayName ?? '',
      storeName: store.name,
      serviceId: appointment.serviceId,
      staffId: appointment.staffId,
      canChange: settings !== null && canChangeOnline(appointment, settings, now()),
    };
    return {
      booking,
      store: { name: store.name, slug: store.onlineBooking?.slug ?? '', timeZone: store.timeZone },
      appointment,
      settings,
    };
  }

  async function storeOfToken(token: string): Promise<StoreRef & { bookingId: string }> {
    const res = await deps.db.transaction(null, (sql) =>
      sql.query<{ store_id: string; organization_id: string; booking_id: string }>(
        'select store_id, organization_id, booking_id from online_booking_token_store($1)',
        [tokenHash(token)],
      ),
    );
    const row = res.rows[0];
    if (!row) throw bookingNotFound();
    return {
      storeId: row.store_id,
      organizationId: row.organization_id,
      bookingId: row.booking_id,
    };
  }

  /**
   * Records the booking (once per key), a new link to it, and its confirmation e-mail (once per
   * booking; none without an address), in the caller's transaction: the push's when the
   * booking is made (so all of it commits with the appointment or not at all), its own for a
   * replayed request.
   */
  async function recordBooking(
    sql: Sql,
    ref: StoreRef,
    key: string,
    token: string,
    page: Page,
    appointment: BookedAppointment,
    contact: BookingRequest['client'],
  ): Promise<void> {
    const bookingId = derivedId(ref.storeId, key, 'booking');
    await sql.query(
      `insert into online_bookings (store_id, id, idempotency_key, appointment_id, client_id,
                                    contact_name, contact_phone, contact_email)
       values ($1, $2, $3, $4, $5, $6, $7, $8) on conflict (store_id, idempotency_key) do nothing`,
      [
        ref.storeId,
        bookingId,
        key,
        appointment.id,
        appointment.clientId,
        contact.name,
        contact.phone,
        contact.email ?? null,
      ],
    );
    await sql.query(
      'insert into online_booking_tokens (token_hash, store_id, booking_id) values ($1, $2, $3)',
      [tokenHash(token), ref.storeId, bookingId],
    );
    await enqueueBookingMessage(
      sql,
      'booking_confirmation',
      contact.email,
      visitFacts(ref, bookingId, page, contact.name, appointment),
      `${deps.publicUrl.replace(/\/+$/, '')}${managePath(page, token)}`,
    );
    await scheduleReminder(
      sql,
      contact.email,
      { storeId: ref.storeId, bookingId, start: appointment.start },
      now(),
    );
  }

  /** The booking's e-mail of a move or cancel, in the push's transaction (none without address). */
  async function enqueueChange(
    sql: Sql,
    kind: MessageKind,
    ref: StoreRef & { bookingId: string },
    page: Page,
    appointment: { serviceId: string; staffId: string; start: string },
  ): Promise<void> {
    const res = await sql.query<{ contact_name: string; contact_email: string | null }>(
      'select contact_name, contact_email from online_bookings where store_id = $1 and id = $2',
      [ref.storeId, ref.bookingId],
    );
    const contact = res.rows[0];
    if (!contact?.contact_email) return;
    const facts = visitFacts(ref, ref.bookingId, page, contact.contact_name, appointment);
    await enqueueBookingMessage(sql, kind, contact.contact_email, facts);
    // A moved visit's reminder: the one of its old time is skipped when due.
    if (kind === 'booking_changed')
      await scheduleReminder(sql, contact.contact_email, facts, now());
  }

  function visitFacts(
    ref: StoreRef,
    bookingId: string,
    page: Page,
    clientName: string,
    appointment: { serviceId: string; staffId: string; start: string },
  ): VisitFacts {
    return {
      storeId: ref.storeId,
      bookingId,
      storeName: page.store.name,
      timeZone: page.store.timeZone,
      clientName,
      serviceName: page.services.find((x) => x.id === appointment.serviceId)?.name ?? '',
      staffName: page.staff.find((x) => x.id === appointment.staffId)?.displayName ?? '',
      start: appointment.start,
    };
  }

  /** The client on file with this phone number, or a new one made by the domain's mutator. */
  async function clientFor(ref: StoreRef, key: string, contact: BookingRequest['client']) {
    const digits = contact.phone.replace(/\D/g, '');
    const existing = await deps.db.transaction(ref, (sql) =>
      sql.query<{ id: string }>(
        `select id from clients where store_id = $1 and phone_digits = $2 and not deleted
          order by id limit 1`,
        [ref.storeId, digits],
      ),
    );
    // Never changed from here: a stranger knowing a phone number must not rename its client.
    if (existing.rows[0]) return existing.rows[0].id;
    const clientId = derivedId(ref.storeId, key, 'client');
    const result = await pushAsOnline(
      deps,
      onlineDeviceOf,
      ref,
      {
        name: 'client.upsert',
        args: {
          id: clientId,
          ...splitName(contact.name),
          phone: contact.phone,
          ...(contact.email ? { email: contact.email } : {}),
        },
        clientTime: now(),
      },
      log,
    );
    if (result.status === 'rejected') {
      throw refusalOf(result.error);
    }
    return clientId;
  }

  return {
    async page(slug: string): Promise<PublicStore> {
      const { page } = await pageOfSlug(slug);
      return {
        store: {
          name: page.store.name,
          address: page.store.address ?? '',
          timeZone: page.store.timeZone,
          currency: page.store.currency,
          slug: page.settings.slug,
          horizonDays: page.settings.horizonDays,
          minNoticeMinutes: page.settings.minNoticeMin,
        },
        services: offeredServices(page.settings, page.services).map((s) => ({
          id: s.id,
          name: s.name,
          durationMinutes: s.durationMin,
          priceCents: s.priceCents,
        })),
        staff: offeredStaff(page.settings, page.staff).map((s) => ({
          id: s.id,
          displayName: s.displayName,
        })),
      };
    },

    async availability(slug: string, q: AvailabilityQuery) {
      const { ref, page } = await pageOfSlug(slug);
      requireService(page, q.serviceId);
      staffFor(page, q.serviceId, q.staffId);
      requireBookableDay(page, q.date);
      return {
        date: q.date,
        timeZone: page.store.timeZone,
        times: await cachedTimes(ref, page, q),
      };
    },

    async book(slug: string, body: BookingRequest, key: string) {
      const { ref, page } = await pageOfSlug(slug);
      const start = new Date(Date.parse(body.start)).toISOString();
      const date = businessDate(start, page.store.timeZone);
      const service = requireService(page, body.serviceId);
      staffFor(page, body.serviceId, body.staffId);
      requireBookableDay(page, date);
      const appointmentId = derivedId(ref.storeId, key, 'appointment');

      // A retry of a booking that went through (its answer lost, or a double submit).
      // The key names one request: a replay must say what the first one said (its chosen staff
      // member, when it named one, and the contact as given), or it gets 422 and changes nothing.
      const replay = async () => {
        const { made, contact } = await deps.db.transaction(ref, async (sql) => ({
          made: await readOnly(sql, ref.storeId).get('appointment', appointmentId),
          contact: await sql.query<{ name: string; phone: string; email: string | null }>(
            `select contact_name as name, contact_phone as phone, contact_email as email
               from online_bookings where store_id = $1 and idempotency_key = $2`,
            [ref.storeId, key],
          ),
        }));
        if (!made) return null;
        const given = contact.rows[0];
        const same =
          made.serviceId === service.id &&
          made.start === start &&
          (body.staffId === 'anyone' || made.staffId === body.staffId) &&
          given !== undefined &&
          given.name === body.client.name &&
          given.phone === body.client.phone &&
          given.email === (body.client.email ?? null);
        if (!same) {
          throw new BookingRefusal(
            422,
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was used for a different booking request: make a new key for each booking.',
          );
        }
        return made;
      };
      const bookingId = derivedId(ref.storeId, key, 'booking');
      const answer = async (token: string) => {
        const view = await bookingView(ref, bookingId, token);
        return { booking: view.booking, manageUrl: managePath(page, token) };
      };
      // A replay gets a new link (only hashes are kept); its booking row and confirmation were
      // recorded with the appointment, so these inserts change nothing but the link.
      const record = (sql: Sql, token: string, made: BookedAppointment) =>
        recordBooking(sql, ref, key, token, page, made, body.client);
      const answerReplay = async (appointment: AppointmentRow) => {
        const token = newToken();
        await deps.db.transaction(ref, (sql) =>
          record(sql, token, { ...appointment, clientId: appointment.clientId ?? '' }),
        );
        return answer(token);
      };
      const earlier = await replay();
      if (earlier) return answerReplay(earlier);

      const q = { serviceId: service.id, staffId: body.staffId, date };
      const { times, appointments } = await freshTimes(ref, page, q);
      const slot = times.find((t) => t.start === start);
      const staffId = slot && pickStaff(slot.staffIds, appointments);
      if (!staffId) {
        // A double submit whose twin committed after the check above took this very time.
        const twin = await replay();
        if (twin) return answerReplay(twin);
        throw slotTaken(times);
      }
      const clientId = await clientFor(ref, key, body.client);
      const token = newToken();
      const result = await pushAsOnline(
        deps,
        onlineDeviceOf,
        ref,
        {
          name: 'appointment.book',
          args: {
            id: appointmentId,
            staffId,
            serviceId: service.id,
            start,
            clientId,
            ...(body.note ? { notes: body.note } : {}),
          },
          clientTime: now(),
        },
        log,
        (sql) =>
          record(sql, token, {
            id: appointmentId,
            clientId,
            serviceId: service.id,
            staffId,
            start,
          }),
      );
      if (result.status === 'rejected') {
        // The same key at once from a double submit: the other request booked it.
        const other = await replay();
        if (other) return answerReplay(other);
        // Another rule of the store (a plan quota, the person just deactivated): said as it is.
        if (result.error.code !== 'SLOT_TAKEN') {
          throw refusalOf(result.error);
        }
        throw slotTaken((await freshTimes(ref, page, q)).times);
      }
      return answer(token);
    },

    async view(token: string) {
      const ref = await storeOfToken(token);
      const { booking, store } = await bookingView(ref, ref.bookingId, token);
      return { booking, store };
    },

    async move(token: string, body: MoveBookingRequest) {
      const ref = await storeOfToken(token);
      const current = await bookingView(ref, ref.bookingId, token);
      if (!current.booking.canChange || !current.settings) throw tooLate();
      const page = await loadPage(ref);
      const start = new Date(Date.parse(body.start)).toISOString();
      const date = businessDate(start, page.store.timeZone);
      requireBookableDay(page, date);
      const q = {
        serviceId: current.appointment.serviceId,
        staffId: body.staffId ?? current.appointment.staffId,
        date,
      };
      const { times, appointments } = await freshTimes(ref, page, q, current.appointment.id);
      const slot = times.find((t) => t.start === start);
      const staffId = slot && pickStaff(slot.staffIds, appointments);
      if (!staffId) throw slotTaken(times);
      const service = page.services.find((s) => s.id === current.appointment.serviceId);
      const result = await pushAsOnline(
        deps,
        onlineDeviceOf,
        ref,
        {
          name: 'appointment.reschedule',
          args: {
            id: current.appointment.id,
            start,
            staffId,
            // The length of the service for the new person, not the one kept from the old.
            ...(service ? { durationMin: serviceTermsFor(service, staffId).durationMin } : {}),
          },
          clientTime: now(),
        },
        log,
        (sql) =>
          enqueueChange(sql, 'booking_changed', ref, page, {
            serviceId: current.appointment.serviceId,
            staffId,
            start,
          }),
      );
      if (result.status === 'rejected') {
        if (result.error.code === 'SLOT_TAKEN') {
          throw slotTaken((await freshTimes(ref, page, q, current.appointment.id)).times);
        }
        throw refusalOf(result.error);
      }
      const { booking, store } = await bookingView(ref, ref.bookingId, token);
      return { booking, store };
    },

    async cancel(token: string) {
      const ref = await storeOfToken(token);
      const current = await bookingView(ref, ref.bookingId, token);
      if (current.booking.status === 'cancelled') {
        return { booking: current.booking, store: current.store };
      }
      if (!current.booking.canChange) throw tooLate();
      const page = await loadPage(ref);
      const result = await pushAsOnline(
        deps,
        onlineDeviceOf,
        ref,
        {
          name: 'appointment.cancel',
          args: { id: current.appointment.id, reason: 'Cancelled online by the client' },
          clientTime: now(),
        },
        log,
        async (sql) => {
          await sql.query(
            `update online_bookings set status = 'cancelled', updated_at = now()
              where store_id = $1 and id = $2`,
            [ref.storeId, ref.bookingId],
          );
          await enqueueChange(sql, 'booking_cancelled', ref, page, current.appointment);
        },
      );
      if (result.status === 'rejected') {
        throw refusalOf(result.error);
      }
      const { booking, store } = await bookingView(ref, ref.bookingId, token);
      return { booking, store };
    },
  };
}

function bookingNotFound() {
  return new BookingRefusal(404, 'BOOKING_NOT_FOUND', 'No booking matches this link.');
}

function tooLate() {
  return new BookingRefusal(
    409,
    'BOOKING_LOCKED',
    'This booking can no longer be changed online: please call the salon.',
  );
}

export type OnlineBookingService = ReturnType<typeof createOnlineBookingService>;
