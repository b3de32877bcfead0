import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy';

/** Sends `payload`, collects everything until the connection closes; `reset` if it was reset. */
function exchange(port: number, payload: Buffer): Promise<{ data: Buffer; reset: boolean }> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let reset = false;
    const socket = net.connect(port, '127.0.0.1', () => socket.end(payload));
    socket.on('data', (d: Buffer) => chunks.push(d));
    socket.on('error', () => (reset = true));
    socket.on('close', () => resolve({ data: Buffer.concat(chunks), reset }));
  });
}

describe('FaultProxy', () => {
  // An echo server that answers each connection with ten times what it received.
  let echo: net.Server;
  let echoPort: number;
  const received: number[] = [];
  beforeAll(async () => {
    echo = net.createServer((socket) => {
      const chunks: Buffer[] = [];
      socket.on('data', (d: Buffer) => chunks.push(d));
      socket.on('error', () => {});
      socket.on('end', () => {
        const all = Buffer.concat(chunks);
        // A blackholed exchange may open the upstream connection; what matters is no byte arrives.
        if (all.length > 0) received.push(all.length);
        socket.end(Buffer.concat(Array.from({ length: 10 }, () => all)));
      });
    });
    await new Promise<void>((r) => echo.listen(0, '127.0.0.1', () => r()));
    echoPort = (echo.address() as net.AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise<void>((r) => echo.close(() => r()));
  });

  const payload = Buffer.from(Array.from({ length: 300 }, (_, i) => i % 256));

  it('passes bytes unchanged and in order through delays, jitter and tiny chunks', async () => {
    const proxy = new FaultProxy({ host: '127.0.0.1', port: echoPort });
    const port = await proxy.start();
    proxy.set({ delayMs: 1, jitterMs: 5, chunkBytes: 7 });
    const results = await Promise.all([1, 2, 3].map(() => exchange(port, payload)));
    for (const r of results) {
      expect(r.reset).toBe(false);
      expect(r.data.equals(Buffer.concat(Array.from({ length: 10 }, () => payload)))).toBe(true);
    }
    await proxy.stop();
  });

  it('cuts a response part-way after the request reached the target', async () => {
    const proxy = new FaultProxy({ host: '127.0.0.1', port: echoPort });
    const port = await proxy.start();
    proxy.set({ cutResponseRate: 1 });
    const before = received.length;
    const r = await exchange(port, payload);
    expect(received.length).toBe(before + 1);
    expect(r.data.length).toBeGreaterThan(0);
    expect(r.data.length).toBeLessThan(payload.length * 10);
    expect(proxy.stats.cut).toBe(1);
    await proxy.stop();
  });

  it('drops a whole response, blackholes a request, and refuses connections', async () => {
    const proxy = new FaultProxy({ host: '127.0.0.1', port: echoPort });
    const port = await proxy.start();
    proxy.set({ dropResponseRate: 1, dropHoldMs: 50 });
    expect((await exchange(port, payload)).data.length).toBe(0);
    proxy.set({ dropResponseRate: 0, blackholeRate: 1 });
    const before = received.length;
    expect((await exchange(port, payload)).data.length).toBe(0);
    expect(received.length).toBe(before);
    proxy.set({ blackholeRate: 0, refuse: true });
    const refused = await exchange(port, payload);
    expect(refused.data.length).toBe(0);
    expect(proxy.stats).toMatchObject({ dropped: 1, blackholed: 1, refused: 1 });
    proxy.clear();
    expect((await exchange(port, payload)).data.length).toBe(payload.length * 10);
    await proxy.stop();
  });

  it('cutAll resets the connections that are open', async () => {
    const proxy = new FaultProxy({ host: '127.0.0.1', port: echoPort });
    const port = await proxy.start();
    const socket = net.connect(port, '127.0.0.1');
    socket.on('error', () => {});
    await new Promise((r) => socket.once('connect', r));
    const closed = new Promise((r) => socket.once('close', r));
    await new Promise((r) => setTimeout(r, 20));
    proxy.cutAll();
    await closed;
    expect(socket.destroyed).toBe(true);
    await proxy.stop();
  });
});
