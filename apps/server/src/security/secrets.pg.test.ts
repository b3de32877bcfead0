import { mkdtempSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp } from '../app';
import { createTokenSigner, resolveJwtSecret } from '../auth/tokens';
import { createInProcessBus } from '../bus/event-bus';
import { systemClock } from '../clock';
import { loadConfig } from '../config';
import { describeEachEngine } from '../db/test-support/engines';
import { createMemoryRateLimiter } from '../rate-limit/rate-limiter';
import { json, MutationLog, push, signupStore, TEST_JWT_SECRET } from '../test-support/test-app';

describe('the token signing key', () => {
  it('is generated once under DATA_DIR (owner-only file) and kept across restarts', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'mango-secret-'));
    try {
      const first = resolveJwtSecret(undefined, dir);
      expect(first.length).toBeGreaterThanOrEqual(32);
      expect(statSync(path.join(dir, 'jwt-secret')).mode & 0o077).toBe(0);
      expect(resolveJwtSecret(undefined, dir)).toBe(first);
      expect(resolveJwtSecret('c'.repeat(40), dir)).toBe('c'.repeat(40));
      const other = mkdtempSync(path.join(os.tmpdir(), 'mango-secret-'));
      expect(resolveJwtSecret(undefined, other)).not.toBe(first);
      rmSync(other, { recursive: true, force: true });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Passwords, PINs and tokens never reach the logs or the database in clear, and every answer
 * carries the headers that keep the POS from being framed or fed foreign scripts.
 */
describeEachEngine('secrets in logs and storage', (getDb) => {
  let app: FastifyInstance;
  let logs = '';
  const password = 'correct horse battery';
  const pin = '482913';

  beforeAll(async () => {
    app = await buildApp({
      config: loadConfig({ LOG_LEVEL: 'debug', WEB_DIST_DIR: '/nonexistent' }),
      db: getDb(),
      bus: createInProcessBus(),
      clock: systemClock,
      signer: createTokenSigner(TEST_JWT_SECRET),
      limiter: createMemoryRateLimiter(),
      logDestination: { write: (line: string) => void (logs += line) },
    });
  });
  afterAll(async () => {
    await app.close();
  });

  it('logs no password, PIN, access or refresh token, and stores only their hashes', async () => {
    const store = await signupStore(app, 'Secrets');
    const staffId = crypto.randomUUID();
    const seeded = await push(app, store, store.deviceId, [
      new MutationLog(store.deviceId).make('staff.upsert', {
        id: staffId,
        displayName: 'Ana',
        role: 'technician',
        active: true,
      }),
    ]);
    expect(seeded.statusCode).toBe(200);
    const pinSet = await app.inject({
      method: 'PUT',
      url: `/api/v1/stores/${store.storeId}/staff/${staffId}/pin`,
      headers: store.auth,
      payload: { pin },
    });
    expect(pinSet.statusCode).toBe(204);
    const wrongPin = await app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/staff/${staffId}/pin/verify`,
      headers: store.auth,
      payload: { pin: '000000', deviceId: store.deviceId },
    });
    expect(wrongPin.statusCode).toBe(401);
    const login = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: store.session.user.email, password },
    });
    expect(login.statusCode).toBe(200);
    const wrongLogin = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email: store.session.user.email, password: `${password}!` },
    });
    expect(wrongLogin.statusCode).toBe(401);
    const refreshed = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/refresh',
      payload: { refreshToken: json<{ refreshToken: string }>(login).refreshToken },
    });
    expect(refreshed.statusCode).toBe(200);

    expect(logs.length).toBeGreaterThan(0);
    const secrets = [
      password,
      pin,
      store.token,
      store.session.refreshToken,
      json<{ accessToken: string }>(login).accessToken,
      json<{ refreshToken: string }>(login).refreshToken,
    ];
    for (const secret of secrets) expect(logs).not.toContain(secret);

    const stored = await getDb().ownerTransaction(async (sql) => {
      const users = await sql.query<{ password_hash: string }>(
        'select password_hash from users where email = $1',
        [store.session.user.email],
      );
      const pins = await sql.query<{ row: string }>(
        'select p::text as row from staff_pins p where staff_id = $1',
        [staffId],
      );
      const tokens = await sql.query<{ row: string }>(
        'select t::text as row from refresh_tokens t',
      );
      return { users: users.rows, pins: pins.rows, tokens: tokens.rows };
    });
    expect(stored.users[0]?.password_hash).toMatch(/^\$argon2id\$/);
    expect(stored.pins).toHaveLength(1);
    const everything = JSON.stringify(stored);
    for (const secret of secrets) expect(everything).not.toContain(secret);
  });

  it('sends CSP without framing, no-sniff and no referrer on API answers and errors', async () => {
    for (const url of ['/healthz', '/api/v1/nowhere']) {
      const res = await app.inject({ method: 'GET', url });
      expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
      expect(res.headers['content-security-policy']).toContain("script-src 'self'");
      expect(res.headers['x-frame-options']).toBe('DENY');
      expect(res.headers['x-content-type-options']).toBe('nosniff');
      expect(res.headers['referrer-policy']).toBe('no-referrer');
    }
  });
});
