import { randomUUID } from 'node:crypto';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { SessionResponse } from '@mango/protocol';
import { buildApp } from '../app';
import { createTokenSigner } from '../auth/tokens';
import type { Cache } from '../cache/cache';
import type { ReadRouter } from '../db/replica';
import { createInProcessBus, type EventBus } from '../bus/event-bus';
import { systemClock, type Clock } from '../clock';
import { loadConfig } from '../config';
import type { Db } from '../db/db';
import { createMemoryRateLimiter, type RateLimiter } from '../rate-limit/rate-limiter';
import type { LoginLimits } from '../routes/auth';

export const TEST_JWT_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestAppOptions {
  bus?: EventBus;
  clock?: Clock;
  limiter?: RateLimiter;
  loginLimits?: LoginLimits;
  env?: Record<string, string>;
  cache?: Cache;
  reads?: ReadRouter;
}

/** The real app over a given database, with in-process bus and limiter unless given. */
export async function makeTestApp(db: Db, opts: TestAppOptions = {}): Promise<FastifyInstance> {
  const config = loadConfig({
    LOG_LEVEL: 'silent',
    WEB_DIST_DIR: '/nonexistent',
    SSE_HEARTBEAT_MS: '1000',
    ...opts.env,
  });
  return buildApp({
    config,
    db,
    bus: opts.bus ?? createInProcessBus(),
    clock: opts.clock ?? systemClock,
    signer: createTokenSigner(TEST_JWT_SECRET),
    limiter: opts.limiter ?? createMemoryRateLimiter(),
    ...(opts.loginLimits ? { loginLimits: opts.loginLimits } : {}),
    ...(opts.cache ? { cache: opts.cache } : {}),
    ...(opts.reads ? { reads: opts.reads } : {}),
  });
}

export interface TestStore {
  session: SessionResponse;
  storeId: string;
  organizationId: string;
  token: string;
  deviceId: string;
  auth: { authorization: string };
}

export function json<T = unknown>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}

/** Signs up a fresh organization and registers one device to its store. */
export async function signupStore(app: FastifyInstance, label = 'Salon'): Promise<TestStore> {
  const email = `${label.toLowerCase().replace(/\W/g, '')}-${randomUUID().slice(0, 8)}@example.com`;
  const res = await app.inject({
    method: 'POST',
    url: '/api/v1/auth/signup',
    payload: {
      organizationName: `${label} Org`,
      storeName: `${label} Store`,
      email,
      password: 'correct horse battery',
    },
  });
  if (res.statusCode !== 201) throw new Error(`signup failed: ${res.statusCode} ${res.body}`);
  const session = json<SessionResponse>(res);
  const storeId = session.stores[0]!.id;
  const auth = { authorization: `Bearer ${session.accessToken}` };
  const deviceId = await registerDevice(app, storeId, auth);
  return {
    session,
    storeId,
    organizationId: session.user.organizationId,
    token: session.accessToken,
    deviceId,
    auth,
  };
}

export async function registerDevice(
  app: FastifyInstance,
  storeId: string,
  auth: { authorization: string },
): Promise<string> {
  const deviceId = randomUUID();
  const res = await app.inject({
    method: 'POST',
    url: `/api/v1/stores/${storeId}/devices`,
    headers: auth,
    payload: { deviceId, name: 'Front desk' },
  });
  if (res.statusCode !== 201)
    throw new Error(`device registration failed: ${res.statusCode} ${res.body}`);
  return deviceId;
}

/** Builds protocol mutations with consecutive ids for one device. */
export class MutationLog {
  private next = 1;
  constructor(readonly deviceId: string) {}
  make(name: string, args: Record<string, unknown>, clientTime = new Date().toISOString()) {
    return { id: this.next++, name, args, clientTime };
  }
}

