import type { PokeDelta } from '@mango/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../bus/event-bus';
import type { Cache } from '../cache/cache';
import type { ReadRouter } from '../db/replica';
import type { SyncHeads } from './heads';
import type { ChunkCommitted, PushOutcome } from './push';

/**
 * The largest delta a poke carries, as JSON (docs/SYNC.md "Pokes carry the delta"). A checkout
 * is a few KiB; a bigger push (a price list import, a day's backlog from an offline device) goes
 * out as a bare version and its devices pull it. It bounds what one publish costs every stream
 * of the store and Redis, which copies the message to each subscribed instance.
 */
export const POKE_DELTA_MAX_BYTES = 16 * 1024;

/** The delta a push's poke carries: none when there is none or its JSON is too big. */
export function pokeDelta(delta: PokeDelta | undefined): PokeDelta | undefined {
  if (delta === undefined) return undefined;
  return Buffer.byteLength(JSON.stringify(delta.changes)) <= POKE_DELTA_MAX_BYTES
    ? delta
    : undefined;
}

/** What a committed push is announced to: the same for a device's push and the booking page's. */
export interface PushAnnounceDeps {
  bus: EventBus;
  heads: SyncHeads;
  cache?: Cache | undefined;
  reads?: ReadRouter | undefined;
}

/**
 * The `afterCommit` of a push's chunk, in one Redis round trip: the cached reads of the entities
 * it wrote are invalidated (after the replica write position, when recorded: a read that sees the
 * invalidation also waits for it; unrecorded, replica reads are only bounded by
 * REPLICA_MAX_LAG_MS) while the store's and device's heads advance to it. Both before the push
 * answers; the heads before the poke (announcePush), so a device it wakes is not answered from
 * older heads. Neither waits for the other: each is right whatever the other's outcome.
 */
export function afterPushCommit(
  deps: PushAnnounceDeps,
  storeId: string,
  deviceId: string,
  log: FastifyBaseLogger,
) {
  return async (committed: ChunkCommitted): Promise<void> => {
    const invalidate = async () => {
      if (committed.entities.length === 0) return;
      await deps.reads
        ?.noteWrite(storeId)
        .catch((err: unknown) => log.warn({ err }, 'write position not recorded'));
      await deps.cache?.invalidate(storeId, committed.entities);
    };
    await Promise.all([
      invalidate(),
      deps.heads.advance(storeId, committed.version, deviceId, {
        lastMutationId: committed.lastMutationId,
        rejected: committed.rejected,
      }),
    ]);
  };
}

/**
 * After a push committed (its heads advanced by `afterPushCommit`): the store's devices are poked
 * with the delta.
 */
export function announcePush(
  deps: PushAnnounceDeps,
  storeId: string,
  outcome: PushOutcome,
  log: FastifyBaseLogger,
): void {
  if (outcome.newVersion !== null) {
    deps.bus
      .publish(storeId, outcome.newVersion, pokeDelta(outcome.delta))
      .catch((err: unknown) => log.warn({ err }, 'poke failed'));
  }
}
