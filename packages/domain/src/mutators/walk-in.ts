import { z } from 'zod';
import type { WalkInRow } from '../entities';
import { reject } from '../error-codes';
import { defineMutator } from './define';
import { createOnce, loadStore, now, requireRow } from './rows';
import { id, name, ticketNumber } from './schemas';
import { ticketOpen } from './ticket';
import { ticketAddLine } from './ticket-lines';
import { assignWalkIn, requireFreeTechnician, requireQualified, today } from './turn-board';

export const walkInAdd = defineMutator({
  name: 'walkIn.add',
  description:
    'Adds a walk-in client to today’s waiting queue, optionally with the service they want and the technician they ask for (a request: assigned to that technician, counted apart from the turn order).',
  permission: 'turns.assign',
  args: z.strictObject({
    id,
    name,
    clientId: id.optional(),
    serviceId: id.optional(),
    requestedStaffId: id.optional(),
  }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    if (args.clientId) {
      await requireRow(ctx, 'client', args.clientId, 'CLIENT_NOT_FOUND', 'The client');
    }
    if (args.serviceId) {
      await requireRow(ctx, 'service', args.serviceId, 'SERVICE_NOT_FOUND', 'The service');
    }
    if (args.requestedStaffId) {
      const staff = await requireRow(
        ctx,
        'staff',
        args.requestedStaffId,
        'STAFF_NOT_FOUND',
        'The requested technician',
      );
      if (!staff.active) {
        reject('STAFF_INACTIVE', `${staff.displayName} is no longer active.`, {
          staffId: staff.id,
        });
      }
      // Told now, while the client is at the desk, rather than when their turn comes.
      await requireQualified(ctx, args.requestedStaffId, args.serviceId);
    }
    const walkIn: WalkInRow = {
      id: args.id,
      name: args.name,
      clientId: args.clientId ?? null,
      serviceId: args.serviceId ?? null,
      requestedStaffId: args.requestedStaffId ?? null,
      status: 'waiting',
      staffId: null,
      arrivedAt: now(ctx),
      businessDate: today(ctx, store),
    };
    await createOnce(ctx, 'walkIn', walkIn, ['name', 'clientId', 'serviceId', 'requestedStaffId']);
  },
});

export const walkInAssign = defineMutator({
  name: 'walkIn.assign',
  description:
    'Gives a waiting walk-in to a chosen technician (who must be clocked in, free and able to do the service), out of turn order. Given to the technician they asked for, it is a request turn.',
  permission: 'turns.assign',
  args: z.strictObject({ id, staffId: id, eventId: id }),
  async run(ctx, args) {
    const store = await loadStore(ctx);
    const walkIn = await requireRow(ctx, 'walkIn', args.id, 'WALK_IN_NOT_FOUND', 'The walk-in');
    const turn = await requireFreeTechnician(ctx, store, args.staffId, walkIn.serviceId);
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

export const walkInStartTicket = defineMutator({
  name: 'walkIn.startTicket',
  description:
    'Opens the ticket (id `ticketId`) of a walk-in in service: for their client, with their service on line `lineId` done by the assigned technician (or `serviceId`, when they did not name one). The walk-in stays in service until the ticket closes; closing it completes the technician’s turn with the ticket’s service value.',
  permission: 'tickets.sell',
  args: z.strictObject({
    id,
    ticketId: id,
    lineId: id,
    serviceId: id.optional(),
    /** The readable ticket number the device made, as ticket.open takes it. */
    number: ticketNumber.optional(),
  }),
  async run(ctx, args) {
    const walkIn = await requireRow(ctx, 'walkIn', args.id, 'WALK_IN_NOT_FOUND', 'The walk-in');
    if (walkIn.status !== 'assigned' || !walkIn.staffId) {
      reject(
        'INVALID_STATUS_TRANSITION',
        walkIn.status === 'waiting'
          ? 'Assign a technician to this walk-in first.'
          : `This walk-in is already ${walkIn.status}.`,
        { status: walkIn.status },
      );
    }
    const previous = walkIn.ticketId ? await ctx.tx.get('ticket', walkIn.ticketId) : undefined;
    if (previous && previous.id !== args.ticketId && previous.status !== 'voided') {
      reject('WALK_IN_HAS_TICKET', `${walkIn.name} already has a ticket; open that one.`, {
        ticketId: previous.id,
      });
    }
    // Through ticket.open and ticket.addLine themselves, so a ticket started here is exactly
    // like one opened at checkout (numbering, client link, prices), in this one mutation.
    await ticketOpen.run(
      ctx,
      ticketOpen.args.parse({
        id: args.ticketId,
        ...(walkIn.clientId ? { clientId: walkIn.clientId } : {}),
        ...(args.number ? { number: args.number } : {}),
      }),
    );
    const serviceId = walkIn.serviceId ?? args.serviceId;
    if (serviceId) {
      await ticketAddLine.run(
        ctx,
        ticketAddLine.args.parse({
          ticketId: args.ticketId,
          lineId: args.lineId,
          kind: 'service',
          itemId: serviceId,
          staffId: walkIn.staffId,
        }),
      );
    }
    const ticket = await requireRow(ctx, 'ticket', args.ticketId, 'TICKET_NOT_FOUND', 'The ticket');
    if (ticket.walkInId && ticket.walkInId !== walkIn.id) {
      reject('ID_CONFLICT', `A different ticket already uses id ${ticket.id}.`, {
        entity: 'ticket',
        id: ticket.id,
      });
    }
    await ctx.tx.put('ticket', { ...ticket, walkInId: walkIn.id });
    await ctx.tx.put('walkIn', { ...walkIn, ticketId: args.ticketId });
  },
});
