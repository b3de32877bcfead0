import { randomUUID } from 'node:crypto';
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { parseArgs } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../apps/server/src/app';
import { createTokenSigner } from '../../apps/server/src/auth/tokens';
import { createInProcessBus } from '../../apps/server/src/bus/event-bus';
import { systemClock } from '../../apps/server/src/clock';
import { loadConfig } from '../../apps/server/src/config';
import { openDb, type Db } from '../../apps/server/src/db/db';
import { migrate } from '../../apps/server/src/db/migrate';
import { createMemoryRateLimiter } from '../../apps/server/src/rate-limit/rate-limiter';
import { rotateSyncEpochs } from '../../apps/server/src/sync/sync-epoch';
import {
  appendSettings,
  asPostgres,
  clusterAt,
  createPgCluster,
  type PgCluster,
} from '../../test-support/pg-cluster';
import { freePort } from '../../test-support/server-process';
import { machineInfo, REPO_ROOT, RESULTS_DIR } from '../loadgen/src/results';
import { historySeedSql, seedHistory, type HistoryShape } from './history-seed';

/**
 * The recovery drill (seed plan 4.4), on this machine, with the scripts of ops/backup/:
 *
 *  1. a throwaway PostgreSQL cluster with WAL archiving (archive-wal.sh), the server's
 *     migrations, and a salon's data pushed through the real app (staff, services, tickets paid
 *     and closed);
 *  2. a base backup (base-backup.sh), then more tickets written after it;
 *  3. the disaster: one transaction deletes every ticket, line and payment of the store;
 *  4. recovery (the RTO clock runs from here): archive the current WAL segment, restore the base
 *     backup into a new data directory up to just before the destructive transaction
 *     (restore-pitr.sh --xid), start it, wait for promotion, verify every ticket committed
 *     before the disaster is back, and a Mango server over it answers /readyz.
 *
 * RPO here = the span of committed tickets the restore lost (0 when all are back). The JSON also
 * records how much WAL was not yet archived at the moment of the disaster: what a lost primary
 * (rather than a bad statement) would have cost. Last line: `RPO_SECONDS=<n> RTO_SECONDS=<n>`.
 *
 * `--size-gb <n>` (or DRILL_SIZE_GB): before step 2, bulk-seed a year of history for `--stores`
 * stores (default 1,000; history-seed.ts) until the database holds at least n GiB, so the base
 * backup, restore and replay are timed at a real size. CI runs the small default.
 */

const TICKETS_BEFORE_BACKUP = 40;
const TICKETS_AFTER_BACKUP = 40;
const ARCHIVE_TIMEOUT_SEC = 60;
/** The seed plan's objectives, and our own goals (issue #24). */
const OBJECTIVES = { rpoSeconds: 300, rtoSeconds: 900 };
const GOALS = { rpoSeconds: 60, rtoSeconds: 300 };
/** Database bytes per seeded ticket with its share of lines, payments, appointments, audit rows,
 * clients and indexes (measured on PostgreSQL 15): sizes the history for a target size. */
const BYTES_PER_SEEDED_TICKET = 4600;
const GIB = 1024 ** 3;
const TOP_UP_STORES = 10;

interface DrillOptions {
  /** Database size to reach before the base backup; 0 = the small CI drill. */
  sizeGb: number;
  stores: number;
}

function drillOptions(): DrillOptions {
  const { values } = parseArgs({
    options: {
      'size-gb': { type: 'string', default: process.env.DRILL_SIZE_GB ?? '0' },
      stores: { type: 'string', default: '1000' },
    },
  });
  const sizeGb = Number(values['size-gb']);
  const stores = Number(values.stores);
  if (!Number.isFinite(sizeGb) || sizeGb < 0) throw new Error('--size-gb: a number ≥ 0');
  if (!Number.isInteger(stores) || stores < 1) throw new Error('--stores: an integer ≥ 1');
  return { sizeGb, stores };
}

const now = () => performance.now();
const log = (msg: string) => console.log(`[drill] ${msg}`);

interface Committed {
  ticketId: string;
  committedAt: number; // epoch ms, after the push was answered
}

/** One secret for every app of the drill: tokens issued before the disaster stay valid after. */
const DRILL_JWT_SECRET = randomUUID() + randomUUID();

function appOver(db: Db): Promise<FastifyInstance> {
  return buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent', WEB_DIST_DIR: '/nonexistent', DEMO_SEED: 'false' }),
    db,
    bus: createInProcessBus(),
    clock: systemClock,
    signer: createTokenSigner(DRILL_JWT_SECRET),
    limiter: createMemoryRateLimiter(),
  });
}

