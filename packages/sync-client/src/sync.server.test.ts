import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ServerProcess, startServer } from '../../../test-support/server-process';
import {
  createSyncEngine,
  type SnapshotTraceEvent,
  type SyncEngine,
  type SyncEngineOptions,
} from './engine';
import { createHttpTransport, type GetAccessToken } from './http-transport';
import type { FetchLike } from './env';
import { freshIdb, waitFor } from './test-support/fake-server';

const adminUrl = process.env.TEST_DATABASE_URL ?? process.env.DATABASE_URL;
/**
 * A database of this file's own on PostgreSQL: the server migrates what it is given, and the
 * shared admin database must never carry migrations of a checkout that has not landed (a later
 * run of another checkout would fail their checksums).
 */
const scratchDb = adminUrl
  ? `mango_synccli_${crypto.randomUUID().replace(/-/g, '').slice(0, 12)}`
  : null;
const psql = (sql: string) =>
  execFileSync('psql', [adminUrl!, '-v', 'ON_ERROR_STOP=1', '-qc', sql], { stdio: 'pipe' });
function scratchUrl(): string {
  const u = new URL(adminUrl!);
  u.pathname = `/${scratchDb}`;
  return u.toString();
}
// The demo seed is not needed here (and skipping it keeps start-up fast).
const serverEnv: Record<string, string> = {
  DEMO_SEED: 'false',
  ...(scratchDb ? { DATABASE_URL: scratchUrl() } : {}),
};

interface Session {
  accessToken: string;
  refreshToken: string;
  storeId: string;
}

