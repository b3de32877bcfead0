import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTokenSigner } from '../auth/tokens';
import { describeEachEngine } from '../db/test-support/engines';
import {
  makeTestApp,
  MutationLog,
  push,
  registerDevice,
  signupStore,
  type TestStore,
} from '../test-support/test-app';
import {
  INJECTION_STRINGS,
  readErrorBody,
  sendRaw,
  snapshotWrites,
  type RawRequest,
} from './test-support/hostile';

/**
 * Hostile input on every route of the route table (the app's own list, so a new route is fuzzed
 * without anyone remembering to add it): random and mutated bodies, headers and query strings,
 * huge and deeply nested JSON, wrong types, unknown fields, invalid UTF-8 and injection strings,
 * with a real token of a real store and without. Whatever comes in: no 5xx, no hang, every
 * refusal a JSON `{ error: { code, message } }`, and a refusal writes nothing.
 */

/** Every byte percent-encoded; lone surrogates become U+FFFD instead of throwing. */
const percentEncode = (text: string): string =>
  [...Buffer.from(text, 'utf8')].map((b) => `%${b.toString(16).padStart(2, '0')}`).join('');

/** Runs per route; bounded so the whole file stays well under a minute on either engine. */
const RUNS_PER_ROUTE = 45;
const SEED = Number(process.env.FUZZ_SEED ?? 20261124);

