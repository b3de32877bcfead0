import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pushRequestSchema } from '@mango/protocol';
import { createHttpTransport, type GetAccessToken } from './http-transport';
import { TransportError } from './errors';
import { startScriptedServer } from './test-support/scripted-http';
import { uid, waitFor } from './test-support/fake-server';

const STORE = uid(9200);
const DEVICE = uid(502);
const mutation = (id: number) => ({
  id,
  name: 'client.upsert',
  args: { id: uid(id), firstName: 'A', lastName: 'B' },
  clientTime: '2026-11-24T15:00:00.000Z',
});
const okPush = (last: number) => ({
  status: 200,
  body: { lastMutationId: last, results: [{ id: last, status: 'applied' }] },
});

let srv: Awaited<ReturnType<typeof startScriptedServer>>;
let tokens: { forceRefresh: boolean }[];
let token = 'tok-1';
const getAccessToken: GetAccessToken = async (o) => {
  tokens.push(o);
  if (o.forceRefresh) token = `tok-${tokens.length}`;
  return token;
};

beforeEach(async () => {
  srv = await startScriptedServer();
  tokens = [];
  token = 'tok-1';
});
afterEach(async () => srv.close());

const transport = (timeoutMs = 2000) =>
  createHttpTransport({
    baseUrl: srv.url,
    storeId: STORE,
    deviceId: DEVICE,
    getAccessToken,
    timeoutMs,
  });

async function failure(p: Promise<unknown>): Promise<TransportError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(TransportError);
  return e as TransportError;
}

