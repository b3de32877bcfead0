import { timingSafeEqual } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import { httpErrors } from '../http/errors';
import type { Metrics } from '../observability/metrics';

/**
 * `GET /metrics` in the Prometheus text format, for a scraper holding METRICS_TOKEN (sent as
 * `Authorization: Bearer <token>`). Without a configured token the endpoint does not exist: the
 * figures name no tenant, but they describe the system to anyone on the internet.
 */
export function registerMetricsRoute(
  app: FastifyInstance,
  deps: { metrics: Metrics; token: string | undefined },
): void {
  const { token } = deps;
  if (!token) return;
  const expected = Buffer.from(`Bearer ${token}`);
  app.get('/metrics', async (request, reply) => {
    const given = Buffer.from(String(request.headers.authorization ?? ''));
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) {
      throw httpErrors.unauthorized('The metrics endpoint needs its bearer token.');
    }
    const registry = deps.metrics.registry;
    return reply.type(registry.contentType).send(await registry.metrics());
  });
}