function openClusterDb(cluster: PgCluster): Promise<Db> {
  return openDb({
    kind: 'postgres',
    url: cluster.url().replace('postgres@', 'mango_app@'),
    ownerUrl: cluster.url(),
    poolMax: 4,
    connectionTimeoutMs: 5000,
    statementTimeoutMs: 60_000,
    idleTimeoutMs: 10_000,
  });
}

async function call(
  app: FastifyInstance,
  method: 'GET' | 'POST',
  url: string,
  payload?: unknown,
  token?: string,
) {
  const res = await app.inject({
    method,
    url,
    ...(payload === undefined ? {} : { payload: payload as Record<string, unknown> }),
    ...(token ? { headers: { authorization: `Bearer ${token}` } } : {}),
  });
  if (res.statusCode >= 300) throw new Error(`${method} ${url}: ${res.statusCode} ${res.body}`);
  return JSON.parse(res.body) as Record<string, unknown>;
}

/** A salon and a device, through the real API. */
async function openSalon(app: FastifyInstance) {
  const session = await call(app, 'POST', '/api/v1/auth/signup', {
    organizationName: 'Drill Nails',
    storeName: 'Drill Nails Downtown',
    email: `drill-${randomUUID().slice(0, 8)}@example.com`,
    password: 'correct horse battery',
  });
  const token = session.accessToken as string;
  const storeId = (session.stores as { id: string }[])[0]!.id;
  const deviceId = randomUUID();
  await call(
    app,
    'POST',
    `/api/v1/stores/${storeId}/devices`,
    { deviceId, name: 'Front desk' },
    token,
  );
  let nextId = 1;
  const pushMutations = async (mutations: { name: string; args: Record<string, unknown> }[]) => {
    const body = await call(
      app,
      'POST',
      `/api/v1/stores/${storeId}/sync/push`,
      {
        deviceId,
        schemaVersion: 1,
        mutations: mutations.map((m) => ({
          id: nextId++,
          ...m,
          clientTime: new Date().toISOString(),
        })),
      },
      token,
    );
    const results = body.results as { status: string; error?: unknown }[];
    const bad = results.find((r) => r.status !== 'applied');
    if (bad) throw new Error(`a drill mutation was not applied: ${JSON.stringify(bad)}`);
  };
  const staffId = randomUUID();
  const serviceId = randomUUID();
  await pushMutations([
    {
      name: 'staff.upsert',
      args: { id: staffId, displayName: 'Linh', role: 'technician', active: true },
    },
    {
      name: 'service.upsert',
      args: {
        id: serviceId,
        name: 'Gel Manicure',
        durationMin: 45,
        priceCents: 4000,
        taxable: false,
      },
    },
  ]);
  /** One ticket sold, paid and closed: one push, one commit. */
  const sellTicket = async (): Promise<Committed> => {
    const ticketId = randomUUID();
    await pushMutations([
      { name: 'ticket.open', args: { id: ticketId } },
      {
        name: 'ticket.addLine',
        args: { ticketId, lineId: randomUUID(), kind: 'service', itemId: serviceId, staffId },
      },
      {
        name: 'ticket.addPayment',
        args: { ticketId, paymentId: randomUUID(), method: 'cash', amountCents: 4000 },
      },
      { name: 'ticket.close', args: { ticketId } },
    ]);
    return { ticketId, committedAt: Date.now() };
  };
  /** A pull page of the device: its status, and the body when it is 200 or an error. */
  const pull = async (server: FastifyInstance, cursor: number, epoch?: string) => {
    const res = await server.inject({
      method: 'GET',
      url: `/api/v1/stores/${storeId}/sync/pull?deviceId=${deviceId}&cursor=${cursor}&limit=5000${epoch ? `&epoch=${epoch}` : ''}`,
      headers: { authorization: `Bearer ${token}` },
    });
    const body = JSON.parse(res.body) as {
      cursor?: number;
      epoch?: string;
      error?: { code: string; details?: { reason?: string } };
    };
    return { status: res.statusCode, ...body };
  };
  return { storeId, sellTicket, pull };
}

async function ticketsIn(
  db: Db,
  storeId: string,
): Promise<{ ids: Set<string>; paidCents: number }> {
  return db.ownerTransaction(async (sql) => {
    const tickets = await sql.query<{ id: string }>(
      "select id from tickets where store_id = $1 and status = 'closed'",
      [storeId],
    );
    const paid = await sql.query<{ cents: number }>(
      'select coalesce(sum(amount_cents), 0)::bigint as cents from payments where store_id = $1',
      [storeId],
    );
    return { ids: new Set(tickets.rows.map((r) => r.id)), paidCents: paid.rows[0]!.cents };
  });
}

