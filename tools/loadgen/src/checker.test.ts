import { describe, expect, it } from 'vitest';
import { checkLedger, serverStateFromChanges, type ServerStoreState } from './checker';
import { Ledger } from './ledger';

const STORE = 'store-1';
const DEV = 'device-1';

/** A ledger of one sale: ticket T1 (total 5000) paid 3000 cash + 2000 card with 500 tip, then a 1000 refund. */
function oneSale(): Ledger {
  const ledger = new Ledger();
  const effects = [
    undefined, // ticket.open
    undefined, // ticket.addLine
    {
      t: 'payment' as const,
      id: 'P1',
      ticketId: 'T1',
      amountCents: 3000,
      tipCents: 0,
      changeCents: 0,
    },
    {
      t: 'payment' as const,
      id: 'P2',
      ticketId: 'T1',
      amountCents: 2000,
      tipCents: 500,
      changeCents: 0,
    },
    {
      t: 'close' as const,
      ticketId: 'T1',
      totalCents: 5000,
      paidCents: 5000,
      changeCents: 0,
      tipCents: 500,
    },
    { t: 'refund' as const, id: 'R1', ticketId: 'T1', amountCents: 1000 },
    { t: 'client' as const, id: 'C1', firstName: 'Ana', lastName: 'Le', phone: null },
  ];
  effects.forEach((effect, i) => {
    ledger.expect(STORE, DEV, i + 1, effect);
    ledger.ack(STORE, DEV, i + 1, 'applied');
  });
  return ledger;
}

function faithfulServer(): ServerStoreState {
  return {
    storeId: STORE,
    lastMutationIds: { [DEV]: 7 },
    rejectedIds: { [DEV]: [] },
    tickets: [
      {
        id: 'T1',
        status: 'closed',
        totalCents: 5000,
        paidCents: 5000,
        changeCents: 0,
        tipCents: 500,
        refundedCents: 1000,
      },
    ],
    payments: [
      { id: 'P1', ticketId: 'T1', amountCents: 3000, tipCents: 0, changeCents: 0 },
      { id: 'P2', ticketId: 'T1', amountCents: 2000, tipCents: 500, changeCents: 0 },
    ],
    refunds: [{ id: 'R1', ticketId: 'T1', amountCents: 1000 }],
    clients: [{ id: 'C1', firstName: 'Ana', lastName: 'Le', phone: null }],
  };
}

describe('checkLedger', () => {
  it('passes when the server holds exactly what was acknowledged', () => {
    const report = checkLedger(oneSale().snapshot(), [faithfulServer()]);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, lost: 0, duplicated: 0, mismatched: 0 });
    expect(report.expected).toEqual(report.actual);
    expect(report.expected).toMatchObject({
      closedTickets: 1,
      closedTotalCents: 5000,
      paymentsCents: 5000,
      tipsCents: 500,
      refundsCents: 1000,
    });
  });

  it('detects a lost payment (an acknowledged mutation that is not on the server)', () => {
    const server = faithfulServer();
    server.payments = server.payments.filter((p) => p.id !== 'P2');
    server.tickets[0]!.paidCents = 3000;
    const report = checkLedger(oneSale().snapshot(), [server]);
    expect(report.ok).toBe(false);
    expect(report.lost).toBeGreaterThanOrEqual(1);
    expect(report.problems.join('\n')).toMatch(/payment P2.*missing/);
  });

  it('detects a lost sale (closed ticket missing) and a lost device counter', () => {
    const server = faithfulServer();
    server.tickets = [];
    server.lastMutationIds[DEV] = 5;
    const report = checkLedger(oneSale().snapshot(), [server]);
    expect(report.ok).toBe(false);
    expect(report.lost).toBeGreaterThanOrEqual(3);
    expect(report.actual.closedTotalCents).toBe(0);
  });

  it('detects a duplicated refund (applied twice: refundedCents doubled, an extra row)', () => {
    const server = faithfulServer();
    server.refunds.push({ id: 'R1-again', ticketId: 'T1', amountCents: 1000 });
    server.tickets[0]!.refundedCents = 2000;
    const report = checkLedger(oneSale().snapshot(), [server]);
    expect(report.ok).toBe(false);
    expect(report.duplicated).toBeGreaterThanOrEqual(2);
    expect(report.actual.refundsCents).toBe(2000);
  });

  it('detects a duplicated payment', () => {
    const server = faithfulServer();
    server.payments.push({
      id: 'P2-dup',
      ticketId: 'T1',
      amountCents: 2000,
      tipCents: 500,
      changeCents: 0,
    });
    server.tickets[0]!.paidCents = 7000;
    server.tickets[0]!.tipCents = 1000;
    const report = checkLedger(oneSale().snapshot(), [server]);
    expect(report.ok).toBe(false);
    expect(report.duplicated).toBeGreaterThanOrEqual(1);
  });

  it('detects a lost client edit', () => {
    const server = faithfulServer();
    server.clients[0]!.lastName = 'Old';
    const report = checkLedger(oneSale().snapshot(), [server]);
    expect(report.lost).toBe(1);
  });

  it('ignores rejected mutations and resolves unknown outcomes with the server’s rejections', () => {
    const ledger = new Ledger();
    ledger.expect(STORE, DEV, 1, { t: 'refund', id: 'R9', ticketId: 'T9', amountCents: 10 });
    ledger.ack(STORE, DEV, 1, 'rejected');
    ledger.expect(STORE, DEV, 2, {
      t: 'payment',
      id: 'P9',
      ticketId: 'T9',
      amountCents: 10,
      tipCents: 0,
      changeCents: 0,
    });
    ledger.ack(STORE, DEV, 2, 'unknown');
    const server: ServerStoreState = {
      storeId: STORE,
      lastMutationIds: { [DEV]: 2 },
      rejectedIds: { [DEV]: [2] },
      tickets: [],
      payments: [],
      refunds: [],
      clients: [],
    };
    expect(checkLedger(ledger.snapshot(), [server]).ok).toBe(true);
    // Not rejected by the server: the unknown payment must be there.
    expect(checkLedger(ledger.snapshot(), [{ ...server, rejectedIds: { [DEV]: [] } }]).lost).toBe(
      1,
    );
  });

  it('builds the server view from pulled changes, latest state per row, without tombstones', () => {
    const state = serverStateFromChanges(
      STORE,
      [
        {
          entity: 'ticket',
          id: 'T1',
          deleted: false,
          data: {
            status: 'open',
            totalCents: 5000,
            paidCents: 0,
            changeCents: 0,
            tipCents: 0,
            refundedCents: 0,
          },
        },
        {
          entity: 'payment',
          id: 'P1',
          deleted: false,
          data: { ticketId: 'T1', amountCents: 3000, tipCents: 0, changeCents: 0 },
        },
        {
          entity: 'payment',
          id: 'P2',
          deleted: false,
          data: { ticketId: 'T1', amountCents: 2000, tipCents: 500, changeCents: 0 },
        },
        {
          entity: 'ticket',
          id: 'T1',
          deleted: false,
          data: {
            status: 'closed',
            totalCents: 5000,
            paidCents: 5000,
            changeCents: 0,
            tipCents: 500,
            refundedCents: 1000,
          },
        },
        { entity: 'refund', id: 'R1', deleted: false, data: { ticketId: 'T1', amountCents: 1000 } },
        { entity: 'client', id: 'C1', deleted: false, data: { firstName: 'Ana', lastName: 'Le' } },
        { entity: 'client', id: 'C2', deleted: true, data: null },
      ],
      { [DEV]: 7 },
      { [DEV]: [] },
    );
    expect(state).toEqual(faithfulServer());
  });
});
