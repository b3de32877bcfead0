import type { OfflineReconciliationFlag } from './offline-payments';
/**
 * The synced entities: the rows a device holds locally and the server stores in PostgreSQL.
 *
 * This file is the contract between the domain mutators, the device's local store and the
 * server's tables. Field names are the protocol's (camelCase); the server maps the fields it
 * queries on to columns (see apps/server/src/db/entity-tables.ts) and keeps the whole row as JSON.
 *
 * Money is integer minor units (cents). Times are ISO-8601 UTC strings. Business dates
 * (`businessDate`) are `YYYY-MM-DD` in the store's time zone.
 *
 * Storage adds `storeId`, `version` and `deleted` around these rows; mutators never see them.
 */

export const ROLES = ['owner', 'manager', 'front_desk', 'technician'] as const;
export type Role = (typeof ROLES)[number];

export type Plan = 'free' | 'pro' | 'enterprise';

/** A discount is either a percentage in basis points (1000 = 10 %) or a fixed amount in cents. */
export type Discount = { kind: 'percent'; bps: number } | { kind: 'amount'; cents: number };

export interface StoreRow {
  id: string;
  organizationId: string;
  name: string;
  currency: string; // ISO 4217, e.g. "USD"
  /** Parts per million of the taxed amount: 88 750 = 8.875 %, 82 500 = 8.25 % (tax-rate.ts). */
  taxRatePpm: number;
  timeZone: string; // IANA, e.g. "America/New_York"
  plan: Plan;
  /** A ticket whose service lines reach this price counts as a full turn; below it, a half turn. */
  fullTurnThresholdCents: number;
  /** Offline card payments: cap per payment and per device total until synced. */
  offlineCardMaxPerPaymentCents: number;
  offlineCardMaxPerDeviceCents: number;
  /**
   * Strict booking: an overlapping appointment is refused unless a manager approves it. Off (or
   * absent), overlaps are booked and flagged as conflicts.
   */
  strictBooking?: boolean;
  /**
   * Whether a technician's appointments count on the turn list (when their ticket closes).
   * Off (or absent): only walk-ins do, as most nail salons run it.
   */
  appointmentsCountAsTurns?: boolean;
  /**
   * The postal address printed under the store's name on receipts: up to six lines, 300
   * characters. Absent (stores made before it existed) or empty: none is printed.
   */
  address?: string;
  /**
   * Whether the desk may sell a product past zero in stock. Off (or absent): the device refuses
   * the sale (OUT_OF_STOCK, stock.ts); on: it only warns. The server never refuses a sale on
   * stock either way (a sale made offline must not be lost), so a count can still go negative.
   */
  allowNegativeStock?: boolean;
  /** Products at or below this count are listed as low in stock, unless a product sets its own. */
  lowStockAt?: number;
  /**
   * The public booking page (online-booking.ts). Absent or null: the store takes no online
   * bookings and has no page.
   */
  onlineBooking?: OnlineBookingSettings | null;
}

/**
 * How a store takes bookings on its public page (/book/{slug}); checked by
 * `onlineBookingSettingsSchema` (online-booking.ts), which must produce exactly this shape.
 */
export interface OnlineBookingSettings {
  enabled: boolean;
  /** The page's address: lowercase letters, digits and single dashes, 3–40 characters. */
  slug: string;
  /** How many days ahead a client may book (1–365), today included as day 0. */
  horizonDays: number;
  /** The earliest start is this many minutes from now; moving or cancelling also closes then. */
  minNoticeMin: number;
  /** Free minutes kept before and after every appointment when offering a time (0–120). */
  bufferMin: number;
  /** The services and staff offered; empty means every active one. */
  serviceIds: string[];
  staffIds: string[];
}

export interface CommissionTier {
  /** Service sales in the period from which this rate applies (cents). */
  fromCents: number;
  bps: number;
}

export interface StaffRow {
  id: string;
  displayName: string;
  role: Role;
  active: boolean;
  userId?: string | null;
  color?: string | null;
  /** Commission on service sales; tiers (if any) replace the flat rate. */
  commissionBps?: number;
  commissionTiers?: CommissionTier[];
  /** Services this person may perform; empty or absent means all. Used by the turn tracker. */
  serviceIds?: string[];
  /** The weekly schedule (store-local times); absent or null means no schedule is kept. */
  workingHours?: WorkingShift[] | null;
}