/** A technician and a service to sell on a ticket: the mutations that make them, and their ids. */
export function technicianAndService(log: MutationLog) {
  const [staffId, serviceId] = [randomUUID(), randomUUID()];
  const mutations = [
    log.make('staff.upsert', {
      id: staffId,
      displayName: 'Linh',
      role: 'technician',
      active: true,
    }),
    log.make('service.upsert', {
      id: serviceId,
      name: 'Gel',
      durationMin: 30,
      priceCents: 4000,
      taxable: false,
    }),
  ];
  return { staffId, serviceId, mutations };
}

export function push(
  app: FastifyInstance,
  store: { storeId: string; auth: { authorization: string } },
  deviceId: string,
  mutations: unknown[],
) {
  return app.inject({
    method: 'POST',
    url: `/api/v1/stores/${store.storeId}/sync/push`,
    headers: store.auth,
    payload: { deviceId, schemaVersion: 1, mutations },
  });
}

export function pull(
  app: FastifyInstance,
  store: { storeId: string; auth: { authorization: string } },
  deviceId: string,
  cursor: number,
  limit?: number,
) {
  return app.inject({
    method: 'GET',
    url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${deviceId}&cursor=${cursor}${limit ? `&limit=${limit}` : ''}`,
    headers: store.auth,
  });
}

/** Pulls every page from `cursor` and folds them into a replica: entity:id → row (tombstones removed). */
export async function pullAll(
  app: FastifyInstance,
  store: { storeId: string; auth: { authorization: string } },
  deviceId: string,
  limit = 1000,
) {
  const replica = new Map<string, { version: number; data: unknown }>();
  let cursor = 0;
  let pages = 0;
  let lastMutationId: number;
  for (;;) {
    const res = await pull(app, store, deviceId, cursor, limit);
    if (res.statusCode !== 200) throw new Error(`pull failed: ${res.statusCode} ${res.body}`);
    const page = json<{
      cursor: number;
      hasMore: boolean;
      lastMutationId: number;
      changes: { entity: string; id: string; version: number; deleted: boolean; data: unknown }[];
    }>(res);
    pages++;
    let prev = -1;
    for (const c of page.changes) {
      if (c.version < prev) throw new Error('changes out of version order');
      prev = c.version;
      if (c.version <= cursor)
        throw new Error(`change at version ${c.version} not after cursor ${cursor}`);
      const key = `${c.entity}:${c.id}`;
      if (c.deleted) replica.delete(key);
      else replica.set(key, { version: c.version, data: c.data });
    }
    cursor = page.cursor;
    lastMutationId = page.lastMutationId;
    if (!page.hasMore) break;
  }
  return { replica, cursor, pages, lastMutationId };
}

/** Sets a staff member's PIN as the store's owner (PUT …/staff/{id}/pin). */
export async function setStaffPinAsOwner(
  app: FastifyInstance,
  store: TestStore,
  staffId: string,
  pin: string,
): Promise<void> {
  const res = await app.inject({
    method: 'PUT',
    url: `/api/v1/stores/${store.storeId}/staff/${staffId}/pin`,
    headers: store.auth,
    payload: { pin },
  });
  if (res.statusCode !== 204)
    throw new Error(`setting a PIN failed: ${res.statusCode} ${res.body}`);
}

/**
 * What a device of the store holds to approve with a manager's PIN: the approval salt and
 * iterations from the PIN verifiers (never the key).
 */
export async function approvalParamsOf(
  app: FastifyInstance,
  store: TestStore,
  staffId: string,
): Promise<{ approvalSalt: string; iterations: number }> {
  const res = await app.inject({
    method: 'GET',
    url: `/api/v1/stores/${store.storeId}/staff/pin-verifiers?deviceId=${store.deviceId}`,
    headers: store.auth,
  });
  const { verifiers } = json<{
    verifiers: { staffId: string; approvalSalt: string | null; iterations: number }[];
  }>(res);
  const v = verifiers.find((x) => x.staffId === staffId);
  if (!v?.approvalSalt) throw new Error(`no approval salt for staff ${staffId}: ${res.body}`);
  return { approvalSalt: v.approvalSalt, iterations: v.iterations };
}
