import { z } from 'zod';
import { postgresUrlProblem } from './db/multi-host-url';

/**
 * The server's one configuration module. Every option: its environment variable, type, default and
 * description. Parsed once at start; a bad value stops the start with a message naming the option.
 * Nothing else in the server reads process.env.
 */

const postgresUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    // A comma is libpq's host list, which only DATABASE_URL and DATABASE_OWNER_URL take.
    return (u.protocol === 'postgres:' || u.protocol === 'postgresql:') && !u.host.includes(',');
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL of one host');

/** DATABASE_URL and DATABASE_OWNER_URL: one host, or several (libpq syntax) for failover. */
const postgresHostsUrl = z.string().superRefine((v, ctx) => {
  const problem = postgresUrlProblem(v);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const redisUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'redis:' || u.protocol === 'rediss:';
  } catch {
    return false;
  }
}, 'must be a redis:// or rediss:// URL');

const smtpUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'smtp:' || u.protocol === 'smtps:';
  } catch {
    return false;
  }
}, 'must be an smtp:// or smtps:// URL');

/** `http(s)://<key>@<host>[/<path>]/<project id>`: what the Sentry SDKs accept. */
const sentryDsn = z.string().refine((v) => {
  try {
    const u = new URL(v);
    const project = u.pathname.split('/').filter(Boolean).at(-1) ?? '';
    // The SDKs refuse a key that is not a word (Sentry's keys are hex) and drop every event.
    return (
      (u.protocol === 'https:' || u.protocol === 'http:') &&
      /^\w+$/.test(u.username) &&
      /^\d+$/.test(project)
    );
  } catch {
    return false;
  }
}, 'must be a Sentry DSN: https://<key>@<host>/<project id>');

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

interface OptionSpec<S extends z.ZodType> {
  env: string;
  schema: S;
  default?: z.input<S>;
  description: string;
}

function option<S extends z.ZodType>(spec: OptionSpec<S>): OptionSpec<S> {
  return spec;
}

