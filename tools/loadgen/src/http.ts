import http, { type IncomingHttpHeaders } from 'node:http';

/**
 * A minimal JSON HTTP client over node:http with a keep-alive agent and a bounded number of
 * sockets (requests beyond it queue in the agent), so the load generator's concurrency towards the
 * server is capped and connections are reused, as a POS fleet behind a proxy would do.
 */

export interface HttpResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: string;
  /** Time from sending to the last byte of the answer, in ms (includes agent queueing). */
  ms: number;
}

export class NetworkError extends Error {
  override readonly name = 'NetworkError';
}

export interface HttpClientOptions {
  maxSockets: number;
  timeoutMs: number;
  /** Local source address (a 127.x.y.z loopback address), for per-IP limits on sign-up. */
  localAddress?: string;
}

export class HttpClient {
  readonly agent: http.Agent;
  private readonly base: URL;

  constructor(
    baseUrl: string,
    private readonly opts: HttpClientOptions,
  ) {
    this.base = new URL(baseUrl);
    this.agent = new http.Agent({
      keepAlive: true,
      maxSockets: opts.maxSockets,
      maxFreeSockets: opts.maxSockets,
      scheduling: 'lifo',
    });
  }

  request(
    method: 'GET' | 'POST',
    path: string,
    opts: { body?: unknown; token?: string; headers?: Record<string, string> } = {},
  ): Promise<HttpResponse> {
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers };
    if (payload !== undefined) {
      headers['content-type'] = 'application/json';
      headers['content-length'] = String(Buffer.byteLength(payload));
    }
    if (opts.token) headers.authorization = `Bearer ${opts.token}`;
    const started = performance.now();
    return new Promise((resolve, reject) => {
      const req = http.request(
        {
          host: this.base.hostname,
          port: this.base.port,
          method,
          path,
          headers,
          agent: this.agent,
          ...(this.opts.localAddress ? { localAddress: this.opts.localAddress } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () =>
            resolve({
              status: res.statusCode ?? 0,
              headers: res.headers,
              body: Buffer.concat(chunks).toString('utf8'),
              ms: performance.now() - started,
            }),
          );
          res.on('error', (e) => reject(new NetworkError(e.message)));
        },
      );
      req.setTimeout(this.opts.timeoutMs, () =>
        req.destroy(new Error(`timeout after ${this.opts.timeoutMs} ms`)),
      );
      req.on('error', (e) => reject(new NetworkError(e.message)));
      if (payload !== undefined) req.write(payload);
      req.end();
    });
  }

  close(): void {
    this.agent.destroy();
  }
}

/** The `code` of an API error body, or `HTTP_<status>`. */
export function errorCode(res: HttpResponse): string {
  try {
    const parsed = JSON.parse(res.body) as { error?: { code?: unknown } };
    if (typeof parsed.error?.code === 'string') return parsed.error.code;
  } catch {
    // not JSON
  }
  return `HTTP_${res.status}`;
}

/** Seconds of a Retry-After header (delta-seconds or an HTTP date), bounded. */
export function retryAfterMs(res: HttpResponse, fallbackMs: number, maxMs = 60_000): number {
  const raw = res.headers['retry-after'];
  const value = Array.isArray(raw) ? raw[0] : raw;
  if (!value) return fallbackMs;
  const secs = Number(value);
  if (Number.isFinite(secs)) return Math.min(maxMs, Math.max(0, secs * 1000));
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.min(maxMs, Math.max(0, date - Date.now())) : fallbackMs;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
