import { z } from 'zod';
import { expectedDrawerCash } from '../cash-drawer';
import type { CashDrawerRow } from '../entities';
import { reject } from '../error-codes';
import type { MutatorContext } from '../tx';
import { defineMutator } from './define';
import { createOnce, insertNew, now } from './rows';
import { cents, id, positiveCents, reason } from './schemas';
import { openDrawerId } from './ticket-state';

async function requireOpenDrawer(ctx: MutatorContext): Promise<CashDrawerRow> {
  const drawerId = await openDrawerId(ctx);
  const drawer = drawerId ? await ctx.tx.get('cashDrawer', drawerId) : undefined;
  return (
    drawer ?? reject('NO_OPEN_DRAWER', 'No cash drawer is open; open one with its float first.')
  );
}

export const cashDrawerOpen = defineMutator({
  name: 'cashDrawer.open',
  description:
    'Opens the store’s cash drawer with a starting float. Only one drawer is open at a time.',
  permission: 'cashDrawer.operate',
  args: z.strictObject({ id, floatCents: cents }),
  async run(ctx, args) {
    const existing = await ctx.tx.get('cashDrawer', args.id);
    const openId = await openDrawerId(ctx);
    if (!existing && openId) {
      reject(
        'DRAWER_ALREADY_OPEN',
        'A cash drawer is already open; close it before opening another.',
        {
          cashDrawerId: openId,
        },
      );
    }
    await createOnce(
      ctx,
      'cashDrawer',
      {
        id: args.id,
        status: 'open',
        openedAt: now(ctx),
        openedByStaffId: ctx.actor.staffId,
        floatCents: args.floatCents,
      },
      ['floatCents'],
    );
  },
});

function cashMovement(kind: 'pay_in' | 'pay_out') {
  return defineMutator({
    name: kind === 'pay_in' ? 'cashDrawer.payIn' : 'cashDrawer.payOut',
    description:
      kind === 'pay_in'
        ? 'Records cash put into the open drawer (e.g. more change).'
        : 'Records cash taken out of the open drawer (e.g. supplies, a cash tip payout).',
    permission: 'cashDrawer.operate',
    args: z.strictObject({ id, amountCents: positiveCents, reason: reason.optional() }),
    async run(ctx, args) {
      const drawer = await requireOpenDrawer(ctx);
      await insertNew(ctx, 'cashMovement', {
        id: args.id,
        cashDrawerId: drawer.id,
        kind,
        amountCents: args.amountCents,
        reason: args.reason ?? null,
        at: now(ctx),
      });
    },
  });
}

export const cashDrawerPayIn = cashMovement('pay_in');
export const cashDrawerPayOut = cashMovement('pay_out');

export const cashDrawerClose = defineMutator({
  name: 'cashDrawer.close',
  description:
    'Closes the open drawer with the counted cash. Expected = float + cash taken + cash tips − change − cash refunds + pay-ins − pay-outs; over/short = counted − expected.',
  permission: 'cashDrawer.operate',
  args: z.strictObject({ id, countedCents: cents }),
  async run(ctx, args) {
    const drawer = await ctx.tx.get('cashDrawer', args.id);
    if (!drawer) {
      return reject('DRAWER_NOT_FOUND', 'That cash drawer was not found.', { id: args.id });
    }
    if (drawer.status !== 'open') {
      reject('NO_OPEN_DRAWER', 'That cash drawer is already closed.', { id: args.id });
    }
    const where = { where: { cashDrawerId: drawer.id } };
    const { expectedCents } = expectedDrawerCash({
      floatCents: drawer.floatCents,
      payments: await ctx.tx.list('payment', where),
      refunds: await ctx.tx.list('refund', where),
      movements: await ctx.tx.list('cashMovement', where),
    });
    await ctx.tx.put('cashDrawer', {
      ...drawer,
      status: 'closed',
      closedAt: now(ctx),
      countedCents: args.countedCents,
      expectedCents,
      overShortCents: args.countedCents - expectedCents,
    });
  },
});