export const CONFIG_OPTIONS = {
  port: option({
    env: 'PORT',
    schema: int(0, 65535),
    default: '3000',
    description: 'HTTP port to listen on (0 = any free port).',
  }),
  host: option({
    env: 'HOST',
    schema: z.string().min(1),
    default: '0.0.0.0',
    description: 'Interface to listen on.',
  }),
  databaseUrl: option({
    env: 'DATABASE_URL',
    schema: postgresHostsUrl.optional(),
    description:
      'PostgreSQL URL of the application role (not the tables\u2019 owner). Several hosts for failover in libpq\u2019s syntax (postgres://u@h1:5432,h2:5432/db?target_session_attrs=read-write): the pool uses the one that is the primary and searches again when it is lost. Unset: embedded PGlite under DATA_DIR.',
  }),
  databaseOwnerUrl: option({
    env: 'DATABASE_OWNER_URL',
    schema: postgresHostsUrl.optional(),
    description:
      'PostgreSQL URL of the tables\u2019 owner, for migrations and maintenance jobs (several hosts as in DATABASE_URL). Defaults to DATABASE_URL.',
  }),
  databaseReplicaUrl: option({
    env: 'DATABASE_REPLICA_URL',
    schema: postgresUrl.optional(),
    description:
      'PostgreSQL URL (application role) of a streaming replica for lag-tolerant reads (history). Unset: all reads on the primary.',
  }),
  replicaMaxLagMs: option({
    env: 'REPLICA_MAX_LAG_MS',
    schema: int(0, 3_600_000),
    default: '5000',
    description: 'A replica further behind than this is skipped: its reads go to the primary.',
  }),
  replicaWaitMs: option({
    env: 'REPLICA_WAIT_MS',
    schema: int(0, 10_000),
    default: '200',
    description:
      'After a write to a store, how long a read waits for the replica to replay it before reading the primary instead.',
  }),
  shardDirectoryUrl: option({
    env: 'SHARD_DIRECTORY_URL',
    schema: postgresUrl.optional(),
    description:
      'PostgreSQL URL of the shard directory (organization \u2192 shard). Set: each request goes to its organization\u2019s shard, DATABASE_URL is unused. Unset: one database.',
  }),
  region: option({
    env: 'REGION',
    schema: z.string().regex(/^[a-z0-9-]{1,32}$/, 'lowercase letters, digits and dashes'),
    default: 'default',
    description:
      'Region this instance runs in: with SHARD_DIRECTORY_URL, organizations signing up here are placed on a shard of this region.',
  }),
  shardRouteCacheMs: option({
    env: 'SHARD_ROUTE_CACHE_MS',
    schema: int(0, 60_000),
    default: '500',
    description:
      'How long an instance trusts a directory route; a shard move waits this long after pausing writes (500 keeps the pause under 1 s). Same value on every instance and the admin CLI.',
  }),
  shardPauseWaitMs: option({
    env: 'SHARD_PAUSE_WAIT_MS',
    schema: int(0, 120_000),
    default: '10000',
    description:
      'How long a request of an organization being moved waits for the move before answering 503 (devices retry).',
  }),
  dataDir: option({
    env: 'DATA_DIR',
    schema: z.string().min(1),
    default: './data',
    description: 'Where the embedded database and generated secrets are kept.',
  }),
  redisUrl: option({
    env: 'REDIS_URL',
    schema: redisUrl.optional(),
    description:
      'Redis URL for cache, rate limits and the cross-instance event bus. Unset: in-process.',
  }),
  dbPoolMax: option({
    env: 'DB_POOL_MAX',
    schema: int(1, 1000),
    default: '20',
    description: 'Maximum PostgreSQL connections per server instance.',
  }),
  dbConnectionTimeoutMs: option({
    env: 'DB_CONNECTION_TIMEOUT_MS',
    schema: int(100, 600_000),
    default: '5000',
    description: 'How long a request waits for a pooled connection before failing with 503.',
  }),
  dbStatementTimeoutMs: option({
    env: 'DB_STATEMENT_TIMEOUT_MS',
    schema: int(100, 600_000),
    default: '10000',
    description: 'Per-statement timeout on PostgreSQL.',
  }),
  databasePreparedStatements: option({
    env: 'DATABASE_PREPARED_STATEMENTS',
    schema: bool,
    default: 'true',
    description:
      'Named prepared statements for the push\u2019s fixed statements (its lock, read-ahead and batched write), parsed and mostly planned once per connection instead of on every push. Set false behind PgBouncer < 1.21 in transaction mode (it cannot keep them; 1.21+ can with max_prepared_statements).',
  }),
  dbIdleTimeoutMs: option({
    env: 'DB_IDLE_TIMEOUT_MS',
    schema: int(1000, 3_600_000),
    default: '30000',
    description: 'Idle pooled connections are closed after this.',
  }),
  logLevel: option({
    env: 'LOG_LEVEL',
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    default: 'info',
    description: 'Log level.',
  }),
  logFormat: option({
    env: 'LOG_FORMAT',
    schema: z.enum(['auto', 'json', 'pretty']),
    default: 'auto',
    description:
      'Log lines: `json` (one object a line, for collectors), `pretty` (for people), `auto`: pretty when stdout is a terminal, else JSON.',
  }),
  jwtSecret: option({
    env: 'JWT_SECRET',
    schema: z.string().min(32).optional(),
    description:
      'Key that signs access tokens (\u2265 32 chars). Unset: generated once and kept under DATA_DIR.',
  }),
  accessTokenTtlSec: option({
    env: 'ACCESS_TOKEN_TTL_SEC',
    schema: int(30, 86_400),
    default: '900',
    description: 'Lifetime of an access token.',
  }),
  refreshTokenTtlSec: option({
    env: 'REFRESH_TOKEN_TTL_SEC',
    schema: int(60, 31_536_000),
    default: '2592000',
    description: 'Lifetime of a refresh token.',
  }),
  refreshReuseGraceSec: option({
    env: 'REFRESH_REUSE_GRACE_SEC',
    schema: int(0, 300),
    default: '60',
    description:
      'A refresh token may be presented again this long after it was rotated, if none of its successors was used yet (the answer was lost on a flaky network). Later, or an older token: the whole session is revoked as stolen.',
  }),
  authRecheckMs: option({
    env: 'AUTH_RECHECK_MS',
    schema: int(0, 2000),
    default: '2000',
    description:
      'How long an instance trusts its last look at an account\u2019s roles and active state (0 = check on every request). A demoted, deactivated or removed account loses its rights on every instance within this.',
  }),
  syncHeadTtlSec: option({
    env: 'SYNC_HEAD_TTL_SEC',
    schema: int(0, 3600),
    default: '300',
    description:
      'How long a store\u2019s sync heads (its version and epoch, each device\u2019s last mutation id) answer quiet pulls without the database (0 = every pull reads the database); each device\u2019s next pull after it reads the database once. Pushes and the admin tools keep them exact; if Redis loses a push\u2019s update, polling devices see that push within this at the latest.',
  }),
  syncChangesKeepDays: option({
    env: 'SYNC_CHANGES_KEEP_DAYS',
    schema: int(1, 365),
    default: '14',
    description:
      'How long the record of which rows each push changed (sync_changes, what pulls read) is kept. A device whose cursor is older is answered RESYNC_REQUIRED: it pushes its pending changes, then syncs again from a snapshot.',
  }),
  lastSeenFlushMs: option({
    env: 'LAST_SEEN_FLUSH_MS',
    schema: int(100, 600_000),
    default: '30000',
    description:
      'How often the devices seen by pulls answered without the database get their last-seen time and pulled version written, in one statement for all of them.',
  }),
  webDistDir: option({
    env: 'WEB_DIST_DIR',
    schema: z.string().min(1),
    default: 'apps/web/dist',
    description: 'The built web app served at /.',
  }),
  demoSeed: option({
    env: 'DEMO_SEED',
    schema: bool,
    default: 'true',
    description: 'Create the demo organization and store at start if it does not exist.',
  }),
  sseHeartbeatMs: option({
    env: 'SSE_HEARTBEAT_MS',
    // Below the server's 30 s idle-socket timeout (app.ts connectionTimeout), which would cut
    // a stream silent for longer; 25 s keeps 20,000 idle streams under 5 % of a core (the
    // heartbeat writes are most of their cost: docs/PERFORMANCE.md).
    schema: int(1000, 25_000),
    default: '25000',
    description:
      'Heartbeat interval on event streams, so proxies keep them open (at most 25 s: the server cuts sockets silent for 30 s).',
  }),
  sseMaxStreamsPerStore: option({
    env: 'SSE_MAX_STREAMS_PER_STORE',
    schema: int(1, 100_000),
    default: '50',
    description:
      'Open event streams one store may hold on one server instance; beyond, 429 RATE_LIMITED.',
  }),
  httpHeadersTimeoutMs: option({
    env: 'HTTP_HEADERS_TIMEOUT_MS',
    schema: int(500, 600_000),
    default: '10000',
    description:
      'A client must send its request headers within this (slowloris defence); then 408 and closed.',
  }),
  httpRequestTimeoutMs: option({
    env: 'HTTP_REQUEST_TIMEOUT_MS',
    schema: int(500, 600_000),
    default: '30000',
    description:
      'A client must send its whole request within this (at least HTTP_HEADERS_TIMEOUT_MS).',
  }),
  reportRefreshIntervalSec: option({
    env: 'REPORT_REFRESH_INTERVAL_SEC',
    schema: int(0, 86_400),
    default: '300',
    description: 'Refresh of the report materialized views (0 = off).',
  }),
  partitionMonthsAhead: option({
    env: 'PARTITION_MONTHS_AHEAD',
    schema: int(1, 36),
    default: '3',
    description: 'Monthly partitions created ahead of time.',
  }),
  auditRetentionMonths: option({
    env: 'AUDIT_RETENTION_MONTHS',
    schema: int(1, 240),
    default: '24',
    description: 'Audit log partitions older than this are dropped.',
  }),
  release: option({
    env: 'RELEASE',
    schema: z.string().min(1),
    default: 'dev',
    description: 'Release name reported with errors and metrics.',
  }),
  metricsToken: option({
    env: 'METRICS_TOKEN',
    schema: z.string().min(16).optional(),
    description:
      'Bearer token a Prometheus scraper sends to GET /metrics (\u2265 16 chars). Unset: /metrics is not served.',
  }),
  sentryDsn: option({
    env: 'SENTRY_DSN',
    schema: sentryDsn.optional(),
    description:
      'Sentry DSN (https://key@host/project-id): the server (@sentry/node) sends its 5xx there; the web app, told by GET /api/v1/client-config, loads @sentry/react and sends its errors there too. Unset: errors are stored locally only and the web app never loads Sentry.',
  }),
  sentryEnvironment: option({
    env: 'SENTRY_ENVIRONMENT',
    schema: z.string().min(1).max(64),
    default: 'production',
    description: 'Environment the server and the web app report to Sentry with.',
  }),
  sentrySampleRate: option({
    env: 'SENTRY_SAMPLE_RATE',
    schema: z.coerce.number().min(0).max(1),
    default: '1',
    description:
      'Share of errors (0–1) the server and the web app send to Sentry; the local error store keeps every one.',
  }),
  apiRateLimits: option({
    env: 'API_RATE_LIMITS',
    schema: bool,
    default: 'false',
    description:
      'Per-store and per-device request limits from the store\u2019s plan, per-IP limits elsewhere (429 when over). Shared across instances through REDIS_URL.',
  }),
  readCache: option({
    env: 'READ_CACHE',
    schema: bool,
    default: 'true',
    description:
      'Cache read-mostly store data (catalog, history) in Redis (REDIS_URL) or in process, invalidated by every committed write.',
  }),
  planQuotas: option({
    env: 'PLAN_QUOTAS',
    schema: bool,
    default: 'false',
    description:
      'Refuse changes that take a store over its plan\u2019s staff, client or daily appointment limits (QUOTA_EXCEEDED). For the hosted service; a self-hosted salon has no plan.',
  }),
  trustProxy: option({
    env: 'TRUST_PROXY',
    schema: bool,
    default: 'false',
    description:
      'Behind a load balancer (ops/haproxy.cfg): take the client IP from X-Forwarded-For, for per-IP limits and logs. Only when clients cannot reach the instances directly.',
  }),
  rateLimitIpPerMin: option({
    env: 'RATE_LIMIT_IP_PER_MIN',
    schema: int(1, 1_000_000),
    default: '300',
    description:
      'With API_RATE_LIMITS: requests per minute per client IP on routes without a store.',
  }),
  publicBookingIpPerMin: option({
    env: 'PUBLIC_BOOKING_IP_PER_MIN',
    schema: int(1, 1_000_000),
    default: '120',
    description:
      'Requests per minute one client IP may make to the public booking pages and API (429 when over; always on: these routes need no sign-in).',
  }),
  publicBookingStorePerMin: option({
    env: 'PUBLIC_BOOKING_STORE_PER_MIN',
    schema: int(1, 1_000_000),
    default: '1200',
    description:
      "Requests per minute to one store's public booking page and API from all addresses together (429 when over).",
  }),
  rateLimitWindowSec: option({
    env: 'RATE_LIMIT_WINDOW_SEC',
    schema: int(1, 3600),
    default: '60',
    description:
      'With API_RATE_LIMITS: the sliding window the per-minute limits count over. Only tests shorten it (the same count in a shorter window).',
  }),
  smtpUrl: option({
    env: 'SMTP_URL',
    schema: smtpUrl.optional(),
    description:
      'SMTP server the booking e-mails are sent through (smtp://user:pass@host:587, or smtps:// for TLS from the start). Unset: no e-mail is sent, messages stay queued in email_outbox.',
  }),
  publicUrl: option({
    env: 'PUBLIC_URL',
    schema: z.string().url(),
    default: 'http://localhost:3000',
    description:
      'Address clients reach this server at: the links in the booking e-mails start with it.',
  }),
  mailFrom: option({
    env: 'MAIL_FROM',
    schema: z.string().min(3),
    default: 'Mango POS <no-reply@localhost>',
    description: 'From address of the booking e-mails.',
  }),
  mailSendIntervalMs: option({
    env: 'MAIL_SEND_INTERVAL_MS',
    schema: int(100, 3_600_000),
    default: '5000',
    description: 'How often the sender looks for due e-mails (with SMTP_URL).',
  }),
  mailMaxAttempts: option({
    env: 'MAIL_MAX_ATTEMPTS',
    schema: int(1, 100),
    default: '8',
    description:
      'Attempts of one e-mail before it is given up (status failed, logged, counted); the wait doubles from 30 s after each failure, capped at 1 h.',
  }),
} as const;

