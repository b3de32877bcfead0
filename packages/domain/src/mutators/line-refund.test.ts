import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Discount } from '../entities';
import type { MemoryStore } from '../memory-store';
import { netPaid } from '../payments';
import { checkStock, lowStockProducts } from '../stock';
import { apply, baseStore, ids, must, seededStore, uid } from '../test-support/fixtures';

const MANAGER = { role: 'manager' as const };

let nextId = 70_000;
const fresh = () => uid(nextId++);

interface SoldLine {
  kind: 'service' | 'product';
  itemId: string;
  quantity: number;
  discount?: Discount;
}

/** Rings up lines on a ticket, pays it in cash to the cent and closes it. */
async function sell(store: MemoryStore, lines: SoldLine[], ticketDiscount?: Discount) {
  const ticketId = fresh();
  await must(store, 'ticket.open', { id: ticketId });
  const lineIds: string[] = [];
  for (const line of lines) {
    const lineId = fresh();
    lineIds.push(lineId);
    await must(store, 'ticket.addLine', {
      ticketId,
      lineId,
      kind: line.kind,
      itemId: line.itemId,
      ...(line.kind === 'service' ? { staffId: ids.ana } : {}),
    });
    if (line.quantity !== 1) {
      await must(store, 'ticket.setLineQuantity', { ticketId, lineId, quantity: line.quantity });
    }
    if (line.discount) {
      await must(store, 'ticket.setLineDiscount', { ticketId, lineId, discount: line.discount });
    }
  }
  if (ticketDiscount) {
    await must(store, 'ticket.setDiscount', { ticketId, discount: ticketDiscount });
  }
  const total = (await store.get('ticket', ticketId))?.totalCents ?? 0;
  if (total > 0) {
    await must(store, 'ticket.addPayment', {
      ticketId,
      paymentId: fresh(),
      method: 'card',
      amountCents: total,
    });
  }
  await must(store, 'ticket.close', { ticketId });
  return { ticketId, lineIds };
}

function refundLines(
  store: MemoryStore,
  ticketId: string,
  lines: { lineId: string; quantity: number }[],
  extra: Record<string, unknown> = {},
  acting: Parameters<typeof apply>[3] = MANAGER,
) {
  const refundId = fresh();
  return apply(
    store,
    'ticket.refund',
    { ticketId, refundId, method: 'card', lines, ...extra },
    acting,
  ).then((outcome) => ({ ...outcome, refundId }));
}

