import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import { ROLES, type ClientRow, type Role } from '@mango/domain/entities';
import { parseTaxRatePercent } from '@mango/domain/tax-rate';
import { signup } from '../auth/auth-service';
import { createTokenSigner, resolveJwtSecret } from '../auth/tokens';
import { forgetAccount } from '../auth/authenticate';
import { addStoreUser } from '../auth/users';
import { createRedisCache } from '../cache/redis-cache';
import { systemClock } from '../clock';
import { ConfigError, loadConfig } from '../config';
import { isUuid } from '../db/db';
import { HttpError } from '../http/errors';
import { openConfiguredDb } from '../db/open-configured';
import { ENTITY_TABLES } from '../db/entity-tables';
import { migrate } from '../db/migrate';
import { runShardCommand, SHARD_USAGE } from '../shards/admin-commands';
import { createRedisHeads } from '../sync/heads-redis';
import { rotateSyncEpochs } from '../sync/sync-epoch';
import { Redis } from 'ioredis';

const USAGE = `Mango POS admin

  npm run admin -- migrate
  npm run admin -- create-org --org "Salon Inc" --store "Main St" --email owner@x.com --password "…" [--tz America/New_York] [--currency USD] [--tax 8.875]
  npm run admin -- add-user --store <storeId> --email staff@x.com --password "…" --role manager|front_desk|technician|owner
  npm run admin -- seed-clients --store <storeId> --count 50000   (synthetic clients, for load and e2e tests)
  npm run admin -- new-sync-epoch [--store <storeId>]   (after a restore: every device re-pushes and re-syncs)

Uses the same configuration as the server (DATABASE_URL, DATABASE_OWNER_URL, DATA_DIR, …).
${SHARD_USAGE}`;

/** `--tax 8.875` (a percent, up to three decimals) as the store's rate in ppm. */
function taxRateOption(value: string): number {
  const ppm = parseTaxRatePercent(value);
  if (ppm === null) {
    throw new UsageError(`--tax must be a percent with up to three decimals (8.875), got ${value}`);
  }
  return ppm;
}

async function main(): Promise<number> {
  const [command, ...rest] = process.argv.slice(2);
  if (command?.startsWith('shard-')) return runShardCommand(command, rest, loadConfig());
  const { values } = parseArgs({
    args: rest,
    options: {
      org: { type: 'string' },
      store: { type: 'string' },
      email: { type: 'string' },
      password: { type: 'string' },
      role: { type: 'string' },
      tz: { type: 'string' },
      currency: { type: 'string' },
      tax: { type: 'string' },
      count: { type: 'string' },
    },
  });
  const need = (name: keyof typeof values): string => {
    const v = values[name];
    if (typeof v !== 'string' || v === '') throw new UsageError(`--${name} is required`);
    return v;
  };
  if (!command || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const config = loadConfig();
  const db = await openConfiguredDb(config);
  try {
    if (command === 'migrate') {
      const applied = await migrate(db);
      console.log(
        applied.length === 0
          ? 'Migrations: up to date.'
          : `Applied: ${applied.map((m) => m.name).join(', ')}`,
      );
      return 0;
    }
    await migrate(db);
    if (command === 'create-org') {
      const session = await signup(
        {
          db,
          clock: systemClock,
          signer: createTokenSigner(resolveJwtSecret(config.jwtSecret, config.dataDir)),
          accessTokenTtlSec: config.accessTokenTtlSec,
          refreshTokenTtlSec: config.refreshTokenTtlSec,
          refreshReuseGraceSec: config.refreshReuseGraceSec,
        },
        {
          organizationName: need('org'),
          storeName: need('store'),
          email: need('email'),
          password: need('password'),
          ...(values.tz ? { timeZone: values.tz } : {}),
          ...(values.currency ? { currency: values.currency } : {}),
          ...(values.tax ? { taxRatePpm: taxRateOption(values.tax) } : {}),
        },
      );
      console.log(
        `Organization ${session.user.organizationId}, store ${session.stores[0]?.id}, owner ${session.user.email}`,
      );
      return 0;
    }
    if (command === 'add-user') {
      const storeId = need('store');
      const role = need('role') as Role;
      if (!ROLES.includes(role)) throw new UsageError(`--role must be one of ${ROLES.join(', ')}`);
      const organizationId = await organizationOfStore(db, storeId);
      const result = await addStoreUser(
        db,
        {
          storeId,
          organizationId,
          userId: '',
          role: 'owner',
          accountRole: 'owner',
          actingStaffId: null,
        },
        { email: need('email'), password: need('password'), role },
      );
      // Running servers remember the account's rights (auth/authenticate.ts): forgotten at once.
      if (config.redisUrl) {
        const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
        await forgetAccount(createRedisCache(redis), result.userId).finally(() =>
          redis.disconnect(),
        );
      }
      console.log(
        `${result.created ? 'Created' : 'Updated'} user ${result.userId} as ${role} of store ${storeId}`,
      );
      return 0;
    }
    if (command === 'seed-clients') {
      const count = Number(need('count'));
      if (!Number.isSafeInteger(count) || count < 1 || count > 1_000_000)
        throw new UsageError('--count must be a whole number from 1 to 1000000');
      const started = Date.now();
      const result = await seedClients(db, need('store'), count);
      // Written outside push: the servers' sync heads (Redis) would answer the store's polling
      // devices "nothing new" until their ttl. Forgotten, the next pulls read the new version.
      if (config.redisUrl) {
        const redis = new Redis(config.redisUrl, { maxRetriesPerRequest: 1 });
        await createRedisHeads(redis, { ttlSec: config.syncHeadTtlSec })
          .forget(result.storeId)
          .finally(() => redis.disconnect());
      }
      console.log(
        `Seeded ${count} clients into store ${result.storeId} (store version ${result.version}) in ${Date.now() - started} ms`,
      );
      return 0;
    }
    if (command === 'new-sync-epoch') {
      if (values.store !== undefined && !isUuid(values.store))
        throw new UsageError('--store must be a store id (a UUID)');
      // The servers' shared sync heads (Redis) still hold the old epochs: forgotten with them.
      const redis = config.redisUrl
        ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1 })
        : undefined;
      const heads = redis && createRedisHeads(redis, { ttlSec: config.syncHeadTtlSec });
      const stores = await rotateSyncEpochs(db, values.store, heads).finally(() =>
        redis?.disconnect(),
      );
      if (values.store !== undefined && stores === 0)
        throw new UsageError(`no store ${values.store}`);
      console.log(
        `New sync epoch for ${stores} store(s): their devices re-push what they sent since the restore point and sync again from the start.`,
      );
      return 0;
    }
    throw new UsageError(`unknown command ${command}`);
  } finally {
    await db.close();
  }
}