type Options = typeof CONFIG_OPTIONS;
export type Config = { [K in keyof Options]: z.output<Options[K]['schema']> };

export class ConfigError extends Error {
  override readonly name = 'ConfigError';
}

/** Parses the environment once. Throws ConfigError naming every bad option. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const out: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [key, spec] of Object.entries(CONFIG_OPTIONS) as [string, OptionSpec<z.ZodType>][]) {
    const raw = env[spec.env] === '' ? undefined : env[spec.env];
    const parsed = spec.schema.safeParse(raw ?? spec.default);
    if (parsed.success) out[key] = parsed.data;
    else {
      const why = parsed.error.issues.map((i) => i.message).join('; ');
      problems.push(`${spec.env}: ${why} (got ${JSON.stringify(raw)})`);
    }
  }
  if (problems.length > 0) {
    throw new ConfigError(`Invalid configuration:\n  ${problems.join('\n  ')}`);
  }
  return out as Config;
}

/** The configuration table of the README, generated from the options above. */
export function configTableMarkdown(): string {
  const rows = Object.values(CONFIG_OPTIONS).map(
    (o) =>
      `| \`${o.env}\` | ${o.default === undefined ? '(unset)' : `\`${String(o.default)}\``} | ${o.description} |`,
  );
  return ['| Variable | Default | Meaning |', '| --- | --- | --- |', ...rows].join('\n');
}
