import { loginRequestSchema, refreshRequestSchema, signupRequestSchema } from '@mango/protocol';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type AuthDeps, login, logout, refresh, signup } from '../auth/auth-service';
import { httpErrors } from '../http/errors';
import { parseOrThrow } from '../http/validate';
import type { RateLimiter } from '../rate-limit/rate-limiter';

export interface LoginLimits {
  perAccount: number;
  perIp: number;
  windowMs: number;
}

export const DEFAULT_LOGIN_LIMITS: LoginLimits = {
  perAccount: 10,
  perIp: 100,
  windowMs: 15 * 60 * 1000,
};

async function limitOrThrow(
  limiter: RateLimiter,
  key: string,
  limit: number,
  windowMs: number,
): Promise<void> {
  const decision = await limiter.hit(key, limit, windowMs);
  if (!decision.allowed) {
    throw httpErrors.rateLimited(
      decision.retryAfterSec,
      `Too many sign-in attempts: try again in ${decision.retryAfterSec} s.`,
    );
  }
}

const ipOf = (request: FastifyRequest) => request.ip;

/**
 * Answers that carry tokens must never be stored by a browser or a proxy cache (a shared
 * proxy would hand one desk's session to the next): `no-store` on every auth answer, errors
 * included.
 */
const noStore = { onRequest: noStoreHook };
async function noStoreHook(_request: FastifyRequest, reply: FastifyReply): Promise<void> {
  reply.header('cache-control', 'no-store');
}

export function registerAuthRoutes(
  app: FastifyInstance,
  deps: AuthDeps & { limiter: RateLimiter; loginLimits: LoginLimits },
): void {
  app.post('/api/v1/auth/signup', noStore, async (request, reply) => {
    const body = parseOrThrow(signupRequestSchema, request.body);
    await limitOrThrow(
      deps.limiter,
      `signup:ip:${ipOf(request)}`,
      deps.loginLimits.perIp,
      deps.loginLimits.windowMs,
    );
    return reply.code(201).send(await signup(deps, body));
  });

  app.post('/api/v1/auth/login', noStore, async (request) => {
    const body = parseOrThrow(loginRequestSchema, request.body);
    const { perAccount, perIp, windowMs } = deps.loginLimits;
    await limitOrThrow(deps.limiter, `login:ip:${ipOf(request)}`, perIp, windowMs);
    await limitOrThrow(
      deps.limiter,
      `login:account:${body.email.trim().toLowerCase()}`,
      perAccount,
      windowMs,
    );
    return login(deps, body.email, body.password);
  });

  app.post('/api/v1/auth/refresh', noStore, async (request) => {
    const body = parseOrThrow(refreshRequestSchema, request.body);
    await limitOrThrow(
      deps.limiter,
      `refresh:ip:${ipOf(request)}`,
      deps.loginLimits.perIp * 10,
      deps.loginLimits.windowMs,
    );
    return refresh(deps, body.refreshToken);
  });

  app.post('/api/v1/auth/logout', noStore, async (request, reply) => {
    const body = parseOrThrow(refreshRequestSchema, request.body);
    await logout(deps, body.refreshToken);
    return reply.code(204).send();
  });
}
