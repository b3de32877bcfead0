import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTokenSigner } from '../auth/tokens';
import { openDb, type Db } from '../db/db';
import { isDatabaseUnavailable } from '../db/unavailable';
import { makeTestApp, TEST_JWT_SECRET } from '../test-support/test-app';
import { freePort } from '../../../../test-support/server-process';

describe('a database outage', () => {
  let app: FastifyInstance;
  let db: Db;
  const storeId = randomUUID();
  let auth: { authorization: string };

  beforeAll(async () => {
    // A real PostgreSQL pool pointed at a port nobody listens on: every connect is refused.
    const port = await freePort();
    db = await openDb({
      kind: 'postgres',
      url: `postgres://mango_app@127.0.0.1:${port}/nowhere`,
      ownerUrl: `postgres://postgres@127.0.0.1:${port}/nowhere`,
      poolMax: 2,
      connectionTimeoutMs: 500,
      statementTimeoutMs: 1000,
      idleTimeoutMs: 1000,
    });
    app = await makeTestApp(db);
    const token = await createTokenSigner(TEST_JWT_SECRET).sign(
      {
        userId: randomUUID(),
        organizationId: randomUUID(),
        email: 'owner@example.com',
        stores: { [storeId]: 'owner' },
      },
      900,
      new Date(),
    );
    auth = { authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await app.close();
    await db.close();
  });

  it('answers 503 SERVICE_UNAVAILABLE with Retry-After, never 500, on every kind of route', async () => {
    const deviceId = randomUUID();
    for (const request of [
      { method: 'GET', url: `/api/v1/stores/${storeId}/sync/pull?deviceId=${deviceId}&cursor=0` },
      {
        method: 'POST',
        url: `/api/v1/stores/${storeId}/devices`,
        payload: { deviceId, name: 'Tablet' },
      },
      { method: 'GET', url: `/api/v1/stores/${storeId}/tickets` },
    ] as const) {
      const res = await app.inject({ ...request, headers: auth });
      expect(res.statusCode, `${request.url}: ${res.body}`).toBe(503);
      expect(res.headers['retry-after']).toBe('1');
      expect((res.json() as { error: { code: string } }).error.code).toBe('SERVICE_UNAVAILABLE');
    }
  });

  it('tells outages from bugs', () => {
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: 'ECONNREFUSED' }))).toBe(
      true,
    );
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '57P01' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '08006' }))).toBe(true);
    expect(isDatabaseUnavailable(Object.assign(new Error('x'), { code: '42P01' }))).toBe(false);
    expect(isDatabaseUnavailable(new TypeError('undefined is not a function'))).toBe(false);
    expect(isDatabaseUnavailable(null)).toBe(false);
  });
});
