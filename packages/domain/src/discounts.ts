import type { Discount } from './entities';
import { applyBps } from './money';

/**
 * The cents a discount takes off a base. A percentage is rounded half up to the cent; a fixed
 * amount larger than the base is capped at the base, so a discount never makes a price negative.
 */
export function discountAmount(discount: Discount | null | undefined, baseCents: number): number {
  if (!discount || baseCents <= 0) return 0;
  const raw = discount.kind === 'percent' ? applyBps(baseCents, discount.bps) : discount.cents;
  return Math.min(Math.max(raw, 0), baseCents);
}