/** One stretch of work on a weekday (0 Sunday … 6 Saturday), in minutes after local midnight. */
export interface WorkingShift {
  weekday: number;
  startMin: number;
  endMin: number;
}

export interface StaffOverride {
  priceCents?: number;
  durationMin?: number;
}

export interface ServiceRow {
  id: string;
  name: string;
  category?: string | null;
  durationMin: number;
  priceCents: number;
  taxable: boolean;
  active?: boolean;
  /** Per-staff price/duration overrides, keyed by staff id. */
  staffOverrides?: Record<string, StaffOverride>;
}

export interface ProductRow {
  id: string;
  name: string;
  sku?: string | null;
  priceCents: number;
  taxable: boolean;
  stockCount: number;
  active?: boolean;
  /** Low-stock threshold of this product; absent: the store's `lowStockAt`. */
  lowStockAt?: number | null;
  /** The latest deliveries received (product.receiveStock), newest last; a short history. */
  stockReceipts?: StockReceipt[];
}

export interface StockReceipt {
  id: string;
  units: number;
  note?: string | null;
  at: string;
  staffId?: string | null;
}

export interface ClientRow {
  id: string;
  firstName: string;
  lastName: string;
  phone?: string | null;
  email?: string | null;
  notes?: string | null;
  /** Allergies and sensitivities (e.g. "acrylic monomer"): shown as an alert on their tickets. */
  allergies?: string | null;
}

export const APPOINTMENT_STATUSES = [
  'booked',
  'checked_in',
  'in_service',
  'completed',
  'cancelled',
  'no_show',
] as const;
export type AppointmentStatus = (typeof APPOINTMENT_STATUSES)[number];

export interface AppointmentRow {
  id: string;
  staffId: string;
  serviceId: string;
  clientId?: string | null;
  start: string; // ISO
  end: string; // ISO, start + duration
  durationMin: number;
  status: AppointmentStatus;
  notes?: string | null;
  /** True when it overlaps another active appointment of the same staff member. */
  conflict: boolean;
  cancelReason?: string | null;
  ticketId?: string | null;
  /** The visit it was booked in with other services (appointment.bookVisit): shared by them. */
  groupId?: string | null;
  /** The recurring series it belongs to: the id of the series' first occurrence. */
  seriesId?: string | null;
  /**
   * On a series' first occurrence only (the row whose id is the seriesId), so the rule and the
   * list are kept once: "cancel this and following" finds the rest here, not by a scan.
   */
  series?: AppointmentSeries | null;
  /** 'online': booked by a client on the store's public page (the desk marks it). Absent: the desk. */
  source?: 'online';
}

/** How a recurring booking repeats: every `everyWeeks` weeks, `count` times in all. */
export interface AppointmentRepeat {
  everyWeeks: number;
  count: number;
}

export interface AppointmentSeries extends AppointmentRepeat {
  /** Every occurrence's id, in date order; the first is the series id. */
  ids: string[];
}

export type TicketStatus = 'open' | 'closed' | 'voided';

export interface TicketRow {
  id: string;
  status: TicketStatus;
  clientId?: string | null;
  appointmentId?: string | null;
  /** The walk-in this ticket was started for (walkIn.startTicket): its turn counts on close. */
  walkInId?: string | null;
  /**
   * The readable number ("A-017": device code, sequence of that device's tickets that day;
   * ticket-numbers.ts), made by the device that opened it. Absent on tickets opened without one
   * (older app versions, tickets opened by an appointment check-in).
   */
  number?: string | null;
  /** The store-local date the ticket was opened (numbers are unique per business day). */
  businessDate?: string;
  discount?: Discount | null; // ticket-level discount
  subtotalCents: number; // sum of line totals after line discounts
  discountCents: number; // all discounts: line + ticket level
  taxCents: number;
  /**
   * The rate taxCents was computed at (ppm), so a receipt printed later shows it even after the
   * store's rate changed. Absent on tickets last priced by an app version before it existed.
   */
  taxRatePpm?: number;
  totalCents: number; // subtotal − ticket discount + tax
  tipCents: number;
  paidCents: number; // sum of payment amounts (excluding tips)
  changeCents: number; // cash given back
  refundedCents: number;
  openedAt: string;
  closedAt?: string | null;
  voidedAt?: string | null;
  voidReason?: string | null;
  /** How the tip is split among staff; default proportional to service amounts. */
  tipSplit?: { mode: 'proportional' | 'even' } | { mode: 'manual'; shares: Record<string, number> };
  /** The tip split fixed when the ticket closed: staff id → cents, adding up to tipCents. */
  tipShares?: Record<string, number> | null;
}

