import { mkdirSync } from 'node:fs';
import path from 'node:path';
import type { Config } from '../config';
import { openDb, type Db } from './db';

/** The database the configuration names: PostgreSQL when DATABASE_URL is set, else embedded PGlite. */
export async function openConfiguredDb(config: Config): Promise<Db> {
  if (!config.databaseUrl) {
    mkdirSync(config.dataDir, { recursive: true });
    return openDb({ kind: 'pglite', dataDir: path.join(config.dataDir, 'pglite') });
  }
  return openDb({
    kind: 'postgres',
    url: config.databaseUrl,
    ownerUrl: config.databaseOwnerUrl ?? config.databaseUrl,
    poolMax: config.dbPoolMax,
    connectionTimeoutMs: config.dbConnectionTimeoutMs,
    statementTimeoutMs: config.dbStatementTimeoutMs,
    idleTimeoutMs: config.dbIdleTimeoutMs,
    preparedStatements: config.databasePreparedStatements,
  });
}
