/**
 * A year of salon history for many stores at once, written in bulk (INSERT … SELECT
 * generate_series) through the real schema, as the tables' owner: organizations, stores, an owner
 * user, staff, services, clients, appointments, closed tickets with their lines and payments, and
 * an audit row per sale. Used by the recovery drill to measure a restore at a realistic size
 * (`--size-gb`); nothing here is meant for a production database.
 *
 * Row shapes follow what the push path writes (entity columns plus the row as `data` jsonb), with
 * versions counting up per store. The seeded sales are not in the change log (sync_changes): a
 * device of a seeded store would see them only after a resync, which the drill never asks for.
 */

export interface HistoryShape {
  /** Stores (one organization each). */
  stores: number;
  /** Days of history up to yesterday. */
  days: number;
  /**
   * Closed tickets per store over the whole history, spread evenly over the days; every third
   * has two lines, 60 % come from an appointment, three in four are paid by card with a tip.
   */
  ticketsPerStore: number;
  /** Clients per store. */
  clientsPerStore: number;
}

export const STAFF_PER_STORE = 4;
export const SERVICES_PER_STORE = 6;

/** The price of a seeded store's service n (1-based): $30, $35, … */
export const servicePriceCents = (n: number): number => 2500 + 500 * n;

/**
 * The script seeding stores `from`..`to` (1-based, inclusive), to run inside one transaction as
 * the tables' owner (it uses `set local` and temp tables dropped on commit). Trigger audit is skipped
 * (`mango.audit_skip`: owner only) because the audit rows are written in bulk instead: one per
 * sale, as a push's close would leave.
 */
