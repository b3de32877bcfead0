import { randomUUID } from 'node:crypto';
import { Redis } from 'ioredis';
import pg from 'pg';
import { openDb, type Db } from '../../db/db';
import { migrate } from '../../db/migrate';
import { withDatabase } from '../../db/test-support/engines';

export { withDatabase };

/** The admin URL of the shared PostgreSQL (the scale suite needs it: no PGlite fallback). */
export function scaleAdminUrl(): string {
  const url = process.env.TEST_DATABASE_URL;
  if (!url) throw new Error('TEST_DATABASE_URL is not set: the scale suite needs PostgreSQL');
  return url;
}

export function scaleRedisUrl(): string {
  const url = process.env.TEST_REDIS_URL;
  if (!url) throw new Error('TEST_REDIS_URL is not set: the scale suite needs Redis');
  return url;
}

export async function adminQuery(adminUrl: string, text: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(text);
  } finally {
    await client.end();
  }
}

export interface ScaleDatabase {
  name: string;
  /** Admin URL of this database (owner). */
  ownerUrl: string;
  /** URL of this database as the application role. */
  appUrl: string;
  /** Opens a Db; `via` rewrites both URLs (e.g. through a PgBouncer). */
  open(opts?: { via?: (url: string) => string; poolMax?: number }): Promise<Db>;
  drop(): Promise<void>;
}

/**
 * A fresh, migrated database of our own on a PostgreSQL server (name prefix + random suffix),
 * dropped by `drop()`. Made directly, never through a bouncer.
 */
export async function createScaleDatabase(
  adminUrl: string,
  prefix: string,
): Promise<ScaleDatabase> {
  const name = `${prefix}_${randomUUID().replace(/-/g, '').slice(0, 10)}`;
  await adminQuery(adminUrl, `create database "${name}"`);
  const ownerUrl = withDatabase(adminUrl, name);
  const appUrl = withDatabase(adminUrl, name, 'mango_app');
  const open = (opts: { via?: (url: string) => string; poolMax?: number } = {}) => {
    const via = opts.via ?? ((u: string) => u);
    return openDb({
      kind: 'postgres',
      url: via(appUrl),
      ownerUrl: via(ownerUrl),
      poolMax: opts.poolMax ?? 5,
      connectionTimeoutMs: 10_000,
      statementTimeoutMs: 30_000,
      idleTimeoutMs: 1_000,
      // Through our PgBouncer (1.18, transaction mode) named statements do not survive.
      preparedStatements: opts.via === undefined,
    });
  };
  const db = await open();
  try {
    await migrate(db);
  } finally {
    await db.close();
  }
  return {
    name,
    ownerUrl,
    appUrl,
    open,
    drop: () => adminQuery(adminUrl, `drop database if exists "${name}" with (force)`),
  };
}

/** A Redis client on a port nothing listens on (1): every command fails at once. */
export function unreachableRedis(): Redis {
  const down = new Redis('redis://127.0.0.1:1', {
    maxRetriesPerRequest: 0,
    enableOfflineQueue: false,
    lazyConnect: true,
    retryStrategy: () => null,
  });
  down.on('error', () => undefined);
  return down;
}
