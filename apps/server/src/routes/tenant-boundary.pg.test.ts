import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

/**
 * Walks every route the server registers (from its own route table, not a hand-written list):
 * with organization A's token, every request that names organization B's store, device, staff,
 * ticket, client or appointment must be refused and must not return any of B's data.
 */
describeEachEngine('tenant boundary on every route', (getDb) => {
  let app: FastifyInstance;
  let a: TestStore;
  let b: TestStore;
  const bIds = {
    staffId: randomUUID(),
    clientId: randomUUID(),
    ticketId: randomUUID(),
    appointmentId: randomUUID(),
    serviceId: randomUUID(),
  };
  const secret = `Secret-${randomUUID().slice(0, 8)}`;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    a = await signupStore(app, 'Alpha');
    b = await signupStore(app, 'Bravo');
    const log = new MutationLog(b.deviceId);
    const res = await push(app, b, b.deviceId, [
      log.make('staff.upsert', {
        id: bIds.staffId,
        displayName: secret,
        role: 'technician',
        active: true,
      }),
      log.make('service.upsert', {
        id: bIds.serviceId,
        name: secret,
        durationMin: 30,
        priceCents: 2500,
        taxable: false,
      }),
      log.make('client.upsert', { id: bIds.clientId, firstName: secret, lastName: 'B' }),
      log.make('appointment.book', {
        id: bIds.appointmentId,
        staffId: bIds.staffId,
        serviceId: bIds.serviceId,
        start: '2026-11-24T15:00:00.000Z',
        clientId: bIds.clientId,
      }),
      log.make('ticket.open', { id: bIds.ticketId, clientId: bIds.clientId }),
    ]);
    expect(res.statusCode).toBe(200);
  });
  afterAll(async () => {
    await app.close();
  });

  const paramValue = (name: string): string => {
    switch (name) {
      case 'storeId':
        return b.storeId;
      case 'deviceId':
        return b.deviceId;
      case 'staffId':
        return bIds.staffId;
      case 'clientId':
        return bIds.clientId;
      case 'ticketId':
        return bIds.ticketId;
      case 'appointmentId':
        return bIds.appointmentId;
      default:
        return randomUUID();
    }
  };

  it('refuses every request for organization B made with A’s token', async () => {
    // The public booking routes take no token: a store's page is anyone's to read. Their
    // boundary (a slug or a manage link reads only its own store) is booking/public-booking.pg.test.ts.
    const scoped = app.routeTable.filter(
      (r) => r.url.includes(':') && !r.url.startsWith('/api/v1/public/'),
    );
    expect(scoped.length).toBeGreaterThanOrEqual(6);
    for (const route of scoped) {
      const url = route.url.replace(/:(\w+)/g, (_m, name: string) => paramValue(name));
      const query = `deviceId=${b.deviceId}&cursor=0&limit=100`;
      const body = {
        deviceId: b.deviceId,
        schemaVersion: 1,
        mutations: [],
        ids: [1],
        name: 'Intruder',
        pin: '1234',
        ...bIds,
      };
      const res = await app.inject({
        method: route.method as 'GET',
        url: `${url}?${query}`,
        headers: a.auth,
        ...(route.method === 'GET' || route.method === 'DELETE' ? {} : { payload: body }),
      });
      expect(
        [401, 403, 404],
        `${route.method} ${route.url} answered ${res.statusCode}: ${res.body}`,
      ).toContain(res.statusCode);
      expect(res.body, `${route.method} ${route.url} leaked B's data`).not.toContain(secret);
    }
  });
});
