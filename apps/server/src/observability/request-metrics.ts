import type { FastifyInstance } from 'fastify';
import type { Metrics } from './metrics';

/** Times every answered request by its route pattern (unknown URLs share one label). */
export function registerRequestMetrics(app: FastifyInstance, metrics: Metrics): void {
  app.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.observeRequest(request.method, route, reply.statusCode, reply.elapsedTime / 1000);
  });
}
