/**
 * What a pull reads (migrations 0022 and 0027): each push transaction records the versions it
 * issued, the entities it wrote and their ids in `sync_changes`; a pull whose versions are
 * covered reads those rows by primary key (`keyedPage`), so its cost follows the changes, not the
 * store's size. Entries from before 0027 have no ids: over them, a pull reads the tables they
 * name (`entitiesChangedSince`). Pure: the rows come from `readChangesSince`.
 */
import type { EntityName } from '../../../../packages/domain/src/entities';
import { TABLE_ENTITY_NAMES } from './entity-tables';

/** Entries of `sync_changes` (migration 0022) read with the store row, at most this many. */
export const CHANGE_LOG_ENTRIES = 200;

/** The entities a pull can read: the synced tables' and the store row. */
const KNOWN = new Set<string>([...TABLE_ENTITY_NAMES, 'store']);

/** One push transaction's versions, the entities it wrote and (since 0027) their ids. */
export interface ChangeLogEntry {
  from: number;
  to: number;
  entities: string[];
  /** The ids written, grouped by entity in the order of `entities`; null before 0027. */
  ids?: string[] | null;
  /** How many of `ids` belong to each of `entities`. */
  counts?: number[] | null;
}

/** A pull page served from the log's ids: the rows of versions (cursor, upTo]. */
export interface KeyedPage {
  /** The ids to read per entity (the store row under 'store'). */
  keys: Map<EntityName, string[]>;
  /** The last version the page covers. */
  upTo: number;
  /** Versions after `upTo` remain: another page (or, past a gap, the tables' read). */
  hasMore: boolean;
}

/** The ids of an entry per entity, or null when it has none (older entry) or they disagree. */
function entryKeys(entry: ChangeLogEntry): [EntityName, string[]][] | null {
  const { ids, counts, entities } = entry;
  if (!Array.isArray(ids) || !Array.isArray(counts) || counts.length !== entities.length) {
    return null;
  }
  const out: [EntityName, string[]][] = [];
  let at = 0;
  for (const [i, entity] of entities.entries()) {
    const n = counts[i] ?? 0;
    if (!KNOWN.has(entity) || n < 0) return null;
    out.push([entity as EntityName, ids.slice(at, at + n)]);
    at += n;
  }
  return at === ids.length ? out : null;
}

/**
 * The rows a pull after `cursor` reads, from consecutive keyed entries of the log: whole entries
 * (a push's versions are never split), as many as fit in `limit` ids (at least one). Null when
 * the first version after the cursor has no keyed entry (written by something else than a push,
 * or before 0027): the caller reads the tables. An entry that does not follow on ends the page
 * before it.
 */
export function keyedPage(
  log: readonly ChangeLogEntry[],
  cursor: number,
  storeVersion: number,
  limit: number,
): KeyedPage | null {
  const keys = new Map<EntityName, Set<string>>();
  let count = 0;
  let upTo = cursor;
  for (const entry of [...log].sort((a, b) => a.to - b.to)) {
    if (entry.to <= upTo) continue;
    if (entry.from > upTo + 1) break; // a version without an entry
    const parts = entryKeys(entry);
    if (!parts) break;
    const n = parts.reduce((sum, [, ids]) => sum + ids.length, 0);
    if (count > 0 && count + n > limit) break;
    for (const [entity, ids] of parts) {
      const set = keys.get(entity) ?? new Set<string>();
      for (const id of ids) set.add(id);
      keys.set(entity, set);
    }
    count += n;
    upTo = entry.to;
  }
  if (upTo === cursor) return null;
  // In the order of the full query's branches (one statement text per set).
  const ordered = new Map<EntityName, string[]>();
  for (const e of ['store', ...TABLE_ENTITY_NAMES] as EntityName[]) {
    const ids = keys.get(e);
    if (ids) ordered.set(e, [...ids]);
  }
  return { keys: ordered, upTo, hasMore: upTo < storeVersion };
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
