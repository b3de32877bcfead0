import type { TestProject } from 'vitest/node';
import type {} from './e2e-context';
import { startServer } from './server-process';

/** One real server (embedded PGlite, demo store) for the browser suite. */
export default async function setup(project: TestProject) {
  // The demo store's eight weeks of history are seeded at start (~20 s on PGlite, more on a
  // busy machine): give the start the time it needs.
  const server = await startServer({ LOG_LEVEL: 'warn' }, { timeoutMs: 240_000 });
  project.provide('baseUrl', server.url);
  return async () => {
    await server.stop();
  };
}
