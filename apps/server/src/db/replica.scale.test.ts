import { randomUUID } from 'node:crypto';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  appendSettings,
  clusterAt,
  createPgCluster,
  pgTool,
  type PgCluster,
  waitUntil,
} from '../../../../test-support/pg-cluster';
import { freePort } from '../../../../test-support/server-process';
import { withDatabase } from '../scale/test-support/scale-db';
import {
  json,
  makeTestApp,
  MutationLog,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { openDb, type Db } from './db';
import { migrate } from './migrate';
import { createMemoryWritePositions, createReplicaReads, type ReadRouter } from './replica';

const MAX_LAG_MS = 1000;

interface Page {
  items: { id: string }[];
}

const serviceUpsert = (log: MutationLog, id: string) =>
  log.make('service.upsert', {
    id,
    name: 'Polish',
    durationMin: 15,
    priceCents: 2000,
    taxable: false,
  });

function closedTicket(log: MutationLog, serviceId: string) {
  const ticketId = randomUUID();
  return {
    ticketId,
    mutations: [
      log.make('ticket.open', { id: ticketId }),
      log.make('ticket.addLine', {
        ticketId,
        lineId: randomUUID(),
        kind: 'service',
        itemId: serviceId,
      }),
      log.make('ticket.addPayment', {
        ticketId,
        paymentId: randomUUID(),
        method: 'cash',
        amountCents: 2000,
      }),
      log.make('ticket.close', { ticketId }),
    ],
  };
}

describe('reads on a real streaming replica', () => {
  let primary: PgCluster;
  let standby: PgCluster | undefined;
  let primaryDb: Db;
  let replicaDb: Db;
  let reads: ReadRouter;
  let app: FastifyInstance;

  const open = (url: string) =>
    openDb({
      kind: 'postgres',
      url: withDatabase(url, 'mango', 'mango_app'),
      ownerUrl: withDatabase(url, 'mango'),
      poolMax: 4,
      connectionTimeoutMs: 5_000,
      statementTimeoutMs: 30_000,
      idleTimeoutMs: 1_000,
    });

  const replicaTickets = (storeId: string) =>
    Number(
      standby!
        .psql(
          `select count(*) from tickets where store_id = '${storeId}' and closed_at is not null`,
          'mango',
        )
        .trim(),
    );

  const history = async (store: TestStore) => {
    const res = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/tickets`,
      headers: store.auth,
    });
    expect(res.statusCode, res.body).toBe(200);
    return json<Page>(res).items.map((t) => t.id);
  };

  beforeAll(async () => {
    primary = await createPgCluster({
      prefix: 'mango-replica-',
      settings: { wal_level: 'replica', max_wal_senders: '4', hot_standby: 'on' },
    });
    primary.start();
    primary.psql('create database mango');
    primaryDb = await open(primary.url());
    await migrate(primaryDb);

    const standbyDir = path.join(primary.baseDir, 'standby');
    pgTool('pg_basebackup', [
      ...['-D', standbyDir, '-R', '-X', 'stream', '-c', 'fast'],
      ...['-h', '127.0.0.1', '-p', String(primary.port), '-U', 'postgres'],
    ]);
    const standbyPort = await freePort();
    appendSettings(standbyDir, { port: String(standbyPort) });
    standby = clusterAt(primary.baseDir, standbyDir, standbyPort);
    standby.start();
    await waitUntil('the standby', async () => {
      if (standby!.psql('select pg_is_in_recovery()').trim() !== 't') throw new Error('primary?');
    });
    replicaDb = await open(standby.url());
    reads = createReplicaReads({
      primary: primaryDb,
      replica: replicaDb,
      positions: createMemoryWritePositions(),
      maxLagMs: MAX_LAG_MS,
      waitMs: 300,
      healthCheckMs: 50,
    });
    // No read cache: every history read goes through the router.
    app = await makeTestApp(primaryDb, { reads, env: { READ_CACHE: 'false' } });
  });

  afterAll(async () => {
    await app?.close();
    await replicaDb?.close();
    await primaryDb?.close();
    try {
      if (standby?.running()) standby.stop('immediate');
    } finally {
      // Both data directories live under the primary's temp dir.
      primary?.destroy();
    }
  });

  it('serves history from the replica, and a device’s read after its own write sees it', async () => {
    const store = await signupStore(app, 'Replicated');
    const log = new MutationLog(store.deviceId);
    const serviceId = randomUUID();
    const service = serviceUpsert(log, serviceId);
    const first = closedTicket(log, serviceId);
    await push(app, store, store.deviceId, [service, ...first.mutations]);
    // Read-your-writes: the replica has it already or the read waited for it.
    expect(await history(store)).toEqual([first.ticketId]);
    await waitUntil('replay', async () => {
      if (replicaTickets(store.storeId) !== 1) throw new Error('not replayed yet');
    });
    const before = reads.stats();
    expect(await history(store)).toEqual([first.ticketId]);
    expect(reads.stats().replicaReads).toBe(before.replicaReads + 1);

    // The replica stops replaying: the next write is on the primary only.
    standby!.psql('select pg_wal_replay_pause()');
    const second = closedTicket(log, serviceId);
    const res = await push(app, store, store.deviceId, second.mutations);
    expect(res.statusCode).toBe(200);
    expect(replicaTickets(store.storeId)).toBe(1);
    const behind = reads.stats();
    expect((await history(store)).sort()).toEqual([first.ticketId, second.ticketId].sort());
    // Found behind (it waited) or already past the lag bound: either way, read on the primary.
    expect(reads.stats().primaryReads).toBe(behind.primaryReads + 1);
    expect(reads.stats().replicaReads).toBe(behind.replicaReads);

    standby!.psql('select pg_wal_replay_resume()');
    await waitUntil('replay', async () => {
      if (replicaTickets(store.storeId) !== 2) throw new Error('not replayed yet');
    });
    const caughtUp = reads.stats();
    expect((await history(store)).sort()).toEqual([first.ticketId, second.ticketId].sort());
    expect(reads.stats().replicaReads).toBe(caughtUp.replicaReads + 1);
  });

  it('waits for the replica to replay a device’s own write, then reads it there', async () => {
    // A patient router: lag bound and wait long enough that only replay decides.
    const patient = createReplicaReads({
      primary: primaryDb,
      replica: replicaDb,
      positions: createMemoryWritePositions(),
      maxLagMs: 600_000,
      waitMs: 60_000,
      healthCheckMs: 50,
    });
    const app2 = await makeTestApp(primaryDb, { reads: patient, env: { READ_CACHE: 'false' } });
    try {
      const store = await signupStore(app2, 'Patient');
      const log = new MutationLog(store.deviceId);
      const serviceId = randomUUID();
      const service = serviceUpsert(log, serviceId);
      const ticket = closedTicket(log, serviceId);
      standby!.psql('select pg_wal_replay_pause()');
      let resumed = false;
      try {
        await push(app2, store, store.deviceId, [service, ...ticket.mutations]);
        expect(replicaTickets(store.storeId)).toBe(0);
        const reading = app2.inject({
          method: 'GET',
          url: `/api/v1/stores/${store.storeId}/tickets`,
          headers: store.auth,
        });
        await waitUntil('the read to wait', async () => {
          if (patient.stats().waitedForReplica !== 1) throw new Error('not waiting');
        });
        standby!.psql('select pg_wal_replay_resume()');
        resumed = true;
        const res = await reading;
        expect(json<Page>(res).items.map((t) => t.id)).toEqual([ticket.ticketId]);
        expect(patient.stats()).toMatchObject({ replicaReads: 1, primaryReads: 0 });
      } finally {
        if (!resumed) standby!.psql('select pg_wal_replay_resume()');
      }
    } finally {
      await app2.close();
    }
  });

  it('skips a replica lagging beyond the bound, for every store', async () => {
    const quiet = await signupStore(app, 'Quiet');
    const busy = await signupStore(app, 'Busy');
    const log = new MutationLog(busy.deviceId);
    await waitUntil('replay', async () => {
      await history(quiet);
      if (reads.stats().replicaReads === 0) throw new Error('no replica read');
    });
    standby!.psql('select pg_wal_replay_pause()');
    try {
      await push(app, busy, busy.deviceId, [
        log.make('client.upsert', { id: randomUUID(), firstName: 'A', lastName: 'B' }),
      ]);
      // The replica is now behind by more than the bound (a wait, not a timing assertion).
      await new Promise((r) => setTimeout(r, MAX_LAG_MS + 300));
      const before = reads.stats();
      await history(quiet);
      await history(quiet);
      expect(reads.stats().replicaReads).toBe(before.replicaReads);
      expect(reads.stats().primaryReads).toBe(before.primaryReads + 2);
    } finally {
      standby!.psql('select pg_wal_replay_resume()');
    }
  });

  it('reads the primary when the replica is down', async () => {
    const store = await signupStore(app, 'Outage');
    const log = new MutationLog(store.deviceId);
    const serviceId = randomUUID();
    const service = serviceUpsert(log, serviceId);
    const ticket = closedTicket(log, serviceId);
    await push(app, store, store.deviceId, [service, ...ticket.mutations]);
    standby!.stop('immediate');
    const before = reads.stats();
    expect(await history(store)).toEqual([ticket.ticketId]);
    expect(await history(store)).toEqual([ticket.ticketId]);
    expect(reads.stats().replicaReads).toBe(before.replicaReads);
    expect(reads.stats().primaryReads).toBe(before.primaryReads + 2);
  });
});
