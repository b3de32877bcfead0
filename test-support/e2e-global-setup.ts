import type { TestProject } from 'vitest/node';
import type {} from './e2e-context';
import { startServer } from './server-process';

/** One real server (embedded PGlite, demo store) for the browser suite. */
export default async function setup(project: TestProject) {
  // The demo store's eight weeks of history are seeded at start (~20 s on PGlite, more on a
  // busy machine): give the start the time it needs.
  // WEB_DIST_DIR: a build of one's own (`vite build --outDir …`), so that two checkouts' or
  // two people's e2e runs on one machine do not serve each other's half-written builds.
  const dist = process.env.WEB_DIST_DIR;
  const server = await startServer(
    { LOG_LEVEL: 'warn', ...(dist ? { WEB_DIST_DIR: dist } : {}) },
    { timeoutMs: 240_000 },
  );
  project.provide('baseUrl', server.url);
  return async () => {
    await server.stop();
  };
}
