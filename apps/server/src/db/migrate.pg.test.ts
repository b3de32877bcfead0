import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MIGRATIONS_DIR,
  MigrationChecksumError,
  migrate,
  pendingMigrations,
  readMigrations,
} from './migrate';
import { makeTestDb, testEngines, type TestDb } from './test-support/engines';

for (const engine of testEngines()) {
  describe(`migrations [${engine}]`, () => {
    let t: TestDb;
    let dir: string;
    beforeAll(async () => {
      t = await makeTestDb({ engine, migrated: false });
      dir = await mkdtemp(join(tmpdir(), 'mango-migrations-'));
      await cp(MIGRATIONS_DIR, dir, { recursive: true });
    });
    afterAll(async () => {
      await t?.close();
      await rm(dir, { recursive: true, force: true });
    });

    it('apply from empty, in order, then nothing is pending', async () => {
      const files = await readMigrations(dir);
      expect(files.length).toBeGreaterThan(0);
      expect((await pendingMigrations(t.db, { dir })).map((m) => m.file)).toEqual(
        files.map((f) => f.file),
      );
      const applied = await migrate(t.db, { dir });
      expect(applied.map((m) => m.version)).toEqual(files.map((f) => f.version));
      expect(await pendingMigrations(t.db, { dir })).toEqual([]);
      const rows = await t.db.ownerTransaction((sql) =>
        sql.query<{ version: number; name: string; checksum: string; applied_at: string }>(
          'select version, name, checksum, applied_at from schema_migrations order by version',
          [],
        ),
      );
      expect(rows.rows.map((r) => [r.version, r.name, r.checksum])).toEqual(
        files.map((f) => [f.version, f.name, f.checksum]),
      );
      expect(rows.rows[0]?.applied_at).toMatch(/^\d{4}-\d{2}-\d{2}T.*Z$/);
    });

    it('is idempotent: a second run applies nothing', async () => {
      expect(await migrate(t.db, { dir })).toEqual([]);
      expect(await migrate(t.db, { dir })).toEqual([]);
    });

    it('refuses an edited applied migration, naming the file', async () => {
      const file = join(dir, '0002_tenancy_and_auth.sql');
      const original = await readFile(file, 'utf8');
      await writeFile(file, original + '\n-- an innocent-looking edit\n');
      try {
        const err = await migrate(t.db, { dir }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(MigrationChecksumError);
        expect((err as Error).message).toMatch(
          /Migration 0002_tenancy_and_auth\.sql was edited after it was applied/,
        );
        await expect(pendingMigrations(t.db, { dir })).rejects.toThrow(MigrationChecksumError);
      } finally {
        await writeFile(file, original);
      }
      expect(await migrate(t.db, { dir })).toEqual([]);
    });

    it('applies a new migration only, and a failing one leaves nothing behind', async () => {
      await writeFile(join(dir, '0900_test_extra.sql'), 'create table test_extra (id int);');
      expect((await migrate(t.db, { dir })).map((m) => m.file)).toEqual(['0900_test_extra.sql']);
      await writeFile(
        join(dir, '0901_test_broken.sql'),
        'create table test_broken (id int);\nselect no_such_function();',
      );
      await expect(migrate(t.db, { dir })).rejects.toThrow(
        /Migration 0901_test_broken\.sql failed/,
      );
      const left = await t.db.ownerTransaction((sql) =>
        sql.query<{ t: string | null }>(`select to_regclass('test_broken')::text as t`, []),
      );
      expect(left.rows[0]?.t).toBeNull();
      expect((await pendingMigrations(t.db, { dir })).map((m) => m.file)).toEqual([
        '0901_test_broken.sql',
      ]);
    });
  });
}
