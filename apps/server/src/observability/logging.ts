import type { Writable } from 'node:stream';
import type { FastifyInstance, FastifyRequest, preHandlerHookHandler } from 'fastify';
import type { DestinationStream, LoggerOptions } from 'pino';
import { PinoPretty } from 'pino-pretty';

/**
 * Paths pino censors wherever they appear in a log object: credentials, and card data in case a
 * future payment integration logs a body. Headers are covered under `req` (Fastify's request
 * serializer) and wherever code logs a raw headers object.
 */
export const REDACTED_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-metrics-token"]',
  'headers.authorization',
  'headers.cookie',
  '*.password',
  '*.pin',
  '*.refreshToken',
  '*.accessToken',
  '*.token',
  '*.cardNumber',
  '*.pan',
  '*.cvv',
  '*.cvc',
];

/** The server's logger options: JSON lines, level from the config, secrets censored. */
export function loggerOptions(
  level: string,
  destination?: DestinationStream,
): LoggerOptions & { stream?: DestinationStream } {
  return {
    level,
    redact: { paths: REDACTED_PATHS, censor: '[redacted]' },
    ...(destination ? { stream: destination } : {}),
  };
}

/**
 * Where log lines go: JSON on stdout (undefined: pino's default) for collectors, or pino-pretty's
 * coloured lines when a person reads them (`auto`: stdout is a terminal, as with `npm start`).
 * Pretty-printing runs in this process (no transport thread), after pino's redaction, and
 * synchronously so lines and the start banner keep their order.
 */
export function logDestination(
  format: 'auto' | 'json' | 'pretty',
  stdoutIsTty: boolean,
  out?: Writable,
): DestinationStream | undefined {
  if (format === 'json' || (format === 'auto' && !stdoutIsTty)) return undefined;
  return PinoPretty({
    colorize: stdoutIsTty,
    translateTime: 'SYS:HH:MM:ss.l',
    ignore: 'pid,hostname',
    sync: true,
    ...(out ? { destination: out } : {}),
  });
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** The store and device a request acts on, once its token is verified; undefined when unknown. */
export function requestContext(request: FastifyRequest): Record<string, string> | undefined {
  const auth = request.auth;
  if (!auth) return undefined;
  const bound: Record<string, string> = { userId: auth.userId, orgId: auth.organizationId };
  const storeId = (request.params as { storeId?: unknown } | undefined)?.storeId;
  // Only a store the token grants: a probe for someone else's store id must not look like theirs.
  if (typeof storeId === 'string' && auth.stores[storeId]) bound.storeId = storeId;
  const deviceId =
    (request.body as { deviceId?: unknown } | undefined)?.deviceId ??
    (request.query as { deviceId?: unknown } | undefined)?.deviceId;
  if (typeof deviceId === 'string' && UUID_RE.test(deviceId)) bound.deviceId = deviceId;
  return bound;
}

const bindContext: preHandlerHookHandler = (request, reply, done) => {
  const bound = requestContext(request);
  if (bound) {
    // reply.log writes the closing "request completed" line: bind it too.
    request.log = request.log.child(bound);
    reply.log = request.log;
  }
  done();
};

/**
 * Binds the store, device and user to the request's logger right after authentication, so every
 * later line of the request (handler, error handler, "request completed") carries them. Routes
 * authenticate in their own preHandler, which runs after app-wide hooks: appending to each route's
 * preHandlers is the one place that runs after it. Register before the routes.
 */
export function registerLogContext(app: FastifyInstance): void {
  app.addHook('onRoute', (route) => {
    const existing = route.preHandler;
    route.preHandler = [
      ...(existing === undefined ? [] : Array.isArray(existing) ? existing : [existing]),
      bindContext,
    ];
  });
}
