/**
 * What a pull may skip (migration 0022): each push transaction records the versions it issued and
 * the entities it wrote in `sync_changes`; a pull whose versions are all covered reads only the
 * tables of those entities. Pure: the rows come from `readChangesSince`.
 */
import type { EntityName } from '../../../../packages/domain/src/entities';
import { TABLE_ENTITY_NAMES } from './entity-tables';

/** Entries of `sync_changes` (migration 0022) read with the store row, at most this many. */
export const CHANGE_LOG_ENTRIES = 200;

/** The entities a pull can read: the synced tables' and the store row. */
const KNOWN = new Set<string>([...TABLE_ENTITY_NAMES, 'store']);

/** One push transaction's versions and the entities it wrote. */
export interface ChangeLogEntry {
  from: number;
  to: number;
  entities: string[];
}

/**
 * The entities written in versions (cursor, storeVersion], when the log covers every one of
 * them (a version issued by anything but a push has no entry: then null, read every table).
 */
export function entitiesChangedSince(
  log: readonly ChangeLogEntry[],
  cursor: number,
  storeVersion: number,
): EntityName[] | null {
  if (log.length >= CHANGE_LOG_ENTRIES) return null; // maybe more than were read
  const entities = new Set<EntityName>();
  let next = cursor + 1;
  for (const entry of [...log].sort((a, b) => a.to - b.to)) {
    if (entry.to < next) continue;
    if (entry.from > next) return null; // a version without an entry
    for (const e of entry.entities) {
      if (!KNOWN.has(e)) return null; // an entity this server does not know: read them all
      entities.add(e as EntityName);
    }
    next = entry.to + 1;
  }
  if (next <= storeVersion) return null;
  // In the order of the full query's branches (one statement text per set).
  return ['store', ...TABLE_ENTITY_NAMES].filter((e) =>
    entities.has(e as EntityName),
  ) as EntityName[];
}
