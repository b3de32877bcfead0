import { IDBFactory, IDBKeyRange } from 'fake-indexeddb';
import { applyMutation as domainApply, createMemoryStore, type MemoryStore } from '@mango/domain';
import { isDomainError } from '@mango/domain/errors';
import type { Actor } from '@mango/domain/tx';
import type { Change, Mutation, PullResponse, PushResponse, Rejection } from '@mango/protocol';
import type { ApplyMutation } from '../local-store';
import { TransportError } from '../errors';
import type { PokeHandlers, SyncTransport } from '../transport';

/** A fresh, isolated IndexedDB for one test. */
export function freshIdb(): { indexedDB: IDBFactory; IDBKeyRange: typeof IDBKeyRange } {
  return { indexedDB: new IDBFactory(), IDBKeyRange };
}

export function uid(n: number): string {
  return `00000000-0000-4000-8000-${n.toString(16).padStart(12, '0')}`;
}

export { alwaysLeader } from '../leader-lock';

export const ownerActor = (deviceId: string): Actor => ({
  userId: uid(1),
  staffId: null,
  role: 'owner',
  deviceId,
});

type Failure = TransportError | { hang: true };

/**
 * An in-process stand-in for the server's sync routes, implementing the protocol's push rules
 * (duplicate / gap / apply / reject) and version-ordered, paged pulls over the domain's memory
 * store. For engine tests; the real server is exercised by `*.server.test.ts`.
 */
export class FakeSyncServer {
  readonly storeId: string;
  readonly db: MemoryStore = createMemoryStore();
  readonly lastMutationIds = new Map<string, number>();
  readonly rejections: (Rejection & { deviceId: string })[] = [];
  readonly calls: { method: 'push' | 'pull'; deviceId: string; ids?: number[]; cursor?: number }[] =
    [];
  readonly #pokes = new Set<PokeHandlers>();
  /** Failures returned by the next calls, in order (push and pull alike). */
  readonly failures: Failure[] = [];
  /** Pulls with 0 < cursor < this get 409 RESYNC_REQUIRED (tombstones pruned). */
  pruneBelow = 0;
  /** Push ids currently being processed (to check no two leaders push the same id at once). */
  readonly inFlight = new Set<number>();
  overlaps = 0;
  latencyMs = 0;
  /** The store's sync epoch, in every pull answer and poke delta. */
  readonly epoch = 'fake-epoch';
  /** Pokes after a write or push carry its rows (docs/SYNC.md "Pokes carry the delta"). */
  deltas = false;
  readonly #apply: ApplyMutation;

  constructor(storeId: string, apply: ApplyMutation = domainApply) {
    this.storeId = storeId;
    this.#apply = apply;
  }

  /** Direct server-side writes (another device, an admin), followed by a poke. */
  async write(fn: (db: MemoryStore) => Promise<void>): Promise<void> {
    const before = this.db.version;
    await this.db.transaction(async () => fn(this.db));
    this.poke(before);
  }

  /** Pokes the current version; with `since` and `deltas` on, with the rows after `since`. */
  poke(since?: number): void {
    const version = this.db.version;
    const delta =
      this.deltas && since !== undefined && version > since
        ? { from: since + 1, to: version, epoch: this.epoch, changes: this.changesAfter(since) }
        : undefined;
    for (const h of this.#pokes) h.onVersion(version, delta);
  }

  /** Every row written after `cursor`, ordered by version, as a pull returns them. */
  changesAfter(cursor: number): Change[] {
    const all: Change[] = [];
    for (const [entity, rows] of Object.entries(this.db.snapshot())) {
      for (const [id, r] of Object.entries(rows ?? {})) {
        if (r.version <= cursor) continue;
        all.push({
          entity,
          id,
          version: r.version,
          deleted: r.deleted,
          data: r.deleted ? null : (r.data as Record<string, unknown>),
        });
      }
    }
    return all.sort((a, b) => a.version - b.version);
  }

  /** Unreachable: every call fails with a network error. */
  down = false;

  async #failure(): Promise<void> {
    if (this.down) {
      throw new TransportError({ kind: 'network', code: 'NETWORK_ERROR', message: 'offline' });
    }
    const f = this.failures.shift();
    if (!f) return;
    if (f instanceof TransportError) throw f;
    await new Promise(() => {}); // hang forever
  }

