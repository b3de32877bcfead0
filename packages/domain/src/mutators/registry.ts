import { z } from 'zod';
import type { Role } from '../entities';
import { DomainError } from '../errors';
import { reject } from '../error-codes';
import {
  PERMISSIONS,
  requirePermission,
  type Permission,
  type PermissionName,
} from '../permissions';
import type { MutatorContext } from '../tx';
import { describeWireProblem, findUnsafeWireValue, toStorableText } from '../wire-text';
import {
  appointmentBook,
  appointmentCancel,
  appointmentCheckIn,
  appointmentComplete,
  appointmentNoShow,
  appointmentReschedule,
  appointmentStart,
} from './appointment';
import { appointmentBookSeries, appointmentCancelFollowing } from './appointment-series';
import { appointmentBookVisit } from './appointment-visit';
import { cashDrawerClose, cashDrawerOpen, cashDrawerPayIn, cashDrawerPayOut } from './cash-drawer';
import { productReceiveStock, productUpsert, serviceUpsert } from './catalog';
import { clientDelete, clientUpsert } from './client';
import type { MutatorDef } from './define';
import { giftCardAdjust } from './gift-card';
import { staffUpsert } from './staff';
import { storeUpdateSettings } from './store';
import {
  ticketClose,
  ticketOpen,
  ticketSetClient,
  ticketSetDiscount,
  ticketSetTipSplit,
  ticketVoid,
} from './ticket';
import {
  ticketAddGiftCardLine,
  ticketAddGiftCardReload,
  ticketAddLine,
  ticketCompLine,
  ticketRemoveLine,
  ticketSetLineDiscount,
  ticketSetLineQuantity,
  ticketSetLineStaff,
} from './ticket-lines';
import { ticketAddPayment, ticketRefund, ticketRemovePayment } from './ticket-payments';
import {
  turnAdjust,
  turnAssignNext,
  turnClockIn,
  turnClockOut,
  turnComplete,
  turnSkip,
} from './turn';
import { walkInAdd, walkInAssign, walkInRemove, walkInStartTicket } from './walk-in';
import { waitlistAdd, waitlistBook, waitlistRemove, waitlistUpdate } from './waitlist';

/** Every mutator, by protocol name. The names are a wire contract: never rename one. */
export const mutators = {
  'store.updateSettings': storeUpdateSettings,
  'staff.upsert': staffUpsert,
  'service.upsert': serviceUpsert,
  'product.upsert': productUpsert,
  'product.receiveStock': productReceiveStock,
  'client.upsert': clientUpsert,
  'client.delete': clientDelete,
  'appointment.book': appointmentBook,
  'appointment.reschedule': appointmentReschedule,
  'appointment.cancel': appointmentCancel,
  'appointment.noShow': appointmentNoShow,
  'appointment.checkIn': appointmentCheckIn,
  'appointment.start': appointmentStart,
  'appointment.complete': appointmentComplete,
  'appointment.bookVisit': appointmentBookVisit,
  'appointment.bookSeries': appointmentBookSeries,
  'appointment.cancelFollowing': appointmentCancelFollowing,
  'ticket.open': ticketOpen,
  'ticket.addLine': ticketAddLine,
  'ticket.addGiftCardLine': ticketAddGiftCardLine,
  'ticket.addGiftCardReload': ticketAddGiftCardReload,
  'ticket.removeLine': ticketRemoveLine,
  'ticket.setLineStaff': ticketSetLineStaff,
  'ticket.setLineQuantity': ticketSetLineQuantity,
  'ticket.setClient': ticketSetClient,
  'ticket.setLineDiscount': ticketSetLineDiscount,
  'ticket.compLine': ticketCompLine,
  'ticket.setDiscount': ticketSetDiscount,
  'ticket.setTipSplit': ticketSetTipSplit,
  'ticket.addPayment': ticketAddPayment,
  'ticket.removePayment': ticketRemovePayment,
  'ticket.close': ticketClose,
  'ticket.void': ticketVoid,
  'ticket.refund': ticketRefund,
  'giftCard.adjust': giftCardAdjust,
  'walkIn.add': walkInAdd,
  'walkIn.assign': walkInAssign,
  'walkIn.remove': walkInRemove,
  'walkIn.startTicket': walkInStartTicket,
  'turn.clockIn': turnClockIn,
  'turn.clockOut': turnClockOut,
  'turn.assignNext': turnAssignNext,
  'turn.complete': turnComplete,
  'turn.skip': turnSkip,
  'turn.adjust': turnAdjust,
  'cashDrawer.open': cashDrawerOpen,
  'cashDrawer.payIn': cashDrawerPayIn,
  'cashDrawer.payOut': cashDrawerPayOut,
  'cashDrawer.close': cashDrawerClose,
  'waitlist.add': waitlistAdd,
  'waitlist.update': waitlistUpdate,
  'waitlist.remove': waitlistRemove,
  'waitlist.book': waitlistBook,
} as const;

