import type { FastifyBaseLogger } from 'fastify';

/** A long-running part of the server: started once, stopped on shutdown. */
export interface Service {
  run(): void;
  stop(): Promise<void>;
}

/**
 * Runs `work` every `intervalMs`, never overlapping itself, logging failures instead of crashing:
 * maintenance must not take the POS down.
 */
export function intervalJob(
  name: string,
  intervalMs: number,
  work: () => Promise<void>,
  log: FastifyBaseLogger,
): Service {
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  const tick = () => {
    if (running) return;
    running = work()
      .catch((err: unknown) => log.error({ err, job: name }, `job ${name} failed`))
      .finally(() => {
        running = undefined;
      });
  };
  return {
    run() {
      if (intervalMs <= 0) return;
      timer = setInterval(tick, intervalMs);
      timer.unref();
    },
    async stop() {
      if (timer) clearInterval(timer);
      await running;
    },
  };
}
