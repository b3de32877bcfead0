import http from 'node:http';
import {
  pullResponseSchema,
  pushResponseSchema,
  sessionResponseSchema,
  type Change,
  type PullResponse,
  versionEventSchema,
  pokeDeltaOf,
  type VersionEvent,
} from '@mango/protocol';
import {
  errorCode,
  type HttpClient,
  type HttpResponse,
  NetworkError,
  retryAfterMs,
  sleep,
} from './http';
import type { Ledger } from './ledger';
import type { Metrics } from './metrics';
import type { Rng } from './prng';
import type { PlannedMutation } from './scenario';

/** An organization owner's session; one per simulated store. 401 → refresh once, retry. */
export class Session {
  private refreshing: Promise<void> | null = null;

  constructor(
    public accessToken: string,
    private refreshToken: string,
  ) {}

  static fromResponse(body: string): { session: Session; storeId: string; userId: string } {
    const parsed = sessionResponseSchema.parse(JSON.parse(body));
    const store = parsed.stores[0];
    if (!store) throw new Error('sign-up answered without a store');
    return {
      session: new Session(parsed.accessToken, parsed.refreshToken),
      storeId: store.id,
      userId: parsed.user.id,
    };
  }

  refresh(client: HttpClient): Promise<void> {
    this.refreshing ??= (async () => {
      const res = await client.request('POST', '/api/v1/auth/refresh', {
        body: { refreshToken: this.refreshToken },
      });
      if (res.status !== 200)
        throw new Error(`token refresh failed: ${res.status} ${res.body.slice(0, 200)}`);
      const body = JSON.parse(res.body) as { accessToken: string; refreshToken: string };
      this.accessToken = body.accessToken;
      this.refreshToken = body.refreshToken;
    })().finally(() => {
      this.refreshing = null;
    });
    return this.refreshing;
  }
}

/** A protocol failure the device cannot recover from (a loadgen or server bug): stops the run. */
export class FatalProtocolError extends Error {
  override readonly name = 'FatalProtocolError';
}

interface Pending {
  id: number;
  name: string;
  args: Record<string, unknown>;
  clientTime: string;
  bytes: number;
  /** Sent at least once without a clear answer: a `duplicate` then means "handled, outcome unknown". */
  sentBefore: boolean;
}

export interface DeviceContext {
  client: HttpClient;
  metrics: Metrics;
  ledger: Ledger;
  /** Max mutations per push (≤ 500) and bytes per push (< 1 MiB). */
  batchMax: number;
  batchBytes: number;
  /** Give up retrying after this time (ms since epoch); the run is over. */
  deadline: () => number;
}

const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 10_000;

/**
 * One POS install. Mutation ids start at 1 and grow by one; the outbox is pushed in order; a push
 * that fails with 5xx or a network error is retried with the same ids after a backoff; 429 waits
 * Retry-After; an id is never skipped. Pulls follow the cursor.
 */
export class Device {
  private nextId = 1;
  private readonly outbox: Pending[] = [];
  private flushing: Promise<void> | null = null;
  private pulling: Promise<void> | null = null;
  private pullAgain = false;
  private sse: http.ClientRequest | null = null;
  private sseAgent: http.Agent | null = null;
  private stopped = false;
  cursor = 0;
  /**
   * A push of this device was answered since its last pull: like the sync engine, it then pulls
   * on the next poke instead of taking the poke's delta (the engine's pull after a push
   * acknowledges its outbox).
   */
  private pushedSincePull = false;
  serverLastMutationId = 0;
  fatal: Error | null = null;

  constructor(
    readonly id: string,
    readonly storeId: string,
    readonly session: Session,
    private readonly ctx: DeviceContext,
    private readonly rng: Rng,
  ) {}

  get pending(): number {
    return this.outbox.length;
  }

  get lastIdUsed(): number {
    return this.nextId - 1;
  }

  /** Puts a mutation in the outbox (the POS did something) and starts pushing. */
  enqueue(m: PlannedMutation, clientTime: Date = new Date(), push = true): void {
    const id = this.nextId++;
    const entry = { id, name: m.name, args: m.args, clientTime: clientTime.toISOString() };
    this.ctx.ledger.expect(this.storeId, this.id, id, m.effect);
    this.ctx.metrics.enqueued++;
    this.outbox.push({ ...entry, bytes: JSON.stringify(entry).length + 4, sentBefore: false });
    if (push) this.kick();
  }

  kick(): void {
    if (this.flushing || this.fatal) return;
    this.flushing = this.flushLoop()
      .catch((e: unknown) => {
        this.fatal = e instanceof Error ? e : new Error(String(e));
      })
      .finally(() => {
        this.flushing = null;
      });
  }

  /** Resolves when the outbox is empty (or the device failed for good). */
  async drain(): Promise<void> {
    while (this.outbox.length > 0 && !this.fatal) {
      this.kick();
      await this.flushing;
      if (this.outbox.length > 0 && Date.now() > this.ctx.deadline()) break;
    }
  }