describe('refund by line', () => {
  it('gives back a product line after discounts with its share of the tax, and restocks it', async () => {
    const store = await seededStore();
    // Top coat $10 ×2 and a manicure $25, 10 % off the ticket, tax 8.25 %.
    const sale = await sell(
      store,
      [
        { kind: 'product', itemId: ids.polish, quantity: 2 },
        { kind: 'service', itemId: ids.manicure, quantity: 1 },
      ],
      { kind: 'percent', bps: 1000 },
    );
    const ticket = await store.get('ticket', sale.ticketId);
    // $45 − $4.50 = $40.50 taxable, tax $3.34 (334.125¢), total $43.84.
    expect(ticket).toMatchObject({ taxCents: 334, totalCents: 4384 });
    expect((await store.get('product', ids.polish))?.stockCount).toBe(3);

    const polishLine = sale.lineIds[0] ?? '';
    const first = await refundLines(store, sale.ticketId, [{ lineId: polishLine, quantity: 1 }]);
    expect(first.ok).toBe(true);
    // One top coat: $10 − its 10 % share ($1) = $9.00; tax round(334 × 900 / 4050) = 74¢.
    expect(await store.get('refund', first.refundId)).toMatchObject({
      amountCents: 974,
      taxCents: 74,
      restocked: true,
      lines: [{ lineId: polishLine, quantity: 1, amountCents: 900 }],
      lineIds: [polishLine],
    });
    expect((await store.get('product', ids.polish))?.stockCount).toBe(4);

    // The same unit cannot be refunded twice: one is left.
    expect(
      await refundLines(store, sale.ticketId, [{ lineId: polishLine, quantity: 2 }]),
    ).toMatchObject({ ok: false, code: 'REFUND_EXCEEDS_QUANTITY' });

    // Without restock, the shelf keeps its count.
    const rest = await refundLines(
      store,
      sale.ticketId,
      [
        { lineId: polishLine, quantity: 1 },
        { lineId: sale.lineIds[1] ?? '', quantity: 1 },
      ],
      { restock: false },
    );
    expect(rest.ok).toBe(true);
    expect((await store.get('product', ids.polish))?.stockCount).toBe(4);
    const after = await store.get('ticket', sale.ticketId);
    // Everything refunded: exactly the total paid, exactly the tax charged.
    expect(after?.refundedCents).toBe(4384);
    const refunds = await store.list('refund', { where: { ticketId: sale.ticketId } });
    expect(refunds.reduce((s, r) => s + (r.taxCents ?? 0), 0)).toBe(334);
  });

  it('refuses bad combinations, unknown lines, and a front desk without approval', async () => {
    const store = await seededStore();
    const sale = await sell(store, [{ kind: 'product', itemId: ids.polish, quantity: 1 }]);
    const line = { lineId: sale.lineIds[0] ?? '', quantity: 1 };
    expect(await refundLines(store, sale.ticketId, [line], { amountCents: 100 })).toMatchObject({
      ok: false,
      code: 'INVALID_ARGS',
    });
    expect(
      await apply(
        store,
        'ticket.refund',
        {
          ticketId: sale.ticketId,
          refundId: fresh(),
          method: 'card',
          restock: true,
          amountCents: 5,
        },
        MANAGER,
      ),
    ).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
    expect(
      await refundLines(store, sale.ticketId, [{ lineId: fresh(), quantity: 1 }]),
    ).toMatchObject({ ok: false, code: 'LINE_NOT_FOUND' });
    expect(
      await refundLines(store, sale.ticketId, [line], {}, { role: 'front_desk' }),
    ).toMatchObject({ ok: false, code: 'APPROVAL_REQUIRED' });
    expect(
      await refundLines(store, sale.ticketId, [line], {}, { role: 'technician' }),
    ).toMatchObject({ ok: false, code: 'FORBIDDEN_ROLE' });
    expect(
      await refundLines(
        store,
        sale.ticketId,
        [line],
        {},
        { role: 'front_desk', approvedBy: ids.manager },
      ),
    ).toMatchObject({ ok: true });
  });

  it('a retry of the same refund adds nothing; another refund under its id is a conflict', async () => {
    const store = await seededStore();
    const sale = await sell(store, [{ kind: 'product', itemId: ids.polish, quantity: 2 }]);
    const args = {
      ticketId: sale.ticketId,
      refundId: fresh(),
      method: 'card',
      lines: [{ lineId: sale.lineIds[0] ?? '', quantity: 1 }],
    };
    await must(store, 'ticket.refund', args, MANAGER);
    await must(store, 'ticket.refund', args, MANAGER);
    expect((await store.get('ticket', sale.ticketId))?.refundedCents).toBe(1083);
    expect((await store.get('product', ids.polish))?.stockCount).toBe(4);
    expect(
      await apply(
        store,
        'ticket.refund',
        { ...args, lines: [{ lineId: sale.lineIds[0] ?? '', quantity: 2 }] },
        MANAGER,
      ),
    ).toMatchObject({ ok: false, code: 'ID_CONFLICT' });
  });

  it('never gives back more than was paid after a refund by amount', async () => {
    const store = await seededStore();
    const sale = await sell(store, [{ kind: 'product', itemId: ids.polish, quantity: 1 }]);
    await must(
      store,
      'ticket.refund',
      { ticketId: sale.ticketId, refundId: fresh(), method: 'card', amountCents: 500 },
      MANAGER,
    );
    expect(
      await refundLines(store, sale.ticketId, [{ lineId: sale.lineIds[0] ?? '', quantity: 1 }]),
    ).toMatchObject({ ok: false, code: 'REFUND_EXCEEDS_PAID' });
  });
});

