import { z } from 'zod';
import type { StoreRow } from '../entities';
import { reject } from '../error-codes';
import { bpsToPpm, MAX_TAX_RATE_BPS, MAX_TAX_RATE_PPM, storeTaxRatePpm } from '../tax-rate';
import { onlineBookingSettingsSchema } from '../online-booking';
import { isValidTimeZone } from '../time';
import { defineMutator } from './define';
import { definedOnly, loadStore } from './rows';
import { cents, name } from './schemas';

/**
 * The postal address: a few lines of text. Six lines and 300 characters keep a thermal
 * receipt's header short; surrounding blank space is dropped so an empty field clears it.
 */
const storeAddress = z
  .string()
  .trim()
  .max(300)
  .refine((v) => v.split('\n').length <= 6, 'An address has at most six lines');

function isKnownCurrency(code: string): boolean {
  return Intl.supportedValuesOf('currency').includes(code);
}

export const storeUpdateSettings = defineMutator({
  name: 'store.updateSettings',
  description:
    'Changes store settings: name, postal address (printed on receipts), currency, tax rate, time zone, turn rules (the full-turn threshold below which a service counts half, whether appointments count as turns), offline card caps, strict booking, retail stock (selling past zero, the low-stock threshold), online booking (on/off, slug, horizon, minimum notice, buffer, services and staff offered; a slug another store uses is refused by the server). Only the fields sent change.',
  permission: 'store.settings',
  args: z.strictObject({
    name: name.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    /** Parts per million of the taxed amount: 88 750 = 8.875 %. */
    taxRatePpm: z.int().min(0).max(MAX_TAX_RATE_PPM).optional(),
    /**
     * Deprecated: basis points (825 = 8.25 %), what app versions before taxRatePpm send. Kept so
     * their outbox still drains; converted exactly to taxRatePpm, never stored.
     */
    taxRateBps: z.int().min(0).max(MAX_TAX_RATE_BPS).optional(),
    timeZone: z.string().min(1).max(64).optional(),
    fullTurnThresholdCents: cents.optional(),
    offlineCardMaxPerPaymentCents: cents.optional(),
    offlineCardMaxPerDeviceCents: cents.optional(),
    strictBooking: z.boolean().optional(),
    appointmentsCountAsTurns: z.boolean().optional(),
    /** Printed under the store's name on receipts; empty clears it. */
    address: storeAddress.optional(),
    /** Let the desk sell a product past zero in stock (it only warns then): stock.ts. */
    allowNegativeStock: z.boolean().optional(),
    /** Products at or below this count are listed as low in stock. */
    lowStockAt: z.int().min(0).max(100_000).optional(),
    /** The public booking page (online-booking.ts); null turns it off for good. */
    onlineBooking: onlineBookingSettingsSchema.nullable().optional(),
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    if (args.timeZone !== undefined && !isValidTimeZone(args.timeZone)) {
      reject('INVALID_SETTING', `"${args.timeZone}" is not a time zone this device knows.`);
    }
    if (args.currency !== undefined && !isKnownCurrency(args.currency)) {
      reject('INVALID_SETTING', `"${args.currency}" is not a known currency code.`);
    }
    const { taxRateBps, ...settings } = args;
    if (taxRateBps !== undefined && settings.taxRatePpm !== undefined) {
      // Two units for one setting: which one the caller meant cannot be known.
      reject('INVALID_ARGS', 'Send taxRatePpm or the deprecated taxRateBps, not both.', {
        field: 'taxRateBps',
      });
    }
    if (taxRateBps !== undefined) settings.taxRatePpm = bpsToPpm(taxRateBps);
    // A store row a device kept from an older app version (taxRateBps only) is rewritten in
    // the new unit, so its stale basis-point rate cannot outlive a later change.
    const current: StoreRow & { taxRateBps?: number } = {
      ...store,
      taxRatePpm: storeTaxRatePpm(store),
    };
    delete current.taxRateBps;
    await ctx.tx.put('store', { ...current, ...(definedOnly(settings) as Partial<StoreRow>) });
  },
});
