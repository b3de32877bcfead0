import { z } from 'zod';
import type { ClientRow } from '../entities';
import { defineMutator } from './define';
import { definedOnly } from './rows';
import { id, name, shortText } from './schemas';

const optionalText = (max: number) => z.string().trim().max(max).nullable().optional();

export const clientUpsert = defineMutator({
  name: 'client.upsert',
  description:
    'Creates a client or updates one. Only the fields sent change, so two devices editing different fields of the same client both keep their edit.',
  permission: 'clients.manage',
  args: z.strictObject({
    id,
    firstName: name,
    lastName: z.string().trim().max(120),
    phone: optionalText(40),
    email: z.email().max(254).nullable().optional(),
    notes: shortText.nullable().optional(),
    allergies: shortText.nullable().optional(),
  }),
  async run(ctx, args) {
    const existing = await ctx.tx.get('client', args.id);
    const row: ClientRow = { ...existing, ...(definedOnly(args) as ClientRow) };
    await ctx.tx.put('client', row);
  },
});

export const clientDelete = defineMutator({
  name: 'client.delete',
  description:
    'Deletes a client (a tombstone syncs to every device). Deleting a client that is already gone does nothing.',
  permission: 'clients.manage',
  args: z.strictObject({ id }),
  async run(ctx, args) {
    if (await ctx.tx.get('client', args.id)) await ctx.tx.delete('client', args.id);
  },
});
