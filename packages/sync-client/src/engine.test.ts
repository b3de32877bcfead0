import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isDomainError } from '@mango/domain/errors';
import {
  createSyncEngine,
  RETENTION_FIRST_DELAY_MS,
  type SyncEngine,
  type SyncEngineOptions,
} from './engine';
import { TransportError } from './errors';
import {
  alwaysLeader,
  FakeSyncServer,
  freshIdb,
  ManualTime,
  ownerActor,
  uid,
  waitFor,
} from './test-support/fake-server';
import { ana, manicure, seed, STORE_ID } from './test-support/fixtures';

const DEVICE = uid(503);
const engines: SyncEngine[] = [];

afterEach(async () => {
  for (const e of engines.splice(0)) await e.stop();
});

async function setup(over: Partial<SyncEngineOptions> = {}, server?: FakeSyncServer) {
  const srv = server ?? new FakeSyncServer(STORE_ID);
  if (!server) await srv.write(seed);
  const engine = createSyncEngine({
    storeId: STORE_ID,
    deviceId: DEVICE,
    transport: srv.transport(DEVICE),
    actor: ownerActor(DEVICE),
    broadcast: null,
    storage: null,
    leaderLock: alwaysLeader(),
    pushDelayMs: 0,
    retentionIntervalMs: 0,
    ...freshIdb(),
    ...over,
  });
  engines.push(engine);
  return { srv, engine };
}

/** No cycle running, none about to start (follow-ups run in microtasks after a cycle). */
async function settled(engine: SyncEngine) {
  await waitFor(() => !engine.status().syncing);
  await new Promise((r) => setTimeout(r, 20));
  await waitFor(() => !engine.status().syncing);
}

const ticketId = uid(70);
const checkout = async (engine: SyncEngine) => {
  await engine.mutate('ticket.open', { id: ticketId });
  await engine.mutate('ticket.addLine', {
    ticketId,
    lineId: uid(71),
    kind: 'service',
    itemId: manicure.id,
    staffId: ana.id,
  });
  const t = await engine.store.get('ticket', ticketId);
  const total = t?.totalCents ?? 0;
  await engine.mutate('ticket.addPayment', {
    ticketId,
    paymentId: uid(72),
    method: 'cash',
    amountCents: 1000,
  });
  await engine.mutate('ticket.addPayment', {
    ticketId,
    paymentId: uid(73),
    method: 'card',
    amountCents: total - 1000,
  });
  await engine.mutate('ticket.close', { ticketId });
  return total;
};

