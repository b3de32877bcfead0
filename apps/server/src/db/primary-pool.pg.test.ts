import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createPgCluster,
  createStandbyPair,
  pgTool,
  postgresBinariesPresent,
  type PgCluster,
  waitUntil,
} from '../../../../test-support/pg-cluster';
import { freePort } from '../../../../test-support/server-process';
import { openDb, type Db } from './db';
import { isDatabaseUnavailable } from './unavailable';

/**
 * The pool on a list of hosts (DATABASE_URL with target_session_attrs=read-write) on throwaway
 * clusters of our own: `primary` and `standby` (a cluster in recovery with no upstream, which
 * answers pg_is_in_recovery() = true until promoted). The whole pg_auto_failover failover under
 * load is the `shard-primary-failover` fault scenario (tools/faults), on a shard.
 */
describe.skipIf(!postgresBinariesPresent())('a pool on several hosts', () => {
  let primary: PgCluster;
  let standby: PgCluster;
  let deadPort: number;
  const dbs: Db[] = [];

  const open = async (ports: number[], statementTimeoutMs = 5000) => {
    const hosts = ports.map((p) => `127.0.0.1:${p}`).join(',');
    const url = `postgres://postgres@${hosts}/postgres${ports.length > 1 ? '?target_session_attrs=read-write' : ''}`;
    const db = await openDb({
      kind: 'postgres',
      url,
      ownerUrl: url,
      poolMax: 4,
      connectionTimeoutMs: 2000,
      statementTimeoutMs,
      idleTimeoutMs: 10_000,
    });
    dbs.push(db);
    return db;
  };
  const portOf = (db: Db) =>
    db.transaction(null, async (sql) => {
      const res = await sql.query<{ port: number }>('select inet_server_port() as port');
      return res.rows[0]!.port;
    });

  beforeAll(async () => {
    ({ primary, standby } = await createStandbyPair('mango-pp-'));
    deadPort = await freePort();
  });
  afterAll(async () => {
    await Promise.all(dbs.map((db) => db.close().catch(() => undefined)));
    primary?.destroy();
    standby?.destroy();
  });

  it('connects to the primary whatever its place in the list', async () => {
    expect(await portOf(await open([deadPort, standby.port, primary.port]))).toBe(primary.port);
    expect(await portOf(await open([primary.port, standby.port]))).toBe(primary.port);
  });

  it('answers a retryable error naming every host when none is the primary', async () => {
    const db = await open([deadPort, standby.port]);
    const err: unknown = await portOf(db).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: '08001' });
    expect(String(err)).toMatch(
      new RegExp(
        `no primary.*127\\.0\\.0\\.1:${deadPort}: .*127\\.0\\.0\\.1:${standby.port} is a standby`,
      ),
    );
    expect(isDatabaseUnavailable(err)).toBe(true);
  });

  it('passes over a promoted node that is still read-only, as pg_auto_failover keeps it for a while', async () => {
    // Out of recovery but default_transaction_read_only = on: what pg_auto_failover's new primary
    // answers until the monitor lets it write. Reads there would work (and /readyz with them);
    // every push would fail.
    const fenced = await createPgCluster({
      prefix: 'mango-pp-fenced-',
      settings: { default_transaction_read_only: 'on' },
    });
    try {
      fenced.start();
      expect(await portOf(await open([fenced.port, primary.port]))).toBe(primary.port);
      const err: unknown = await portOf(await open([fenced.port, standby.port])).catch(
        (e: unknown) => e,
      );
      expect(err).toMatchObject({ code: '08001' });
      expect(String(err)).toMatch(
        new RegExp(
          `127\\.0\\.0\\.1:${fenced.port} is read-only.*127\\.0\\.0\\.1:${standby.port} is a standby`,
        ),
      );
    } finally {
      fenced.destroy();
    }
  });

  it('follows a failover without being reopened: primary killed, standby promoted', async () => {
    const db = await open([primary.port, standby.port]);
    expect(await portOf(db)).toBe(primary.port);
    await db.ownerTransaction((sql) => sql.query('create table if not exists t (n int)'));

    primary.stop('immediate');
    const during: unknown = await portOf(db).catch((e: unknown) => e);
    expect(isDatabaseUnavailable(during)).toBe(true);

    pgTool('pg_ctl', ['-D', standby.dataDir, '-w', 'promote']);
    // The first transaction after the promotion searches and lands on the new primary; writes go
    // through there (the old primary is gone, nothing to compare with: the fault scenario checks
    // the ledger).
    expect(await portOf(db)).toBe(standby.port);
    await db.ownerTransaction((sql) => sql.query('create table t (n int)'));
    await db.transaction(null, (sql) => sql.query('select 1'));
    expect(db.poolStats().total).toBeGreaterThan(0);
  });

  it('does not acknowledge a commit the synchronous standby never confirmed', async () => {
    // A primary whose synchronous standby never answers: COMMIT waits (the statement timeout is
    // off by then) until someone cancels the wait; PostgreSQL then reports success with only a
    // WARNING although the row exists on this host alone (a failover would lose it).
    const lonely = await createPgCluster({
      prefix: 'mango-pp-sync-',
      settings: { synchronous_standby_names: "'nobody'" },
    });
    try {
      lonely.start();
      // Local commit for the setup, which would otherwise wait for the standby for ever.
      lonely.psql('set synchronous_commit = local; create table t (n int)');
      const db = await open([lonely.port]);
      const pending = db
        .transaction(null, (sql) => sql.query('insert into t values (1)'))
        .catch((e: unknown) => e);
      await waitUntil('the commit waiting for the standby', async () => {
        const waiting = lonely.psql(
          "select pg_cancel_backend(pid) from pg_stat_activity where wait_event = 'SyncRep'",
        );
        if (!waiting.includes('t')) throw new Error('not yet');
      });
      const err = await pending;
      expect(err).toMatchObject({ code: '08007' });
      expect(String(err)).toMatch(/not confirmed by the synchronous standby/);
      expect(isDatabaseUnavailable(err)).toBe(true);
      // Committed here: a retry of the push finds it applied (or, after a failover, applies it).
      expect(lonely.psql('select count(*) from t').trim()).toBe('1');
      await db.close();
    } finally {
      lonely.destroy();
    }
  });
});
