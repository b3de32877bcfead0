import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import { json, makeTestApp, signupStore, type TestStore } from '../test-support/test-app';

describeEachEngine('client error reports', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  let other: TestStore;
  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Errors');
    other = await signupStore(app, 'Other');
  });
  afterAll(async () => {
    await app.close();
  });

  const report = {
    kind: 'boundary',
    message: 'TypeError: cannot read properties of undefined',
    stack: 'TypeError: cannot read properties of undefined\n    at Checkout (checkout.tsx:42:7)',
    release: 'test',
  };

  it("stores a report with its stack under the reporter's store, readable by its managers only", async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/client-errors',
      headers: store.auth,
      payload: { ...report, storeId: store.storeId, deviceId: store.deviceId, url: '/checkout' },
    });
    expect(res.statusCode).toBe(202);
    const { id } = json<{ id: string }>(res);
    const list = json<{ items: { id: string; stack: string; deviceId: string }[] }>(
      await app.inject({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/errors`,
        headers: store.auth,
      }),
    );
    expect(list.items).toEqual([
      expect.objectContaining({ id, stack: report.stack, deviceId: store.deviceId }),
    ]);
    const theirs = json<{ items: unknown[] }>(
      await app.inject({
        method: 'GET',
        url: `/api/v1/stores/${other.storeId}/errors`,
        headers: other.auth,
      }),
    );
    expect(theirs.items).toEqual([]);
    const crossed = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/errors`,
      headers: other.auth,
    });
    expect(crossed.statusCode).toBe(403);
  });

  it('does not file a report under a store the token does not grant', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/client-errors',
      headers: other.auth,
      payload: { ...report, message: 'planted', storeId: store.storeId },
    });
    expect(res.statusCode).toBe(202);
    const list = json<{ items: { message: string }[] }>(
      await app.inject({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/errors`,
        headers: store.auth,
      }),
    );
    expect(list.items.map((i) => i.message)).not.toContain('planted');
  });

  it('refuses a malformed report with 400 and stores nothing', async () => {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/client-errors',
      payload: { kind: 'boom', message: '' },
    });
    expect(res.statusCode).toBe(400);
    expect(json<{ error: { code: string } }>(res).error.code).toBe('VALIDATION_FAILED');
  });
});