describe('sync engine', () => {
  it('hydrates, signals essentials, and syncs an offline checkout exactly once', async () => {
    const { srv, engine } = await setup();
    await engine.start();
    await engine.essentialsReady;
    await waitFor(() => engine.status().hydration.state === 'done');
    expect(await engine.store.get('service', manicure.id)).toMatchObject({ name: 'Manicure' });

    srv.down = true;
    await engine.syncNow();
    expect(engine.status().online).toBe(false);
    const total = await checkout(engine);
    expect(total).toBeGreaterThan(0);
    expect(await engine.store.get('ticket', ticketId)).toMatchObject({
      status: 'closed',
      paidCents: total,
    });
    await waitFor(() => engine.status().pendingCount === 5);
    // a card payment taken while offline counts toward the per-device offline total
    expect(engine.status().offlineCardPayments).toEqual({ count: 1, totalCents: total - 1000 });
    const failed = await engine.syncNow();
    expect(failed).toMatchObject({ ok: false, error: { code: 'NETWORK_ERROR', retryable: true } });

    srv.down = false;
    engine.nudge('online');
    await waitFor(() => engine.status().outboxCount === 0 && !engine.status().syncing);
    expect(srv.db.rows('ticket')).toHaveLength(1);
    expect(srv.db.rows('ticket')[0]).toMatchObject({ status: 'closed', paidCents: total });
    expect(
      srv.db
        .rows('payment')
        .map((p) => p.id)
        .sort(),
    ).toEqual([uid(72), uid(73)]);
    expect(srv.lastMutationIds.get(DEVICE)).toBe(5);
    expect(engine.status()).toMatchObject({ pendingCount: 0, online: true, lastError: null });
    expect(engine.status().offlineCardPayments).toEqual({ count: 0, totalCents: 0 });
    expect(await engine.store.get('ticket', ticketId)).toEqual(srv.db.rows('ticket')[0]);
  });

  it('rejects a locally refused mutation and stores nothing', async () => {
    const { engine } = await setup();
    await engine.start();
    await engine.essentialsReady;
    const err = await engine.mutate('ticket.close', { ticketId: uid(99) }).catch((e: unknown) => e);
    expect(isDomainError(err) && err.code).toBe('TICKET_NOT_FOUND');
    expect(await engine.store.outboxCount()).toBe(0);
  });

  it('puts server rejections on a persistent attention list until acknowledged', async () => {
    const { srv, engine } = await setup();
    await engine.start();
    await engine.syncNow();
    srv.down = true;
    await engine.mutate('client.upsert', { id: uid(41), firstName: 'Kim', lastName: 'Lee' });
    await engine.mutate('ticket.open', { id: ticketId, clientId: uid(41) });
    // meanwhile another device deletes the client: the server rejects the ticket
    await srv.write(async (db) => {
      await db.put('client', { id: uid(41), firstName: 'Kim', lastName: 'Lee' });
      await db.delete('client', uid(41));
    });
    // …and the server also applies this device's client.upsert only after the delete? No: the
    // client.upsert re-creates it. Use a mutation that the server must reject instead:
    await engine.mutate('ticket.addLine', {
      ticketId,
      lineId: uid(71),
      kind: 'service',
      itemId: manicure.id,
    });
    await srv.write(async (db) => db.put('service', { ...manicure, active: false }));
    srv.down = false;
    await engine.syncNow();
    const attention = await engine.attention();
    expect(attention.map((a) => a.code)).toContain('ITEM_INACTIVE');
    expect(attention[0]).toMatchObject({ name: 'ticket.addLine', args: { ticketId } });
    expect(engine.status().attentionCount).toBe(attention.length);
    expect(await engine.store.outboxCount()).toBe(0);
    // the view follows the server: no line on the ticket
    expect(await engine.store.list('ticketLine', { where: { ticketId } })).toEqual([]);
    await engine.acknowledge(attention[0]!.mutationId);
    await engine.syncNow(); // the server still lists it; it stays acknowledged
    expect(engine.status().attentionCount).toBe(attention.length - 1);
  });

  it('RESYNC_REQUIRED: pushes the outbox first, hydrates from 0, keeps pending work', async () => {
    const time = new ManualTime();
    const { srv, engine } = await setup({ clock: time.clock, timers: time.timers });
    await engine.start();
    await engine.syncNow();
    // A row the server deleted long ago whose tombstone is gone: only a full hydration removes it.
    const ghost = { id: uid(49), firstName: 'Ghost', lastName: '' };
    await engine.store.db.view.put({ e: 'client', id: uid(49), d: ghost, ix: [], v: 1, g: 1 });
    await srv.write(async (db) =>
      db.put('client', { id: uid(42), firstName: 'New', lastName: '' }),
    );
    await engine.mutate('client.upsert', { id: uid(43), firstName: 'Mine', lastName: '' });
    await waitFor(() => !engine.status().syncing); // the poke's pull is done
    srv.pruneBelow = srv.db.version; // tombstones older than now are gone
    await engine.store.db.view.put({ e: 'client', id: uid(49), d: ghost, ix: [], v: 1, g: 0 });
    await engine.store.db.meta.put({ key: 'cursor', value: 1 });
    srv.failures.push(
      new TransportError({ kind: 'network', code: 'NETWORK_ERROR', message: 'offline' }),
    );
    srv.calls.length = 0;
    expect((await engine.syncNow()).ok).toBe(false); // the push failed: nothing lost
    await engine.mutate('client.upsert', { id: uid(44), firstName: 'Mine2', lastName: '' });
    srv.calls.length = 0;
    expect(await engine.syncNow()).toEqual({ ok: true });
    const kinds = srv.calls.map((c) =>
      c.method === 'pull' ? `pull@${c.cursor === 0 ? 0 : 'n'}` : 'push',
    );
    expect(kinds.slice(0, 3)).toEqual(['push', 'pull@n', 'pull@0']);
    expect(await engine.store.get('client', uid(49))).toBeUndefined();
    expect(await engine.store.get('client', uid(42))).toMatchObject({ firstName: 'New' });
    expect(await engine.store.get('client', uid(43))).toMatchObject({ firstName: 'Mine' });
    expect(
      srv.db
        .rows('client')
        .map((c) => c.id)
        .sort(),
    ).toEqual([uid(42), uid(43), uid(44)]);
    expect(engine.status().hydration.state).toBe('done');
  });

  it('RESYNC_REQUIRED keeps mutations made during the re-hydration pending and re-applied', async () => {
    const { srv, engine } = await setup();
    await engine.start();
    await engine.syncNow();
    srv.pruneBelow = Number.MAX_SAFE_INTEGER;
    await engine.store.db.meta.put({ key: 'cursor', value: 1 });
    // a mutation lands in the outbox without being pushed (e.g. from another tab mid-cycle)
    await engine.store.enqueue({
      name: 'client.upsert',
      args: { id: uid(45), firstName: 'P', lastName: '' },
      actor: ownerActor(DEVICE),
      clientTime: new Date().toISOString(),
    });
    expect((await engine.syncNow()).ok).toBe(true);
    expect(await engine.store.get('client', uid(45))).toMatchObject({ firstName: 'P' });
    expect(srv.db.rows('client').map((c) => c.id)).toEqual([uid(45)]);
  });

  it('retries with backoff and honours Retry-After; 4xx pause until syncNow', async () => {
    const time = new ManualTime();
    const { srv, engine } = await setup({
      clock: time.clock,
      timers: time.timers,
      random: () => 0.5,
    });
    await engine.start();
    await engine.syncNow();
    await engine.mutate('client.upsert', { id: uid(41), firstName: 'A', lastName: '' });
    srv.failures.push(
      new TransportError({
        kind: 'http',
        status: 429,
        code: 'RATE_LIMITED',
        message: 'wait',
        retryAfterMs: 7000,
      }),
    );
    const r = await engine.syncNow();
    expect(r).toMatchObject({ ok: false, error: { code: 'RATE_LIMITED' } });
    expect(engine.status().nextRetryAt).toBe(new Date(time.nowMs + 7000).toISOString());
    const pushesBefore = srv.calls.filter((c) => c.method === 'push').length;
    time.advance(6999);
    await new Promise((r2) => setTimeout(r2, 20));
    expect(srv.calls.filter((c) => c.method === 'push').length).toBe(pushesBefore);
    time.advance(1);
    await waitFor(() => engine.status().pendingCount === 0);

    // network error → jittered backoff: random 0.5 × 500 ms (attempt 0), then × 1000 ms, …
    await settled(engine);
    await engine.mutate('client.upsert', { id: uid(42), firstName: 'B', lastName: '' });
    srv.down = true;
    await engine.syncNow();
    expect(Date.parse(engine.status().nextRetryAt!) - time.nowMs).toBe(250);
    time.advance(250);
    await waitFor(() => engine.status().nextRetryAt !== null && !engine.status().syncing);
    expect(Date.parse(engine.status().nextRetryAt!) - time.nowMs).toBe(500);

    // 400: permanent for that request; automatic triggers do not hammer the server
    await settled(engine);
    srv.down = false;
    srv.failures.push(
      new TransportError({ kind: 'http', status: 400, code: 'VALIDATION_FAILED', message: 'bad' }),
    );
    const bad = await engine.syncNow();
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'VALIDATION_FAILED', retryable: false },
    });
    const calls = srv.calls.length;
    engine.nudge('poke');
    time.advance(60_000);
    await new Promise((r2) => setTimeout(r2, 20));
    expect(srv.calls.length).toBe(calls);
    expect(await engine.store.unsyncedCount()).toBe(1); // kept, never dropped
    expect((await engine.syncNow()).ok).toBe(true);
    expect(await engine.store.unsyncedCount()).toBe(0);
  });

  it('an online nudge during a failing request retries at once, not after the backoff', async () => {
    const time = new ManualTime();
    const { srv, engine } = await setup({
      clock: time.clock,
      timers: time.timers,
      random: () => 0.5,
    });
    await engine.start();
    await engine.syncNow();
    await settled(engine);
    // The request is on the wire when the browser says the network is back; it then fails,
    // as a request sent before the network returned does.
    srv.latencyMs = 50;
    srv.failures.push(
      new TransportError({ kind: 'network', code: 'NETWORK_ERROR', message: 'offline' }),
    );
    await engine.mutate('client.upsert', { id: uid(43), firstName: 'C', lastName: '' });
    time.advance(0); // the push timer
    await waitFor(() => srv.calls.some((c) => c.method === 'push'));
    engine.nudge('online');
    // Manual time never advances past here: only an immediate retry can empty the outbox.
    await waitFor(() => engine.status().pendingCount === 0 && !engine.status().syncing);
    expect(srv.calls.filter((c) => c.method === 'push').length).toBe(2);
    expect(engine.status()).toMatchObject({ online: true, lastError: null, nextRetryAt: null });
  });

  it('opens the circuit after repeated server failures and recovers through half-open', async () => {
    const time = new ManualTime();
    const { srv, engine } = await setup({
      clock: time.clock,
      timers: time.timers,
      random: () => 0,
      breaker: { failureThreshold: 3, coolDownMs: 10_000 },
    });
    await engine.start();
    await engine.syncNow();
    const unavailable = () =>
      new TransportError({ kind: 'http', status: 503, code: 'UNAVAILABLE', message: 'x' });
    srv.failures.push(unavailable(), unavailable(), unavailable(), unavailable());
    for (let i = 0; i < 3; i++) await engine.syncNow();
    expect(engine.status().breaker).toBe('open');
    const calls = srv.calls.length;
    const r = await engine.syncNow();
    expect(r).toMatchObject({ ok: false, error: { code: 'CIRCUIT_OPEN' } });
    expect(srv.calls.length).toBe(calls); // not attempted
    expect(Date.parse(engine.status().nextRetryAt!) - time.nowMs).toBe(10_000);
    time.advance(10_000); // half-open probe fails (4th failure) → open again
    await waitFor(() => srv.calls.length === calls + 1 && !engine.status().syncing);
    expect(engine.status().breaker).toBe('open');
    time.advance(10_000); // probe succeeds → closed
    await waitFor(() => engine.status().breaker === 'closed' && engine.status().lastError === null);
  });

  it('refuses to clear local data with unsynced changes unless forced', async () => {
    const { srv, engine } = await setup();
    await engine.start();
    await engine.syncNow();
    srv.down = true;
    await engine.mutate('client.upsert', { id: uid(41), firstName: 'A', lastName: '' });
    const err = await engine.clearLocalData().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'UNSYNCED_CHANGES', details: { count: 1 } });
    await engine.clearLocalData({ force: true });
    expect(engine.status().role).toBe('stopped');
  });

  it('runs the first retention minutes after taking over, never during a hydration', async () => {
    const srv = new FakeSyncServer(STORE_ID);
    await srv.write(seed);
    const time = new ManualTime();
    const inner = srv.transport(DEVICE);
    let release: () => void = () => {};
    const held = new Promise<void>((r) => (release = r));
    const { engine } = await setup(
      {
        clock: time.clock,
        timers: time.timers,
        retentionIntervalMs: 6 * 3_600_000,
        transport: {
          ...inner,
          pull: async (params, signal) => {
            await held; // a hydration that takes a while
            return inner.pull(params, signal);
          },
        },
      },
      srv,
    );
    let runs = 0;
    engine.store.runRetention = async () => {
      runs += 1;
      return { tickets: 0, ticketLines: 0, payments: 0, refunds: 0, appointments: 0 };
    };
    await engine.start();
    await waitFor(() => engine.status().hydration.state === 'running');
    time.advance(60_000);
    expect(runs).toBe(0); // not a minute in, as before
    time.advance(RETENTION_FIRST_DELAY_MS);
    expect(runs).toBe(0); // the hydration is still running: postponed
    release();
    await waitFor(() => engine.status().hydration.state === 'done');
    time.advance(RETENTION_FIRST_DELAY_MS);
    await waitFor(() => runs === 1);
  });

  it('reports hydration progress from the poked target version', async () => {
    const srv = new FakeSyncServer(STORE_ID);
    await srv.write(seed);
    await srv.write(async (db) => {
      for (let i = 0; i < 20; i++)
        await db.put('client', { id: uid(100 + i), firstName: `C${i}`, lastName: '' });
    });
    const { engine } = await setup({ transport: srv.transport(DEVICE, 4) }, srv);
    const seen: (number | null)[] = [];
    engine.subscribe((s) => {
      if (s.hydration.state === 'running') seen.push(s.hydration.percent);
    });
    // the poke stream sends the current version on connect, which becomes the target
    await engine.start();
    await waitFor(() => engine.status().hydration.state === 'done');
    expect(engine.status().hydration).toMatchObject({
      rows: 23,
      percent: 100,
      essentialsReady: true,
    });
    const known = seen.filter((p): p is number => p !== null);
    expect(known.length).toBeGreaterThan(2);
    expect([...known].sort((a, b) => a - b)).toEqual(known);
    expect(Math.max(...known)).toBeLessThan(100);
  });

  it('two engines on one IndexedDB: one leader, no mutation pushed twice at once, each applied once', async () => {
    const srv = new FakeSyncServer(STORE_ID);
    await srv.write(seed);
    srv.latencyMs = 15;
    const idb = freshIdb();
    const mk = () => {
      const e = createSyncEngine({
        storeId: STORE_ID,
        deviceId: DEVICE,
        transport: srv.transport(DEVICE),
        actor: ownerActor(DEVICE),
        broadcast: null,
        storage: null,
        pushDelayMs: 0,
        retentionIntervalMs: 0,
        pollIntervalMs: 30,
        ...idb,
      });
      engines.push(e);
      return e;
    };
    const a = mk();
    const b = mk();
    await Promise.all([a.start(), b.start()]);
    // the lease is taken by exactly one of them
    await waitFor(() => [a, b].filter((e) => e.status().role === 'leader').length === 1);
    await a.essentialsReady.catch(() => {});
    await waitFor(async () => (await a.store.get('store', STORE_ID)) !== undefined);
    const writes: Promise<unknown>[] = [];
    for (let i = 0; i < 30; i++) {
      const e = i % 2 ? a : b;
      writes.push(
        e.mutate('client.upsert', { id: uid(200 + i), firstName: `N${i}`, lastName: '' }),
      );
      if (i % 5 === 0) e.nudge('focus');
    }
    await Promise.all(writes);
    a.nudge('focus');
    b.nudge('focus');
    await waitFor(() => srv.lastMutationIds.get(DEVICE) === 30, 10_000);
    expect(srv.overlaps).toBe(0);
    expect(srv.db.rows('client')).toHaveLength(30);
    const pushedIds = srv.calls.filter((c) => c.method === 'push').flatMap((c) => c.ids ?? []);
    expect(new Set(pushedIds).size).toBe(30);
  });

  it('a follower takes over when the leader stops (lease expiry)', async () => {
    const srv = new FakeSyncServer(STORE_ID);
    await srv.write(seed);
    const idb = freshIdb();
    const mk = () => {
      const e = createSyncEngine({
        storeId: STORE_ID,
        deviceId: DEVICE,
        transport: srv.transport(DEVICE),
        actor: ownerActor(DEVICE),
        broadcast: null,
        storage: null,
        pushDelayMs: 0,
        retentionIntervalMs: 0,
        ...idb,
      });
      engines.push(e);
      return e;
    };
    const a = mk();
    await a.start();
    await waitFor(() => a.status().role === 'leader');
    const b = createSyncEngine({
      storeId: STORE_ID,
      deviceId: DEVICE,
      transport: srv.transport(DEVICE),
      actor: ownerActor(DEVICE),
      broadcast: null,
      storage: null,
      retentionIntervalMs: 0,
      ...idb,
    });
    engines.push(b);
    await b.start();
    expect(b.status().role).toBe('follower');
    await a.stop(); // releases the lease
    await waitFor(() => b.status().role === 'leader', 8000);
  });
});

