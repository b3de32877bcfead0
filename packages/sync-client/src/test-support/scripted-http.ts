import http from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedRequest {
  method: string;
  url: string;
  authorization: string | undefined;
  body: string;
}

export type Scripted =
  | { status: number; body?: unknown; headers?: Record<string, string>; delayMs?: number }
  | { drop: true }
  | { handle: (req: http.IncomingMessage, res: http.ServerResponse) => void };

/**
 * A real HTTP server on 127.0.0.1 (port 0) that answers each request with the next scripted
 * response — the network edge of the protocol's failure cases (429, 503, dropped connections,
 * slow answers, 401). Unscripted requests get 500.
 */
export async function startScriptedServer() {
  const script: Scripted[] = [];
  const requests: RecordedRequest[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString()));
    req.on('end', () => {
      requests.push({
        method: req.method ?? '',
        url: req.url ?? '',
        authorization: req.headers.authorization,
        body,
      });
      const next = script.shift() ?? {
        status: 500,
        body: { error: { code: 'UNSCRIPTED', message: 'no script' } },
      };
      if ('drop' in next) {
        req.socket.destroy();
        return;
      }
      if ('handle' in next) {
        next.handle(req, res);
        return;
      }
      const send = () => {
        if (res.destroyed) return;
        res.writeHead(next.status, { 'Content-Type': 'application/json', ...next.headers });
        res.end(
          next.body === undefined
            ? ''
            : typeof next.body === 'string'
              ? next.body
              : JSON.stringify(next.body),
        );
      };
      if (next.delayMs) setTimeout(send, next.delayMs);
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    script,
    requests,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
