import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import { MutationLog, push, signupStore, type TestStore } from '../test-support/test-app';
import { loggerOptions } from './logging';
import { buildObservedApp, CapturedLog } from './test-support/observed-app';

describeEachEngine('request logs', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  const log = new CapturedLog();
  beforeAll(async () => {
    app = await buildObservedApp(getDb(), { LOG_LEVEL: 'debug' }, { logDestination: log });
    store = await signupStore(app, 'Logged');
  });
  afterAll(async () => {
    await app.close();
  });

  it('gives every line of a request its request id, and the store and device once authenticated', async () => {
    const requestId = `push-${randomUUID()}`;
    const mutations = new MutationLog(store.deviceId);
    const res = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/sync/push`,
      headers: { ...store.auth, 'x-request-id': requestId },
      payload: {
        deviceId: store.deviceId,
        schemaVersion: 1,
        mutations: [
          mutations.make('client.upsert', { id: randomUUID(), firstName: 'Ada', lastName: 'L' }),
        ],
      },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['x-request-id'] ?? requestId).toBe(requestId);

    const lines = log.ofRequest(requestId);
    expect(lines.map((l) => l.msg)).toEqual(['incoming request', 'request completed']);
    const completed = lines.at(-1)!;
    expect(completed).toMatchObject({
      storeId: store.storeId,
      deviceId: store.deviceId,
      userId: store.session.user.id,
    });
    // Lines written while the request ran but not tagged with it would show up here.
    const during = log.lines.slice(log.lines.indexOf(lines[0]!), log.lines.indexOf(completed) + 1);
    expect(during.every((l) => l.reqId === requestId)).toBe(true);
  });

  it('keeps the same request id on an error line, with the store bound', async () => {
    const requestId = `bad-${randomUUID()}`;
    await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/sync/push`,
      headers: { ...store.auth, 'x-request-id': requestId },
      payload: { deviceId: store.deviceId, schemaVersion: 1, mutations: [{ id: 'x' }] },
    });
    const lines = log.ofRequest(requestId);
    expect(lines.length).toBe(3);
    expect(lines[1]).toMatchObject({ msg: expect.stringMatching(/./), storeId: store.storeId });
  });

  it('writes no token, password or refresh token anywhere in the stream', async () => {
    await push(app, store, store.deviceId, []);
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: store.session.refreshToken },
    });
    const all = log.raw.join('\n');
    expect(log.raw.length).toBeGreaterThan(8);
    expect(all).not.toContain(store.token);
    expect(all).not.toContain(store.session.refreshToken);
    expect(all).not.toContain('correct horse battery');
  });
});

it('censors credentials and card data in whatever object is logged', () => {
  const out = new CapturedLog();
  const logger = pino(loggerOptions('info'), out);
  logger.info(
    {
      req: { headers: { authorization: 'Bearer abc.def.ghi', cookie: 'sid=1' } },
      body: { password: 'hunter22', pin: '1234', cardNumber: '4111111111111111', cvv: '123' },
      session: { refreshToken: 'r-123', accessToken: 'a-456' },
    },
    'something happened',
  );
  const raw = out.raw.join('');
  for (const secret of [
    'abc.def.ghi',
    'sid=1',
    'hunter22',
    '1234',
    '4111111111111111',
    'r-123',
    'a-456',
  ])
    expect(raw).not.toContain(secret);
  expect(out.lines[0]).toMatchObject({ body: { password: '[redacted]' } });
});