  async push(deviceId: string, mutations: Mutation[]): Promise<PushResponse> {
    this.calls.push({ method: 'push', deviceId, ids: mutations.map((m) => m.id) });
    for (const m of mutations) {
      if (this.inFlight.has(m.id)) this.overlaps += 1;
      this.inFlight.add(m.id);
    }
    try {
      if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
      await this.#failure();
      let last = this.lastMutationIds.get(deviceId) ?? 0;
      const before = this.db.version;
      const results: PushResponse['results'] = [];
      for (const m of mutations) {
        if (m.id <= last) {
          results.push({ id: m.id, status: 'duplicate' });
          continue;
        }
        if (m.id > last + 1) break;
        try {
          await this.db.transaction((tx) =>
            this.#apply(
              { tx, storeId: this.storeId, actor: ownerActor(deviceId), now: m.clientTime },
              m.name,
              m.args,
            ),
          );
          results.push({ id: m.id, status: 'applied' });
        } catch (e) {
          if (!isDomainError(e)) throw e;
          results.push({
            id: m.id,
            status: 'rejected',
            error: { code: e.code, message: e.message },
          });
          this.rejections.push({ deviceId, id: m.id, code: e.code, message: e.message });
        }
        last = m.id;
        this.lastMutationIds.set(deviceId, last);
      }
      if (results.some((r) => r.status === 'applied')) this.poke(before);
      return { lastMutationId: last, results };
    } finally {
      for (const m of mutations) this.inFlight.delete(m.id);
    }
  }

  async pull(deviceId: string, cursor: number, limit = 1000): Promise<PullResponse> {
    this.calls.push({ method: 'pull', deviceId, cursor });
    if (this.latencyMs > 0) await new Promise((r) => setTimeout(r, this.latencyMs));
    await this.#failure();
    if (cursor > 0 && cursor < this.pruneBelow) {
      throw new TransportError({
        kind: 'http',
        status: 409,
        code: 'RESYNC_REQUIRED',
        message: 'Too old; hydrate again.',
      });
    }
    const all = this.changesAfter(cursor);
    const changes = all.slice(0, limit);
    const hasMore = all.length > limit;
    return {
      cursor: hasMore ? (changes[changes.length - 1]?.version ?? cursor) : this.db.version,
      hasMore,
      epoch: this.epoch,
      lastMutationId: this.lastMutationIds.get(deviceId) ?? 0,
      changes,
      rejections: this.rejections
        .filter((r) => r.deviceId === deviceId)
        .map(({ id, code, message }) => ({ id, code, message })),
    };
  }

  transport(deviceId: string, pullLimit?: number): SyncTransport {
    return {
      push: (mutations) => this.push(deviceId, structuredClone(mutations)),
      pull: ({ cursor, limit }) => this.pull(deviceId, cursor, limit ?? pullLimit),
      subscribe: (handlers) => {
        this.#pokes.add(handlers);
        queueMicrotask(() => {
          handlers.onOpen?.();
          handlers.onVersion(this.db.version); // like the server: the current version on connect
        });
        return { close: () => this.#pokes.delete(handlers) };
      },
      fetchHistoryPage: async () => ({ items: [], nextCursor: null }),
    };
  }
}

/** A manual clock + timers: `advance(ms)` fires what became due, in order. */
export class ManualTime {
  nowMs: number;
  #seq = 0;
  readonly #timers = new Map<number, { at: number; fn: () => void }>();

  constructor(startMs = Date.parse('2026-11-24T15:00:00.000Z')) {
    this.nowMs = startMs;
  }

  readonly clock = { now: () => this.nowMs };
  readonly timers = {
    setTimeout: (fn: () => void, ms: number) => {
      const id = ++this.#seq;
      this.#timers.set(id, { at: this.nowMs + Math.max(0, ms), fn });
      return id;
    },
    clearTimeout: (handle: unknown) => {
      this.#timers.delete(handle as number);
    },
  };

  /** Delays of pending timers from now (ascending). */
  pending(): number[] {
    return [...this.#timers.values()].map((t) => t.at - this.nowMs).sort((a, b) => a - b);
  }

  advance(ms: number): void {
    const until = this.nowMs + ms;
    for (;;) {
      let next: [number, { at: number; fn: () => void }] | undefined;
      for (const entry of this.#timers) if (!next || entry[1].at < next[1].at) next = entry;
      if (!next || next[1].at > until) break;
      this.#timers.delete(next[0]);
      this.nowMs = next[1].at;
      next[1].fn();
    }
    this.nowMs = until;
  }
}

/** Waits until `predicate` holds (real time), polling. */
export async function waitFor(
  predicate: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await predicate())) {
    if (Date.now() > deadline) throw new Error('waitFor timed out');
    await new Promise((r) => setTimeout(r, 5));
  }
}
