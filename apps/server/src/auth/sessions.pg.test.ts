/**
 * Sessions and guessing (docs/SECURITY.md "Sessions and accounts"): the refresh retry grace,
 * concurrent refreshes, atomic PIN and password attempt limits, no-store and security headers.
 */
import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Clock } from '../clock';
import { describeEachEngine } from '../db/test-support/engines';
import { SECURITY_HEADERS } from '../http/security-headers';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
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

interface Tokens {
  accessToken: string;
  refreshToken: string;
}
interface ErrorBody {
  error: { code: string; message: string };
}

describeEachEngine('sessions and guessing', (getDb) => {
  let app: FastifyInstance;
  const clock = new TestClock();
  let store: TestStore;

  beforeAll(async () => {
    app = await makeTestApp(getDb(), {
      clock,
      env: { REFRESH_REUSE_GRACE_SEC: '30' },
      loginLimits: { perAccount: 10, perIp: 10_000, windowMs: 15 * 60_000 },
    });
    store = await signupStore(app, 'Sessions');
  });
  afterAll(async () => {
    await app.close();
  });

  const refresh = (refreshToken: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });
  const pullWith = (accessToken: string, s: TestStore = store) =>
    app.inject({
      method: 'GET',
      url: `/api/v1/stores/${s.storeId}/sync/pull?deviceId=${s.deviceId}&cursor=0`,
      headers: { authorization: `Bearer ${accessToken}` },
    });

  it('a refresh whose answer was lost is retried with the same token: 200, and the new tokens work', async () => {
    const s = await signupStore(app, 'Retry');
    // The answer to this refresh is "lost": the device never sees it.
    expect((await refresh(s.session.refreshToken)).statusCode).toBe(200);
    clock.advance(5_000);
    const retry = await refresh(s.session.refreshToken);
    expect(retry.statusCode, retry.body).toBe(200);
    const tokens = json<Tokens>(retry);
    expect((await pullWith(tokens.accessToken, s)).statusCode).toBe(200);
    const next = await refresh(tokens.refreshToken);
    expect(next.statusCode).toBe(200);
    expect((await pullWith(json<Tokens>(next).accessToken, s)).statusCode).toBe(200);
  });

  it('the previous token after the grace, or an older one, revokes the whole family', async () => {
    const late = await signupStore(app, 'Late');
    const first = json<Tokens>(await refresh(late.session.refreshToken));
    clock.advance(31_000);
    const replay = await refresh(late.session.refreshToken);
    expect(replay.statusCode).toBe(401);
    expect(json<ErrorBody>(replay).error.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(first.refreshToken)).statusCode).toBe(401);

    // Within the grace, but its successor was used already: an older token.
    const older = await signupStore(app, 'Older');
    const t1 = json<Tokens>(await refresh(older.session.refreshToken));
    const t2 = json<Tokens>(await refresh(t1.refreshToken));
    const stale = await refresh(older.session.refreshToken);
    expect(stale.statusCode).toBe(401);
    expect(json<ErrorBody>(stale).error.code).toBe('REFRESH_TOKEN_REUSED');
    expect((await refresh(t2.refreshToken)).statusCode).toBe(401);
  });

  it('20 concurrent refreshes of one token: none fails, no deadlock, and the family lives on', async () => {
    const s = await signupStore(app, 'Burst');
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => refresh(s.session.refreshToken)),
    );
    const statuses = answers.map((a) => a.statusCode);
    expect(statuses.filter((c) => c >= 500)).toEqual([]);
    expect(statuses.every((c) => c === 200)).toBe(true);
    // Whichever answer the device kept goes on working.
    const kept = json<Tokens>(answers[answers.length - 1]!);
    const next = await refresh(kept.refreshToken);
    expect(next.statusCode).toBe(200);
    expect((await pullWith(json<Tokens>(next).accessToken, s)).statusCode).toBe(200);
  });

  it('20 wrong PIN guesses at once: at most 5 are evaluated, the rest are refused as locked', async () => {
    const log = new MutationLog(store.deviceId);
    const staffId = randomUUID();
    const upsert = await push(app, store, store.deviceId, [
      log.make('staff.upsert', {
        id: staffId,
        displayName: 'Guess',
        role: 'technician',
        active: true,
      }),
    ]);
    expect(json<{ results: { status: string }[] }>(upsert).results[0]?.status).toBe('applied');
    const pinUrl = `/api/v1/stores/${store.storeId}/staff/${staffId}/pin`;
    const set = await app.inject({
      method: 'PUT',
      url: pinUrl,
      headers: store.auth,
      payload: { pin: '4821' },
    });
    expect(set.statusCode, set.body).toBe(204);
    const guesses = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: `${pinUrl}/verify`,
          headers: store.auth,
          payload: { pin: String(1000 + i), deviceId: store.deviceId },
        }),
      ),
    );
    const codes = guesses.map((g) => json<ErrorBody>(g).error.code);
    expect(codes.filter((c) => c === 'WRONG_PIN')).toHaveLength(5);
    expect(codes.filter((c) => c === 'PIN_LOCKED')).toHaveLength(15);
    // Locked: even the right PIN is refused now, and evaluated by nobody.
    const right = await app.inject({
      method: 'POST',
      url: `${pinUrl}/verify`,
      headers: store.auth,
      payload: { pin: '4821', deviceId: store.deviceId },
    });
    expect(right.statusCode).toBe(423);
    // After the lock, the right PIN works and clears the count.
    clock.advance(15 * 60_000 + 1000);
    // The access token expired meanwhile (15 min): refresh it as the desk would.
    const fresh = await refresh(store.session.refreshToken);
    expect(fresh.statusCode, fresh.body).toBe(200);
    const tokens = json<Tokens>(fresh);
    store = {
      ...store,
      session: { ...store.session, ...tokens },
      auth: { authorization: `Bearer ${tokens.accessToken}` },
    };
    const after = await app.inject({
      method: 'POST',
      url: `${pinUrl}/verify`,
      headers: store.auth,
      payload: { pin: '4821', deviceId: store.deviceId },
    });
    expect(after.statusCode, after.body).toBe(200);
  });

  it('20 wrong passwords for one account at once: at most 10 are evaluated, the rest 429', async () => {
    const email = store.session.user.email;
    const tries = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        app.inject({
          method: 'POST',
          url: '/api/v1/auth/login',
          payload: { email, password: `wrong password ${i}` },
        }),
      ),
    );
    const statuses = tries.map((t) => t.statusCode);
    expect(statuses.filter((c) => c === 401)).toHaveLength(10);
    expect(statuses.filter((c) => c === 429)).toHaveLength(10);
    // Locked for the window: the right password too.
    const right = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'correct horse battery' },
    });
    expect(right.statusCode).toBe(429);
  });

  it('every answer carrying a token is Cache-Control: no-store, errors of those routes too', async () => {
    const email = `nostore-${randomUUID().slice(0, 8)}@example.com`;
    const signup = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/signup',
      payload: { organizationName: 'N', storeName: 'N', email, password: 'long enough password' },
    });
    expect(signup.statusCode).toBe(201);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: 'long enough password' },
    });
    const refreshed = await refresh(json<Tokens>(login).refreshToken);
    const wrong = await refresh('not-a-token-at-all');
    for (const res of [signup, login, refreshed, wrong]) {
      expect(res.headers['cache-control']).toBe('no-store');
      for (const [name, value] of Object.entries(SECURITY_HEADERS))
        expect(res.headers[name]).toBe(value);
    }
  });

  it('the SSE event stream carries the security headers', async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const { port } = app.server.address() as AddressInfo;
    const headers = await new Promise<http.IncomingHttpHeaders>((resolve, reject) => {
      const req = http.get(
        {
          host: '127.0.0.1',
          port,
          path: `/api/v1/stores/${store.storeId}/sync/events?deviceId=${store.deviceId}`,
          headers: store.auth,
        },
        (res) => {
          resolve(res.headers);
          res.destroy();
        },
      );
      req.on('error', reject);
    });
    expect(headers['content-type']).toMatch(/text\/event-stream/);
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) expect(headers[name]).toBe(value);
  });
});
