import { constants } from 'node:zlib';
import fastifyCompress, { type FastifyCompressRouteOptions } from '@fastify/compress';
import type { FastifyInstance } from 'fastify';

/**
 * Answers below this many bytes go as they are: compressing a quiet pull (~150 bytes, the
 * hottest path, answered without the database) would cost more CPU than the bytes it saves.
 */
export const COMPRESS_ABOVE_BYTES = 1024;

/**
 * The route option of answers that can be large (a pull page of up to MAX_PULL_LIMIT rows):
 * brotli or gzip, whichever the client prefers (brotli on a tie), when over COMPRESS_ABOVE_BYTES.
 * Levels from tools/bench/pull-compression.ts (docs/PERFORMANCE.md): on a 1,000-change page
 * (254 KiB) brotli 1 is both smaller (×7) and cheaper (~0.5 ms) than brotli 4 or any gzip level;
 * gzip 1 (×6, ~0.9 ms) for clients without brotli, as the snapshot does (sync/snapshot-http.ts).
 */
export const LARGE_ANSWER: Exclude<FastifyCompressRouteOptions['compress'], false | undefined> = {
  threshold: COMPRESS_ABOVE_BYTES,
  encodings: ['br', 'gzip'],
  brotliOptions: {
    params: {
      [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT,
      [constants.BROTLI_PARAM_QUALITY]: 1,
    },
  },
  zlibOptions: { level: 1 },
};

/**
 * @fastify/compress for the routes that ask for it (`compress: LARGE_ANSWER`) only: others pay
 * nothing, and request bodies are never inflated (a push stays a plain body under its size limit,
 * not a zip bomb). Registered before the routes: it attaches itself to each route as it is added.
 */
export async function registerCompression(app: FastifyInstance): Promise<void> {
  await app.register(fastifyCompress, { global: false });
}
