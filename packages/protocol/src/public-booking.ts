import { z } from 'zod';
import { bookingSlug } from '@mango/domain/online-booking';
import { emailSchema } from './auth';

/**
 * The public booking API (/api/v1/public/…): what a client's browser sends and receives on a
 * store's booking page. No sign-in; the shapes reveal no client data and no staff data beyond
 * display names.
 */

export { bookingSlug };

const uuid = z.uuid().transform((v) => v.toLowerCase());
/** A staff member, or "anyone": the server picks the least busy one who is free. */
export const staffChoice = z.union([z.literal('anyone'), uuid]);

export const availabilityQuerySchema = z.strictObject({
  serviceId: uuid,
  staffId: staffChoice.default('anyone'),
  date: z.iso.date(),
});

/** Digits with the usual separators: 7 to 20 digits, as people type them. */
export const contactPhone = z
  .string()
  .trim()
  .max(40)
  .regex(/^\+?[0-9 ().-]+$/, 'a phone number is digits, spaces, dashes, dots and brackets')
  .refine((v) => {
    const n = v.replace(/\D/g, '').length;
    return n >= 7 && n <= 20;
  }, 'a phone number has 7 to 20 digits');

export const bookingRequestSchema = z.strictObject({
  serviceId: uuid,
  staffId: staffChoice,
  start: z.iso.datetime({ offset: true }),
  client: z.strictObject({
    name: z.string().trim().min(1).max(120),
    phone: contactPhone,
    email: emailSchema.optional(),
  }),
  note: z.string().trim().max(500).optional(),
});

export const moveBookingRequestSchema = z.strictObject({
  start: z.iso.datetime({ offset: true }),
  staffId: staffChoice.optional(),
});

/** Made by the browser once per booking attempt and sent again with every retry of it. */
export const idempotencyKeySchema = z
  .string()
  .min(16)
  .max(100)
  .regex(/^[A-Za-z0-9_-]+$/, 'an Idempotency-Key is 16–100 letters, digits, dashes or underscores');

/** A manage link's token: 32 random bytes, base64url. */
export const bookingTokenSchema = z.string().regex(/^[A-Za-z0-9_-]{43}$/);

export type AvailabilityQuery = z.infer<typeof availabilityQuerySchema>;
export type BookingRequest = z.infer<typeof bookingRequestSchema>;
export type MoveBookingRequest = z.infer<typeof moveBookingRequestSchema>;

export interface PublicFreeTime {
  start: string;
  staffIds: string[];
}

export interface PublicStore {
  store: {
    name: string;
    address: string;
    timeZone: string;
    /** ISO 4217, to show priceCents. */
    currency: string;
    slug: string;
    horizonDays: number;
    minNoticeMinutes: number;
  };
  services: { id: string; name: string; durationMinutes: number; priceCents: number }[];
  staff: { id: string; displayName: string }[];
}

export interface PublicBooking {
  token: string;
  status: 'booked' | 'cancelled';
  start: string;
  end: string;
  serviceName: string;
  staffName: string;
  storeName: string;
  /** For moving: the same service and technician's availability (both public on the page). */
  serviceId: string;
  staffId: string;
  canChange: boolean;
}
