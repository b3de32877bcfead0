import { describe, expect, it } from 'vitest';
import type { MemoryStore } from '../memory-store';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

let nextEvent = 700;
const event = () => uid(nextEvent++);
const W1 = uid(601);
const W2 = uid(602);

async function clockIn(store: MemoryStore, staffId: string, now: string) {
  await must(
    store,
    'turn.clockIn',
    { turnId: uid(Number.parseInt(staffId.slice(-4), 16) + 650), staffId, eventId: event() },
    { role: 'manager', now },
  );
}
const turnOf = async (store: MemoryStore, staffId: string) =>
  (await store.list('turn', { where: { staffId } }))[0];

describe('turn tracker', () => {
  it('clocks technicians in on the store-local business date and records events', async () => {
    const store = await seededStore();
    await clockIn(store, ids.ana, '2026-11-24T03:30:00.000Z');
    expect(await turnOf(store, ids.ana)).toMatchObject({
      businessDate: '2026-11-23',
      status: 'available',
      halfTurns: 0,
    });
    expect(await store.list('turnEvent')).toHaveLength(1);
    expect(
      await apply(
        store,
        'turn.clockIn',
        { turnId: uid(690), staffId: ids.ana, eventId: event() },
        { role: 'manager', now: '2026-11-24T04:00:00.000Z' },
      ),
    ).toMatchObject({ code: 'ALREADY_CLOCKED_IN' });
    expect(
      await apply(
        store,
        'turn.clockIn',
        { turnId: uid(690), staffId: uid(999), eventId: event() },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'STAFF_NOT_FOUND' });
  });

  it('lets technicians clock only themselves in and out', async () => {
    const store = await seededStore();
    expect(
      await apply(
        store,
        'turn.clockIn',
        { turnId: uid(690), staffId: ids.ben, eventId: event() },
        { role: 'technician', staffId: ids.ana },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    await must(
      store,
      'turn.clockIn',
      { turnId: uid(690), staffId: ids.ana, eventId: event() },
      { role: 'technician', staffId: ids.ana },
    );
    expect(
      await apply(
        store,
        'turn.clockOut',
        { staffId: ids.ana, eventId: event() },
        { role: 'technician', staffId: ids.ben },
      ),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    await must(
      store,
      'turn.clockOut',
      { staffId: ids.ana, eventId: event() },
      { role: 'technician', staffId: ids.ana },
    );
    expect(await turnOf(store, ids.ana)).toMatchObject({
      status: 'out',
      clockOutAt: '2026-11-24T15:00:00.000Z',
    });
    expect(
      await apply(
        store,
        'turn.clockOut',
        { staffId: ids.ana, eventId: event() },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'NOT_CLOCKED_IN' });
    await must(
      store,
      'turn.clockIn',
      { turnId: uid(691), staffId: ids.ana, eventId: event() },
      { role: 'technician', staffId: ids.ana },
    );
    expect(await store.list('turn')).toHaveLength(1);
  });

  it('assigns walk-ins to the fewest turns, counts full and half turns on completion', async () => {
    const store = await seededStore();
    await clockIn(store, ids.ana, '2026-11-24T14:00:00.000Z');
    await clockIn(store, ids.ben, '2026-11-24T14:05:00.000Z');
    await clockIn(store, ids.cleo, '2026-11-24T14:10:00.000Z');
    await must(store, 'walkIn.add', {
      id: W1,
      name: 'Jo',
      serviceId: ids.manicure,
      clientId: ids.client,
    });
    expect(await store.get('walkIn', W1)).toMatchObject({
      status: 'waiting',
      businessDate: '2026-11-24',
    });
    await must(store, 'turn.assignNext', { walkInId: W1, eventId: event() });
    expect(await store.get('walkIn', W1)).toMatchObject({ status: 'assigned', staffId: ids.ana });
    expect(await turnOf(store, ids.ana)).toMatchObject({ status: 'busy', currentWalkInId: W1 });
    expect(
      await apply(
        store,
        'turn.clockOut',
        { staffId: ids.ana, eventId: event() },
        { role: 'manager' },
      ),
    ).toMatchObject({ code: 'TECHNICIAN_BUSY' });
    await must(store, 'turn.complete', { staffId: ids.ana, eventId: event() });
    expect(await turnOf(store, ids.ana)).toMatchObject({
      status: 'available',
      halfTurns: 2,
      currentWalkInId: null,
    });
    expect((await store.get('walkIn', W1))?.status).toBe('done');
    // Cleo only does pedicures: a manicure goes to Ben.
    await must(store, 'walkIn.add', { id: W2, name: 'Al', serviceId: ids.polishChange });
    expect(
      await apply(store, 'walkIn.assign', { id: W2, staffId: ids.cleo, eventId: event() }),
    ).toMatchObject({ code: 'TECHNICIAN_NOT_QUALIFIED' });
    await must(store, 'turn.assignNext', { walkInId: W2, eventId: event() });
    expect((await store.get('walkIn', W2))?.staffId).toBe(ids.ben);
    await must(store, 'turn.complete', { staffId: ids.ben, eventId: event() });
    expect((await turnOf(store, ids.ben))?.halfTurns).toBe(1);
    expect(
      await apply(store, 'turn.complete', { staffId: ids.ben, eventId: event() }),
    ).toMatchObject({ code: 'INVALID_STATUS_TRANSITION' });
    expect(await apply(store, 'turn.assignNext', { walkInId: W2, eventId: event() })).toMatchObject(
      { code: 'INVALID_STATUS_TRANSITION' },
    );
  });

  it('counts a turn from the ticket when one is given, and a full turn when nothing says', async () => {
    const store = await seededStore();
    await clockIn(store, ids.ana, '2026-11-24T14:00:00.000Z');
    await must(store, 'walkIn.add', { id: W1, name: 'Jo' });
    await must(store, 'walkIn.assign', { id: W1, staffId: ids.ana, eventId: event() });
    const T = uid(620);
    await must(store, 'ticket.open', { id: T });
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: uid(621),
      kind: 'service',
      itemId: ids.polishChange,
      staffId: ids.ana,
    });
    expect(
      await apply(store, 'turn.complete', {
        staffId: ids.ana,
        eventId: event(),
        ticketId: uid(999),
      }),
    ).toMatchObject({ code: 'TICKET_NOT_FOUND' });
    await must(store, 'turn.complete', { staffId: ids.ana, eventId: event(), ticketId: T });
    expect((await turnOf(store, ids.ana))?.halfTurns).toBe(1);
    const W3 = uid(603);
    await must(store, 'walkIn.add', { id: W3, name: 'No service' });
    await must(store, 'turn.assignNext', { walkInId: W3, eventId: event() });
    await must(store, 'turn.complete', { staffId: ids.ana, eventId: event() });
    expect((await turnOf(store, ids.ana))?.halfTurns).toBe(3);
  });

  it('says when nobody can take the client, and who is busy', async () => {
    const store = await seededStore();
    await must(store, 'walkIn.add', { id: W1, name: 'Jo', serviceId: ids.pedicure });
    expect(await apply(store, 'turn.assignNext', { walkInId: W1, eventId: event() })).toMatchObject(
      { code: 'NO_TECHNICIAN_AVAILABLE' },
    );
    expect(
      await apply(store, 'walkIn.assign', { id: W1, staffId: ids.ana, eventId: event() }),
    ).toMatchObject({ code: 'NOT_CLOCKED_IN' });
    await clockIn(store, ids.ana, '2026-11-24T14:00:00.000Z');
    await must(store, 'walkIn.assign', { id: W1, staffId: ids.ana, eventId: event() });
    await must(store, 'walkIn.add', { id: W2, name: 'Al' });
    expect(
      await apply(store, 'walkIn.assign', { id: W2, staffId: ids.ana, eventId: event() }),
    ).toMatchObject({ code: 'TECHNICIAN_BUSY' });
    expect(
      await apply(store, 'walkIn.assign', { id: uid(999), staffId: ids.ana, eventId: event() }),
    ).toMatchObject({ code: 'WALK_IN_NOT_FOUND' });
    expect(
      await apply(store, 'walkIn.add', { id: uid(604), name: 'X', serviceId: uid(999) }),
    ).toMatchObject({ code: 'SERVICE_NOT_FOUND' });
    expect(
      await apply(store, 'walkIn.add', { id: uid(604), name: 'X', clientId: uid(999) }),
    ).toMatchObject({ code: 'CLIENT_NOT_FOUND' });
  });

  it('removes a waiting walk-in from the queue', async () => {
    const store = await seededStore();
    await must(store, 'walkIn.add', { id: W1, name: 'Jo' });
    await must(store, 'walkIn.remove', { id: W1 });
    expect((await store.get('walkIn', W1))?.status).toBe('left');
    expect(await apply(store, 'walkIn.remove', { id: W1 })).toMatchObject({
      code: 'INVALID_STATUS_TRANSITION',
    });
    expect(
      await apply(store, 'walkIn.add', { id: W2, name: 'Al' }, { role: 'technician' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });

  it('lets a manager skip and adjust turns, never below zero', async () => {
    const store = await seededStore();
    await clockIn(store, ids.ana, '2026-11-24T14:00:00.000Z');
    expect(await apply(store, 'turn.skip', { staffId: ids.ana, eventId: event() })).toMatchObject({
      code: 'FORBIDDEN_ROLE',
    });
    await must(
      store,
      'turn.skip',
      { staffId: ids.ana, eventId: event(), note: 'late' },
      { role: 'manager' },
    );
    expect((await turnOf(store, ids.ana))?.halfTurns).toBe(2);
    await must(
      store,
      'turn.adjust',
      { staffId: ids.ana, eventId: event(), halfTurns: -1 },
      { role: 'owner' },
    );
    expect((await turnOf(store, ids.ana))?.halfTurns).toBe(1);
    expect(
      await apply(
        store,
        'turn.adjust',
        { staffId: ids.ana, eventId: event(), halfTurns: -2 },
        { role: 'owner' },
      ),
    ).toMatchObject({ code: 'INVALID_TURN_ADJUSTMENT' });
    expect(
      await apply(
        store,
        'turn.adjust',
        { staffId: ids.ana, eventId: event(), halfTurns: 0 },
        { role: 'owner' },
      ),
    ).toMatchObject({ code: 'INVALID_ARGS' });
    const kinds = (await store.list('turnEvent')).map((e) => e.kind).sort();
    expect(kinds).toEqual(['adjust', 'clock_in', 'skip']);
  });
});
