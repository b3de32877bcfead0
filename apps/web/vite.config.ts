import { readFileSync } from 'node:fs';
import path from 'node:path';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';
import { precompressDir } from './scripts/precompress';

const RELEASE = `web-${new Date()
  .toISOString()
  .replace(/[-:TZ.]/g, '')
  .slice(0, 14)}`;

/**
 * Emits `sw.js` from sw-template.js with the list of every built file to precache (hashed
 * assets but Sentry's SDK, index.html, manifest) and a release id, so each build installs a
 * fresh shell.
 */
function precachePlugin(): Plugin {
  return {
    name: 'mango-precache',
    apply: 'build',
    generateBundle(_opts, bundle) {
      const files = Object.keys(bundle)
        .filter((f) => !f.endsWith('.map') && f !== 'sw.js' && !f.startsWith('.vite/'))
        // Sentry's SDK is fetched only when the server has a DSN (src/lib/sentry.ts); then the
        // worker caches it on first use like any asset. Precached, every POS would download it.
        .filter((f) => !/^assets\/sentry-sdk-/.test(f))
        .map((f) => `/${f}`);
      const precache = [
        '/',
        '/index.html',
        '/manifest.webmanifest',
        ...files.filter((f) => f !== '/index.html'),
      ];
      const template = readFileSync(path.join(import.meta.dirname, 'sw-template.js'), 'utf8');
      this.emitFile({
        type: 'asset',
        fileName: 'sw.js',
        source: template
          .replace("'__RELEASE__'", JSON.stringify(RELEASE))
          .replace(
            'const PRECACHE = __PRECACHE__;',
            `const PRECACHE = ${JSON.stringify([...new Set(precache)], null, 2)};`,
          ),
      });
    },
  };
}

/**
 * The dev server's counterpart of the server's web-app.ts route: /book/… pages open the public
 * booking entry (book.html), every other page the desk (index.html).
 */
function bookingPagesPlugin(): Plugin {
  return {
    name: 'mango-booking-pages',
    apply: 'serve',
    configureServer(server) {
      server.middlewares.use((req, _res, next) => {
        if (req.url && /^\/book(\/|$|\?)/.test(req.url)) req.url = '/book.html';
        next();
      });
    },
  };
}

/**
 * Writes brotli and gzip copies next to every built file once the build is on disk (public/
 * files and sw.js included), for the server to send as they are.
 */
function precompressPlugin(): Plugin {
  let outDir = '';
  return {
    name: 'mango-precompress',
    apply: 'build',
    configResolved(config) {
      outDir = path.resolve(config.root, config.build.outDir);
    },
    closeBundle() {
      const files = precompressDir(outDir);
      const sum = (k: 'raw' | 'br' | 'gzip') => files.reduce((s, f) => s + f[k], 0);
      this.info(
        `precompressed ${files.length} files: ${sum('raw')} B raw, ${sum('br')} B br, ${sum('gzip')} B gzip`,
      );
    },
  };
}

export default defineConfig({
  plugins: [react(), precachePlugin(), bookingPagesPlugin(), precompressPlugin()],
  define: { __APP_RELEASE__: JSON.stringify(RELEASE) },
  worker: { format: 'es' },
  build: {
    outDir: 'dist',
    sourcemap: true,
    reportCompressedSize: true,
    manifest: true,
    // Two pages: the desk (index.html) and the public booking page (book.html), each with its
    // own entry chunk, so a client booking from a phone never downloads the desk.
    rolldownOptions: {
      input: {
        desk: path.join(import.meta.dirname, 'index.html'),
        book: path.join(import.meta.dirname, 'book.html'),
      },
    },
  },
  server: { proxy: { '/api': 'http://localhost:3000' } },
});
