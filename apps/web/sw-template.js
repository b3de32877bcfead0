/* global self, caches, fetch, URL, Response, __PRECACHE__ */
// Mango POS service worker (hand-written). The build (vite.config.ts, precachePlugin) replaces
// the two placeholders below with the release id and the list of built files.
const RELEASE = '__RELEASE__';
const PRECACHE = __PRECACHE__;
const CACHE = `mango-shell-${RELEASE}`;

self.addEventListener('install', (event) => {
  event.waitUntil(
    caches
      .open(CACHE)
      .then((cache) => cache.addAll(PRECACHE))
      .then(() => self.skipWaiting()),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    caches
      .keys()
      .then((keys) =>
        Promise.all(
          keys
            .filter((k) => k.startsWith('mango-shell-') && k !== CACHE)
            .map((k) => caches.delete(k)),
        ),
      )
      .then(() => self.clients.claim()),
  );
});

self.addEventListener('fetch', (event) => {
  const req = event.request;
  if (req.method !== 'GET') return;
  const url = new URL(req.url);
  if (url.origin !== self.location.origin) return;
  // Never cache the API: the sync engine owns data, and stale answers would be wrong.
  if (url.pathname.startsWith('/api/') || url.pathname === '/healthz') return;

  if (req.mode === 'navigate') {
    // Network first for the app shell, the cached shell when offline. The public booking pages
    // (/book/…) are another page, book.html: never stored as, nor answered with, the desk's
    // shell (a client's booking link opened on the desk's browser must not open the desk).
    const shell =
      url.pathname === '/book' || url.pathname.startsWith('/book/') ? '/book.html' : '/index.html';
    event.respondWith(
      fetch(req)
        .then((res) => {
          if (res.ok) {
            const copy = res.clone();
            void caches.open(CACHE).then((c) => c.put(shell, copy));
          }
          return res;
        })
        .catch(() =>
          caches
            .match(shell)
            .then(
              (hit) =>
                hit ||
                new Response('Offline', { status: 503, headers: { 'content-type': 'text/plain' } }),
            ),
        ),
    );
    return;
  }
  // Built assets are content-hashed: cache first.
  event.respondWith(
    caches.match(req).then(
      (hit) =>
        hit ||
        fetch(req).then((res) => {
          if (res.ok && url.pathname.startsWith('/assets/')) {
            const copy = res.clone();
            void caches.open(CACHE).then((c) => c.put(req, copy));
          }
          return res;
        }),
    ),
  );
});