export function historySeedSql(shape: HistoryShape, from: number, to: number): string {
  const { days, ticketsPerStore: perStore, clientsPerStore: clients } = shape;
  const price = (n: string) => `(2500 + 500 * (${n}))`;
  return `set local mango.audit_skip = 'on';
set local synchronous_commit = off;
create temp table seed_s on commit drop as
  select g, gen_random_uuid() as org, gen_random_uuid() as store, gen_random_uuid() as usr
    from generate_series(${from}, ${to}) g;
insert into organizations (id, name) select org, 'History salon ' || g from seed_s;
insert into stores (id, organization_id, name, currency, tax_rate_ppm, time_zone, version)
  select store, org, 'History salon ' || g || ' – Main St', 'USD', 0, 'America/New_York',
         ${perStore + 100} from seed_s;
insert into users (id, organization_id, email, password_hash)
  select usr, org, 'history-' || g || '-' || left(org::text, 8) || '@history.example.com',
         'x-not-a-password-hash' from seed_s;
insert into user_store_roles (user_id, store_id, role) select usr, store, 'owner' from seed_s;

create temp table seed_staff on commit drop as
  select s.store, n, gen_random_uuid() as id from seed_s s, generate_series(1, ${STAFF_PER_STORE}) n;
insert into staff (store_id, id, version, data, display_name, role, active)
  select store, id, n, jsonb_build_object('id', id, 'displayName', 'Tech ' || n,
         'role', 'technician', 'active', true), 'Tech ' || n, 'technician', true from seed_staff;
create temp table seed_svc on commit drop as
  select s.store, n, gen_random_uuid() as id from seed_s s, generate_series(1, ${SERVICES_PER_STORE}) n;
insert into services (store_id, id, version, data, name, category, duration_min, price_cents, taxable, active)
  select store, id, 10 + n, jsonb_build_object('id', id, 'name', 'Service ' || n, 'category', 'Nails',
         'durationMin', 30 + 15 * (n % 3), 'priceCents', ${price('n')}, 'taxable', false, 'active', true),
         'Service ' || n, 'Nails', 30 + 15 * (n % 3), ${price('n')}, false, true from seed_svc;
create temp table seed_c on commit drop as
  select s.store, n, gen_random_uuid() as id from seed_s s, generate_series(1, ${clients}) n;
insert into clients (store_id, id, version, data, first_name, last_name, phone, email, phone_digits)
  select store, id, 20, jsonb_build_object('id', id, 'firstName', 'Client', 'lastName', 'History ' || n,
         'phone', '+1 555 ' || (3000000 + n), 'email', 'client' || n || '@example.com'),
         'Client', 'History ' || n, '+1 555 ' || (3000000 + n), 'client' || n || '@example.com',
         '1555' || (3000000 + n) from seed_c;

create temp table seed_t on commit drop as
  select s.store, s.org, s.usr, k, gen_random_uuid() as id, gen_random_uuid() as pay,
         gen_random_uuid() as line0, gen_random_uuid() as line1,
         case when k % 5 < 3 then gen_random_uuid() end as appt,
         1 + (k * 7919) % ${clients} as client_n,
         1 + k % ${STAFF_PER_STORE} as staff_n,
         1 + (k * 5) % ${SERVICES_PER_STORE} as svc_n,
         k % 3 = 0 as two_lines,
         (current_date - ${days} + (k - 1) * ${days} / ${perStore})::timestamptz + interval '9 hours'
           + (k % 12) * interval '40 minutes' as opened
    from seed_s s, generate_series(1, ${perStore}) k;
alter table seed_t add column subtotal bigint, add column tip bigint, add column card boolean,
  add column client uuid, add column staff uuid, add column svc uuid;
update seed_t t set subtotal = ${price('t.svc_n')} + case when t.two_lines then ${price(`1 + t.svc_n % ${SERVICES_PER_STORE}`)} else 0 end,
  card = (t.k % 4 <> 0),
  client = c.id, staff = st.id, svc = sv.id
  from seed_c c, seed_staff st, seed_svc sv
 where c.store = t.store and c.n = t.client_n and st.store = t.store and st.n = t.staff_n
   and sv.store = t.store and sv.n = t.svc_n;
update seed_t set tip = case when card then subtotal * 15 / 100 else 0 end;

insert into appointments (store_id, id, version, data, staff_id, service_id, client_id, status,
                          start_at, end_at, duration_min, conflict, ticket_id)
  select store, appt, 100 + k, jsonb_build_object('id', appt, 'staffId', staff, 'serviceId', svc,
         'clientId', client, 'status', 'completed', 'start', opened, 'end', opened + interval '45 minutes',
         'durationMin', 45, 'conflict', false, 'ticketId', id),
         staff, svc, client, 'completed', opened, opened + interval '45 minutes', 45, false, id
    from seed_t where appt is not null;
insert into tickets (store_id, id, version, data, status, client_id, appointment_id, subtotal_cents,
                     discount_cents, tax_cents, total_cents, tip_cents, paid_cents, change_cents,
                     refunded_cents, opened_at, closed_at, business_date, number)
  select store, id, 100 + k, jsonb_build_object('id', id, 'status', 'closed', 'clientId', client,
         'appointmentId', appt, 'number', 'H' || k,
         'businessDate', opened::date, 'subtotalCents', subtotal, 'discountCents', 0, 'taxCents', 0,
         'totalCents', subtotal, 'tipCents', tip, 'paidCents', subtotal, 'changeCents', 0,
         'refundedCents', 0, 'openedAt', opened, 'closedAt', opened + interval '50 minutes'),
         'closed', client, appt, subtotal, 0, 0, subtotal, tip, subtotal, 0, 0, opened,
         opened + interval '50 minutes', opened::date, 'H' || k
    from seed_t;
insert into ticket_lines (store_id, id, version, data, ticket_id, kind, item_id, staff_id, quantity,
                          unit_price_cents, discount_cents, line_total_cents, comp, taxable)
  select t.store, li.id, 100 + t.k, jsonb_build_object('id', li.id, 'ticketId', t.id, 'kind', 'service',
         'itemId', sv.id, 'name', 'Service ' || sv.n, 'staffId', t.staff, 'quantity', 1,
         'unitPriceCents', ${price('sv.n')}, 'taxable', false, 'comp', false, 'discountCents', 0,
         'lineTotalCents', ${price('sv.n')}, 'position', l.pos),
         t.id, 'service', sv.id, t.staff, 1, ${price('sv.n')}, 0, ${price('sv.n')}, false, false
    from seed_t t
    join (values (0), (1)) l(pos) on l.pos = 0 or t.two_lines
    cross join lateral (select case when l.pos = 0 then t.line0 else t.line1 end as id) li
    join seed_svc sv on sv.store = t.store and sv.n = 1 + (t.svc_n - 1 + l.pos) % ${SERVICES_PER_STORE};
insert into payments (store_id, id, version, data, ticket_id, method, amount_cents, tip_cents,
                      change_cents, created_at, offline)
  select store, pay, 100 + k, jsonb_build_object('id', pay, 'ticketId', t.id,
         'method', case when card then 'card' else 'cash' end, 'amountCents', subtotal, 'tipCents', tip,
         'changeCents', 0, 'createdAt', opened + interval '50 minutes', 'offline', false),
         t.id, case when card then 'card' else 'cash' end, subtotal, tip, 0,
         opened + interval '50 minutes', false
    from seed_t t;
insert into audit_log (created_at, store_id, organization_id, user_id, table_name, row_id, operation,
                       old_data, new_data)
  select opened + interval '50 minutes', store, org, usr, 'tickets', id::text, 'UPDATE',
         jsonb_build_object('status', 'open', 'paid_cents', 0),
         jsonb_build_object('status', 'closed', 'paid_cents', subtotal, 'tip_cents', tip)
    from seed_t;`;
}

/** Runs a script in one transaction, as the owner, on the database being seeded. */
export type RunSql = (script: string) => Promise<void> | void;

/** Seeds `shape.stores` stores, `storesPerBatch` per transaction; reports progress per batch. */
export async function seedHistory(
  run: RunSql,
  shape: HistoryShape,
  storesPerBatch = 25,
  progress: (storesDone: number) => void = () => undefined,
): Promise<void> {
  for (let from = 1; from <= shape.stores; from += storesPerBatch) {
    const to = Math.min(shape.stores, from + storesPerBatch - 1);
    await run(historySeedSql(shape, from, to));
    progress(to);
  }
}
