/**
 * The Node flags the server runs with, wherever it is started: `npm start` (both package.json
 * files carry them literally; node-flags.test.ts keeps them equal to this list), the tests' and
 * the bench's server processes (test-support/server-process.ts, tools/bench/push-ab.ts).
 *
 * `--max-semi-space-size=64` (MiB; Node 20's default is 16 on 64-bit): a push allocates short-lived
 * rows, JSON and statement parameters, and with a larger young generation fewer of them are
 * scavenged while still alive and copied. Measured interleaved (tools/bench/push-ab.ts, 2026-12-08,
 * docs/PERFORMANCE.md): the server's CPU per mutation −8 % with one visit per push and −4 % with
 * ten, for up to 32 MiB more resident memory.
 */
export const SERVER_NODE_FLAGS: readonly string[] = ['--max-semi-space-size=64'];
