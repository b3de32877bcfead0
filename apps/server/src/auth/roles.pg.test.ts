/**
 * Each role allowed and refused on representative actions, through HTTP with real tokens:
 * REST routes (owner/manager-only ones refuse with 403 FORBIDDEN_ROLE and change nothing) and
 * mutators pushed through sync (refused as a recorded FORBIDDEN_ROLE rejection, no write).
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Role } from '@mango/domain/entities';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

const ROLES: Role[] = ['owner', 'manager', 'front_desk', 'technician'];
const PASSWORD = 'a long enough password';

interface Person {
  role: Role;
  auth: { authorization: string };
  deviceId: string;
  log: MutationLog;
}

describeEachEngine('roles', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  const people = {} as Record<Role, Person>;
  const spareDevices = {} as Record<Role, string>;
  const staffId = randomUUID();

  async function addUser(
    auth: { authorization: string },
    role: Role,
    email = `${role}-${randomUUID().slice(0, 8)}@example.com`,
  ) {
    return app.inject({
      method: 'POST',
      url: `/api/v1/stores/${store.storeId}/users`,
      headers: auth,
      payload: { email, password: PASSWORD, role },
    });
  }

  async function storeUserCount(): Promise<number> {
    return getDb().transaction(
      { storeId: store.storeId, organizationId: store.organizationId },
      async (sql) =>
        (
          await sql.query<{ n: number }>(
            'select count(*)::int as n from user_store_roles where store_id = $1',
            [store.storeId],
          )
        ).rows[0]!.n,
    );
  }

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Roles');
    spareDevices.owner = await registerDevice(app, store.storeId, store.auth);
    people.owner = {
      role: 'owner',
      auth: store.auth,
      deviceId: store.deviceId,
      log: new MutationLog(store.deviceId),
    };
    for (const role of ['manager', 'front_desk', 'technician'] as const) {
      const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
      const created = await addUser(store.auth, role, email);
      expect(created.statusCode, created.body).toBe(201);
      const login = await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: PASSWORD },
      });
      expect(login.statusCode, login.body).toBe(200);
      const session = json<{ accessToken: string; stores: { id: string; role: Role }[] }>(login);
      expect(session.stores).toEqual([expect.objectContaining({ id: store.storeId, role })]);
      // Devices are registered by the owner; anyone of the store may then sync on them.
      const deviceId = await registerDevice(app, store.storeId, store.auth);
      spareDevices[role] = await registerDevice(app, store.storeId, store.auth);
      people[role] = {
        role,
        auth: { authorization: `Bearer ${session.accessToken}` },
        deviceId,
        log: new MutationLog(deviceId),
      };
    }
    const staff = await push(app, store, store.deviceId, [
      people.owner.log.make('staff.upsert', {
        id: staffId,
        displayName: 'Mai',
        role: 'technician',
        active: true,
      }),
    ]);
    expect(json<{ results: { status: string }[] }>(staff).results[0]?.status).toBe('applied');
  });
  afterAll(async () => {
    await app.close();
  });

  /** Representative routes: who may call them, and a request of each. */
  const routes: {
    action: string;
    allowed: Role[];
    request: (p: Person) => InjectOptions;
  }[] = [
    {
      action: 'add a technician user',
      allowed: ['owner', 'manager'],
      request: (p) => ({
        method: 'POST',
        url: `/api/v1/stores/${store.storeId}/users`,
        headers: p.auth,
        payload: {
          email: `tech-${randomUUID().slice(0, 8)}@example.com`,
          password: PASSWORD,
          role: 'technician',
        },
      }),
    },
    {
      action: 'register a device',
      allowed: ['owner', 'manager'],
      request: (p) => ({
        method: 'POST',
        url: `/api/v1/stores/${store.storeId}/devices`,
        headers: p.auth,
        payload: { deviceId: randomUUID(), name: 'Tablet' },
      }),
    },
    {
      action: 'list the devices',
      allowed: ['owner', 'manager'],
      request: (p) => ({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/devices`,
        headers: p.auth,
      }),
    },
    {
      action: 'revoke a device',
      allowed: ['owner', 'manager'],
      // A device of its own each time: revoking a person's sync device would fail later checks.
      request: (p) => ({
        method: 'DELETE',
        url: `/api/v1/stores/${store.storeId}/devices/${spareDevices[p.role]}`,
        headers: p.auth,
      }),
    },
    {
      action: 'set a staff PIN',
      allowed: ['owner', 'manager'],
      request: (p) => ({
        method: 'PUT',
        url: `/api/v1/stores/${store.storeId}/staff/${staffId}/pin`,
        headers: p.auth,
        payload: { pin: '4821' },
      }),
    },
    {
      action: 'read the error reports',
      allowed: ['owner', 'manager'],
      request: (p) => ({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/errors`,
        headers: p.auth,
      }),
    },
    {
      action: 'read ticket history',
      allowed: ROLES,
      request: (p) => ({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/tickets`,
        headers: p.auth,
      }),
    },
    {
      action: 'pull',
      allowed: ROLES,
      request: (p) => ({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${p.deviceId}&cursor=0`,
        headers: p.auth,
      }),
    },
  ];

  it('routes: each role is allowed or refused with 403 FORBIDDEN_ROLE, and a refusal changes nothing', async () => {
    for (const route of routes) {
      for (const role of ROLES) {
        const usersBefore = await storeUserCount();
        const res = await app.inject(route.request(people[role]));
        const label = `${role} → ${route.action}`;
        if (route.allowed.includes(role)) {
          expect(res.statusCode, `${label}: ${res.body}`).toBeLessThan(300);
        } else {
          expect(res.statusCode, label).toBe(403);
          expect(json<{ error: { code: string } }>(res).error.code, label).toBe('FORBIDDEN_ROLE');
          expect(await storeUserCount(), label).toBe(usersBefore);
        }
      }
    }
  });

  it('a manager may grant only the roles below theirs', async () => {
    for (const role of ['owner', 'manager'] as const) {
      const before = await storeUserCount();
      const res = await addUser(people.manager.auth, role);
      expect(res.statusCode).toBe(403);
      expect(json<{ error: { code: string } }>(res).error.code).toBe('FORBIDDEN_ROLE');
      expect(await storeUserCount()).toBe(before);
    }
    expect((await addUser(people.owner.auth, 'manager')).statusCode).toBe(201);
  });

  it('mutators: each role is applied or refused as the domain says, and a refusal writes nothing', async () => {
    const cases: { name: string; allowed: Role[]; args: () => Record<string, unknown> }[] = [
      {
        name: 'service.upsert',
        allowed: ['owner', 'manager'],
        args: () => ({
          id: randomUUID(),
          name: 'Gel polish',
          durationMin: 30,
          priceCents: 3500,
          taxable: true,
        }),
      },
      {
        name: 'ticket.open',
        allowed: ['owner', 'manager', 'front_desk'],
        args: () => ({ id: randomUUID() }),
      },
      {
        name: 'client.upsert',
        allowed: ['owner', 'manager', 'front_desk'],
        args: () => ({ id: randomUUID(), firstName: 'Hoa', lastName: 'Tran' }),
      },
      {
        name: 'store.updateSettings',
        allowed: ['owner', 'manager'],
        args: () => ({ taxRateBps: 825 }),
      },
    ];
    for (const c of cases) {
      for (const role of ROLES) {
        const p = people[role];
        const args = c.args();
        const res = await push(app, { storeId: store.storeId, auth: p.auth }, p.deviceId, [
          p.log.make(c.name, args),
        ]);
        const label = `${role} → ${c.name}`;
        expect(res.statusCode, `${label}: ${res.body}`).toBe(200);
        const result = json<{ results: { status: string; error?: { code: string } }[] }>(res)
          .results[0];
        if (c.allowed.includes(role)) {
          expect(result?.status, label).toBe('applied');
        } else {
          expect(result, label).toMatchObject({
            status: 'rejected',
            error: { code: 'FORBIDDEN_ROLE' },
          });
          if (typeof args['id'] === 'string') {
            const { replica } = await pullAll(app, store, store.deviceId);
            const written = [...replica.keys()].some((k) => k.endsWith(`:${args['id']}`));
            expect(written, `${label} wrote a row`).toBe(false);
          }
        }
      }
    }
  });
});
