import { describe, expect, it } from 'vitest';
import type { MemoryStore } from '../memory-store';
import { turnOrder } from '../turns';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

let nextEvent = 1700;
const event = () => uid(nextEvent++);
const W1 = uid(1601);
const W2 = uid(1602);
const T1 = uid(1621);
const T2 = uid(1622);
const L1 = uid(1631);
const L2 = uid(1632);

async function clockIn(store: MemoryStore, staffId: string, now: string) {
  await must(
    store,
    'turn.clockIn',
    { turnId: uid(Number.parseInt(staffId.slice(-4), 16) + 1650), staffId, eventId: event() },
    { role: 'manager', now },
  );
}
const turnOf = async (store: MemoryStore, staffId: string) =>
  (await store.list('turn', { where: { staffId } }))[0];

async function payAndClose(store: MemoryStore, ticketId: string) {
  const ticket = await store.get('ticket', ticketId);
  await must(store, 'ticket.addPayment', {
    ticketId,
    paymentId: uid(Number.parseInt(ticketId.slice(-4), 16) + 100),
    method: 'card',
    amountCents: ticket?.totalCents ?? 0,
  });
  await must(store, 'ticket.close', { ticketId });
}

/** Ana, Ben and Cleo on the list, Ana first (earliest clock-in). */
async function board(): Promise<MemoryStore> {
  const store = await seededStore();
  await clockIn(store, ids.ana, '2026-11-24T14:00:00.000Z');
  await clockIn(store, ids.ben, '2026-11-24T14:05:00.000Z');
  await clockIn(store, ids.cleo, '2026-11-24T14:10:00.000Z');
  return store;
}

describe('requested technicians', () => {
  it('gives a request to the technician asked for and counts it apart, out of the order', async () => {
    const store = await board();
    await must(store, 'walkIn.add', {
      id: W1,
      name: 'Jo',
      serviceId: ids.manicure,
      clientId: ids.client,
      requestedStaffId: ids.ben,
    });
    await must(store, 'turn.assignNext', { walkInId: W1, eventId: event() });
    expect(await store.get('walkIn', W1)).toMatchObject({
      status: 'assigned',
      staffId: ids.ben,
      request: true,
    });

    await must(store, 'walkIn.startTicket', { id: W1, ticketId: T1, lineId: L1 });
    const before = turnOrder(await store.list('turn'), await store.list('staff'));
    await payAndClose(store, T1);

    expect(await store.get('walkIn', W1)).toMatchObject({ status: 'done', ticketId: T1 });
    expect(await turnOf(store, ids.ben)).toMatchObject({
      status: 'available',
      halfTurns: 0,
      requestTurns: 1,
      currentWalkInId: null,
    });
    expect(await store.get('turnEvent', W1)).toMatchObject({
      kind: 'complete',
      halfTurns: 0,
      request: true,
      ticketId: T1,
    });
    // Ben is free again in the same place he had: the request cost him nothing.
    const after = turnOrder(await store.list('turn'), await store.list('staff'));
    expect(after.map((t) => t.staffId)).toEqual([ids.ana, ids.ben, ids.cleo]);
    expect(before.map((t) => t.staffId)).toEqual([ids.ana, ids.cleo]);
  });

  it('waits for the technician asked for, and refuses one who cannot do the service', async () => {
    const store = await board();
    expect(
      await apply(store, 'walkIn.add', { id: W1, name: 'Jo', requestedStaffId: uid(999) }),
    ).toMatchObject({ code: 'STAFF_NOT_FOUND' });
    expect(
      await apply(store, 'walkIn.add', {
        id: W1,
        name: 'Jo',
        serviceId: ids.manicure,
        requestedStaffId: ids.cleo,
      }),
    ).toMatchObject({ code: 'TECHNICIAN_NOT_QUALIFIED' });

    await must(store, 'walkIn.add', { id: W1, name: 'Jo', requestedStaffId: ids.ben });
    await must(store, 'walkIn.add', { id: W2, name: 'Al', requestedStaffId: ids.ben });
    await must(store, 'turn.assignNext', { walkInId: W1, eventId: event() });
    // Ben is busy: Al waits for him rather than going to Ana, who is next.
    expect(await apply(store, 'turn.assignNext', { walkInId: W2, eventId: event() })).toMatchObject(
      { code: 'TECHNICIAN_BUSY' },
    );
    // Given to someone else after all, it is an ordinary turn for them.
    await must(store, 'walkIn.assign', { id: W2, staffId: ids.ana, eventId: event() });
    expect(await store.get('walkIn', W2)).toMatchObject({ staffId: ids.ana, request: false });
    await must(store, 'turn.complete', { staffId: ids.ana, eventId: event() });
    expect(await turnOf(store, ids.ana)).toMatchObject({ halfTurns: 2, requestTurns: 0 });
  });
});

