import type { FastifyInstance } from 'fastify';
import type { DestinationStream } from 'pino';
import { buildApp, type AppDeps } from '../../app';
import { createTokenSigner } from '../../auth/tokens';
import { createInProcessBus } from '../../bus/event-bus';
import { systemClock } from '../../clock';
import { loadConfig } from '../../config';
import type { Db } from '../../db/db';
import { createMemoryRateLimiter } from '../../rate-limit/rate-limiter';
import { TEST_JWT_SECRET } from '../../test-support/test-app';

/** Log lines of an app, parsed, as they are written. */
export class CapturedLog implements DestinationStream {
  readonly lines: Record<string, unknown>[] = [];
  readonly raw: string[] = [];
  write(chunk: string): void {
    for (const line of chunk.split('\n').filter(Boolean)) {
      this.raw.push(line);
      this.lines.push(JSON.parse(line) as Record<string, unknown>);
    }
  }
  ofRequest(reqId: string): Record<string, unknown>[] {
    return this.lines.filter((l) => l.reqId === reqId);
  }
}

/** The real app with the observability deps a test wants to see (log stream, metrics, Sentry). */
export function buildObservedApp(
  db: Db,
  env: Record<string, string> = {},
  extra: Partial<Pick<AppDeps, 'metrics' | 'logDestination' | 'loginLimits'>> = {},
): Promise<FastifyInstance> {
  return buildApp({
    config: loadConfig({ LOG_LEVEL: 'silent', WEB_DIST_DIR: '/nonexistent', ...env }),
    db,
    bus: createInProcessBus(),
    clock: systemClock,
    signer: createTokenSigner(TEST_JWT_SECRET),
    limiter: createMemoryRateLimiter(),
    ...extra,
  });
}
