/** Factories for database tests: tenants, one sample row per synced entity, versioned writes. */
import { randomUUID } from 'node:crypto';
import type { EntityRows } from '../../../../../packages/domain/src/entities';
import type { MutatorTx } from '../../../../../packages/domain/src/tx';
import type { Db, Sql, TenantContext } from '../db';
import { createSqlMutatorTx } from '../entity-store';
import type { TableEntityName } from '../entity-tables';

export interface Tenant {
  organizationId: string;
  storeId: string;
  userId: string;
  deviceId: string;
  staffId: string;
}

export function contextOf(t: Tenant): TenantContext {
  return {
    storeId: t.storeId,
    organizationId: t.organizationId,
    userId: t.userId,
    staffId: t.staffId,
    deviceId: t.deviceId,
  };
}

/**
 * An organization (or a new store of a given one) with its store, an owner user with a role,
 * a device, a staff PIN, a refresh token and a rejected mutation: a row in every non-entity
 * business table. Written as the owner.
 */
export async function createTenant(
  db: Db,
  opts: { organizationId?: string; timeZone?: string; name?: string } = {},
): Promise<Tenant> {
  const t: Tenant = {
    organizationId: opts.organizationId ?? randomUUID(),
    storeId: randomUUID(),
    userId: randomUUID(),
    deviceId: randomUUID(),
    staffId: randomUUID(),
  };
  await db.ownerTransaction(async (sql) => {
    if (!opts.organizationId) {
      await sql.query('insert into organizations (id, name) values ($1, $2)', [
        t.organizationId,
        `Org ${t.organizationId.slice(0, 8)}`,
      ]);
    }
    await sql.query(
      `insert into stores (id, organization_id, name, time_zone, tax_rate_ppm, currency)
       values ($1, $2, $3, $4, 82500, 'USD')`,
      [t.storeId, t.organizationId, opts.name ?? 'Salon', opts.timeZone ?? 'America/New_York'],
    );
    await sql.query(
      `insert into users (id, organization_id, email, password_hash) values ($1, $2, $3, 'x')`,
      [t.userId, t.organizationId, `owner-${t.userId}@example.com`],
    );
    await sql.query(
      `insert into user_store_roles (user_id, store_id, role) values ($1, $2, 'owner')`,
      [t.userId, t.storeId],
    );
    await sql.query(
      `insert into devices (id, store_id, organization_id, name, registered_by)
       values ($1, $2, $3, 'Front desk', $4)`,
      [t.deviceId, t.storeId, t.organizationId, t.userId],
    );
    await sql.query(`insert into staff_pins (store_id, staff_id, pin_hash) values ($1, $2, 'h')`, [
      t.storeId,
      t.staffId,
    ]);
    await sql.query(
      `insert into refresh_tokens (id, user_id, family_id, token_hash, expires_at)
       values ($1, $2, $3, $4, now() + interval '30 days')`,
      [randomUUID(), t.userId, randomUUID(), `hash-${randomUUID()}`],
    );
    await sql.query(
      `insert into rejected_mutations (store_id, device_id, mutation_id, name, code, message)
       values ($1, $2, 7, 'ticket.close', 'TICKET_NOT_PAID', 'not paid')`,
      [t.storeId, t.deviceId],
    );
    await sql.query(
      `insert into used_approvals (store_id, nonce, approver_staff_id, device_id, mutation_id)
       values ($1, $2, $3, $4, 8)`,
      [t.storeId, randomUUID().replace(/-/g, '').slice(0, 22), t.staffId, t.deviceId],
    );
    await sql.query(
      `insert into push_audit (store_id, organization_id, user_id, device_id,
                               first_mutation_id, last_mutation_id, mutations)
       values ($1, $2, $3, $4, 9, 9, '[{"id": 9, "name": "client.upsert", "changes": []}]')`,
      [t.storeId, t.organizationId, t.userId, t.deviceId],
    );
    await sql.query(
      `insert into sync_changes (store_id, to_version, from_version, entities)
       values ($1, 1000000, 1000000, '{client}')`,
      [t.storeId],
    );
    const booking = randomUUID();
    await sql.query(
      `insert into online_bookings (store_id, id, idempotency_key, appointment_id, client_id,
                                    contact_name, contact_phone)
       values ($1, $2, $3, $4, $5, 'Kim Lee', '555 010 0123')`,
      [t.storeId, booking, `key-${booking}`, randomUUID(), randomUUID()],
    );
    await sql.query(
      `insert into online_booking_tokens (token_hash, store_id, booking_id)
       values (sha256(convert_to($1, 'UTF8')), $2, $3)`,
      [booking, t.storeId, booking],
    );
    await sql.query(
      `insert into email_outbox (store_id, id, kind, booking_id, appointment_start, recipient,
                                 subject, body_text)
       values ($1, $2, 'booking_confirmation', $3, now(), 'kim@example.com', 'Booked', 'Hello')`,
      [t.storeId, randomUUID(), booking],
    );
    await sql.query(
      `insert into client_errors (id, store_id, user_id, device_id, kind, message)
       values ($1, $2, $3, $4, 'boundary', 'boom')`,
      [randomUUID(), t.storeId, t.userId, t.deviceId],
    );
  });
  return t;
}

/**
 * One transaction as the app in the tenant's context that bumps the store version (as the sync
 * server does) and hands a MutatorTx writing at that version. Returns fn's result and the version.
 */
