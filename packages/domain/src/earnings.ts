import type {
  PaymentMethod,
  PaymentRow,
  RefundRow,
  StaffRow,
  TicketLineRow,
  TicketRow,
} from './entities';
import { divideRoundHalfUp } from './money';
import { netPaid } from './payments';
import { computeTicketTotals } from './ticket-totals';
import { businessDate } from './time';
import { splitTip } from './tips';

/**
 * Commission on a period's service sales. With tiers, each rate applies only to the slice of
 * sales inside its tier (marginal, like income tax brackets), so crossing a threshold never
 * lowers pay. Sales below the first tier earn nothing. Rounded half up once, on the total.
 */
export function commissionCents(serviceSalesCents: number, staff: CommissionPlan): number {
  if (serviceSalesCents <= 0) return 0;
  return divideRoundHalfUp(commissionNumerator(staff, 0, serviceSalesCents), 10_000n);
}

/** A commission rate: a technician's current one, or the one a ticket line kept when it closed. */
export type CommissionPlan = Pick<StaffRow, 'commissionBps' | 'commissionTiers'>;

/**
 * Commission × 10 000 on the slice of a period's sales from `fromCents` to `toCents`: a flat
 * rate on the whole slice, or each tier's rate on the part of the slice inside that tier.
 */
function commissionNumerator(plan: CommissionPlan, fromCents: number, toCents: number): bigint {
  const tiers = [...(plan.commissionTiers ?? [])].sort((a, b) => a.fromCents - b.fromCents);
  if (tiers.length === 0) return BigInt(toCents - fromCents) * BigInt(plan.commissionBps ?? 0);
  let numerator = 0n;
  tiers.forEach((tier, i) => {
    const upper = Math.min(toCents, tiers[i + 1]?.fromCents ?? Number.MAX_SAFE_INTEGER);
    const slice = upper - Math.max(fromCents, tier.fromCents);
    if (slice > 0) numerator += BigInt(slice) * BigInt(tier.bps);
  });
  return numerator;
}

/**
 * The rate a line's sale earns: the one kept on the line when its ticket closed. Lines closed
 * before ticket.close kept rates have none; for them (only) the technician's current rate is
 * the best there is.
 */
function planOf(line: TicketLineRow, person: StaffRow | undefined): CommissionPlan {
  if (line.commissionBps !== undefined) {
    return { commissionBps: line.commissionBps, commissionTiers: line.commissionTiers ?? [] };
  }
  return person ?? { commissionBps: 0 };
}

