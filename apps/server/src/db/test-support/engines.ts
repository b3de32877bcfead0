/**
 * Test databases on both engines.
 *
 *   describeEachEngine('thing', (getDb) => { it('…', async () => { getDb().transaction(…) }) })
 *
 * runs the suite on PGlite (in memory, migrated) and, when TEST_DATABASE_URL is set (an admin
 * URL such as postgres://postgres@127.0.0.1:5432/postgres), again on real PostgreSQL. Each suite
 * gets a fresh database: on PostgreSQL `CREATE DATABASE … TEMPLATE` a migrated template (made
 * once per migration set, under an advisory lock so parallel test files agree), with the app
 * pool logged in as mango_app and the owner pool as the admin user; on PGlite a copy of one
 * migrated instance per test file. Use it only in `*.pg.test.ts` files.
 *
 *   const { db, close } = await makeTestDb({ engine: 'pglite' })   // outside describe
 */
import { createHash, randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect } from 'vitest';
import { openDb, type Db } from '../db';
import { openPgliteDb, openPgliteFromDump, createPglite, wrapPglite } from '../db-pglite';
import { migrate, readMigrations } from '../migrate';

export type EngineKind = Db['engine'];

export interface TestDb {
  db: Db;
  engine: EngineKind;
  /** Closes the pools and drops the database. */
  close(): Promise<void>;
}

export interface TestDbOptions {
  /** Default: 'pglite'. 'postgres' needs TEST_DATABASE_URL. */
  engine?: EngineKind;
  /** Default true. false = an empty database (for migration tests). */
  migrated?: boolean;
}

/** The admin URL of the real PostgreSQL used by tests, if any. */
export function testDatabaseUrl(): string | undefined {
  return process.env.TEST_DATABASE_URL || undefined;
}

/** The engines the suites run on: PGlite always, PostgreSQL when TEST_DATABASE_URL is set. */
export function testEngines(): EngineKind[] {
  // Through a PgBouncer (npm run test:scale) only PostgreSQL is of interest.
  if (process.env.TEST_PGBOUNCER_URL) return ['postgres'];
  return testDatabaseUrl() ? ['pglite', 'postgres'] : ['pglite'];
}

export async function makeTestDb(opts: TestDbOptions = {}): Promise<TestDb> {
  const engine = opts.engine ?? 'pglite';
  const migrated = opts.migrated ?? true;
  if (engine === 'pglite') {
    const db = migrated ? await openPgliteFromDump(await pgliteTemplate()) : await openPgliteDb();
    return { db, engine, close: () => db.close() };
  }
  return makePostgresDb(migrated);
}

export function describeEachEngine(name: string, fn: (getDb: () => Db) => void): void {
  for (const engine of testEngines()) {
    describe(`${name} [${engine}]`, () => {
      let handle: TestDb | undefined;
      beforeAll(async () => {
        const file = expect.getState().testPath ?? '';
        if (file && !file.endsWith('.pg.test.ts')) {
          throw new Error(`${file} uses a database: name it *.pg.test.ts`);
        }
        handle = await makeTestDb({ engine });
      });
      afterAll(async () => {
        await handle?.close();
      });
      fn(() => {
        if (!handle)
          throw new Error('the test database is made in beforeAll: call getDb() in a test or hook');
        return handle.db;
      });
    });
  }
}

// PGlite: one migrated instance per test file (module), dumped; each suite loads the dump.

let pgliteDump: Promise<Blob | File> | undefined;

function pgliteTemplate(): Promise<Blob | File> {
  pgliteDump ??= (async () => {
    const instance = await createPglite({});
    await migrate(wrapPglite(instance));
    const dump = await instance.dumpDataDir('none');
    await instance.close();
    return dump;
  })();
  return pgliteDump;
}

// PostgreSQL: a template database per migration set, a fresh copy per suite.

const TEMPLATE_LOCK = 727_002;

export function withDatabase(url: string, database: string, user?: string): string {
  const u = new URL(url);
  u.pathname = `/${database}`;
  if (user !== undefined) {
    u.username = user;
    u.password = '';
  }
  return u.toString();
}

