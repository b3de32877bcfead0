import type { EntityName, EntityRows, StoreRow } from '../entities';
import { type DomainErrorCode, reject } from '../error-codes';
import type { MutatorContext } from '../tx';
import { toUtcIso } from '../time';

export async function loadStore(ctx: MutatorContext): Promise<StoreRow> {
  return (
    (await ctx.tx.get('store', ctx.storeId)) ??
    reject('STORE_NOT_FOUND', 'This store is not set up on this device yet; sync and try again.')
  );
}

export async function requireRow<E extends EntityName>(
  ctx: MutatorContext,
  entity: E,
  id: string,
  code: DomainErrorCode,
  what: string,
): Promise<EntityRows[E]> {
  return (
    (await ctx.tx.get(entity, id)) ??
    reject(code, `${what} was not found; it may have been deleted on another device.`, { id })
  );
}

/** The mutation's time, normalized so stored timestamps compare as strings. */
export function now(ctx: MutatorContext): string {
  return toUtcIso(ctx.now);
}

function sameValue(a: unknown, b: unknown): boolean {
  return JSON.stringify(a ?? null) === JSON.stringify(b ?? null);
}

/**
 * Creates a row once. Re-applying the same create (a retry, or the device's rebase) is a no-op;
 * the same id with different content is a conflict, never a silent overwrite.
 * Returns false when the row already existed.
 */
export async function createOnce<E extends EntityName>(
  ctx: MutatorContext,
  entity: E,
  row: EntityRows[E] & { id: string },
  identity: readonly (keyof EntityRows[E])[],
): Promise<boolean> {
  const existing = await ctx.tx.get(entity, row.id);
  if (!existing) {
    await ctx.tx.put(entity, row);
    return true;
  }
  const differing = identity.filter((key) => !sameValue(existing[key], row[key]));
  if (differing.length > 0) {
    reject('ID_CONFLICT', `A different ${entity} already uses id ${row.id}.`, {
      entity,
      id: row.id,
      fields: differing,
    });
  }
  return false;
}

/** Inserts a row whose id must be new (derived rows: movements, events). */
export async function insertNew<E extends EntityName>(
  ctx: MutatorContext,
  entity: E,
  row: EntityRows[E] & { id: string },
): Promise<void> {
  if (await ctx.tx.get(entity, row.id)) {
    reject('ID_CONFLICT', `A ${entity} with id ${row.id} already exists.`, { entity, id: row.id });
  }
  await ctx.tx.put(entity, row);
}

/** Removes keys whose value is undefined, so optional args that were not sent change nothing. */
export function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;
}

export function byId<T extends { id: string }>(a: T, b: T): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
