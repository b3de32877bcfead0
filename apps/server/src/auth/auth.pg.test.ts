import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import type { Clock } from '../clock';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

class TestClock implements Clock {
  constructor(private t = Date.now()) {}
  now() {
    return new Date(this.t);
  }
  advance(ms: number) {
    this.t += ms;
  }
}

interface ErrorBody {
  error: { code: string; message: string };
}

describeEachEngine('accounts: signup, login, tokens', (getDb) => {
  let app: FastifyInstance;
  const clock = new TestClock();
  let store: TestStore;

  beforeAll(async () => {
    app = await makeTestApp(getDb(), {
      clock,
      loginLimits: { perAccount: 5, perIp: 1000, windowMs: 60_000 },
    });
    store = await signupStore(app, 'Auth');
  });
  afterAll(async () => {
    await app.close();
  });

  it('refuses a second signup with the same email with 409', async () => {
    const email = `dup-${randomUUID().slice(0, 6)}@example.com`;
    const body = { organizationName: 'A', storeName: 'B', email, password: 'long enough password' };
    expect(
      (await app.inject({ method: 'POST', url: '/api/v1/auth/signup', payload: body })).statusCode,
    ).toBe(201);
    const again = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { ...body, email: email.toUpperCase() },
    });
    expect(again.statusCode).toBe(409);
    expect(json<ErrorBody>(again).error.code).toBe('EMAIL_TAKEN');
  });

  it('logs in with the right password and refuses a wrong one with 401', async () => {
    const email = `login-${randomUUID().slice(0, 6)}@example.com`;
    await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { organizationName: 'L', storeName: 'L', email, password: 'the right password' },
    });
    const ok = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'the right password' },
    });
    expect(ok.statusCode).toBe(200);
    const session = json<{ accessToken: string; stores: { role: string }[] }>(ok);
    expect(session.stores[0]?.role).toBe('owner');
    const wrong = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'not the password' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(json<ErrorBody>(wrong).error.code).toBe('INVALID_CREDENTIALS');
    const nobody = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: 'nobody@example.com', password: 'whatever1' },
    });
    expect(nobody.statusCode).toBe(401);
  });

  it('expires access tokens, and refresh issues new ones', async () => {
    const url = `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=0`;
    expect((await app.inject({ method: 'GET', url, headers: store.auth })).statusCode).toBe(200);
    clock.advance(16 * 60 * 1000);
    const expired = await app.inject({ method: 'GET', url, headers: store.auth });
    expect(expired.statusCode).toBe(401);
    const refreshed = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: store.session.refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);
    const tokens = json<{ accessToken: string; refreshToken: string }>(refreshed);
    expect(
      (
        await app.inject({
          method: 'GET',
          url,
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        })
      ).statusCode,
    ).toBe(200);
    store = {
      ...store,
      session: { ...store.session, ...tokens },
      auth: { authorization: `Bearer ${tokens.accessToken}` },
    };
  });

  it('kills the whole family when a rotated refresh token is reused', async () => {
    const s = await signupStore(app, 'Family');
    const first = json<{ refreshToken: string }>(
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: s.session.refreshToken },
      }),
    );
    // The old token again, after the retry grace (60 s): someone copied it.
    clock.advance(61_000);
    const reuse = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: s.session.refreshToken },
    });
    expect(reuse.statusCode).toBe(401);
    expect(json<ErrorBody>(reuse).error.code).toBe('REFRESH_TOKEN_REUSED');
    // The legitimate newest token is dead too.
    const newest = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: first.refreshToken },
    });
    expect(newest.statusCode).toBe(401);
  });

  it('logout revokes the refresh token', async () => {
    const s = await signupStore(app, 'Logout');
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/auth/logout',
          payload: { refreshToken: s.session.refreshToken },
        })
      ).statusCode,
    ).toBe(204);
    expect(
      (
        await app.inject({
          method: 'POST',
          url: '/api/v1/auth/refresh',
          payload: { refreshToken: s.session.refreshToken },
        })
      ).statusCode,
    ).toBe(401);
  });

  it('answers 429 with Retry-After to a brute force on one account', async () => {
    const email = `brute-${randomUUID().slice(0, 6)}@example.com`;
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: `guess-${i}-xx` },
      });
      statuses.push(res.statusCode);
      if (res.statusCode === 429) {
        expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        expect(json<ErrorBody>(res).error.code).toBe('RATE_LIMITED');
      }
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429]);
  });

  it('locks a staff PIN after five wrong tries', async () => {
    const log = new MutationLog(store.deviceId);
    const staffId = randomUUID();
    await push(app, store, store.deviceId, [
      log.make('staff.upsert', {
        id: staffId,
        displayName: 'Mai',
        role: 'technician',
        active: true,
      }),
    ]);
    const pinUrl = `/api/v1/stores/${store.storeId}/staff/${staffId}/pin`;
    expect(
      (
        await app.inject({
          method: 'PUT',
          url: pinUrl,
          headers: store.auth,
          payload: { pin: '4821' },
        })
      ).statusCode,
    ).toBe(204);
    const verify = (pin: string) =>
      app.inject({
        method: 'POST',
        url: `${pinUrl}/verify`,
        headers: store.auth,
        payload: { pin, deviceId: store.deviceId },
      });
    expect(json<{ staffId: string; role: string }>(await verify('4821'))).toMatchObject({
      staffId,
      role: 'technician',
    });
    for (let i = 0; i < 5; i++) expect((await verify('0000')).statusCode).toBe(401);
    const locked = await verify('4821');
    expect(locked.statusCode).toBe(423);
    expect(json<ErrorBody>(locked).error.code).toBe('PIN_LOCKED');
    clock.advance(16 * 60 * 1000);
    // The access token expired meanwhile; a fresh login gets a new one.
    const refreshed = json<{ accessToken: string; refreshToken: string }>(
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/refresh',
        payload: { refreshToken: store.session.refreshToken },
      }),
    );
    store = {
      ...store,
      session: { ...store.session, ...refreshed },
      auth: { authorization: `Bearer ${refreshed.accessToken}` },
    };
    expect((await verify('4821')).statusCode).toBe(200);
  });

  it('serves offline PIN verifiers (PBKDF2) to registered devices of the store only', async () => {
    const deviceId = await registerDevice(app, store.storeId, store.auth);
    const log = new MutationLog(deviceId);
    const staffId = randomUUID();
    const staffPush = await push(app, store, deviceId, [
      log.make('staff.upsert', {
        id: staffId,
        displayName: 'Kim',
        role: 'technician',
        active: true,
      }),
    ]);
    expect(staffPush.statusCode).toBe(200);
    await app.inject({
      method: 'PUT',
      url: `/api/v1/stores/${store.storeId}/staff/${staffId}/pin`,
      headers: store.auth,
      payload: { pin: '135790' },
    });
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/staff/pin-verifiers?deviceId=${store.deviceId}`,
      headers: store.auth,
    });
    expect(res.statusCode).toBe(200);
    const { verifiers } = json<{
      verifiers: { staffId: string; salt: string; iterations: number; hash: string }[];
    }>(res);
    const mine = verifiers.find((v) => v.staffId === staffId)!;
    expect(mine.iterations).toBeGreaterThanOrEqual(210_000);
    const { pbkdf2Sync } = await import('node:crypto');
    const derive = (pin: string) =>
      pbkdf2Sync(pin, Buffer.from(mine.salt, 'base64'), mine.iterations, 32, 'sha256').toString(
        'base64',
      );
    expect(derive('135790')).toBe(mine.hash);
    expect(derive('135791')).not.toBe(mine.hash);
    expect(res.body).not.toContain('argon2');
    const other = await signupStore(app, 'OtherPins');
    const foreign = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/staff/pin-verifiers?deviceId=${other.deviceId}`,
      headers: store.auth,
    });
    expect(foreign.statusCode).toBe(403);
  });

  it('refuses PIN changes by a role below manager and bad PIN formats', async () => {
    const bad = await app.inject({
      method: 'PUT',
      url: `/api/v1/stores/${store.storeId}/staff/${randomUUID()}/pin`,
      headers: store.auth,
      payload: { pin: '12a4' },
    });
    expect(bad.statusCode).toBe(400);
    expect(json<ErrorBody>(bad).error.code).toBe('VALIDATION_FAILED');
  });
});
