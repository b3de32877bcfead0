import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { EventBus } from './bus/event-bus';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Db } from './db/db';
import { frameworkErrorHandler, registerErrorHandler } from './http/error-handler';
import type { DestinationStream } from 'pino';
import { Registry } from 'prom-client';
import { createErrorTracker, type ErrorTracker } from './observability/error-tracker';
import { loggerOptions, registerLogContext } from './observability/logging';
import { createMetrics, type Metrics } from './observability/metrics';
import { registerRequestMetrics } from './observability/request-metrics';
import { registerScaleMetrics } from './observability/scale-metrics';
import { browserSentryConfig, createSentryReporter, sentryOrigin } from './observability/sentry';
import { registerClientConfigRoute } from './routes/client-config';
import { registerMetricsRoute } from './routes/metrics';
import { registerDocsRoutes } from './routes/docs';
import { buildOpenApiDocument } from './observability/openapi';
import { registerCompression } from './http/compression';
import { registerSecurityHeaders } from './http/security-headers';
import { registerTextRule } from './http/text-rule';
import { MAX_PUSH_BYTES } from '@mango/protocol';
import type { TokenSigner } from './auth/tokens';
import { createAccessGate } from './auth/authenticate';
import type { RateLimiter } from './rate-limit/rate-limiter';
import { registerApiRateLimits } from './rate-limit/api-rate-limits';
import { createPlanLookup } from './quotas/plan-lookup';
import type { ScaleStats } from './scale/scale-stats';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits, registerAuthRoutes } from './routes/auth';
import { registerDeviceRoutes } from './routes/devices';
import { type ReadinessProbe, registerHealthRoutes } from './routes/health';
import { registerClientErrorRoutes } from './routes/client-errors';
import { registerHistoryRoutes } from './routes/history';
import { registerUsageRoutes } from './routes/usage';
import { registerCatalogRoutes } from './routes/catalog';
import { createPassThroughCache, type Cache } from './cache/cache';
import { createMemoryCache } from './cache/memory-cache';
import { createMemoryHeads, createNoHeads, type SyncHeads } from './sync/heads';
import { createLastSeenRecorder, type LastSeenRecorder } from './sync/last-seen';
import { primaryOnlyReads, type ReadRouter } from './db/replica';
import { registerPublicBookingRoutes } from './routes/public-booking';
import { registerStaffPinRoutes } from './routes/staff-pins';
import { registerSyncRoutes } from './routes/sync';
import { registerUserRoutes } from './routes/users';
import { registerWebApp } from './routes/web-app';
import { EventStreams } from './sync/events';

export interface RouteEntry {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    routeTable: RouteEntry[];
    errorTracker: ErrorTracker;
    /** Scale-out figures for metrics (rate limits, cache): plain numbers, read on scrape. */
    scaleStats: () => ScaleStats;
    /** The sync heads and the last-seen batcher (tests and the bench read and flush them). */
    syncHeads: { heads: SyncHeads; lastSeen: LastSeenRecorder };
  }
}

/** Everything the app talks to, passed in: tests give real engines, never globals. */
export interface AppDeps {
  config: Config;
  db: Db;
  bus: EventBus;
  clock: Clock;
  signer: TokenSigner;
  limiter: RateLimiter;
  loginLimits?: LoginLimits;
  probes?: ReadinessProbe[];
  /** Cache of read-mostly store data. Default: in this process (main.ts passes Redis's). */
  cache?: Cache;
  /** The heads that answer quiet pulls. Default: in this process (main.ts passes Redis's). */
  heads?: SyncHeads;
  /** Where lag-tolerant reads go (a replica). Default: the primary. */
  reads?: ReadRouter;
  /** Default: a fresh registry without process metrics (main.ts passes the scraped one). */
  metrics?: Metrics;
  /** Where log lines go. Default: stdout. */
  logDestination?: DestinationStream;
}