/** A client of the test PostgreSQL's admin URL (TEST_DATABASE_URL), closed after `fn`. */
export async function withAdmin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const url = testDatabaseUrl();
  if (!url) throw new Error('TEST_DATABASE_URL is not set');
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

function openTestPostgres(adminUrl: string, database: string): Promise<Db> {
  return openDb({
    kind: 'postgres',
    url: withDatabase(adminUrl, database, 'mango_app'),
    ownerUrl: withDatabase(adminUrl, database),
    poolMax: 5,
    connectionTimeoutMs: 10_000,
    statementTimeoutMs: 30_000,
    idleTimeoutMs: 1_000,
    // PgBouncer < 1.21 in transaction mode cannot keep named statements (see config.ts).
    preparedStatements: !process.env.TEST_PGBOUNCER_URL,
  });
}

let templateName: Promise<string> | undefined;

/** The migrated template for the current migration files; made once across test processes. */
function postgresTemplate(): Promise<string> {
  templateName ??= (async () => {
    const files = await readMigrations();
    const hash = createHash('sha256')
      .update(files.map((f) => `${f.file}:${f.checksum}`).join('\n'))
      .digest('hex')
      .slice(0, 12);
    return withAdmin(async (admin) => {
      await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
      try {
        const existing = await admin.query<{ datname: string }>(
          `select datname from pg_database where datname like $1 and datname not like '%\\_build'`,
          [`mango\\_tmpl\\_${hash}\\_%`],
        );
        if (existing.rows[0]) return existing.rows[0].datname;
        // Templates of other migration sets go once they are a day old, and builds interrupted
        // half-way: another checkout on this machine (a CI clone, a second session) may be
        // using a younger one right now.
        const bornSec = Math.floor(Date.now() / 1000);
        const others = await admin.query<{ datname: string }>(
          `select datname from pg_database where datname like 'mango\\_tmpl\\_%'`,
        );
        for (const { datname } of others.rows) {
          // Names without a birth time (older checkouts' templates) are left to their runs.
          const born = /^mango_tmpl_[0-9a-f]+_(\d+)$/.exec(datname)?.[1];
          if (datname.endsWith('_build') || (born && bornSec - Number(born) > 86_400)) {
            await admin.query(`drop database if exists "${datname}" with (force)`);
          }
        }
        const name = `mango_tmpl_${hash}_${bornSec}`;
        const building = `${name}_build`;
        await admin.query(`create database "${building}"`);
        const db = await openTestPostgres(testDatabaseUrl() ?? '', building);
        try {
          await migrate(db);
        } finally {
          await db.close();
        }
        await admin.query(`alter database "${building}" rename to "${name}"`);
        return name;
      } finally {
        await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
      }
    });
  })();
  return templateName;
}

/**
 * With TEST_PGBOUNCER_URL (set by `npm run test:scale`), the suite's pools connect through that
 * PgBouncer in transaction mode. Databases and templates are still made directly: CREATE DATABASE
 * … TEMPLATE fails while a bouncer holds idle connections to the template.
 */
function viaPgBouncer(url: string): string {
  const bouncer = process.env.TEST_PGBOUNCER_URL;
  if (!bouncer) return url;
  const u = new URL(url);
  u.host = new URL(bouncer).host;
  return u.toString();
}

async function makePostgresDb(migrated: boolean): Promise<TestDb> {
  const adminUrl = testDatabaseUrl();
  if (!adminUrl) throw new Error('TEST_DATABASE_URL is not set: the postgres engine needs it');
  const template = migrated ? await postgresTemplate() : 'template1';
  const database = `mango_test_${randomUUID().replace(/-/g, '').slice(0, 16)}`;
  await withAdmin(async (admin) => {
    // Serialized with template builds; CREATE DATABASE fails if the template has connections.
    await admin.query('select pg_advisory_lock($1)', [TEMPLATE_LOCK]);
    try {
      await admin.query(`create database "${database}" template "${template}"`);
    } finally {
      await admin.query('select pg_advisory_unlock($1)', [TEMPLATE_LOCK]);
    }
  });
  const db = await openTestPostgres(viaPgBouncer(adminUrl), database);
  return {
    db,
    engine: 'postgres',
    async close() {
      await db.close();
      await withAdmin((admin) => admin.query(`drop database if exists "${database}" with (force)`));
    },
  };
}