export async function mutate<T>(
  db: Db,
  t: Tenant,
  fn: (tx: MutatorTx, sql: Sql, version: number) => Promise<T>,
): Promise<{ result: T; version: number }> {
  return db.transaction(contextOf(t), async (sql) => {
    const res = await sql.query<{ version: number }>(
      'update stores set version = version + 1 where id = $1 returning version',
      [t.storeId],
    );
    const version = res.rows[0]?.version;
    if (version === undefined) throw new Error(`store ${t.storeId} not visible`);
    const result = await fn(createSqlMutatorTx(sql, { storeId: t.storeId, version }), sql, version);
    return { result, version };
  });
}

/** A valid sample row of every table entity (ids fresh, references consistent). */
export function sampleRows(t: Tenant): { [E in TableEntityName]: EntityRows[E] } {
  const id = () => randomUUID();
  const staffId = id();
  const serviceId = id();
  const clientId = id();
  const ticketId = id();
  const paymentId = id();
  const giftCardId = id();
  const drawerId = id();
  const turnId = id();
  const walkInId = id();
  return {
    staff: { id: staffId, displayName: 'Linh', role: 'technician', active: true, userId: t.userId },
    service: {
      id: serviceId,
      name: 'Gel Manicure',
      durationMin: 45,
      priceCents: 4000,
      taxable: true,
    },
    product: {
      id: id(),
      name: 'Cuticle oil',
      sku: 'OIL-1',
      priceCents: 1200,
      taxable: true,
      stockCount: 7,
    },
    client: {
      id: clientId,
      firstName: 'Ann',
      lastName: 'Lee',
      phone: '(555) 123-4567',
      email: 'ann@example.com',
    },
    appointment: {
      id: id(),
      staffId,
      serviceId,
      clientId,
      start: '2026-11-24T15:00:00.000Z',
      end: '2026-11-24T15:45:00.000Z',
      durationMin: 45,
      status: 'booked',
      conflict: false,
      ticketId: null,
    },
    ticket: {
      id: ticketId,
      status: 'closed',
      clientId,
      subtotalCents: 4000,
      discountCents: 0,
      taxCents: 330,
      totalCents: 4330,
      tipCents: 500,
      paidCents: 4330,
      changeCents: 0,
      refundedCents: 0,
      openedAt: '2026-11-24T15:00:00.000Z',
      closedAt: '2026-11-24T16:00:00.000Z',
    },
    ticketLine: {
      id: id(),
      ticketId,
      kind: 'service',
      itemId: serviceId,
      name: 'Gel Manicure',
      staffId,
      quantity: 1,
      unitPriceCents: 4000,
      taxable: true,
      comp: false,
      discountCents: 0,
      lineTotalCents: 4000,
    },
    payment: {
      id: paymentId,
      ticketId,
      method: 'card',
      amountCents: 4330,
      tipCents: 500,
      changeCents: 0,
      createdAt: '2026-11-24T15:59:00.000Z',
    },
    refund: {
      id: id(),
      ticketId,
      amountCents: 100,
      method: 'card',
      createdAt: '2026-11-25T10:00:00.000Z',
    },
    giftCard: {
      id: giftCardId,
      code: 'GC-1',
      balanceCents: 5000,
      initialCents: 5000,
      status: 'active',
      issuedAt: '2026-11-01T10:00:00.000Z',
    },
    giftCardMovement: {
      id: id(),
      giftCardId,
      kind: 'issue',
      amountCents: 5000,
      createdAt: '2026-11-01T10:00:00.000Z',
    },
    turn: {
      id: turnId,
      staffId,
      businessDate: '2026-11-24',
      clockInAt: '2026-11-24T14:00:00.000Z',
      status: 'available',
      halfTurns: 0,
    },
    turnEvent: {
      id: id(),
      turnId,
      staffId,
      businessDate: '2026-11-24',
      kind: 'clock_in',
      halfTurns: 0,
      at: '2026-11-24T14:00:00.000Z',
    },
    walkIn: {
      id: walkInId,
      name: 'Walk-in',
      status: 'waiting',
      arrivedAt: '2026-11-24T14:30:00.000Z',
      businessDate: '2026-11-24',
    },
    cashDrawer: {
      id: drawerId,
      status: 'open',
      openedAt: '2026-11-24T13:00:00.000Z',
      floatCents: 20000,
    },
    cashMovement: {
      id: id(),
      cashDrawerId: drawerId,
      kind: 'pay_in',
      amountCents: 1000,
      at: '2026-11-24T13:30:00.000Z',
    },
    waitlistEntry: {
      id: id(),
      clientId,
      serviceIds: [serviceId],
      staffId: null,
      fromDate: '2026-11-24',
      toDate: '2026-11-30',
      windowStart: '13:00',
      windowEnd: '17:00',
      status: 'waiting',
      createdAt: '2026-11-24T12:00:00.000Z',
    },
  };
}

/** Writes one sample row of every table entity for the tenant (one version). */
export async function seedAllEntities(
  db: Db,
  t: Tenant,
): Promise<{ rows: ReturnType<typeof sampleRows>; version: number }> {
  const rows = sampleRows(t);
  const { version } = await mutate(db, t, async (tx) => {
    for (const [entity, row] of Object.entries(rows)) {
      await tx.put(entity as TableEntityName, row as EntityRows[TableEntityName]);
    }
  });
  return { rows, version };
}
