import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
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

interface Page {
  items: {
    id: string;
    closedAt: string;
    totalCents: number;
    lines: unknown[];
    payments: { amountCents: number }[];
  }[];
  nextCursor: string | null;
}

describeEachEngine('ticket history (cursor pagination)', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  const ticketIds: string[] = [];

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'History');
    const log = new MutationLog(store.deviceId);
    const serviceId = randomUUID();
    const mutations = [
      log.make('service.upsert', {
        id: serviceId,
        name: 'Pedicure',
        durationMin: 60,
        priceCents: 5000,
        taxable: false,
      }),
    ];
    for (let i = 0; i < 7; i++) {
      const ticketId = randomUUID();
      ticketIds.push(ticketId);
      const at = new Date(Date.UTC(2026, 10, 20, 10, i)).toISOString();
      mutations.push(
        log.make('ticket.open', { id: ticketId }, at),
        log.make(
          'ticket.addLine',
          { ticketId, lineId: randomUUID(), kind: 'service', itemId: serviceId },
          at,
        ),
        log.make(
          'ticket.addPayment',
          { ticketId, paymentId: randomUUID(), method: 'cash', amountCents: 5000 },
          at,
        ),
        log.make('ticket.close', { ticketId }, at),
      );
    }
    const open = randomUUID();
    mutations.push(log.make('ticket.open', { id: open }));
    const res = await push(app, store, store.deviceId, mutations);
    expect(
      json<{ results: { status: string }[] }>(res).results.every((r) => r.status === 'applied'),
    ).toBe(true);
  });
  afterAll(async () => {
    await app.close();
  });

  it('pages closed tickets newest first with lines and payments, each exactly once', async () => {
    const seen: string[] = [];
    let before: string | null = null;
    let pages = 0;
    do {
      const url: string = `/api/v1/stores/${store.storeId}/tickets?limit=3${before ? `&before=${before}` : ''}`;
      const page: Page = json<Page>(await app.inject({ method: 'GET', url, headers: store.auth }));
      for (const t of page.items) {
        expect(t.lines).toHaveLength(1);
        expect(t.payments.map((p) => p.amountCents)).toEqual([5000]);
      }
      seen.push(...page.items.map((t) => t.id));
      before = page.nextCursor;
      pages++;
    } while (before);
    expect(pages).toBe(3);
    expect(seen).toEqual([...ticketIds].reverse());
  });

  it('pages voided tickets on their own with status=voided, never another store’s', async () => {
    const other = await signupStore(app, 'Other voids');
    const voidIn = async (target: TestStore, at: string) => {
      const ticketId = randomUUID();
      // A device of its own each time: its mutation ids start at 1.
      const deviceId = await registerDevice(app, target.storeId, target.auth);
      const log = new MutationLog(deviceId);
      const res = await push(app, target, deviceId, [
        log.make('ticket.open', { id: ticketId }, at),
        log.make('ticket.void', { ticketId, reason: 'opened by mistake' }, at),
      ]);
      expect(json<{ results: { status: string }[] }>(res).results.map((r) => r.status)).toEqual([
        'applied',
        'applied',
      ]);
      return ticketId;
    };
    const mine = [
      await voidIn(store, '2026-11-21T09:00:00.000Z'),
      await voidIn(store, '2026-11-21T09:05:00.000Z'),
      await voidIn(store, '2026-11-21T09:10:00.000Z'),
    ];
    const theirs = await voidIn(other, '2026-11-21T09:07:00.000Z');

    const seen: { id: string; status: string; voidReason: string }[] = [];
    let before: string | null = null;
    do {
      const url: string = `/api/v1/stores/${store.storeId}/tickets?status=voided&limit=2${before ? `&before=${before}` : ''}`;
      const res = await app.inject({ method: 'GET', url, headers: store.auth });
      expect(res.statusCode).toBe(200);
      const page = json<{
        items: { id: string; status: string; voidReason: string }[];
        nextCursor: string | null;
      }>(res);
      seen.push(...page.items);
      before = page.nextCursor;
    } while (before);
    expect(seen.map((t) => t.id)).toEqual([...mine].reverse());
    expect(seen.every((t) => t.status === 'voided' && t.voidReason === 'opened by mistake')).toBe(
      true,
    );
    expect(seen.map((t) => t.id)).not.toContain(theirs);

    // The default (closed) list still holds only sales.
    const closed = json<Page>(
      await app.inject({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/tickets?limit=200`,
        headers: store.auth,
      }),
    );
    expect(closed.items.map((t) => t.id).sort()).toEqual([...ticketIds].sort());

    const otherStore = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${other.storeId}/tickets?status=voided`,
      headers: store.auth,
    });
    expect(otherStore.statusCode).toBe(403);
  });

  it('refuses a status it does not page (open tickets live on the devices) with 400', async () => {
    for (const status of ['open', 'VOIDED', '', 'closed,voided']) {
      const res = await app.inject({
        method: 'GET',
        url: `/api/v1/stores/${store.storeId}/tickets?status=${encodeURIComponent(status)}`,
        headers: store.auth,
      });
      expect(res.statusCode).toBe(400);
      expect(json<{ error: { code: string } }>(res).error.code).toBe('VALIDATION_FAILED');
    }
  });

  it('refuses a forged cursor with 400 and another store with 403', async () => {
    const bad = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/tickets?before=abc`,
      headers: store.auth,
    });
    expect(bad.statusCode).toBe(400);
    const other = await signupStore(app, 'Other');
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${other.storeId}/tickets`,
      headers: store.auth,
    });
    expect(res.statusCode).toBe(403);
  });
});
