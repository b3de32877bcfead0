import type { PaymentMethod, TicketRow } from './entities';
import { reject } from './error-codes';
import { formatMoney } from './money';

/** What the client still owes: total minus what was tendered and kept (change goes back). */
export function amountDue(ticket: Pick<TicketRow, 'totalCents' | 'paidCents' | 'changeCents'>) {
  return ticket.totalCents - netPaid(ticket);
}

/** Money the store kept from payments: tendered minus change handed back. Tips excluded. */
export function netPaid(ticket: Pick<TicketRow, 'paidCents' | 'changeCents'>): number {
  return ticket.paidCents - ticket.changeCents;
}

export interface TenderInput {
  method: PaymentMethod;
  amountCents: number;
  tipCents: number;
}

/**
 * Decides how a tender applies to what is due. Cash may exceed the balance (the rest is change);
 * card, gift card and other may not, because the store cannot hand back the difference.
 * Any tender may carry a tip, always on top of the amount: the change is worked out from the
 * amount alone, so a cash payment puts amount + tip − change into the drawer, and a gift card
 * gives up amount + tip of its balance. Recording a cash tip on the ticket (rather than letting
 * it go straight into a pocket) is what lets the split and payroll count it.
 */
export function planTender(
  dueCents: number,
  tender: TenderInput,
  currency = 'USD',
): { changeCents: number } {
  if (tender.amountCents === 0 && tender.tipCents === 0) {
    reject('PAYMENT_EMPTY', 'A payment needs an amount or a tip.');
  }
  const due = Math.max(dueCents, 0);
  if (tender.amountCents <= due) return { changeCents: 0 };
  if (tender.method === 'cash' && due > 0) return { changeCents: tender.amountCents - due };
  return reject(
    'PAYMENT_EXCEEDS_BALANCE',
    due === 0
      ? 'This ticket is already paid in full.'
      : `The payment of ${formatMoney(tender.amountCents, currency)} is more than the ${formatMoney(due, currency)} still due; only cash can exceed the balance.`,
    { dueCents: due, amountCents: tender.amountCents },
  );
}
