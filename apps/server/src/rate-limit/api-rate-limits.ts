import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import { HttpError } from '../http/errors';
import { planLimitsOf, type PlanName } from '../quotas/plans';
import type { RateLimitDecision, RateLimiter } from './rate-limiter';

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** Probes and metrics are for load balancers and scrapers, never limited. */
const UNLIMITED_PREFIXES = ['/healthz', '/readyz', '/livez', '/metrics'];

export interface ApiRateLimitOptions {
  limiter: RateLimiter;
  /** The store's plan (cached by the caller: this runs on every store request). */
  planOf(storeId: string): Promise<PlanName>;
  /** Requests per window per client IP on routes without a store (sign-in, catalog, …). */
  ipPerMinute: number;
  /** The sliding window the plan's per-minute limits count over. Default 60 s. */
  windowMs?: number;
}

export interface RateLimitStats {
  /** Requests checked against a limit. */
  checked: number;
  /** Requests answered 429. */
  limited: number;
  /** Requests let through unchecked because the limiter (Redis) failed. */
  failedOpen: number;
}

export interface ApiRateLimits {
  stats(): RateLimitStats;
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

function appendHook(existing: RouteOptions['preHandler'], hook: Hook): Hook[] {
  const list = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  return [...(list as Hook[]), hook];
}

function deviceIdOf(request: FastifyRequest): string | undefined {
  const fromQuery = (request.query as { deviceId?: unknown } | undefined)?.deviceId;
  const fromBody = (request.body as { deviceId?: unknown } | undefined)?.deviceId;
  const id = typeof fromQuery === 'string' ? fromQuery : fromBody;
  return typeof id === 'string' && UUID_RE.test(id) ? id.toLowerCase() : undefined;
}

/** IETF draft `RateLimit` / `RateLimit-Policy` fields (the draft-07 form most clients read). */
function headersOf(d: RateLimitDecision, windowMs: number): Record<string, string> {
  return {
    'ratelimit-policy': `${d.limit};w=${windowMs / 1000}`,
    ratelimit: `limit=${d.limit}, remaining=${d.remaining}, reset=${d.resetSec}`,
  };
}

/**
 * Sliding-window limits on the API, shared by all instances when the limiter is Redis: per store
 * and per device (limits from the store's plan) on the store routes, checked after
 * authentication so nobody can spend another store's budget; per IP on the routes without a
 * store. Must be registered before the routes (it attaches itself as each route is added).
 *
 * A limiter failure (Redis down) lets the request through: the limits protect capacity, the
 * POS must keep selling; the pool, PgBouncer and statement timeouts still bound the load.
 */
export function registerApiRateLimits(
  app: FastifyInstance,
  opts: ApiRateLimitOptions,
): ApiRateLimits {
  const counts: RateLimitStats = { checked: 0, limited: 0, failedOpen: 0 };
  const windowMs = opts.windowMs ?? 60_000;

  const hit = async (
    request: FastifyRequest,
    key: string,
    limit: number,
  ): Promise<RateLimitDecision | null> => {
    try {
      return await opts.limiter.hit(key, limit, windowMs);
    } catch (err) {
      counts.failedOpen++;
      request.log.warn({ err, key }, 'rate limiter unavailable: request let through');
      return null;
    }
  };

  const enforce = (reply: FastifyReply, decisions: (RateLimitDecision | null)[], what: string) => {
    counts.checked++;
    const known = decisions.filter((d): d is RateLimitDecision => d !== null);
    const denied = known.find((d) => !d.allowed);
    const shown = denied ?? known.sort((a, b) => a.remaining - b.remaining)[0];
    if (!shown) return;
    const headers = headersOf(shown, windowMs);
    if (!denied) {
      void reply.headers(headers);
      return;
    }
    counts.limited++;
    throw new HttpError(
      429,
      'RATE_LIMITED',
      `Too many requests for this ${what}: try again in ${denied.retryAfterSec} s.`,
      { retryAfterSec: denied.retryAfterSec, limit: denied.limit },
      { ...headers, 'retry-after': String(denied.retryAfterSec) },
    );
  };

  const storeLimit: Hook = async (request, reply) => {
    const storeId = (request.params as { storeId?: unknown }).storeId;
    // Not signed in or not this store's: the route's own checks answer 401/403.
    if (typeof storeId !== 'string' || !request.auth?.stores[storeId]) return;
    const plan = planLimitsOf(await opts.planOf(storeId));
    const deviceId = deviceIdOf(request);
    // The device first: a device over its own limit does not spend the store's budget.
    if (deviceId) {
      const device = await hit(
        request,
        `api:device:${storeId}:${deviceId}`,
        plan.deviceRequestsPerMinute,
      );
      if (device && !device.allowed) return enforce(reply, [device], 'device');
      const store = await hit(request, `api:store:${storeId}`, plan.apiRequestsPerMinute);
      return enforce(reply, [store, device], 'store');
    }
    const store = await hit(request, `api:store:${storeId}`, plan.apiRequestsPerMinute);
    return enforce(reply, [store], 'store');
  };

  const ipLimit: Hook = async (request, reply) => {
    const decision = await hit(request, `api:ip:${request.ip}`, opts.ipPerMinute);
    return enforce(reply, [decision], 'address');
  };

  app.addHook('onRoute', (route) => {
    if (!route.url.startsWith('/api/')) return;
    if (UNLIMITED_PREFIXES.some((p) => route.url.startsWith(p))) return;
    if (route.url.includes(':storeId')) route.preHandler = appendHook(route.preHandler, storeLimit);
    else route.onRequest = appendHook(route.onRequest, ipLimit);
  });

  return { stats: () => ({ ...counts }) };
}
