import { z } from 'zod';

/**
 * The server's one configuration module. Every option: its environment variable, type, default and
 * description. Parsed once at start; a bad value stops the start with a message naming the option.
 * Nothing else in the server reads process.env.
 */

const postgresUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'postgres:' || u.protocol === 'postgresql:';
  } catch {
    return false;
  }
}, 'must be a postgres:// or postgresql:// URL');

const redisUrl = z.string().refine((v) => {
  try {
    const u = new URL(v);
    return u.protocol === 'redis:' || u.protocol === 'rediss:';
  } catch {
    return false;
  }
}, 'must be a redis:// or rediss:// URL');

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
    schema: postgresUrl.optional(),
    description:
      'PostgreSQL URL of the application role (not the tables\u2019 owner). Unset: embedded PGlite under DATA_DIR.',
  }),
  databaseOwnerUrl: option({
    env: 'DATABASE_OWNER_URL',
    schema: postgresUrl.optional(),
    description:
      'PostgreSQL URL of the tables\u2019 owner, for migrations and maintenance jobs. Defaults to DATABASE_URL.',
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
    schema: int(1000, 120_000),
    default: '15000',
    description: 'Heartbeat interval on event streams, so proxies keep them open.',
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
