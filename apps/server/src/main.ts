import { once } from 'node:events';
import { createInProcessBus, type EventBus } from './bus/event-bus';
import { createRedisBus } from './bus/redis-bus';
import { buildApp } from './app';
import { systemClock } from './clock';
import { ConfigError, loadConfig, type Config } from './config';
import { openConfiguredDb } from './db/open-configured';
import { migrate } from './db/migrate';
import { ensureMonthlyPartitions, purgeSyncChanges, refreshReportViews } from './db/jobs';
import { intervalJob } from './jobs/interval-job';
import { Redis } from 'ioredis';
import { Registry } from 'prom-client';
import { createMetrics } from './observability/metrics';
import { logDestination } from './observability/logging';
import { createTokenSigner, resolveJwtSecret } from './auth/tokens';
import { createMemoryRateLimiter, createRedisRateLimiter } from './rate-limit/rate-limiter';
import { createRedisCache } from './cache/redis-cache';
import { createRedisHeads } from './sync/heads-redis';
import { openConfiguredReads } from './db/replica-configured';
import { openShardedDb } from './shards/open-sharded';
import type { ReadinessProbe } from './routes/health';
import { DEMO_LOGIN, seedDemo } from './demo/demo-seed';
import { createMailSender } from './messages/sender';
import { createSmtpTransport } from './messages/smtp-transport';

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (e) {
    if (e instanceof ConfigError) {
      console.error(e.message);
      process.exit(1);
    }
    throw e;
  }

  const db = config.shardDirectoryUrl
    ? await openShardedDb(config, config.shardDirectoryUrl)
    : await openConfiguredDb(config);
  await migrate(db);
  await ensureMonthlyPartitions(db, { monthsAhead: config.partitionMonthsAhead });
  const bus: EventBus = config.redisUrl ? createRedisBus(config.redisUrl) : createInProcessBus();
  const redis = config.redisUrl
    ? new Redis(config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: false })
    : undefined;
  redis?.on('error', () => {}); // reconnects by itself; readiness reports it meanwhile
  // Commands fail at once while it connects (no offline queue): requests that came in before the
  // first connection got 500s. Listen once it is up, or after 10 s with readiness reporting it.
  if (redis) await connectedOrTimeout(redis, 10_000);
  const probes: ReadinessProbe[] = redis
    ? [{ name: 'redis', check: async () => void (await redis.ping()) }]
    : [];
  const replica = await openConfiguredReads(config, db, redis);
  const signer = createTokenSigner(resolveJwtSecret(config.jwtSecret, config.dataDir));
  const metrics = createMetrics({
    registry: new Registry(),
    processMetrics: true,
    release: config.release,
  });
  const prettyLog = logDestination(config.logFormat, process.stdout.isTTY === true);
  const app = await buildApp({
    metrics,
    config,
    ...(prettyLog ? { logDestination: prettyLog } : {}),
    db,
    bus,
    clock: systemClock,
    signer,
    limiter: redis ? createRedisRateLimiter(redis) : createMemoryRateLimiter(),
    ...(redis
      ? {
          cache: createRedisCache(redis),
          heads: createRedisHeads(redis, { ttlSec: config.syncHeadTtlSec }),
        }
      : {}),
    reads: replica.reads,
    probes,
  });

  const jobs = [
    intervalJob(
      'refresh-report-views',
      config.reportRefreshIntervalSec * 1000,
      () => refreshReportViews(db),
      app.log,
    ),
    intervalJob(
      'ensure-partitions',
      6 * 3600 * 1000,
      async () =>
        void (await ensureMonthlyPartitions(db, { monthsAhead: config.partitionMonthsAhead })),
      app.log,
    ),
    intervalJob(
      'purge-sync-changes',
      6 * 3600 * 1000,
      async () => void (await purgeSyncChanges(db, { keepDays: config.syncChangesKeepDays })),
      app.log,
    ),
  ];
  // Without SMTP_URL nothing is sent: the messages stay queued until a server with it runs.
  const transport = config.smtpUrl ? createSmtpTransport(config.smtpUrl) : undefined;
  if (transport) {
    const sender = createMailSender({
      db,
      transport,
      clock: systemClock,
      from: config.mailFrom,
      maxAttempts: config.mailMaxAttempts,
      log: app.log,
    });
    metrics.counterFrom(
      'mango_email_messages_total',
      'Booking e-mails by outcome: sent, retried (an attempt failed), failed (given up), skipped (a stale reminder).',
      () => ({ ...sender.counts }),
      'outcome',
    );
    jobs.push(
      intervalJob('send-email', config.mailSendIntervalMs, () => sender.sendDue(), app.log),
    );
  }
  for (const job of jobs) job.run();

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.log.info({ signal }, 'shutting down');
    // close() stops accepting, lets in-flight requests (pushes) finish, then runs onClose hooks.
    await app.close();
    await Promise.all(jobs.map((j) => j.stop()));
    transport?.close();
    await bus.close();
    redis?.disconnect();
    await replica.close();
    await db.close();
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  if (config.demoSeed) {
    const seeded = await seedDemo({
      db,
      signer,
      clock: systemClock,
      accessTokenTtlSec: config.accessTokenTtlSec,
      refreshTokenTtlSec: config.refreshTokenTtlSec,
      refreshReuseGraceSec: config.refreshReuseGraceSec,
    });
    if (seeded.created)
      console.log(
        `Demo store created with eight weeks of history in ${(seeded.seedMs / 1000).toFixed(1)} s`,
      );
  }

  const address = await app.listen({ port: config.port, host: config.host });
  const engine = db.engine === 'pglite' ? `embedded PGlite (${config.dataDir})` : 'PostgreSQL';
  console.log(
    `\nMango POS is running at http://localhost:${new URL(address).port}  [database: ${engine}; cache/bus: ${config.redisUrl ? 'Redis' : 'in-process'}]`,
  );
  if (config.demoSeed) console.log(`Demo login: ${DEMO_LOGIN.email} / ${DEMO_LOGIN.password}\n`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

async function connectedOrTimeout(redis: Redis, ms: number): Promise<void> {
  if (redis.status === 'ready') return;
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    once(redis, 'ready'),
    new Promise((resolve) => {
      timer = setTimeout(resolve, ms);
    }),
  ]);
  clearTimeout(timer);
}
