import { liveQuery, type Observable } from 'dexie';
import type { EntityName, EntityRows } from '@mango/domain/entities';
import { isDomainError } from '@mango/domain/errors';
import type { Actor, ListQuery, MutatorContext } from '@mango/domain/tx';
import type { Approval, Mutation, PullResponse, PushResponse } from '@mango/protocol';
import { SyncError } from './errors';
import {
  encodeIndexValue,
  keyString,
  openLocalDb,
  toViewRecord,
  type AttentionRecord,
  type IndexedDbDeps,
  type LocalDb,
  type OutboxRecord,
  type PackedRow,
  type PackKey,
  type PackRecord,
  type RowKey,
  type ShadowRecord,
  type ViewRecord,
  UNSTAMPED_ROWS_KEY,
} from './local-db';
import {
  PACK_ROWS,
  compactPostings,
  dropPackedRows,
  packKeysOf,
  packedWithAny,
  packsFor,
  putPacked,
  sweepPacks,
  unpackRows,
  type StoredRow,
} from './packs';
import { getRow, OverlayTx, queryRows, type QuerySpec } from './view-tx';

/** The shared domain's entry point (`applyMutation` of `@mango/domain`); injectable for tests. */
export type ApplyMutation = (ctx: MutatorContext, name: string, rawArgs: unknown) => Promise<void>;

/** Sync bookkeeping kept in the `meta` table. */
export interface SyncMeta {
  /** The id the next mutation gets. Starts at 1, +1 per stored mutation, never reused. */
  nextMutationId: number;
  /** Highest id the server has handled (applied, rejected or duplicate), from push or pull. */
  ackedMutationId: number;
  /** The store version fully applied to the local copy (the pull cursor). */
  cursor: number;
  /** Hydration generation (a re-hydration sweeps rows older generations wrote). */
  generation: number;
  /** True while a hydration from cursor 0 is in progress (survives a restart). */
  hydrating: boolean;
  /** True once a hydration has completed at least once. */
  hydrated: boolean;
  lastSyncAt: string | null;
  /** The server's sync epoch the cursor belongs to (sent back with it; null before any pull). */
  epoch: string | null;
  /** A snapshot hydration under way (survives a restart: it resumes after its last batch). */
  snapshot: SnapshotProgress | null;
}

/** Where a snapshot hydration stands (docs/SYNC.md, "Snapshot"). */
export interface SnapshotProgress {
  /** The `resume` of the last chunk written; null before the first. */
  resume: string | null;
  /** The OLDEST head cursor among the snapshot's parts: pulls continue from it. */
  cursor: number;
  epoch: string;
  /** Rows written so far, and the head's estimate of the whole. */
  rows: number;
  total: number;
  essentials: boolean;
}

/** One row of a snapshot chunk, as written to the device. */
export interface SnapshotRow {
  entity: string;
  id: string;
  version: number;
  data: Record<string, unknown>;
  /** The server marked its part `packed`: it goes to a pack, not a view record of its own. */
  packed?: boolean;
}

const META_DEFAULTS: SyncMeta = {
  nextMutationId: 1,
  ackedMutationId: 0,
  cursor: 0,
  generation: 0,
  hydrating: false,
  hydrated: false,
  lastSyncAt: null,
  epoch: null,
  snapshot: null,
};

export interface EnqueueInput {
  name: string;
  args: Record<string, unknown>;
  actor: Actor;
  clientTime: string;
  offlineCardCents?: number;
  approval?: Approval;
}

export interface PushBatch {
  mutations: Mutation[];
  bytes: number;
}

export interface PageResult {
  changes: number;
  /**
   * The server has lost mutations it had acknowledged (restored to an earlier point): this many
   * were put back in the outbox, the page was not applied and a hydration from 0 has begun.
   * Push, then pull again.
   */
  requeued?: number;
  /** Set on the last page: pending mutations dropped and re-run. */
  rebase?: { dropped: number; rerun: number; reset: number };
}

/** Retention's pacing (see `runRetention`). */
export interface RetentionOptions {
  /** Candidate rows per IndexedDB transaction. Default RETENTION_CHUNK. */
  chunkSize?: number;
  /** Awaited between two chunks, so other transactions get their turn. Default: a macrotask. */
  pause?: () => Promise<void>;
}

/**
 * Candidate rows (tickets, or appointments) per retention transaction. Deleting is what costs
 * (~0.17 ms per row and object store in headless Chromium on this project's 2-core machine), so
 * the pass takes the same time whatever the chunk, and a write issued meanwhile waits for at most
 * one chunk. Measured over 5,000 old tickets (a line and a payment each): chunks of 20 → writes
 * during the pass median 35 ms, max 138 ms; of 50 → 83 / 343 ms; one transaction → 32.6 s.
 */
export const RETENTION_CHUNK = 20;

const pauseBriefly = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 0));

export interface RetentionResult {
  tickets: number;
  ticketLines: number;
  payments: number;
  refunds: number;
  appointments: number;
}

/** The read side the UI uses: local data only, never the network. */
export interface LocalReader {
  get<E extends EntityName>(entity: E, id: string): Promise<EntityRows[E] | undefined>;
  list<E extends EntityName>(entity: E, query?: ListQuery<E>): Promise<EntityRows[E][]>;
  count<E extends EntityName>(entity: E, query?: ListQuery<E>): Promise<number>;
}

