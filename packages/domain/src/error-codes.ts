import { DomainError } from './errors';

/**
 * Every code a mutator may reject with. Devices switch on these to show a person what went wrong;
 * the server records them with the rejected mutation. Adding a code is fine; renaming one breaks
 * devices that are already installed.
 */
export const DOMAIN_ERROR_CODES = [
  'UNKNOWN_MUTATION',
  'INVALID_ARGS',
  // A NUL character, a lone UTF-16 surrogate or a hostile nesting depth in the arguments.
  'INVALID_TEXT',
  // A price, quantity, total, tip or gift card value beyond the domain's money bounds.
  'AMOUNT_OUT_OF_RANGE',
  'FORBIDDEN_ROLE',
  // An override (void, refund, comp, removing a payment, a double booking) by the front desk
  // without a manager's approval.
  'APPROVAL_REQUIRED',
  // Decided by the server: the approval carried by the mutation is not a valid MAC of it by a
  // manager's PIN key (forged, wrong PIN, replayed, or the approver is not a manager).
  'APPROVAL_INVALID',
  // Decided by the server: the staff member named as acting is unknown, inactive or of another store.
  'ACTING_STAFF_INVALID',
  'ID_CONFLICT',
  'STORE_NOT_FOUND',
  'INVALID_SETTING',
  'CLIENT_NOT_FOUND',
  'STAFF_NOT_FOUND',
  'STAFF_INACTIVE',
  'SERVICE_NOT_FOUND',
  'PRODUCT_NOT_FOUND',
  'ITEM_INACTIVE',
  'APPOINTMENT_NOT_FOUND',
  'STAFF_DOUBLE_BOOKED',
  'INVALID_STATUS_TRANSITION',
  'TICKET_NOT_FOUND',
  'TICKET_NOT_OPEN',
  'TICKET_NOT_CLOSED',
  'TICKET_NOT_PAID',
  'TICKET_HAS_PAYMENTS',
  'TOTAL_BELOW_PAID',
  'LINE_NOT_FOUND',
  'LINE_NOT_DISCOUNTABLE',
  // A gift card line is one card: its quantity cannot change.
  'LINE_QUANTITY_FIXED',
  // A ticket number with a device code other than the sending device's own.
  'TICKET_NUMBER_WRONG_DEVICE',
  // Another ticket of the same business day already has this number.
  'TICKET_NUMBER_TAKEN',
  'PAYMENT_NOT_FOUND',
  'PAYMENT_EMPTY',
  'PAYMENT_EXCEEDS_BALANCE',
  'OFFLINE_CARD_LIMIT',
  'OFFLINE_DEVICE_LIMIT',
  'TIP_SPLIT_MISMATCH',
  'REFUND_EXCEEDS_PAID',
  // A refund by line names more units of a line than are left to refund.
  'REFUND_EXCEEDS_QUANTITY',
  // Selling a product past zero in stock when the store does not allow it (checked on the
  // device before the sale; the server never refuses a sale on stock: stock.ts).
  'OUT_OF_STOCK',
  'GIFT_CARD_REQUIRED',
  'GIFT_CARD_NOT_FOUND',
  'GIFT_CARD_NOT_ACTIVE',
  'GIFT_CARD_INSUFFICIENT',
  'GIFT_CARD_CODE_TAKEN',
  // The ticket already reloads this gift card: change that line instead of adding a second.
  'GIFT_CARD_ALREADY_ON_TICKET',
  'WALK_IN_NOT_FOUND',
  'NOT_CLOCKED_IN',
  'ALREADY_CLOCKED_IN',
  'TECHNICIAN_BUSY',
  'TECHNICIAN_NOT_QUALIFIED',
  'NO_TECHNICIAN_AVAILABLE',
  'INVALID_TURN_ADJUSTMENT',
  // A walk-in's ticket is still open: its turn counts when the ticket closes, not before.
  'WALK_IN_TICKET_OPEN',
  // The walk-in already has another ticket (open it instead of starting a second one).
  'WALK_IN_HAS_TICKET',
  'DRAWER_ALREADY_OPEN',
  'NO_OPEN_DRAWER',
  'DRAWER_NOT_FOUND',
  // Decided by the server, which alone counts the store's usage against its plan
  // (apps/server/src/quotas); listed here so devices know the code.
  'QUOTA_EXCEEDED',
  // Decided by the server: the mutation's envelope (name, clientTime, actor) is malformed.
  'INVALID_MUTATION',
  // Decided by the server: applying it failed in a way a retry would repeat (a defect of ours,
  // logged with a reference); refused so that the device's later mutations still go through.
  'MUTATION_FAILED',
  // The waitlist (waitlist.ts): an entry that is not there, or no longer waiting.
  'WAITLIST_ENTRY_NOT_FOUND',
  'WAITLIST_ENTRY_NOT_WAITING',
  // An update leaving toDate before fromDate, a time window ending before it starts, or a range
  // longer than the waitlist keeps.
  'WAITLIST_INVALID_RANGE',
  // A visit (appointment.bookVisit) that books one staff member twice at the same time.
  'VISIT_ITEMS_OVERLAP',
  // "Cancel this and following" on an appointment that is not part of a recurring series.
  'NOT_IN_SERIES',
  // An online booking (or move) for a time another appointment of that staff member, with the
  // store's buffer around it, already holds: the client is offered fresh times.
  'SLOT_TAKEN',
] as const;

export type DomainErrorCode = (typeof DOMAIN_ERROR_CODES)[number];

/** Throws a coded rejection; typed so that only known codes are used inside the domain. */
export function reject(code: DomainErrorCode, message: string, details?: unknown): never {
  throw new DomainError(code, message, details);
}
