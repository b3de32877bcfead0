import { z } from 'zod';
import type { StoreRow } from '../entities';
import { reject } from '../error-codes';
import { MANAGERS } from '../permissions';
import { isValidTimeZone } from '../time';
import { defineMutator } from './define';
import { definedOnly, loadStore } from './rows';
import { bps, cents, name } from './schemas';

function isKnownCurrency(code: string): boolean {
  return Intl.supportedValuesOf('currency').includes(code);
}

export const storeUpdateSettings = defineMutator({
  name: 'store.updateSettings',
  description:
    'Changes store settings: name, currency, tax rate, time zone, turn threshold, offline card caps, strict booking. Only the fields sent change.',
  roles: MANAGERS,
  args: z.strictObject({
    name: name.optional(),
    currency: z
      .string()
      .regex(/^[A-Z]{3}$/)
      .optional(),
    taxRateBps: bps.optional(),
    timeZone: z.string().min(1).max(64).optional(),
    fullTurnThresholdCents: cents.optional(),
    offlineCardMaxPerPaymentCents: cents.optional(),
    offlineCardMaxPerDeviceCents: cents.optional(),
    strictBooking: z.boolean().optional(),
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    if (args.timeZone !== undefined && !isValidTimeZone(args.timeZone)) {
      reject('INVALID_SETTING', `"${args.timeZone}" is not a time zone this device knows.`);
    }
    if (args.currency !== undefined && !isKnownCurrency(args.currency)) {
      reject('INVALID_SETTING', `"${args.currency}" is not a known currency code.`);
    }
    await ctx.tx.put('store', { ...store, ...(definedOnly(args) as Partial<StoreRow>) });
  },
});
