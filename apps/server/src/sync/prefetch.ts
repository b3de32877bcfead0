import { MAX_APPOINTMENT_MINUTES } from '@mango/domain';
import { isUuid, type Sql } from '../db/db';
import { ENTITY_TABLES, type TableEntityName } from '../db/entity-tables';
import type { PushOverlay } from './push-overlay';

/** What a mutation argument names, by its name (the mutators' own argument names). */
const ENTITIES_BY_ARG: Readonly<Record<string, readonly TableEntityName[]>> = {
  ticketId: ['ticket'],
  lineId: ['ticketLine'],
  paymentId: ['payment'],
  refundId: ['refund'],
  itemId: ['service', 'product', 'giftCard'],
  serviceId: ['service'],
  productId: ['product'],
  staffId: ['staff'],
  requestedStaffId: ['staff'],
  clientId: ['client'],
  appointmentId: ['appointment'],
  giftCardId: ['giftCard'],
  walkInId: ['walkIn'],
  turnId: ['turn'],
};

/** What `id` names, by the mutation's name before the dot (`ticket.open` → a ticket). */
const ENTITY_OF_ID: Readonly<Record<string, TableEntityName>> = {
  ticket: 'ticket',
  client: 'client',
  appointment: 'appointment',
  staff: 'staff',
  service: 'service',
  product: 'product',
  giftCard: 'giftCard',
  cashDrawer: 'cashDrawer',
  walkIn: 'walkIn',
  waitlist: 'waitlistEntry',
};

/** A ticket's rows the mutators list by `{ where: { ticketId } }`: loaded with the ticket. */
const OF_TICKET = ['ticketLine', 'payment', 'refund'] as const;

/** The open cash drawer: cash payments and refunds on a ticket list it (`openDrawerId`). */
const OPEN_DRAWERS = { where: { status: 'open' } } as const;
const OPEN_DRAWER_LABEL = 'open cashDrawer';

/** A staff member's appointments from `gte` to `lt` (ISO instants), read ahead for overlap checks. */
export interface OverlapWindow {
  staffId: string;
  gte: string;
  lt: string;
}

const WINDOW_LABEL = 'appointment window ';
const MINUTE_MS = 60_000;
/**
 * Windows merge while the merged one spans at most this: a device back online with a booking a
 * day for the same staff member for weeks reads a window per few days, not all of it at once.
 */
const MAX_MERGED_SPAN_MS = 7 * 24 * 60 * MINUTE_MS;
/** Instants PostgreSQL and `Date#toISOString` both write as YYYY-MM-DDTHH:mm:ss.sssZ. */
const EARLIEST = Date.UTC(1000, 0, 1);
const LATEST = Date.UTC(9999, 11, 31);

/**
 * The windows an `appointment.book`'s overlap check lists (domain `overlapsOf`: the staff
 * member's appointments from MAX_APPOINTMENT_MINUTES before the start to the end, which is at most
 * MAX_APPOINTMENT_MINUTES after it), merged per staff member where they meet. A list inside one
 * is answered from what the read-ahead found (PushOverlay.seedCover); any other list is read on
 * demand, as before.
 */
export function overlapWindows(
  mutations: readonly { name: string; args: unknown }[],
): OverlapWindow[] {
  const byStaff = new Map<string, [number, number][]>();
  for (const m of mutations) {
    if (m.name !== 'appointment.book' || typeof m.args !== 'object' || m.args === null) continue;
    const { staffId, start } = m.args as { staffId?: unknown; start?: unknown };
    if (!isUuid(staffId) || typeof start !== 'string') continue;
    const at = Date.parse(start);
    const [from, to] = [
      at - MAX_APPOINTMENT_MINUTES * MINUTE_MS,
      at + MAX_APPOINTMENT_MINUTES * MINUTE_MS,
    ];
    if (!(from >= EARLIEST && to <= LATEST)) continue; // also NaN: not a time
    const spans = byStaff.get(staffId.toLowerCase()) ?? [];
    spans.push([from, to]);
    byStaff.set(staffId.toLowerCase(), spans);
  }
  const windows: OverlapWindow[] = [];
  for (const [staffId, spans] of [...byStaff].sort(([a], [b]) => (a < b ? -1 : 1))) {
    spans.sort((a, b) => a[0] - b[0]);
    let [from, to] = spans[0]!;
    for (const [f, t] of spans.slice(1)) {
      if (f <= to && Math.max(to, t) - from <= MAX_MERGED_SPAN_MS) to = Math.max(to, t);
      else {
        windows.push(windowOf(staffId, from, to));
        [from, to] = [f, t];
      }
    }
    windows.push(windowOf(staffId, from, to));
  }
  return windows;
}

