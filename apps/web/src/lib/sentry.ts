import type { ClientConfig } from '@mango/protocol';
// Types only: the module itself is imported dynamically, below, when the server has a DSN.
import type * as SentrySdk from './sentry-sdk';

/**
 * Sentry in the browser, only when the server has a DSN. At start the app asks its server
 * (GET /api/v1/client-config; the last answer is kept for starts while offline) and only then
 * imports @sentry/react, so the first screen is the same size with Sentry off. Errors reported
 * before the SDK has loaded wait in memory; a DSN-less answer drops them.
 *
 * Every error reaches Sentry through report-errors.ts (the screens' error boundaries, uncaught
 * errors, rejections), the same path that stores it on our server: the SDK's own handlers are
 * off (OWN_HANDLERS), or each uncaught error would be sent twice.
 */
export interface SentryCapture {
  error: Error;
  kind: 'boundary' | 'unhandled' | 'rejection';
  componentStack?: string | undefined;
  storeId?: string | undefined;
  deviceId?: string | undefined;
}

type Sdk = typeof SentrySdk;
type SentryConfig = NonNullable<ClientConfig['sentry']>;

const CONFIG_KEY = 'mango.clientConfig';
/**
 * The SDK's integrations that catch errors themselves (window handlers; try/catch wrapped around
 * every timer and event listener callback): our handlers see the same errors.
 */
const OWN_HANDLERS = new Set(['GlobalHandlers', 'BrowserApiErrors']);
/** Errors kept while the SDK loads: a crash loop must not grow memory. */
const MAX_WAITING = 20;

let sdk: Sdk | null = null;
let off = false;
const waiting: SentryCapture[] = [];

export function captureInSentry(capture: SentryCapture): void {
  if (sdk) send(sdk, capture);
  else if (!off && waiting.length < MAX_WAITING) waiting.push(capture);
}

function send(s: Sdk, { error, kind, componentStack, storeId, deviceId }: SentryCapture): void {
  s.withScope((scope) => {
    scope.setTag('kind', kind);
    if (storeId) scope.setTag('store_id', storeId);
    if (deviceId) scope.setTag('device_id', deviceId);
    if (componentStack) scope.setContext('react', { componentStack });
    s.captureException(error, {
      mechanism: {
        type: kind === 'boundary' ? 'auto.function.react.error_boundary' : `auto.browser.${kind}`,
        handled: kind === 'boundary',
      },
    });
  });
}

function cachedConfig(): SentryConfig | null {
  try {
    return (
      (JSON.parse(localStorage.getItem(CONFIG_KEY) ?? 'null') as ClientConfig | null)?.sentry ??
      null
    );
  } catch {
    return null;
  }
}

async function serverConfig(): Promise<SentryConfig | null> {
  try {
    const res = await fetch('/api/v1/client-config');
    if (!res.ok) return cachedConfig();
    const config = (await res.json()) as ClientConfig;
    localStorage.setItem(CONFIG_KEY, JSON.stringify(config));
    return config.sentry;
  } catch {
    return cachedConfig(); // offline: as the server said last time
  }
}

/** Asks the server whether to report to Sentry and, if so, loads and starts the SDK. */
export async function startSentry(webBuild: string): Promise<void> {
  const config = await serverConfig();
  if (!config) {
    off = true;
    waiting.length = 0;
    return;
  }
  let loaded: Sdk;
  try {
    loaded = await import('./sentry-sdk');
  } catch {
    // Its chunk could not be fetched (offline before it was ever cached): the errors are still
    // stored on our server; Sentry gets the next session's.
    off = true;
    waiting.length = 0;
    return;
  }
  loaded.init({
    dsn: config.dsn,
    release: config.release,
    environment: config.environment,
    sampleRate: config.sampleRate,
    // Offline, envelopes wait in IndexedDB and go when the network returns, as the POS does.
    transport: loaded.makeBrowserOfflineTransport(loaded.makeFetchTransport),
    integrations: (defaults) => defaults.filter((i) => !OWN_HANDLERS.has(i.name)),
    // The server's release names the deployment; this names the build the device runs (a
    // device may run an older cached build for a while after a deployment).
    initialScope: { tags: { web_build: webBuild } },
  });
  sdk = loaded;
  for (const capture of waiting.splice(0)) send(loaded, capture);
}
