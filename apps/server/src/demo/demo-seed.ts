import { randomUUID } from 'node:crypto';
import { createSqlMutatorTx } from '../db/entity-store';
import type { AuthDeps } from '../auth/auth-service';
import { signup } from '../auth/auth-service';
import { pushMutations } from '../sync/push';
import { DemoDevice } from './demo-device';
import { buildDemoHistory, DEFAULT_DEMO_SEED, type DemoHistorySummary } from './demo-history';

export const DEMO_LOGIN = { email: 'demo@mango.pos', password: 'mango-demo-2026' } as const;

const TIME_ZONE = 'America/New_York';

/**
 * The demo store's plan. It has six staff, more than the free plan's three: it shows a salon
 * that pays for the pro plan, and the seed's push checks the pro quotas like any device's.
 */
const DEMO_PLAN = 'pro';

export interface DemoSeedOptions {
  /** The generator's seed: the same seed and the same clock give the same store, to the cent. */
  seed?: number;
}

export type DemoSeedResult =
  | { created: false }
  | ({
      created: true;
      storeId: string;
      organizationId: string;
      seedMs: number;
    } & DemoHistorySummary);

/**
 * The demo organization of `npm start`: a nail salon with staff, services, products, clients and
 * eight weeks of business up to today (demo-history.ts), made through the same mutators and push
 * path as any device: the server recomputes every total, tax, tip split and gift card balance.
 * "Today" is the clock's day at seeding. Idempotent: does nothing when the demo account exists.
 */
export async function seedDemo(
  deps: AuthDeps,
  options: DemoSeedOptions = {},
): Promise<DemoSeedResult> {
  const exists = await deps.db.transaction(null, async (sql) => {
    const res = await sql.query('select id from auth_find_user_by_email($1)', [DEMO_LOGIN.email]);
    return res.rowCount > 0;
  });
  if (exists) return { created: false };

  const started = performance.now();
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
  const organizationId = session.user.organizationId;
  await deps.db.ownerTransaction((sql) =>
    sql.query('update stores set plan = $2 where id = $1', [store.id, DEMO_PLAN]),
  );
  const deviceId = randomUUID();
  const tenant = { storeId: store.id, organizationId, userId: session.user.id };
  const storeRow = await deps.db.transaction(tenant, async (sql) => {
    await sql.query(
      'insert into devices (id, store_id, organization_id, name, registered_by) values ($1, $2, $3, $4, $5)',
      [deviceId, store.id, organizationId, 'Demo seed', session.user.id],
    );
    return createSqlMutatorTx(sql, { storeId: store.id, version: 1 }).get('store', store.id);
  });
  if (!storeRow) throw new Error('demo seed: the new store is not readable');

  // The device works out the history on its own copy of the store, then pushes it all.
  const device = await DemoDevice.start(
    { storeId: store.id, deviceId, userId: session.user.id },
    storeRow,
  );
  const summary = await buildDemoHistory(device, {
    now: deps.clock.now(),
    timeZone: TIME_ZONE,
    seed: options.seed ?? DEFAULT_DEMO_SEED,
  });
  const result = await pushMutations(deps.db, {
    storeId: store.id,
    organizationId,
    deviceId,
    actor: { userId: session.user.id, staffId: null, role: 'owner', deviceId },
    mutations: device.mutations,
    enforceQuotas: true,
  });
  const rejected = result.results.filter((r) => r.status === 'rejected');
  if (rejected.length > 0)
    throw new Error(
      `demo seed: ${rejected.length} mutations rejected: ${JSON.stringify(rejected[0])}`,
    );
  if (result.lastMutationId !== device.mutations.length) {
    throw new Error(
      `demo seed: the server took ${result.lastMutationId} of ${device.mutations.length} mutations`,
    );
  }
  return {
    created: true,
    storeId: store.id,
    organizationId,
    seedMs: Math.round(performance.now() - started),
    ...summary,
  };
}
