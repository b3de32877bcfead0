/**
 * Money is an integer number of minor units (cents for USD, yen for JPY, fils for KWD). Floats
 * never hold money: every multiplication that can leave the integers goes through BigInt and is
 * rounded by one stated rule.
 */

export function assertCents(value: number, label = 'amount'): void {
  if (!Number.isSafeInteger(value)) {
    throw new RangeError(`${label} must be an integer number of minor units, got ${value}`);
  }
}

/** Digits after the decimal point for a currency: 2 for USD, 0 for JPY, 3 for KWD. */
export function minorDigits(currency: string): number {
  const options = new Intl.NumberFormat('en', { style: 'currency', currency }).resolvedOptions();
  return options.maximumFractionDigits ?? 2;
}

export function formatMoney(cents: number, currency: string, locale = 'en-US'): string {
  assertCents(cents);
  const digits = minorDigits(currency);
  const format = new Intl.NumberFormat(locale, {
    style: 'currency',
    currency,
    minimumFractionDigits: digits,
    maximumFractionDigits: digits,
  });
  return format.format(cents / 10 ** digits);
}

/**
 * numerator / denominator rounded half away from zero ("half up" for the non-negative amounts a
 * ticket has). Computed in BigInt so that cents × basis points never loses precision.
 */
export function divideRoundHalfUp(numerator: bigint, denominator: bigint): number {
  if (denominator <= 0n) throw new RangeError('denominator must be positive');
  const negative = numerator < 0n;
  const magnitude = negative ? -numerator : numerator;
  const rounded = (magnitude * 2n + denominator) / (denominator * 2n);
  return Number(negative ? -rounded : rounded);
}

/** amount × bps / 10 000, rounded half up to the cent. */
export function applyBps(cents: number, bps: number): number {
  assertCents(cents);
  assertCents(bps, 'bps');
  return divideRoundHalfUp(BigInt(cents) * BigInt(bps), 10_000n);
}

/**
 * Splits `amount` into parts proportional to `weights` by the largest-remainder method: every
 * part gets the floor of its exact share, then the cents left over go one each to the parts with
 * the largest remainders (ties: the lower index first). The parts always add up to `amount`, and
 * each part is within one cent of its exact share. All-zero weights split evenly. A negative
 * amount is split as its magnitude and negated, so refunds mirror sales.
 */
export function allocate(amount: number, weights: readonly number[]): number[] {
  assertCents(amount);
  if (weights.length === 0) throw new RangeError('allocate needs at least one weight');
  for (const weight of weights) {
    if (!Number.isSafeInteger(weight) || weight < 0) {
      throw new RangeError(`weights must be non-negative integers, got ${weight}`);
    }
  }
  if (amount < 0) return allocate(-amount, weights).map((part) => (part === 0 ? 0 : -part));

  const effective = weights.every((w) => w === 0) ? weights.map(() => 1) : weights;
  const total = effective.reduce((sum, w) => sum + BigInt(w), 0n);
  const whole = BigInt(amount);
  const parts = effective.map((w) => (whole * BigInt(w)) / total);
  const remainders = effective.map((w) => (whole * BigInt(w)) % total);
  let leftover = Number(whole - parts.reduce((sum, p) => sum + p, 0n));

  const byRemainder = effective
    .map((_, index) => index)
    .sort((a, b) => {
      const ra = remainders[a] ?? 0n;
      const rb = remainders[b] ?? 0n;
      if (ra !== rb) return ra > rb ? -1 : 1;
      return a - b;
    });
  const result = parts.map(Number);
  for (const index of byRemainder) {
    if (leftover === 0) break;
    result[index] = (result[index] ?? 0) + 1;
    leftover -= 1;
  }
  return result;
}

export function sumCents(values: Iterable<number>): number {
  let total = 0;
  for (const value of values) total += value;
  return total;
}
