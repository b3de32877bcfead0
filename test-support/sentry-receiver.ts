import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';

/** One item of an envelope: its header line and its payload (JSON when it parses). */
export interface EnvelopeItem {
  header: { type: string } & Record<string, unknown>;
  payload: unknown;
}

export interface ReceivedEnvelope {
  url: string;
  headers: IncomingHttpHeaders;
  header: Record<string, unknown>;
  items: EnvelopeItem[];
}

/** The parts of a Sentry error event the tests look at. */
export interface SentryEvent {
  event_id: string;
  platform?: string;
  release?: string;
  environment?: string;
  tags?: Record<string, string>;
  user?: { id?: string };
  request?: { url?: string; method?: string };
  contexts?: Record<string, Record<string, unknown>>;
  exception?: {
    values: {
      type: string;
      value: string;
      stacktrace?: { frames: { function?: string; filename?: string; lineno?: number }[] };
    }[];
  };
}

export interface SentryReceiver {
  /** A DSN of project 42 on this receiver. */
  dsn: string;
  received: ReceivedEnvelope[];
  /** The error events received so far, in order. */
  events(): SentryEvent[];
  close(): Promise<void>;
}

/** `<header>\n(<item header>\n<payload>\n)*`; a payload's length is in its header, or it runs to the newline. */
export function parseEnvelope(body: Buffer): Pick<ReceivedEnvelope, 'header' | 'items'> {
  let at = 0;
  const line = (length?: number): string => {
    const end = length === undefined ? body.indexOf(0x0a, at) : at + length;
    const stop = end < 0 ? body.length : end;
    const text = body.subarray(at, stop).toString('utf8');
    at = stop + 1;
    return text;
  };
  const header = JSON.parse(line()) as Record<string, unknown>;
  const items: EnvelopeItem[] = [];
  while (at < body.length) {
    const headerText = line();
    if (headerText.trim() === '') continue;
    const itemHeader = JSON.parse(headerText) as EnvelopeItem['header'];
    const raw = line(typeof itemHeader.length === 'number' ? itemHeader.length : undefined);
    let payload: unknown = raw;
    try {
      payload = JSON.parse(raw);
    } catch {
      // a binary or text item: kept as it came
    }
    items.push({ header: itemHeader, payload });
  }
  return { header, items };
}

/**
 * A real HTTP server standing in for Sentry's ingest endpoint: it takes envelopes (gzipped or
 * not) from the SDKs, answers as Sentry does (CORS open, so a page's fetch succeeds) and keeps them.
 */
export async function startSentryReceiver(): Promise<SentryReceiver> {
  const received: ReceivedEnvelope[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      res.setHeader('access-control-allow-origin', '*');
      if (req.method !== 'POST') return void res.writeHead(204).end();
      let body = Buffer.concat(chunks);
      if (req.headers['content-encoding'] === 'gzip') body = gunzipSync(body);
      received.push({ url: req.url ?? '', headers: req.headers, ...parseEnvelope(body) });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    dsn: `http://0123abcdpublickey@127.0.0.1:${port}/42`,
    received,
    events: () =>
      received.flatMap((e) =>
        e.items.filter((i) => i.header.type === 'event').map((i) => i.payload as SentryEvent),
      ),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