const DAY_MS = 86_400_000;
/**
 * How long handled mutations are kept to push again after a server restore: longer than it takes
 * to notice a bad deploy and restore to before it, bounded in count so a busy device's
 * IndexedDB does not grow without end.
 */
export const ACKED_RETENTION_MS = 7 * DAY_MS;
export const ACKED_RETENTION_MAX = 20_000;

/**
 * The device's store for one salon location: the read API, the outbox and everything the sync
 * loop does to IndexedDB. Every multi-step change is one Dexie transaction (all or nothing), and
 * IndexedDB serialises read-write transactions across tabs, so several tabs may share it.
 */
export class LocalStore implements LocalReader {
  readonly db: LocalDb;
  readonly storeId: string;
  readonly #applyMutation: ApplyMutation;

  readonly #packRows: number;

  constructor(
    storeId: string,
    applyMutation: ApplyMutation,
    deps: IndexedDbDeps = {},
    opts: { packRows?: number } = {},
  ) {
    this.storeId = storeId;
    this.db = openLocalDb(storeId, deps);
    this.#applyMutation = applyMutation;
    this.#packRows = opts.packRows ?? PACK_ROWS;
  }

  async open(): Promise<void> {
    await this.db.open();
  }

  close(): void {
    this.db.close();
  }

  // ------------------------------------------------------------------------------------------
  // Reads

  // A read covers the view and the packs in one transaction: a row moving from its pack to the
  // view meanwhile is seen exactly once.

  async get<E extends EntityName>(entity: E, id: string): Promise<EntityRows[E] | undefined> {
    const { db } = this;
    const row = await db.transaction('r', [db.view, db.pack, db.posting], () =>
      getRow(db.view, db.pack, entity, id),
    );
    return row as EntityRows[E] | undefined;
  }

  async list<E extends EntityName>(entity: E, query?: ListQuery<E>): Promise<EntityRows[E][]> {
    const rows = await this.#query(entity, (query ?? {}) as QuerySpec);
    return rows.map((r) => r.d as unknown as EntityRows[E]);
  }

  async count<E extends EntityName>(entity: E, query?: ListQuery<E>): Promise<number> {
    return (await this.#query(entity, (query ?? {}) as QuerySpec)).length;
  }

  #query(entity: string, q: QuerySpec): Promise<StoredRow[]> {
    const { db } = this;
    return db.transaction('r', [db.view, db.pack, db.posting], () =>
      queryRows(db.view, db.pack, entity, q),
    );
  }

  /**
   * A live query: `query` re-runs whenever a table it read changes (in this tab, another tab or
   * the sync worker), e.g. `store.live((r) => r.list('appointment', {...})).subscribe(...)`.
   */
  live<T>(query: (reader: LocalReader) => Promise<T>): Observable<T> {
    return liveQuery(() => query(this));
  }

  // ------------------------------------------------------------------------------------------
  // Meta

  async readMeta(): Promise<SyncMeta> {
    const rows = await this.db.meta.toArray();
    const meta: Record<string, unknown> = { ...META_DEFAULTS };
    for (const r of rows) if (r.key in META_DEFAULTS) meta[r.key] = r.value;
    return meta as unknown as SyncMeta;
  }

