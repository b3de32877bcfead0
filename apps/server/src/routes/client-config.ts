import type { ClientConfig } from '@mango/protocol';
import type { FastifyInstance } from 'fastify';

/**
 * What the web app learns from its server at start (no token: the sign-in screen needs it too,
 * and it holds nothing secret — a Sentry DSN only lets one send events). The answer is the same
 * for everyone and changes only with the server's configuration.
 */
export function registerClientConfigRoute(app: FastifyInstance, config: ClientConfig): void {
  const body = JSON.stringify(config);
  app.get('/api/v1/client-config', async (_request, reply) =>
    reply
      .header('content-type', 'application/json; charset=utf-8')
      .header('cache-control', 'no-cache')
      .send(body),
  );
}
