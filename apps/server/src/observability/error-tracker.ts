import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Db } from '../db/db';
import { requestContext } from './logging';
import { sendToSentry, type ErrorEvent, type HttpPost, type SentryTarget } from './sentry';

/**
 * Error tracking that works without any outside service: the server's 5xx go into the same table
 * as the browser's reports (kind 'server'), where a store's owners read them, and, when a Sentry
 * DSN is configured, to Sentry as well. Reporting never delays or fails the response.
 */
export interface ErrorTracker {
  /** A 5xx answered by this server. */
  serverError(err: Error, request: FastifyRequest, status: number): void;
  /** A browser report the server has stored: counted, and forwarded to Sentry when configured. */
  browserReport(event: ErrorEvent): void;
  /** Resolves when every report started so far is stored and sent (tests, shutdown). */
  flush(): Promise<void>;
}

export interface ErrorTrackerDeps {
  db: Db;
  release: string;
  log: FastifyBaseLogger;
  now: () => Date;
  sentry?: { target: SentryTarget; post: HttpPost } | undefined;
  /** Counts each report for the error-rate alert. */
  counted?: (source: ErrorEvent['source']) => void;
}

const MAX_STACK = 20_000;

export function createErrorTracker(deps: ErrorTrackerDeps): ErrorTracker {
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const p = work.catch((err: unknown) => deps.log.warn({ err }, 'error report not recorded'));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };
  const forward = (event: ErrorEvent) => {
    deps.counted?.(event.source);
    if (deps.sentry) track(sendToSentry(deps.sentry.post, deps.sentry.target, event));
  };

  return {
    serverError(err, request, status) {
      const bound = requestContext(request);
      const storeId = bound?.storeId ?? null;
      const event: ErrorEvent = {
        type: err.name,
        message: `${status} ${err.message}`.slice(0, 2000),
        stack: err.stack?.slice(0, MAX_STACK),
        release: deps.release,
        source: 'server',
        storeId,
        deviceId: bound?.deviceId ?? null,
        userId: bound?.userId ?? null,
        requestId: request.id,
        url: request.url.split('?')[0]!,
        method: request.method,
        timestamp: deps.now(),
      };
      track(
        deps.db.transaction(
          storeId && bound
            ? { storeId, organizationId: bound.orgId!, userId: bound.userId! }
            : null,
          async (sql) => {
            await sql.query(
              `insert into client_errors (id, store_id, user_id, device_id, kind, message, stack, release, url, user_agent)
               values ($1, $2, $3, $4, 'server', $5, $6, $7, $8, $9)`,
              [
                randomUUID(),
                storeId,
                event.userId,
                storeId ? event.deviceId : null,
                `${event.message} [request ${request.id}]`,
                event.stack ?? null,
                deps.release,
                `${request.method} ${event.url}`,
                String(request.headers['user-agent'] ?? '').slice(0, 500),
              ],
            );
          },
        ),
      );
      forward(event);
    },
    browserReport: forward,
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
    },
  };
}
