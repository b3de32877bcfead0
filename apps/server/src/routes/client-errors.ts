import { randomUUID } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import { type AccessGate, requireAuth, storeAccess } from '../auth/authenticate';
import type { AccessClaims, TokenSigner } from '../auth/tokens';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { httpErrors } from '../http/errors';
import { parseOrThrow } from '../http/validate';
import type { ErrorTracker } from '../observability/error-tracker';
import type { RateLimiter } from '../rate-limit/rate-limiter';

export const reportSchema = z.strictObject({
  kind: z.enum(['boundary', 'unhandled', 'rejection']),
  message: z.string().min(1).max(2000),
  stack: z.string().max(20_000).optional(),
  componentStack: z.string().max(20_000).optional(),
  release: z.string().max(100).optional(),
  storeId: z.uuid().optional(),
  deviceId: z.uuid().optional(),
  url: z.string().max(2000).optional(),
});

export const listSchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(500).default(100),
});

/** Reports per IP per minute: error storms from one broken tablet must not flood the table. */
const REPORTS_PER_MINUTE = 60;

/**
 * Error tracking without any outside service: the web app's error boundary and unhandled errors
 * are stored with stack, release, store and device; owners and managers read them back.
 */
export function registerClientErrorRoutes(
  app: FastifyInstance,
  deps: {
    db: Db;
    signer: TokenSigner;
    clock: Clock;
    gate: AccessGate;
    limiter: RateLimiter;
    errorTracker?: Pick<ErrorTracker, 'browserReport'>;
  },
): void {
  app.post('/api/v1/client-errors', async (request, reply) => {
    const body = parseOrThrow(reportSchema, request.body);
    const decision = await deps.limiter.hit(
      `client-errors:ip:${request.ip}`,
      REPORTS_PER_MINUTE,
      60_000,
    );
    if (!decision.allowed) throw httpErrors.rateLimited(decision.retryAfterSec);
    // A token is optional (the sign-in screen can crash too); when valid, the store is trusted
    // only if the token grants it.
    let claims: AccessClaims | null = null;
    const header = request.headers.authorization;
    if (typeof header === 'string' && header.startsWith('Bearer ')) {
      claims = await deps.signer.verify(header.slice(7), deps.clock.now());
    }
    const storeId = body.storeId && claims?.stores[body.storeId] ? body.storeId : null;
    const id = randomUUID();
    await deps.db.transaction(
      storeId && claims
        ? { storeId, organizationId: claims.organizationId, userId: claims.userId }
        : null,
      async (sql) => {
        await sql.query(
          `insert into client_errors (id, store_id, user_id, device_id, kind, message, stack, component_stack, release, url, user_agent)
           values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
          [
            id,
            storeId,
            claims?.userId ?? null,
            storeId ? (body.deviceId ?? null) : null,
            body.kind,
            body.message,
            body.stack ?? null,
            body.componentStack ?? null,
            body.release ?? null,
            body.url ?? null,
            String(request.headers['user-agent'] ?? '').slice(0, 500),
          ],
        );
      },
    );
    request.log.warn(
      { clientError: { id, kind: body.kind, storeId, message: body.message } },
      'client error reported',
    );
    // Counted only: the web app sends its errors to Sentry itself (@sentry/react, lib/sentry.ts).
    deps.errorTracker?.browserReport();
    return reply.code(202).send({ id });
  });

  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/errors',
    { preHandler: requireAuth(deps.gate) },
    async (request) => {
      const access = storeAccess(request, request.params.storeId, 'reports.view');
      const query = parseOrThrow(listSchema, request.query, 'query');
      return deps.db.transaction(access, async (sql) => {
        const res = await sql.query<Record<string, unknown>>(
          `select id, kind, message, stack, component_stack as "componentStack", release, device_id as "deviceId",
                  url, created_at as "createdAt"
             from client_errors where store_id = $1 order by created_at desc limit $2`,
          [access.storeId, query.limit],
        );
        return { items: res.rows };
      });
    },
  );
}
