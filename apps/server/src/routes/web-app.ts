import { existsSync } from 'node:fs';
import path from 'node:path';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/**
 * Serves the built PWA from one origin with the API, in the brotli or gzip copy the build wrote
 * when the client accepts it. Unknown non-API paths fall back to index.html so client-side routes
 * survive a reload, except the public booking pages (/book, /book/…), which get their own small
 * entry, book.html, without the desk. Returns false when there is no build.
 */
export async function registerWebApp(app: FastifyInstance, distDir: string): Promise<boolean> {
  const root = path.resolve(distDir);
  if (!existsSync(path.join(root, 'index.html'))) return false;
  await app.register(fastifyStatic, {
    root,
    wildcard: false,
    // The build writes `.br` and `.gz` copies (apps/web/scripts/precompress.ts): sent as they are
    // to a client that accepts them, the file itself to one that does not.
    preCompressed: true,
    // Else `send` adds its own `cache-control: public, max-age=0`, which replaces the one set
    // below (it is applied after setHeaders): no asset was ever cached for a year.
    cacheControl: false,
    setHeaders(res, filePath) {
      // The same URL answers in several encodings: caches must key on the request's.
      res.setHeader('vary', 'Accept-Encoding');
      // Hashed assets never change; the shell and service worker must always be revalidated.
      if (filePath.includes(`${path.sep}assets${path.sep}`)) {
        res.setHeader('cache-control', 'public, max-age=31536000, immutable');
      } else {
        res.setHeader('cache-control', 'no-cache');
      }
    },
  });
  app.get('/*', async (request, reply) => {
    const url = request.url.split('?')[0] ?? '/';
    if (url.startsWith('/api/') || path.extname(url) !== '') {
      return reply.code(404).send({ error: { code: 'NOT_FOUND', message: `No route GET ${url}` } });
    }
    const page = url === '/book' || url.startsWith('/book/') ? 'book.html' : 'index.html';
    return reply.header('cache-control', 'no-cache').sendFile(page);
  });
  return true;
}
