import net from 'node:net';

/**
 * A TCP proxy that misbehaves on purpose, placed between the devices and the server or between
 * the server and PostgreSQL. Every fault is a setting that can change while traffic flows:
 *
 * - `delayMs`/`jitterMs`: each chunk waits this long (order within a connection is kept, as TCP
 *   would; connections overtake each other, so requests reach the server out of order).
 * - `chunkBytes`: chunks are split into pieces this small (a parser must reassemble them).
 * - `cutResponseRate`: a connection is cut after part of its response has passed, so the client
 *   never learns whether its request was applied.
 * - `dropResponseRate`: the request reaches the target but no byte of the answer comes back;
 *   the connection is reset after `dropHoldMs`.
 * - `blackholeRate`: nothing reaches the target; the connection is reset after `dropHoldMs`.
 * - `refuse`: new connections are reset at once (the target looks down).
 *
 * `cutAll()` resets every open connection (a database restart, a crashed load balancer).
 */
export interface Faults {
  delayMs: number;
  jitterMs: number;
  chunkBytes: number;
  cutResponseRate: number;
  dropResponseRate: number;
  blackholeRate: number;
  dropHoldMs: number;
  refuse: boolean;
}

export const NO_FAULTS: Faults = {
  delayMs: 0,
  jitterMs: 0,
  chunkBytes: 0,
  cutResponseRate: 0,
  dropResponseRate: 0,
  blackholeRate: 0,
  dropHoldMs: 1000,
  refuse: false,
};

export interface ProxyStats {
  connections: number;
  refused: number;
  cut: number;
  dropped: number;
  blackholed: number;
}

type Fate = 'pass' | 'cut' | 'drop' | 'blackhole';

export class FaultProxy {
  private server: net.Server | null = null;
  private readonly open = new Set<net.Socket>();
  private faults: Faults = { ...NO_FAULTS };
  readonly stats: ProxyStats = { connections: 0, refused: 0, cut: 0, dropped: 0, blackholed: 0 };
  port = 0;

  constructor(
    private readonly target: { host: string; port: number },
    private readonly random: () => number = Math.random,
  ) {}

  async start(port = 0): Promise<number> {
    const server = net.createServer({ allowHalfOpen: true }, (client) => this.accept(client));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as net.AddressInfo).port;
    return this.port;
  }

  set(faults: Partial<Faults>): void {
    this.faults = { ...this.faults, ...faults };
  }

  clear(): void {
    this.faults = { ...NO_FAULTS };
  }

  cutAll(): void {
    for (const socket of [...this.open]) socket.destroy();
  }

  async stop(): Promise<void> {
    this.cutAll();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private track(socket: net.Socket): void {
    this.open.add(socket);
    socket.on('close', () => this.open.delete(socket));
    socket.on('error', () => {});
  }

  private fate(): Fate {
    const f = this.faults;
    const r = this.random();
    if (r < f.blackholeRate) return 'blackhole';
    if (r < f.blackholeRate + f.dropResponseRate) return 'drop';
    if (r < f.blackholeRate + f.dropResponseRate + f.cutResponseRate) return 'cut';
    return 'pass';
  }

  private accept(client: net.Socket): void {
    this.track(client);
    this.stats.connections++;
    if (this.faults.refuse) {
      this.stats.refused++;
      client.resetAndDestroy();
      return;
    }
    const upstream = net.connect({
      port: this.target.port,
      host: this.target.host,
      allowHalfOpen: true,
    });
    this.track(upstream);
    const closeBoth = () => {
      client.destroy();
      upstream.destroy();
    };
    // A reset on one side resets the other; a clean end is passed on in order.
    client.on('close', (hadError) => hadError && closeBoth());
    upstream.on('close', (hadError) => hadError && closeBoth());
    client.on('error', closeBoth);
    upstream.on('error', closeBoth);

    // A fate per exchange (request, then its response): keep-alive connections carry many, and
    // each one must be exposed to the faults, not only the first of a connection.
    let fate: Fate = 'pass';
    let responded = 0;
    let cutAfter = Infinity;
    let holding = false;
    const newExchange = () => {
      fate = this.fate();
      responded = 0;
      cutAfter = fate === 'cut' ? 1 + Math.floor(this.random() * 400) : Infinity;
      if (fate === 'blackhole') this.stats.blackholed++;
      if (fate === 'drop') this.stats.dropped++;
      if ((fate === 'blackhole' || fate === 'drop') && !holding) {
        holding = true;
        setTimeout(closeBoth, this.faults.dropHoldMs).unref();
      }
    };
    newExchange();
    const toUpstream = this.pipe(upstream);
    const toClient = this.pipe(client);
    client.on('data', (data: Buffer) => {
      if (responded > 0) newExchange();
      if (fate !== 'blackhole') toUpstream.write(data);
    });
    upstream.on('data', (data: Buffer) => {
      if (fate === 'drop' || fate === 'blackhole') return;
      const room = cutAfter - responded;
      responded += data.length;
      if (data.length < room) {
        toClient.write(data);
        return;
      }
      toClient.write(data.subarray(0, room), () => {
        this.stats.cut++;
        closeBoth();
      });
    });
    client.on('end', () => fate !== 'blackhole' && toUpstream.end());
    upstream.on('end', () => toClient.end());
  }

  /** Writes to `to` with the current delay and chunking, keeping the order of what is written. */
  private pipe(to: net.Socket) {
    let chain = Promise.resolve();
    return {
      write: (data: Buffer, after?: () => void) => {
        const { delayMs, jitterMs, chunkBytes } = this.faults;
        const size = chunkBytes > 0 ? chunkBytes : Math.max(1, data.length);
        for (let at = 0; at < data.length || at === 0; at += size) {
          const piece = data.subarray(at, at + size);
          const last = at + size >= data.length;
          const wait = delayMs + (jitterMs > 0 ? this.random() * jitterMs : 0);
          chain = chain.then(async () => {
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            if (to.destroyed) return;
            if (last && after) to.write(piece, () => after());
            else if (piece.length > 0) to.write(piece);
          });
        }
      },
      end: () => {
        void chain.then(() => {
          if (!to.destroyed) to.end();
        });
      },
    };
  }
}
