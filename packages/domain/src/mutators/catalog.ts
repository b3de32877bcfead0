import { z } from 'zod';
import type { ProductRow, ServiceRow } from '../entities';
import { MAX_APPOINTMENT_MINUTES } from '../appointments';
import { defineMutator } from './define';
import { definedOnly } from './rows';
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
  }),
  async run(ctx, args) {
    const existing = await ctx.tx.get('product', args.id);
    const row = { ...existing, ...definedOnly(args) } as ProductRow;
    await ctx.tx.put('product', row);
  },
});
