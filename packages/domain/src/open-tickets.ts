import type { TicketLineRow, TicketRow } from './entities';
import { amountDue, netPaid } from './payments';
import { ticketLabel } from './ticket-numbers';

export interface OpenTicketSummary {
  ticketId: string;
  /** What a person reads: the ticket's number, or the start of its id before it has one. */
  label: string;
  clientId: string | null;
  openedAt: string;
  /** Technicians on the ticket's lines, each once (in line id order: the same on every device). */
  staffIds: string[];
  lineCount: number;
  totalCents: number;
  /** Kept so far: tendered minus change handed back (tips excluded). */
  paidCents: number;
  dueCents: number;
}

/**
 * The tickets still open, oldest first: a sale left half-way (a service added, some cash taken)
 * must stay in sight until someone closes or voids it, or the money on it is easy to lose track
 * of. Ties on `openedAt` fall back to the id so every device lists them in the same order.
 */
export function openTicketSummaries(
  tickets: readonly TicketRow[],
  lines: readonly TicketLineRow[],
): OpenTicketSummary[] {
  const linesByTicket = new Map<string, TicketLineRow[]>();
  for (const line of [...lines].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))) {
    linesByTicket.set(line.ticketId, [...(linesByTicket.get(line.ticketId) ?? []), line]);
  }
  return tickets
    .filter((t) => t.status === 'open')
    .sort((a, b) =>
      a.openedAt !== b.openedAt ? (a.openedAt < b.openedAt ? -1 : 1) : a.id < b.id ? -1 : 1,
    )
    .map((ticket) => {
      const own = linesByTicket.get(ticket.id) ?? [];
      const staffIds = [...new Set(own.flatMap((l) => (l.staffId ? [l.staffId] : [])))];
      return {
        ticketId: ticket.id,
        label: ticketLabel(ticket),
        clientId: ticket.clientId ?? null,
        openedAt: ticket.openedAt,
        staffIds,
        lineCount: own.length,
        totalCents: ticket.totalCents,
        paidCents: netPaid(ticket),
        dueCents: Math.max(0, amountDue(ticket)),
      };
    });
}
