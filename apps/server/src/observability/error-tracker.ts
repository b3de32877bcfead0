import { randomUUID } from 'node:crypto';
import type { FastifyBaseLogger, FastifyRequest } from 'fastify';
import type { Db } from '../db/db';
import { requestContext } from './logging';
import type { SentryReporter } from './sentry';

/**
 * Error tracking that works without any outside service: the server's 5xx go into the same table
 * as the browser's reports (kind 'server'), where a store's owners read them, and, when a Sentry
 * DSN is configured, to Sentry as well (sentry.ts). The browser sends its own errors to Sentry
 * (@sentry/react): the server only stores and counts them. Reporting never delays or fails the
 * response.
 */
export interface ErrorTracker {
  /** A 5xx answered by this server. */
  serverError(err: Error, request: FastifyRequest, status: number): void;
  /** A browser report the server has stored: counted for the error-rate alert. */
  browserReport(): void;
  /** Resolves when every report started so far is stored and sent (tests, shutdown). */
  flush(): Promise<void>;
}

export interface ErrorTrackerDeps {
  db: Db;
  release: string;
  log: FastifyBaseLogger;
  now: () => Date;
  sentry?: SentryReporter | undefined;
  /** Counts each report for the error-rate alert. */
  counted?: (source: 'server' | 'browser') => void;
}

const MAX_STACK = 20_000;

export function createErrorTracker(deps: ErrorTrackerDeps): ErrorTracker {
  const pending = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const p = work.catch((err: unknown) => deps.log.warn({ err }, 'error report not recorded'));
    pending.add(p);
    void p.finally(() => pending.delete(p));
  };

  return {
    serverError(err, request, status) {
      const bound = requestContext(request);
      const storeId = bound?.storeId ?? null;
      const deviceId = bound?.deviceId ?? null;
      const userId = bound?.userId ?? null;
      const message = `${status} ${err.message}`.slice(0, 2000);
      const stack = err.stack?.slice(0, MAX_STACK) ?? null;
      const url = request.url.split('?')[0]!;
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
                userId,
                storeId ? deviceId : null,
                `${message} [request ${request.id}]`,
                stack,
                deps.release,
                `${request.method} ${url}`,
                String(request.headers['user-agent'] ?? '').slice(0, 500),
              ],
            );
          },
        ),
      );
      deps.counted?.('server');
      const tags: Record<string, string> = { source: 'server', request_id: request.id };
      if (storeId) tags.store_id = storeId;
      if (deviceId) tags.device_id = deviceId;
      deps.sentry?.capture(err, { tags, userId, request: { method: request.method, url } });
    },
    browserReport() {
      deps.counted?.('browser');
    },
    async flush() {
      while (pending.size > 0) await Promise.all([...pending]);
      await deps.sentry?.flush();
    },
  };
}
