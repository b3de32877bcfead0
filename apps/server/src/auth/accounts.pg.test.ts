/**
 * Store sign-ins (accounts) through HTTP with real tokens: who may create, change, deactivate
 * and remove whom (@mango/domain/accounts), PIN setting rules, the acting-staff header, the
 * tenant boundary, and rights lost within seconds on every instance.
 */
import { randomUUID } from 'node:crypto';
import type { FastifyInstance, InjectOptions } from 'fastify';
import type { Role } from '@mango/domain/entities';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createMemoryCache } from '../cache/memory-cache';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

const PASSWORD = 'a long enough password';

class TestClock implements Clock {
  constructor(private t = Date.now()) {}
  now() {
    return new Date(this.t);
  }
  advance(ms: number) {
    this.t += ms;
  }
}

interface Account {
  userId: string;
  email: string;
  role: Role;
  auth: { authorization: string };
  refreshToken: string;
}
interface ErrorBody {
  error: { code: string; message: string };
}
interface UserRow {
  userId: string;
  email: string;
  role: Role;
  active: boolean;
}

/** The real database, every transaction counted (to measure what the rights check costs). */
function countingDb(db: Db): { db: Db; count: () => number } {
  let n = 0;
  const counted = new Proxy(db, {
    get(target, prop, receiver) {
      if (prop === 'transaction')
        return (...args: Parameters<Db['transaction']>) => {
          n++;
          return target.transaction(...args);
        };
      const value: unknown = Reflect.get(target, prop, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { db: counted, count: () => n };
}

describeEachEngine('store accounts', (getDb) => {
  let app: FastifyInstance;
  const clock = new TestClock();
  let store: TestStore;
  let other: TestStore;
  const people = {} as Record<Role, Account>;
  let counter: ReturnType<typeof countingDb>;
  // What Redis is to a fleet of instances: one read cache they all use (app, app2, app3).
  const sharedCache = createMemoryCache();

  const usersUrl = (s: { storeId: string } = store) => `/api/v1/stores/${s.storeId}/users`;
  const as = (a: { auth: { authorization: string } }, opts: InjectOptions): InjectOptions => ({
    ...opts,
    headers: { ...a.auth, ...(opts.headers as Record<string, string> | undefined) },
  });

  async function login(email: string) {
    const res = await app.inject({
      method: 'POST',
      url: '/api/v1/auth/login',
      payload: { email, password: PASSWORD },
    });
    expect(res.statusCode, res.body).toBe(200);
    return json<{ accessToken: string; refreshToken: string; user: { id: string } }>(res);
  }

  async function newAccount(role: Role, by: { auth: { authorization: string } } = store) {
    const email = `${role}-${randomUUID().slice(0, 8)}@example.com`;
    const created = await app.inject(
      as(by, {
        method: 'POST',
        url: usersUrl(),
        payload: { email, password: PASSWORD, role },
      }),
    );
    expect(created.statusCode, created.body).toBe(201);
    const session = await login(email);
    return {
      userId: session.user.id,
      email,
      role,
      auth: { authorization: `Bearer ${session.accessToken}` },
      refreshToken: session.refreshToken,
    } satisfies Account;
  }

  async function listUsers(): Promise<UserRow[]> {
    const res = await app.inject(as(store, { method: 'GET', url: usersUrl() }));
    expect(res.statusCode, res.body).toBe(200);
    return json<{ users: UserRow[] }>(res).users;
  }

  const patch = (
    by: { auth: { authorization: string } },
    userId: string,
    payload: Record<string, unknown> | unknown[],
  ) => app.inject(as(by, { method: 'PATCH', url: `${usersUrl()}/${userId}`, payload }));
  const remove = (by: { auth: { authorization: string } }, userId: string) =>
    app.inject(as(by, { method: 'DELETE', url: `${usersUrl()}/${userId}` }));
  const pullAs = (a: { auth: { authorization: string } }) =>
    app.inject(
      as(a, {
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=0`,
      }),
    );
  const refresh = (refreshToken: string) =>
    app.inject({ method: 'POST', url: '/api/v1/auth/refresh', payload: { refreshToken } });

  beforeAll(async () => {
    counter = countingDb(getDb());
    app = await makeTestApp(counter.db, { clock, cache: sharedCache });
    store = await signupStore(app, 'Accounts');
    other = await signupStore(app, 'Elsewhere');
    people.owner = {
      userId: store.session.user.id,
      email: store.session.user.email,
      role: 'owner',
      auth: store.auth,
      refreshToken: store.session.refreshToken,
    };
    for (const role of ['manager', 'front_desk', 'technician'] as const)
      people[role] = await newAccount(role);
  });
  afterAll(async () => {
    await app.close();
  });

  it('a manager cannot demote the owner through POST …/users (was 200): 403, nothing changes', async () => {
    const res = await app.inject(
      as(people.manager, {
        method: 'POST',
        url: usersUrl(),
        payload: { email: people.owner.email, password: PASSWORD, role: 'technician' },
      }),
    );
    expect(res.statusCode).toBe(403);
    expect(json<ErrorBody>(res).error.code).toBe('FORBIDDEN_ROLE');
    expect((await listUsers()).find((u) => u.userId === people.owner.userId)?.role).toBe('owner');
  });

  it('lists the sign-ins: owner and manager yes, front desk and technician 403', async () => {
    const expected: Record<Role, number> = {
      owner: 200,
      manager: 200,
      front_desk: 403,
      technician: 403,
    };
    for (const role of Object.keys(expected) as Role[]) {
      const res = await app.inject(as(people[role], { method: 'GET', url: usersUrl() }));
      expect(res.statusCode, role).toBe(expected[role]);
    }
    const users = await listUsers();
    expect(users.map((u) => u.role).sort()).toEqual(
      ['front_desk', 'manager', 'owner', 'technician'].sort(),
    );
    expect(users.every((u) => u.active)).toBe(true);
  });

  it('changing roles: as each role, allowed or refused as the rules say', async () => {
    const tech = await newAccount('technician');
    // front desk and technician: refused outright.
    for (const role of ['front_desk', 'technician'] as const) {
      const res = await patch(people[role], tech.userId, { role: 'front_desk' });
      expect(res.statusCode, role).toBe(403);
    }
    // manager: technician ↔ front desk yes; to manager no; the owner no.
    expect((await patch(people.manager, tech.userId, { role: 'front_desk' })).statusCode).toBe(200);
    const up = await patch(people.manager, tech.userId, { role: 'manager' });
    expect(up.statusCode).toBe(403);
    expect(json<ErrorBody>(up).error.code).toBe('FORBIDDEN_ROLE');
    expect((await patch(people.manager, people.owner.userId, { active: false })).statusCode).toBe(
      403,
    );
    expect((await patch(people.manager, people.manager.userId, { role: 'owner' })).statusCode).toBe(
      403,
    );
    // owner: anything, but not take away the last owner nor deactivate themselves.
    expect((await patch(people.owner, tech.userId, { role: 'manager' })).statusCode).toBe(200);
    const last = await patch(people.owner, people.owner.userId, { role: 'manager' });
    expect(last.statusCode).toBe(409);
    expect(json<ErrorBody>(last).error.code).toBe('LAST_OWNER');
    const self = await patch(people.owner, people.owner.userId, { active: false });
    expect(self.statusCode).toBe(403);
    expect(json<ErrorBody>(self).error.code).toBe('SELF_CHANGE');
    expect((await listUsers()).find((u) => u.userId === tech.userId)?.role).toBe('manager');
  });

  it('a demoted, deactivated or removed account loses its rights at once, and its refresh tokens', async () => {
    // Demoted manager → technician: manager routes refused on the very next request.
    const m = await newAccount('manager');
    expect((await app.inject(as(m, { method: 'GET', url: usersUrl() }))).statusCode).toBe(200);
    expect((await patch(people.owner, m.userId, { role: 'technician' })).statusCode).toBe(200);
    const demoted = await app.inject(as(m, { method: 'GET', url: usersUrl() }));
    expect(demoted.statusCode).toBe(403);
    expect(json<ErrorBody>(demoted).error.code).toBe('FORBIDDEN_ROLE');
    expect((await refresh(m.refreshToken)).statusCode).toBe(401);

    // Deactivated: no access to the store at all; reactivated: signs in again.
    const fd = await newAccount('front_desk');
    expect((await pullAs(fd)).statusCode).toBe(200);
    const off = await patch(people.manager, fd.userId, { active: false });
    expect(off.statusCode, off.body).toBe(200);
    expect(json<UserRow>(off).active).toBe(false);
    expect((await pullAs(fd)).statusCode).toBe(403);
    expect((await refresh(fd.refreshToken)).statusCode).toBe(401);
    const loginOff = json<{ stores: unknown[] }>(
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email: fd.email, password: PASSWORD },
      }),
    );
    expect(loginOff.stores).toEqual([]);
    expect((await patch(people.manager, fd.userId, { active: true })).statusCode).toBe(200);
    const back = await login(fd.email);
    expect(
      (await pullAs({ auth: { authorization: `Bearer ${back.accessToken}` } })).statusCode,
    ).toBe(200);

    // Removed.
    const t = await newAccount('technician');
    expect((await remove(people.manager, t.userId)).statusCode).toBe(204);
    expect((await pullAs(t)).statusCode).toBe(403);
    expect((await refresh(t.refreshToken)).statusCode).toBe(401);
    expect((await listUsers()).some((u) => u.userId === t.userId)).toBe(false);
  });

  it('removing: a manager not the owner, nobody themselves, the owner a second owner', async () => {
    expect((await remove(people.manager, people.owner.userId)).statusCode).toBe(403);
    expect((await remove(people.front_desk, people.technician.userId)).statusCode).toBe(403);
    // A manager removing a manager (themselves): not theirs to change at all.
    expect(json<ErrorBody>(await remove(people.manager, people.manager.userId)).error.code).toBe(
      'FORBIDDEN_ROLE',
    );
    const self = await remove(people.owner, people.owner.userId);
    expect(self.statusCode).toBe(403);
    expect(json<ErrorBody>(self).error.code).toBe('SELF_CHANGE');
    const second = await newAccount('owner');
    expect((await remove(people.owner, second.userId)).statusCode).toBe(204);
  });

  it('bad input answers 400 (or 404 for a malformed id) with a code, and changes nothing', async () => {
    const before = await listUsers();
    const id = people.technician.userId;
    for (const payload of [{}, { role: 'boss' }, { active: 'no' }, { role: 'manager', x: 1 }, []]) {
      const res = await patch(people.owner, id, payload);
      expect(res.statusCode, JSON.stringify(payload)).toBe(400);
      expect(json<ErrorBody>(res).error.code).toBe('VALIDATION_FAILED');
    }
    const malformed = await patch(people.owner, 'not-a-uuid', { role: 'technician' });
    expect(malformed.statusCode).toBe(404);
    const unknown = await patch(people.owner, randomUUID(), { role: 'technician' });
    expect(unknown.statusCode).toBe(404);
    expect(json<ErrorBody>(unknown).error.code).toBe('USER_NOT_FOUND');
    expect((await remove(people.owner, randomUUID())).statusCode).toBe(404);
    expect(await listUsers()).toEqual(before);
  });

  it('tenant boundary: another store’s owner can neither list nor change these sign-ins', async () => {
    const before = await listUsers();
    const id = people.technician.userId;
    expect((await app.inject(as(other, { method: 'GET', url: usersUrl() }))).statusCode).toBe(403);
    expect((await patch(other, id, { role: 'front_desk' })).statusCode).toBe(403);
    expect((await remove(other, id)).statusCode).toBe(403);
    // Through its own store's URL, with this store's user id: not found there.
    const cross = await app.inject(
      as(other, {
        method: 'PATCH',
        url: `${usersUrl(other)}/${id}`,
        payload: { role: 'front_desk' },
      }),
    );
    expect(cross.statusCode).toBe(404);
    const crossDelete = await app.inject(
      as(other, { method: 'DELETE', url: `${usersUrl(other)}/${id}` }),
    );
    expect(crossDelete.statusCode).toBe(404);
    expect(await listUsers()).toEqual(before);
  });

  describe('staff PINs and the acting staff header', () => {
    const staff = {} as Record<Role, string>;
    const managerStaffOwn = randomUUID();
    /** A staff member of the other store (an owner there). */
    const otherStaff = randomUUID();
    beforeAll(async () => {
      const otherLog = new MutationLog(other.deviceId);
      const b = await push(app, other, other.deviceId, [
        otherLog.make('staff.upsert', {
          id: otherStaff,
          displayName: 'B',
          role: 'owner',
          active: true,
        }),
      ]);
      expect(json<{ results: { status: string }[] }>(b).results[0]?.status).toBe('applied');
      const log = new MutationLog(store.deviceId);
      const upserts = (['owner', 'manager', 'front_desk', 'technician'] as const).map((role) => {
        staff[role] = randomUUID();
        return log.make('staff.upsert', {
          id: staff[role],
          displayName: `Staff ${role}`,
          role,
          active: true,
        });
      });
      upserts.push(
        log.make('staff.upsert', {
          id: managerStaffOwn,
          displayName: 'The manager',
          role: 'manager',
          active: true,
          userId: people.manager.userId,
        }),
      );
      const res = await push(app, store, store.deviceId, upserts);
      expect(
        json<{ results: { status: string }[] }>(res).results.every((r) => r.status === 'applied'),
        res.body,
      ).toBe(true);
    });

    const setPin = (by: { auth: { authorization: string } }, staffId: string, headers = {}) =>
      app.inject(
        as(by, {
          method: 'PUT',
          url: `/api/v1/stores/${store.storeId}/staff/${staffId}/pin`,
          payload: { pin: '2580' },
          headers,
        }),
      );

    it('PINs: owner anyone; manager self, front desk, technicians; below manager nobody', async () => {
      const expected: Record<Role, Record<Role, number>> = {
        owner: { owner: 204, manager: 204, front_desk: 204, technician: 204 },
        manager: { owner: 403, manager: 403, front_desk: 204, technician: 204 },
        front_desk: { owner: 403, manager: 403, front_desk: 403, technician: 403 },
        technician: { owner: 403, manager: 403, front_desk: 403, technician: 403 },
      };
      for (const actor of Object.keys(expected) as Role[])
        for (const target of Object.keys(expected[actor]) as Role[])
          expect(
            (await setPin(people[actor], staff[target])).statusCode,
            `${actor}→${target}`,
          ).toBe(expected[actor][target]);
      // The manager's own staff row (linked to their sign-in).
      expect((await setPin(people.manager, managerStaffOwn)).statusCode).toBe(204);
    });

    it('acting staff: the role is capped by the account; unknown, other-store or malformed ids refused', async () => {
      const asTech = { 'x-mango-acting-staff': staff.technician };
      const list = await app.inject(
        as(people.owner, { method: 'GET', url: usersUrl(), headers: asTech }),
      );
      expect(list.statusCode).toBe(403);
      expect(json<ErrorBody>(list).error.code).toBe('FORBIDDEN_ROLE');
      // A manager switched in on the owner's desk acts as a manager: the owner's PIN is refused.
      const asManager = { 'x-mango-acting-staff': staff.manager };
      expect((await setPin(people.owner, staff.owner, asManager)).statusCode).toBe(403);
      expect((await setPin(people.owner, staff.technician, asManager)).statusCode).toBe(204);
      // The manager's own PIN, switched in as themselves.
      expect((await setPin(people.owner, staff.manager, asManager)).statusCode).toBe(204);
      // A front desk account with an owner switched in still acts as front desk.
      const capped = await app.inject(
        as(people.front_desk, {
          method: 'GET',
          url: usersUrl(),
          headers: { 'x-mango-acting-staff': staff.owner },
        }),
      );
      expect(capped.statusCode).toBe(403);
      for (const bad of [randomUUID(), otherStaff]) {
        const res = await app.inject(
          as(people.owner, {
            method: 'GET',
            url: usersUrl(),
            headers: { 'x-mango-acting-staff': bad },
          }),
        );
        expect(res.statusCode).toBe(403);
        expect(json<ErrorBody>(res).error.code).toBe('ACTING_STAFF_INVALID');
      }
      const malformed = await app.inject(
        as(people.owner, {
          method: 'GET',
          url: usersUrl(),
          headers: { 'x-mango-acting-staff': 'nobody' },
        }),
      );
      expect(malformed.statusCode).toBe(400);
      // Without the header: the owner again.
      expect(
        (await app.inject(as(people.owner, { method: 'GET', url: usersUrl() }))).statusCode,
      ).toBe(200);
    });

    it('a staff member deactivated through one instance is refused as acting staff on another within 2 s', async () => {
      const deviceId = await registerDevice(app, store.storeId, store.auth);
      const log = new MutationLog(deviceId);
      const staffId = randomUUID();
      const upsert = (active: boolean) =>
        push(app, store, deviceId, [
          log.make('staff.upsert', {
            id: staffId,
            displayName: 'Leaving',
            role: 'manager',
            active,
          }),
        ]);
      expect((await upsert(true)).statusCode).toBe(200);
      const clock2 = new TestClock(clock.now().getTime());
      const app2 = await makeTestApp(getDb(), { clock: clock2, cache: sharedCache });
      const list2 = () =>
        app2.inject(
          as(people.owner, {
            method: 'GET',
            url: usersUrl(),
            headers: { 'x-mango-acting-staff': staffId },
          }),
        );
      try {
        expect((await list2()).statusCode).toBe(200);
        expect((await upsert(false)).statusCode).toBe(200);
        clock2.advance(1000);
        expect((await list2()).statusCode).toBe(200);
        // The push wrote staff: the store's staff generation moved in the shared cache.
        clock2.advance(1001);
        const refused = await list2();
        expect(refused.statusCode).toBe(403);
        expect(json<ErrorBody>(refused).error.code).toBe('ACTING_STAFF_INVALID');
      } finally {
        await app2.close();
      }
    });
  });

  it('another instance sees a demotion within AUTH_RECHECK_MS (2 s); after the first look the rights check costs no query', async () => {
    const clock2 = new TestClock(clock.now().getTime());
    const second = countingDb(getDb());
    const app2 = await makeTestApp(second.db, { clock: clock2, cache: sharedCache });
    try {
      const m = await newAccount('manager');
      const list2 = () => app2.inject(as(m, { method: 'GET', url: usersUrl() }));
      expect((await list2()).statusCode).toBe(200);
      // 20 requests within the 2 s: the list's own transaction each, and no rights lookup.
      let before = second.count();
      for (let i = 0; i < 20; i++) expect((await list2()).statusCode).toBe(200);
      expect((second.count() - before) / 20).toBe(1);
      // Past the 2 s the instance looks again — in the shared cache, not the database.
      clock2.advance(2001);
      before = second.count();
      expect((await list2()).statusCode).toBe(200);
      expect(second.count() - before).toBe(1);
      // Demoted on the first instance; the second still trusts its last look for < 2 s…
      expect((await patch(people.owner, m.userId, { role: 'technician' })).statusCode).toBe(200);
      clock2.advance(1000);
      expect((await list2()).statusCode).toBe(200);
      // …and not after: the change bumped the account's generation in the shared cache.
      clock2.advance(1001);
      expect((await list2()).statusCode).toBe(403);
    } finally {
      await app2.close();
    }
    // With AUTH_RECHECK_MS=0 every request looks in the shared cache (no extra transaction)…
    const third = countingDb(getDb());
    const app3 = await makeTestApp(third.db, {
      clock,
      cache: sharedCache,
      env: { AUTH_RECHECK_MS: '0' },
    });
    const ownerLists = async (instance: FastifyInstance, counted: typeof third) => {
      const before = counted.count();
      for (let i = 0; i < 20; i++)
        expect(
          (await instance.inject(as(people.owner, { method: 'GET', url: usersUrl() }))).statusCode,
        ).toBe(200);
      return (counted.count() - before) / 20;
    };
    try {
      expect(await ownerLists(app3, third)).toBe(1);
    } finally {
      await app3.close();
    }
    // …and with the read cache off too, in the database: one more transaction per request.
    const fourth = countingDb(getDb());
    const app4 = await makeTestApp(fourth.db, {
      clock,
      env: { AUTH_RECHECK_MS: '0', READ_CACHE: 'false' },
    });
    try {
      expect(await ownerLists(app4, fourth)).toBe(2);
    } finally {
      await app4.close();
    }
    expect(counter.count()).toBeGreaterThan(0);
  });
});