describe('http transport', () => {
  it('pushes to the protocol route with the bearer token and a valid body', async () => {
    srv.script.push(okPush(1));
    const res = await transport().push([mutation(1)]);
    expect(res).toEqual({ lastMutationId: 1, results: [{ id: 1, status: 'applied' }] });
    const [req] = srv.requests;
    expect(req).toMatchObject({
      method: 'POST',
      url: `/api/v1/stores/${STORE}/sync/push`,
      authorization: 'Bearer tok-1',
    });
    expect(pushRequestSchema.parse(JSON.parse(req!.body))).toMatchObject({
      deviceId: DEVICE,
      schemaVersion: 1,
    });
  });

  it('pulls with deviceId, cursor and limit and validates the answer', async () => {
    srv.script.push({
      status: 200,
      body: { cursor: 9, hasMore: false, lastMutationId: 0, changes: [], rejections: [] },
    });
    await transport().pull({ cursor: 7, limit: 50 });
    expect(srv.requests[0]?.url).toBe(
      `/api/v1/stores/${STORE}/sync/pull?deviceId=${DEVICE}&cursor=7&limit=50`,
    );
    srv.script.push({ status: 200, body: { cursor: 'nine' } });
    expect(await failure(transport().pull({ cursor: 0 }))).toMatchObject({
      kind: 'invalid-response',
      retryable: false,
    });
  });

  it('429 carries Retry-After and is retryable but not a server failure', async () => {
    srv.script.push({
      status: 429,
      headers: { 'Retry-After': '5' },
      body: { error: { code: 'RATE_LIMITED', message: 'slow down' } },
    });
    const e = await failure(transport().push([mutation(1)]));
    expect(e).toMatchObject({
      status: 429,
      code: 'RATE_LIMITED',
      retryAfterMs: 5000,
      retryable: true,
      isServerFailure: false,
    });
  });

  it('503 is retryable, a server failure, with Retry-After', async () => {
    srv.script.push({
      status: 503,
      headers: { 'Retry-After': '2' },
      body: { error: { code: 'UNAVAILABLE', message: 'db down' } },
    });
    expect(await failure(transport().push([mutation(1)]))).toMatchObject({
      retryAfterMs: 2000,
      retryable: true,
      isServerFailure: true,
    });
  });

  it('a dropped connection is a retryable network error', async () => {
    srv.script.push({ drop: true });
    expect(await failure(transport().push([mutation(1)]))).toMatchObject({
      kind: 'network',
      retryable: true,
    });
  });

  it('a slow answer times out (AbortController) and is retryable', async () => {
    srv.script.push({ ...okPush(1), delayMs: 1500 });
    const started = Date.now();
    expect(await failure(transport(200).push([mutation(1)]))).toMatchObject({
      kind: 'timeout',
      retryable: true,
    });
    expect(Date.now() - started).toBeLessThan(1400);
  });

  it('401: refreshes the token and retries the same mutation ids once', async () => {
    srv.script.push(
      { status: 401, body: { error: { code: 'TOKEN_EXPIRED', message: 'expired' } } },
      okPush(2),
    );
    await transport().push([mutation(1), mutation(2)]);
    expect(tokens).toEqual([{ forceRefresh: false }, { forceRefresh: true }]);
    expect(srv.requests.map((r) => r.authorization)).toEqual(['Bearer tok-1', 'Bearer tok-2']);
    expect(srv.requests[0]?.body).toBe(srv.requests[1]?.body);
  });

  it('401 after a refresh is permanent (sign in again)', async () => {
    srv.script.push({ status: 401 }, { status: 401 });
    expect(await failure(transport().push([mutation(1)]))).toMatchObject({
      status: 401,
      code: 'UNAUTHENTICATED',
      retryable: false,
    });
  });

  it('4xx is permanent, with the protocol error code', async () => {
    srv.script.push({
      status: 400,
      body: { error: { code: 'VALIDATION_FAILED', message: 'bad', details: [1] } },
    });
    expect(await failure(transport().push([mutation(1)]))).toMatchObject({
      code: 'VALIDATION_FAILED',
      retryable: false,
      details: [1],
    });
  });

  it('fetches a history page with before/limit', async () => {
    srv.script.push({ status: 200, body: { items: [{ id: 'x' }], nextCursor: 'c2' } });
    expect(await transport().fetchHistoryPage({ before: 'c1', limit: 20 })).toEqual({
      items: [{ id: 'x' }],
      nextCursor: 'c2',
    });
    expect(srv.requests[0]?.url).toBe(`/api/v1/stores/${STORE}/tickets?limit=20&before=c1`);
  });

  it('asks for voided tickets with status=voided', async () => {
    srv.script.push({ status: 200, body: { items: [], nextCursor: null } });
    await transport().fetchHistoryPage({ before: null, status: 'voided' });
    expect(srv.requests[0]?.url).toBe(`/api/v1/stores/${STORE}/tickets?limit=50&status=voided`);
  });

  it('reads the SSE poke stream over fetch, with the bearer header, and reconnects', async () => {
    srv.script.push({
      handle: (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(': keep-alive\n\n');
        res.write('event: version\ndata: {"vers');
        setTimeout(() => res.write('ion": 5}\n\nevent: other\ndata: x\n\n'), 20);
        setTimeout(() => res.end('event: version\r\ndata: {"version": 6}\r\n\r\n'), 40);
      },
    });
    srv.script.push({
      handle: (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write('retry: 10\nevent: version\ndata: {"version": 7}\n\n');
      },
    });
    const versions: number[] = [];
    let opens = 0;
    const sub = transport().subscribe({
      onVersion: (v) => versions.push(v),
      onOpen: () => (opens += 1),
    });
    await waitFor(() => versions.length >= 3, 5000);
    sub.close();
    expect(versions).toEqual([5, 6, 7]);
    expect(opens).toBe(2);
    expect(
      srv.requests.every(
        (r) =>
          r.url === `/api/v1/stores/${STORE}/sync/events?deviceId=${DEVICE}` &&
          r.authorization === 'Bearer tok-1',
      ),
    ).toBe(true);
  });
});

describe('poke deltas on the event stream', () => {
  it('passes a delta on with its version; a delta it cannot read still pokes, bare', async () => {
    const change = { entity: 'client', id: 'c1', version: 8, deleted: false, data: { a: 1 } };
    srv.script.push({
      handle: (_req, res) => {
        res.writeHead(200, { 'Content-Type': 'text/event-stream' });
        res.write(`event: version\ndata: ${JSON.stringify({ version: 7 })}\n\n`);
        res.write(
          `event: version\ndata: ${JSON.stringify({ version: 8, from: 8, epoch: 'e', changes: [change] })}\n\n`,
        );
        res.write(
          `event: version\ndata: ${JSON.stringify({ version: 9, from: 9, epoch: 'e', changes: 'x' })}\n\n`,
        );
      },
    });
    const got: { version: number; from?: number }[] = [];
    const sub = transport().subscribe({
      onVersion: (version, delta) => got.push({ version, ...(delta ? { from: delta.from } : {}) }),
    });
    await waitFor(() => got.length >= 3, 5000);
    sub.close();
    expect(got).toEqual([{ version: 7 }, { version: 8, from: 8 }, { version: 9 }]);
  });
});
