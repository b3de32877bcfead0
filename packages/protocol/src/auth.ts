import { z } from 'zod';
import { ROLES } from '@mango/domain/entities';
import { MAX_TAX_RATE_BPS, MAX_TAX_RATE_PPM } from '@mango/domain/tax-rate';
import { isValidTimeZone } from '@mango/domain/time';

export const emailSchema = z.email().max(254);
export const passwordSchema = z.string().min(8).max(200);

export const signupRequestSchema = z
  .strictObject({
    organizationName: z.string().trim().min(1).max(120),
    storeName: z.string().trim().min(1).max(120),
    email: emailSchema,
    password: passwordSchema,
    timeZone: z
      .string()
      .min(1)
      .max(64)
      .refine(isValidTimeZone, 'not an IANA time zone name (such as America/New_York)')
      .optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    /** The store's tax rate in parts per million of the taxed amount: 88 750 = 8.875 %. */
    taxRatePpm: z.number().int().min(0).max(MAX_TAX_RATE_PPM).optional(),
    /** Deprecated (older app versions): basis points, 825 = 8.25 %; converted exactly to ppm. */
    taxRateBps: z.number().int().min(0).max(MAX_TAX_RATE_BPS).optional(),
  })
  .refine((req) => req.taxRatePpm === undefined || req.taxRateBps === undefined, {
    message: 'send taxRatePpm or the deprecated taxRateBps, not both',
    path: ['taxRateBps'],
  });
export type SignupRequest = z.infer<typeof signupRequestSchema>;

export const loginRequestSchema = z.strictObject({
  email: emailSchema,
  password: z.string().min(1).max(200),
});

export const refreshRequestSchema = z.strictObject({ refreshToken: z.string().min(10).max(500) });

export const registerDeviceRequestSchema = z.strictObject({
  deviceId: z.uuid(),
  name: z.string().trim().min(1).max(120),
});

/**
 * The registration answer (also when already registered): `shortCode` is the device's code in
 * the store, assigned by the server, which the device puts in front of its ticket numbers.
 */
export const registerDeviceResponseSchema = z.object({
  deviceId: z.uuid(),
  shortCode: z.string().regex(/^[A-HJ-NP-Z]{1,3}$/),
});
export type RegisterDeviceResponse = z.infer<typeof registerDeviceResponseSchema>;

export const storeMembershipSchema = z.object({
  id: z.string(),
  name: z.string(),
  role: z.enum(ROLES),
});

export const sessionResponseSchema = z.object({
  accessToken: z.string(),
  refreshToken: z.string(),
  user: z.object({ id: z.string(), email: z.string(), organizationId: z.string() }),
  stores: z.array(storeMembershipSchema),
});
export type SessionResponse = z.infer<typeof sessionResponseSchema>;