export type MutatorName = keyof typeof mutators;
/** The args a device sends for a mutator (before defaults), for typed outbox entries. */
export type MutatorArgs<N extends MutatorName> = z.input<(typeof mutators)[N]['args']>;

export const MUTATOR_NAMES = Object.keys(mutators) as MutatorName[];

/** Which permission each mutator needs (finer rules, like "own appointments only", come on top). */
export const MUTATOR_PERMISSIONS = Object.fromEntries(
  Object.entries(mutators).map(([name, def]) => [name, def.permission]),
) as Record<MutatorName, PermissionName>;

/** Which roles may call which mutator outright (approval roles not included). */
export const MUTATOR_ROLES = Object.fromEntries(
  Object.entries(mutators).map(([name, def]) => [name, PERMISSIONS[def.permission].roles]),
) as Record<MutatorName, readonly Role[]>;

/**
 * All a store's public booking page may do (Actor.online): book, move and cancel appointments,
 * and record the client who booked. Its role grants more; this list is what it gets.
 */
export const ONLINE_BOOKING_MUTATORS: readonly MutatorName[] = [
  'client.upsert',
  'appointment.book',
  'appointment.reschedule',
  'appointment.cancel',
];

export function isMutatorName(name: string): name is MutatorName {
  return Object.hasOwn(mutators, name);
}

function describeIssue(issue: z.core.$ZodIssue): string {
  const field = issue.path.length > 0 ? issue.path.join('.') : '(arguments)';
  return `${field}: ${issue.message}`;
}

/**
 * Runs one mutation: unknown name → UNKNOWN_MUTATION; a NUL, lone surrogate or hostile depth
 * anywhere in the args → INVALID_TEXT; args failing the schema → INVALID_ARGS
 * (naming the fields, with zod's issues as details); role not allowed → FORBIDDEN_ROLE; then the
 * mutator. Any DomainError is a permanent rejection; the caller's transaction discards the
 * partial writes.
 */
export async function applyMutation(
  ctx: MutatorContext,
  name: string,
  rawArgs: unknown,
): Promise<void> {
  if (!isMutatorName(name)) {
    const shown = toStorableText(name).slice(0, 100);
    reject('UNKNOWN_MUTATION', `"${shown}" is not a mutation this version knows; update the app.`, {
      name: shown,
    });
  }
  const unsafe = findUnsafeWireValue(rawArgs);
  if (unsafe) reject('INVALID_TEXT', describeWireProblem(unsafe), unsafe);
  const def = mutators[name] as MutatorDef;
  const parsed = def.args.safeParse(rawArgs);
  if (!parsed.success) {
    const issues = parsed.error.issues;
    throw new DomainError(
      'INVALID_ARGS',
      `Invalid arguments for ${name}: ${issues.map(describeIssue).join('; ')}`,
      issues,
    );
  }
  requirePermission(ctx, def.permission, name);
  if (ctx.actor.online && !ONLINE_BOOKING_MUTATORS.includes(name)) {
    reject('FORBIDDEN_ROLE', `Online booking cannot ${name}.`, { role: 'online' });
  }
  await def.authorize?.(ctx, parsed.data);
  await def.run(ctx, parsed.data);
}

export interface MutatorCatalogEntry {
  name: MutatorName;
  description: string;
  permission: PermissionName;
  roles: readonly Role[];
  /** Roles that may call it with a manager's verified approval. */
  rolesWithApproval: readonly Role[];
  argsSchema: Record<string, unknown>;
}

/** What GET /api/v1/sync/mutators serves: every mutator with its JSON Schema. */
export function mutatorCatalog(): MutatorCatalogEntry[] {
  return MUTATOR_NAMES.map((name) => {
    const def = mutators[name] as MutatorDef;
    return {
      name,
      description: def.description,
      permission: def.permission,
      roles: PERMISSIONS[def.permission].roles,
      rolesWithApproval: (PERMISSIONS[def.permission] as Permission).withApproval ?? [],
      argsSchema: z.toJSONSchema(def.args, { io: 'input', unrepresentable: 'any' }) as Record<
        string,
        unknown
      >,
    };
  });
}
