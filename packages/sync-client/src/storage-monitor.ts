/** The subset of `navigator.storage` used. */
export interface StorageManagerLike {
  estimate?(): Promise<{ usage?: number; quota?: number }>;
  persist?(): Promise<boolean>;
  persisted?(): Promise<boolean>;
}

export type StorageLevel = 'ok' | 'warning' | 'critical';

export interface StorageStatus {
  usageBytes: number | null;
  quotaBytes: number | null;
  /** usage / quota, 0..1, null when unknown. */
  ratio: number | null;
  level: StorageLevel;
  /** True when the browser agreed not to evict this origin's data under pressure. */
  persisted: boolean | null;
}

export interface StorageThresholds {
  /** Default 0.8. */
  warning: number;
  /** Default 0.95. */
  critical: number;
}

export const DEFAULT_STORAGE_THRESHOLDS: StorageThresholds = { warning: 0.8, critical: 0.95 };

export function storageLevel(ratio: number | null, t: StorageThresholds): StorageLevel {
  if (ratio === null) return 'ok';
  if (ratio >= t.critical) return 'critical';
  if (ratio >= t.warning) return 'warning';
  return 'ok';
}

/**
 * Reads the quota estimate and asks once for persistent storage (so the browser does not evict
 * unsynced sales). Returns null when the platform has no StorageManager.
 */
export async function checkStorage(
  storage: StorageManagerLike | null | undefined,
  thresholds: StorageThresholds = DEFAULT_STORAGE_THRESHOLDS,
  opts: { requestPersist?: boolean } = {},
): Promise<StorageStatus | null> {
  if (!storage) return null;
  let usage: number | null = null;
  let quota: number | null = null;
  try {
    const est = await storage.estimate?.();
    usage = est?.usage ?? null;
    quota = est?.quota ?? null;
  } catch {
    // unsupported
  }
  let persisted: boolean | null = null;
  try {
    persisted = (await storage.persisted?.()) ?? null;
    if (!persisted && opts.requestPersist && storage.persist) persisted = await storage.persist();
  } catch {
    // unsupported
  }
  const ratio = usage !== null && quota !== null && quota > 0 ? usage / quota : null;
  return {
    usageBytes: usage,
    quotaBytes: quota,
    ratio,
    level: storageLevel(ratio, thresholds),
    persisted,
  };
}
