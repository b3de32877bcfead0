/**
 * The one place that maps synced entities (packages/domain/src/entities.ts) to tables
 * (apps/server/migrations/0003_synced_entities.sql): table name, promoted columns (how each is
 * derived from the row, which domain field it mirrors so ListQuery fields map to columns) and
 * the key/partition facts. A test checks this against the database catalog.
 */
import type { EntityName, EntityRows } from '../../../../packages/domain/src/entities';
import { phoneDigits as digitsOf } from '../../../../packages/domain/src/phone';

export type ColumnType =
  'uuid' | 'text' | 'bigint' | 'integer' | 'boolean' | 'timestamptz' | 'date';
export type ColumnValue = string | number | boolean | null;

export interface PromotedColumn<E extends EntityName> {
  column: string;
  type: ColumnType;
  /** The domain field this column mirrors (ListQuery may filter on it); null when derived. */
  field: (keyof EntityRows[E] & string) | null;
  from: (row: EntityRows[E]) => ColumnValue;
}

export type PartitionScheme =
  { kind: 'none' } | { kind: 'hash'; column: 'store_id'; partitions: number };

export interface EntityTable<E extends EntityName> {
  entity: E;
  table: string;
  /** Primary key columns (a partitioned table's includes its partition key). */
  primaryKey: readonly string[];
  partition: PartitionScheme;
  columns: readonly PromotedColumn<E>[];
}

/** Synced entities stored in their own table: every entity except `store` (the stores row). */
export type TableEntityName = Exclude<EntityName, 'store'>;

/** Columns every synced table has besides the promoted ones. */
export const SYNC_COLUMNS = ['store_id', 'id', 'version', 'deleted', 'updated_at', 'data'] as const;

function mirror<E extends EntityName>(
  type: ColumnType,
  column: string,
  field: keyof EntityRows[E] & string,
): PromotedColumn<E> {
  return {
    column,
    type,
    field,
    from: (row) => {
      const value = (row as unknown as Record<string, unknown>)[field];
      if (value === undefined || value === null) return null;
      if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
        return value;
      }
      throw new TypeError(`${field} must be a string, number or boolean to be stored in ${column}`);
    },
  };
}

/** Column helpers for one entity, so `field` is checked against that entity's row type. */
function cols<E extends EntityName>() {
  return {
    uuid: (column: string, field: keyof EntityRows[E] & string) => mirror<E>('uuid', column, field),
    text: (column: string, field: keyof EntityRows[E] & string) => mirror<E>('text', column, field),
    bigint: (column: string, field: keyof EntityRows[E] & string) =>
      mirror<E>('bigint', column, field),
    integer: (column: string, field: keyof EntityRows[E] & string) =>
      mirror<E>('integer', column, field),
    boolean: (column: string, field: keyof EntityRows[E] & string) =>
      mirror<E>('boolean', column, field),
    timestamptz: (column: string, field: keyof EntityRows[E] & string) =>
      mirror<E>('timestamptz', column, field),
    date: (column: string, field: keyof EntityRows[E] & string) => mirror<E>('date', column, field),
  };
}

const storeKey = ['store_id', 'id'] as const;
const none: PartitionScheme = { kind: 'none' };
const byStoreHash: PartitionScheme = { kind: 'hash', column: 'store_id', partitions: 16 };

/** Digits of a phone number ('(555) 123-4567' → '5551234567'); null when there are none. */
export function phoneDigits(phone: string | null | undefined): string | null {
  return digitsOf(phone) || null;
}

const staff = cols<'staff'>();
const service = cols<'service'>();
const product = cols<'product'>();
const client = cols<'client'>();
const appointment = cols<'appointment'>();
const ticket = cols<'ticket'>();
const line = cols<'ticketLine'>();
const payment = cols<'payment'>();
const refund = cols<'refund'>();
const giftCard = cols<'giftCard'>();
const movement = cols<'giftCardMovement'>();
const turn = cols<'turn'>();
const turnEvent = cols<'turnEvent'>();
const walkIn = cols<'walkIn'>();
const drawer = cols<'cashDrawer'>();
const cash = cols<'cashMovement'>();
const waitlist = cols<'waitlistEntry'>();

