import { randomUUID } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { applyMutation, createMemoryStore, isDomainError, type MemoryStore } from '@mango/domain';
import { pushRequestSchema } from '@mango/protocol';

/**
 * An in-memory stand-in for the server, speaking the same protocol (sign-up, devices, push, pull),
 * running the shared domain mutators over a memory store per store. For the load generator's own
 * tests only; it can inject failures (a 503 after committing, to exercise retries and `unknown`).
 */
export interface FakeServer {
  url: string;
  close(): Promise<void>;
  /** Every n-th push commits, then answers 503 as if the answer was lost. */
  failEvery: number;
  /** Sent as Retry-After (seconds) with those 503s, as the real server does; unset: none. */
  retryAfterSec?: number;
  /** When each push arrived and its status, per device (performance.now()). */
  pushLog: { deviceId: string; at: number; status: number }[];
  stores: Map<
    string,
    { db: MemoryStore; devices: Map<string, number>; rejected: Map<string, number[]> }
  >;
}

export async function startFakeServer(): Promise<FakeServer> {
  const tokens = new Map<string, string>(); // token → storeId
  const stores: FakeServer['stores'] = new Map();
  let pushes = 0;
  const fake: FakeServer = { url: '', failEvery: 0, stores, pushLog: [], close: async () => {} };

  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      void (async () => {
        const send = (status: number, data: unknown, headers: Record<string, string> = {}) => {
          res.writeHead(status, { 'content-type': 'application/json', ...headers });
          res.end(JSON.stringify(data));
        };
        const url = new URL(req.url ?? '/', 'http://x');
        if (url.pathname === '/api/v1/auth/signup') {
          const storeId = randomUUID();
          const input = JSON.parse(body) as { taxRatePpm?: number };
          const db = createMemoryStore();
          await db.put('store', {
            id: storeId,
            organizationId: randomUUID(),
            name: 'Fake',
            currency: 'USD',
            taxRatePpm: input.taxRatePpm ?? 0,
            timeZone: 'America/New_York',
            plan: 'pro',
            fullTurnThresholdCents: 0,
            offlineCardMaxPerPaymentCents: 0,
            offlineCardMaxPerDeviceCents: 0,
          });
          stores.set(storeId, { db, devices: new Map(), rejected: new Map() });
          const token = randomUUID().replace(/-/g, '');
          tokens.set(token, storeId);
          return send(201, {
            accessToken: token,
            refreshToken: `r${token}`,
            user: { id: randomUUID(), email: 'x@y.z', organizationId: randomUUID() },
            stores: [{ id: storeId, name: 'Fake', role: 'owner' }],
          });
        }
        const m = /^\/api\/v1\/stores\/([^/]+)\/(devices|sync\/push|sync\/pull)$/.exec(
          url.pathname,
        );
        const storeId = m?.[1] ?? '';
        const store = stores.get(storeId);
        const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
        if (!m || !store) return send(404, { error: { code: 'NOT_FOUND', message: 'no' } });
        if (!auth || tokens.get(auth) !== storeId)
          return send(403, { error: { code: 'FORBIDDEN', message: 'no' } });
        if (m[2] === 'devices') {
          const { deviceId } = JSON.parse(body) as { deviceId: string };
          if (!store.devices.has(deviceId)) store.devices.set(deviceId, 0);
          return send(201, { deviceId });
        }
        if (m[2] === 'sync/push') {
          const push = pushRequestSchema.parse(JSON.parse(body));
          let last = store.devices.get(push.deviceId) ?? 0;
          const results = [];
          for (const mut of push.mutations) {
            if (mut.id <= last) {
              results.push({ id: mut.id, status: 'duplicate' });
              continue;
            }
            if (mut.id > last + 1) break;
            try {
              await store.db.transaction((tx) =>
                applyMutation(
                  {
                    tx,
                    storeId,
                    actor: { userId: null, staffId: null, role: 'owner', deviceId: push.deviceId },
                    now: mut.clientTime,
                  },
                  mut.name,
                  mut.args,
                ),
              );
              results.push({ id: mut.id, status: 'applied' });
            } catch (e) {
              if (!isDomainError(e)) throw e;
              store.rejected.set(push.deviceId, [
                ...(store.rejected.get(push.deviceId) ?? []),
                mut.id,
              ]);
              results.push({
                id: mut.id,
                status: 'rejected',
                error: { code: e.code, message: e.message },
              });
            }
            last = mut.id;
          }
          store.devices.set(push.deviceId, last);
          pushes++;
          const lost = fake.failEvery > 0 && pushes % fake.failEvery === 0;
          fake.pushLog.push({
            deviceId: push.deviceId,
            at: performance.now(),
            status: lost ? 503 : 200,
          });
          if (lost)
            return send(
              503,
              { error: { code: 'UNAVAILABLE', message: 'lost answer' } },
              fake.retryAfterSec === undefined ? {} : { 'retry-after': String(fake.retryAfterSec) },
            );
          return send(200, { lastMutationId: last, results });
        }
        const deviceId = url.searchParams.get('deviceId') ?? '';
        const cursor = Number(url.searchParams.get('cursor') ?? 0);
        const limit = Number(url.searchParams.get('limit') ?? 1000);
        const all = Object.entries(store.db.snapshot()).flatMap(([entity, rows]) =>
          Object.entries(rows ?? {}).map(([id, r]) => ({
            entity,
            id,
            version: r.version,
            deleted: r.deleted,
            data: r.data as Record<string, unknown> | null,
          })),
        );
        const changes = all.filter((c) => c.version > cursor).sort((a, b) => a.version - b.version);
        const page = changes.slice(0, limit);
        return send(200, {
          cursor: page.at(-1)?.version ?? cursor,
          hasMore: changes.length > limit,
          lastMutationId: store.devices.get(deviceId) ?? 0,
          changes: page,
          rejections: (store.rejected.get(deviceId) ?? []).map((id) => ({
            id,
            code: 'X',
            message: 'x',
          })),
        });
      })().catch((e: unknown) => {
        res.writeHead(500);
        res.end(JSON.stringify({ error: { code: 'INTERNAL', message: String(e) } }));
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  fake.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  fake.close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return fake;
}
