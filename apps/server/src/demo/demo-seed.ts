import { randomUUID } from 'node:crypto';
import type { Mutation } from '@mango/protocol';
import type { AuthDeps } from '../auth/auth-service';
import { signup } from '../auth/auth-service';
import { pushMutations } from '../sync/push';

export const DEMO_LOGIN = { email: 'demo@mango.pos', password: 'mango-demo-2026' } as const;

const TIME_ZONE = 'America/New_York';

const STAFF = [
  { displayName: 'Anna (manager)', role: 'manager' },
  { displayName: 'Linh', role: 'technician' },
  { displayName: 'Mai', role: 'technician' },
  { displayName: 'Tuan', role: 'technician' },
  { displayName: 'Kim', role: 'technician' },
  { displayName: 'Jess (front desk)', role: 'front_desk' },
] as const;

const SERVICES = [
  { name: 'Classic Manicure', durationMin: 30, priceCents: 2500, category: 'Nails' },
  { name: 'Gel Manicure', durationMin: 45, priceCents: 4000, category: 'Nails' },
  { name: 'Spa Pedicure', durationMin: 60, priceCents: 5000, category: 'Nails' },
  { name: 'Acrylic Full Set', durationMin: 75, priceCents: 6000, category: 'Nails' },
  { name: 'Nail Art (per nail)', durationMin: 10, priceCents: 500, category: 'Nails' },
  { name: "Women's Haircut", durationMin: 45, priceCents: 5500, category: 'Hair' },
  { name: 'Blowout', durationMin: 30, priceCents: 3500, category: 'Hair' },
  { name: 'Eyebrow Wax', durationMin: 15, priceCents: 1500, category: 'Wax' },
] as const;

const PRODUCTS = [
  { name: 'Cuticle Oil', sku: 'CO-001', priceCents: 1200, stockCount: 40 },
  { name: 'Hand Cream', sku: 'HC-002', priceCents: 1800, stockCount: 25 },
  { name: 'Nail Polish', sku: 'NP-003', priceCents: 1000, stockCount: 120 },
] as const;

const FIRST = [
  'Olivia',
  'Emma',
  'Ava',
  'Sophia',
  'Mia',
  'Amelia',
  'Harper',
  'Evelyn',
  'Abigail',
  'Emily',
  'Ella',
  'Grace',
  'Chloe',
  'Lily',
  'Nora',
  'Zoe',
];
const LAST = [
  'Nguyen',
  'Smith',
  'Johnson',
  'Garcia',
  'Brown',
  'Tran',
  'Lee',
  'Martinez',
  'Davis',
  'Lopez',
  'Pham',
  'Wilson',
];

/** `HH:MM` today in the store's time zone, as a UTC ISO instant. */
function todayAt(now: Date, hour: number, minute: number): string {
  const ymd = new Intl.DateTimeFormat('en-CA', {
    timeZone: TIME_ZONE,
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
  }).format(now);
  const guess = new Date(
    `${ymd}T${String(hour).padStart(2, '0')}:${String(minute).padStart(2, '0')}:00Z`,
  );
  // Shift by the zone's offset at that instant (DST-safe for whole-hour zones).
  const local = new Date(guess.toLocaleString('en-US', { timeZone: TIME_ZONE }));
  const utc = new Date(guess.toLocaleString('en-US', { timeZone: 'UTC' }));
  return new Date(guess.getTime() + (utc.getTime() - local.getTime())).toISOString();
}

/**
 * The demo organization of `npm start`: a nail salon with staff, services, products, clients and
 * today's appointments, created through the same mutators and push path as any device. Idempotent:
 * does nothing when the demo account exists.
 */
export async function seedDemo(deps: AuthDeps): Promise<{ created: boolean; storeId?: string }> {
  const exists = await deps.db.transaction(null, async (sql) => {
    const res = await sql.query('select id from auth_find_user_by_email($1)', [DEMO_LOGIN.email]);
    return res.rowCount > 0;
  });
  if (exists) return { created: false };

  const session = await signup(deps, {
    organizationName: 'Mango Demo Salon',
    storeName: 'Mango Nails & Spa — Main St',
    email: DEMO_LOGIN.email,
    password: DEMO_LOGIN.password,
    timeZone: TIME_ZONE,
    currency: 'USD',
    taxRatePpm: 88_750, // New York City's 8.875 %
  });
  const store = session.stores[0];
  if (!store) throw new Error('signup returned no store');
  const deviceId = randomUUID();
  await deps.db.transaction(
    { storeId: store.id, organizationId: session.user.organizationId, userId: session.user.id },
    async (sql) => {
      await sql.query(
        'insert into devices (id, store_id, organization_id, name, registered_by) values ($1, $2, $3, $4, $5)',
        [deviceId, store.id, session.user.organizationId, 'Demo seed', session.user.id],
      );
    },
  );

  const now = deps.clock.now();
  const clientTime = now.toISOString();
  const mutations: Mutation[] = [];
  const add = (name: string, args: Record<string, unknown>) =>
    mutations.push({ id: mutations.length + 1, name, args, clientTime });

  const staffIds = STAFF.map((s) => {
    const id = randomUUID();
    add('staff.upsert', { id, displayName: s.displayName, role: s.role, active: true });
    return { id, role: s.role };
  });
  const serviceIds = SERVICES.map((s) => {
    const id = randomUUID();
    add('service.upsert', {
      id,
      name: s.name,
      durationMin: s.durationMin,
      priceCents: s.priceCents,
      taxable: false,
      category: s.category,
    });
    return { id, durationMin: s.durationMin };
  });
  for (const p of PRODUCTS) add('product.upsert', { id: randomUUID(), ...p, taxable: true });
  const clientIds: string[] = [];
  for (let i = 0; i < 120; i++) {
    const id = randomUUID();
    clientIds.push(id);
    add('client.upsert', {
      id,
      firstName: FIRST[i % FIRST.length],
      lastName: LAST[(i * 7) % LAST.length],
      phone: `+1555${String(2000000 + i * 7919).slice(-7)}`,
      email: `client${i}@example.com`,
    });
  }
  const technicians = staffIds.filter((s) => s.role === 'technician');
  let n = 0;
  for (const [t, tech] of technicians.entries()) {
    for (let hour = 9 + (t % 2); hour < 18; hour += 2) {
      const service = serviceIds[(n * 3 + t) % 4]!;
      add('appointment.book', {
        id: randomUUID(),
        staffId: tech.id,
        serviceId: service.id,
        start: todayAt(now, hour, t % 2 === 0 ? 0 : 30),
        clientId: clientIds[n % clientIds.length],
      });
      n++;
    }
  }

  const result = await pushMutations(deps.db, {
    storeId: store.id,
    organizationId: session.user.organizationId,
    deviceId,
    actor: { userId: session.user.id, staffId: null, role: 'owner', deviceId },
    mutations,
  });
  const rejected = result.results.filter((r) => r.status === 'rejected');
  if (rejected.length > 0)
    throw new Error(
      `demo seed: ${rejected.length} mutations rejected: ${JSON.stringify(rejected[0])}`,
    );
  return { created: true, storeId: store.id };
}