const discountArb: fc.Arbitrary<Discount | undefined> = fc.option(
  fc.oneof(
    fc.record({ kind: fc.constant('percent' as const), bps: fc.integer({ min: 0, max: 10_000 }) }),
    fc.record({ kind: fc.constant('amount' as const), cents: fc.integer({ min: 0, max: 5_000 }) }),
  ),
  { nil: undefined },
);

const lineArb = fc.record({
  priceCents: fc.integer({ min: 0, max: 20_000 }),
  taxable: fc.boolean(),
  quantity: fc.integer({ min: 1, max: 7 }),
  discount: discountArb,
});

describe('refunds by line, any ticket, any split (property)', () => {
  it('add up to exactly what was paid and the tax charged, never past either', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(lineArb, { minLength: 1, maxLength: 5 }),
        discountArb,
        fc.integer({ min: 0, max: 250_000 }),
        // Each step refunds some units of some lines: [line index, units] pairs.
        fc.array(fc.array(fc.tuple(fc.nat(), fc.integer({ min: 1, max: 7 })), { minLength: 1 }), {
          minLength: 1,
          maxLength: 8,
        }),
        async (lineSpecs, ticketDiscount, taxRatePpm, steps) => {
          const store = await seededStore();
          await store.put('store', { ...baseStore, taxRatePpm });
          const sold: SoldLine[] = [];
          for (const spec of lineSpecs) {
            const productId = fresh();
            await store.put('product', {
              id: productId,
              name: 'Item',
              priceCents: spec.priceCents,
              taxable: spec.taxable,
              stockCount: 100,
            });
            sold.push({
              kind: 'product',
              itemId: productId,
              quantity: spec.quantity,
              ...(spec.discount ? { discount: spec.discount } : {}),
            });
          }
          const sale = await sell(store, sold, ticketDiscount);
          const ticket = await store.get('ticket', sale.ticketId);
          if (!ticket) throw new Error('no ticket');
          const left = new Map(sale.lineIds.map((id, i) => [id, lineSpecs[i]?.quantity ?? 0]));
          const refundTotals = async () => {
            const refunds = await store.list('refund', { where: { ticketId: sale.ticketId } });
            return {
              amount: refunds.reduce((s, r) => s + r.amountCents, 0),
              tax: refunds.reduce((s, r) => s + (r.taxCents ?? 0), 0),
            };
          };
          for (const step of steps) {
            const wanted = new Map<string, number>();
            for (const [index, units] of step) {
              const lineId = sale.lineIds[index % sale.lineIds.length] ?? '';
              const room = (left.get(lineId) ?? 0) - (wanted.get(lineId) ?? 0);
              const take = Math.min(units, room);
              if (take > 0) wanted.set(lineId, (wanted.get(lineId) ?? 0) + take);
            }
            if (wanted.size === 0) continue;
            const outcome = await refundLines(
              store,
              sale.ticketId,
              [...wanted].map(([lineId, quantity]) => ({ lineId, quantity })),
            );
            // Only a refund of lines worth nothing (comped, free) may be refused.
            if (!outcome.ok) {
              expect(outcome).toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });
              continue;
            }
            for (const [lineId, q] of wanted) left.set(lineId, (left.get(lineId) ?? 0) - q);
            const so = await refundTotals();
            expect(so.amount).toBeLessThanOrEqual(netPaid(ticket));
            expect(so.tax).toBeLessThanOrEqual(ticket.taxCents);
            expect(so.tax).toBeGreaterThanOrEqual(0);
          }
          // Refund whatever is left: the sums are then exact.
          const rest = [...left].filter(([, q]) => q > 0);
          if (rest.length > 0) {
            const outcome = await refundLines(
              store,
              sale.ticketId,
              rest.map(([lineId, quantity]) => ({ lineId, quantity })),
            );
            if (!outcome.ok) expect(outcome).toMatchObject({ code: 'REFUND_EXCEEDS_PAID' });
          }
          const all = await refundTotals();
          expect(all.amount).toBe(netPaid(ticket));
          expect(all.tax).toBe(ticket.taxCents);
          expect((await store.get('ticket', sale.ticketId))?.refundedCents).toBe(netPaid(ticket));
        },
      ),
      { numRuns: 300 },
    );
  });
});

