import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { byLineOrder } from '../line-order';
import { MAX_QUANTITY } from '../money-bounds';
import { deviceCodeAt, nextTicketNumber } from '../ticket-numbers';
import type { MemoryStore } from '../memory-store';
import { apply, ids, must, seededStore, uid } from '../test-support/fixtures';

const T = uid(500);
const T2 = uid(501);
const DAY = '2026-11-24'; // the fixtures' NOW is 10:00 that day in New York

async function openWithLine(store: MemoryStore, quantity = 1) {
  await must(store, 'ticket.open', { id: T });
  await must(store, 'ticket.addLine', {
    ticketId: T,
    lineId: uid(510),
    kind: 'service',
    itemId: ids.manicure,
    quantity,
  });
}

describe('ticket.open with a number', () => {
  it('keeps the number and the business day', async () => {
    const store = await seededStore();
    await must(store, 'ticket.open', { id: T, number: 'A-001' }, { deviceCode: 'A' });
    expect(await store.get('ticket', T)).toMatchObject({ number: 'A-001', businessDate: DAY });
    // Applied again (a retry, a rebase): the same ticket, not a clash with itself.
    await must(store, 'ticket.open', { id: T, number: 'A-001' }, { deviceCode: 'A' });
  });

  it('opens without a number (older outbox entries): the number stays null', async () => {
    const store = await seededStore();
    await must(store, 'ticket.open', { id: T });
    expect(await store.get('ticket', T)).toMatchObject({ number: null, businessDate: DAY });
  });

  it('refuses another device’s code, a non-canonical number and a number used today', async () => {
    const store = await seededStore();
    const wrong = await apply(
      store,
      'ticket.open',
      { id: T, number: 'B-001' },
      { deviceCode: 'A' },
    );
    expect(wrong).toMatchObject({ ok: false, code: 'TICKET_NUMBER_WRONG_DEVICE' });
    const bad = await apply(store, 'ticket.open', { id: T, number: 'A-0001' }, { deviceCode: 'A' });
    expect(bad).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
    expect(await store.get('ticket', T)).toBeUndefined();

    await must(store, 'ticket.open', { id: T, number: 'A-001' }, { deviceCode: 'A' });
    const again = await apply(
      store,
      'ticket.open',
      { id: T2, number: 'A-001' },
      { deviceCode: 'A' },
    );
    expect(again).toMatchObject({ ok: false, code: 'TICKET_NUMBER_TAKEN' });
    // The next day the sequence starts over.
    await must(
      store,
      'ticket.open',
      { id: T2, number: 'A-001' },
      { deviceCode: 'A', now: '2026-11-25T15:00:00.000Z' },
    );
  });

  it('devices offline at the same time on the same day all sync, with distinct numbers', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 0, max: 5 }), { minLength: 2, maxLength: 4 }),
        fc.integer({ min: 0, max: 4 }),
        fc.array(fc.nat(), { maxLength: 30 }),
        async (opened, morning, interleave) => {
          const server = await seededStore();
          const devices = await Promise.all(opened.map(() => seededStore()));
          let n = 0;
          const open = async (store: MemoryStore, code: string) => {
            const today = await store.list('ticket', { where: { businessDate: DAY } });
            const number = nextTicketNumber(
              code,
              today.map((t) => t.number),
            );
            return { id: uid(20_000 + n++), number };
          };
          // Synced in the morning: every device sees these.
          for (let i = 0; i < morning; i++) {
            const code = deviceCodeAt(i % opened.length);
            const args = await open(server, code);
            for (const store of [server, ...devices]) {
              await must(store, 'ticket.open', args, { deviceCode: code });
            }
          }
          // Then all offline at once: each numbers from its own copy only.
          const queues = await Promise.all(
            opened.map(async (count, d) => {
              const queue: { id: string; number: string | null }[] = [];
              for (let k = 0; k < count; k++) {
                const args = await open(devices[d] as MemoryStore, deviceCodeAt(d));
                await must(devices[d] as MemoryStore, 'ticket.open', args, {
                  deviceCode: deviceCodeAt(d),
                });
                queue.push(args);
              }
              return queue;
            }),
          );
          // Back online, pushed in any interleaving (each device's own order kept).
          let pick = 0;
          while (queues.some((q) => q.length > 0)) {
            const waiting = queues.map((q, d) => [q, d] as const).filter(([q]) => q.length > 0);
            const [queue, d] = waiting[(interleave[pick++] ?? 0) % waiting.length]!;
            const args = queue.shift()!;
            await must(server, 'ticket.open', args, { deviceCode: deviceCodeAt(d) });
          }
          const numbers = (await server.list('ticket')).map((t) => t.number);
          expect(numbers).toHaveLength(morning + opened.reduce((a, b) => a + b, 0));
          expect(new Set(numbers).size).toBe(numbers.length);
        },
      ),
      { numRuns: 60 },
    );
  });
});

