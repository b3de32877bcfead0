import { type ChildProcess, spawn } from 'node:child_process';

/**
 * PgBouncer refuses to run as root, and these tests run as root: it runs as the `postgres` OS user
 * (short-lived PostgreSQL tools: test-support/pg-cluster.ts).
 */
const asRoot = process.getuid?.() === 0;

/** Starts a long-running command as the postgres OS user. */
export function spawnAsPostgres(command: string, args: string[]): ChildProcess {
  const [file, argv] = asRoot
    ? ['runuser', ['-u', 'postgres', '--', command, ...args]]
    : [command, args];
  return spawn(file, argv, { stdio: ['ignore', 'pipe', 'pipe'], cwd: '/' });
}

/** Polls `check` until it resolves, or fails after `timeoutMs` with the last error. */
export async function waitUntil(
  what: string,
  check: () => Promise<unknown>,
  timeoutMs = 20_000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      await check();
      return;
    } catch (e) {
      last = e;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new Error(`${what} did not become ready: ${String(last)}`);
}