describeEachEngine('hostile input on every route', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  const ids = { staffId: randomUUID(), clientId: randomUUID(), ticketId: randomUUID() };
  let refreshToken: string;
  const foreignSigner = createTokenSigner('another-secret-that-is-long-enough-for-hs256-xyz');
  let foreignToken: string;
  // What the device-revoking route gets as its real id: revoking store.deviceId would leave every
  // later route's fuzzing stuck at 403 DEVICE_REVOKED, proving little.
  let spareDeviceId: string;

  beforeAll(async () => {
    app = await makeTestApp(getDb());
    store = await signupStore(app, 'Fuzzed');
    spareDeviceId = await registerDevice(app, store.storeId, store.auth);
    refreshToken = store.session.refreshToken;
    const log = new MutationLog(store.deviceId);
    const seeded = await push(app, store, store.deviceId, [
      log.make('staff.upsert', {
        id: ids.staffId,
        displayName: 'Ana',
        role: 'technician',
        active: true,
      }),
      log.make('client.upsert', { id: ids.clientId, firstName: 'Bea', lastName: 'C' }),
      log.make('ticket.open', { id: ids.ticketId, clientId: ids.clientId }),
    ]);
    expect(seeded.statusCode).toBe(200);
    foreignToken = await foreignSigner.sign(
      {
        userId: store.session.user.id,
        organizationId: store.organizationId,
        email: store.session.user.email,
        stores: { [store.storeId]: 'owner' },
      },
      900,
      new Date(),
    );
  });
  afterAll(async () => {
    await app.close();
  });

  const realParam = (name: string, method: string): string =>
    ({
      storeId: store.storeId,
      deviceId: method === 'DELETE' ? spareDeviceId : store.deviceId,
      staffId: ids.staffId,
      clientId: ids.clientId,
      ticketId: ids.ticketId,
    })[name] ?? randomUUID();

  /** A plausible body per route, for the mutation strategy (close to valid reaches deeper code). */
  const template = (method: string, url: string): Record<string, unknown> => {
    const key = `${method} ${url}`;
    const bodies: Record<string, Record<string, unknown>> = {
      'POST /api/v1/auth/signup': {
        organizationName: 'Org',
        storeName: 'Store',
        email: 'fuzz@example.com',
        password: 'correct horse battery',
      },
      'POST /api/v1/auth/login': { email: 'fuzz@example.com', password: 'correct horse battery' },
      'POST /api/v1/auth/refresh': { refreshToken: 'x'.repeat(40) },
      'POST /api/v1/auth/logout': { refreshToken: 'x'.repeat(40) },
      'POST /api/v1/stores/:storeId/devices': { deviceId: randomUUID(), name: 'Tablet' },
      'POST /api/v1/stores/:storeId/users': {
        email: 'new@example.com',
        password: 'correct horse battery',
        role: 'manager',
      },
      'PUT /api/v1/stores/:storeId/staff/:staffId/pin': { pin: '1234' },
      'POST /api/v1/stores/:storeId/staff/:staffId/pin/verify': {
        pin: '1234',
        deviceId: store.deviceId,
      },
      'POST /api/v1/client-errors': { kind: 'unhandled', message: 'boom' },
      'POST /api/v1/stores/:storeId/sync/push': {
        deviceId: store.deviceId,
        schemaVersion: 1,
        mutations: [
          {
            id: 1_000_000,
            name: 'client.upsert',
            args: { id: ids.clientId, firstName: 'X' },
            clientTime: new Date().toISOString(),
          },
        ],
      },
      'POST /api/v1/stores/:storeId/sync/rejections/ack': { deviceId: store.deviceId, ids: [1] },
    };
    return structuredClone(bodies[key] ?? { deviceId: store.deviceId });
  };
  const queryTemplate: Record<string, string> = {
    deviceId: '',
    cursor: '0',
    limit: '10',
    before: 'abc',
  };

  // --- arbitraries ---------------------------------------------------------------------------

  const hostileString = fc.oneof(
    fc.string({ maxLength: 40 }),
    fc.constantFrom(...INJECTION_STRINGS),
    fc.uuid(),
    fc.string({ unit: 'binary', maxLength: 30 }),
  );
  const leafValue = fc.oneof(
    hostileString,
    fc.integer(),
    fc.double(),
    fc.boolean(),
    fc.constant(null),
    fc.constantFrom(Number.MAX_SAFE_INTEGER + 2, -1, 0, 1e308),
  );
  const anyJson = fc.jsonValue({ maxDepth: 4 });

  /** A valid-looking body with one or more fields replaced, removed, added or retyped. */
  const mutatedBody = (method: string, url: string) =>
    fc
      .array(
        fc.tuple(
          fc.constantFrom('set', 'delete', 'unknown', 'wrap', 'proto'),
          fc.nat(),
          fc.oneof(leafValue, anyJson),
        ),
        { minLength: 1, maxLength: 4 },
      )
      .map((edits) => {
        const body = template(method, url);
        for (const [op, at, value] of edits) {
          const keys = Object.keys(body);
          const key = keys[at % Math.max(1, keys.length)] ?? 'x';
          if (op === 'set') body[key] = value;
          else if (op === 'delete') delete body[key];
          else if (op === 'unknown') body[`extra${at}`] = value;
          else if (op === 'wrap') body[key] = [body[key]];
          else body['__proto__'] = { admin: true };
        }
        return JSON.stringify(body).replace('"__proto__":{"admin":true}', '"__proto__":{"x":1}');
      });

  const deepJson = fc
    .integer({ min: 1_000, max: 100_000 })
    .map((depth) => `${'{"a":'.repeat(depth)}1${'}'.repeat(depth)}`);
  const deepArray = fc
    .integer({ min: 1_000, max: 200_000 })
    .map((depth) => `${'['.repeat(depth)}${']'.repeat(depth)}`);
  const hugeBody = fc
    .integer({ min: 1_100_000, max: 2_000_000 })
    .map((n) => JSON.stringify({ deviceId: 'x', pad: 'a'.repeat(n) }));
  const wideBody = fc
    .integer({ min: 1_000, max: 40_000 })
    .map((n) => JSON.stringify({ mutations: Array.from({ length: n }, (_, i) => i) }));
  const invalidUtf8 = fc
    .uint8Array({ minLength: 1, maxLength: 64 })
    .map((bytes) =>
      Buffer.concat([
        Buffer.from('{"name":"'),
        Buffer.from([0xff, 0xfe, 0xc3]),
        Buffer.from(bytes),
        Buffer.from('"}'),
      ]),
    );

  const bodyFor = (method: string, url: string) =>
    fc.oneof(
      { weight: 4, arbitrary: mutatedBody(method, url) },
      { weight: 2, arbitrary: anyJson.map((v) => JSON.stringify(v)) },
      { weight: 1, arbitrary: hostileString },
      { weight: 1, arbitrary: deepJson },
      { weight: 1, arbitrary: deepArray },
      { weight: 1, arbitrary: hugeBody },
      { weight: 1, arbitrary: wideBody },
      { weight: 1, arbitrary: invalidUtf8 },
      { weight: 1, arbitrary: fc.constant('') },
    );

  const authHeader = fc.oneof(
    fc.constant<'real' | 'none' | string>('real'),
    fc.constant('none'),
    fc.constantFrom(
      'Bearer ',
      'Bearer x',
      'Basic YWRtaW46YWRtaW4=',
      'bearer TOKEN',
      'Bearer eyJhbGciOiJub25lIn0.eyJ1c2VySWQiOiJ4In0.',
      'foreign',
      'refresh',
    ),
    fc.string({ maxLength: 60 }).map((s) => `Bearer ${s.replace(/[^\x20-\x7e]/g, '')}`),
  );
  const contentType = fc.constantFrom(
    'application/json',
    'application/json; charset=utf-8',
    'application/json; charset=latin1',
    'text/plain',
    'application/x-www-form-urlencoded',
    'multipart/form-data; boundary=x',
    'application/xml',
    '',
    'application/json, text/html',
  );
  const headerToken = fc.stringMatching(/^[a-z][a-z0-9-]{0,20}$/);
  const headerValue = fc.string({ maxLength: 80 }).map((s) => s.replace(/[^\x20-\x7e]/g, ''));
  const extraHeaders = fc.dictionary(
    fc.oneof(
      headerToken,
      fc.constantFrom('x-request-id', 'x-forwarded-for', 'accept', 'accept-encoding', 'origin'),
    ),
    headerValue,
    { maxKeys: 4 },
  );

  const pathParam = (name: string, method: string) =>
    fc.oneof(
      { weight: 4, arbitrary: fc.constant(realParam(name, method)) },
      {
        weight: 1,
        arbitrary: hostileString.map((s) => (s === '' ? 'x' : percentEncode(s))),
      },
      { weight: 1, arbitrary: fc.constantFrom('%ZZ', '..%2f..', '%00', 'a'.repeat(500)) },
    );
  const queryString = fc
    .array(
      fc.tuple(
        fc.oneof(fc.constantFrom(...Object.keys(queryTemplate)), fc.string({ maxLength: 10 })),
        fc.oneof(
          fc.constant<string | null>(null),
          hostileString,
          fc.constantFrom('-1', '1e9', '99999999999999999999', 'NaN', '%ZZ', '[]'),
        ),
      ),
      { maxLength: 5 },
    )
    .map((pairs) => {
      const values = new Map(Object.entries({ ...queryTemplate, deviceId: store.deviceId }));
      const parts: string[] = [];
      for (const [key, value] of pairs) {
        if (value === null) values.delete(key);
        else if (value === '%ZZ') parts.push(`${key}=%ZZ`);
        else if (values.has(key) && value.length % 2 === 0)
          parts.push(`${key}=${percentEncode(value)}`);
        else values.set(key, value);
      }
      for (const [k, v] of values) parts.push(`${percentEncode(k)}=${percentEncode(v)}`);
      return parts.join('&');
    });

  const requestFor = (method: string, url: string) =>
    fc
      .record({
        params: fc.tuple(
          ...[...url.matchAll(/:(\w+)/g)].map((m) => pathParam(m[1]!, method)),
          fc.constant(''),
        ),
        query: fc.option(queryString, { nil: undefined }),
        auth: authHeader,
        contentType,
        headers: extraHeaders,
        body: bodyFor(method, url),
        withBody: fc.boolean(),
      })
      .map((r): RawRequest => {
        let i = 0;
        const path = url.replace(/:(\w+)/g, () => r.params[i++] ?? 'x');
        const headers: Record<string, string> = { ...r.headers };
        if (r.auth === 'real') headers.authorization = store.auth.authorization;
        else if (r.auth === 'foreign') headers.authorization = `Bearer ${foreignToken}`;
        else if (r.auth === 'refresh') headers.authorization = `Bearer ${refreshToken}`;
        else if (r.auth !== 'none') headers.authorization = r.auth;
        const sendsBody = method !== 'GET' || r.withBody;
        if (sendsBody && r.contentType) headers['content-type'] = r.contentType;
        return {
          method,
          url: r.query === undefined ? path : `${path}?${r.query}`,
          headers,
          ...(sendsBody ? { body: r.body } : {}),
        };
      });

  it('answers router-level refusals (bad escape, over-long path segment) with the API error body', async () => {
    for (const [url, status, code] of [
      [`/api/v1/stores/%ZZ/sync/pull`, 400, 'VALIDATION_FAILED'],
      [`/api/v1/stores/${'a'.repeat(500)}/sync/pull`, 414, 'URI_TOO_LONG'],
    ] as const) {
      const res = await sendRaw(app, { method: 'GET', url, headers: store.auth });
      expect(res.statusCode, res.body).toBe(status);
      expect(readErrorBody(res)?.code).toBe(code);
    }
  });

  it('answers every hostile request with a coded 4xx or a 2xx, and refusals write nothing', async () => {
    const routes = app.routeTable.filter((r) => r.url !== '/*');
    expect(routes.length).toBeGreaterThanOrEqual(15);
    let requests = 0;
    const statuses = new Map<number, number>();
    for (const [index, route] of routes.entries()) {
      await fc.assert(
        fc.asyncProperty(requestFor(route.method, route.url), async (req) => {
          requests++;
          const before = await snapshotWrites(getDb());
          const res = await sendRaw(app, req);
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const what = `${req.method} ${req.url.slice(0, 200)} → ${res.statusCode} ${res.body.slice(0, 300)}`;
          expect(res.statusCode, what).toBeLessThan(500);
          if (res.statusCode >= 300) {
            const error = readErrorBody(res);
            expect(error, what).not.toBeNull();
            const after = await snapshotWrites(getDb());
            expect(after, `${what}: a refusal wrote`).toEqual(before);
          }
        }),
        { numRuns: RUNS_PER_ROUTE, seed: SEED + index, endOnFailure: true },
      );
    }
    // The strategies must reach past the front door, or the suite proves little.
    expect(requests).toBe(routes.length * RUNS_PER_ROUTE);
    const codes = [...statuses.keys()];
    expect(codes.some((c) => c >= 200 && c < 300)).toBe(true);
    for (const expected of [400, 401, 413]) expect(codes).toContain(expected);
  }, 120_000);
});