describe('walkIn.startTicket', () => {
  it('opens the walk-in’s ticket with the technician on its line and counts the turn on close', async () => {
    const store = await board();
    await must(store, 'walkIn.add', {
      id: W1,
      name: 'Jo',
      serviceId: ids.polishChange,
      clientId: ids.client,
    });
    await must(store, 'turn.assignNext', { walkInId: W1, eventId: event() });
    await must(store, 'walkIn.startTicket', { id: W1, ticketId: T1, lineId: L1 });
    // A retry of the same start changes nothing.
    await must(store, 'walkIn.startTicket', { id: W1, ticketId: T1, lineId: L1 });

    expect(await store.get('ticket', T1)).toMatchObject({
      status: 'open',
      clientId: ids.client,
      walkInId: W1,
      subtotalCents: 1200,
    });
    expect(await store.list('ticketLine', { where: { ticketId: T1 } })).toEqual([
      expect.objectContaining({ id: L1, itemId: ids.polishChange, staffId: ids.ana }),
    ]);
    // Still in service while the ticket is open, and the turn waits for the ticket.
    expect(await store.get('walkIn', W1)).toMatchObject({ status: 'assigned', ticketId: T1 });
    expect(
      await apply(store, 'turn.complete', { staffId: ids.ana, eventId: event() }),
    ).toMatchObject({ code: 'WALK_IN_TICKET_OPEN' });
    expect(
      await apply(store, 'walkIn.startTicket', { id: W1, ticketId: T2, lineId: L2 }),
    ).toMatchObject({ code: 'WALK_IN_HAS_TICKET' });

    // Ana also did a pedicure: the ticket's value, not the walk-in's request, decides.
    await must(store, 'ticket.addLine', {
      ticketId: T1,
      lineId: L2,
      kind: 'service',
      itemId: ids.pedicure,
      staffId: ids.ana,
    });
    await payAndClose(store, T1);
    expect(await store.get('walkIn', W1)).toMatchObject({ status: 'done' });
    expect(await turnOf(store, ids.ana)).toMatchObject({
      status: 'available',
      halfTurns: 2,
      currentWalkInId: null,
    });
  });

  it('counts a half turn when the ticket is below the threshold', async () => {
    const store = await board();
    await must(store, 'walkIn.add', { id: W1, name: 'Jo' });
    await must(store, 'turn.assignNext', { walkInId: W1, eventId: event() });
    // No service named: the desk chooses one as the ticket starts.
    await must(store, 'walkIn.startTicket', {
      id: W1,
      ticketId: T1,
      lineId: L1,
      serviceId: ids.polishChange,
    });
    await payAndClose(store, T1);
    expect(await turnOf(store, ids.ana)).toMatchObject({ halfTurns: 1, status: 'available' });
  });

  it('refuses a walk-in not in service, a missing one, and anyone who cannot sell', async () => {
    const store = await board();
    await must(store, 'walkIn.add', { id: W1, name: 'Jo' });
    expect(
      await apply(store, 'walkIn.startTicket', { id: W1, ticketId: T1, lineId: L1 }),
    ).toMatchObject({ code: 'INVALID_STATUS_TRANSITION' });
    expect(
      await apply(store, 'walkIn.startTicket', { id: uid(999), ticketId: T1, lineId: L1 }),
    ).toMatchObject({ code: 'WALK_IN_NOT_FOUND' });
    await must(store, 'turn.assignNext', { walkInId: W1, eventId: event() });
    expect(
      await apply(
        store,
        'walkIn.startTicket',
        { id: W1, ticketId: T1, lineId: L1 },
        { role: 'technician' },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect(
      await apply(store, 'walkIn.startTicket', { id: W1, ticketId: 'nope', lineId: L1 }),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    expect(await store.get('ticket', T1)).toBeUndefined();
  });

  it('lets the turn finish by hand once the ticket was voided', async () => {
    const store = await board();
    await must(store, 'walkIn.add', { id: W1, name: 'Jo', serviceId: ids.manicure });
    await must(store, 'turn.assignNext', { walkInId: W1, eventId: event() });
    await must(store, 'walkIn.startTicket', { id: W1, ticketId: T1, lineId: L1 });
    await must(store, 'ticket.void', { ticketId: T1, reason: 'Wrong client' }, { role: 'manager' });
    await must(store, 'turn.complete', { staffId: ids.ana, eventId: event() });
    expect(await turnOf(store, ids.ana)).toMatchObject({ halfTurns: 2, status: 'available' });
  });
});

describe('appointments as turns', () => {
  async function appointmentTicket(store: MemoryStore, countAsTurns: boolean) {
    await must(
      store,
      'store.updateSettings',
      { appointmentsCountAsTurns: countAsTurns },
      { role: 'manager' },
    );
    const appt = uid(1640);
    await must(store, 'appointment.book', {
      id: appt,
      staffId: ids.ana,
      serviceId: ids.pedicure,
      start: '2026-11-24T15:00:00.000Z',
    });
    await must(store, 'appointment.checkIn', { id: appt });
    await must(store, 'appointment.complete', { id: appt, ticketId: T1, lineId: L1 });
    await payAndClose(store, T1);
    return appt;
  }

  it('counts an appointment’s ticket on its technician’s turn when the store says so', async () => {
    const store = await board();
    const appt = await appointmentTicket(store, true);
    expect(await turnOf(store, ids.ana)).toMatchObject({ halfTurns: 2, status: 'available' });
    expect(await store.get('turnEvent', appt)).toMatchObject({ kind: 'complete', ticketId: T1 });
  });

  it('leaves the turn list alone when appointments do not count', async () => {
    const store = await board();
    await appointmentTicket(store, false);
    expect(await turnOf(store, ids.ana)).toMatchObject({ halfTurns: 0 });
  });
});
