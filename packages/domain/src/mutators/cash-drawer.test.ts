import { describe, expect, it } from 'vitest';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const D = uid(800);

describe('cash drawer', () => {
  it('opens with a float, takes pay-ins and pay-outs, and closes with over/short', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'cashDrawer.payIn', { id: uid(801), amountCents: 100 }),
    ).toMatchObject({ code: 'NO_OPEN_DRAWER' });
    await must(store, 'cashDrawer.open', { id: D, floatCents: 10_000 });
    await must(store, 'cashDrawer.open', { id: D, floatCents: 10_000 });
    expect(await apply(store, 'cashDrawer.open', { id: uid(899), floatCents: 0 })).toMatchObject({
      code: 'DRAWER_ALREADY_OPEN',
    });
    await must(store, 'cashDrawer.payIn', { id: uid(801), amountCents: 2000, reason: 'change' });
    await must(store, 'cashDrawer.payOut', { id: uid(802), amountCents: 500, reason: 'supplies' });
    expect(
      await apply(store, 'cashDrawer.payOut', { id: uid(802), amountCents: 500 }),
    ).toMatchObject({ code: 'ID_CONFLICT' });

    const T = uid(810);
    await must(store, 'ticket.open', { id: T });
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: uid(811),
      kind: 'service',
      itemId: ids.manicure,
      staffId: ids.ana,
    });
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: uid(812),
      method: 'cash',
      amountCents: 3000,
    });
    await must(store, 'ticket.close', { ticketId: T });
    await must(
      store,
      'ticket.refund',
      { ticketId: T, refundId: uid(813), amountCents: 700, method: 'cash' },
      { role: 'manager' },
    );

    // 100.00 + 30.00 − 2.94 − 7.00 + 20.00 − 5.00 = 135.06
    await must(store, 'cashDrawer.close', { id: D, countedCents: 13_500 });
    expect(await store.get('cashDrawer', D)).toMatchObject({
      status: 'closed',
      expectedCents: 13_506,
      countedCents: 13_500,
      overShortCents: -6,
      openedByStaffId: ids.desk,
    });
    expect(await apply(store, 'cashDrawer.close', { id: D, countedCents: 1 })).toMatchObject({
      code: 'NO_OPEN_DRAWER',
    });
    expect(await apply(store, 'cashDrawer.close', { id: uid(899), countedCents: 1 })).toMatchObject(
      { code: 'DRAWER_NOT_FOUND' },
    );
    await must(store, 'cashDrawer.open', { id: uid(899), floatCents: 0 });
  });

  it('counts cash taken on a ticket that is still open, net of change', async () => {
    const store = await seededStore();
    await must(store, 'cashDrawer.open', { id: D, floatCents: 10_000 });
    const T = uid(820);
    await must(store, 'ticket.open', { id: T });
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: uid(821),
      kind: 'service',
      itemId: ids.pedicure,
      staffId: ids.ana,
    });
    // Pedicure $40.00 + 8.25% tax = $43.30: $10.00 now, then $40.00 tendered for $33.30 due.
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: uid(822),
      method: 'cash',
      amountCents: 1000,
    });
    await must(store, 'ticket.addPayment', {
      ticketId: T,
      paymentId: uid(823),
      method: 'cash',
      amountCents: 4000,
    });
    expect(await store.get('ticket', T)).toMatchObject({ status: 'open', changeCents: 670 });
    await must(store, 'cashDrawer.close', { id: D, countedCents: 14_330 });
    expect(await store.get('cashDrawer', D)).toMatchObject({
      expectedCents: 10_000 + 1000 + 4000 - 670,
      overShortCents: 0,
    });
  });

  it('is a front desk job, not a technician’s', async () => {
    const store = await seededStore();
    expect(
      await apply(store, 'cashDrawer.open', { id: D, floatCents: 0 }, { role: 'technician' }),
    ).toMatchObject({ code: 'FORBIDDEN_ROLE' });
  });
});
