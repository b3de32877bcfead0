import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Db, Sql } from './db';

/** apps/server/migrations: `NNNN_name.sql`, applied in order of NNNN. */
export const MIGRATIONS_DIR = fileURLToPath(new URL('../../migrations/', import.meta.url));

const FILE_RE = /^(\d{4})_([a-z0-9_]+)\.sql$/;
/** Serializes migrators (several server instances starting at once). */
const MIGRATION_LOCK = 727_001;

export interface MigrationFile {
  version: number;
  name: string;
  file: string;
  checksum: string;
  sql: string;
}

export interface MigrateOptions {
  /** Where the `.sql` files are (default: apps/server/migrations). */
  dir?: string;
}

/** An applied migration's file was edited afterwards. Add a new migration instead. */
export class MigrationChecksumError extends Error {
  constructor(
    readonly file: string,
    readonly appliedChecksum: string,
    readonly fileChecksum: string,
  ) {
    super(
      `Migration ${file} was edited after it was applied: its checksum in schema_migrations is ` +
        `${appliedChecksum.slice(0, 12)}…, the file's is ${fileChecksum.slice(0, 12)}…. ` +
        `An applied migration must not change; restore the file and put the change in a new ` +
        `migration.`,
    );
    this.name = 'MigrationChecksumError';
  }
}

/** Reads and checks the migration files, sorted by version. */
export async function readMigrations(dir: string = MIGRATIONS_DIR): Promise<MigrationFile[]> {
  const files = (await readdir(dir)).filter((f) => f.endsWith('.sql')).sort();
  const migrations: MigrationFile[] = [];
  for (const file of files) {
    const m = FILE_RE.exec(file);
    if (!m) throw new Error(`Migration file ${file} is not named NNNN_lower_snake_name.sql`);
    // Line endings normalized: a checkout with CRLF must not look like an edit.
    const sql = (await readFile(join(dir, file), 'utf8')).replace(/\r\n/g, '\n');
    const version = Number(m[1]);
    const previous = migrations[migrations.length - 1];
    if (previous?.version === version) {
      throw new Error(`Migrations ${previous.file} and ${file} share version ${m[1]}`);
    }
    migrations.push({
      version,
      name: m[2] ?? '',
      file,
      checksum: createHash('sha256').update(sql).digest('hex'),
      sql,
    });
  }
  return migrations;
}

interface AppliedRow {
  version: number;
  name: string;
  checksum: string;
}

async function ensureTable(sql: Sql): Promise<void> {
  await sql.query(
    `create table if not exists schema_migrations (
       version integer primary key,
       name text not null,
       checksum text not null,
       applied_at timestamptz not null default now()
     )`,
    [],
  );
}

/** Throws MigrationChecksumError if an applied migration's file changed. */
function verify(files: MigrationFile[], applied: AppliedRow[]): void {
  const byVersion = new Map(files.map((f) => [f.version, f]));
  for (const row of applied) {
    const file = byVersion.get(row.version);
    // A version applied by newer code (not on disk here) is left alone.
    if (file && file.checksum !== row.checksum) {
      throw new MigrationChecksumError(file.file, row.checksum, file.checksum);
    }
  }
}

async function appliedMigrations(sql: Sql): Promise<AppliedRow[]> {
  const exists = await sql.query<{ t: string | null }>(
    `select to_regclass('schema_migrations')::text as t`,
    [],
  );
  if (!exists.rows[0]?.t) return [];
  const res = await sql.query<AppliedRow>(
    'select version, name, checksum from schema_migrations order by version',
    [],
  );
  return res.rows;
}

/** The migrations not applied yet (a readiness check: ready when empty). Checks checksums. */
export async function pendingMigrations(
  db: Db,
  opts: MigrateOptions = {},
): Promise<MigrationFile[]> {
  const files = await readMigrations(opts.dir);
  const applied = await db.ownerTransaction(appliedMigrations);
  verify(files, applied);
  const done = new Set(applied.map((a) => a.version));
  return files.filter((f) => !done.has(f.version));
}

/**
 * Applies the pending migrations, each in its own transaction as the owner, in order.
 * Idempotent: applied ones are skipped (after their checksum is verified). Returns the applied.
 */
export async function migrate(db: Db, opts: MigrateOptions = {}): Promise<MigrationFile[]> {
  const files = await readMigrations(opts.dir);
  const applied: MigrationFile[] = [];
  for (const file of files) {
    const didApply = await db.ownerTransaction(async (sql) => {
      await sql.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
      await ensureTable(sql);
      const done = await appliedMigrations(sql);
      verify(files, done);
      if (done.some((d) => d.version === file.version)) return false;
      try {
        await sql.query(file.sql);
      } catch (err) {
        const message = err instanceof Error ? err.message : String(err);
        throw new Error(`Migration ${file.file} failed: ${message}`, { cause: err });
      }
      await sql.query(
        'insert into schema_migrations (version, name, checksum) values ($1, $2, $3)',
        [file.version, file.name, file.checksum],
      );
      return true;
    });
    if (didApply) applied.push(file);
  }
  return applied;
}