  async #meta<K extends keyof SyncMeta>(key: K): Promise<SyncMeta[K]> {
    const row = await this.db.meta.get(key);
    return (row ? row.value : META_DEFAULTS[key]) as SyncMeta[K];
  }

  async #setMeta<K extends keyof SyncMeta>(key: K, value: SyncMeta[K]): Promise<void> {
    await this.db.meta.put({ key, value });
  }

  // ------------------------------------------------------------------------------------------
  // Outbox

  /**
   * Runs the mutator on the local view and stores the mutation in the outbox, in ONE transaction.
   * A domain rejection aborts it: nothing is written and the id is not consumed (ids must have
   * no gaps: the server stops at a gap). Resolves with the mutation id once it is durable.
   */
  async enqueue(input: EnqueueInput): Promise<number> {
    const { db } = this;
    return db.transaction(
      'rw',
      [db.view, db.shadow, db.pack, db.posting, db.outbox, db.meta],
      async () => {
        const last = await db.outbox.orderBy('id').last();
        const id = Math.max(
          await this.#meta('nextMutationId'),
          (await this.#meta('ackedMutationId')) + 1,
          (last?.id ?? 0) + 1,
        );
        const tx = new OverlayTx(db.view, db.shadow, db.pack);
        await this.#applyMutation(
          { tx, storeId: this.storeId, actor: input.actor, now: input.clientTime },
          input.name,
          structuredClone(input.args),
        );
        const touched = tx.touched();
        await tx.flush();
        const record: OutboxRecord = {
          id,
          name: input.name,
          args: input.args,
          clientTime: input.clientTime,
          actor: input.actor,
          touched,
        };
        if (input.offlineCardCents !== undefined) record.offlineCardCents = input.offlineCardCents;
        if (input.approval !== undefined) record.approval = input.approval;
        await db.outbox.add(record);
        await this.#setMeta('nextMutationId', id + 1);
        return id;
      },
    );
  }

  /** The next mutations to push (ids above the acknowledged one), within the count/size limits. */
  async nextPushBatch(maxCount: number, maxBytes: number): Promise<PushBatch> {
    const acked = await this.#meta('ackedMutationId');
    const rows = await this.db.outbox.where('id').above(acked).limit(maxCount).toArray();
    const mutations: Mutation[] = [];
    let bytes = 0;
    const encoder = new TextEncoder();
    for (const r of rows) {
      const m = toWireMutation(r);
      const size = encoder.encode(JSON.stringify(m)).length + 1;
      if (mutations.length > 0 && bytes + size > maxBytes) break;
      mutations.push(m);
      bytes += size;
    }
    return { mutations, bytes };
  }

  /** Mutations the server has not acknowledged yet: what would be lost by clearing the device. */
  async unsyncedCount(): Promise<number> {
    const acked = await this.#meta('ackedMutationId');
    return this.db.outbox.where('id').above(acked).count();
  }

  async outboxCount(): Promise<number> {
    return this.db.outbox.count();
  }

  async outbox(): Promise<OutboxRecord[]> {
    return this.db.outbox.orderBy('id').toArray();
  }

  /** Running total of card payments taken offline and not yet acknowledged by the server. */
  async offlineCardTotals(): Promise<{ count: number; totalCents: number }> {
    const acked = await this.#meta('ackedMutationId');
    let count = 0;
    let totalCents = 0;
    await this.db.outbox
      .where('id')
      .above(acked)
      .each((r) => {
        if (r.offlineCardCents !== undefined) {
          count += 1;
          totalCents += r.offlineCardCents;
        }
      });
    return { count, totalCents };
  }

  /**
   * Records a push answer: the server's `lastMutationId` becomes the acknowledged id (ids above it
   * are pushed again), rejected mutations go to the attention list and are skipped by rebases
   * until the next pull drops them. Returns how many were rejected.
   */
  async recordPush(response: PushResponse, at: string): Promise<number> {
    const { db } = this;
    return db.transaction('rw', [db.outbox, db.meta, db.attention, db.acked], async () => {
      if (response.lastMutationId < (await this.#meta('ackedMutationId'))) {
        await this.#requeueLostAcks(response.lastMutationId);
      }
      await this.#setMeta('ackedMutationId', response.lastMutationId);
      let rejected = 0;
      for (const r of response.results) {
        if (r.status !== 'rejected') continue;
        rejected += 1;
        await this.#markRejected(r.id, r.error.code, r.error.message, at);
      }
      const next = await this.#meta('nextMutationId');
      if (next <= response.lastMutationId) {
        await this.#setMeta('nextMutationId', response.lastMutationId + 1);
      }
      return rejected;
    });
  }

  async #markRejected(id: number, code: string, message: string, at: string): Promise<void> {
    const { db } = this;
    const entry = await db.outbox.get(id);
    if (entry && !entry.serverRejected) {
      entry.serverRejected = { code, message };
      await db.outbox.put(entry);
    }
    const existing = await db.attention.get(id);
    if (existing) return; // never resurrect one a person acknowledged
    await db.attention.put({
      mutationId: id,
      name: entry?.name ?? null,
      args: entry?.args ?? null,
      code,
      message,
      at,
      acknowledgedAt: null,
    });
  }

  // ------------------------------------------------------------------------------------------
  // Pull and rebase

  /** Starts a hydration from cursor 0 (first sync or RESYNC_REQUIRED): new generation. */
  async beginHydration(): Promise<void> {
    const { db } = this;
    await db.transaction('rw', [db.meta], () => this.#markHydrating());
  }

  /** Inside a transaction over meta: next generation, cursor 0, hydrating. */
  async #markHydrating(): Promise<void> {
    await this.#setMeta('generation', (await this.#meta('generation')) + 1);
    await this.#setMeta('cursor', 0);
    await this.#setMeta('hydrating', true);
  }

  /**
   * Applies one pull page in one transaction. Rows no pending mutation touched go to the view at
   * once; the others to their shadows, and reach the view with the rebase. On the last page
   * (`hasMore: false`) it drops the pending mutations the server has handled and re-runs the
   * rest on top of the server state.
   */
  async applyPullPage(page: PullResponse, at: string): Promise<PageResult> {
    const { db } = this;
    return db.transaction(
      'rw',
      [db.view, db.shadow, db.pack, db.posting, db.outbox, db.meta, db.attention, db.acked],
      async () => {
        if (page.lastMutationId < (await this.#meta('ackedMutationId'))) {
          // The page comes from a history that lacks mutations the server acknowledged: do
          // not apply it; push those again and hydrate from 0.
          return { changes: 0, requeued: await this.#requeueLostAcks(page.lastMutationId) };
        }
        const generation = await this.#meta('generation');
        const shadowed = await this.#shadowedKeys();
        await this.#writeServerRows(page.changes, generation, shadowed);
        for (const r of page.rejections) await this.#markRejected(r.id, r.code, r.message, at);
        await this.#setMeta('cursor', page.cursor);
        if (page.epoch !== undefined) await this.#setMeta('epoch', page.epoch);
        const result: PageResult = { changes: page.changes.length };
        if (page.hasMore) return result;

        if (await this.#meta('hydrating')) {
          await this.#sweepOlderGenerations(generation, shadowed);
          await this.#setMeta('hydrating', false);
          await this.#setMeta('hydrated', true);
        }
        const L = page.lastMutationId;
        if ((await this.#meta('ackedMutationId')) < L) await this.#setMeta('ackedMutationId', L);
        if ((await this.#meta('nextMutationId')) <= L) await this.#setMeta('nextMutationId', L + 1);
        const outbox = await db.outbox.orderBy('id').toArray();
        result.rebase = await this.#rebase(outbox, L, Date.parse(at));
        await this.#setMeta('lastSyncAt', at);
        return result;
      },
    );
  }

  /** Keys of the rows pending mutations touched (they have a shadow). */
  async #shadowedKeys(): Promise<Set<string>> {
    const keys = await this.db.shadow.toCollection().primaryKeys();
    return new Set(keys.map(([e, id]) => keyString(e, id)));
  }

  /**
   * Bulk writes of pulled rows: to the view, to packs (snapshot rows of a part the server marked
   * `packed`), or to the shadow of a row a pending mutation touched. A hydration page has
   * thousands of rows, and one awaited write per row made a 50,000-client store take a minute to
   * land. The last change of a row wins. A row written to the view or deleted leaves its pack
   * first (a key lives in one place). Inside a transaction over view, shadow and pack.
   */
  async #writeServerRows(
    changes: readonly {
      entity: string;
      id: string;
      version: number;
      deleted?: boolean;
      data: Record<string, unknown> | null;
      packed?: boolean;
    }[],
    generation: number,
    shadowed: Set<string>,
  ): Promise<void> {
    const { db } = this;
    const latest = new Map<string, (typeof changes)[number]>();
    for (const c of changes) latest.set(keyString(c.entity, c.id), c);
    const shadowPuts: ShadowRecord[] = [];
    const viewPuts: ViewRecord[] = [];
    const viewDeletes: RowKey[] = [];
    const packPuts = new Map<string, PackedRow[]>();
    for (const [key, c] of latest) {
      const gone = c.deleted === true || c.data === null;
      const data = gone ? null : { ...c.data, id: c.id };
      if (shadowed.has(key)) {
        shadowPuts.push({ e: c.entity, id: c.id, v: c.version, g: generation, d: data });
      } else if (data === null) {
        viewDeletes.push([c.entity, c.id]);
      } else if (c.packed === true) {
        const list = packPuts.get(c.entity) ?? [];
        list.push({ id: c.id, v: c.version, g: generation, d: data });
        packPuts.set(c.entity, list);
      } else {
        viewPuts.push(toViewRecord(c.entity, c.id, data, { v: c.version, g: generation }));
      }
    }
    if (shadowPuts.length > 0) await db.shadow.bulkPut(shadowPuts);
    await unpackRows(db.pack, [...viewDeletes, ...viewPuts.map((r): RowKey => [r.e, r.id])]);
    if (viewDeletes.length > 0) await db.view.bulkDelete(viewDeletes);
    if (viewPuts.length > 0) await db.view.bulkPut(viewPuts);
    for (const [entity, rows] of packPuts)
      await putPacked(db.view, db.pack, entity, rows, this.#packRows);
  }

  // ------------------------------------------------------------------------------------------
  // Snapshot hydration (docs/SYNC.md, "Snapshot")

  /**
   * Writes a batch of snapshot rows and the snapshot's progress in one transaction (the
   * progress says what is written: a restart resumes after it). Refused with `requeued` like a
   * pull page when the server's lastMutationId is below what it had acknowledged (a restore).
   * The cursor stays 0 until `finishSnapshot`.
   */
  async applySnapshotBatch(
    rows: readonly SnapshotRow[],
    progress: SnapshotProgress,
    lastMutationId: number,
  ): Promise<PageResult> {
    const { db } = this;
    const tables = [db.view, db.shadow, db.pack, db.posting, db.outbox, db.meta, db.acked];
    return db.transaction('rw', tables, async () => {
      if (lastMutationId < (await this.#meta('ackedMutationId'))) {
        await this.#setMeta('snapshot', null);
        return { changes: 0, requeued: await this.#requeueLostAcks(lastMutationId) };
      }
      const shadowed = await this.#shadowedKeys();
      await this.#writeServerRows(rows, await this.#meta('generation'), shadowed);
      await this.#setMeta('snapshot', progress);
      return { changes: rows.length };
    });
  }

  /** Forgets a snapshot under way (its token was refused): the next one starts afresh. */
  async abandonSnapshot(): Promise<void> {
    const { db } = this;
    await db.transaction('rw', [db.meta], async () => {
      await this.#setMeta('snapshot', null);
      await this.#markHydrating();
    });
  }

  /**
   * The snapshot is complete: pulls continue from its OLDEST part's cursor (the hydration ends
   * with the pull page that has no more, as with paged hydration).
   */
  async finishSnapshot(cursor: number, epoch: string): Promise<void> {
    const { db } = this;
    await db.transaction('rw', [db.meta], async () => {
      await this.#setMeta('cursor', cursor);
      await this.#setMeta('epoch', epoch);
      await this.#setMeta('snapshot', null);
    });
    // The batches' postings into pages: a lookup by client or ticket then reads one page.
    await db.transaction('rw', [db.posting], () => compactPostings(db.posting));
  }

  /**
   * The end of a hydration from 0: rows it did not write are gone from the server. View rows as
   * pulled by an older generation go; a shadow of an older generation becomes "absent" (the
   * rebase that follows resets its view row). Rows pending mutations wrote carry no generation
   * and have a shadow. Rows kept from schema v3 carry none either: the first sweep after the
   * upgrade takes every row this hydration did not write (by key, without reading the rows).
   */
  async #sweepOlderGenerations(generation: number, shadowed: Set<string>): Promise<void> {
    const { db } = this;
    let stale: RowKey[];
    if ((await db.meta.get(UNSTAMPED_ROWS_KEY))?.value === true) {
      const fresh = await db.view.where('g').equals(generation).primaryKeys();
      const keep = new Set(fresh.map(([e, id]) => keyString(e, id)));
      stale = (await db.view.toCollection().primaryKeys()).filter(
        ([e, id]) => !keep.has(keyString(e, id)),
      );
      await db.meta.delete(UNSTAMPED_ROWS_KEY);
    } else {
      stale = await db.view.where('g').below(generation).primaryKeys();
    }
    await db.view.bulkDelete(stale.filter(([e, id]) => !shadowed.has(keyString(e, id))));
    await sweepPacks(db.pack, generation);
    await db.shadow
      .filter((s) => s.d !== null && s.g < generation)
      .modify((s) => {
        s.d = null;
      });
  }

  /**
   * view := server ⊕ pending. Resets only the rows pending mutations wrote (from their shadows),
   * drops mutations with id ≤ `lastMutationId`, re-runs the others in id order (their writes
   * save new shadows), then drops the shadows no remaining mutation touched. A mutation the
   * re-run refuses stays pending (the server decides); one the server rejected is skipped. Must
   * run inside a transaction over view, shadow, outbox, meta and acked.
   */
  async #rebase(
    outbox: OutboxRecord[],
    lastMutationId: number,
    nowMs: number,
  ): Promise<{ dropped: number; rerun: number; reset: number }> {
    const { db } = this;
    const shadows = await db.shadow.toArray();
    const restore: ViewRecord[] = [];
    const absent: RowKey[] = [];
    for (const s of shadows) {
      if (s.d === null) absent.push([s.e, s.id]);
      else restore.push(toViewRecord(s.e, s.id, s.d, s));
    }
    await db.view.bulkDelete(absent);
    await db.view.bulkPut(restore);
    const handled = outbox.filter((m) => m.id <= lastMutationId);
    await this.#keepAcked(handled, nowMs);
    await db.outbox.bulkDelete(handled.map((m) => m.id));
    let rerun = 0;
    const stillTouched = new Set<string>();
    for (const m of outbox) {
      if (m.id <= lastMutationId) continue;
      const updated: OutboxRecord = { ...m, touched: [] };
      delete updated.localError;
      if (!m.serverRejected) {
        const tx = new OverlayTx(db.view, db.shadow, db.pack);
        try {
          await this.#applyMutation(
            { tx, storeId: this.storeId, actor: m.actor, now: m.clientTime },
            m.name,
            structuredClone(m.args),
          );
          updated.touched = tx.touched();
          await tx.flush();
          rerun += 1;
        } catch (e) {
          // Refused on top of the new server state: keep it; the server's answer wins.
          updated.localError = isDomainError(e)
            ? { code: e.code, message: e.message }
            : { code: 'LOCAL_APPLY_FAILED', message: e instanceof Error ? e.message : String(e) };
        }
      }
      for (const [e, id] of updated.touched) stillTouched.add(keyString(e, id));
      await db.outbox.put(updated);
    }
    // Their view rows are the server's again (reset above, not written since).
    await db.shadow.bulkDelete(
      (await db.shadow.toCollection().primaryKeys()).filter(
        ([e, id]) => !stillTouched.has(keyString(e, id)),
      ),
    );
    return { dropped: handled.length, rerun, reset: shadows.length };
  }

  /**
   * Keeps handled mutations (rejected ones too: the server needs every id again, in order) for
   * ACKED_RETENTION_MS, at most ACKED_RETENTION_MAX of them.
   */
  async #keepAcked(handled: OutboxRecord[], nowMs: number): Promise<void> {
    const { db } = this;
    await db.acked.bulkPut(
      handled.map(({ touched: _touched, localError: _localError, ...m }) => ({
        ...m,
        ackedAt: nowMs,
      })),
    );
    await db.acked
      .where('ackedAt')
      .below(nowMs - ACKED_RETENTION_MS)
      .delete();
    const excess = (await db.acked.count()) - ACKED_RETENTION_MAX;
    if (excess > 0)
      await db.acked.bulkDelete(await db.acked.orderBy('id').limit(excess).primaryKeys());
  }

  /**
   * The server says it has handled only up to `serverLast`, below what it had acknowledged: it
   * was restored to an earlier point. The kept mutations after `serverLast` go back to the outbox
   * with their ids (the restored server never saw them, so each still takes effect once), and
   * the store hydrates again, since the cursor belongs to the lost history too. Runs inside a
   * transaction over outbox, meta and acked. Returns how many went back.
   */
  async #requeueLostAcks(serverLast: number): Promise<number> {
    const { db } = this;
    const lost = await db.acked.where('id').above(serverLast).toArray();
    await db.outbox.bulkPut(
      lost.map(({ ackedAt: _ackedAt, serverRejected: _rejected, ...m }) => ({ ...m, touched: [] })),
    );
    await db.acked.bulkDelete(lost.map((m) => m.id));
    await this.#setMeta('ackedMutationId', serverLast);
    await this.#markHydrating();
    return lost.length;
  }

  // ------------------------------------------------------------------------------------------
  // Attention list

  async attention(): Promise<AttentionRecord[]> {
    const all = await this.db.attention.orderBy('mutationId').toArray();
    return all.filter((a) => a.acknowledgedAt === null);
  }

  async attentionCount(): Promise<number> {
    return (await this.attention()).length;
  }

  /** A person has seen the rejection: it leaves the list (and is not brought back by pulls). */
  async acknowledge(mutationId: number, at: string): Promise<void> {
    await this.db.attention.update(mutationId, { acknowledgedAt: at });
  }

  // ------------------------------------------------------------------------------------------
  // Retention and clearing

  /**
   * Removes from the device closed/voided tickets (with their lines, payments and refunds) and
   * appointments that ended before now − `windowDays`, but only rows that are synced (no
   * shadow: not written by a pending mutation) and that no pending mutation refers
   * to (by id anywhere in its args). Older history is read from the server on demand
   * (`transport.fetchHistoryPage`).
   *
   * Runs in small transactions (`chunkSize` candidate rows each, default RETENTION_CHUNK) with a
   * pause between them: one transaction over a year of history held every other IndexedDB
   * transaction — a walk-in's optimistic write, the UI's reads, a pull page — for seconds
   * (docs/SYNC.md "Retention"). Each chunk re-reads the outbox and re-checks its rows, so a
   * mutation made between chunks protects what it refers to, and an interrupted run is simply
   * finished by the next one (the result is the same as one big transaction's).
   */
  async runRetention(
    nowMs: number,
    windowDays = 90,
    opts: RetentionOptions = {},
  ): Promise<RetentionResult> {
    const { db } = this;
    const chunkSize = Math.max(1, opts.chunkSize ?? RETENTION_CHUNK);
    const pause = opts.pause ?? pauseBriefly;
    const cutoff = new Date(nowMs - windowDays * DAY_MS).toISOString();
    const result: RetentionResult = {
      tickets: 0,
      ticketLines: 0,
      payments: 0,
      refunds: 0,
      appointments: 0,
    };
    // Candidates by key only (no row bodies); each chunk re-reads and re-checks its rows. A
    // ticket ends at closedAt, or (none) voidedAt/openedAt: those closed before the cutoff, and
    // those with no closedAt (open ones too: the chunk skips them). Recent ones are not read.
    const byClosedAt = await db.view
      .where('ix')
      .between(['ticket', 'closedAt', ''], ['ticket', 'closedAt', cutoff], true, false)
      .primaryKeys();
    const noClosedAt = await db.view
      .where('ix')
      .equals(['ticket', 'closedAt', encodeIndexValue(null) as never[]])
      .primaryKeys();
    const ticketKeys = [...byClosedAt, ...noClosedAt];
    const appointmentKeys = await db.view
      .where('ix')
      .between(['appointment', 'start', -Infinity], ['appointment', 'start', cutoff], true, false)
      .primaryKeys();
    const chunks: { kind: 'ticket' | 'appointment'; keys: RowKey[] }[] = [];
    for (let i = 0; i < ticketKeys.length; i += chunkSize)
      chunks.push({ kind: 'ticket', keys: ticketKeys.slice(i, i + chunkSize) });
    for (let i = 0; i < appointmentKeys.length; i += chunkSize)
      chunks.push({ kind: 'appointment', keys: appointmentKeys.slice(i, i + chunkSize) });
    for (const [n, chunk] of chunks.entries()) {
      if (n > 0) await pause();
      await db.transaction('rw', [db.view, db.shadow, db.pack, db.posting, db.outbox], () =>
        chunk.kind === 'ticket'
          ? this.#retainTickets(chunk.keys, cutoff, result)
          : this.#retainAppointments(chunk.keys, cutoff, result),
      );
    }
    await this.#retainPacked(cutoff, result, pause);
    return result;
  }

  /**
   * Retention of packed history (docs/SYNC.md "Packed history"): one short transaction per pack,
   * each pack rewritten once. Deleting 20 tickets at a time would rewrite a ticket pack and the
   * line and payment packs of each (their ids are random): a whole store's packs per chunk.
   * So: the old tickets are found first (read-only, packs a few at a time), those with a child a
   * pending mutation names are kept, then the children go, pack by pack, then the tickets. Each
   * transaction re-reads the outbox: a row a mutation made meanwhile names stays (if it is a
   * ticket named after its children went, the ticket stays without them; the next pull of it,
   * or the server, has the whole ticket). An interrupted pass is finished by the next.
   */
  async #retainPacked(
    cutoff: string,
    result: RetentionResult,
    pause: () => Promise<void>,
  ): Promise<void> {
    const { db } = this;
    const inGroups = async (keys: PackKey[], fn: (recs: PackRecord[]) => void) => {
      for (let i = 0; i < keys.length; i += 20) {
        const recs = await db.pack.bulkGet(keys.slice(i, i + 20));
        fn(recs.filter((r): r is PackRecord => r !== undefined));
      }
    };
    const guard = await db.transaction('r', [db.outbox], () => this.#pendingGuard());
    const packKeys = (entity: string, q: QuerySpec) => {
      const keys = packsFor(db.pack, entity, q);
      return keys === 'all' ? packKeysOf(db.pack, entity) : keys;
    };
    const ticketPacks = uniquePackKeys([
      ...(await packKeys('ticket', { range: { field: 'closedAt', gte: '', lt: cutoff } })),
      ...(await packKeys('ticket', { where: { closedAt: null } })),
    ]);
    const old = new Set<string>();
    await inGroups(ticketPacks, (recs) => {
      for (const rec of recs)
        for (const r of rec.rows)
          if (ticketEnded(r.d, cutoff) && !guard('ticket', r.id)) old.add(r.id);
    });
    const childPacks: PackKey[] = [];
    if (old.size > 0) {
      for (const child of TICKET_CHILDREN) {
        await inGroups(await packKeysOf(db.pack, child), (recs) => {
          for (const rec of recs) {
            let holds = false;
            for (const r of rec.rows) {
              const ticketId = r.d['ticketId'];
              if (typeof ticketId !== 'string' || !old.has(ticketId)) continue;
              holds = true;
              if (guard(child, r.id)) old.delete(ticketId);
            }
            if (holds) childPacks.push([rec.e, rec.lo, rec.hi]);
          }
        });
      }
    }
    // Children in the view of packed tickets (a line a pull or a mutation changed).
    const viewChildren: RowKey[] = [];
    for (let i = 0; i < old.size; i += 500) {
      const ids = [...old].slice(i, i + 500);
      const rows = await db.view
        .where('ix')
        .anyOf(TICKET_CHILDREN.flatMap((child) => ids.map((id) => [child, 'ticketId', id])))
        .toArray();
      for (const r of rows) {
        const ticketId = r.d['ticketId'];
        if (typeof ticketId !== 'string' || !old.has(ticketId)) continue;
        if (guard(r.e, r.id)) old.delete(ticketId);
        else viewChildren.push([r.e, r.id]);
      }
    }
    for (let i = 0; i < viewChildren.length; i += RETENTION_CHUNK) {
      await pause();
      await db.transaction('rw', [db.view, db.shadow, db.outbox], async () => {
        const guarded = await this.#pendingGuard();
        const keys = viewChildren.slice(i, i + RETENTION_CHUNK);
        const [rows, shadows] = await Promise.all([db.view.bulkGet(keys), db.shadow.bulkGet(keys)]);
        const doomed: RowKey[] = [];
        rows.forEach((r, k) => {
          const ticketId = r?.d['ticketId'];
          if (!r || shadows[k] || typeof ticketId !== 'string' || !old.has(ticketId)) return;
          if (guarded(r.e, r.id) || guarded('ticket', ticketId)) return;
          doomed.push([r.e, r.id]);
          countChildren(r.e, 1, result);
        });
        await db.view.bulkDelete(doomed);
      });
    }
    const dropIn = async (
      key: PackKey,
      drop: (row: PackedRow, guarded: (e: string, id: string) => boolean) => boolean,
    ) => {
      await pause();
      return db.transaction('rw', [db.pack, db.posting, db.outbox], async () => {
        const guarded = await this.#pendingGuard();
        return dropPackedRows(db.pack, [key], (r) => drop(r, guarded));
      });
    };
    for (const key of childPacks) {
      const dropped = await dropIn(key, (r, guarded) => {
        const ticketId = r.d['ticketId'];
        return (
          typeof ticketId === 'string' &&
          old.has(ticketId) &&
          !guarded(key[0], r.id) &&
          !guarded('ticket', ticketId)
        );
      });
      countChildren(key[0], dropped.length, result);
    }
    if (old.size > 0) {
      for (const key of ticketPacks) {
        const dropped = await dropIn(
          key,
          (r, guarded) => old.has(r.id) && !guarded('ticket', r.id),
        );
        result.tickets += dropped.length;
      }
    }
    const appointmentPacks = uniquePackKeys(
      await packKeys('appointment', { range: { field: 'start', lt: cutoff } }),
    );
    for (const key of appointmentPacks) {
      const dropped = await dropIn(
        key,
        (r, guarded) => appointmentEnded(r.d, cutoff) && !guarded('appointment', r.id),
      );
      result.appointments += dropped.length;
    }
  }

  /** What pending mutations protect: rows they wrote and ids anywhere in their args. */
  async #pendingGuard(): Promise<(e: string, id: string) => boolean> {
    const outbox = await this.db.outbox.toArray();
    const touched = touchedKeys(outbox);
    const referenced = new Set<string>();
    for (const m of outbox) collectStrings(m.args, referenced);
    return (e, id) => touched.has(keyString(e, id)) || referenced.has(id);
  }

  /** One retention chunk of tickets; runs inside a transaction over server, view and outbox. */
  async #retainTickets(keys: RowKey[], cutoff: string, result: RetentionResult): Promise<void> {
    const { db } = this;
    const guarded = await this.#pendingGuard();
    const [views, shadows] = await Promise.all([db.view.bulkGet(keys), db.shadow.bulkGet(keys)]);
    const old = new Set<string>();
    views.forEach((t, i) => {
      if (!t || shadows[i] || !ticketEnded(t.d, cutoff) || guarded('ticket', t.id)) return;
      old.add(t.id);
    });
    if (old.size === 0) return;
    const children = new Map<string, RowKey[]>();
    // Their children may be packed (a ticket a pull or a mutation changed leaves its pack, its
    // lines stay in theirs).
    const packed = new Set<string>();
    for (const child of TICKET_CHILDREN) {
      const inPacks = await packedWithAny(db.pack, child, 'ticketId', [...old]);
      for (const r of inPacks) packed.add(keyString(r.e, r.id));
      const rows = [
        ...(await db.view
          .where('ix')
          .anyOf([...old].map((id) => [child, 'ticketId', id]))
          .toArray()),
        ...inPacks,
      ];
      for (const r of rows) {
        const ticketId = r.d['ticketId'];
        if (r.e !== child || typeof ticketId !== 'string' || !old.has(ticketId)) continue;
        const list = children.get(ticketId) ?? [];
        list.push([child, r.id]);
        children.set(ticketId, list);
      }
    }
    const doomed: RowKey[] = [];
    for (const id of old) {
      const kids = children.get(id) ?? [];
      if (kids.some(([e, kid]) => guarded(e, kid))) continue;
      doomed.push(['ticket', id], ...kids);
      result.tickets += 1;
      for (const [e] of kids) {
        countChildren(e, 1, result);
      }
    }
    await db.view.bulkDelete(doomed.filter(([e, id]) => !packed.has(keyString(e, id))));
    await unpackRows(
      db.pack,
      doomed.filter(([e, id]) => packed.has(keyString(e, id))),
    );
  }

  /** One retention chunk of appointments (they start before the cutoff); inside a transaction. */
  async #retainAppointments(
    keys: RowKey[],
    cutoff: string,
    result: RetentionResult,
  ): Promise<void> {
    const { db } = this;
    const guarded = await this.#pendingGuard();
    const [views, shadows] = await Promise.all([db.view.bulkGet(keys), db.shadow.bulkGet(keys)]);
    const doomed: RowKey[] = [];
    views.forEach((a, i) => {
      if (!a || shadows[i] || !appointmentEnded(a.d, cutoff)) return;
      if (guarded('appointment', a.id)) return;
      doomed.push(['appointment', a.id]);
    });
    result.appointments += doomed.length;
    await db.view.bulkDelete(doomed);
  }

  /**
   * Deletes the whole local database. Refuses with `UNSYNCED_CHANGES` while the server has not
   * acknowledged every mutation, unless `force` (the person accepted losing them).
   */
  async clear(opts: { force?: boolean } = {}): Promise<void> {
    const count = opts.force ? 0 : await this.unsyncedCount();
    if (count > 0) {
      throw new SyncError(
        'UNSYNCED_CHANGES',
        `${count} change(s) made on this device have not reached the server yet. Connect to the internet and wait for sync, or confirm that they may be lost.`,
        { count },
      );
    }
    await this.db.delete();
  }
}

