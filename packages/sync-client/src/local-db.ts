import { Dexie, type Table } from 'dexie';
import { INDEXED_FIELDS } from '@mango/domain/tx';
import type { Actor } from '@mango/domain/tx';
import type { Approval } from '@mango/protocol';

/**
 * The device's IndexedDB layout (one database per store, see `databaseName`).
 *
 * - `server`   the synced entities exactly as pulled (server state at `meta.cursor`). Live rows
 *              only: a pulled tombstone removes the row. `g` is the hydration generation that
 *              last wrote the row (a re-hydration sweeps rows of older generations).
 * - `view`     the local view the UI reads: server state + pending mutations re-applied. `ix`
 *              holds one `[entity, field, value]` key per INDEXED_FIELDS entry (multiEntry index),
 *              so `list` with where/range is index-driven.
 * - `outbox`   pending mutations by id, with the keys each one wrote (`touched`) so a rebase
 *              resets only those rows.
 * - `meta`     key/value: mutation id counter, cursor, acknowledged ids, hydration state, …
 * - `attention` rejected mutations a person must see (never silently dropped).
 * - `acked`    mutations the server has handled, kept for a while after they leave the outbox: if
 *              the server is restored to before them (its lastMutationId for this device goes
 *              back), they go back to the outbox with the same ids and are pushed again.
 * - `lease`    the leader lease when Web Locks are not available.
 */

export type RowKey = [entity: string, id: string];
export type RowData = Record<string, unknown>;
export type IndexKey = [entity: string, field: string, value: string | number | never[]];

export interface ServerRecord {
  e: string;
  id: string;
  /** Store version of the row's last change. */
  v: number;
  /** Hydration generation that last wrote it. */
  g: number;
  d: RowData;
}

export interface ViewRecord {
  e: string;
  id: string;
  d: RowData;
  ix: IndexKey[];
}

export interface OutboxRecord {
  id: number;
  name: string;
  args: Record<string, unknown>;
  clientTime: string;
  /**
   * Who made it; re-used when the mutation is re-run by a rebase. Its `staffId` is sent as
   * `actorStaffId` (the server decides the role from it and the token's ceiling).
   */
  actor: Actor;
  /** A manager's approval of this mutation, sent as is for the server to verify. */
  approval?: Approval | undefined;
  /** Rows the last (optimistic or rebased) run wrote. */
  touched: RowKey[];
  /** Set when the server rejected it; a rebase skips it until the pull drops it. */
  serverRejected?: { code: string; message: string } | undefined;
  /** Set when the last rebase run was refused locally; it stays pending, the server decides. */
  localError?: { code: string; message: string } | undefined;
  /** Amount (+ tip) of a card payment taken while offline, for the per-device running total. */
  offlineCardCents?: number | undefined;
}

/** An outbox mutation after the server handled it (see `acked` above). */
export interface AckedRecord extends Omit<OutboxRecord, 'touched' | 'localError'> {
  /** When it left the outbox (ms since epoch): retention is counted from here. */
  ackedAt: number;
}

export interface MetaRecord {
  key: string;
  value: unknown;
}

export interface AttentionRecord {
  mutationId: number;
  name: string | null;
  args: Record<string, unknown> | null;
  code: string;
  message: string;
  at: string;
  acknowledgedAt: string | null;
}

export interface LeaseRecord {
  key: string;
  holder: string;
  expiresAt: number;
}

/** Schema history. Never edit a released version: add one, with an upgrade if data must move. */
export const SCHEMA_V1 = {
  server: '[e+id]',
  view: '[e+id], *ix',
  outbox: 'id',
  meta: 'key',
} as const;

export const SCHEMA_V2 = {
  server: '[e+id], g',
  view: '[e+id], *ix',
  outbox: 'id',
  meta: 'key',
  attention: 'mutationId, acknowledgedAt',
  lease: 'key',
} as const;

export const SCHEMA_V3 = { ...SCHEMA_V2, acked: 'id, ackedAt' } as const;

export const CURRENT_SCHEMA_VERSION = 3;

export interface IndexedDbDeps {
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
}

export function databaseName(storeId: string): string {
  return `mango-pos-${storeId}`;
}

export class LocalDb extends Dexie {
  server!: Table<ServerRecord, RowKey>;
  view!: Table<ViewRecord, RowKey>;
  outbox!: Table<OutboxRecord, number>;
  meta!: Table<MetaRecord, string>;
  attention!: Table<AttentionRecord, number>;
  lease!: Table<LeaseRecord, string>;
  acked!: Table<AckedRecord, number>;

  constructor(name: string, deps: IndexedDbDeps = {}) {
    super(name, dexieOptions(deps));
    this.version(1).stores(SCHEMA_V1);
    // v2: attention list, leader lease, hydration generations. v1 outbox rows did not record the
    // rows they touched, so the first rebase after the upgrade rebuilds the whole view.
    this.version(2)
      .stores(SCHEMA_V2)
      .upgrade(async (tx) => {
        await tx
          .table('outbox')
          .toCollection()
          .modify((row: Partial<OutboxRecord>) => {
            if (!Array.isArray(row.touched)) row.touched = [];
          });
        await tx
          .table('server')
          .toCollection()
          .modify((row: Partial<ServerRecord>) => {
            if (typeof row.g !== 'number') row.g = 0;
          });
        await tx.table('meta').put({ key: 'fullRebaseNeeded', value: true });
      });
    // v3: handled mutations are kept for a while, to push again after a server restore.
    this.version(3).stores(SCHEMA_V3);
  }
}

export function dexieOptions(deps: IndexedDbDeps): {
  indexedDB?: IDBFactory;
  IDBKeyRange?: typeof IDBKeyRange;
} {
  const opts: { indexedDB?: IDBFactory; IDBKeyRange?: typeof IDBKeyRange } = {};
  if (deps.indexedDB) opts.indexedDB = deps.indexedDB;
  if (deps.IDBKeyRange) opts.IDBKeyRange = deps.IDBKeyRange;
  return opts;
}

export function openLocalDb(storeId: string, deps: IndexedDbDeps = {}): LocalDb {
  return new LocalDb(databaseName(storeId), deps);
}

// ---------------------------------------------------------------------------------------------
// Index keys

/** Stands for null/absent in an index key (an empty array sorts after every string and number). */
const NULL_KEY: never[] = [];

export function indexedFields(entity: string): readonly string[] {
  return (INDEXED_FIELDS as Record<string, readonly string[] | undefined>)[entity] ?? [];
}

export function encodeIndexValue(value: unknown): string | number | never[] | undefined {
  if (value === null || value === undefined) return NULL_KEY;
  if (typeof value === 'string') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : undefined;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return undefined;
}

export function indexKeys(entity: string, data: RowData): IndexKey[] {
  const keys: IndexKey[] = [];
  for (const field of indexedFields(entity)) {
    const enc = encodeIndexValue(data[field]);
    if (enc !== undefined) keys.push([entity, field, enc]);
  }
  return keys;
}

export function toViewRecord(entity: string, id: string, data: RowData): ViewRecord {
  return { e: entity, id, d: data, ix: indexKeys(entity, data) };
}

export function keyString(entity: string, id: string): string {
  return `${entity}\u0000${id}`;
}

export function parseKeyString(key: string): RowKey {
  const at = key.indexOf('\u0000');
  return [key.slice(0, at), key.slice(at + 1)];
}
