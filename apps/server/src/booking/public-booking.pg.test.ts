import { randomUUID } from 'node:crypto';
import { addDaysToYmd, businessDate } from '@mango/domain';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
interface FreeTime {
  start: string;
  staffIds: string[];
}
interface Booked {
  booking: {
    token: string;
    status: string;
    start: string;
    end: string;
    serviceName: string;
    staffName: string;
    storeName: string;
    canChange: boolean;
  };
  manageUrl: string;
}

const everyDay = [0, 1, 2, 3, 4, 5, 6].map((weekday) => ({
  weekday,
  startMin: 9 * 60,
  endMin: 17 * 60,
}));

/**
 * The public booking API over the real app and database: the page, free times, a booking that
 * lands once through the booking page's own device, twenty clients racing for one slot, an
 * offline desk booking colliding with an online one, moving and cancelling by the link, hostile
 * input, the tenant boundary, and who may change the settings.
 */
describeEachEngine('online booking', (getDb) => {
  let app: FastifyInstance;
  let a: TestStore;
  let b: TestStore;
  let aLog: MutationLog;
  let bLog: MutationLog;
  const slugA = `salon-a-${randomUUID().slice(0, 8)}`;
  const slugB = `salon-b-${randomUUID().slice(0, 8)}`;
  const desk = randomUUID();
  const manager = randomUUID();
  const ana = randomUUID();
  const ben = randomUUID();
  const manicure = randomUUID();
  const hidden = randomUUID();
  const serviceB = randomUUID();
  let timeZone: string;
  let day: string;

  const settings = (slug: string, extra: object = {}) => ({
    enabled: true,
    slug,
    horizonDays: 30,
    minNoticeMin: 60,
    bufferMin: 0,
    serviceIds: [] as string[],
    staffIds: [] as string[],
    ...extra,
  });

  async function pushAs(store: TestStore, mutations: unknown[]) {
    const res = await push(app, store, store.deviceId, mutations);
    expect(res.statusCode, res.body).toBe(200);
    return json<{ results: PushResult[] }>(res).results;
  }
  const codes = (results: PushResult[]) => results.map((r) => r.error?.code ?? r.status);
  const get = (url: string) => app.inject({ method: 'GET', url });
  const times = async (slug: string, serviceId: string, staffId = 'anyone', date = day) => {
    const res = await get(
      `/api/v1/public/stores/${slug}/availability?serviceId=${serviceId}&staffId=${staffId}&date=${date}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    return json<{ date: string; timeZone: string; times: FreeTime[] }>(res).times;
  };
  const book = (slug: string, body: object, key: string | null = randomUUID()) =>
    app.inject({
      method: 'POST',
      url: `/api/v1/public/stores/${slug}/bookings`,
      headers: key === null ? {} : { 'idempotency-key': key },
      payload: body,
    });
  const bookingBody = (start: string, extra: object = {}) => ({
    serviceId: manicure,
    staffId: 'anyone',
    start,
    client: { name: 'Kim Lee', phone: '+1 (555) 010-0123', email: 'kim@example.com' },
    ...extra,
  });
  const tokenOf = (res: { body: string }) => (JSON.parse(res.body) as Booked).booking.token;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    a = await signupStore(app, 'Booking A');
    b = await signupStore(app, 'Booking B');
    aLog = new MutationLog(a.deviceId);
    bLog = new MutationLog(b.deviceId);
    const setup = await pushAs(a, [
      aLog.make('staff.upsert', {
        id: desk,
        displayName: 'Dana',
        role: 'front_desk',
        active: true,
      }),
      aLog.make('staff.upsert', { id: manager, displayName: 'Max', role: 'manager', active: true }),
      aLog.make('staff.upsert', {
        id: ana,
        displayName: 'Ana',
        role: 'technician',
        active: true,
        commissionBps: 4000,
        workingHours: everyDay,
      }),
      aLog.make('staff.upsert', {
        id: ben,
        displayName: 'Ben',
        role: 'technician',
        active: true,
        workingHours: everyDay,
      }),
      aLog.make('service.upsert', {
        id: manicure,
        name: 'Gel Manicure',
        durationMin: 45,
        priceCents: 4000,
        taxable: true,
      }),
      aLog.make('service.upsert', {
        id: hidden,
        name: 'Staff only',
        durationMin: 15,
        priceCents: 100,
        taxable: true,
      }),
      aLog.make('store.updateSettings', {
        onlineBooking: settings(slugA, { serviceIds: [manicure], staffIds: [ana, ben] }),
      }),
    ]);
    expect(codes(setup)).toEqual(setup.map(() => 'applied'));
    const setupB = await pushAs(b, [
      bLog.make('staff.upsert', {
        id: randomUUID(),
        displayName: 'Zoe',
        role: 'technician',
        active: true,
        workingHours: everyDay,
      }),
      bLog.make('service.upsert', {
        id: serviceB,
        name: 'Pedicure',
        durationMin: 60,
        priceCents: 5000,
        taxable: true,
      }),
      bLog.make('store.updateSettings', { onlineBooking: settings(slugB) }),
    ]);
    expect(codes(setupB)).toEqual(setupB.map(() => 'applied'));
    const page = json<{ store: { timeZone: string } }>(await get(`/api/v1/public/stores/${slugA}`));
    timeZone = page.store.timeZone;
    day = addDaysToYmd(businessDate(new Date().toISOString(), timeZone), 2);
  });
  afterAll(async () => {
    await app.close();
  });

  it('shows the page with the offered services and staff display names only', async () => {
    const res = await get(`/api/v1/public/stores/${slugA.toUpperCase()}`);
    expect(res.statusCode).toBe(400); // slugs are lower case: no second spelling of a page
    const page = await get(`/api/v1/public/stores/${slugA}`);
    expect(page.statusCode, page.body).toBe(200);
    expect(json(page)).toEqual({
      store: {
        name: 'Booking A Store',
        address: '',
        timeZone,
        currency: 'USD',
        slug: slugA,
        horizonDays: 30,
        minNoticeMinutes: 60,
      },
      services: [{ id: manicure, name: 'Gel Manicure', durationMinutes: 45, priceCents: 4000 }],
      staff: [
        { id: ana, displayName: 'Ana' },
        { id: ben, displayName: 'Ben' },
      ].sort((x, y) => (x.id < y.id ? -1 : 1)),
    });
    expect(page.body).not.toContain('commission');
    expect(page.body).not.toContain('Dana');
  });

  it('twenty clients taking one slot at once: one booked, nineteen told SLOT_TAKEN with fresh times', async () => {
    const slot = (await times(slugA, manicure, ana))[4]!.start;
    const answers = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        book(
          slugA,
          bookingBody(slot, {
            staffId: ana,
            client: { name: `C ${i}`, phone: `555010${1000 + i}` },
          }),
        ),
      ),
    );
    const statuses = answers.map((r) => r.statusCode).sort();
    expect(statuses).toEqual([201, ...Array<number>(19).fill(409)]);
    for (const r of answers.filter((x) => x.statusCode === 409)) {
      const body = json<{ error: { code: string }; times: FreeTime[] }>(r);
      expect(body.error.code).toBe('SLOT_TAKEN');
      expect(body.times.length).toBeGreaterThan(0);
      expect(body.times.map((t) => t.start)).not.toContain(slot);
    }
    // The desk sees exactly one appointment at that time, marked online.
    const { replica } = await pullAll(app, a, a.deviceId);
    const atSlot = [...replica.values()]
      .map((r) => r.data as Record<string, unknown>)
      .filter((d) => d.start === slot && d.staffId === ana);
    expect(atSlot).toHaveLength(1);
    expect(atSlot[0]).toMatchObject({ source: 'online', status: 'booked', conflict: false });
    expect(await times(slugA, manicure, ana)).not.toContainEqual(
      expect.objectContaining({ start: slot }),
    );
    // The refusals the page's device met were acknowledged: none left open to pile up.
    const open = await getDb().ownerTransaction((sql) =>
      sql.query<{ open: string }>(
        `select count(*) filter (where r.acknowledged_at is null) as open
           from rejected_mutations r join devices d on d.id = r.device_id
          where d.store_id = $1 and d.kind = 'online'`,
        [a.storeId],
      ),
    );
    // (On PostgreSQL some of the twenty pass the free-times check together and are refused by
    // the mutator under the store's lock; on PGlite's one connection all are refused before.)
    expect(Number(open.rows[0]?.open)).toBe(0);
  });

  it('a double submit books once; both answers manage the same booking', async () => {
    const slot = (await times(slugA, manicure, ben))[10]!.start;
    const key = randomUUID();
    const [first, second] = await Promise.all([
      book(slugA, bookingBody(slot, { staffId: ben }), key),
      book(slugA, bookingBody(slot, { staffId: ben }), key),
    ]);
    expect([first!.statusCode, second!.statusCode], `${first!.body} ${second!.body}`).toEqual([
      201, 201,
    ]);
    const third = await book(slugA, bookingBody(slot, { staffId: ben }), key);
    expect(third.statusCode).toBe(201);
    const tokens = [first!, second!, third].map(tokenOf);
    expect(new Set(tokens).size).toBe(3);
    for (const t of tokens) {
      const view = await get(`/api/v1/public/bookings/${t}`);
      expect(view.statusCode).toBe(200);
      expect(json<Booked>(view).booking).toMatchObject({ start: slot, staffName: 'Ben' });
    }
    const { replica } = await pullAll(app, a, a.deviceId);
    const atSlot = [...replica.values()]
      .map((r) => r.data as Record<string, unknown>)
      .filter((d) => d.start === slot && d.staffId === ben && d.status === 'booked');
    expect(atSlot).toHaveLength(1);
    // The same key with another request is refused (422) and changes nothing: another time,
    // another technician, another contact.
    const linkCount = async () =>
      getDb().transaction({ storeId: a.storeId, organizationId: a.organizationId }, async (sql) =>
        Number(
          (await sql.query<{ n: string }>('select count(*) as n from online_booking_tokens'))
            .rows[0]?.n,
        ),
      );
    const linksBefore = await linkCount();
    for (const different of [
      bookingBody(addMinutes(slot, 60), { staffId: ben }),
      bookingBody(slot, { staffId: ana }),
      {
        ...bookingBody(slot, { staffId: ben }),
        client: { name: 'Someone Else', phone: '+15555550123' },
      },
    ]) {
      const other = await book(slugA, different, key);
      expect(other.statusCode, other.body).toBe(422);
      expect(json<{ error: { code: string } }>(other).error.code).toBe('IDEMPOTENCY_KEY_REUSED');
    }
    expect(await linkCount()).toBe(linksBefore);
    // "Anyone" with the key of a booking that named Ben is the same request's retry.
    expect((await book(slugA, bookingBody(slot, { staffId: 'anyone' }), key)).statusCode).toBe(201);
  });

  it('an offline desk booking colliding with an online one: both kept, both flagged', async () => {
    const slot = (await times(slugA, manicure, ana))[12]!.start;
    const online = await book(slugA, bookingBody(slot, { staffId: ana }));
    expect(online.statusCode, online.body).toBe(201);
    // Made on the desk before it heard of the online booking (clientTime earlier), synced now.
    const deskAppt = randomUUID();
    const results = await pushAs(a, [
      {
        ...aLog.make(
          'appointment.book',
          { id: deskAppt, staffId: ana, serviceId: manicure, start: slot },
          new Date(Date.now() - 3_600_000).toISOString(),
        ),
        actorStaffId: desk,
      },
    ]);
    expect(codes(results)).toEqual(['applied']);
    const { replica } = await pullAll(app, a, a.deviceId);
    const both = [...replica.values()]
      .map((r) => r.data as Record<string, unknown>)
      .filter((d) => d.start === slot && d.staffId === ana);
    expect(both).toHaveLength(2);
    expect(both.every((d) => d.conflict === true)).toBe(true);
    expect(both.filter((d) => d.source === 'online')).toHaveLength(1);
    // The online client still sees the booking as booked; the page offers the time to nobody.
    const view = await get(`/api/v1/public/bookings/${tokenOf(online)}`);
    expect(json<Booked>(view).booking.status).toBe('booked');
  });

  it('cached times follow every push that touches the book', async () => {
    const before = app.scaleStats().cache;
    const first = await times(slugA, manicure, ben);
    expect(await times(slugA, manicure, ben)).toEqual(first);
    expect(app.scaleStats().cache.hits).toBeGreaterThan(before.hits);
    // The desk books Ben (a push like any other): the cached day is not served again.
    const slot = first[3]!.start;
    const results = await pushAs(a, [
      {
        ...aLog.make('appointment.book', {
          id: randomUUID(),
          staffId: ben,
          serviceId: manicure,
          start: slot,
        }),
        actorStaffId: desk,
      },
    ]);
    expect(codes(results)).toEqual(['applied']);
    expect((await times(slugA, manicure, ben)).map((t) => t.start)).not.toContain(slot);
    // Ben off the page: "anyone" no longer offers him.
    await pushAs(a, [
      aLog.make('store.updateSettings', {
        onlineBooking: settings(slugA, { serviceIds: [manicure], staffIds: [ana] }),
      }),
    ]);
    const anyone = await times(slugA, manicure);
    expect(anyone.every((t) => t.staffIds.every((id) => id === ana))).toBe(true);
    await pushAs(a, [
      aLog.make('store.updateSettings', {
        onlineBooking: settings(slugA, { serviceIds: [manicure], staffIds: [ana, ben] }),
      }),
    ]);
  });

  it('moves and cancels by the link within the rules; the desk sees each change', async () => {
    const free = (await times(slugA, manicure, ana)).map((t) => t.start);
    const first = free.findLast((t) => free.includes(addMinutes(t, 15)))!;
    const made = await book(slugA, bookingBody(first, { staffId: ana }));
    expect(made.statusCode, made.body).toBe(201);
    const token = tokenOf(made);
    // Fifteen minutes later overlaps its own old time: allowed (it is moved, not doubled).
    const later = addMinutes(first, 15);
    const moved = await app.inject({
      method: 'PATCH',
      url: `/api/v1/public/bookings/${token}`,
      payload: { start: later },
    });
    expect(moved.statusCode, moved.body).toBe(200);
    expect(json<Booked>(moved).booking.start).toBe(later);
    const taken = (await times(slugA, manicure, ana)).map((t) => t.start);
    expect(taken).not.toContain(later);
    const cancelled = await app.inject({
      method: 'DELETE',
      url: `/api/v1/public/bookings/${token}`,
    });
    expect(cancelled.statusCode, cancelled.body).toBe(200);
    expect(json<Booked>(cancelled).booking).toMatchObject({
      status: 'cancelled',
      canChange: false,
    });
    const again = await app.inject({ method: 'DELETE', url: `/api/v1/public/bookings/${token}` });
    expect(json<Booked>(again).booking.status).toBe('cancelled');
    expect((await times(slugA, manicure, ana)).map((t) => t.start)).toContain(later);
    const locked = await app.inject({
      method: 'PATCH',
      url: `/api/v1/public/bookings/${token}`,
      payload: { start: later },
    });
    expect(json<{ error: { code: string } }>(locked).error.code).toBe('BOOKING_LOCKED');
  });

  it('refuses hostile input with 400 and a code, and changes nothing', async () => {
    const slot = (await times(slugA, manicure))[0]!.start;
    const codeOf = (r: { statusCode: number; body: string }) => [
      r.statusCode,
      (JSON.parse(r.body) as { error: { code: string } }).error.code,
    ];
    expect(codeOf(await get(`/api/v1/public/stores/..%2Fadmin`))).toEqual([400, 'INVALID_SLUG']);
    expect(codeOf(await get(`/api/v1/public/stores/${'a'.repeat(41)}`))).toEqual([
      400,
      'INVALID_SLUG',
    ]);
    const avail = (q: string) => get(`/api/v1/public/stores/${slugA}/availability?${q}`);
    expect(codeOf(await avail(`serviceId=${manicure}&date=2026-02-30`))).toEqual([
      400,
      'INVALID_DATE',
    ]);
    expect(codeOf(await avail(`serviceId=${hidden}&date=${day}`))).toEqual([
      400,
      'SERVICE_NOT_OFFERED',
    ]);
    expect(codeOf(await avail(`serviceId=${manicure}&staffId=${desk}&date=${day}`))).toEqual([
      400,
      'STAFF_NOT_OFFERED',
    ]);
    expect(codeOf(await avail(`serviceId=${manicure}&date=${addDaysToYmd(day, 40)}`))).toEqual([
      400,
      'TOO_FAR_AHEAD',
    ]);
    expect(codeOf(await avail(`serviceId=${manicure}&date=${day}&x=1`))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(codeOf(await book(slugA, bookingBody(slot), null))).toEqual([
      400,
      'IDEMPOTENCY_KEY_REQUIRED',
    ]);
    for (const client of [
      { name: 'x'.repeat(121), phone: '5550100123' },
      { name: 'Kim', phone: 'call me' },
      { name: 'Kim', phone: '123' },
      { name: 'Kim', phone: '5550100123', email: 'not-an-email' },
      { name: '', phone: '5550100123' },
    ]) {
      expect(codeOf(await book(slugA, bookingBody(slot, { client })))).toEqual([
        400,
        'VALIDATION_FAILED',
      ]);
    }
    expect(codeOf(await book(slugA, bookingBody(slot, { note: 'n'.repeat(501) })))).toEqual([
      400,
      'VALIDATION_FAILED',
    ]);
    expect(codeOf(await book(slugA, bookingBody(slot, { serviceId: serviceB })))).toEqual([
      400,
      'SERVICE_NOT_OFFERED',
    ]);
    // Not on the grid of free times (a minute off): refused, nothing booked.
    expect(codeOf(await book(slugA, bookingBody(addMinutes(slot, 1))))).toEqual([
      409,
      'SLOT_TAKEN',
    ]);
    expect(codeOf(await get(`/api/v1/public/bookings/${'A'.repeat(43)}`))).toEqual([
      404,
      'BOOKING_NOT_FOUND',
    ]);
    expect(codeOf(await get(`/api/v1/public/bookings/short`))).toEqual([404, 'BOOKING_NOT_FOUND']);
    expect(codeOf(await get(`/api/v1/public/stores/no-such-salon-here`))).toEqual([
      404,
      'BOOKING_PAGE_NOT_FOUND',
    ]);
    expect(await times(slugA, manicure)).toContainEqual(expect.objectContaining({ start: slot }));
  });

  it('keeps stores apart: a slug reads only its store, a token only its booking', async () => {
    const slotB = (await times(slugB, serviceB))[0]!.start;
    const madeB = await book(slugB, bookingBody(slotB, { serviceId: serviceB }));
    expect(madeB.statusCode, madeB.body).toBe(201);
    const viewB = json<{ booking: Booked['booking']; store: { slug: string } }>(
      await get(`/api/v1/public/bookings/${tokenOf(madeB)}`),
    );
    expect(viewB.store.slug).toBe(slugB);
    expect(viewB.booking.storeName).toBe('Booking B Store');
    // Store A's service and staff through store B's page: not offered there.
    const cross = await get(
      `/api/v1/public/stores/${slugB}/availability?serviceId=${manicure}&staffId=${ana}&date=${day}`,
    );
    expect(cross.statusCode).toBe(400);
    // B's booking page wrote nothing into A.
    const { replica } = await pullAll(app, a, a.deviceId);
    expect([...replica.values()].some((r) => JSON.stringify(r.data).includes(serviceB))).toBe(
      false,
    );
  });

  it('the page’s device is the server’s: not listed, not revocable, not usable by the desk', async () => {
    const list = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${a.storeId}/devices`,
      headers: a.auth,
    });
    const items = json<{ items: { id: string }[] }>(list).items;
    expect(items.map((d) => d.id)).toEqual([a.deviceId]);
    const online = await getDb().ownerTransaction((sql) =>
      sql.query<{ id: string }>(`select id from devices where store_id = $1 and kind = 'online'`, [
        a.storeId,
      ]),
    );
    const onlineId = online.rows[0]!.id;
    const revoke = await app.inject({
      method: 'DELETE',
      url: `/api/v1/stores/${a.storeId}/devices/${onlineId}`,
      headers: a.auth,
    });
    expect(revoke.statusCode).toBe(404);
    const res = await push(app, a, onlineId, [
      {
        id: 999_999,
        name: 'client.delete',
        args: { id: randomUUID() },
        clientTime: new Date().toISOString(),
      },
    ]);
    expect(res.statusCode).toBe(403);
  });

  it('limits each client address and each store page', async () => {
    const limited = await makeTestApp(getDb(), {
      env: { PUBLIC_BOOKING_IP_PER_MIN: '3', PUBLIC_BOOKING_STORE_PER_MIN: '5' },
    });
    try {
      const from = (ip: string) =>
        limited.inject({ method: 'GET', url: `/api/v1/public/stores/${slugA}`, remoteAddress: ip });
      const first = await Promise.all([from('10.0.0.1'), from('10.0.0.1'), from('10.0.0.1')]);
      expect(first.map((r) => r.statusCode)).toEqual([200, 200, 200]);
      const over = await from('10.0.0.1');
      expect(over.statusCode).toBe(429);
      expect(json<{ error: { code: string } }>(over).error.code).toBe('RATE_LIMITED');
      expect(over.headers['retry-after']).toBeDefined();
      // Another address still gets in, until the page's own budget (5) is spent.
      expect((await from('10.0.0.2')).statusCode).toBe(200);
      expect((await from('10.0.0.3')).statusCode).toBe(200);
      expect((await from('10.0.0.4')).statusCode).toBe(429);
    } finally {
      await limited.close();
    }
  });

  describe('settings', () => {
    it('only an owner or a manager changes them; a slug names one store', async () => {
      const change = (actorStaffId?: string) => ({
        ...aLog.make('store.updateSettings', {
          onlineBooking: settings(slugA, {
            serviceIds: [manicure],
            staffIds: [ana, ben],
            bufferMin: 5,
          }),
        }),
        ...(actorStaffId ? { actorStaffId } : {}),
      });
      expect(codes(await pushAs(a, [change(desk), change(ana)]))).toEqual([
        'FORBIDDEN_ROLE',
        'FORBIDDEN_ROLE',
      ]);
      expect(codes(await pushAs(a, [change(manager), change()]))).toEqual(['applied', 'applied']);
      const taken = await pushAs(b, [
        bLog.make('store.updateSettings', { onlineBooking: settings(slugA) }),
      ]);
      expect(taken[0]?.status).toBe('rejected');
      const bad = await pushAs(b, [
        bLog.make('store.updateSettings', { onlineBooking: settings('Bad Slug') }),
      ]);
      expect(codes(bad)).toEqual(['INVALID_ARGS']);
      expect(
        json<{ store: { slug: string } }>(await get(`/api/v1/public/stores/${slugB}`)).store.slug,
      ).toBe(slugB);
    });

    it('a page turned off answers 404 ONLINE_BOOKING_OFF', async () => {
      expect(
        codes(
          await pushAs(b, [
            bLog.make('store.updateSettings', {
              onlineBooking: settings(slugB, { enabled: false }),
            }),
          ]),
        ),
      ).toEqual(['applied']);
      const res = await get(`/api/v1/public/stores/${slugB}`);
      expect(res.statusCode).toBe(404);
      expect(json<{ error: { code: string } }>(res).error.code).toBe('ONLINE_BOOKING_OFF');
    });
  });
});

function addMinutes(iso: string, minutes: number): string {
  return new Date(Date.parse(iso) + minutes * 60_000).toISOString();
}