const TICKET_CHILDREN = ['ticketLine', 'payment', 'refund'] as const;

/** A closed or voided ticket that ended (closedAt, else voidedAt, else openedAt) before `cutoff`. */
function ticketEnded(d: Record<string, unknown>, cutoff: string): boolean {
  if (d['status'] !== 'closed' && d['status'] !== 'voided') return false;
  const endedAt = d['closedAt'] ?? d['voidedAt'] ?? d['openedAt'];
  return typeof endedAt === 'string' && endedAt < cutoff;
}

/** An appointment that started and ended before `cutoff`. */
function appointmentEnded(d: Record<string, unknown>, cutoff: string): boolean {
  const { start, end } = d;
  if (typeof start !== 'string' || start >= cutoff) return false;
  return !(typeof end === 'string' && end >= cutoff);
}

function countChildren(entity: string, n: number, result: RetentionResult): void {
  if (entity === 'ticketLine') result.ticketLines += n;
  else if (entity === 'payment') result.payments += n;
  else result.refunds += n;
}

function uniquePackKeys(keys: readonly PackKey[]): PackKey[] {
  const seen = new Map<string, PackKey>();
  for (const k of keys) seen.set(k.join('\u0000'), k);
  return [...seen.values()];
}

function touchedKeys(outbox: OutboxRecord[]): Set<string> {
  const keys = new Set<string>();
  for (const m of outbox) for (const [e, id] of m.touched) keys.add(keyString(e, id));
  return keys;
}

function collectStrings(value: unknown, into: Set<string>): void {
  if (typeof value === 'string') into.add(value);
  else if (Array.isArray(value)) for (const v of value) collectStrings(v, into);
  else if (value !== null && typeof value === 'object') {
    for (const v of Object.values(value)) collectStrings(v, into);
  }
}

/** An outbox record as the server receives it: who acted and any approval travel with it. */
export function toWireMutation(r: OutboxRecord): Mutation {
  const m: Mutation = { id: r.id, name: r.name, args: r.args, clientTime: r.clientTime };
  if (r.actor.staffId) m.actorStaffId = r.actor.staffId;
  if (r.approval) m.approval = r.approval;
  return m;
}
