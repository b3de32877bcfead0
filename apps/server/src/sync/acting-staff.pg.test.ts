/**
 * Who acts, and approvals, decided by the server (issue "P0 Trust"). Through the real push with
 * real tokens: a staff member switched in by PIN acts with their own role, capped by the
 * signed-in account's; an override needs a manager's approval whose MAC the server verifies
 * against that manager's PIN key. Every refusal is a coded rejection that changes nothing.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { Role } from '@mango/domain/entities';
import { approveWithPin, type Approval } from '@mango/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  approvalParamsOf,
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  registerDevice,
  setStaffPinAsOwner,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface PushAnswer {
  results: { id: number; status: string; error?: { code: string; message: string } }[];
}

const PASSWORD = 'a long enough password';
const PINS = { manager: '2468', frontDesk: '1357', technician: '9753' } as const;

describeEachEngine('who acts at the desk, and approvals', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let other: TestStore;
  const staff = {
    manager: randomUUID(),
    managerWithoutPin: randomUUID(),
    frontDesk: randomUUID(),
    technician: randomUUID(),
    inactive: randomUUID(),
  };
  const otherStoreStaff = randomUUID();
  const serviceId = randomUUID();
  let approvalParams: { approvalSalt: string; iterations: number };
  let frontDeskAccount: { authorization: string };
  let ownerDevice: { deviceId: string; log: MutationLog };

  /** A mutation of the owner's device, made by `actor` (a staff id) with an optional approval. */
  function make(
    name: string,
    args: Record<string, unknown>,
    extra: { actorStaffId?: string; approval?: Approval } = {},
  ) {
    return { ...ownerDevice.log.make(name, args), ...extra };
  }

  async function pushOne(
    mutation: ReturnType<typeof make>,
    auth = store.auth,
    deviceId = ownerDevice.deviceId,
  ) {
    const res = await push(app, { storeId: store.storeId, auth }, deviceId, [mutation]);
    expect(res.statusCode, res.body).toBe(200);
    return json<PushAnswer>(res).results[0]!;
  }

  function approve(
    name: string,
    args: Record<string, unknown>,
    by: string = staff.manager,
    pin: string = PINS.manager,
  ) {
    return approveWithPin(pin, approvalParams, {
      storeId: store.storeId,
      deviceId: ownerDevice.deviceId,
      staffId: by,
      name,
      args,
    });
  }

  async function row<T>(key: string): Promise<T | undefined> {
    const { replica } = await pullAll(app, store, store.deviceId);
    return replica.get(key)?.data as T | undefined;
  }

  /** An open ticket with one $40 service line and nothing paid. */
  async function openTicket(): Promise<string> {
    const ticketId = randomUUID();
    for (const m of [
      make('ticket.open', { id: ticketId }),
      make('ticket.addLine', {
        ticketId,
        lineId: randomUUID(),
        kind: 'service',
        itemId: serviceId,
      }),
    ])
      expect((await pushOne(m)).status).toBe('applied');
    return ticketId;
  }

  /** A closed ticket paid by card. */
  async function closedTicket(): Promise<string> {
    const ticketId = await openTicket();
    const ticket = await row<{ totalCents: number }>(`ticket:${ticketId}`);
    for (const m of [
      make('ticket.addPayment', {
        ticketId,
        paymentId: randomUUID(),
        method: 'card',
        amountCents: ticket!.totalCents,
      }),
      make('ticket.close', { ticketId }),
    ])
      expect((await pushOne(m)).status).toBe('applied');
    return ticketId;
  }

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Trust');
    other = await signupStore(app, 'Elsewhere');
    ownerDevice = { deviceId: store.deviceId, log: new MutationLog(store.deviceId) };
    const people: [string, string, Role, boolean][] = [
      [staff.manager, 'Mia Manager', 'manager', true],
      [staff.managerWithoutPin, 'Max Manager', 'manager', true],
      [staff.frontDesk, 'Fay Desk', 'front_desk', true],
      [staff.technician, 'Tao Tech', 'technician', true],
      [staff.inactive, 'Ina Gone', 'front_desk', false],
    ];
    for (const [id, displayName, role, active] of people)
      expect((await pushOne(make('staff.upsert', { id, displayName, role, active }))).status).toBe(
        'applied',
      );
    expect(
      (
        await pushOne(
          make('service.upsert', {
            id: serviceId,
            name: 'Gel manicure',
            durationMin: 45,
            priceCents: 4000,
            taxable: false,
          }),
        )
      ).status,
    ).toBe('applied');
    const otherLog = new MutationLog(other.deviceId);
    await push(app, other, other.deviceId, [
      otherLog.make('staff.upsert', {
        id: otherStoreStaff,
        displayName: 'Oli Other',
        role: 'manager',
        active: true,
      }),
    ]);
    await setStaffPinAsOwner(app, store, staff.manager, PINS.manager);
    await setStaffPinAsOwner(app, store, staff.frontDesk, PINS.frontDesk);
    await setStaffPinAsOwner(app, store, staff.technician, PINS.technician);
    // What the device holds for approvals: the salt and iterations, never the key.
    approvalParams = await approvalParamsOf(app, store, staff.manager);
    // A front-desk sign-in, for the ceiling.
    const email = `desk-${randomUUID().slice(0, 8)}@example.com`;
    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/users`,
      headers: store.auth,
      payload: { email, password: PASSWORD, role: 'front_desk' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    frontDeskAccount = {
      authorization: `Bearer ${json<{ accessToken: string }>(login).accessToken}`,
    };
  }, 120_000);
  afterAll(async () => {
    await app.close();
  });

  describe('a front desk member switched in on the owner’s device', () => {
    const asDesk = { actorStaffId: staff.frontDesk };

    it('cannot change settings, promote themselves or add a manager; nothing changes', async () => {
      const before = await row<{ timeZone: string }>(`store:${store.storeId}`);
      const refused = [
        make('store.updateSettings', { timeZone: 'Asia/Tokyo' }, asDesk),
        make(
          'staff.upsert',
          { id: staff.frontDesk, displayName: 'Fay Desk', role: 'manager', active: true },
          asDesk,
        ),
        make(
          'staff.upsert',
          { id: randomUUID(), displayName: 'New Boss', role: 'manager', active: true },
          asDesk,
        ),
        make(
          'giftCard.adjust',
          { giftCardId: randomUUID(), movementId: randomUUID(), amountCents: 500 },
          asDesk,
        ),
      ];
      for (const m of refused) {
        const r = await pushOne(m);
        expect(r, m.name).toMatchObject({ status: 'rejected', error: { code: 'FORBIDDEN_ROLE' } });
      }
      expect((await row<{ timeZone: string }>(`store:${store.storeId}`))?.timeZone).toBe(
        before?.timeZone,
      );
      expect((await row<{ role: string }>(`staff:${staff.frontDesk}`))?.role).toBe('front_desk');
    });

    it('may sell: open a ticket, add a line, take a payment', async () => {
      const ticketId = randomUUID();
      expect((await pushOne(make('ticket.open', { id: ticketId }, asDesk))).status).toBe('applied');
    });

    it('a void needs an approval; a manager’s PIN approval applies it', async () => {
      const ticketId = await openTicket();
      const args = { ticketId, reason: 'client left' };
      expect(await pushOne(make('ticket.void', args, asDesk))).toMatchObject({
        status: 'rejected',
        error: { code: 'APPROVAL_REQUIRED' },
      });
      expect((await row<{ status: string }>(`ticket:${ticketId}`))?.status).toBe('open');
      const approval = await approve('ticket.void', args);
      expect((await pushOne(make('ticket.void', args, { ...asDesk, approval }))).status).toBe(
        'applied',
      );
      expect((await row<{ status: string }>(`ticket:${ticketId}`))?.status).toBe('voided');
    });

    it('only an applied mutation uses up its approval, also within one push', async () => {
      const ticketId = await openTicket();
      const paymentId = randomUUID();
      const args = { ticketId, reason: 'walked out' };
      const approval = await approve('ticket.void', args);
      const res = await push(app, store, ownerDevice.deviceId, [
        make('ticket.addPayment', { ticketId, paymentId, method: 'card', amountCents: 500 }),
        // Refused for the payment on it: the approval is not used up…
        make('ticket.void', args, { ...asDesk, approval }),
        make('ticket.removePayment', { ticketId, paymentId }, { actorStaffId: staff.manager }),
        // …so the same approval voids it once the payment is gone…
        make('ticket.void', args, { ...asDesk, approval }),
        // …and never a second time.
        make('ticket.void', args, { ...asDesk, approval }),
      ]);
      const results = json<PushAnswer>(res).results;
      expect(results.map((r) => r.status)).toEqual([
        'applied',
        'rejected',
        'applied',
        'applied',
        'rejected',
      ]);
      expect(results[1]?.error?.code).not.toMatch(/^APPROVAL_/);
      expect(results[4]?.error?.code).toBe('APPROVAL_INVALID');
      expect((await row<{ status: string }>(`ticket:${ticketId}`))?.status).toBe('voided');
    });

    it('a refund with a manager’s approval applies; without, it is refused', async () => {
      const ticketId = await closedTicket();
      const args = {
        ticketId,
        refundId: randomUUID(),
        amountCents: 1000,
        method: 'card',
        reason: 'chipped',
      };
      expect(await pushOne(make('ticket.refund', args, asDesk))).toMatchObject({
        error: { code: 'APPROVAL_REQUIRED' },
      });
      const approval = await approve('ticket.refund', args);
      expect((await pushOne(make('ticket.refund', args, { ...asDesk, approval }))).status).toBe(
        'applied',
      );
      expect(await row(`refund:${args.refundId}`)).toMatchObject({ amountCents: 1000 });
    });

    it('forged, mismatched, replayed, wrong-PIN and non-manager approvals are APPROVAL_INVALID', async () => {
      const ticketId = await closedTicket();
      const refund = () => ({
        ticketId,
        refundId: randomUUID(),
        amountCents: 500,
        method: 'card',
      });
      const a1 = refund();
      const good = await approve('ticket.refund', a1);
      const cases: [string, Record<string, unknown>, Approval][] = [
        ['forged MAC', refund(), { ...good, mac: 'A'.repeat(43) }],
        ['made for another refund', refund(), good],
        ['wrong PIN', a1, await approve('ticket.refund', a1, staff.manager, '0000')],
        [
          'a manager without a PIN',
          a1,
          await approve('ticket.refund', a1, staff.managerWithoutPin),
        ],
        [
          'a front desk member approving',
          a1,
          await approve('ticket.refund', a1, staff.frontDesk, PINS.frontDesk),
        ],
        ['a manager of another store', a1, await approve('ticket.refund', a1, otherStoreStaff)],
        ['an approval for a void, used on a refund', a1, await approve('ticket.void', a1)],
      ];
      for (const [what, args, approval] of cases) {
        const r = await pushOne(make('ticket.refund', args, { ...asDesk, approval }));
        expect(r, what).toMatchObject({ status: 'rejected', error: { code: 'APPROVAL_INVALID' } });
      }
      // The genuine one still works once…
      expect((await pushOne(make('ticket.refund', a1, { ...asDesk, approval: good }))).status).toBe(
        'applied',
      );
      // …and never twice, even for an identical change under a new mutation id.
      const again = { ...a1, refundId: a1.refundId };
      expect(
        await pushOne(make('ticket.refund', again, { ...asDesk, approval: good })),
      ).toMatchObject({ error: { code: 'APPROVAL_INVALID' } });
      expect(await row(`refund:${a1.refundId}`)).toMatchObject({ amountCents: 500 });
    });
  });

  it('the device gets the approval salt, never the approval key', async () => {
    const key = await getDb().ownerTransaction(
      async (sql) =>
        (
          await sql.query<{ approval_key: string }>(
            'select approval_key from staff_pins where store_id = $1 and staff_id = $2',
            [store.storeId, staff.manager],
          )
        ).rows[0]!.approval_key,
    );
    expect(key.length).toBeGreaterThan(20);
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/staff/pin-verifiers?deviceId=${store.deviceId}`,
      headers: store.auth,
    });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain(approvalParams.approvalSalt);
    expect(res.body).not.toContain(key);
  });

  it('unknown, inactive and other-store staff are ACTING_STAFF_INVALID', async () => {
    for (const actorStaffId of [randomUUID(), staff.inactive, otherStoreStaff]) {
      const r = await pushOne(make('ticket.open', { id: randomUUID() }, { actorStaffId }));
      expect(r, actorStaffId).toMatchObject({
        status: 'rejected',
        error: { code: 'ACTING_STAFF_INVALID' },
      });
    }
  });

  it('a technician switched in cannot sell; a manager switched in voids without approval', async () => {
    const r = await pushOne(
      make('ticket.open', { id: randomUUID() }, { actorStaffId: staff.technician }),
    );
    expect(r).toMatchObject({ error: { code: 'FORBIDDEN_ROLE' } });
    const ticketId = await openTicket();
    const voided = await pushOne(
      make('ticket.void', { ticketId, reason: 'test' }, { actorStaffId: staff.manager }),
    );
    expect(voided.status).toBe('applied');
  });

  it('the account is the ceiling: a front-desk sign-in naming a manager still needs an approval', async () => {
    const deviceId = await registerDevice(app, store.storeId, store.auth);
    const log = new MutationLog(deviceId);
    const ticketId = await closedTicket();
    const args = { ticketId, refundId: randomUUID(), amountCents: 100, method: 'card' };
    for (const actorStaffId of [staff.manager, staff.managerWithoutPin]) {
      const res = await push(app, { storeId: store.storeId, auth: frontDeskAccount }, deviceId, [
        { ...log.make('ticket.refund', args), actorStaffId },
      ]);
      expect(json<PushAnswer>(res).results[0], actorStaffId).toMatchObject({
        status: 'rejected',
        error: { code: 'APPROVAL_REQUIRED' },
      });
    }
    // With a manager's approval (made on this device) the front-desk sign-in may refund.
    const approval = await approveWithPin(PINS.manager, approvalParams, {
      storeId: store.storeId,
      deviceId,
      staffId: staff.manager,
      name: 'ticket.refund',
      args,
    });
    const res = await push(app, { storeId: store.storeId, auth: frontDeskAccount }, deviceId, [
      { ...log.make('ticket.refund', args), approval },
    ]);
    expect(json<PushAnswer>(res).results[0]?.status).toBe('applied');
  });
});