export const ENTITY_TABLES: { readonly [E in TableEntityName]: EntityTable<E> } = {
  staff: {
    entity: 'staff',
    table: 'staff',
    primaryKey: storeKey,
    partition: none,
    columns: [
      staff.text('display_name', 'displayName'),
      staff.text('role', 'role'),
      staff.boolean('active', 'active'),
      staff.uuid('user_id', 'userId'),
    ],
  },
  service: {
    entity: 'service',
    table: 'services',
    primaryKey: storeKey,
    partition: none,
    columns: [
      service.text('name', 'name'),
      service.text('category', 'category'),
      service.integer('duration_min', 'durationMin'),
      service.bigint('price_cents', 'priceCents'),
      service.boolean('taxable', 'taxable'),
      service.boolean('active', 'active'),
    ],
  },
  product: {
    entity: 'product',
    table: 'products',
    primaryKey: storeKey,
    partition: none,
    columns: [
      product.text('name', 'name'),
      product.text('sku', 'sku'),
      product.bigint('price_cents', 'priceCents'),
      product.integer('stock_count', 'stockCount'),
      product.boolean('taxable', 'taxable'),
      product.boolean('active', 'active'),
    ],
  },
  client: {
    entity: 'client',
    table: 'clients',
    primaryKey: storeKey,
    partition: none,
    columns: [
      client.text('first_name', 'firstName'),
      client.text('last_name', 'lastName'),
      client.text('phone', 'phone'),
      client.text('email', 'email'),
      { column: 'phone_digits', type: 'text', field: null, from: (row) => phoneDigits(row.phone) },
    ],
  },
  appointment: {
    entity: 'appointment',
    table: 'appointments',
    primaryKey: storeKey,
    partition: byStoreHash,
    columns: [
      appointment.uuid('staff_id', 'staffId'),
      appointment.uuid('service_id', 'serviceId'),
      appointment.uuid('client_id', 'clientId'),
      appointment.text('status', 'status'),
      appointment.timestamptz('start_at', 'start'),
      appointment.timestamptz('end_at', 'end'),
      appointment.integer('duration_min', 'durationMin'),
      appointment.boolean('conflict', 'conflict'),
      appointment.uuid('ticket_id', 'ticketId'),
    ],
  },
  ticket: {
    entity: 'ticket',
    table: 'tickets',
    primaryKey: storeKey,
    partition: byStoreHash,
    columns: [
      ticket.text('status', 'status'),
      ticket.uuid('client_id', 'clientId'),
      ticket.uuid('appointment_id', 'appointmentId'),
      ticket.bigint('subtotal_cents', 'subtotalCents'),
      ticket.bigint('discount_cents', 'discountCents'),
      ticket.bigint('tax_cents', 'taxCents'),
      ticket.bigint('total_cents', 'totalCents'),
      ticket.bigint('tip_cents', 'tipCents'),
      ticket.bigint('paid_cents', 'paidCents'),
      ticket.bigint('change_cents', 'changeCents'),
      ticket.bigint('refunded_cents', 'refundedCents'),
      ticket.timestamptz('opened_at', 'openedAt'),
      ticket.timestamptz('closed_at', 'closedAt'),
      ticket.timestamptz('voided_at', 'voidedAt'),
      ticket.date('business_date', 'businessDate'),
      ticket.text('number', 'number'),
    ],
  },
  ticketLine: {
    entity: 'ticketLine',
    table: 'ticket_lines',
    primaryKey: storeKey,
    partition: byStoreHash,
    columns: [
      line.uuid('ticket_id', 'ticketId'),
      line.text('kind', 'kind'),
      line.uuid('item_id', 'itemId'),
      line.uuid('staff_id', 'staffId'),
      line.integer('quantity', 'quantity'),
      line.bigint('unit_price_cents', 'unitPriceCents'),
      line.bigint('discount_cents', 'discountCents'),
      line.bigint('line_total_cents', 'lineTotalCents'),
      line.boolean('comp', 'comp'),
      line.boolean('taxable', 'taxable'),
    ],
  },
  payment: {
    entity: 'payment',
    table: 'payments',
    primaryKey: storeKey,
    partition: byStoreHash,
    columns: [
      payment.uuid('ticket_id', 'ticketId'),
      payment.text('method', 'method'),
      payment.bigint('amount_cents', 'amountCents'),
      payment.bigint('tip_cents', 'tipCents'),
      payment.bigint('change_cents', 'changeCents'),
      payment.uuid('gift_card_id', 'giftCardId'),
      payment.uuid('cash_drawer_id', 'cashDrawerId'),
      payment.timestamptz('created_at', 'createdAt'),
      payment.boolean('offline', 'offline'),
    ],
  },
  refund: {
    entity: 'refund',
    table: 'refunds',
    primaryKey: storeKey,
    partition: none,
    columns: [
      refund.uuid('ticket_id', 'ticketId'),
      refund.text('method', 'method'),
      refund.bigint('amount_cents', 'amountCents'),
      refund.uuid('cash_drawer_id', 'cashDrawerId'),
      refund.timestamptz('created_at', 'createdAt'),
    ],
  },
  giftCard: {
    entity: 'giftCard',
    table: 'gift_cards',
    primaryKey: storeKey,
    partition: none,
    columns: [
      giftCard.text('code', 'code'),
      giftCard.text('status', 'status'),
      giftCard.bigint('balance_cents', 'balanceCents'),
      giftCard.bigint('initial_cents', 'initialCents'),
      giftCard.timestamptz('issued_at', 'issuedAt'),
    ],
  },
  giftCardMovement: {
    entity: 'giftCardMovement',
    table: 'gift_card_movements',
    primaryKey: storeKey,
    partition: none,
    columns: [
      movement.uuid('gift_card_id', 'giftCardId'),
      movement.text('kind', 'kind'),
      movement.bigint('amount_cents', 'amountCents'),
      movement.uuid('ticket_id', 'ticketId'),
      movement.uuid('payment_id', 'paymentId'),
      movement.timestamptz('created_at', 'createdAt'),
    ],
  },
  turn: {
    entity: 'turn',
    table: 'turns',
    primaryKey: storeKey,
    partition: none,
    columns: [
      turn.uuid('staff_id', 'staffId'),
      turn.date('business_date', 'businessDate'),
      turn.text('status', 'status'),
      turn.integer('half_turns', 'halfTurns'),
      turn.timestamptz('clock_in_at', 'clockInAt'),
      turn.timestamptz('clock_out_at', 'clockOutAt'),
    ],
  },
  turnEvent: {
    entity: 'turnEvent',
    table: 'turn_events',
    primaryKey: storeKey,
    partition: none,
    columns: [
      turnEvent.uuid('turn_id', 'turnId'),
      turnEvent.uuid('staff_id', 'staffId'),
      turnEvent.date('business_date', 'businessDate'),
      turnEvent.text('kind', 'kind'),
      turnEvent.integer('half_turns', 'halfTurns'),
      turnEvent.uuid('walk_in_id', 'walkInId'),
      turnEvent.uuid('ticket_id', 'ticketId'),
      turnEvent.timestamptz('occurred_at', 'at'),
    ],
  },
  walkIn: {
    entity: 'walkIn',
    table: 'walk_ins',
    primaryKey: storeKey,
    partition: none,
    columns: [
      walkIn.text('status', 'status'),
      walkIn.date('business_date', 'businessDate'),
      walkIn.uuid('client_id', 'clientId'),
      walkIn.uuid('service_id', 'serviceId'),
      walkIn.uuid('staff_id', 'staffId'),
      walkIn.timestamptz('arrived_at', 'arrivedAt'),
    ],
  },
  cashDrawer: {
    entity: 'cashDrawer',
    table: 'cash_drawer_sessions',
    primaryKey: storeKey,
    partition: none,
    columns: [
      drawer.text('status', 'status'),
      drawer.timestamptz('opened_at', 'openedAt'),
      drawer.timestamptz('closed_at', 'closedAt'),
      drawer.uuid('opened_by_staff_id', 'openedByStaffId'),
      drawer.bigint('float_cents', 'floatCents'),
      drawer.bigint('counted_cents', 'countedCents'),
      drawer.bigint('expected_cents', 'expectedCents'),
      drawer.bigint('over_short_cents', 'overShortCents'),
    ],
  },
  cashMovement: {
    entity: 'cashMovement',
    table: 'cash_movements',
    primaryKey: storeKey,
    partition: none,
    columns: [
      cash.uuid('cash_drawer_id', 'cashDrawerId'),
      cash.text('kind', 'kind'),
      cash.bigint('amount_cents', 'amountCents'),
      cash.timestamptz('occurred_at', 'at'),
    ],
  },
  waitlistEntry: {
    entity: 'waitlistEntry',
    table: 'waitlist_entries',
    primaryKey: storeKey,
    partition: none,
    columns: [
      waitlist.text('status', 'status'),
      waitlist.uuid('client_id', 'clientId'),
      waitlist.uuid('staff_id', 'staffId'),
      waitlist.date('from_date', 'fromDate'),
      waitlist.date('to_date', 'toDate'),
      waitlist.uuid('appointment_id', 'appointmentId'),
      waitlist.timestamptz('created_at', 'createdAt'),
    ],
  },
};

