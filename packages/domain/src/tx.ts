import type { EntityName, EntityRows, Role } from './entities';

/**
 * Equality filters on a row's fields, plus an optional half-open range on one field.
 * Storage implementations must support the fields listed in `INDEXED_FIELDS`; the server
 * maps them to indexed columns, the device to IndexedDB indexes.
 */
export interface ListQuery<E extends EntityName> {
  where?: Partial<EntityRows[E]>;
  range?: { field: keyof EntityRows[E] & string; gte?: string | number; lt?: string | number };
}

/**
 * Whether a row answers a ListQuery, with the semantics every storage has: `where` compares
 * with ===, a missing field equals null; a range is half-open and never matches a missing value.
 */
export function matchesListQuery(
  row: Record<string, unknown>,
  query:
    | {
        where?: Record<string, unknown>;
        range?: { field: string; gte?: string | number; lt?: string | number };
      }
    | undefined,
): boolean {
  for (const [field, value] of Object.entries(query?.where ?? {})) {
    if (value !== undefined && (row[field] ?? null) !== value) return false;
  }
  const range = query?.range;
  if (range) {
    const value = row[range.field] as string | number | null | undefined;
    if (value === undefined || value === null) return false;
    if (range.gte !== undefined && value < range.gte) return false;
    if (range.lt !== undefined && value >= range.lt) return false;
  }
  return true;
}

/**
 * What a mutator may do to storage. The device implements it over IndexedDB, the server over a
 * PostgreSQL transaction scoped to one store; tests use an in-memory map. Deleted rows
 * (tombstones) are invisible to `get` and `list`.
 */
export interface MutatorTx {
  get<E extends EntityName>(entity: E, id: string): Promise<EntityRows[E] | undefined>;
  list<E extends EntityName>(entity: E, query?: ListQuery<E>): Promise<EntityRows[E][]>;
  put<E extends EntityName>(entity: E, row: EntityRows[E]): Promise<void>;
  /** Soft delete: leaves a tombstone so that pulls can see the deletion. */
  delete(entity: EntityName, id: string): Promise<void>;
}

/**
 * Who is acting. `role` is the acting person's role in this store, already capped by the
 * signed-in account's role (`cappedRole`).
 */
export interface Actor {
  userId: string | null;
  staffId: string | null;
  role: Role;
  deviceId: string;
  /**
   * The device's short code in its store (ticket-numbers.ts), when known: the server reads it
   * from the devices row and refuses a ticket number with another device's code.
   */
  deviceCode?: string | null;
  /**
   * The staff id of the manager who approved this mutation (void, refund, comp, removing a
   * payment, a double booking in strict mode). On the server it is set only after the approval's
   * MAC was verified against that manager's PIN key (docs/SECURITY.md); on a device it is the
   * device's belief, which the server checks again.
   */
  approvedBy?: string | null;
  /**
   * The store's public booking page, acting through its server-owned device: it may run only
   * the booking mutators (ONLINE_BOOKING_MUTATORS) and never creates an overlap (SLOT_TAKEN).
   */
  online?: boolean;
}

export interface MutatorContext {
  tx: MutatorTx;
  storeId: string;
  actor: Actor;
  /**
   * The mutation's time: the device's `clientTime`. Device and server both use it so that a
   * mutation computes the same result on both sides.
   */
  now: string;
}

/** Fields that `ListQuery.where` / `range` may name, per entity. Storage must index these. */
export const INDEXED_FIELDS = {
  store: [],
  staff: ['active', 'userId'],
  service: [],
  product: ['sku'],
  client: ['phone', 'email'],
  appointment: ['staffId', 'clientId', 'status', 'start', 'ticketId'],
  ticket: ['status', 'clientId', 'appointmentId', 'closedAt', 'businessDate', 'number'],
  ticketLine: ['ticketId'],
  payment: ['ticketId', 'cashDrawerId', 'giftCardId'],
  refund: ['ticketId', 'cashDrawerId'],
  giftCard: ['code'],
  giftCardMovement: ['giftCardId'],
  turn: ['businessDate', 'staffId'],
  turnEvent: ['businessDate', 'turnId'],
  walkIn: ['businessDate', 'status'],
  cashDrawer: ['status'],
  cashMovement: ['cashDrawerId'],
  waitlistEntry: ['status', 'clientId'],
} as const satisfies { [E in EntityName]: readonly (keyof EntityRows[E] & string)[] };

