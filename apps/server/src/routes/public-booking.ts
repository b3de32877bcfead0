import {
  availabilityQuerySchema,
  bookingRequestSchema,
  bookingSlug,
  bookingTokenSchema,
  idempotencyKeySchema,
  moveBookingRequestSchema,
} from '@mango/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import {
  BookingRefusal,
  createOnlineBookingService,
  type OnlineBookingDeps,
} from '../booking/online-booking-service';
import { HttpError, httpErrors } from '../http/errors';
import { parseOrThrow } from '../http/validate';
import type { RateLimiter } from '../rate-limit/rate-limiter';

export interface PublicBookingRouteDeps extends OnlineBookingDeps {
  limiter: RateLimiter;
  ipPerMinute: number;
  storePerMinute: number;
  windowMs: number;
}

const freeTimeSchema = z.object({ start: z.iso.datetime(), staffIds: z.array(z.uuid()) });
export const publicStoreSchema = z.object({
  store: z.object({
    name: z.string(),
    address: z.string(),
    timeZone: z.string(),
    currency: z.string(),
    slug: z.string(),
    horizonDays: z.int(),
    minNoticeMinutes: z.int(),
  }),
  services: z.array(
    z.object({
      id: z.uuid(),
      name: z.string(),
      durationMinutes: z.int(),
      priceCents: z.int(),
    }),
  ),
  staff: z.array(z.object({ id: z.uuid(), displayName: z.string() })),
});
export const availabilitySchema = z.object({
  date: z.iso.date(),
  timeZone: z.string(),
  times: z.array(freeTimeSchema),
});
const publicBookingSchema = z.object({
  token: z.string(),
  status: z.enum(['booked', 'cancelled']),
  start: z.iso.datetime(),
  end: z.iso.datetime(),
  serviceName: z.string(),
  staffName: z.string(),
  storeName: z.string(),
  serviceId: z.uuid(),
  staffId: z.uuid(),
  canChange: z.boolean(),
});
export const bookedSchema = z.object({ booking: publicBookingSchema, manageUrl: z.string() });
export const bookingViewSchema = z.object({
  booking: publicBookingSchema,
  store: z.object({ name: z.string(), slug: z.string(), timeZone: z.string() }),
});
/** A 409 SLOT_TAKEN: the common error body plus the day's times as they are now. */
export const slotTakenSchema = z.object({
  error: z.object({ code: z.literal('SLOT_TAKEN'), message: z.string() }),
  times: z.array(freeTimeSchema),
});

function slugOf(request: FastifyRequest<{ Params: { slug: string } }>): string {
  const slug = bookingSlug.safeParse(request.params.slug);
  if (!slug.success) {
    throw new HttpError(
      400,
      'INVALID_SLUG',
      'A booking page address is 3–40 lowercase letters, digits and dashes.',
    );
  }
  return slug.data;
}

/** An unknown token and a malformed one look the same: no oracle for guessing. */
function tokenOf(request: FastifyRequest<{ Params: { token: string } }>): string {
  const token = bookingTokenSchema.safeParse(request.params.token);
  if (!token.success)
    throw new HttpError(404, 'BOOKING_NOT_FOUND', 'No booking matches this link.');
  return token.data;
}

/** A refusal with fresh times is answered with them; everything else by the error handler. */
async function answering<T>(reply: FastifyReply, run: () => Promise<T>, status = 200) {
  try {
    const body = await run();
    return reply.code(status).send(body);
  } catch (err) {
    if (err instanceof BookingRefusal && err.times) {
      return reply
        .code(err.statusCode)
        .send({ error: { code: err.code, message: err.message }, times: err.times });
    }
    throw err;
  }
}

/**
 * The public booking API (issue 21): no sign-in, no tenant from a token. Each request resolves
 * its slug or manage token to a store id alone (online_booking_store / _token_store, 0024) and
 * does everything else in that store's tenant transaction (booking/online-booking-service.ts).
 */
export function registerPublicBookingRoutes(
  app: FastifyInstance,
  deps: PublicBookingRouteDeps,
): void {
  const service = createOnlineBookingService(deps, app.log);

  // Always on (these routes need no account): per client address, and per store page.
  const limit = async (key: string, max: number, what: string) => {
    const decision = await deps.limiter.hit(key, max, deps.windowMs);
    if (!decision.allowed) {
      throw httpErrors.rateLimited(
        decision.retryAfterSec,
        `Too many requests for this ${what}: try again in ${decision.retryAfterSec} s.`,
      );
    }
  };
  const limits = async (request: FastifyRequest) => {
    await limit(`public:ip:${request.ip}`, deps.ipPerMinute, 'address');
    const slug = (request.params as { slug?: unknown }).slug;
    if (typeof slug === 'string') {
      await limit(`public:store:${slug.toLowerCase().slice(0, 64)}`, deps.storePerMinute, 'salon');
    }
  };

  app.get<{ Params: { slug: string } }>(
    '/api/v1/public/stores/:slug',
    { onRequest: limits },
    async (request) => service.page(slugOf(request)),
  );

  app.get<{ Params: { slug: string } }>(
    '/api/v1/public/stores/:slug/availability',
    { onRequest: limits },
    async (request, reply) => {
      const slug = slugOf(request);
      const raw = request.query as Record<string, unknown>;
      if (typeof raw.date === 'string' && !z.iso.date().safeParse(raw.date).success) {
        throw new HttpError(400, 'INVALID_DATE', 'A date is YYYY-MM-DD, a real day.');
      }
      const query = parseOrThrow(availabilityQuerySchema, request.query, 'query');
      return answering(reply, () => service.availability(slug, query));
    },
  );

  app.post<{ Params: { slug: string } }>(
    '/api/v1/public/stores/:slug/bookings',
    { onRequest: limits },
    async (request, reply) => {
      const slug = slugOf(request);
      const key = idempotencyKeySchema.safeParse(request.headers['idempotency-key']);
      if (!key.success) {
        throw new HttpError(
          400,
          'IDEMPOTENCY_KEY_REQUIRED',
          'Send an Idempotency-Key header (16–100 letters, digits, dashes), the same on every retry of this booking.',
        );
      }
      const body = parseOrThrow(bookingRequestSchema, request.body);
      return answering(reply, () => service.book(slug, body, key.data), 201);
    },
  );

  app.get<{ Params: { token: string } }>(
    '/api/v1/public/bookings/:token',
    { onRequest: limits },
    async (request) => service.view(tokenOf(request)),
  );

  app.patch<{ Params: { token: string } }>(
    '/api/v1/public/bookings/:token',
    { onRequest: limits },
    async (request, reply) => {
      const token = tokenOf(request);
      const body = parseOrThrow(moveBookingRequestSchema, request.body);
      return answering(reply, () => service.move(token, body));
    },
  );

  app.delete<{ Params: { token: string } }>(
    '/api/v1/public/bookings/:token',
    { onRequest: limits },
    async (request) => service.cancel(tokenOf(request)),
  );
}