export type LineKind = 'service' | 'product' | 'gift_card';

export interface TicketLineRow {
  id: string;
  ticketId: string;
  kind: LineKind;
  itemId: string; // service id, product id, or gift card id for gift card sales
  name: string; // catalog name at the time the line was added
  staffId?: string | null;
  quantity: number;
  unitPriceCents: number; // catalog price at the time the line was added
  taxable: boolean;
  discount?: Discount | null;
  comp: boolean; // complimentary: total 0, still shown
  discountCents: number; // line discount amount
  lineTotalCents: number; // quantity × unit − line discount (0 when comp)
  /** For a gift card sale: the code printed on the card, issued when the ticket closes. */
  giftCardCode?: string | null;
  /**
   * A gift card line that loads value onto an existing card (`itemId`) instead of selling a new
   * one (ticket.addGiftCardReload): the value is added when the ticket closes.
   */
  giftCardReload?: boolean;
  /**
   * Order on the ticket: 1 + the highest position on it when the line was added (line-order.ts).
   * Absent on lines added before it existed.
   */
  position?: number;
  /**
   * The technician's commission in force when the ticket closed (set by ticket.close on service
   * lines with a technician), so a later rate change does not rewrite past pay. Absent on lines
   * closed before it was kept: reports then use the technician's current rate.
   */
  commissionBps?: number;
  commissionTiers?: CommissionTier[];
}

export type PaymentMethod = 'cash' | 'card' | 'gift_card' | 'other';

export interface PaymentRow {
  id: string;
  ticketId: string;
  method: PaymentMethod;
  amountCents: number; // tendered toward the ticket total (cash may exceed: see changeCents)
  tipCents: number;
  changeCents: number; // cash overpayment given back
  giftCardId?: string | null;
  reference?: string | null;
  cashDrawerId?: string | null;
  createdAt: string;
  /** Set on card payments taken while the device was offline (reconciliation). */
  offline?: boolean;
  /** Offline payments: when the card was taken, and on which device (the policy's clock and total). */
  offlineTakenAt?: string;
  offlineDeviceId?: string | null;
  /** Set by the server when an offline payment arrived beyond the policy: a person must check it. */
  reconciliation?: OfflineReconciliationFlag[];
}

export interface RefundRow {
  id: string;
  ticketId: string;
  amountCents: number;
  method: PaymentMethod;
  reason?: string | null;
  lineIds?: string[];
  /**
   * A refund by line: the units of each line given back and their amount after discounts,
   * without tax (line-refunds.ts). Absent on refunds by amount.
   */
  lines?: { lineId: string; quantity: number; amountCents: number }[];
  /** The ticket's tax given back by a refund by line (included in amountCents). */
  taxCents?: number;
  /** Products on a refund by line went back on the shelf. */
  restocked?: boolean;
  cashDrawerId?: string | null;
  createdAt: string;
}

export type GiftCardStatus = 'active' | 'void';

export interface GiftCardRow {
  id: string;
  code: string;
  balanceCents: number;
  initialCents: number;
  status: GiftCardStatus;
  issuedAt: string;
}

/**
 * What moved a gift card's balance. `refund` is a ticket refunded onto the card (money in);
 * `sale_refund` is the card's own sale (or reload) refunded: its unspent value taken back (money
 * out); `reload` is value bought onto an existing card on a ticket (money in).
 */
export type GiftCardMovementKind =
  'issue' | 'reload' | 'redeem' | 'refund' | 'adjust' | 'sale_refund';

export interface GiftCardMovementRow {
  id: string;
  giftCardId: string;
  kind: GiftCardMovementKind;
  amountCents: number; // signed: + adds to the balance, − takes from it
  ticketId?: string | null;
  paymentId?: string | null;
  createdAt: string;
}

