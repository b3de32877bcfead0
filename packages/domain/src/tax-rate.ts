import type { StoreRow } from './entities';
import { assertCents, divideRoundHalfUp } from './money';

/**
 * A tax rate is an integer number of parts per million (ppm) of the taxed amount:
 * 1 % = 10 000 ppm, 8.25 % = 82 500 ppm, 8.875 % = 88 750 ppm. Basis points, the unit before,
 * could not hold a rate with three decimals of a percent (New York City's 8.875 %); ppm holds
 * four, so every basis-point rate converts exactly (× 100).
 */
export const PPM_PER_BPS = 100;
export const PPM_PER_PERCENT = 10_000;
export const PPM_DENOMINATOR = 1_000_000n;
/** 100 %: the highest rate a store can set. */
export const MAX_TAX_RATE_PPM = 1_000_000;
/** The highest basis-point rate an older app version sends (100 %). */
export const MAX_TAX_RATE_BPS = 10_000;

/** A rate in basis points (older app versions, `taxRateBps`) as ppm, exactly. */
export function bpsToPpm(bps: number): number {
  assertCents(bps, 'bps');
  return bps * PPM_PER_BPS;
}

/**
 * The tax on an amount. Rounding rule: the exact product taxable × rate / 1 000 000 is
 * rounded once, half away from zero, to the cent (half up for the non-negative amounts a ticket
 * taxes; a refund mirrors a sale). Callers pass the whole taxable amount of a ticket, never
 * line by line: per-line rounding would make a ticket's tax depend on how its items are split
 * into lines (up to half a cent per line). BigInt: cents × ppm leaves the safe integers from
 * about $90 million of taxable sales at 100 %, and the rounding must never see a float.
 */
export function taxOnCents(taxableCents: number, taxRatePpm: number): number {
  assertCents(taxableCents, 'taxable amount');
  assertCents(taxRatePpm, 'tax rate (ppm)');
  return divideRoundHalfUp(BigInt(taxableCents) * BigInt(taxRatePpm), PPM_DENOMINATOR);
}

/**
 * The store's tax rate in ppm. A store row a device stored before this version (with only
 * `taxRateBps`) is read through until the device pulls the migrated row: server migration 0011
 * bumps every store's version so that pull comes with the next sync, but a checkout must not
 * fail on the device in between.
 */
export function storeTaxRatePpm(store: StoreRow): number {
  if (typeof store.taxRatePpm === 'number') return store.taxRatePpm;
  const legacy = (store as { taxRateBps?: unknown }).taxRateBps;
  return typeof legacy === 'number' ? bpsToPpm(legacy) : 0;
}

/**
 * A rate as a percent with the digits it needs and no trailing zeros: 88 750 → "8.875",
 * 82 500 → "8.25", 100 000 → "10". Integer arithmetic, so no float ever shows as 8.8749999.
 */
export function taxRatePercentText(taxRatePpm: number): string {
  assertCents(taxRatePpm, 'tax rate (ppm)');
  const sign = taxRatePpm < 0 ? '-' : '';
  const magnitude = Math.abs(taxRatePpm);
  const whole = Math.floor(magnitude / PPM_PER_PERCENT);
  const fraction = String(magnitude % PPM_PER_PERCENT)
    .padStart(4, '0')
    .replace(/0+$/, '');
  return `${sign}${whole}${fraction ? `.${fraction}` : ''}`;
}

/** "8.875 %": how receipts, reports and settings show a rate. */
export function formatTaxRate(taxRatePpm: number): string {
  return `${taxRatePercentText(taxRatePpm)} %`;
}

/**
 * A percent typed by a person ("8.875", "8.25", "0", ".5", "8.875 %") as ppm; null for
 * anything else: more than three decimals (the settings screen's precision), a negative or
 * above 100 %, or not a number. Parsed digit by digit, never through a float.
 */
export function parseTaxRatePercent(input: string): number | null {
  const s = input.trim().replace(/\s*%$/, '');
  const m = /^(\d{1,3})?(?:\.(\d{0,3}))?$/.exec(s);
  if (!m || (m[1] === undefined && !m[2])) return null;
  const whole = Number(m[1] ?? '0');
  const fraction = Number((m[2] ?? '').padEnd(4, '0'));
  const ppm = whole * PPM_PER_PERCENT + fraction;
  return ppm <= MAX_TAX_RATE_PPM ? ppm : null;
}
