import { randomUUID } from 'node:crypto';

/**
 * Forwarding errors to Sentry without its SDK: one HTTPS POST of an envelope
 * (https://develop.sentry.dev/sdk/data-model/envelopes/) per error, through a fetch-like function
 * passed in. Off unless SENTRY_DSN is configured; a Sentry outage never affects a request.
 */

/** The part of `fetch` we use, so tests and other transports can stand in. */
export type HttpPost = (
  url: string,
  init: { method: 'POST'; headers: Record<string, string>; body: string },
) => Promise<{ status: number }>;

export interface SentryTarget {
  dsn: string;
  envelopeUrl: string;
  publicKey: string;
}

/** `https://<publicKey>@<host>[/<path>]/<projectId>` → where and how to send envelopes. */
export function parseSentryDsn(dsn: string): SentryTarget | null {
  let url: URL;
  try {
    url = new URL(dsn);
  } catch {
    return null;
  }
  const parts = url.pathname.split('/').filter(Boolean);
  const projectId = parts.pop();
  if (!url.username || !projectId || !/^\d+$/.test(projectId)) return null;
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return null;
  const prefix = parts.length > 0 ? `/${parts.join('/')}` : '';
  return {
    dsn,
    publicKey: decodeURIComponent(url.username),
    envelopeUrl: `${url.protocol}//${url.host}${prefix}/api/${projectId}/envelope/`,
  };
}

export interface ErrorEvent {
  /** Error name (TypeError…) or the browser report's kind. */
  type: string;
  message: string;
  stack?: string | undefined;
  release: string;
  /** `server` or `browser`. */
  source: 'server' | 'browser';
  storeId?: string | null | undefined;
  deviceId?: string | null | undefined;
  userId?: string | null | undefined;
  requestId?: string | undefined;
  url?: string | null | undefined;
  method?: string | undefined;
  timestamp: Date;
}

interface SentryFrame {
  function?: string;
  filename?: string;
  lineno?: number;
  colno?: number;
  in_app?: boolean;
}

const V8_FRAME = /^\s*at (?:(.+?) \()?(.+?):(\d+):(\d+)\)?$/;
const FIREFOX_FRAME = /^\s*(.*?)@(.+?):(\d+):(\d+)$/;

/** V8 and Firefox/Safari stack lines as Sentry frames, oldest call first as Sentry expects. */
export function stackFrames(stack: string | undefined): SentryFrame[] {
  if (!stack) return [];
  const frames: SentryFrame[] = [];
  for (const line of stack.split('\n')) {
    const m = V8_FRAME.exec(line) ?? FIREFOX_FRAME.exec(line);
    if (!m) continue;
    const [, fn, filename, lineno, colno] = m;
    frames.push({
      ...(fn ? { function: fn } : {}),
      filename: filename!,
      lineno: Number(lineno),
      colno: Number(colno),
      in_app: !filename!.includes('node_modules') && !filename!.startsWith('node:'),
    });
  }
  return frames.reverse();
}

/** The envelope for one error event: header line, item header line, event JSON. */
export function errorEnvelope(
  target: SentryTarget,
  event: ErrorEvent,
  eventId = randomUUID(),
): string {
  const id = eventId.replace(/-/g, '');
  const frames = stackFrames(event.stack);
  const tags: Record<string, string> = { source: event.source };
  if (event.storeId) tags.store_id = event.storeId;
  if (event.deviceId) tags.device_id = event.deviceId;
  if (event.requestId) tags.request_id = event.requestId;
  const payload = JSON.stringify({
    event_id: id,
    timestamp: event.timestamp.getTime() / 1000,
    platform: event.source === 'server' ? 'node' : 'javascript',
    level: 'error',
    logger: `mango.${event.source}`,
    release: event.release,
    tags,
    ...(event.userId ? { user: { id: event.userId } } : {}),
    ...(event.url
      ? { request: { url: event.url, ...(event.method ? { method: event.method } : {}) } }
      : {}),
    exception: {
      values: [
        {
          type: event.type,
          value: event.message,
          ...(frames.length > 0 ? { stacktrace: { frames } } : {}),
        },
      ],
    },
  });
  const header = JSON.stringify({
    event_id: id,
    dsn: target.dsn,
    sent_at: event.timestamp.toISOString(),
  });
  const item = JSON.stringify({
    type: 'event',
    content_type: 'application/json',
    length: Buffer.byteLength(payload),
  });
  return `${header}\n${item}\n${payload}\n`;
}

/** Sends one event; resolves false (never throws) when Sentry refuses or cannot be reached. */
export async function sendToSentry(
  post: HttpPost,
  target: SentryTarget,
  event: ErrorEvent,
): Promise<boolean> {
  try {
    const res = await post(target.envelopeUrl, {
      method: 'POST',
      headers: {
        'content-type': 'application/x-sentry-envelope',
        'x-sentry-auth': `Sentry sentry_version=7, sentry_key=${target.publicKey}, sentry_client=mango-pos/1.0`,
      },
      body: errorEnvelope(target, event),
    });
    return res.status >= 200 && res.status < 300;
  } catch {
    return false;
  }
}