describe('poke deltas (docs/SYNC.md "Pokes carry the delta")', () => {
  /** A hydrated engine on a server whose pokes carry their rows; calls counted from here. */
  async function live() {
    const { srv, engine } = await setup();
    srv.deltas = true;
    await engine.start();
    await waitFor(() => engine.status().hydration.state === 'done');
    await settled(engine);
    srv.calls.length = 0;
    return { srv, engine };
  }
  const pulls = (srv: FakeSyncServer) => srv.calls.filter((c) => c.method === 'pull');
  const client = (n: number, firstName = `Client ${n}`) => ({
    id: uid(n),
    firstName,
    lastName: '',
  });

  it('applies a delta that continues the cursor without pulling (rows and tombstones)', async () => {
    const { srv, engine } = await live();
    await srv.write(async (db) => db.put('client', client(600)));
    await waitFor(() => engine.status().cursor === srv.db.version);
    await settled(engine);
    expect(pulls(srv)).toEqual([]);
    expect(await engine.store.get('client', uid(600))).toEqual(client(600));

    await srv.write(async (db) => {
      await db.put('client', client(601, 'Theirs'));
      await db.delete('client', uid(600));
    });
    await waitFor(() => engine.status().cursor === srv.db.version);
    await settled(engine);
    expect(srv.calls).toEqual([]);
    expect(await engine.store.get('client', uid(600))).toBeUndefined();
    expect(await engine.store.get('client', uid(601))).toEqual(client(601, 'Theirs'));
  });

  it('pulls when a delta does not continue the cursor (a poke was missed)', async () => {
    const { srv, engine } = await live();
    const cursor = engine.status().cursor;
    // Written without a poke: its version is a gap before the next delta.
    await srv.db.transaction(async () => srv.db.put('client', client(610)));
    await srv.write(async (db) => db.put('client', client(611)));
    await waitFor(() => engine.status().cursor === srv.db.version);
    await settled(engine);
    expect(pulls(srv).map((c) => c.cursor)).toEqual([cursor]);
    expect(await engine.store.get('client', uid(610))).toEqual(client(610));
    expect(await engine.store.get('client', uid(611))).toEqual(client(611));
  });

  it('pulls when a delta belongs to another epoch (the store was restored)', async () => {
    const { srv, engine } = await live();
    await engine.store.db.meta.put({ key: 'epoch', value: 'an-older-history' });
    await srv.write(async (db) => db.put('client', client(620)));
    await waitFor(() => engine.status().cursor === srv.db.version);
    await settled(engine);
    expect(pulls(srv)).toHaveLength(1);
  });

  it('still pulls after a push of its own, though the pokes carry every row', async () => {
    // Manual timers: the push timer of the mutation never fires, the poke's cycle pushes it.
    const time = new ManualTime();
    const { srv, engine } = await setup({ clock: time.clock, timers: time.timers });
    srv.deltas = true;
    await engine.start();
    await engine.syncNow();
    await settled(engine);
    await engine.mutate('client.upsert', { id: uid(630), firstName: 'Pushed', lastName: '' });
    srv.calls.length = 0;
    await srv.write(async (db) => db.put('client', client(631)));
    await waitFor(() => engine.status().outboxCount === 0);
    await settled(engine);
    expect(srv.calls.map((c) => c.method)).toEqual(['push', 'pull']);
    expect(engine.status()).toMatchObject({ pendingCount: 0, cursor: srv.db.version });
    expect(await engine.store.get('client', uid(631))).toEqual(client(631));
  });

  it('any interleaving of delta pokes, bare pokes and missed pokes converges; only deltas: no pull', async () => {
    const op = fc.constantFrom('delta', 'bare', 'missed');
    await fc.assert(
      fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 6 }), async (ops) => {
        const { srv, engine } = await live();
        let n = 700;
        for (const kind of ops) {
          const row = client(n++);
          if (kind === 'missed') {
            await srv.db.transaction(async () => srv.db.put('client', row));
            continue;
          }
          srv.deltas = kind === 'delta';
          await srv.write(async (db) => db.put('client', row));
          await settled(engine);
        }
        // A last delta poke: a device on the stream ends at the server's state.
        srv.deltas = true;
        await srv.write(async (db) => db.put('client', client(n++)));
        await waitFor(() => engine.status().cursor === srv.db.version);
        await settled(engine);
        const mine = await engine.store.list('client');
        expect(mine).toEqual(srv.db.rows('client'));
        if (ops.every((k) => k === 'delta')) expect(pulls(srv)).toEqual([]);
        await engine.stop();
      }),
      { numRuns: 12 },
    );
  });
});