function compareKeys(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export interface EarningsInput {
  tickets: readonly TicketRow[];
  lines: readonly TicketLineRow[];
  staff: readonly StaffRow[];
  /** Closed tickets with `from <= closedAt < to` (ISO instants) count. */
  from: string;
  to: string;
}

export interface StaffEarnings {
  staffId: string;
  displayName: string;
  serviceCount: number;
  /** Service line totals net of their share of ticket discounts, before tax. */
  serviceSalesCents: number;
  commissionCents: number;
  tipsCents: number;
  totalCents: number;
}

function groupLines(lines: readonly TicketLineRow[]): Map<string, TicketLineRow[]> {
  const byTicket = new Map<string, TicketLineRow[]>();
  for (const line of [...lines].sort((a, b) => (a.id < b.id ? -1 : 1))) {
    byTicket.set(line.ticketId, [...(byTicket.get(line.ticketId) ?? []), line]);
  }
  return byTicket;
}

function isClosedWithin(ticket: TicketRow, from: string, to: string): boolean {
  return (
    ticket.status === 'closed' &&
    !!ticket.closedAt &&
    ticket.closedAt >= from &&
    ticket.closedAt < to
  );
}

/**
 * The payroll numbers per staff member for a period. Refunds do not claw back commission here:
 * a refund is a manager's call and payroll adjusts it by hand.
 */
export function staffEarnings(input: EarningsInput): StaffEarnings[] {
  const linesByTicket = groupLines(input.lines);
  const staffById = new Map(input.staff.map((s) => [s.id, s]));
  const sales = new Map<
    string,
    { count: number; cents: number; tips: number; commissionNumerator: bigint }
  >();
  const entry = (staffId: string) => {
    const existing = sales.get(staffId);
    if (existing) return existing;
    const fresh = { count: 0, cents: 0, tips: 0, commissionNumerator: 0n };
    sales.set(staffId, fresh);
    return fresh;
  };

  // In closing order, so with tiers each sale's slice of the period is paid at the tier it
  // reached, at the rate its own line kept; with one rate all period long this is exactly
  // commissionCents(period sales, rate).
  const closed = input.tickets
    .filter((t) => isClosedWithin(t, input.from, input.to))
    .sort((a, b) => compareKeys(`${a.closedAt ?? ''} ${a.id}`, `${b.closedAt ?? ''} ${b.id}`));
  for (const ticket of closed) {
    const lines = linesByTicket.get(ticket.id) ?? [];
    const totals = computeTicketTotals(lines, ticket.discount, 0);
    lines.forEach((line, i) => {
      if (line.kind !== 'service' || !line.staffId) return;
      const amounts = totals.lines[i];
      const e = entry(line.staffId);
      const cents = (amounts?.lineTotalCents ?? 0) - (amounts?.ticketDiscountShareCents ?? 0);
      e.count += line.quantity;
      if (cents > 0) {
        const plan = planOf(line, staffById.get(line.staffId));
        e.commissionNumerator += commissionNumerator(plan, e.cents, e.cents + cents);
      }
      e.cents += cents;
    });
    const tipShares = ticket.tipShares ?? splitTip(ticket.tipCents, lines, ticket.tipSplit).shares;
    for (const [staffId, cents] of Object.entries(tipShares)) entry(staffId).tips += cents;
  }

  return [...sales.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([staffId, e]) => {
      const person = staffById.get(staffId);
      const commission = e.cents > 0 ? divideRoundHalfUp(e.commissionNumerator, 10_000n) : 0;
      return {
        staffId,
        displayName: person?.displayName ?? 'Unknown staff member',
        serviceCount: e.count,
        serviceSalesCents: e.cents,
        commissionCents: commission,
        tipsCents: e.tips,
        totalCents: commission + e.tips,
      };
    });
}

const METHODS: readonly PaymentMethod[] = ['cash', 'card', 'gift_card', 'other'];

export interface SalesSummary {
  businessDate: string;
  /** Sales: tickets closed that day. Voided and still-open tickets are counted apart. */
  ticketCount: number;
  voidedCount: number;
  /** Tickets opened that day and still open: not sales yet, whatever was paid on them. */
  openCount: number;
  /** Kept so far on those open tickets (tendered − change): money in hand, not yet in sales. */
  openPaidCents: number;
  subtotalCents: number;
  discountCents: number;
  taxCents: number;
  tipsCents: number;
  /** Sum of closed tickets' totals (tax included, tips excluded). */
  revenueCents: number;
  refundsCents: number;
  netRevenueCents: number;
  /** Money kept per method: tendered − change − refunds through that method. Tips excluded. */
  byMethod: Record<PaymentMethod, number>;
}

export interface SalesInput {
  tickets: readonly TicketRow[];
  payments: readonly PaymentRow[];
  refunds: readonly RefundRow[];
  timeZone: string;
}

/** One summary per store-local business day that had any activity, in date order. */
export function dailySalesSummaries(input: SalesInput): SalesSummary[] {
  const days = new Map<string, SalesSummary>();
  const day = (date: string) => {
    const existing = days.get(date);
    if (existing) return existing;
    const fresh: SalesSummary = {
      businessDate: date,
      ticketCount: 0,
      voidedCount: 0,
      openCount: 0,
      openPaidCents: 0,
      subtotalCents: 0,
      discountCents: 0,
      taxCents: 0,
      tipsCents: 0,
      revenueCents: 0,
      refundsCents: 0,
      netRevenueCents: 0,
      byMethod: Object.fromEntries(METHODS.map((m) => [m, 0])) as Record<PaymentMethod, number>,
    };
    days.set(date, fresh);
    return fresh;
  };

  const closedOn = new Map<string, string>();
  for (const ticket of input.tickets) {
    if (ticket.status === 'voided' && ticket.voidedAt) {
      day(businessDate(ticket.voidedAt, input.timeZone)).voidedCount += 1;
    }
    if (ticket.status === 'open') {
      const d = day(businessDate(ticket.openedAt, input.timeZone));
      d.openCount += 1;
      d.openPaidCents += netPaid(ticket);
    }
    if (ticket.status !== 'closed' || !ticket.closedAt) continue;
    const date = businessDate(ticket.closedAt, input.timeZone);
    closedOn.set(ticket.id, date);
    const d = day(date);
    d.ticketCount += 1;
    d.subtotalCents += ticket.subtotalCents;
    d.discountCents += ticket.discountCents;
    d.taxCents += ticket.taxCents;
    d.tipsCents += ticket.tipCents;
    d.revenueCents += ticket.totalCents;
  }
  for (const payment of input.payments) {
    const date = closedOn.get(payment.ticketId);
    if (date) day(date).byMethod[payment.method] += payment.amountCents - payment.changeCents;
  }
  for (const refund of input.refunds) {
    const d = day(businessDate(refund.createdAt, input.timeZone));
    d.refundsCents += refund.amountCents;
    d.byMethod[refund.method] -= refund.amountCents;
  }
  for (const d of days.values()) d.netRevenueCents = d.revenueCents - d.refundsCents;
  return [...days.values()].sort((a, b) => (a.businessDate < b.businessDate ? -1 : 1));
}