const windowOf = (staffId: string, from: number, to: number): OverlapWindow => ({
  staffId,
  gte: new Date(from).toISOString(),
  lt: new Date(to).toISOString(),
});

/** The ids each entity's rows are named by in these mutations' arguments. */
export function namedRows(
  mutations: readonly { name: string; args: unknown }[],
): Map<TableEntityName, Set<string>> {
  const named = new Map<TableEntityName, Set<string>>();
  const add = (entity: TableEntityName, id: unknown) => {
    if (!isUuid(id)) return;
    const ids = named.get(entity) ?? new Set<string>();
    ids.add(id.toLowerCase());
    named.set(entity, ids);
  };
  for (const m of mutations) {
    if (typeof m.args !== 'object' || m.args === null) continue;
    for (const [arg, value] of Object.entries(m.args)) {
      if (arg === 'id') {
        // Names come from the wire: an own-property check, never a prototype's "constructor".
        const prefix = m.name.split('.')[0] ?? '';
        if (Object.hasOwn(ENTITY_OF_ID, prefix)) add(ENTITY_OF_ID[prefix]!, value);
      } else if (Object.hasOwn(ENTITIES_BY_ARG, arg)) {
        for (const entity of ENTITIES_BY_ARG[arg]!) add(entity, value);
      }
    }
  }
  return named;
}

/** Puts what `readAhead` read into the push's overlay. */
export type SeedOverlay = (overlay: PushOverlay) => void;

/**
 * Reads, in one statement, the rows a chunk's mutations name and each named ticket's lines,
 * payments and refunds, for the overlay's cache of the database (absent rows too, so a new
 * ticket costs no lookup). What the mutators then read of them costs no round trip while the
 * push holds the store's lock; anything else they read is still read on demand.
 *
 * The statement is sent before this returns (no await before it), so a caller can make it right
 * behind the statement that takes the store's lock: on PostgreSQL both leave in one write and
 * PostgreSQL runs this one once the lock is granted, reading what the pushes before committed.
 */
export function readAhead(
  sql: Sql,
  storeId: string,
  mutations: readonly { name: string; args: unknown }[],
): Promise<SeedOverlay> {
  const named = namedRows(mutations);
  const windows = overlapWindows(mutations);
  if (named.size === 0 && windows.length === 0) return Promise.resolve(() => undefined);
  const params: unknown[] = [storeId];
  const branches: string[] = [];
  // Every row by key, whatever the plan: one probe per id (or per ticket), fenced in a lateral
  // subquery (`offset 0`) that the planner cannot turn into a join reading the store's rows. The
  // statement runs its generic plan, planned once per connection instead of on every push
  // (`prepare: 'generic'`: its planning over the hash partitions cost PostgreSQL more than
  // running it, docs/PERFORMANCE.md session 11); a generic plan does not know how many rows a
  // store has, and the fence keeps it by key for a store of any size.
  const probe = (entity: TableEntityName, columns: string, key: string) =>
    `lateral (select ${columns} from ${ENTITY_TABLES[entity].table} ` +
    `where store_id = $1 and ${key} and not deleted offset 0) r`;
  const tickets = named.get('ticket');
  let head = '';
  // In one order whatever the mutations' order: one text per set of entities, so a connection
  // prepares a few dozen texts, not one per order they were named in.
  const byName = [...named].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [entity, ids] of byName) {
    params.push([...ids]);
    const keys = `unnest($${params.length}::uuid[]) k(id)`;
    if (entity !== 'ticket') {
      branches.push(
        `select '${entity}'::text as entity, r.data from ${keys}, ${probe(entity, 'data', 'id = k.id')}`,
      );
      continue;
    }
    head = `with t as (select r.id, r.data from ${keys}, ${probe('ticket', 'id, data', 'id = k.id')})\n`;
    branches.push(`select 'ticket'::text as entity, data from t`);
  }
  if (tickets) {
    // A ticket's lines, payments and refunds are read only for the named tickets that exist:
    // no mutator deletes a ticket, and they are written only by mutators that read their
    // ticket first, so a ticket that is not live has none. A push that opens a ticket then
    // reads no index for its rows: about six shared buffers a push (docs/PERFORMANCE.md,
    // session 8). A lateral join per ticket, not `ticket_id = any(array(select …))`: the
    // planner, not knowing that array's size, read a whole partition through another index.
    for (const entity of OF_TICKET) {
      branches.push(
        `select '${entity}'::text as entity, r.data from t, ${probe(entity, 'data', 'ticket_id = t.id')}`,
      );
    }
    branches.push(
      `select '${OPEN_DRAWER_LABEL}'::text as entity, data from ${ENTITY_TABLES.cashDrawer.table} ` +
        `where store_id = $1 and status = 'open' and not deleted`,
    );
  }
  if (windows.length > 0) {
    // Each window's appointments through the (store, staff member, start) index: a range probe,
    // labelled with the window's place in the list.
    params.push(
      windows.map((w) => w.staffId),
      windows.map((w) => w.gte),
      windows.map((w) => w.lt),
    );
    const n = params.length;
    branches.push(
      `select '${WINDOW_LABEL}' || w.n as entity, r.data ` +
        `from unnest($${n - 2}::uuid[], $${n - 1}::timestamptz[], $${n}::timestamptz[]) ` +
        `with ordinality w(staff, gte, lt, n), ` +
        probe(
          'appointment',
          'data',
          'staff_id = w.staff and start_at >= w.gte and start_at < w.lt',
        ),
    );
  }
  return sql
    .query<{ entity: TableEntityName; data: { id: string; ticketId?: string } }>(
      head + branches.join('\nunion all\n'),
      params,
      { prepare: 'generic' },
    )
    .then((res) => (overlay) => {
      seed(overlay, named, res.rows, tickets !== undefined);
      seedWindows(overlay, windows, res.rows);
    });
}

