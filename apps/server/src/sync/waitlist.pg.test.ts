import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ENTITY_TABLES, TABLE_ENTITY_NAMES } from '../db/entity-tables';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pullAll,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';

interface PushResult {
  id: number;
  status: 'applied' | 'duplicate' | 'rejected';
  error?: { code: string; message: string };
}

/**
 * The waitlist through the real push and pull: an entry added, changed and booked lands once,
 * a second push of the same mutations changes nothing, another store neither sees nor touches
 * it, a technician is refused, and hostile input is a coded rejection that does not stop the
 * device's next mutation.
 */
describeEachEngine('waitlist through the push', (getDb) => {
  let app: FastifyInstance;
  let a: TestStore;
  let b: TestStore;
  let aLog: MutationLog;
  let bLog: MutationLog;
  const desk = randomUUID();
  const tech = randomUUID();
  const manicure = randomUUID();
  const polish = randomUUID();
  const client = randomUUID();
  const entry = randomUUID();

  async function pushAs(store: TestStore, mutations: unknown[]): Promise<PushResult[]> {
    const res = await push(app, store, store.deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
    return json<{ results: PushResult[] }>(res).results;
  }
  const asDesk = (name: string, args: Record<string, unknown>) => ({
    ...aLog.make(name, args),
    actorStaffId: desk,
  });
  async function rowsOf(store: TestStore) {
    const { replica, cursor } = await pullAll(app, store, store.deviceId);
    const get = (entity: string, id: string) =>
      replica.get(`${entity}:${id}`)?.data as Record<string, unknown> | undefined;
    return { replica, cursor, get };
  }
  const codes = (results: PushResult[]) => results.map((r) => r.error?.code ?? r.status);

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    a = await signupStore(app, 'Waitlist A');
    b = await signupStore(app, 'Waitlist B');
    aLog = new MutationLog(a.deviceId);
    bLog = new MutationLog(b.deviceId);
    const setup = await pushAs(a, [
      aLog.make('staff.upsert', {
        id: desk,
        displayName: 'Dana',
        role: 'front_desk',
        active: true,
      }),
      aLog.make('staff.upsert', { id: tech, displayName: 'Mai', role: 'technician', active: true }),
      aLog.make('service.upsert', {
        id: manicure,
        name: 'Gel Manicure',
        durationMin: 45,
        priceCents: 4000,
        taxable: true,
      }),
      aLog.make('service.upsert', {
        id: polish,
        name: 'Polish change',
        durationMin: 15,
        priceCents: 1500,
        taxable: false,
      }),
      aLog.make('client.upsert', { id: client, firstName: 'Kim', lastName: 'Lee' }),
    ]);
    expect(codes(setup)).toEqual(setup.map(() => 'applied'));
  });
  afterAll(async () => {
    await app.close();
  });

  it('the table is purged and audited as every synced table is', async () => {
    const purged = await getDb().ownerTransaction((sql) =>
      sql.query<{ table_name: string }>('select table_name from purge_tombstones()'),
    );
    expect(purged.rows.map((r) => r.table_name).sort()).toEqual(
      TABLE_ENTITY_NAMES.map((e) => ENTITY_TABLES[e].table).sort(),
    );
    // The row trigger must stand aside for the push's own audit (0019), as on walk_ins.
    const triggers = await getDb().ownerTransaction((sql) =>
      sql.query<{ tbl: string; def: string }>(
        `select c.relname as tbl, pg_get_triggerdef(t.oid) as def from pg_trigger t
           join pg_class c on c.oid = t.tgrelid
          where t.tgname = 'audit' and c.relname in ('walk_ins', 'waitlist_entries')`,
      ),
    );
    const def = (tbl: string) =>
      triggers.rows.find((r) => r.tbl === tbl)?.def.replaceAll(tbl, 'T') ?? 'missing';
    expect(def('waitlist_entries')).toBe(def('walk_ins'));
  });

  it('adds, changes and books an entry once; the same push again is a no-op', async () => {
    const first = randomUUID();
    const second = randomUUID();
    const batch = [
      asDesk('waitlist.add', {
        id: entry,
        clientId: client,
        serviceIds: [manicure, polish],
        fromDate: '2026-12-07',
        toDate: '2026-12-12',
        windowStart: '13:00',
        windowEnd: '18:00',
      }),
      asDesk('waitlist.update', { id: entry, staffId: tech, notes: 'Any afternoon' }),
      asDesk('waitlist.book', {
        id: entry,
        staffId: tech,
        start: '2026-12-08T19:00:00.000Z',
        appointmentIds: [first, second],
      }),
    ];
    expect(codes(await pushAs(a, batch))).toEqual(['applied', 'applied', 'applied']);
    const before = await rowsOf(a);
    expect(before.get('waitlistEntry', entry)).toMatchObject({
      status: 'booked',
      staffId: tech,
      appointmentId: first,
      notes: 'Any afternoon',
    });
    expect(before.get('appointment', first)).toMatchObject({
      clientId: client,
      serviceId: manicure,
      start: '2026-12-08T19:00:00.000Z',
      end: '2026-12-08T19:45:00.000Z',
      status: 'booked',
    });
    expect(before.get('appointment', second)).toMatchObject({
      serviceId: polish,
      start: '2026-12-08T19:45:00.000Z',
    });

    expect(codes(await pushAs(a, batch))).toEqual(['duplicate', 'duplicate', 'duplicate']);
    const after = await rowsOf(a);
    expect(after.cursor).toBe(before.cursor);
    expect(after.replica).toEqual(before.replica);
  });

  it('another store neither sees the entry nor can change it', async () => {
    const seen = await rowsOf(b);
    expect([...seen.replica.keys()].filter((k) => k.startsWith('waitlistEntry:'))).toEqual([]);
    const attempts = await pushAs(b, [
      bLog.make('waitlist.update', { id: entry, notes: 'hijacked' }),
      bLog.make('waitlist.remove', { id: entry }),
      bLog.make('waitlist.book', {
        id: entry,
        staffId: tech,
        start: '2026-12-08T15:00:00.000Z',
        appointmentIds: [randomUUID(), randomUUID()],
      }),
      // A's client and services are not B's either.
      bLog.make('waitlist.add', {
        id: randomUUID(),
        clientId: client,
        serviceIds: [manicure],
        fromDate: '2026-12-07',
        toDate: '2026-12-08',
      }),
    ]);
    expect(codes(attempts)).toEqual([
      'WAITLIST_ENTRY_NOT_FOUND',
      'WAITLIST_ENTRY_NOT_FOUND',
      'WAITLIST_ENTRY_NOT_FOUND',
      'CLIENT_NOT_FOUND',
    ]);
    expect((await rowsOf(a)).get('waitlistEntry', entry)).toMatchObject({
      status: 'booked',
      notes: 'Any afternoon',
    });
  });

  it('refuses a technician, and hostile input with a code while the next mutation applies', async () => {
    const asTech = (name: string, args: Record<string, unknown>) => ({
      ...aLog.make(name, args),
      actorStaffId: tech,
    });
    const valid = {
      clientId: client,
      serviceIds: [polish],
      fromDate: '2026-12-07',
      toDate: '2026-12-09',
    };
    const kept = randomUUID();
    const results = await pushAs(a, [
      asTech('waitlist.add', { id: randomUUID(), ...valid }),
      asDesk('waitlist.add', { id: randomUUID(), ...valid, toDate: '2026-12-06' }),
      asDesk('waitlist.add', { id: randomUUID(), ...valid, notes: 'x'.repeat(10_000) }),
      asDesk('waitlist.add', { id: randomUUID(), ...valid, fromDate: "'; drop table x; --" }),
      asDesk('waitlist.add', { id: randomUUID(), ...valid, windowStart: '9', windowEnd: '99:99' }),
      asDesk('waitlist.add', {
        id: randomUUID(),
        ...valid,
        serviceIds: Array.from({ length: 9 }, () => randomUUID()),
      }),
      asDesk('waitlist.add', { id: randomUUID(), ...valid, serviceIds: { 0: polish } }),
      asDesk('waitlist.add', { id: randomUUID(), ...valid, notes: 'bad\u0000text' }),
      asDesk('waitlist.add', { id: kept, ...valid }),
    ]);
    expect(codes(results)).toEqual([
      'FORBIDDEN_ROLE',
      'INVALID_ARGS',
      'INVALID_ARGS',
      'INVALID_ARGS',
      'INVALID_ARGS',
      'INVALID_ARGS',
      'INVALID_ARGS',
      'INVALID_TEXT',
      'applied',
    ]);
    const { replica, get } = await rowsOf(a);
    expect(get('waitlistEntry', kept)).toMatchObject({ status: 'waiting', serviceIds: [polish] });
    const entries = [...replica.keys()].filter((k) => k.startsWith('waitlistEntry:'));
    expect(entries.sort()).toEqual([`waitlistEntry:${entry}`, `waitlistEntry:${kept}`].sort());
  });
});
