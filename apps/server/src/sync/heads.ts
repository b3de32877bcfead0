import type { Clock } from '../clock';

/**
 * The sync "heads": what a pull of a quiet store needs to answer "nothing new" without the
 * database — the store's version and epoch, and for each device its lastMutationId and whether it
 * has rejections it has not acknowledged (issue 20: an idle device costs nothing).
 *
 * Exactness: a committed push advances them before its poke is published, so a device woken by a
 * poke never reads a head older than the push. A pull fills them from what it read in one
 * transaction, and a fill never takes a head back (versions and mutation ids only grow within an
 * epoch). The one writer of synced rows other than push, `admin seed-clients`, forgets its store's
 * heads, as epoch rotations and device revocations forget the heads they change (a tombstone purge
 * changes no head: a device at the store's version is past what it deletes). A whole store's heads
 * live at most `ttlMs` from their fill: that bounds how long a push whose advance Redis lost, and
 * whose store's heads could not be forgotten either, stays unseen by polling devices.
 */
export interface StoreHead {
  version: number;
  epoch: string;
}

export interface DeviceHead {
  lastMutationId: number;
  /** The device has rejections it has not acknowledged: its pulls go to the database. */
  openRejections: boolean;
}

export interface HeadsStats {
  hits: number;
  misses: number;
  /** Head operations that failed (Redis away): the pull went to the database. */
  errors: number;
}

export interface SyncHeads {
  /** Both heads, each null when not known (never filled, expired, forgotten, Redis away). */
  read(
    storeId: string,
    deviceId: string,
  ): Promise<{ store: StoreHead | null; device: DeviceHead | null }>;
  /** What a pull read in one transaction; older than what is known, it changes nothing. */
  fill(storeId: string, deviceId: string, store: StoreHead, device: DeviceHead): Promise<void>;
  /**
   * After a committed push of `deviceId`: the store's new version (null when unchanged), the
   * device's lastMutationId, and whether the push recorded a rejection. Heads not known stay
   * unknown (the next pull fills them), but are given a floor: a pull that read the database
   * before this push committed and fills after it can no longer create a head older than the
   * push (it would answer the poked devices "nothing new" until the ttl).
   */
  advance(
    storeId: string,
    storeVersion: number | null,
    deviceId: string,
    device: { lastMutationId: number; rejected: boolean },
  ): Promise<void>;
  /** Forgets the store's heads, or only one device's. */
  forget(storeId: string, deviceId?: string): Promise<void>;
  /** Forgets every store's heads (a restore of the whole database: new epochs everywhere). */
  forgetAll(): Promise<void>;
  stats(): HeadsStats;
}

/**
 * A pull answered from the heads, or null when it needs the database: only a device already at
 * the store's version, in its epoch, with no open rejection gets the empty answer.
 */
export function emptyPullFromHeads(
  heads: { store: StoreHead | null; device: DeviceHead | null },
  cursor: number,
  epoch: string | undefined,
): { cursor: number; epoch: string; lastMutationId: number } | null {
  const { store, device } = heads;
  if (!store || !device || device.openRejections) return null;
  if (cursor <= 0 || cursor !== store.version) return null;
  if (epoch !== undefined && epoch !== store.epoch) return null;
  return { cursor, epoch: store.epoch, lastMutationId: device.lastMutationId };
}

/** Whether `next` may replace `known` (a fill or an advance never takes a head back). */
export function storeHeadNewer(known: StoreHead | null, next: StoreHead): boolean {
  return !known || known.epoch !== next.epoch || next.version > known.version;
}

export function deviceHeadNewer(known: DeviceHead | null, next: DeviceHead): boolean {
  return !known || next.lastMutationId >= known.lastMutationId;
}

/** HEADS: off — every pull goes to the database (to measure what the heads save). */
export function createNoHeads(): SyncHeads {
  const counts: HeadsStats = { hits: 0, misses: 0, errors: 0 };
  return {
    async read() {
      counts.misses++;
      return { store: null, device: null };
    },
    async fill() {},
    async advance() {},
    async forget() {},
    async forgetAll() {},
    stats: () => ({ ...counts }),
  };
}

interface StoreEntry {
  filledAt: number;
  store: StoreHead | null;
  devices: Map<string, DeviceHead>;
  /** Set by advances that found no head: a fill below it is older than a committed push. */
  storeFloor: number;
  deviceFloors: Map<string, number>;
}

/** Beyond this many stores the memory is cleared (bounded per instance). */
const MAX_STORES = 100_000;

/** The heads of one process (the embedded default: one instance, no Redis). */
export function createMemoryHeads(deps: { clock: Clock; ttlMs: number }): SyncHeads {
  const stores = new Map<string, StoreEntry>();
  const counts: HeadsStats = { hits: 0, misses: 0, errors: 0 };
  const now = () => deps.clock.now().getTime();
  const newEntry = (storeId: string): StoreEntry => {
    if (stores.size >= MAX_STORES) stores.clear();
    const entry: StoreEntry = {
      filledAt: now(),
      store: null,
      devices: new Map(),
      storeFloor: 0,
      deviceFloors: new Map(),
    };
    stores.set(storeId, entry);
    return entry;
  };
  const live = (storeId: string): StoreEntry | undefined => {
    const entry = stores.get(storeId);
    if (!entry) return undefined;
    const age = now() - entry.filledAt;
    if (age >= 0 && age < deps.ttlMs) return entry;
    stores.delete(storeId);
    return undefined;
  };
  return {
    async read(storeId, deviceId) {
      const entry = live(storeId);
      const heads = { store: entry?.store ?? null, device: entry?.devices.get(deviceId) ?? null };
      if (heads.store && heads.device) counts.hits++;
      else counts.misses++;
      return heads;
    },
    async fill(storeId, deviceId, store, device) {
      let entry = live(storeId);
      entry ??= newEntry(storeId);
      if (store.version >= entry.storeFloor && storeHeadNewer(entry.store, store)) {
        entry.store = store;
      }
      const floor = entry.deviceFloors.get(deviceId) ?? 0;
      if (
        device.lastMutationId >= floor &&
        deviceHeadNewer(entry.devices.get(deviceId) ?? null, device)
      ) {
        entry.devices.set(deviceId, device);
      }
    },
    async advance(storeId, storeVersion, deviceId, device) {
      // An entry of floors only when none is live: it expires ttl from here, as a fill's would.
      const entry = live(storeId) ?? newEntry(storeId);
      if (storeVersion !== null) {
        if (entry.store && storeVersion > entry.store.version) {
          entry.store = { ...entry.store, version: storeVersion };
        } else if (!entry.store) entry.storeFloor = Math.max(entry.storeFloor, storeVersion);
      }
      const known = entry.devices.get(deviceId);
      if (device.rejected) {
        entry.devices.set(deviceId, {
          lastMutationId: Math.max(device.lastMutationId, known?.lastMutationId ?? 0),
          openRejections: true,
        });
      } else if (known && device.lastMutationId > known.lastMutationId) {
        entry.devices.set(deviceId, { ...known, lastMutationId: device.lastMutationId });
      } else if (!known) {
        const floor = entry.deviceFloors.get(deviceId) ?? 0;
        entry.deviceFloors.set(deviceId, Math.max(floor, device.lastMutationId));
      }
    },
    async forget(storeId, deviceId) {
      if (deviceId === undefined) stores.delete(storeId);
      else stores.get(storeId)?.devices.delete(deviceId);
    },
    async forgetAll() {
      stores.clear();
    },
    stats: () => ({ ...counts }),
  };
}
