import { describe, expect, it } from 'vitest';
import { ROLES, type Role } from '../entities';
import {
  can,
  cappedRole,
  EVERYONE,
  PERMISSION_NAMES,
  PERMISSIONS,
  roleRank,
  type Permission,
} from '../permissions';
import { apply, ids, seededStore, uid } from '../test-support/fixtures';
import { MUTATOR_NAMES, MUTATOR_ROLES, type MutatorArgs, type MutatorName } from './registry';

const X = uid(1200);
const Y = uid(1201);
const Z = uid(1202);

/** Valid arguments for every mutator: enough to get past validation to the role check. */
const SAMPLE: { [N in MutatorName]: MutatorArgs<N> } = {
  'store.updateSettings': { taxRatePpm: 88_750 },
  'staff.upsert': { id: X, displayName: 'New', role: 'technician', active: true },
  'service.upsert': { id: X, name: 'Gel', durationMin: 30, priceCents: 100, taxable: true },
  'product.upsert': { id: X, name: 'Oil', priceCents: 100, taxable: true, stockCount: 1 },
  'product.receiveStock': { productId: ids.polish, receiptId: X, units: 6, note: 'Delivery' },
  'client.upsert': { id: X, firstName: 'A', lastName: 'B' },
  'client.delete': { id: ids.client },
  'appointment.book': {
    id: X,
    staffId: ids.ana,
    serviceId: ids.manicure,
    start: '2026-11-25T15:00:00Z',
  },
  'appointment.reschedule': { id: X, start: '2026-11-25T16:00:00Z' },
  'appointment.cancel': { id: X },
  'appointment.noShow': { id: X },
  'appointment.checkIn': { id: X },
  'appointment.start': { id: X },
  'appointment.complete': { id: X, ticketId: Y, lineId: Z },
  'appointment.bookVisit': {
    groupId: X,
    start: '2026-11-25T15:00:00Z',
    items: [{ id: Y, serviceId: ids.manicure, staffId: ids.ana }],
  },
  'appointment.bookSeries': {
    ids: [X, Y],
    staffId: ids.ana,
    serviceId: ids.manicure,
    start: '2026-11-25T15:00:00Z',
    repeat: { everyWeeks: 1, count: 2 },
  },
  'appointment.cancelFollowing': { id: X },
  'ticket.open': { id: X },
  'ticket.addLine': { ticketId: X, lineId: Y, kind: 'service', itemId: ids.manicure },
  'ticket.addGiftCardLine': {
    ticketId: X,
    lineId: Y,
    giftCardId: Z,
    code: 'GC-0001',
    amountCents: 100,
  },
  'ticket.addGiftCardReload': { ticketId: X, lineId: Y, giftCardId: Z, amountCents: 100 },
  'ticket.removeLine': { ticketId: X, lineId: Y },
  'ticket.setLineStaff': { ticketId: X, lineId: Y, staffId: null },
  'ticket.setLineQuantity': { ticketId: X, lineId: Y, quantity: 2 },
  'ticket.setClient': { ticketId: X, clientId: null },
  'ticket.setLineDiscount': { ticketId: X, lineId: Y, discount: null },
  'ticket.compLine': { ticketId: X, lineId: Y, comp: true },
  'ticket.setDiscount': { ticketId: X, discount: null },
  'ticket.setTipSplit': { ticketId: X, split: { mode: 'even' } },
  'ticket.addPayment': { ticketId: X, paymentId: Y, method: 'cash', amountCents: 100 },
  'ticket.removePayment': { ticketId: X, paymentId: Y },
  'ticket.close': { ticketId: X },
  'ticket.void': { ticketId: X, reason: 'oops' },
  'ticket.refund': { ticketId: X, refundId: Y, amountCents: 1, method: 'card' },
  'giftCard.adjust': { giftCardId: X, movementId: Y, amountCents: 1 },
  'walkIn.add': { id: X, name: 'Jo' },
  'walkIn.assign': { id: X, staffId: ids.ana, eventId: Y },
  'walkIn.remove': { id: X },
  'walkIn.startTicket': { id: X, ticketId: Y, lineId: Z },
  'turn.clockIn': { turnId: X, staffId: ids.ana, eventId: Y },
  'turn.clockOut': { staffId: ids.ana, eventId: Y },
  'turn.assignNext': { walkInId: X, eventId: Y },
  'turn.complete': { staffId: ids.ana, eventId: Y },
  'turn.skip': { staffId: ids.ana, eventId: Y },
  'turn.adjust': { staffId: ids.ana, eventId: Y, halfTurns: 1 },
  'cashDrawer.open': { id: X, floatCents: 0 },
  'cashDrawer.payIn': { id: X, amountCents: 1 },
  'cashDrawer.payOut': { id: X, amountCents: 1 },
  'cashDrawer.close': { id: X, countedCents: 0 },
  'waitlist.add': {
    id: X,
    clientId: ids.client,
    serviceIds: [ids.manicure],
    fromDate: '2026-11-24',
    toDate: '2026-11-30',
  },
  'waitlist.update': { id: X, notes: 'Mornings better' },
  'waitlist.remove': { id: X },
  'waitlist.book': { id: X, staffId: ids.ana, start: '2026-11-25T15:00:00Z', appointmentIds: [Y] },
};

