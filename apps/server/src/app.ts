import { randomUUID } from 'node:crypto';
import Fastify, { type FastifyInstance } from 'fastify';
import type { EventBus } from './bus/event-bus';
import type { Clock } from './clock';
import type { Config } from './config';
import type { Db } from './db/db';
import { registerErrorHandler } from './http/error-handler';
import { registerSecurityHeaders } from './http/security-headers';
import { MAX_PUSH_BYTES } from '@mango/protocol';
import type { TokenSigner } from './auth/tokens';
import type { RateLimiter } from './rate-limit/rate-limiter';
import { DEFAULT_LOGIN_LIMITS, type LoginLimits, registerAuthRoutes } from './routes/auth';
import { registerDeviceRoutes } from './routes/devices';
import { type ReadinessProbe, registerHealthRoutes } from './routes/health';
import { registerClientErrorRoutes } from './routes/client-errors';
import { registerHistoryRoutes } from './routes/history';
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
}

/** Builds the HTTP app without listening (tests call `app.inject`). */
export async function buildApp(deps: AppDeps): Promise<FastifyInstance> {
  const app = Fastify({
    logger: {
      level: deps.config.logLevel,
      redact: [
        'req.headers.authorization',
        'req.headers.cookie',
        '*.password',
        '*.pin',
        '*.refreshToken',
      ],
    },
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && /^[\w-]{8,64}$/.test(given) ? given : randomUUID();
    },
    bodyLimit: MAX_PUSH_BYTES,
    // Slow clients must not hold sockets forever.
    connectionTimeout: 30_000,
    requestTimeout: 30_000,
    return503OnClosing: true,
  });
  // The route table, for the tests that walk every route (tenant boundary, fuzzing).
  const routeTable: RouteEntry[] = [];
  app.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    for (const method of methods)
      if (method !== 'HEAD') routeTable.push({ method, url: route.url });
  });
  app.decorate('routeTable', routeTable);
  registerErrorHandler(app);
  registerSecurityHeaders(app);
  registerHealthRoutes(app, deps.db, deps.probes ?? []);

  const { config, db, bus, clock, signer, limiter } = deps;
  registerAuthRoutes(app, {
    db,
    signer,
    clock,
    limiter,
    loginLimits: deps.loginLimits ?? DEFAULT_LOGIN_LIMITS,
    accessTokenTtlSec: config.accessTokenTtlSec,
    refreshTokenTtlSec: config.refreshTokenTtlSec,
  });
  registerDeviceRoutes(app, { db, signer, clock });
  registerStaffPinRoutes(app, { db, signer, clock });
  registerHistoryRoutes(app, { db, signer, clock });
  registerUserRoutes(app, { db, signer, clock });
  registerClientErrorRoutes(app, { db, signer, clock, limiter });
  const streams = new EventStreams();
  // Event streams never end by themselves: end them first so close() can finish in-flight pushes.
  app.addHook('preClose', async () => streams.closeAll());
  registerSyncRoutes(app, {
    db,
    bus,
    signer,
    clock,
    streams,
    sseHeartbeatMs: config.sseHeartbeatMs,
  });
  const served = await registerWebApp(app, deps.config.webDistDir);
  if (!served) app.log.warn(`No web build at ${deps.config.webDistDir}: serving the API only.`);
  return app;
}
