import type { FastifyInstance } from 'fastify';

/**
 * Headers that keep the POS from being framed or made to run foreign scripts. `connectOrigin`:
 * one more origin the page may send requests to — Sentry's, when SENTRY_DSN is set, where the
 * web app's @sentry/react posts its envelopes.
 */
export function securityHeaders(connectOrigin: string | null = null): Record<string, string> {
  const connectSrc = connectOrigin ? `'self' ${connectOrigin}` : "'self'";
  return {
    'content-security-policy': `default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src ${connectSrc}; worker-src 'self'; frame-ancestors 'none'; base-uri 'self'; form-action 'self'`,
    'x-frame-options': 'DENY',
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
  };
}

/** The headers of answers that are never a page (event streams, snapshots). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = securityHeaders();

/**
 * On every answer sent through Fastify. An answer written on the raw socket after
 * `reply.hijack()` (the SSE event stream, sync/events.ts) skips onSend: it writes these itself.
 */
export function registerSecurityHeaders(
  app: FastifyInstance,
  connectOrigin: string | null = null,
): void {
  const headers = securityHeaders(connectOrigin);
  app.addHook('onSend', async (_request, reply, payload) => {
    reply.headers(headers);
    return payload;
  });
}