async function waitFor<T>(
  what: string,
  check: () => Promise<T | undefined>,
  timeoutMs = 120_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: not within ${timeoutMs} ms (${String(last)})`);
}

/**
 * Seeds the history until the database holds `sizeGb` GiB. Archiving is still off (main turns it
 * on after): a database that grew over a year has long archived the WAL of that year.
 */
async function seedToSize(primary: PgCluster, opts: DrillOptions) {
  const seedStarted = now();
  const dbBytes = () => Number(primary.psql('select pg_database_size(current_database())').trim());
  const target = opts.sizeGb * GIB;
  const shape: HistoryShape = {
    stores: opts.stores,
    days: 365,
    ticketsPerStore: Math.max(
      50,
      Math.ceil((target - dbBytes()) / opts.stores / BYTES_PER_SEEDED_TICKET),
    ),
    clientsPerStore: 300,
  };
  log(
    `seeding ${shape.stores} stores × ${shape.ticketsPerStore} tickets over ${shape.days} days toward ${opts.sizeGb} GiB`,
  );
  const run = (script: string) => void primary.psql(`begin;\n${script}\ncommit;`);
  await seedHistory(run, shape, 50, (done) => {
    if (done % 200 === 0) log(`  ${done} stores, ${(dbBytes() / GIB).toFixed(2)} GiB`);
  });
  // The estimate per ticket is rough: top up with more stores of the same shape until there.
  let stores = shape.stores;
  while (dbBytes() < target) {
    run(historySeedSql(shape, stores + 1, stores + TOP_UP_STORES));
    stores += TOP_UP_STORES;
  }
  primary.psql('vacuum analyze');
  primary.psql('checkpoint');
  const bytes = dbBytes();
  const seedSeconds = (now() - seedStarted) / 1000;
  log(
    `seeded ${stores} stores in ${seedSeconds.toFixed(0)} s: pg_database_size ${(bytes / GIB).toFixed(2)} GiB`,
  );
  return { ...shape, stores, seedSeconds, dbBytes: bytes };
}

async function main(): Promise<void> {
  const opts = drillOptions();
  const sized = opts.sizeGb > 0;
  const started = now();
  const primary = await createPgCluster({ prefix: 'mango-drill-' });
  const bin = path.join(primary.baseDir, 'bin');
  const archiveDir = path.join(primary.baseDir, 'wal-archive');
  const backupRoot = path.join(primary.baseDir, 'backups');
  let restored: PgCluster | undefined;
  const dbs: Db[] = [];
  try {
    // The scripts run as the postgres OS user, from a directory it owns.
    asPostgres(`mkdir -p '${bin}' '${archiveDir}' '${backupRoot}'`);
    for (const script of ['archive-wal.sh', 'base-backup.sh', 'restore-pitr.sh']) {
      const target = path.join(bin, script);
      copyFileSync(path.join(REPO_ROOT, 'ops/backup', script), target);
    }
    appendSettings(primary.dataDir, {
      wal_level: 'replica',
      // A sized drill seeds first, then turns archiving on (seedToSize).
      archive_mode: sized ? 'off' : 'on',
      archive_command: `'sh ${bin}/archive-wal.sh %p %f ${archiveDir}'`,
      archive_timeout: String(ARCHIVE_TIMEOUT_SEC),
      max_wal_senders: '4',
      fsync: 'on',
      ...(sized ? { shared_buffers: "'512MB'", max_wal_size: "'4GB'" } : {}),
    });
    primary.start();
    log(
      `primary on port ${primary.port}, archiving to ${archiveDir}${sized ? ' after the seed' : ''}`,
    );

    let db = await openClusterDb(primary);
    dbs.push(db);
    await migrate(db);
    let seeded: Awaited<ReturnType<typeof seedToSize>> | undefined;
    if (sized) {
      seeded = await seedToSize(primary, opts);
      await db.close();
      dbs.length = 0;
      appendSettings(primary.dataDir, { archive_mode: 'on' });
      primary.stop('fast');
      primary.start();
      db = await openClusterDb(primary);
      dbs.push(db);
    }
    const app = await appOver(db);
    const salon = await openSalon(app);
    const committed: Committed[] = [];
    for (let i = 0; i < TICKETS_BEFORE_BACKUP; i++) committed.push(await salon.sellTicket());
    log(`${committed.length} tickets closed; taking a base backup`);

    const backupStarted = now();
    const backupDir = asPostgres(
      `sh '${bin}/base-backup.sh' '${backupRoot}' 'host=127.0.0.1 port=${primary.port} user=postgres'`,
    )
      .trim()
      .split('\n')
      .at(-1)!;
    const backupSeconds = (now() - backupStarted) / 1000;
    const backupBytes = Number(asPostgres(`du -sb '${backupDir}'`).split(/\s/)[0]);
    log(
      `base backup ${backupDir} in ${backupSeconds.toFixed(1)} s, ${(backupBytes / 1024 ** 2).toFixed(0)} MiB`,
    );

    for (let i = 0; i < TICKETS_AFTER_BACKUP; i++) committed.push(await salon.sellTicket());
    const expected = await ticketsIn(db, salon.storeId);
    if (expected.ids.size !== committed.length)
      throw new Error('not every drill ticket was stored');
    log(`${committed.length} tickets closed in all, ${expected.paidCents} cents paid`);
    // Where the store's device stands before the disaster: a cursor past the restore point.
    const deviceBefore = await salon.pull(app, 0);
    if (deviceBefore.status !== 200 || !deviceBefore.epoch)
      throw new Error(`the device could not pull before the disaster: ${deviceBefore.status}`);

    // The disaster: one transaction deletes the store's sales. Its xid is the restore target.
    const archiverBefore = primary.psql(
      'select coalesce(extract(epoch from now() - last_archived_time), -1) from pg_stat_archiver',
    );
    // WAL written since the end of the last archived segment: what a lost primary takes with it.
    const unarchivedWalBytes = Number(
      primary
        .psql(
          `select coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(),
             (substr(w, 9, 8) || '/' || to_hex((('x' || substr(w, 17, 8))::bit(32)::bigint + 1) * 16777216))::pg_lsn), -1)
             from (select last_archived_wal as w from pg_stat_archiver) a`,
        )
        .trim(),
    );
    const destructiveXid = primary
      .psql(
        `begin;
         delete from payments where store_id = '${salon.storeId}';
         delete from ticket_lines where store_id = '${salon.storeId}';
         delete from tickets where store_id = '${salon.storeId}';
         select txid_current();
         commit;`,
      )
      .trim()
      .split('\n')
      .find((l) => /^\d+$/.test(l))!;
    const disasterAt = Date.now();
    const left = await ticketsIn(db, salon.storeId);
    if (left.ids.size !== 0) throw new Error('the destructive change did not happen');
    log(`destructive transaction ${destructiveXid} deleted every ticket`);
    await app.close();

    // Recovery. The RTO clock starts when the damage is known.
    const rtoStarted = now();
    // The damaged primary still runs: archive the segment holding the deletion, then retire it.
    const segment = primary.psql('select pg_walfile_name(pg_switch_wal())').trim();
    await waitFor('the current WAL segment to be archived', async () => {
      const archived = primary
        .psql("select coalesce(last_archived_wal, '') from pg_stat_archiver")
        .trim();
      return archived >= segment ? archived : undefined;
    });
    await db.close();
    dbs.length = 0;
    primary.stop('fast');

    const restoreStarted = now();
    const restoredData = path.join(primary.baseDir, 'restored');
    asPostgres(
      `sh '${bin}/restore-pitr.sh' '${backupDir}' '${archiveDir}' '${restoredData}' --xid '${destructiveXid}'`,
    );
    restored = clusterAt(primary.baseDir, restoredData, await freePort());
    // The restored copy must not archive into the old timeline's archive while it is checked.
    appendSettings(restoredData, { archive_mode: 'off' });
    const restoreSeconds = (now() - restoreStarted) / 1000;
    const replayStarted = now();
    restored.start();
    await waitFor('the restored server to finish recovery and promote', async () =>
      restored!.psql('select pg_is_in_recovery()').trim() === 'f' ? true : undefined,
    );
    const replaySeconds = (now() - replayStarted) / 1000;
    log(
      `restored the base backup in ${restoreSeconds.toFixed(1)} s, replayed and promoted in ${replaySeconds.toFixed(1)} s`,
    );
    const restoredDb = await openClusterDb(restored);
    dbs.push(restoredDb);
    const back = await ticketsIn(restoredDb, salon.storeId);
    // Runbook step (docs/OPERATIONS.md): new sync epochs before the restored database takes
    // traffic, so devices re-push what they sent after the target and hydrate again.
    const epochStores = await rotateSyncEpochs(restoredDb);
    const restoredApp = await appOver(restoredDb);
    const ready = await restoredApp.inject({ method: 'GET', url: '/readyz' });
    const stalePull = await salon.pull(restoredApp, deviceBefore.cursor ?? 0, deviceBefore.epoch);
    const freshPull = await salon.pull(restoredApp, 0);
    await restoredApp.close();
    const devicesSentBack =
      epochStores >= 1 &&
      stalePull.status === 409 &&
      stalePull.error?.code === 'RESYNC_REQUIRED' &&
      freshPull.status === 200 &&
      freshPull.epoch !== deviceBefore.epoch;
    const rtoSeconds = (now() - rtoStarted) / 1000;

    const missing = committed.filter((c) => !back.ids.has(c.ticketId));
    const rpoSeconds =
      missing.length === 0
        ? 0
        : (disasterAt - Math.min(...missing.map((m) => m.committedAt))) / 1000;
    const verified =
      missing.length === 0 &&
      back.paidCents === expected.paidCents &&
      ready.statusCode === 200 &&
      devicesSentBack;
    log(
      `restored ${back.ids.size}/${committed.length} tickets, ${back.paidCents}/${expected.paidCents} cents; /readyz ${ready.statusCode}; new sync epoch for ${epochStores} store(s), the device's old cursor got ${stalePull.status} ${stalePull.error?.code ?? ''} (${stalePull.error?.details?.reason ?? ''})`,
    );

    const result = {
      drill: 'recovery',
      at: new Date().toISOString(),
      machine: machineInfo(),
      postgres: restored.psql('show server_version').trim(),
      scenario:
        'one transaction deletes all tickets, lines and payments of a store; restore base backup + archived WAL to just before it (recovery_target_xid, exclusive)',
      ticketsBeforeBackup: TICKETS_BEFORE_BACKUP,
      ticketsAfterBackup: TICKETS_AFTER_BACKUP,
      ticketsRestored: back.ids.size,
      ticketsMissing: missing.length,
      paidCentsExpected: expected.paidCents,
      paidCentsRestored: back.paidCents,
      readyzAfterRestore: ready.statusCode,
      syncEpochStores: epochStores,
      staleCursorAfterRestore: { status: stalePull.status, code: stalePull.error?.code ?? null },
      verified,
      ...(seeded
        ? {
            sizeGbTarget: opts.sizeGb,
            seeded: {
              stores: seeded.stores,
              days: seeded.days,
              ticketsPerStore: seeded.ticketsPerStore,
              clientsPerStore: seeded.clientsPerStore,
              seconds: round(seeded.seedSeconds),
            },
          }
        : {}),
      databaseBytes: Number(restored.psql('select pg_database_size(current_database())').trim()),
      baseBackupSeconds: round(backupSeconds),
      baseBackupBytes: backupBytes,
      restoreSeconds: round(restoreSeconds),
      replayAndPromoteSeconds: round(replaySeconds),
      rpoSeconds: round(rpoSeconds),
      rtoSeconds: round(rtoSeconds),
      archiveTimeoutSeconds: ARCHIVE_TIMEOUT_SEC,
      unarchivedWalAgeAtDisasterSeconds: round(Number(archiverBefore)),
      unarchivedWalBytesAtDisaster: unarchivedWalBytes,
      objectives: OBJECTIVES,
      meetsObjectives:
        verified && rpoSeconds <= OBJECTIVES.rpoSeconds && rtoSeconds <= OBJECTIVES.rtoSeconds,
      goals: GOALS,
      meetsGoals: verified && rpoSeconds <= GOALS.rpoSeconds && rtoSeconds <= GOALS.rtoSeconds,
      totalSeconds: round((now() - started) / 1000),
    };
    const resultFile = sized ? `recovery-drill-${opts.sizeGb}gb.json` : 'recovery-drill.json';
    mkdirSync(RESULTS_DIR, { recursive: true });
    writeFileSync(path.join(RESULTS_DIR, resultFile), `${JSON.stringify(result, null, 2)}\n`);
    log(`wrote bench/results/${resultFile}`);
    if (!verified) {
      console.log(JSON.stringify(result, null, 2));
      process.exitCode = 1;
    }
    console.log(`RPO_SECONDS=${round(rpoSeconds)} RTO_SECONDS=${round(rtoSeconds)}`);
  } finally {
    for (const d of dbs) await d.close().catch(() => undefined);
    if (restored?.running()) restored.stop('immediate');
    primary.destroy();
  }
}

const round = (n: number) => Math.round(n * 10) / 10;

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