export const TABLE_ENTITY_NAMES = Object.keys(ENTITY_TABLES) as TableEntityName[];

/**
 * The `store` entity is the stores row: its settings columns ↔ StoreRow fields. `id` and
 * `organizationId` are the row's identity and are not changed through the entity.
 */
export const STORE_COLUMNS = [
  { column: 'id', field: 'id', type: 'uuid' },
  { column: 'organization_id', field: 'organizationId', type: 'uuid' },
  { column: 'name', field: 'name', type: 'text' },
  { column: 'currency', field: 'currency', type: 'text' },
  { column: 'tax_rate_ppm', field: 'taxRatePpm', type: 'integer' },
  { column: 'time_zone', field: 'timeZone', type: 'text' },
  { column: 'plan', field: 'plan', type: 'text' },
  { column: 'full_turn_threshold_cents', field: 'fullTurnThresholdCents', type: 'bigint' },
  {
    column: 'offline_card_max_per_payment_cents',
    field: 'offlineCardMaxPerPaymentCents',
    type: 'bigint',
  },
  {
    column: 'offline_card_max_per_device_cents',
    field: 'offlineCardMaxPerDeviceCents',
    type: 'bigint',
  },
  { column: 'strict_booking', field: 'strictBooking', type: 'boolean' },
  { column: 'appointments_count_as_turns', field: 'appointmentsCountAsTurns', type: 'boolean' },
  { column: 'address', field: 'address', type: 'text' },
  { column: 'allow_negative_stock', field: 'allowNegativeStock', type: 'boolean' },
  { column: 'low_stock_at', field: 'lowStockAt', type: 'integer' },
  { column: 'online_booking', field: 'onlineBooking', type: 'jsonb' },
] as const satisfies readonly {
  column: string;
  field: keyof EntityRows['store'];
  /** A setting that is an object (online booking) is one jsonb column, written as its JSON. */
  type: ColumnType | 'jsonb';
}[];

/** The promoted column for a domain field of an entity, if there is one. */
export function columnForField<E extends TableEntityName>(
  entity: E,
  field: string,
): PromotedColumn<E> | undefined {
  const table = ENTITY_TABLES[entity] as EntityTable<E>;
  return table.columns.find((c) => c.field === field);
}
