import { z } from 'zod';
import type { WalkInRow } from '../entities';
import { reject } from '../error-codes';
import { defineMutator } from './define';
import { createOnce, loadStore, now, requireRow } from './rows';
import { id, name } from './schemas';
import { assignWalkIn, requireClockedIn, requireQualified, today } from './turn-board';

export const walkInAdd = defineMutator({
  name: 'walkIn.add',
  description:
    'Adds a walk-in client to today’s waiting queue, optionally with the service they want.',
  permission: 'turns.assign',
  args: z.strictObject({ id, name, clientId: id.optional(), serviceId: id.optional() }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    if (args.clientId) {
      await requireRow(ctx, 'client', args.clientId, 'CLIENT_NOT_FOUND', 'The client');
    }
    if (args.serviceId) {
      await requireRow(ctx, 'service', args.serviceId, 'SERVICE_NOT_FOUND', 'The service');
    }
    const walkIn: WalkInRow = {
      id: args.id,
      name: args.name,
      clientId: args.clientId ?? null,
      serviceId: args.serviceId ?? null,
      status: 'waiting',
      staffId: null,
      arrivedAt: now(ctx),
      businessDate: today(ctx, store),
    };
    await createOnce(ctx, 'walkIn', walkIn, ['name', 'clientId', 'serviceId']);
  },
});

export const walkInAssign = defineMutator({
  name: 'walkIn.assign',
  description:
    'Gives a waiting walk-in to a chosen technician (who must be clocked in, free and able to do the service), out of turn order.',
  permission: 'turns.assign',
  args: z.strictObject({ id, staffId: id, eventId: id }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const walkIn = await requireRow(ctx, 'walkIn', args.id, 'WALK_IN_NOT_FOUND', 'The walk-in');
    const turn = await requireClockedIn(ctx, store, args.staffId);
    if (turn.status === 'busy') {
      reject('TECHNICIAN_BUSY', 'That technician is with another client.', {
        staffId: args.staffId,
      });
    }
    await requireQualified(ctx, args.staffId, walkIn.serviceId);
    await assignWalkIn(ctx, walkIn, turn, args.eventId);
  },
});

export const walkInRemove = defineMutator({
  name: 'walkIn.remove',
  description: 'Takes a waiting walk-in off the queue (they left). The row stays for the record.',
  permission: 'turns.assign',
  args: z.strictObject({ id }),
  async run(ctx, args) {
    const walkIn = await requireRow(ctx, 'walkIn', args.id, 'WALK_IN_NOT_FOUND', 'The walk-in');
    if (walkIn.status !== 'waiting') {
      reject('INVALID_STATUS_TRANSITION', `This walk-in is already ${walkIn.status}.`);
    }
    await ctx.tx.put('walkIn', { ...walkIn, status: 'left' });
  },
});
