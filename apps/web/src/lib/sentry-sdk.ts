/**
 * The part of @sentry/react the app uses, as one module so that the build gives it a chunk of its
 * own (`sentry-sdk-<hash>.js`): fetched only when the server has a DSN (lib/sentry.ts) and left
 * out of the service worker's precache (vite.config.ts), so a POS without Sentry never downloads it.
 */
export {
  captureException,
  init,
  makeBrowserOfflineTransport,
  makeFetchTransport,
  withScope,
} from '@sentry/react';
