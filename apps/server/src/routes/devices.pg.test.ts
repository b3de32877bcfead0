import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import type { DeviceSummary } from './devices';

const errorCode = (res: { body: string }) =>
  (JSON.parse(res.body) as { error: { code: string } }).error.code;

describeEachEngine('devices', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let other: TestStore;
  let frontDesk: { authorization: string };
  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Devices');
    other = await signupStore(app, 'Elsewhere');
    const email = `desk-${randomUUID().slice(0, 8)}@example.com`;
    const password = 'correct horse battery';
    const created = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/users`,
      headers: store.auth,
      payload: { email, password, role: 'front_desk' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password },
    });
    frontDesk = { authorization: `Bearer ${json<{ accessToken: string }>(login).accessToken}` };
  });
  afterAll(async () => {
    await app.close();
  });

  const list = (storeId: string, auth: { authorization: string }) =>
    app.inject({ method: 'GET', url: `/api/v1/stores/${storeId}/devices`, headers: auth });
  const revoke = (storeId: string, deviceId: string, auth: { authorization: string }) =>
    app.inject({
      method: 'DELETE',
      url: `/api/v1/stores/${storeId}/devices/${deviceId}`,
      headers: auth,
    });

  describe('list', () => {
    it("shows the store's own devices with their sync progress, to owners and managers", async () => {
      const log = new MutationLog(store.deviceId);
      const pushed = await push(app, store, store.deviceId, [
        log.make('client.upsert', { id: randomUUID(), firstName: 'Lan', lastName: 'Do' }),
        log.make('client.upsert', { id: randomUUID(), firstName: 'Kim', lastName: 'Vo' }),
      ]);
      expect(pushed.statusCode, pushed.body).toBe(200);
      const res = await list(store.storeId, store.auth);
      expect(res.statusCode, res.body).toBe(200);
      const { items } = json<{ items: DeviceSummary[] }>(res);
      expect(items).toEqual([
        {
          id: store.deviceId,
          name: 'Front desk',
          // The store's first device: the first code (ticket numbers …).
          shortCode: 'A',
          registeredAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          lastSeenAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
          lastMutationId: 2,
          lastPulledVersion: 0,
          revokedAt: null,
        },
      ]);
      const theirs = json<{ items: DeviceSummary[] }>(await list(other.storeId, other.auth));
      expect(theirs.items.map((d) => d.id)).toEqual([other.deviceId]);
    });

    it('refuses other roles with FORBIDDEN_ROLE and other stores with 403', async () => {
      const desk = await list(store.storeId, frontDesk);
      expect(desk.statusCode).toBe(403);
      expect(errorCode(desk)).toBe('FORBIDDEN_ROLE');
      const crossed = await list(store.storeId, other.auth);
      expect(crossed.statusCode).toBe(403);
      expect(crossed.body).not.toContain(store.deviceId);
      expect((await list('not-a-store', store.auth)).statusCode).toBe(404);
    });
  });

  describe('revoke', () => {
    it('stops the device syncing and registering again, and is idempotent', async () => {
      const deviceId = await registerDevice(app, store.storeId, store.auth);
      const log = new MutationLog(deviceId);
      const clientId = randomUUID();
      expect(
        (
          await push(app, store, deviceId, [
            log.make('client.upsert', { id: clientId, firstName: 'Ha', lastName: 'Le' }),
          ])
        ).statusCode,
      ).toBe(200);

      const res = await revoke(store.storeId, deviceId, store.auth);
      expect(res.statusCode, res.body).toBe(200);
      const { revokedAt } = json<{ id: string; revokedAt: string }>(res);
      expect(json(res)).toEqual({ id: deviceId, revokedAt: expect.stringMatching(/T/) });

      const pushed = await push(app, store, deviceId, [
        log.make('client.upsert', { id: clientId, firstName: 'Changed', lastName: 'Le' }),
      ]);
      expect(pushed.statusCode).toBe(403);
      expect(errorCode(pushed)).toBe('DEVICE_REVOKED');
      const pulled = await pull(app, store, deviceId, 0);
      expect(pulled.statusCode).toBe(403);
      expect(errorCode(pulled)).toBe('DEVICE_REVOKED');
      const again = await app.inject({
        method: 'POST',
        url: `/api/v1/stores/${store.storeId}/devices`,
        headers: store.auth,
        payload: { deviceId, name: 'Stolen tablet' },
      });
      expect(again.statusCode).toBe(409);
      expect(errorCode(again)).toBe('DEVICE_REVOKED');

      // The refused push changed nothing; the store's other device still syncs and sees the row.
      const page = await pull(app, store, store.deviceId, 0);
      expect(page.statusCode).toBe(200);
      const { changes } = json<{ changes: { id: string; data: { firstName: string } }[] }>(page);
      expect(changes.find((c) => c.id === clientId)?.data.firstName).toBe('Ha');

      const twice = await revoke(store.storeId, deviceId, store.auth);
      expect(twice.statusCode).toBe(200);
      expect(json(twice)).toEqual({ id: deviceId, revokedAt });

      const { items } = json<{ items: DeviceSummary[] }>(await list(store.storeId, store.auth));
      expect(items.at(-1)).toMatchObject({ id: deviceId, revokedAt, lastMutationId: 1 });
      expect(items.find((d) => d.id === store.deviceId)?.revokedAt).toBeNull();
    });

    it('answers 404 for a malformed or unknown device and 403 for other roles and stores', async () => {
      const bad = await revoke(store.storeId, 'not-a-uuid', store.auth);
      expect(bad.statusCode).toBe(404);
      expect(errorCode(bad)).toBe('NOT_FOUND');
      expect((await revoke(store.storeId, randomUUID(), store.auth)).statusCode).toBe(404);
      // Another store's device is unknown here, whoever asks.
      expect((await revoke(store.storeId, other.deviceId, store.auth)).statusCode).toBe(404);
      const crossed = await revoke(other.storeId, other.deviceId, store.auth);
      expect(crossed.statusCode).toBe(403);
      const desk = await revoke(store.storeId, store.deviceId, frontDesk);
      expect(desk.statusCode).toBe(403);
      expect(errorCode(desk)).toBe('FORBIDDEN_ROLE');
      // None of those refusals revoked anything.
      for (const [s, auth] of [
        [store, store.auth],
        [other, other.auth],
      ] as const) {
        const { items } = json<{ items: DeviceSummary[] }>(await list(s.storeId, auth));
        expect(items.find((d) => d.id === s.deviceId)?.revokedAt).toBeNull();
      }
    });
  });
});
