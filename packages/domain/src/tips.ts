import type { LineKind, TicketRow } from './entities';
import { reject } from './error-codes';
import { exhaustiveSwitchError } from './errors';
import { allocate, sumCents } from './money';

export type TipSplit = NonNullable<TicketRow['tipSplit']>;

export interface TipLineInput {
  kind: LineKind;
  staffId?: string | null | undefined;
  lineTotalCents: number;
}

export interface TipSplitResult {
  /** Staff id → cents, keys in ascending id order. */
  shares: Record<string, number>;
  /** Tip with nobody to receive it (a ticket without any staff on its lines). */
  unassignedCents: number;
}

/**
 * Splits a ticket's tip among its staff so that the shares add up to the tip exactly.
 * - proportional (default): by each person's service line totals; staff with only product lines
 *   get nothing unless nobody performed a service, then everybody on the ticket shares evenly;
 * - even: equal parts among the staff who performed services (or anyone on the ticket);
 * - manual: the given shares, which must add up to the tip exactly.
 * Staff are ordered by id, so the leftover cent of an uneven split lands on the same person on
 * every device.
 */
export function splitTip(
  tipCents: number,
  lines: readonly TipLineInput[],
  split: TipSplit = { mode: 'proportional' },
): TipSplitResult {
  if (split.mode === 'manual') {
    const entries = Object.entries(split.shares).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    const bad = entries.some(([, cents]) => !Number.isSafeInteger(cents) || cents < 0);
    const total = sumCents(entries.map(([, cents]) => cents));
    if (bad || total !== tipCents) {
      reject(
        'TIP_SPLIT_MISMATCH',
        `The tip shares add up to ${total} but the tip is ${tipCents}; they must match exactly.`,
        { tipCents, sharesTotal: total },
      );
    }
    return { shares: Object.fromEntries(entries), unassignedCents: 0 };
  }

  const serviceAmounts = new Map<string, number>();
  for (const line of lines) {
    if (line.kind === 'service' && line.staffId) {
      serviceAmounts.set(
        line.staffId,
        (serviceAmounts.get(line.staffId) ?? 0) + line.lineTotalCents,
      );
    }
  }
  const staffIds =
    serviceAmounts.size > 0
      ? [...serviceAmounts.keys()]
      : [...new Set(lines.flatMap((line) => (line.staffId ? [line.staffId] : [])))];
  staffIds.sort();
  if (staffIds.length === 0) return { shares: {}, unassignedCents: tipCents };

  const weights =
    split.mode === 'even'
      ? staffIds.map(() => 1)
      : staffIds.map((id) => serviceAmounts.get(id) ?? 0);
  const parts = allocate(tipCents, weights);
  return {
    shares: Object.fromEntries(staffIds.map((id, i) => [id, parts[i] ?? 0])),
    unassignedCents: 0,
  };
}

/** The staff a manual split offers a share to: everyone on the ticket's lines, by id. */
export function tipRecipients(lines: readonly Pick<TipLineInput, 'staffId'>[]): string[] {
  return [...new Set(lines.flatMap((line) => (line.staffId ? [line.staffId] : [])))].sort();
}

/**
 * How far manual shares are from the tip: positive = still to give out, negative = given out
 * too much, 0 = they match. Null when a share is not a whole, non-negative number of cents, so a
 * screen can refuse the split before sending it (the mutator would refuse it anyway).
 */
export function manualSplitDifference(
  tipCents: number,
  shares: Readonly<Record<string, number>>,
): number | null {
  const values = Object.values(shares);
  if (values.some((cents) => !Number.isSafeInteger(cents) || cents < 0)) return null;
  return tipCents - sumCents(values);
}

/** "Proportional", "Even", "Manual": how a ticket's tip was split, for screens and receipts. */
export function tipSplitLabel(split: TicketRow['tipSplit']): string {
  const mode = split?.mode ?? 'proportional';
  switch (mode) {
    case 'proportional':
      return 'Proportional';
    case 'even':
      return 'Even';
    case 'manual':
      return 'Manual';
    default:
      return exhaustiveSwitchError(mode);
  }
}

/**
 * Each staff member's share of a ticket's tip: the shares fixed when it closed, or (open) what
 * its split gives now. Null when a manual split no longer adds up to the tip (a tip was added or
 * removed since it was chosen): closing is refused until the split is chosen again.
 */
export function ticketTipShares(
  ticket: Pick<TicketRow, 'status' | 'tipCents' | 'tipSplit' | 'tipShares'>,
  lines: readonly TipLineInput[],
): TipSplitResult | null {
  if (ticket.status === 'closed' && ticket.tipShares) {
    const given = sumCents(Object.values(ticket.tipShares));
    return { shares: ticket.tipShares, unassignedCents: ticket.tipCents - given };
  }
  if (ticket.tipSplit?.mode === 'manual') {
    if (manualSplitDifference(ticket.tipCents, ticket.tipSplit.shares) !== 0) return null;
  }
  return splitTip(ticket.tipCents, lines, ticket.tipSplit ?? undefined);
}