describe('retail stock', () => {
  it('a sale takes units off on close; receiveStock adds a delivery once, with its note', async () => {
    const store = await seededStore();
    await sell(store, [{ kind: 'product', itemId: ids.polish, quantity: 2 }]);
    expect((await store.get('product', ids.polish))?.stockCount).toBe(3);
    const args = { productId: ids.polish, receiptId: fresh(), units: 12, note: 'Invoice 88' };
    await must(store, 'product.receiveStock', args, MANAGER);
    await must(store, 'product.receiveStock', args, MANAGER);
    const product = await store.get('product', ids.polish);
    expect(product?.stockCount).toBe(15);
    expect(product?.stockReceipts).toMatchObject([{ units: 12, note: 'Invoice 88' }]);
    expect(
      await apply(store, 'product.receiveStock', { ...args, receiptId: fresh() }),
    ).toMatchObject({ ok: false, code: 'FORBIDDEN_ROLE' });
    expect(
      await apply(store, 'product.receiveStock', { ...args, units: 0 }, MANAGER),
    ).toMatchObject({ ok: false, code: 'INVALID_ARGS' });
    expect(
      await apply(
        store,
        'product.receiveStock',
        { ...args, receiptId: fresh(), productId: fresh() },
        MANAGER,
      ),
    ).toMatchObject({ ok: false, code: 'PRODUCT_NOT_FOUND' });
  });

  it('a sale is never refused on stock by the mutators: an offline sale past zero is kept', async () => {
    // Two desks each sold the last units offline; the second close reaches the server after
    // the first. The shelf wins: the count goes negative for a recount, the sale stays.
    const store = await seededStore();
    await sell(store, [{ kind: 'product', itemId: ids.polish, quantity: 4 }]);
    await sell(store, [{ kind: 'product', itemId: ids.polish, quantity: 3 }]);
    expect((await store.get('product', ids.polish))?.stockCount).toBe(-2);
    // The desk's own check would have refused the second sale (allowNegativeStock off).
    expect(checkStock({ name: 'Top coat', stockCount: 1 }, 0, 3, baseStore)).toMatchObject({
      ok: false,
      message: 'Only 1 of Top coat is in stock.',
    });
  });

  it('the low-stock list uses the product threshold, else the store one', () => {
    const p = (id: number, stockCount: number, lowStockAt?: number) => ({
      id: uid(id),
      name: `P${id}`,
      priceCents: 100,
      taxable: true,
      stockCount,
      ...(lowStockAt !== undefined ? { lowStockAt } : {}),
    });
    const list = lowStockProducts([p(1, 5), p(2, 2), p(3, 5, 6), p(4, -1)], { lowStockAt: 2 });
    expect(list.map((x) => x.name)).toEqual(['P4', 'P2', 'P3']);
  });

  it('selling through checkStock never takes stock below zero unless the store allows it (property)', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 20 }),
        fc.array(fc.integer({ min: 1, max: 5 }), { maxLength: 20 }),
        fc.boolean(),
        (start, sales, allowNegativeStock) => {
          let stockCount = start;
          for (const units of sales) {
            const check = checkStock({ name: 'Oil', stockCount }, 0, units, { allowNegativeStock });
            if (check.ok) stockCount -= units;
            else expect(check.message).toMatch(/stock/);
            if (!allowNegativeStock) expect(stockCount).toBeGreaterThanOrEqual(0);
          }
          if (allowNegativeStock) {
            expect(stockCount).toBe(start - sales.reduce((s, u) => s + u, 0));
          }
        },
      ),
    );
  });
});