class UsageError extends Error {}

type AdminDb = Awaited<ReturnType<typeof openConfiguredDb>>;

async function organizationOfStore(db: AdminDb, storeId: string): Promise<string> {
  const store = await db.ownerTransaction(async (sql) => {
    const res = await sql.query<{ organization_id: string }>(
      'select organization_id from stores where id = $1',
      [storeId],
    );
    return res.rows[0];
  });
  if (!store) throw new UsageError(`no store ${storeId}`);
  return store.organization_id;
}

const SEED_FIRST = ['Olivia', 'Emma', 'Ava', 'Sophia', 'Mia', 'Amelia', 'Harper', 'Evelyn'];
const SEED_LAST = ['Nguyen', 'Smith', 'Johnson', 'Garcia', 'Brown', 'Tran', 'Lee', 'Pham'];
/** Rows per store version: devices pull them in pages that never split a version. */
const SEED_ROWS_PER_VERSION = 1000;

/**
 * Synthetic clients `Seed<i>` with phones +1 555 2000000 + i, written like the sync push writes
 * rows: the entity table's own columns, each chunk in a store transaction that takes the store's
 * next version (row lock), so every device pulls them. Bulk inserts keep 50,000 rows to seconds.
 */
async function seedClients(
  db: AdminDb,
  storeId: string,
  count: number,
): Promise<{ storeId: string; version: number }> {
  const organizationId = await organizationOfStore(db, storeId);
  const def = ENTITY_TABLES.client;
  const columns = [
    'store_id',
    'id',
    'version',
    'deleted',
    'data',
    ...def.columns.map((c) => c.column),
  ];
  const types = ['uuid', 'uuid', 'bigint', 'boolean', 'jsonb', ...def.columns.map((c) => c.type)];
  let version = 0;
  for (let start = 0; start < count; start += SEED_ROWS_PER_VERSION) {
    const n = Math.min(SEED_ROWS_PER_VERSION, count - start);
    version = await db.transaction({ storeId, organizationId }, async (sql) => {
      const locked = await sql.query<{ version: number }>(
        'select version from stores where id = $1 for update',
        [storeId],
      );
      const next = Number(locked.rows[0]?.version ?? 0) + 1;
      const params: unknown[] = [];
      const tuples: string[] = [];
      const ids: string[] = [];
      for (let i = start; i < start + n; i++) {
        const row: ClientRow = {
          id: randomUUID(),
          firstName: SEED_FIRST[i % SEED_FIRST.length] as string,
          lastName: `${SEED_LAST[Math.floor(i / SEED_FIRST.length) % SEED_LAST.length]} Seed${i}`,
          phone: `+1 555 ${2_000_000 + i}`,
        };
        ids.push(row.id);
        const values = [
          storeId,
          row.id,
          String(next),
          'false',
          JSON.stringify(row),
          ...def.columns.map((c) => {
            const v = c.from(row);
            return v === null ? null : String(v);
          }),
        ];
        tuples.push(
          `(${values.map((v, k) => {
            params.push(v);
            return `$${params.length}::${types[k]}`;
          })})`,
        );
      }
      await sql.query(
        `insert into ${def.table} (${columns.join(', ')}) values ${tuples.join(', ')}`,
        params,
      );
      await sql.query('update stores set version = $2 where id = $1', [storeId, next]);
      // Logged like a push's version, so that pulls read these rows by key (migration 0027).
      await sql.query(
        `insert into sync_changes (store_id, to_version, from_version, entities, ids, id_counts)
         values ($1, $2, $2, '{client}', $3::uuid[], array[$4::int])`,
        [storeId, next, ids, ids.length],
      );
      return next;
    });
  }
  return { storeId, version };
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof UsageError || err instanceof ConfigError) {
      console.error(`${err.message}\n\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof HttpError) {
      // A coded error (e.g. a shard move refused): its code and message, no stack.
      console.error(`${err.code}: ${err.message}`);
      process.exit(err.statusCode < 500 ? 2 : 1);
    }
    console.error(err);
    process.exit(1);
  },
);