describe('line order', () => {
  it('numbers lines in the order they were added, whatever their ids', async () => {
    const store = await seededStore();
    await must(store, 'ticket.open', { id: T });
    const lineIds = [uid(599), uid(520), uid(580), uid(530)];
    for (const lineId of lineIds) {
      await must(store, 'ticket.addLine', {
        ticketId: T,
        lineId,
        kind: 'service',
        itemId: ids.polishChange,
      });
    }
    await must(store, 'ticket.removeLine', { ticketId: T, lineId: uid(580) });
    await must(store, 'ticket.addGiftCardLine', {
      ticketId: T,
      lineId: uid(501),
      giftCardId: uid(502),
      code: 'GIFT-0001',
      amountCents: 5000,
    });
    const lines = (await store.list('ticketLine', { where: { ticketId: T } })).sort(byLineOrder);
    expect(lines.map((l) => l.id)).toEqual([uid(599), uid(520), uid(530), uid(501)]);
    expect(lines.map((l) => l.position)).toEqual([1, 2, 4, 5]);
  });

  it('puts lines without a position (added by older versions) first, by id', () => {
    const rows = [{ id: 'b', position: 1 }, { id: 'z' }, { id: 'a', position: 2 }, { id: 'c' }];
    expect(rows.sort(byLineOrder).map((r) => r.id)).toEqual(['c', 'z', 'b', 'a']);
  });
});

describe('ticket.setLineQuantity', () => {
  it('changes the units and recomputes line and ticket totals', async () => {
    const store = await seededStore();
    await openWithLine(store);
    await must(store, 'ticket.setLineQuantity', { ticketId: T, lineId: uid(510), quantity: 10 });
    expect(await store.get('ticketLine', uid(510))).toMatchObject({
      quantity: 10,
      lineTotalCents: 25_000,
    });
    // 250.00 at 8.25 % = 20.625 → 20.63
    expect(await store.get('ticket', T)).toMatchObject({
      subtotalCents: 25_000,
      taxCents: 2063,
      totalCents: 27_063,
    });
  });

  it('refuses bad quantities, gift cards, other tickets’ lines and a technician, changing nothing', async () => {
    const store = await seededStore();
    await openWithLine(store, 2);
    for (const quantity of [0, -1, MAX_QUANTITY + 1, 1.5]) {
      const r = await apply(store, 'ticket.setLineQuantity', {
        ticketId: T,
        lineId: uid(510),
        quantity,
      });
      expect(r, String(quantity)).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
    }
    await must(store, 'ticket.open', { id: T2 });
    expect(
      await apply(store, 'ticket.setLineQuantity', { ticketId: T2, lineId: uid(510), quantity: 3 }),
    ).toMatchObject({ ok: false, code: 'LINE_NOT_FOUND' });
    expect(
      await apply(
        store,
        'ticket.setLineQuantity',
        { ticketId: T, lineId: uid(510), quantity: 3 },
        { role: 'technician' },
      ),
    ).toMatchObject({ ok: false, code: 'FORBIDDEN_ROLE' });
    await must(store, 'ticket.addGiftCardLine', {
      ticketId: T,
      lineId: uid(511),
      giftCardId: uid(512),
      code: 'GIFT-0002',
      amountCents: 5000,
    });
    expect(
      await apply(store, 'ticket.setLineQuantity', { ticketId: T, lineId: uid(511), quantity: 2 }),
    ).toMatchObject({ ok: false, code: 'LINE_QUANTITY_FIXED' });
    expect(await store.get('ticketLine', uid(510))).toMatchObject({ quantity: 2 });
  });

  it('respects the money bounds and what was already paid', async () => {
    const store = await seededStore();
    await must(
      store,
      'service.upsert',
      {
        id: uid(590),
        name: 'Bridal party',
        durationMin: 240,
        priceCents: 5_000_000,
        taxable: false,
      },
      { role: 'manager' },
    );
    await must(store, 'ticket.open', { id: T });
    await must(store, 'ticket.addLine', {
      ticketId: T,
      lineId: uid(591),
      kind: 'service',
      itemId: uid(590),
    });
    // 21 × $50,000 = $1,050,000: beyond a ticket's $1,000,000.
    expect(
      await apply(store, 'ticket.setLineQuantity', { ticketId: T, lineId: uid(591), quantity: 21 }),
    ).toMatchObject({ ok: false, code: 'AMOUNT_OUT_OF_RANGE' });
    expect(await store.get('ticketLine', uid(591))).toMatchObject({ quantity: 1 });

    const paid = await seededStore();
    await openWithLine(paid, 3);
    await must(paid, 'ticket.addPayment', {
      ticketId: T,
      paymentId: uid(595),
      method: 'card',
      amountCents: 7000,
    });
    expect(
      await apply(paid, 'ticket.setLineQuantity', { ticketId: T, lineId: uid(510), quantity: 1 }),
    ).toMatchObject({ ok: false, code: 'TOTAL_BELOW_PAID' });
    expect(await paid.get('ticketLine', uid(510))).toMatchObject({ quantity: 3 });
  });
});

