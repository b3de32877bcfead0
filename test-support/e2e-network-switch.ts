import http from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface NetworkSwitch {
  /** The origin a browser context should use instead of the server's. */
  url: string;
  /** Cuts the line: open connections drop, new ones are reset. */
  cut(): void;
  restore(): void;
  close(): Promise<void>;
}

/**
 * A pass-through HTTP proxy in front of the server that can cut the line like a lost Wi-Fi
 * link. Browser network emulation (`context.setOffline`) does not reliably cover a Web Worker
 * that starts while offline, so a test that must prove nothing reached the server puts this
 * between the device and the server and cuts it as well.
 */
export async function startNetworkSwitch(target: string): Promise<NetworkSwitch> {
  const upstream = new URL(target);
  let online = true;
  const sockets = new Set<Socket>();
  const server = http.createServer((req, res) => {
    const forward = http.request(
      {
        host: upstream.hostname,
        port: upstream.port,
        method: req.method,
        path: req.url,
        headers: { ...req.headers, host: upstream.host },
      },
      (answer) => {
        res.writeHead(answer.statusCode ?? 502, answer.headers);
        answer.pipe(res);
      },
    );
    forward.on('error', () => res.destroy());
    res.on('close', () => forward.destroy());
    req.pipe(forward);
  });
  server.on('connection', (socket) => {
    if (!online) {
      socket.destroy();
      return;
    }
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    cut() {
      online = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      online = true;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