/**
 * INDEXED_FIELDS the device leaves out of its IndexedDB index (`ix`): no query made on the device
 * (its screens', its workers' and the mutators') narrows by them first — a query narrows by its
 * range field, else by its first indexed equality — and each index key is one more IndexedDB
 * write for every row of a first sync (docs/PERFORMANCE.md, session 9: clients are searched in
 * the search worker's own index; tickets by number only within a business date). A query on one
 * of them alone still answers right, from all of the entity's rows. Taking one back needs an
 * IndexedDB schema upgrade that recomputes `ix`: rows written meanwhile lack its key.
 */
export const DEVICE_UNINDEXED_FIELDS = {
  client: ['phone', 'email'],
  ticket: ['appointmentId', 'number'],
  payment: ['giftCardId'],
  // Appointments are narrowed by `start` (the book, overlaps: staffId and status come with a
  // range on start) or by clientId (a client's page); turn events are never listed on a device.
  appointment: ['staffId', 'status', 'ticketId'],
  turnEvent: ['businessDate', 'turnId'],
} as const satisfies { [E in EntityName]?: readonly (typeof INDEXED_FIELDS)[E][number][] };

/**
 * Date and time fields (ISO strings) whose key in a device's packs of history (`pack.ix`, not
 * the view's) is their month, the value's first `PACK_MONTH_LENGTH` characters: a pack holds 250
 * rows of random ids, so over a year of history ~180 dates and ~250 closing times — most of a
 * ticket pack's index entries, the cost of a first sync (docs/PERFORMANCE.md, session 11). A
 * query on such a field reads the packs of the months it covers and filters their rows exactly.
 * The server keeps the current month's rows out of packs (apps/server/src/sync/snapshot.ts), so
 * the desk's queries of today read no pack. Changing this list changes what a stored pack's
 * keys mean: an IndexedDB schema upgrade must recompute them.
 */
export const PACK_MONTH_FIELDS = {
  ticket: ['closedAt', 'businessDate'],
  appointment: ['start'],
  turn: ['businessDate'],
  walkIn: ['businessDate'],
} as const satisfies { [E in EntityName]?: readonly (typeof INDEXED_FIELDS)[E][number][] };

/**
 * Fields holding another row's id, nearly one value per row: in a pack of 250 rows of random
 * ids, ~250 index entries each (a ticket's client, a line's or payment's ticket). A device finds
 * their packed rows through postings instead (`posting` table, packages/sync-client/src/packs.ts:
 * sorted (value, row id) pairs, many to a record, with no index entries), so a pack's `ix` leaves
 * them out. Changing this list changes what stored packs and postings hold: an IndexedDB schema
 * upgrade must recompute them.
 */
export const PACK_POSTED_FIELDS = {
  appointment: ['clientId'],
  ticket: ['clientId'],
  ticketLine: ['ticketId'],
  payment: ['ticketId', 'cashDrawerId'],
  refund: ['ticketId', 'cashDrawerId'],
  giftCardMovement: ['giftCardId'],
  cashMovement: ['cashDrawerId'],
} as const satisfies { [E in EntityName]?: readonly (typeof INDEXED_FIELDS)[E][number][] };

/** 'YYYY-MM': the month of an ISO date or timestamp (PACK_MONTH_FIELDS). */
export const PACK_MONTH_LENGTH = 7;
