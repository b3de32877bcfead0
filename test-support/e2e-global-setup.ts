import type { TestProject } from 'vitest/node';
import type {} from './e2e-context';
import { startServer } from './server-process';

/** One real server (embedded PGlite, demo store) for the browser suite. */
export default async function setup(project: TestProject) {
  const server = await startServer({ LOG_LEVEL: 'warn' });
  project.provide('baseUrl', server.url);
  return async () => {
    await server.stop();
  };
}