describe('the permission table', () => {
  it('matches the documented rules', () => {
    expect(MUTATOR_ROLES['store.updateSettings']).toEqual(['owner', 'manager']);
    expect(MUTATOR_ROLES['ticket.addPayment']).toEqual(['owner', 'manager', 'front_desk']);
    expect(MUTATOR_ROLES['appointment.checkIn']).toEqual([
      'owner',
      'manager',
      'front_desk',
      'technician',
    ]);
    expect(MUTATOR_ROLES['turn.clockIn']).toEqual(EVERYONE);
    expect(MUTATOR_ROLES['turn.skip']).toEqual(['owner', 'manager']);
    const technicianMay = MUTATOR_NAMES.filter((n) => MUTATOR_ROLES[n].includes('technician'));
    expect(technicianMay.sort()).toEqual([
      'appointment.checkIn',
      'appointment.complete',
      'appointment.start',
      'turn.clockIn',
      'turn.clockOut',
    ]);
  });

  for (const name of MUTATOR_NAMES) {
    it(`${name}: refuses exactly the roles outside its table entry`, async () => {
      for (const role of ROLES) {
        const store = await seededStore();
        const outcome = await apply(store, name, SAMPLE[name], { role });
        const refused =
          !outcome.ok &&
          (outcome.code === 'FORBIDDEN_ROLE' || outcome.code === 'APPROVAL_REQUIRED');
        if (!MUTATOR_ROLES[name].includes(role))
          expect(refused, `${role} should be refused`).toBe(true);
        if (role === 'owner') expect(refused, 'the owner may do everything').toBe(false);
        if (!outcome.ok) expect(outcome.code).not.toBe('INVALID_ARGS');
      }
    });
  }
});

describe('acting roles and staff changes', () => {
  it('the account role caps the acting staff member’s role', () => {
    expect(cappedRole('manager', 'front_desk')).toBe('front_desk');
    expect(cappedRole('owner', 'manager')).toBe('manager');
    expect(cappedRole('technician', 'owner')).toBe('technician');
    for (const staffRole of ROLES)
      for (const account of ROLES)
        expect(roleRank(cappedRole(staffRole, account))).toBe(
          Math.min(roleRank(staffRole), roleRank(account)),
        );
  });

  it('every permission’s role sets are upward-closed (a higher role may what a lower may)', () => {
    for (const name of PERMISSION_NAMES) {
      const p: Permission = PERMISSIONS[name];
      for (const role of p.roles)
        for (const higher of ROLES.filter((r) => roleRank(r) > roleRank(role)))
          expect(can(higher, name), `${higher} may ${name}`).toBe(true);
      for (const role of p.withApproval ?? []) expect(can(role, name)).toBe(false);
    }
  });

  const staffArgs = (id: string, role: Role, active = true) => ({
    id,
    displayName: 'Someone',
    role,
    active,
  });

  it('only the owner adds or changes managers and owners', async () => {
    const store = await seededStore();
    const asManager = { role: 'manager' as const, staffId: ids.manager };
    expect(await apply(store, 'staff.upsert', staffArgs(X, 'manager'), asManager)).toMatchObject({
      code: 'FORBIDDEN_ROLE',
    });
    expect(
      await apply(store, 'staff.upsert', staffArgs(ids.owner, 'technician'), asManager),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect(
      await apply(store, 'staff.upsert', staffArgs(ids.desk, 'manager'), asManager),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    // A manager may add and change front desk and technicians.
    expect(await apply(store, 'staff.upsert', staffArgs(Y, 'front_desk'), asManager)).toEqual({
      ok: true,
    });
    expect(await apply(store, 'staff.upsert', staffArgs(X, 'manager'), { role: 'owner' })).toEqual({
      ok: true,
    });
  });

  it('nobody changes their own role, and the last active owner stays', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'staff.upsert', staffArgs(ids.manager, 'owner'), {
        role: 'owner',
        staffId: ids.manager,
      }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect(
      await apply(store, 'staff.upsert', staffArgs(ids.owner, 'manager'), {
        role: 'owner',
        staffId: ids.owner,
      }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    expect(
      await apply(store, 'staff.upsert', staffArgs(ids.owner, 'owner', false), { role: 'owner' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    // With a second owner, the first may be changed by them.
    await apply(store, 'staff.upsert', staffArgs(X, 'owner'), { role: 'owner' });
    expect(
      await apply(store, 'staff.upsert', staffArgs(ids.owner, 'manager'), {
        role: 'owner',
        staffId: X,
      }),
    ).toEqual({ ok: true });
  });

  it('an override needs an approval from the front desk; a technician is refused either way', async () => {
    const store = await seededStore();
    const args = { ticketId: X, reason: 'mistake' };
    expect(await apply(store, 'ticket.void', args, { role: 'front_desk' })).toMatchObject({
      code: 'APPROVAL_REQUIRED',
    });
    expect(
      await apply(store, 'ticket.void', args, { role: 'technician', approvedBy: ids.manager }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
    // Approved, it gets past the permission to the ticket rules.
    expect(
      await apply(store, 'ticket.void', args, { role: 'front_desk', approvedBy: ids.manager }),
    ).toMatchObject({ code: 'TICKET_NOT_FOUND' });
  });
});
