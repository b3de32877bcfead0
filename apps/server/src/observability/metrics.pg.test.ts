import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeEachEngine } from '../db/test-support/engines';
import { MutationLog, push, signupStore, type TestStore } from '../test-support/test-app';
import { createMetrics } from './metrics';
import { buildObservedApp } from './test-support/observed-app';

const METRICS_TOKEN = 'scrape-token-0123456789';
const promtool = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p));

describeEachEngine('GET /metrics', (getDb) => {
  let app: FastifyInstance;
  let store: TestStore;
  beforeAll(async () => {
    const metrics = createMetrics({
      registry: new Registry(),
      processMetrics: true,
      release: 'r-test',
    });
    app = await buildObservedApp(
      getDb(),
      { METRICS_TOKEN },
      { metrics, loginLimits: { perAccount: 1, perIp: 100, windowMs: 60_000 } },
    );
    store = await signupStore(app, 'Metered');
  });
  afterAll(async () => {
    await app.close();
  });

  const scrape = async () => {
    const res = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: `Bearer ${METRICS_TOKEN}` },
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    return res.body;
  };
  const value = (body: string, series: string): number => {
    const line = body.split('\n').find((l) => l.startsWith(`${series} `));
    if (!line) throw new Error(`no series ${series} in:\n${body}`);
    return Number(line.slice(series.length + 1));
  };

  it('refuses a scrape without the token', async () => {
    const none = await app.inject({ method: 'GET', url: '/metrics' });
    expect(none.statusCode).toBe(401);
    const wrong = await app.inject({
      method: 'GET',
      url: '/metrics',
      headers: { authorization: 'Bearer scrape-token-0123456780' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(wrong.body).not.toContain('mango_');
  });

  it('exposes the named series after some traffic', async () => {
    const log = new MutationLog(store.deviceId);
    const first = log.make('client.upsert', { id: randomUUID(), firstName: 'A', lastName: 'B' });
    const second = log.make('ticket.close', { ticketId: randomUUID() }); // no such ticket: rejected
    expect((await push(app, store, store.deviceId, [first, second])).statusCode).toBe(200);
    expect((await push(app, store, store.deviceId, [first])).statusCode).toBe(200); // a retry
    const pulled = await app.inject({
      method: 'GET',
      url: `/api/v1/stores/${store.storeId}/sync/pull?deviceId=${store.deviceId}&cursor=0`,
      headers: store.auth,
    });
    expect(pulled.statusCode).toBe(200);
    const email = store.session.user.email;
    for (let i = 0; i < 2; i++)
      await app.inject({
        method: 'POST',
        url: '/api/v1/auth/login',
        payload: { email, password: 'not the password' },
      });

    const report = await app.inject({
      method: 'POST',
      url: '/api/v1/client-errors',
      payload: { kind: 'unhandled', message: 'boom' },
    });
    expect(report.statusCode).toBe(202);

    const body = await scrape();
    const push200 = 'method="POST",route="/api/v1/stores/:storeId/sync/push",status="200"';
    expect(value(body, `mango_http_request_duration_seconds_count{${push200}}`)).toBe(2);
    expect(body).toContain(`mango_http_request_duration_seconds_bucket{le="0.3",${push200}}`);
    expect(value(body, 'mango_http_rate_limited_total{route="/api/v1/auth/login"}')).toBe(1);
    expect(value(body, 'mango_sync_pushes_total')).toBe(2);
    expect(value(body, 'mango_sync_push_batch_size_count')).toBe(2);
    expect(value(body, 'mango_sync_push_batch_size_sum')).toBe(3);
    expect(value(body, 'mango_sync_mutations_total{outcome="applied"}')).toBe(1);
    expect(value(body, 'mango_sync_mutations_total{outcome="rejected"}')).toBe(1);
    expect(value(body, 'mango_sync_mutations_total{outcome="duplicate"}')).toBe(1);
    expect(value(body, 'mango_sync_lag_seconds_count')).toBe(1);
    expect(value(body, 'mango_sync_pulls_total')).toBe(1);
    expect(value(body, 'mango_sync_pull_batch_size_sum')).toBeGreaterThanOrEqual(1);
    expect(value(body, 'mango_db_pool_connections{state="waiting"}')).toBe(0);
    expect(value(body, 'mango_db_pool_connections{state="idle"}')).toBeGreaterThanOrEqual(1);
    expect(value(body, 'mango_db_pool_connections{state="in_use"}')).toBe(0);
    expect(value(body, 'mango_sse_connections')).toBe(0);
    expect(value(body, 'mango_db_pool_max_connections')).toBeGreaterThanOrEqual(1);
    expect(value(body, 'mango_error_reports_total{source="browser"}')).toBe(1);
    expect(value(body, 'mango_error_reports_total{source="server"}')).toBe(0);
    expect(value(body, 'mango_cache_requests_total{kind="miss"}')).toBeGreaterThanOrEqual(0);
    expect(value(body, 'mango_cache_invalidations_total')).toBeGreaterThanOrEqual(0);
    expect(value(body, 'mango_db_reads_total{outcome="replica"}')).toBe(0); // no replica here
    expect(value(body, 'mango_build_info{release="r-test"}')).toBe(1);
    expect(body).toContain('mango_nodejs_eventloop_lag_p99_seconds');
    // No tenant ever becomes a label.
    expect(body).not.toContain(store.storeId);
    expect(body).not.toContain(store.deviceId);
  });

  // Prometheus's own checker (Debian package `prometheus`; .ci/run installs it): names, HELP
  // texts, units and counter suffixes as the ecosystem expects them, on a scrape with traffic.
  it.skipIf(!promtool && !process.env.CI)('passes `promtool check metrics`', async () => {
    const body = await scrape();
    expect(body).toContain('mango_sync_pushes_total'); // the traffic above is in it
    const check = spawnSync(promtool ?? 'promtool', ['check', 'metrics'], {
      input: body,
      encoding: 'utf8',
    });
    expect(check.error).toBeUndefined();
    expect({ status: check.status, output: check.stdout + check.stderr }).toEqual({
      status: 0,
      output: '',
    });
  });

  it('counts open event streams', async () => {
    const address = await app.listen({ port: 0, host: '127.0.0.1' });
    const controller = new AbortController();
    const res = await fetch(`${address}/api/v1/stores/${store.storeId}/sync/events`, {
      headers: store.auth,
      signal: controller.signal,
    });
    const reader = res.body!.getReader();
    await reader.read(); // the stream is open once its first bytes arrive
    expect(value(await scrape(), 'mango_sse_connections')).toBe(1);
    controller.abort();
    await reader.cancel().catch(() => undefined);
  });
});

it('serves no /metrics when no token is configured', async () => {
  const { makeTestDb } = await import('../db/test-support/engines');
  const { db, close } = await makeTestDb();
  const app = await buildObservedApp(db);
  try {
    expect((await app.inject({ method: 'GET', url: '/metrics' })).statusCode).toBe(404);
  } finally {
    await app.close();
    await close();
  }
});
