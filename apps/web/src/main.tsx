import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { flushErrorQueue, installGlobalErrorHandlers, RELEASE } from './lib/report-errors';
import { startSentry } from './lib/sentry';
import './styles.css';

installGlobalErrorHandlers();
void flushErrorQueue();

// The app shell is served by a service worker so the POS opens offline.
if ('serviceWorker' in navigator && import.meta.env.PROD) {
  void navigator.serviceWorker.register('/sw.js', { scope: '/' }).catch((e: unknown) => {
    console.warn('service worker registration failed', e);
  });
}

const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(
  <StrictMode>
    <App />
  </StrictMode>,
);

// After the first render, so the first screen never waits for it: Sentry's SDK is fetched only
// when the server has a DSN.
void startSentry(RELEASE);