/** Each window's appointments, ordered as a list orders them (start, then id). */
function seedWindows(
  overlay: PushOverlay,
  windows: readonly OverlapWindow[],
  rows: readonly { entity: string; data: Record<string, unknown> }[],
): void {
  const found = windows.map(() => [] as Record<string, unknown>[]);
  for (const { entity, data } of rows) {
    if (entity.startsWith(WINDOW_LABEL))
      found[Number(entity.slice(WINDOW_LABEL.length)) - 1]?.push(data);
  }
  const startOf = (row: Record<string, unknown>) => Date.parse(String(row.start));
  const idOf = (row: Record<string, unknown>) => String(row.id).toLowerCase();
  windows.forEach((w, i) => {
    const list = found[i]!.sort(
      (a, b) => startOf(a) - startOf(b) || (idOf(a) < idOf(b) ? -1 : idOf(a) > idOf(b) ? 1 : 0),
    );
    overlay.seedCover(
      'appointment',
      { staffId: w.staffId },
      { field: 'start', gte: w.gte, lt: w.lt },
      list,
    );
  });
}

function seed(
  overlay: PushOverlay,
  named: Map<TableEntityName, Set<string>>,
  rows: readonly { entity: TableEntityName; data: { id: string; ticketId?: string } }[],
  withTickets: boolean,
): void {
  const tickets = named.get('ticket');
  const found = new Map<TableEntityName, Map<string, { id: string; ticketId?: string }>>();
  const openDrawers: { id: string }[] = [];
  for (const { entity, data } of rows) {
    if ((entity as string) === OPEN_DRAWER_LABEL) {
      openDrawers.push(data);
      continue;
    }
    const rows = found.get(entity) ?? new Map();
    rows.set(data.id.toLowerCase(), data);
    found.set(entity, rows);
  }
  for (const [entity, ids] of named) {
    for (const id of ids) overlay.seed(entity, id, found.get(entity)?.get(id) ?? null);
  }
  if (withTickets) {
    openDrawers.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    overlay.seedList('cashDrawer', OPEN_DRAWERS, openDrawers);
    for (const row of openDrawers) overlay.seed('cashDrawer', row.id, row);
  }
  for (const ticketId of tickets ?? []) {
    for (const entity of OF_TICKET) {
      const rows = [...(found.get(entity)?.values() ?? [])]
        .filter((r) => r.ticketId?.toLowerCase() === ticketId)
        .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      overlay.seedList(entity, { where: { ticketId } }, rows);
      for (const row of rows) overlay.seed(entity, row.id, row);
    }
  }
}