  private takeBatch(): Pending[] {
    const batch: Pending[] = [];
    let bytes = 200;
    for (const p of this.outbox) {
      if (
        batch.length >= this.ctx.batchMax ||
        (batch.length > 0 && bytes + p.bytes > this.ctx.batchBytes)
      )
        break;
      batch.push(p);
      bytes += p.bytes;
    }
    return batch;
  }

  private async flushLoop(): Promise<void> {
    while (this.outbox.length > 0) {
      await this.pushBatch(this.takeBatch());
    }
  }

  private async backoff(attempt: number): Promise<void> {
    const cap = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** attempt);
    await sleep(cap / 2 + this.rng.next() * (cap / 2));
  }

  private async pushBatch(batch: Pending[]): Promise<void> {
    const { client, metrics, ledger } = this.ctx;
    const body = {
      deviceId: this.id,
      schemaVersion: 1,
      mutations: batch.map((p) => ({
        id: p.id,
        name: p.name,
        args: p.args,
        clientTime: p.clientTime,
      })),
    };
    const path = `/api/v1/stores/${this.storeId}/sync/push`;
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0 && Date.now() > this.ctx.deadline()) {
        throw new FatalProtocolError(
          `device ${this.id}: gave up retrying a push of ${batch.length} mutations at the run's deadline`,
        );
      }
      let res: HttpResponse;
      const sentAt = performance.now();
      try {
        res = await client.request('POST', path, { body, token: this.session.accessToken });
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        metrics.error('NETWORK');
        metrics.retries++;
        for (const p of batch) p.sentBefore = true;
        await this.backoff(attempt);
        continue;
      }
      metrics.latency.push.record(res.ms);
      if (res.status === 200) {
        metrics.pushes++;
        const answer = pushResponseSchema.parse(JSON.parse(res.body));
        const byId = new Map(batch.map((p) => [p.id, p]));
        for (const r of answer.results) {
          const p = byId.get(r.id);
          if (r.status === 'applied') {
            metrics.applied++;
            ledger.ack(this.storeId, this.id, r.id, 'applied', sentAt);
          } else if (r.status === 'rejected') {
            metrics.rejected++;
            metrics.rejection(r.error.code);
            ledger.ack(this.storeId, this.id, r.id, 'rejected', sentAt);
          } else {
            metrics.duplicates++;
            if (!p?.sentBefore) metrics.error('UNEXPECTED_DUPLICATE');
            metrics.unknown++;
            ledger.ack(this.storeId, this.id, r.id, 'unknown', sentAt);
          }
        }
        const first = batch[0]?.id ?? 0;
        if (answer.lastMutationId < first - 1) {
          metrics.error('LAST_MUTATION_ID_REGRESSED');
          throw new FatalProtocolError(
            `device ${this.id}: the server's lastMutationId ${answer.lastMutationId} is below ids it acknowledged (${first - 1})`,
          );
        }
        this.serverLastMutationId = Math.max(this.serverLastMutationId, answer.lastMutationId);
        this.pushedSincePull = true;
        let drop = 0;
        while (
          drop < this.outbox.length &&
          (this.outbox[drop] as Pending).id <= answer.lastMutationId
        )
          drop++;
        this.outbox.splice(0, drop);
        metrics.mutationsSent += drop;
        return;
      }
      if (res.status === 401) {
        metrics.error('HTTP_401');
        await this.session.refresh(client);
        continue;
      }
      if (res.status === 429) {
        metrics.rateLimited++;
        metrics.error('HTTP_429');
        await sleep(retryAfterMs(res, 1000));
        continue;
      }
      if (res.status >= 500) {
        metrics.error(`HTTP_${res.status}`);
        metrics.retries++;
        for (const p of batch) p.sentBefore = true;
        // As the app's sync engine does (retryDelay): the server's Retry-After (1 s on an outage's
        // 503) wins over the backoff, so outages are timed as a salon's devices live them.
        if (res.headers['retry-after'] === undefined) await this.backoff(attempt);
        else await sleep(retryAfterMs(res, 0));
        continue;
      }
      metrics.error(errorCode(res));
      throw new FatalProtocolError(
        `device ${this.id}: push answered ${res.status} ${res.body.slice(0, 300)}`,
      );
    }
  }

  /**
   * Pulls from the cursor until `hasMore` is false. `collect` receives each page's changes (for
   * hydration and verification); without it the rows are only counted.
   */
  async pullAll(
    opts: { limit?: number; collect?: (changes: Change[]) => void; maxPages?: number } = {},
  ): Promise<PullResponse | null> {
    const { client, metrics } = this.ctx;
    let last: PullResponse | null = null;
    this.pushedSincePull = false;
    for (let page = 0; page < (opts.maxPages ?? Number.MAX_SAFE_INTEGER); page++) {
      const q = `deviceId=${this.id}&cursor=${this.cursor}&limit=${opts.limit ?? 1000}`;
      let res: HttpResponse;
      try {
        res = await client.request('GET', `/api/v1/stores/${this.storeId}/sync/pull?${q}`, {
          token: this.session.accessToken,
        });
      } catch (e) {
        if (!(e instanceof NetworkError)) throw e;
        metrics.error('NETWORK');
        return last;
      }
      metrics.latency.pull.record(res.ms);
      if (res.status === 401) {
        metrics.error('HTTP_401');
        await this.session.refresh(client);
        continue;
      }
      if (res.status === 429) {
        metrics.rateLimited++;
        await sleep(retryAfterMs(res, 1000));
        continue;
      }
      if (res.status === 409 && errorCode(res) === 'RESYNC_REQUIRED') {
        this.cursor = 0;
        continue;
      }
      if (res.status !== 200) {
        metrics.error(res.status >= 500 ? `HTTP_${res.status}` : errorCode(res));
        return last;
      }
      const body = pullResponseSchema.parse(JSON.parse(res.body));
      metrics.pullPages++;
      metrics.pulledRows += body.changes.length;
      opts.collect?.(body.changes);
      this.cursor = body.cursor;
      this.serverLastMutationId = Math.max(this.serverLastMutationId, body.lastMutationId);
      last = body;
      if (!body.hasMore) break;
    }
    metrics.pulls++;
    return last;
  }

  /** Pull now, or once more after the pull in flight (pokes that arrive meanwhile coalesce). */
  requestPull(): void {
    if (this.stopped) return;
    if (this.pulling) {
      this.pullAgain = true;
      return;
    }
    this.pulling = (async () => {
      do {
        this.pullAgain = false;
        await this.pullAll();
      } while (this.pullAgain && !this.stopped);
    })()
      .catch((e: unknown) => {
        this.ctx.metrics.error('PULL_FAILED');
        if (!(e instanceof NetworkError)) process.stderr.write(`pull failed: ${String(e)}\n`);
      })
      .finally(() => {
        this.pulling = null;
      });
  }

  async idle(): Promise<void> {
    while (this.pulling) await this.pulling;
  }

  /** Subscribes to the store's pokes (SSE) and pulls on each new version; reconnects until stopped. */
  subscribe(baseUrl: string): void {
    if (this.stopped) return;
    const url = new URL(`/api/v1/stores/${this.storeId}/sync/events?deviceId=${this.id}`, baseUrl);
    this.sseAgent ??= new http.Agent({ keepAlive: false });
    const req = http.get(
      url,
      {
        agent: this.sseAgent,
        headers: {
          accept: 'text/event-stream',
          authorization: `Bearer ${this.session.accessToken}`,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          this.ctx.metrics.error(`SSE_${res.statusCode ?? 0}`);
          res.resume();
          if (res.statusCode === 401) void this.session.refresh(this.ctx.client).catch(() => {});
          return;
        }
        let buf = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          buf += chunk;
          let end;
          while ((end = buf.indexOf('\n\n')) >= 0) {
            const block = buf.slice(0, end);
            buf = buf.slice(end + 2);
            let event = 'message';
            let data = '';
            for (const line of block.split('\n')) {
              if (line.startsWith('event:')) event = line.slice(6).trim();
              else if (line.startsWith('data:')) data += line.slice(5).trim();
            }
            if (event !== 'version' || !data) continue;
            const parsed = versionEventSchema.safeParse(JSON.parse(data));
            if (parsed.success && parsed.data.version > this.cursor) {
              this.ctx.metrics.pokes++;
              if (!this.applyPokeDelta(parsed.data)) this.requestPull();
            }
          }
        });
        res.on('error', () => {});
      },
    );
    req.on('error', () => {});
    req.on('close', () => {
      if (this.sse === req && !this.stopped)
        setTimeout(() => this.subscribe(baseUrl), 2000).unref();
    });
    this.sse = req;
  }

  /**
   * The sync engine's rule for a poke's delta (docs/SYNC.md "Pokes carry the delta"): taken
   * instead of a pull when it continues the cursor, no pull or push is running and no push of
   * this device was answered since its last pull (the engine runs push, pull and deltas one
   * after the other, and pulls after each push of its own). The rows are only counted (the
   * device keeps no replica).
   */
  private applyPokeDelta(event: VersionEvent): boolean {
    const delta = pokeDeltaOf(event);
    const busy = this.pulling !== null || this.flushing !== null || this.pushedSincePull;
    if (!delta || busy || delta.from !== this.cursor + 1) return false;
    this.cursor = delta.to;
    this.ctx.metrics.pokeDeltas++;
    this.ctx.metrics.pulledRows += delta.changes.length;
    return true;
  }

  /** Ends the event stream (no reconnect); the device keeps pushing and pulling. */
  closeEvents(): void {
    const req = this.sse;
    this.sse = null;
    req?.destroy();
  }

  stop(): void {
    this.stopped = true;
    this.sse?.destroy();
    this.sse = null;
    this.sseAgent?.destroy();
  }
}
