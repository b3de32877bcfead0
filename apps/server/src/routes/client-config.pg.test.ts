import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ACTING_STAFF_HEADER } from '../auth/authenticate';
import { describeEachEngine } from '../db/test-support/engines';
import { buildObservedApp } from '../observability/test-support/observed-app';
import { MutationLog, push, signupStore, type TestStore } from '../test-support/test-app';

const DSN = 'https://0123abcd@o1.ingest.example.io/4507';

describeEachEngine('GET /api/v1/client-config', (getDb) => {
  describe('without SENTRY_DSN', () => {
    let app: FastifyInstance;
    beforeAll(async () => {
      app = await buildObservedApp(getDb());
    });
    afterAll(() => app.close());

    it('tells the web app not to load Sentry, and the page may only connect to itself', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/client-config' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ sentry: null });
      expect(res.headers['content-security-policy']).toContain("connect-src 'self';");
    });
  });

  describe('with SENTRY_DSN', () => {
    let app: FastifyInstance;
    let store: TestStore;
    const staff = { manager: randomUUID(), front_desk: randomUUID(), technician: randomUUID() };
    beforeAll(async () => {
      app = await buildObservedApp(getDb(), {
        SENTRY_DSN: DSN,
        RELEASE: 'r-2026.12',
        SENTRY_ENVIRONMENT: 'staging',
        SENTRY_SAMPLE_RATE: '0.25',
      });
      store = await signupStore(app, 'Configured');
      const log = new MutationLog(store.deviceId);
      const res = await push(
        app,
        store,
        store.deviceId,
        Object.entries(staff).map(([role, id]) =>
          log.make('staff.upsert', { id, displayName: role, role, active: true }),
        ),
      );
      expect(res.statusCode).toBe(200);
    });
    afterAll(() => app.close());

    it('gives the DSN, release, environment and sample rate, and lets the page reach Sentry', async () => {
      const res = await app.inject({ method: 'GET', url: '/api/v1/client-config' });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({
        sentry: { dsn: DSN, release: 'r-2026.12', environment: 'staging', sampleRate: 0.25 },
      });
      expect(res.headers['cache-control']).toBe('no-cache');
      expect(res.headers['content-security-policy']).toContain(
        "connect-src 'self' https://o1.ingest.example.io;",
      );
    });

    it('answers everyone the same, signed in or not, whoever acts (it holds nothing of a store)', async () => {
      const anonymous = await app.inject({ method: 'GET', url: '/api/v1/client-config' });
      const asked = [
        {},
        { authorization: 'Bearer not-a-token' },
        store.auth,
        ...Object.values(staff).map((id) => ({ ...store.auth, [ACTING_STAFF_HEADER]: id })),
      ];
      for (const headers of asked) {
        const res = await app.inject({ method: 'GET', url: '/api/v1/client-config', headers });
        expect(res.statusCode).toBe(200);
        expect(res.body).toBe(anonymous.body);
        expect(res.body).not.toContain(store.storeId);
      }
    });
  });
});