/** Builds the HTTP app without listening (tests call `app.inject`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: loggerOptions(deps.config.logLevel, deps.logDestination),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: MAX_PUSH_BYTES,
    // A "__proto__" key is kept as an own, inert property instead of failing the parse, so the
    // text rule (http/text-rule.ts) refuses it with a code naming the field — and inside a push,
    // refuses only the one mutation holding it (a 400 for the push would block the outbox).
    onProtoPoisoning: 'ignore',
    // Slow clients must not hold sockets forever: idle sockets, trickled headers (slowloris) and
    // trickled bodies are each cut off; Node checks the last two every connectionsCheckingInterval.
    connectionTimeout: 30_000,
    requestTimeout: Math.max(deps.config.httpRequestTimeoutMs, deps.config.httpHeadersTimeoutMs),
    http: {
      headersTimeout: deps.config.httpHeadersTimeoutMs,
      requestTimeout: Math.max(deps.config.httpRequestTimeoutMs, deps.config.httpHeadersTimeoutMs),
      connectionsCheckingInterval: Math.min(
        30_000,
        Math.max(100, Math.floor(deps.config.httpHeadersTimeoutMs / 4)),
      ),
    },
    return503OnClosing: true,
    trustProxy: deps.config.trustProxy,
    frameworkErrors: frameworkErrorHandler,
  });
  // The route table, for the tests that walk every route (tenant boundary, fuzzing).
  const routeTable: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods)
      if (method !== 'HEAD') routeTable.push({ method, url: route.url });
  });
  app.decorate('routeTable', routeTable);
  const metrics = deps.metrics ?? createMetrics({ registry: new Registry() });
  const { sentryDsn } = deps.config;
  const sentry = sentryDsn ? await createSentryReporter({ ...deps.config, sentryDsn }) : undefined;
  const errorTracker = createErrorTracker({
    db: deps.db,
    release: deps.config.release,
    log: app.log,
    now: () => deps.clock.now(),
    sentry,
    counted: (source) => metrics.observeErrorReport(source),
  });
  app.decorate('errorTracker', errorTracker);
  // Reports still being stored when the server stops must land before the pool closes.
  app.addHook('onClose', async () => {
    await errorTracker.flush();
    await sentry?.close();
  });
  registerLogContext(app);
  registerRequestMetrics(app, metrics);
  registerErrorHandler(app, errorTracker);
  registerSecurityHeaders(app, sentryOrigin(sentryDsn));
  await registerCompression(app);
  registerTextRule(app);
  registerHealthRoutes(app, deps.db, deps.probes ?? []);
  registerMetricsRoute(app, { metrics, token: deps.config.metricsToken });
  registerDocsRoutes(app, buildOpenApiDocument());
  metrics.gaugeFrom(
    'mango_db_pool_connections',
    'Application pool connections: in_use, idle, and waiting (requests queued for one).',
    () => {
      const pool = deps.db.poolStats();
      return { in_use: pool.total - pool.idle, idle: pool.idle, waiting: pool.waiting };
    },
  );
  metrics.gaugeFrom(
    'mango_db_pool_max_connections',
    'The most connections the application pool opens (DB_POOL_MAX; 1 on embedded PGlite).',
    () => (deps.db.engine === 'postgres' ? deps.config.dbPoolMax : 1),
  );

  const { config, db, bus, clock, signer, limiter } = deps;
  // Before the routes: it attaches itself to each route as the route is added.
  const apiRateLimits = config.apiRateLimits
    ? registerApiRateLimits(app, {
        limiter,
        planOf: createPlanLookup(db),
        ipPerMinute: config.rateLimitIpPerMin,
        windowMs: config.rateLimitWindowSec * 1000,
      })
    : null;
  const reads = deps.reads ?? primaryOnlyReads(db);
  const cache = config.readCache ? (deps.cache ?? createMemoryCache()) : createPassThroughCache();
  const heads =
    config.syncHeadTtlSec === 0
      ? createNoHeads()
      : (deps.heads ?? createMemoryHeads({ clock, ttlMs: config.syncHeadTtlSec * 1000 }));
  const lastSeen = createLastSeenRecorder({
    db,
    clock,
    intervalMs: config.lastSeenFlushMs,
    onError: (err) => app.log.warn({ err }, 'last seen not written'),
  });
  app.addHook('onClose', () => lastSeen.close());
  app.decorate('syncHeads', { heads, lastSeen });
  app.decorate('scaleStats', () => ({
    rateLimits: apiRateLimits?.stats() ?? null,
    cache: cache.stats(),
    reads: reads.stats(),
    heads: heads.stats(),
  }));
  registerScaleMetrics(metrics, () => app.scaleStats());
  // Every authenticated route checks the account's current rights through this one gate.
  const gate = createAccessGate({
    db,
    signer,
    clock,
    recheckMs: config.authRecheckMs,
    cache,
  });
  registerAuthRoutes(app, {
    db,
    signer,
    clock,
    limiter,
    loginLimits: deps.loginLimits ?? DEFAULT_LOGIN_LIMITS,
    accessTokenTtlSec: config.accessTokenTtlSec,
    refreshTokenTtlSec: config.refreshTokenTtlSec,
    refreshReuseGraceSec: config.refreshReuseGraceSec,
  });
  registerDeviceRoutes(app, { db, gate, heads });
  registerStaffPinRoutes(app, { db, gate });
  registerHistoryRoutes(app, { reads, gate, cache });
  registerCatalogRoutes(app, { db, gate, cache });
  registerUsageRoutes(app, { db, clock, gate });
  registerUserRoutes(app, { db, gate });
  registerClientErrorRoutes(app, { db, signer, clock, gate, limiter, errorTracker });
  registerClientConfigRoute(app, { sentry: browserSentryConfig(config) });
  const streams = new EventStreams();
  metrics.gaugeFrom('mango_sse_connections', 'Open event streams on this instance.', () =>
    streams.count(),
  );
  // Event streams never end by themselves: end them first so close() can finish in-flight pushes.
  app.addHook('preClose', async () => streams.closeAll());
  registerSyncRoutes(app, {
    db,
    bus,
    signer,
    gate,
    clock,
    streams,
    sseHeartbeatMs: config.sseHeartbeatMs,
    enforceQuotas: config.planQuotas,
    cache,
    reads,
    sseMaxStreamsPerStore: config.sseMaxStreamsPerStore,
    metrics,
    heads,
    lastSeen,
  });
  registerPublicBookingRoutes(app, {
    db,
    bus,
    heads,
    cache,
    reads,
    clock,
    enforceQuotas: config.planQuotas,
    limiter,
    ipPerMinute: config.publicBookingIpPerMin,
    storePerMinute: config.publicBookingStorePerMin,
    windowMs: config.rateLimitWindowSec * 1000,
    publicUrl: config.publicUrl,
  });
  const served = await registerWebApp(app, deps.config.webDistDir);
  if (!served) app.log.warn(`No web build at ${deps.config.webDistDir}: serving the API only.`);
  return app;
}
