import { randomUUID } from 'node:crypto';
import { staffEarnings } from '@mango/domain';
import type { StaffRow, TicketLineRow, TicketRow } from '@mango/domain';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  signupStore,
} from '../test-support/test-app';

describeEachEngine('commission as sold', (getDb) => {
  let app: FastifyInstance;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
  });
  afterAll(async () => {
    await app.close();
  });

  it('a sale closed at 40 % is reported at 40 % after the rate becomes 50 %', async () => {
    const store = await signupStore(app, 'Commission');
    const log = new MutationLog(store.deviceId);
    const tech = randomUUID();
    const service = randomUUID();
    const ticketId = randomUUID();
    const lineId = randomUUID();
    const technician = { id: tech, displayName: 'Linh', role: 'technician', active: true };
    const res = await push(app, store, store.deviceId, [
      log.make('staff.upsert', { ...technician, commissionBps: 4000 }),
      log.make('service.upsert', {
        id: service,
        name: 'Gel Manicure',
        durationMin: 45,
        priceCents: 4000,
        taxable: false,
      }),
      log.make('ticket.open', { id: ticketId }),
      log.make('ticket.addLine', {
        ticketId,
        lineId,
        kind: 'service',
        itemId: service,
        staffId: tech,
      }),
      log.make('ticket.addPayment', {
        ticketId,
        paymentId: randomUUID(),
        method: 'cash',
        amountCents: 4000,
      }),
      log.make('ticket.close', { ticketId }),
      log.make('staff.upsert', { ...technician, commissionBps: 5000 }),
    ]);
    expect(res.statusCode).toBe(200);
    expect(json<{ results: { status: string }[] }>(res).results.map((r) => r.status)).toEqual(
      Array(7).fill('applied'),
    );

    const { replica } = await pullAll(app, store, store.deviceId);
    const rows = <T>(entity: string) =>
      [...replica.entries()]
        .filter(([key]) => key.startsWith(`${entity}:`))
        .map(([, v]) => v.data as T);
    expect(replica.get(`ticketLine:${lineId}`)?.data).toMatchObject({ commissionBps: 4000 });
    expect(replica.get(`staff:${tech}`)?.data).toMatchObject({ commissionBps: 5000 });

    const [earnings] = staffEarnings({
      tickets: rows<TicketRow>('ticket'),
      lines: rows<TicketLineRow>('ticketLine'),
      staff: rows<StaffRow>('staff'),
      from: '2000-01-01T00:00:00.000Z',
      to: '2100-01-01T00:00:00.000Z',
    });
    expect(earnings).toMatchObject({
      staffId: tech,
      serviceSalesCents: 4000,
      commissionCents: 1600,
    });
  });
});
