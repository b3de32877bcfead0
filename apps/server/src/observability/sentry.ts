import type { ClientConfig } from '@mango/protocol';
import type { Config } from '../config';

/**
 * The server's side of Sentry, through @sentry/node. It runs its own client and scope instead of
 * the SDK's global `Sentry.init`, so every app (each test builds several in one process) reports
 * to its own DSN, and nothing is instrumented behind our back: the error handler decides what an
 * error is. The SDK is imported only when SENTRY_DSN is set: it adds seconds to a cold start.
 */
export interface SentryReporter {
  /** Queues one error for Sentry; never throws, never waits for the network. */
  capture(err: Error, context: ErrorContext): void;
  /** Resolves when what is queued is sent; false when that took longer than the timeout. */
  flush(timeoutMs?: number): Promise<boolean>;
  /** Flushes, then stops the client (its timers and exit listeners). */
  close(timeoutMs?: number): Promise<boolean>;
}

export interface ErrorContext {
  tags: Record<string, string>;
  userId?: string | null | undefined;
  request?: { method: string; url: string } | undefined;
}

export type SentryOptions = Pick<Config, 'release' | 'sentryEnvironment' | 'sentrySampleRate'> & {
  sentryDsn: string;
};

export async function createSentryReporter(options: SentryOptions): Promise<SentryReporter> {
  const Sentry = await import('@sentry/node');
  const client = new Sentry.NodeClient({
    dsn: options.sentryDsn,
    release: options.release,
    environment: options.sentryEnvironment,
    sampleRate: options.sentrySampleRate,
    // Errors only, no tracing, no process-wide handlers: nothing but what capture() is given.
    integrations: [],
    stackParser: Sentry.defaultStackParser,
    transport: Sentry.makeNodeTransport,
  });
  const scope = new Sentry.Scope();
  scope.setClient(client);
  client.init();
  return {
    capture(err, context) {
      const local = scope.clone();
      local.setTags(context.tags);
      if (context.userId) local.setUser({ id: context.userId });
      const { request } = context;
      if (request) local.addEventProcessor((event) => ({ ...event, request }));
      local.captureException(err);
    },
    flush: (timeoutMs = 2000) => Promise.resolve(client.flush(timeoutMs)),
    close: (timeoutMs = 2000) => Promise.resolve(client.close(timeoutMs)),
  };
}

/** What the web app needs to load @sentry/react (GET /api/v1/client-config). */
export function browserSentryConfig(config: Config): ClientConfig['sentry'] {
  if (!config.sentryDsn) return null;
  return {
    dsn: config.sentryDsn,
    release: config.release,
    environment: config.sentryEnvironment,
    sampleRate: config.sentrySampleRate,
  };
}

/** The origin the browser SDK posts envelopes to, for the page's connect-src. */
export function sentryOrigin(dsn: string | undefined): string | null {
  return dsn ? new URL(dsn).origin : null;
}
