import { describe, expect, it } from 'vitest';
import type { TicketLineRow, TicketRow } from './entities';
import { openTicketSummaries } from './open-tickets';
import { newTicket } from './mutators/ticket-state';
import { uid } from './test-support/fixtures';

function ticket(n: number, openedAt: string, extra: Partial<TicketRow> = {}): TicketRow {
  return { ...newTicket(uid(n), openedAt, null, null), ...extra };
}

function line(n: number, ticketId: string, staffId: string | null): TicketLineRow {
  return {
    id: uid(n),
    ticketId,
    kind: 'service',
    itemId: uid(500),
    name: 'Manicure',
    staffId,
    quantity: 1,
    unitPriceCents: 2500,
    taxable: false,
    comp: false,
    discountCents: 0,
    lineTotalCents: 2500,
  };
}

describe('openTicketSummaries', () => {
  it('lists only open tickets, oldest first, ties by id', () => {
    const tickets = [
      ticket(3, '2026-11-24T15:10:00.000Z'),
      ticket(2, '2026-11-24T15:00:00.000Z'),
      ticket(1, '2026-11-24T15:10:00.000Z'),
      ticket(4, '2026-11-24T14:00:00.000Z', { status: 'closed' }),
      ticket(5, '2026-11-24T14:00:00.000Z', { status: 'voided' }),
    ];
    expect(openTicketSummaries(tickets, []).map((t) => t.ticketId)).toEqual([
      uid(2),
      uid(1),
      uid(3),
    ]);
  });

  it('shows what was kept so far and what is still due, change handed back excluded', () => {
    // $25.00 ticket, $30.00 cash tendered with $5.00 change: paid $25.00, nothing due.
    const paid = ticket(1, '2026-11-24T15:00:00.000Z', {
      totalCents: 2500,
      paidCents: 3000,
      changeCents: 500,
    });
    const part = ticket(2, '2026-11-24T15:01:00.000Z', { totalCents: 2500, paidCents: 1000 });
    const [a, b] = openTicketSummaries([paid, part], []);
    expect(a).toMatchObject({ paidCents: 2500, dueCents: 0, totalCents: 2500 });
    expect(b).toMatchObject({ paidCents: 1000, dueCents: 1500, totalCents: 2500 });
  });

  it('labels a ticket by its number once it has one', () => {
    const t = ticket(1, '2026-11-24T15:00:00.000Z', { number: 'A-017' });
    expect(openTicketSummaries([t], [])[0]?.label).toBe('A-017');
  });

  it('names each technician of its lines once, and counts its lines', () => {
    const t = ticket(1, '2026-11-24T15:00:00.000Z', { clientId: uid(41) });
    const lines = [
      line(12, uid(1), uid(11)),
      line(10, uid(1), uid(13)),
      line(11, uid(1), uid(11)),
      line(13, uid(1), null),
      line(14, uid(99), uid(12)),
    ];
    expect(openTicketSummaries([t], lines)).toEqual([
      {
        ticketId: uid(1),
        label: '00000000',
        clientId: uid(41),
        openedAt: '2026-11-24T15:00:00.000Z',
        staffIds: [uid(13), uid(11)],
        lineCount: 4,
        totalCents: 0,
        paidCents: 0,
        dueCents: 0,
      },
    ]);
  });
});
