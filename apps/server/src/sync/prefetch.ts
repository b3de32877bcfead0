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
  if (named.size === 0) return Promise.resolve(() => undefined);
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
  return sql
    .query<{ entity: TableEntityName; data: { id: string; ticketId?: string } }>(
      head + branches.join('\nunion all\n'),
      params,
      { prepare: 'generic' },
    )
    .then((res) => (overlay) => seed(overlay, named, res.rows, tickets !== undefined));
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
