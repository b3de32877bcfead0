import net from 'node:net';
import type { FastifyInstance } from 'fastify';
import { MAX_PULL_LIMIT, MAX_PUSH_BYTES } from '@mango/protocol';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import {
  json,
  makeTestApp,
  MutationLog,
  pull,
  push,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import { snapshotStore } from './test-support/hostile';

const MAX_STREAMS = 3;

/** Opens an event stream over a real socket; resolves once the response headers are in. */
async function openStream(baseUrl: string, store: TestStore) {
  const abort = new AbortController();
  const res = await fetch(`${baseUrl}/api/v1/stores/${store.storeId}/sync/events`, {
    headers: store.auth,
    signal: abort.signal,
  });
  return {
    res,
    close: () => {
      abort.abort();
      res.body?.cancel().catch(() => {});
    },
  };
}

/**
 * Limits that keep one tenant, or one attacker, from exhausting the server: event streams per
 * store, pull page size, mutations per push, body size, and slow clients that trickle bytes.
 */
describeEachEngine('abuse limits', (getDb) => {
  let app: FastifyInstance;
  let baseUrl: string;
  let a: TestStore;
  let b: TestStore;

  beforeAll(async () => {
    app = await makeTestApp(getDb(), {
      env: {
        SSE_MAX_STREAMS_PER_STORE: String(MAX_STREAMS),
        HTTP_HEADERS_TIMEOUT_MS: '1000',
        HTTP_REQUEST_TIMEOUT_MS: '2000',
      },
    });
    baseUrl = await app.listen({ port: 0, host: '127.0.0.1' });
    a = await signupStore(app, 'Abuser');
    b = await signupStore(app, 'Neighbour');
  });
  afterAll(async () => {
    await app.close();
  });

  describe('event streams per store', () => {
    it(`serves ${MAX_STREAMS} streams to a store, refuses the next with 429, and frees a slot on close`, async () => {
      const open = [];
      for (let i = 0; i < MAX_STREAMS; i++) {
        const stream = await openStream(baseUrl, a);
        expect(stream.res.status).toBe(200);
        open.push(stream);
      }
      const refused = await fetch(`${baseUrl}/api/v1/stores/${a.storeId}/sync/events`, {
        headers: a.auth,
      });
      expect(refused.status).toBe(429);
      expect(refused.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(((await refused.json()) as { error: { code: string } }).error.code).toBe(
        'RATE_LIMITED',
      );

      // Another store is not affected by A's streams.
      const neighbour = await openStream(baseUrl, b);
      expect(neighbour.res.status).toBe(200);
      neighbour.close();

      open.pop()!.close();
      // The server notices the closed socket asynchronously: retry until the slot is free.
      let again: Awaited<ReturnType<typeof openStream>> | undefined;
      for (let attempt = 0; attempt < 100; attempt++) {
        again = await openStream(baseUrl, a);
        if (again.res.status === 200) break;
        again.close();
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(again?.res.status).toBe(200);
      again?.close();
      for (const stream of open) stream.close();
    });
  });

  describe('request sizes', () => {
    it(`caps a pull page at ${MAX_PULL_LIMIT} changes`, async () => {
      const over = await pull(app, a, a.deviceId, 0, MAX_PULL_LIMIT + 1);
      expect(over.statusCode).toBe(400);
      expect(json<{ error: { code: string; message: string } }>(over).error).toMatchObject({
        code: 'VALIDATION_FAILED',
        message: expect.stringContaining('limit'),
      });
      expect((await pull(app, a, a.deviceId, 0, MAX_PULL_LIMIT)).statusCode).toBe(200);
    });

    it('refuses more than 500 mutations in one push with 413 and applies none of them', async () => {
      const before = await snapshotStore(getDb(), a.storeId);
      const log = new MutationLog(a.deviceId);
      const mutations = Array.from({ length: 501 }, (_, i) =>
        log.make('client.upsert', { id: crypto.randomUUID(), firstName: `C${i}` }),
      );
      const res = await push(app, a, a.deviceId, mutations);
      expect(res.statusCode).toBe(413);
      expect(json<{ error: { code: string } }>(res).error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await snapshotStore(getDb(), a.storeId)).toEqual(before);
    });

    it('refuses a body over 1 MiB with 413 before parsing it', async () => {
      const before = await snapshotStore(getDb(), a.storeId);
      const payload = JSON.stringify({
        deviceId: a.deviceId,
        schemaVersion: 1,
        mutations: [],
        pad: 'x'.repeat(MAX_PUSH_BYTES),
      });
      const res = await app.inject({
        method: 'POST',
        url: `/api/v1/stores/${a.storeId}/sync/push`,
        headers: { ...a.auth, 'content-type': 'application/json' },
        payload,
      });
      expect(res.statusCode).toBe(413);
      expect(json<{ error: { code: string } }>(res).error.code).toBe('PAYLOAD_TOO_LARGE');
      expect(await snapshotStore(getDb(), a.storeId)).toEqual(before);
    });
  });

  describe('slow clients (slowloris)', () => {
    it('keeps serving while 100 sockets trickle headers and bodies, and closes those sockets itself', async () => {
      const { port } = new URL(baseUrl);
      const sockets: { socket: net.Socket; closedByServer: Promise<void> }[] = [];
      const tricklers: NodeJS.Timeout[] = [];
      for (let i = 0; i < 100; i++) {
        const socket = net.connect(Number(port), '127.0.0.1');
        socket.on('error', () => {});
        const closedByServer = new Promise<void>((resolve) =>
          socket.once('close', () => resolve()),
        );
        const slowBody = i % 2 === 1;
        socket.write(
          slowBody
            ? `POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n{`
            : `GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: `,
        );
        // One byte at a time, never finishing: each byte alone would reset an idle timeout.
        tricklers.push(setInterval(() => socket.writable && socket.write('a'), 200));
        sockets.push({ socket, closedByServer });
      }
      try {
        const served = await fetch(`${baseUrl}/healthz`);
        expect(served.status).toBe(200);
        const session = await fetch(
          `${baseUrl}/api/v1/stores/${a.storeId}/sync/pull?deviceId=${a.deviceId}&cursor=0`,
          {
            headers: a.auth,
          },
        );
        expect(session.status).toBe(200);
        // Every trickling socket is closed by the server's header/request timeouts, not by us.
        await Promise.all(sockets.map((s) => s.closedByServer));
        expect(sockets.every((s) => s.socket.destroyed)).toBe(true);
        expect((await fetch(`${baseUrl}/healthz`)).status).toBe(200);
      } finally {
        for (const t of tricklers) clearInterval(t);
        for (const s of sockets) s.socket.destroy();
      }
    });
  });
});