/** One technician's place in the turn tracker for one business day. */
export interface TurnRow {
  id: string;
  staffId: string;
  businessDate: string;
  clockInAt: string;
  clockOutAt?: string | null;
  status: 'available' | 'busy' | 'out';
  /** Turns in half units (a full turn = 2) so counts stay integers. */
  halfTurns: number;
  /** The walk-in being served while busy. */
  currentWalkInId?: string | null;
  /**
   * Clients who asked for this technician, counted apart: a request does not cost the
   * technician their place in the order (halfTurns), so it is never added there.
   */
  requestTurns?: number;
}

/** Every change to the turn tracker, for the record. */
export interface TurnEventRow {
  id: string;
  turnId: string;
  staffId: string;
  businessDate: string;
  kind: 'clock_in' | 'clock_out' | 'assign' | 'skip' | 'adjust' | 'complete';
  halfTurns: number; // delta applied
  /** A completed request turn (counted in requestTurns, not halfTurns). */
  request?: boolean;
  walkInId?: string | null;
  ticketId?: string | null;
  note?: string | null;
  at: string;
}

export interface WalkInRow {
  id: string;
  clientId?: string | null;
  name: string;
  serviceId?: string | null;
  /** `assigned`: in service with `staffId`, until the turn completes or its ticket closes. */
  status: 'waiting' | 'assigned' | 'done' | 'left';
  staffId?: string | null;
  /** The technician the client asked for, if any. */
  requestedStaffId?: string | null;
  /** Set when assigned to the technician asked for: the turn then counts as a request. */
  request?: boolean;
  /** The ticket started for this walk-in (walkIn.startTicket). */
  ticketId?: string | null;
  arrivedAt: string;
  businessDate: string;
}

export interface CashDrawerRow {
  id: string;
  status: 'open' | 'closed';
  openedAt: string;
  openedByStaffId?: string | null;
  floatCents: number;
  closedAt?: string | null;
  countedCents?: number | null;
  expectedCents?: number | null;
  overShortCents?: number | null; // counted − expected
}

export interface CashMovementRow {
  id: string;
  cashDrawerId: string;
  kind: 'pay_in' | 'pay_out';
  amountCents: number; // positive
  reason?: string | null;
  at: string;
}

export const WAITLIST_STATUSES = ['waiting', 'booked', 'removed'] as const;
export type WaitlistStatus = (typeof WAITLIST_STATUSES)[number];

/**
 * A client waiting for a time that is not free yet (waitlist.ts). It stops being offered after
 * `toDate` without any write: expiry is read from the dates, so no job has to run at midnight.
 */
export interface WaitlistEntryRow {
  id: string;
  clientId: string;
  /** The services wanted, booked back to back in this order (1 to 8). */
  serviceIds: string[];
  /** The technician asked for; null: anyone. */
  staffId: string | null;
  /** Store-local dates (`YYYY-MM-DD`), both included. */
  fromDate: string;
  toDate: string;
  /** Store-local 'HH:MM' the client can come between; absent: any time the store is open. */
  windowStart?: string | null;
  windowEnd?: string | null;
  notes?: string | null;
  status: WaitlistStatus;
  /** Set by waitlist.book: the first appointment it booked. */
  appointmentId?: string | null;
  createdAt: string;
}

/** Entity name (as in the protocol's pull `entity`) → row type. */
export interface EntityRows {
  store: StoreRow;
  staff: StaffRow;
  service: ServiceRow;
  product: ProductRow;
  client: ClientRow;
  appointment: AppointmentRow;
  ticket: TicketRow;
  ticketLine: TicketLineRow;
  payment: PaymentRow;
  refund: RefundRow;
  giftCard: GiftCardRow;
  giftCardMovement: GiftCardMovementRow;
  turn: TurnRow;
  turnEvent: TurnEventRow;
  walkIn: WalkInRow;
  cashDrawer: CashDrawerRow;
  cashMovement: CashMovementRow;
  waitlistEntry: WaitlistEntryRow;
}

export type EntityName = keyof EntityRows;

export const ENTITY_NAMES = [
  'store',
  'staff',
  'service',
  'product',
  'client',
  'appointment',
  'ticket',
  'ticketLine',
  'payment',
  'refund',
  'giftCard',
  'giftCardMovement',
  'turn',
  'turnEvent',
  'walkIn',
  'cashDrawer',
  'cashMovement',
  'waitlistEntry',
] as const satisfies readonly EntityName[];
