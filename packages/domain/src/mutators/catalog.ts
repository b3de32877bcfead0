import { z } from 'zod';
import type { ProductRow, ServiceRow, StockReceipt } from '../entities';
import { reject } from '../error-codes';
import { STOCK_RECEIPTS_KEPT } from '../stock';
import { MAX_APPOINTMENT_MINUTES } from '../appointments';
import { defineMutator } from './define';
import { definedOnly, now, requireRow } from './rows';
import { id, name, priceCents } from './schemas';

const durationMin = z.int().min(1).max(MAX_APPOINTMENT_MINUTES);

export const serviceUpsert = defineMutator({
  name: 'service.upsert',
  description:
    'Creates or updates a service in the catalog. Open tickets keep the name and price they were rung up with.',
  permission: 'catalog.manage',
  args: z.strictObject({
    id,
    name,
    durationMin,
    priceCents,
    taxable: z.boolean(),
    category: z.string().trim().max(80).nullable().optional(),
    active: z.boolean().optional(),
    staffOverrides: z
      .record(
        z.uuid(),
        z.strictObject({ priceCents: priceCents.optional(), durationMin: durationMin.optional() }),
      )
      .optional(),
  }),
  async run(ctx, args) {
    const existing = await ctx.tx.get('service', args.id);
    const row = { ...existing, ...definedOnly(args) } as ServiceRow;
    await ctx.tx.put('service', row);
  },
});

export const productUpsert = defineMutator({
  name: 'product.upsert',
  description: 'Creates or updates a retail product (SKU, price, taxable, stock count).',
  permission: 'catalog.manage',
  args: z.strictObject({
    id,
    name,
    priceCents,
    taxable: z.boolean(),
    stockCount: z.int().min(-1_000_000).max(1_000_000),
    sku: z.string().trim().min(1).max(64).nullable().optional(),
    active: z.boolean().optional(),
    /** This product's low-stock threshold; null: the store's. */
    lowStockAt: z.int().min(0).max(100_000).nullable().optional(),
  }),
  async run(ctx, args) {
    const existing = await ctx.tx.get('product', args.id);
    const row = { ...existing, ...definedOnly(args) } as ProductRow;
    await ctx.tx.put('product', row);
  },
});

export const productReceiveStock = defineMutator({
  name: 'product.receiveStock',
  description:
    'Adds units received (a delivery) to a product’s stock count, with a note (supplier, invoice). The product keeps its latest deliveries.',
  permission: 'catalog.manage',
  args: z.strictObject({
    productId: id,
    /** Made by the device: a retry of the same delivery adds nothing more. */
    receiptId: id,
    units: z.int().min(1).max(100_000),
    note: z.string().trim().max(200).optional(),
  }),
  async run(ctx, args) {
    const product = await requireRow(
      ctx,
      'product',
      args.productId,
      'PRODUCT_NOT_FOUND',
      'The product',
    );
    const receipts = product.stockReceipts ?? [];
    const earlier = receipts.find((r) => r.id === args.receiptId);
    if (earlier) {
      if (earlier.units !== args.units) {
        reject('ID_CONFLICT', `A different delivery already uses id ${args.receiptId}.`, {
          entity: 'product',
          id: args.receiptId,
        });
      }
      return;
    }
    const receipt: StockReceipt = {
      id: args.receiptId,
      units: args.units,
      note: args.note || null,
      at: now(ctx),
      staffId: ctx.actor.staffId,
    };
    await ctx.tx.put('product', {
      ...product,
      stockCount: product.stockCount + args.units,
      // A short history on the row: enough to answer "when did it come in?" at the desk.
      stockReceipts: [...receipts, receipt].slice(-STOCK_RECEIPTS_KEPT),
    });
  },
});