async function api<T>(url: string, init: RequestInit & { token?: string } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  headers.set('Content-Type', 'application/json');
  if (init.token) headers.set('Authorization', `Bearer ${init.token}`);
  const res = await fetch(url, { ...init, headers });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? 'GET'} ${url} → ${res.status}: ${text}`);
  return JSON.parse(text) as T;
}

async function signup(baseUrl: string): Promise<Session> {
  const body = await api<{ accessToken: string; refreshToken: string; stores: { id: string }[] }>(
    `${baseUrl}/api/v1/auth/signup`,
    {
      method: 'POST',
      body: JSON.stringify({
        organizationName: 'Mango Test Salon',
        storeName: 'Main Street',
        email: `owner-${crypto.randomUUID()}@example.com`,
        password: 'correct horse battery',
      }),
    },
  );
  return {
    accessToken: body.accessToken,
    refreshToken: body.refreshToken,
    storeId: body.stores[0]!.id,
  };
}

async function registerDevice(baseUrl: string, s: Session, name: string): Promise<string> {
  const deviceId = crypto.randomUUID();
  await api(`${baseUrl}/api/v1/stores/${s.storeId}/devices`, {
    method: 'POST',
    token: s.accessToken,
    body: JSON.stringify({ deviceId, name }),
  });
  return deviceId;
}

/** A switchable network in front of the real fetch, with a hook on each push. */
function network() {
  const state = { offline: false, onPush: (() => {}) as () => void };
  const fetchImpl: FetchLike = async (input, init) => {
    if (state.offline) throw new TypeError('fetch failed (offline)');
    if (input.includes('/sync/push')) state.onPush();
    return fetch(input, init);
  };
  return { state, fetchImpl };
}

function makeEngine(
  baseUrl: string,
  s: Session,
  deviceId: string,
  fetchImpl: FetchLike,
  overrides: Partial<SyncEngineOptions> = {},
): SyncEngine {
  const getAccessToken: GetAccessToken = async ({ forceRefresh }) => {
    if (forceRefresh) {
      const r = await api<{ accessToken: string; refreshToken: string }>(
        `${baseUrl}/api/v1/auth/refresh`,
        {
          method: 'POST',
          body: JSON.stringify({ refreshToken: s.refreshToken }),
        },
      );
      s.accessToken = r.accessToken;
      s.refreshToken = r.refreshToken;
    }
    return s.accessToken;
  };
  return createSyncEngine({
    storeId: s.storeId,
    deviceId,
    transport: createHttpTransport({
      baseUrl,
      storeId: s.storeId,
      deviceId,
      getAccessToken,
      fetch: fetchImpl,
      timeoutMs: 10_000,
    }),
    actor: { userId: null, staffId: null, role: 'owner', deviceId },
    broadcast: null,
    storage: null,
    pushDelayMs: 0,
    retentionIntervalMs: 0,
    backoff: { baseMs: 200, maxMs: 1500 },
    breaker: { failureThreshold: 50, coolDownMs: 1000 },
    ...freshIdb(),
    ...overrides,
  });
}

/** What the server holds for the store: a pull from 0 by a second device. */
async function serverState(baseUrl: string, s: Session) {
  const deviceId = await registerDevice(baseUrl, s, 'Checker');
  const t = createHttpTransport({
    baseUrl,
    storeId: s.storeId,
    deviceId,
    getAccessToken: async () => s.accessToken,
  });
  const rows = new Map<string, Record<string, unknown>>();
  let cursor = 0;
  for (;;) {
    const page = await t.pull({ cursor });
    for (const c of page.changes) {
      if (c.deleted || !c.data) rows.delete(`${c.entity}:${c.id}`);
      else rows.set(`${c.entity}:${c.id}`, c.data);
    }
    cursor = page.cursor;
    if (!page.hasMore) break;
  }
  const of = (entity: string) =>
    [...rows.entries()].filter(([k]) => k.startsWith(`${entity}:`)).map(([, v]) => v);
  return { of };
}

const ids = () => ({
  staff: crypto.randomUUID(),
  service: crypto.randomUUID(),
  ticket: crypto.randomUUID(),
  line: crypto.randomUUID(),
  cash: crypto.randomUUID(),
  card: crypto.randomUUID(),
});

async function seedCatalog(engine: SyncEngine, id: ReturnType<typeof ids>) {
  await engine.mutate('staff.upsert', {
    id: id.staff,
    displayName: 'Ana',
    role: 'technician',
    active: true,
  });
  await engine.mutate('service.upsert', {
    id: id.service,
    name: 'Manicure',
    durationMin: 30,
    priceCents: 2500,
    taxable: true,
  });
  const r = await engine.syncNow();
  expect(r).toEqual({ ok: true });
}

async function offlineCheckout(engine: SyncEngine, id: ReturnType<typeof ids>): Promise<number> {
  await engine.mutate('ticket.open', { id: id.ticket });
  await engine.mutate('ticket.addLine', {
    ticketId: id.ticket,
    lineId: id.line,
    kind: 'service',
    itemId: id.service,
    staffId: id.staff,
  });
  const total = (await engine.store.get('ticket', id.ticket))!.totalCents;
  await engine.mutate('ticket.addPayment', {
    ticketId: id.ticket,
    paymentId: id.cash,
    method: 'cash',
    amountCents: 1000,
  });
  await engine.mutate('ticket.addPayment', {
    ticketId: id.ticket,
    paymentId: id.card,
    method: 'card',
    amountCents: total - 1000,
    // no `offline: true` (taken as an online card payment); the
    // engine still counts it in the offline total because it was taken while offline
  });
  await engine.mutate('ticket.close', { ticketId: id.ticket });
  return total;
}

describe('sync against the real server', () => {
  let server: ServerProcess;
  let dataDir: string;

  beforeAll(async () => {
    if (scratchDb) psql(`create database "${scratchDb}"`);
    dataDir = mkdtempSync(path.join(os.tmpdir(), 'mango-sync-client-'));
    server = await startServer(serverEnv, { dataDir });
  });
  afterAll(async () => {
    await server?.stop();
    rmSync(dataDir, { recursive: true, force: true });
    if (scratchDb) psql(`drop database if exists "${scratchDb}" with (force)`);
  });

  it('offline checkout → reconnect → exactly one ticket and its payments on the server', async () => {
    const s = await signup(server.url);
    const deviceId = await registerDevice(server.url, s, 'Front desk');
    const net = network();
    const engine = makeEngine(server.url, s, deviceId, net.fetchImpl);
    try {
      await engine.start();
      await engine.essentialsReady;
      expect(await engine.store.get('store', s.storeId)).toBeDefined();
      const id = ids();
      await seedCatalog(engine, id);

      net.state.offline = true;
      engine.setOnline(false);
      const total = await offlineCheckout(engine, id);
      expect(await engine.store.get('ticket', id.ticket)).toMatchObject({ status: 'closed' });
      expect(engine.status().pendingCount).toBe(5);
      expect(engine.status().offlineCardPayments.totalCents).toBe(total - 1000);

      net.state.offline = false;
      engine.nudge('online');
      await waitFor(() => engine.status().outboxCount === 0 && !engine.status().syncing, 30_000);
      expect(await engine.attention()).toEqual([]);

      const state = await serverState(server.url, s);
      const tickets = state.of('ticket');
      expect(tickets).toHaveLength(1);
      expect(tickets[0]).toMatchObject({
        id: id.ticket,
        status: 'closed',
        totalCents: total,
        paidCents: total,
      });
      const payments = state.of('payment');
      expect(payments.map((p) => p['id']).sort()).toEqual([id.cash, id.card].sort());
      // the device's view equals the server's
      expect(await engine.store.get('ticket', id.ticket)).toEqual(tickets[0]);
      // older history comes from the server on demand
      const history = await engine.fetchHistoryPage(null, 10);
      expect(history.items.map((t) => t['id'])).toEqual([id.ticket]);
      expect(history.items[0]?.['payments']).toHaveLength(2);
    } finally {
      await engine.stop();
    }
  });

  it('server killed mid-push and restarted on the same data → no duplicate, no loss', async () => {
    const s = await signup(server.url);
    const deviceId = await registerDevice(server.url, s, 'Front desk');
    const net = network();
    const engine = makeEngine(server.url, s, deviceId, net.fetchImpl);
    try {
      await engine.start();
      await engine.essentialsReady;
      const id = ids();
      await seedCatalog(engine, id);

      net.state.offline = true;
      engine.setOnline(false);
      const clients = Array.from({ length: 200 }, () => crypto.randomUUID());
      for (const [i, c] of clients.entries()) {
        await engine.mutate('client.upsert', { id: c, firstName: `Client ${i}`, lastName: 'Test' });
      }
      const total = await offlineCheckout(engine, id);
      const lastId = (await engine.store.outbox()).at(-1)!.id;

      let killed: Promise<void> | null = null;
      net.state.onPush = () => {
        if (killed) return;
        // SIGKILL while the push is in flight: it may or may not have committed.
        killed = new Promise((r) => setTimeout(r, 15)).then(() => server.kill());
      };
      net.state.offline = false;
      engine.nudge('online');
      await waitFor(() => killed !== null, 10_000);
      await killed;
      await waitFor(() => engine.status().lastError !== null, 10_000);
      expect(await engine.store.outboxCount()).toBeGreaterThan(0);
      server = await startServer(serverEnv, { port: server.port, dataDir });
      engine.nudge('online');
      await waitFor(() => engine.status().outboxCount === 0 && !engine.status().syncing, 60_000);

      expect(await engine.attention()).toEqual([]);
      const state = await serverState(server.url, s);
      const onServer = state.of('client').map((c) => c['id']);
      expect(new Set(onServer).size).toBe(onServer.length);
      expect([...onServer].sort()).toEqual([...clients].sort());
      const tickets = state.of('ticket');
      expect(tickets).toHaveLength(1);
      expect(tickets[0]).toMatchObject({ status: 'closed', paidCents: total });
      expect(state.of('payment')).toHaveLength(2);
      expect((await engine.store.readMeta()).ackedMutationId).toBe(lastId);
    } finally {
      await engine.stop();
    }
  });
  it('two tabs (two engines on one IndexedDB) never push the same mutation at once; each is applied once', async () => {
    const s = await signup(server.url);
    const deviceId = await registerDevice(server.url, s, 'Front desk');
    const inFlight = new Set<number>();
    let overlaps = 0;
    const pushedIds: number[] = [];
    // Both tabs' requests go through here, so a mutation in two concurrent pushes is seen.
    const fetchImpl: FetchLike = async (input, init) => {
      if (!input.includes('/sync/push')) return fetch(input, init);
      const ids = (JSON.parse(String(init?.body)) as { mutations: { id: number }[] }).mutations.map(
        (m) => m.id,
      );
      for (const id of ids) if (inFlight.has(id)) overlaps++;
      ids.forEach((id) => inFlight.add(id));
      pushedIds.push(...ids);
      try {
        return await fetch(input, init);
      } finally {
        ids.forEach((id) => inFlight.delete(id));
      }
    };
    const idb = freshIdb();
    const tabs = [0, 1].map(() => makeEngine(server.url, s, deviceId, fetchImpl, idb));
    try {
      await Promise.all(tabs.map((t) => t.start()));
      await waitFor(() => tabs.filter((t) => t.status().role === 'leader').length === 1, 10_000);
      const clients = Array.from({ length: 40 }, () => crypto.randomUUID());
      await Promise.all(
        clients.map((id, i) =>
          tabs[i % 2]!.mutate('client.upsert', { id, firstName: `Client ${i}`, lastName: 'Tab' }),
        ),
      );
      tabs.forEach((t) => t.nudge('focus'));
      await waitFor(async () => (await tabs[0]!.store.outboxCount()) === 0, 30_000);

      expect(overlaps).toBe(0);
      const state = await serverState(server.url, s);
      expect(
        state
          .of('client')
          .map((c) => c['id'])
          .sort(),
      ).toEqual([...clients].sort());
      // every mutation id reached the server; a resend after a lost answer would be a duplicate
      expect(new Set(pushedIds).size).toBe(clients.length);
    } finally {
      await Promise.all(tabs.map((t) => t.stop()));
    }
  });

  it('the circuit opens while the server is down and closes once it is back, then the outbox drains', async () => {
    const s = await signup(server.url);
    const deviceId = await registerDevice(server.url, s, 'Front desk');
    const engine = makeEngine(server.url, s, deviceId, (input, init) => fetch(input, init), {
      breaker: { failureThreshold: 3, coolDownMs: 500 },
      backoff: { baseMs: 20, maxMs: 100 },
    });
    try {
      await engine.start();
      await engine.essentialsReady;
      await server.stop();
      const id = crypto.randomUUID();
      await engine.mutate('client.upsert', { id, firstName: 'Kim', lastName: 'Le' });
      for (let i = 0; i < 3; i++) await engine.syncNow();
      expect(engine.status().breaker).toBe('open');
      expect(await engine.syncNow()).toMatchObject({ ok: false, error: { code: 'CIRCUIT_OPEN' } });

      server = await startServer(serverEnv, { port: server.port, dataDir });
      await waitFor(
        async () =>
          engine.status().breaker === 'closed' && (await engine.store.outboxCount()) === 0,
        30_000,
      );
      const state = await serverState(server.url, s);
      expect(state.of('client').map((c) => c['id'])).toEqual([id]);
    } finally {
      await engine.stop();
    }
  });
  it('a 429 with Retry-After from the server is honoured, and everything lands once', async () => {
    // A second server with the plan's request limits on, counted over a 3 s window.
    const limitedDir = mkdtempSync(path.join(os.tmpdir(), 'mango-sync-client-429-'));
    const limited = await startServer(
      { ...serverEnv, API_RATE_LIMITS: 'true', RATE_LIMIT_WINDOW_SEC: '3' },
      { dataDir: limitedDir },
    );
    const seen: { at: number; status: number; retryAfterSec: number | null }[] = [];
    const fetchImpl: FetchLike = async (input, init) => {
      const res = await fetch(input, init);
      if (!input.includes('/sync/events')) {
        const ra = res.headers.get('retry-after');
        seen.push({ at: Date.now(), status: res.status, retryAfterSec: ra ? Number(ra) : null });
      }
      return res;
    };
    const s = await signup(limited.url);
    const deviceId = await registerDevice(limited.url, s, 'Front desk');
    const engine = makeEngine(limited.url, s, deviceId, fetchImpl, { pushMaxMutations: 1 });
    try {
      await engine.start();
      await engine.essentialsReady;
      engine.setOnline(false);
      const clients = Array.from({ length: 30 }, () => crypto.randomUUID());
      for (const [i, id] of clients.entries())
        await engine.mutate('client.upsert', { id, firstName: `Client ${i}`, lastName: 'Busy' });
      engine.nudge('online');
      await waitFor(async () => (await engine.store.outboxCount()) === 0, 60_000);

      const refused = seen.findIndex((r) => r.status === 429);
      expect(refused, 'the free plan allows 20 requests per device per window').toBeGreaterThan(0);
      const { at, retryAfterSec } = seen[refused]!;
      expect(retryAfterSec).toBeGreaterThan(0);
      // The engine waited at least what the server asked before its next request.
      expect(seen[refused + 1]!.at - at).toBeGreaterThanOrEqual(retryAfterSec! * 1000 - 20);
      const state = await serverState(limited.url, s);
      expect(
        state
          .of('client')
          .map((c) => c['id'])
          .sort(),
      ).toEqual([...clients].sort());
    } finally {
      await engine.stop();
      await limited.stop();
      rmSync(limitedDir, { recursive: true, force: true });
    }
  });

  it('hydrates a big store by the snapshot: cut midway, another device writes, the resume converges', async () => {
    const s = await signup(server.url);
    const writer = await registerDevice(server.url, s, 'Writer');
    const pushAs = async (mutations: { id: number; name: string; args: unknown }[]) => {
      const res = await api<{ results: { status: string }[] }>(
        `${server.url}/api/v1/stores/${s.storeId}/sync/push`,
        {
          method: 'POST',
          token: s.accessToken,
          body: JSON.stringify({
            deviceId: writer,
            schemaVersion: 1,
            mutations: mutations.map((m) => ({ ...m, clientTime: new Date().toISOString() })),
          }),
        },
      );
      expect(res.results.every((r) => r.status === 'applied')).toBe(true);
    };
    let nextId = 1;
    const make = (name: string, args: Record<string, unknown>) => ({ id: nextId++, name, args });
    await pushAs([
      make('staff.upsert', {
        id: crypto.randomUUID(),
        displayName: 'Ana',
        role: 'technician',
        active: true,
      }),
      make('service.upsert', {
        id: crypto.randomUUID(),
        name: 'Manicure',
        durationMin: 30,
        priceCents: 2500,
        taxable: true,
      }),
    ]);
    const CLIENTS = 3000;
    for (let i = 0; i < CLIENTS; i += 500) {
      await pushAs(
        Array.from({ length: 500 }, (_, j) =>
          make('client.upsert', {
            id: crypto.randomUUID(),
            firstName: `C${i + j}`,
            lastName: 'Big',
          }),
        ),
      );
    }

    const deviceId = await registerDevice(server.url, s, 'New tablet');
    const requests: string[] = [];
    let renamed: string | null = null;
    let added: string | null = null;
    const fetchImpl: FetchLike = async (input, init) => {
      requests.push(input);
      const res = await fetch(input, init);
      if (!input.includes('/sync/snapshot') || renamed !== null) return res;
      // The first snapshot: its lines up to the first chunk of clients, then the connection
      // drops. Before it drops, another device renames a client of that chunk and adds one.
      const lines = (await res.text()).split('\n').filter((l) => l.length > 0);
      const at = lines.findIndex((l) => l.includes('"entity":"client"'));
      const chunk = JSON.parse(lines[at]!) as { rows: { id: string }[] };
      const kept = lines.slice(0, at + 1);
      const encoder = new TextEncoder();
      const body = new ReadableStream<Uint8Array>({
        async pull(ctrl) {
          const next = kept.shift();
          if (next !== undefined) {
            ctrl.enqueue(encoder.encode(next + '\n'));
            return;
          }
          renamed = chunk.rows[0]!.id;
          added = crypto.randomUUID();
          await pushAs([
            make('client.upsert', { id: renamed, firstName: 'Renamed', lastName: 'Big' }),
            make('client.upsert', { id: added, firstName: 'Late', lastName: 'Comer' }),
          ]);
          ctrl.error(new TypeError('terminated'));
        },
      });
      return new Response(body, {
        status: 200,
        headers: { 'content-type': 'application/x-ndjson' },
      });
    };
    const trace: SnapshotTraceEvent[] = [];
    const engine = makeEngine(server.url, s, deviceId, fetchImpl, {
      snapshotBatchRows: 500,
      onSnapshotTrace: (e) => trace.push(e),
    });
    const progress: number[] = [];
    engine.subscribe((st) => {
      if (st.hydration.percent !== null) progress.push(st.hydration.percent);
    });
    try {
      await engine.start();
      await engine.essentialsReady;
      await waitFor(() => engine.status().hydration.state === 'done', 60_000);

      const snapshots = requests.filter((u) => u.includes('/sync/snapshot'));
      expect(snapshots).toHaveLength(2);
      expect(snapshots[1]).toContain('resume=');
      // No paged hydration: every pull continues from a snapshot cursor.
      expect(requests.filter((u) => u.includes('/sync/pull') && u.includes('cursor=0&'))).toEqual(
        [],
      );
      expect(progress.some((p) => p > 0 && p < 100)).toBe(true);
      // The trace the bench reads: each attempt's request, head and essentials marker (a
      // resumed part after the marker gets it again), one end; every client in a traced batch.
      const kinds = trace.map((e) => e.kind).filter((k) => k !== 'batch');
      expect(kinds).toEqual([
        'request',
        'head',
        'essentials',
        'request',
        'head',
        'essentials',
        'end',
      ]);
      const batches = trace.filter((e) => e.kind === 'batch');
      expect(batches.reduce((n, b) => n + (b.entities['client'] ?? 0), 0)).toBeGreaterThanOrEqual(
        CLIENTS,
      );
      expect(batches.every((b) => b.rows > 0 && b.writeMs >= 0)).toBe(true);
      expect(trace.map((e) => e.at)).toEqual([...trace.map((e) => e.at)].sort((a, b) => a - b));

      // Converged: the device holds exactly the server's rows, the rename included (it reached
      // the device only through the pull from the OLDEST cursor of the snapshot's parts).
      const state = await serverState(server.url, s);
      for (const entity of ['client', 'staff', 'service', 'store'] as const) {
        const local = await engine.store.list(entity);
        const byId = (rows: Record<string, unknown>[]) =>
          [...rows].sort((a, b) => String(a['id']).localeCompare(String(b['id'])));
        expect(byId(local as unknown as Record<string, unknown>[]), entity).toEqual(
          byId(state.of(entity)),
        );
      }
      expect(await engine.store.count('client')).toBe(CLIENTS + 1);
      expect(await engine.store.get('client', renamed!)).toMatchObject({ firstName: 'Renamed' });
      expect(await engine.store.get('client', added!)).toBeDefined();
      const meta = await engine.store.readMeta();
      expect(meta).toMatchObject({ hydrated: true, hydrating: false, snapshot: null });
    } finally {
      await engine.stop();
    }
  });

  it('a restart midway through the snapshot resumes from the token kept in IndexedDB', async () => {
    const s = await signup(server.url);
    const deviceId = await registerDevice(server.url, s, 'New tablet');
    const seeder = makeEngine(server.url, s, await registerDevice(server.url, s, 'Seeder'), fetch);
    try {
      await seeder.start();
      await seeder.essentialsReady;
      for (let i = 0; i < 1200; i++) {
        await seeder.mutate('client.upsert', {
          id: crypto.randomUUID(),
          firstName: `R${i}`,
          lastName: 'Restart',
        });
      }
      await seeder.syncNow();
      await waitFor(async () => (await seeder.store.outboxCount()) === 0, 30_000);
    } finally {
      await seeder.stop();
    }
    const idb = freshIdb();
    // First run: the stream stalls after its first chunk of clients, and the app is closed.
    const stalling: FetchLike = async (input, init) => {
      const res = await fetch(input, init);
      if (!input.includes('/sync/snapshot')) return res;
      const lines = (await res.text()).split('\n').filter((l) => l.length > 0);
      const at = lines.findIndex((l) => l.includes('"entity":"client"'));
      const kept = lines.slice(0, at + 1).map((l) => new TextEncoder().encode(l + '\n'));
      const body = new ReadableStream<Uint8Array>({
        pull: (ctrl) =>
          kept.length > 0
            ? ctrl.enqueue(kept.shift()!)
            : new Promise<void>((resolve) =>
                init?.signal?.addEventListener('abort', () => {
                  ctrl.error(new TypeError('aborted'));
                  resolve();
                }),
              ),
      });
      return new Response(body, { status: 200 });
    };
    const first = makeEngine(server.url, s, deviceId, stalling, { ...idb, snapshotBatchRows: 200 });
    await first.start();
    // Every row the stream let through is written (batches of 200 slice the 1,200-client chunk;
    // the token moves past the chunk with its last slice).
    await waitFor(async () => {
      const snap = (await first.store.readMeta()).snapshot;
      return snap?.resume != null && snap.rows >= 1201;
    }, 20_000);
    const kept = (await first.store.readMeta()).snapshot!;
    await first.stop();
    expect(kept.rows).toBeGreaterThan(0);

    const requests: string[] = [];
    const second = makeEngine(
      server.url,
      s,
      deviceId,
      (input, init) => {
        requests.push(input);
        return fetch(input, init);
      },
      idb,
    );
    try {
      await second.start();
      await waitFor(() => second.status().hydration.state === 'done', 30_000);
      const snapshots = requests.filter((u) => u.includes('/sync/snapshot'));
      expect(snapshots).toHaveLength(1);
      expect(snapshots[0]).toContain(`resume=${encodeURIComponent(kept.resume!)}`);
      expect(await second.store.count('client')).toBe(1200);
    } finally {
      await second.stop();
    }
  });

  it('an older server without the snapshot (404): the device hydrates with pulls', async () => {
    const s = await signup(server.url);
    const deviceId = await registerDevice(server.url, s, 'Front desk');
    const requests: string[] = [];
    const fetchImpl: FetchLike = async (input, init) => {
      requests.push(input);
      if (input.includes('/sync/snapshot')) {
        return new Response('{"error":{"code":"NOT_FOUND","message":"Route not found"}}', {
          status: 404,
          headers: { 'content-type': 'application/json' },
        });
      }
      return fetch(input, init);
    };
    const engine = makeEngine(server.url, s, deviceId, fetchImpl);
    try {
      await engine.start();
      await engine.essentialsReady;
      await waitFor(() => engine.status().hydration.state === 'done', 30_000);
      expect(await engine.store.get('store', s.storeId)).toBeDefined();
      expect(requests.filter((u) => u.includes('/sync/snapshot'))).toHaveLength(1);
      expect(requests.some((u) => u.includes('/sync/pull') && u.includes('cursor=0&'))).toBe(true);
      expect(engine.status().lastError).toBeNull();
    } finally {
      await engine.stop();
    }
  });

  it('pokes carry the delta: device B applies device A’s checkout without a pull; a too big or a missed delta makes it pull', async () => {
    const s = await signup(server.url);
    const net = network();
    const a = makeEngine(
      server.url,
      s,
      await registerDevice(server.url, s, 'Desk A'),
      net.fetchImpl,
    );
    // Device B counts its pulls, and can lose the next poke of its event stream.
    const pulls: string[] = [];
    const stream = { dropNext: false };
    const fetchB: FetchLike = async (input, init) => {
      if (input.includes('/sync/pull')) pulls.push(input);
      const res = await fetch(input, init);
      if (!input.includes('/sync/events') || !res.body) return res;
      const decoder = new TextDecoder();
      const body = res.body.pipeThrough(
        new TransformStream<Uint8Array, Uint8Array>({
          transform(chunk, out) {
            if (stream.dropNext && decoder.decode(chunk).includes('event: version')) {
              stream.dropNext = false;
              return;
            }
            out.enqueue(chunk);
          },
        }),
      );
      return new Response(body, { status: res.status, headers: res.headers });
    };
    const b = makeEngine(server.url, s, await registerDevice(server.url, s, 'Desk B'), fetchB);
    const converged = () =>
      waitFor(
        () =>
          a.status().outboxCount === 0 &&
          !a.status().syncing &&
          !b.status().syncing &&
          b.status().cursor === a.status().cursor,
        30_000,
      );
    try {
      await a.start();
      await a.essentialsReady;
      await b.start();
      await waitFor(() => b.status().hydration.state === 'done', 30_000);
      const id = ids();
      await seedCatalog(a, id);
      await converged();
      // B's stream is open (it received the catalog); from here B's pulls are counted.
      await new Promise((r) => setTimeout(r, 200));
      pulls.length = 0;

      // A's checkout, online: each push's poke carries its rows.
      await offlineCheckout(a, id);
      await converged();
      expect(pulls).toEqual([]);
      const ticket = await a.store.get('ticket', id.ticket);
      expect(ticket).toMatchObject({ status: 'closed' });
      expect(await b.store.get('ticket', id.ticket)).toEqual(ticket);
      expect(await b.store.get('payment', id.card)).toEqual(await a.store.get('payment', id.card));

      // Too big for a poke (> 16 KiB in one push): B pulls it.
      net.state.offline = true;
      a.setOnline(false);
      const notes = 'n'.repeat(500);
      for (let i = 0; i < 40; i++) {
        await a.mutate('client.upsert', {
          id: crypto.randomUUID(),
          firstName: `Big${i}`,
          lastName: 'N',
          notes,
        });
      }
      net.state.offline = false;
      a.nudge('online');
      await converged();
      expect(pulls).toHaveLength(1);
      expect(await b.store.count('client')).toBe(40);

      // A missed poke: the next delta does not continue B's cursor, so B pulls.
      await new Promise((r) => setTimeout(r, 100));
      pulls.length = 0;
      stream.dropNext = true;
      await a.mutate('client.upsert', { id: crypto.randomUUID(), firstName: 'Lost', lastName: '' });
      await waitFor(() => a.status().outboxCount === 0 && !a.status().syncing, 30_000);
      await waitFor(() => !stream.dropNext, 30_000);
      await new Promise((r) => setTimeout(r, 300));
      expect(pulls).toEqual([]);
      expect(b.status().cursor).toBeLessThan(a.status().cursor);
      await a.mutate('client.upsert', { id: crypto.randomUUID(), firstName: 'Next', lastName: '' });
      await converged();
      expect(pulls).toHaveLength(1);
      expect(await b.store.count('client')).toBe(42);
    } finally {
      await a.stop();
      await b.stop();
    }
  });
});
