import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
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
