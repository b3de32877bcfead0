import { captureInSentry } from './sentry';

/**
 * Sends front-end errors to the server (`POST /api/v1/client-errors`); while offline they wait
 * in a small local queue (localStorage, newest 50) and go out when the network returns. When the
 * server has a Sentry DSN they go to Sentry as well (lib/sentry.ts).
 */
export interface ClientErrorReport {
  kind: 'boundary' | 'unhandled' | 'rejection';
  message: string;
  stack?: string;
  componentStack?: string;
  release?: string;
  storeId?: string;
  deviceId?: string;
  url?: string;
}

const QUEUE_KEY = 'mango.errorQueue';
const MAX_QUEUE = 50;
let context: { storeId?: string; deviceId?: string; token?: () => string | null } = {};

export const RELEASE: string = __APP_RELEASE__;

export function setReportContext(ctx: typeof context): void {
  context = ctx;
  void flushErrorQueue();
}

function readQueue(): ClientErrorReport[] {
  try {
    return JSON.parse(localStorage.getItem(QUEUE_KEY) ?? '[]') as ClientErrorReport[];
  } catch {
    return [];
  }
}

function writeQueue(q: ClientErrorReport[]): void {
  try {
    localStorage.setItem(QUEUE_KEY, JSON.stringify(q.slice(-MAX_QUEUE)));
  } catch {
    // storage full: the report is lost, never the app
  }
}

async function send(report: ClientErrorReport): Promise<boolean> {
  try {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    const token = context.token?.();
    if (token) headers['authorization'] = `Bearer ${token}`;
    const res = await fetch('/api/v1/client-errors', {
      method: 'POST',
      headers,
      body: JSON.stringify(report),
      keepalive: true,
    });
    // 4xx other than 429: the server will never take it; drop rather than retry forever.
    return res.ok || (res.status >= 400 && res.status < 500 && res.status !== 429);
  } catch {
    return false;
  }
}

export async function reportError(
  kind: ClientErrorReport['kind'],
  error: unknown,
  componentStack?: string,
): Promise<void> {
  const err = error instanceof Error ? error : new Error(String(error));
  const report: ClientErrorReport = {
    kind,
    message: (err.message || err.name || 'Unknown error').slice(0, 2000),
    release: RELEASE,
    url: location.href.slice(0, 2000),
  };
  if (err.stack) report.stack = err.stack.slice(0, 16_000);
  if (componentStack) report.componentStack = componentStack.slice(0, 16_000);
  if (context.storeId) report.storeId = context.storeId;
  if (context.deviceId) report.deviceId = context.deviceId;
  captureInSentry({
    error: err,
    kind,
    componentStack,
    storeId: context.storeId,
    deviceId: context.deviceId,
  });
  if (!(await send(report))) writeQueue([...readQueue(), report]);
}

let flushing = false;
export async function flushErrorQueue(): Promise<void> {
  if (flushing) return;
  flushing = true;
  try {
    const queue = readQueue();
    const left: ClientErrorReport[] = [];
    for (const r of queue) if (!(await send(r))) left.push(r);
    writeQueue(left);
  } finally {
    flushing = false;
  }
}

export function installGlobalErrorHandlers(): void {
  window.addEventListener('error', (ev) => {
    void reportError('unhandled', ev.error ?? ev.message);
  });
  window.addEventListener('unhandledrejection', (ev) => {
    void reportError('rejection', ev.reason);
  });
  window.addEventListener('online', () => void flushErrorQueue());
}