describe('ticket.setClient', () => {
  it('links, changes and clears the client of an open ticket', async () => {
    const store = await seededStore();
    await must(store, 'ticket.open', { id: T });
    await must(store, 'ticket.setClient', { ticketId: T, clientId: ids.client });
    expect(await store.get('ticket', T)).toMatchObject({ clientId: ids.client });
    await must(store, 'ticket.setClient', { ticketId: T, clientId: null });
    expect(await store.get('ticket', T)).toMatchObject({ clientId: null });
  });

  it('refuses an unknown client, a closed ticket and a technician', async () => {
    const store = await seededStore();
    await must(store, 'ticket.open', { id: T });
    expect(
      await apply(store, 'ticket.setClient', { ticketId: T, clientId: uid(999) }),
    ).toMatchObject({ ok: false, code: 'CLIENT_NOT_FOUND' });
    expect(await apply(store, 'ticket.setClient', { ticketId: T, clientId: 'nope' })).toMatchObject(
      { ok: false, code: 'INVALID_ARGS' },
    );
    expect(
      await apply(
        store,
        'ticket.setClient',
        { ticketId: T, clientId: ids.client },
        { role: 'technician' },
      ),
    ).toMatchObject({ ok: false, code: 'FORBIDDEN_ROLE' });
    await must(store, 'ticket.void', { ticketId: T, reason: 'test' }, { role: 'manager' });
    expect(
      await apply(store, 'ticket.setClient', { ticketId: T, clientId: ids.client }),
    ).toMatchObject({ ok: false, code: 'TICKET_NOT_OPEN' });
    expect(await store.get('ticket', T)).toMatchObject({ clientId: null });
  });
});

describe('appointment.complete with a number', () => {
  it('numbers the ticket it opens like ticket.open, and refuses another device’s code', async () => {
    const store = await seededStore();
    const appointment = uid(540);
    await must(store, 'appointment.book', {
      id: appointment,
      staffId: ids.ana,
      serviceId: ids.manicure,
      start: '2026-11-24T16:00:00.000Z',
      clientId: ids.client,
    });
    await must(store, 'appointment.checkIn', { id: appointment });
    await must(store, 'appointment.start', { id: appointment });
    const refused = await apply(
      store,
      'appointment.complete',
      { id: appointment, ticketId: T, lineId: uid(541), number: 'B-001' },
      { deviceCode: 'A' },
    );
    expect(refused).toMatchObject({ ok: false, code: 'TICKET_NUMBER_WRONG_DEVICE' });
    expect(await store.get('appointment', appointment)).toMatchObject({ status: 'in_service' });
    await must(
      store,
      'appointment.complete',
      { id: appointment, ticketId: T, lineId: uid(541), number: 'A-001' },
      { deviceCode: 'A' },
    );
    expect(await store.get('ticket', T)).toMatchObject({
      number: 'A-001',
      businessDate: DAY,
      clientId: ids.client,
    });
    expect(await store.get('ticketLine', uid(541))).toMatchObject({ position: 1 });
  });
});
