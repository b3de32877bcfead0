import type { PokeDelta } from '@mango/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { EventBus } from '../bus/event-bus';
import type { Cache } from '../cache/cache';
import type { ReadRouter } from '../db/replica';
import type { SyncHeads } from './heads';
import type { PushOutcome } from './push';

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
 * The `afterCommit` of a push: the write position first (a read that sees the invalidation
 * also waits for it; unrecorded, replica reads are only bounded by REPLICA_MAX_LAG_MS), then the
 * cached reads of the entities it wrote.
 */
export function afterPushCommit(deps: PushAnnounceDeps, storeId: string, log: FastifyBaseLogger) {
  return async (entities: string[]): Promise<void> => {
    await deps.reads
      ?.noteWrite(storeId)
      .catch((err: unknown) => log.warn({ err }, 'write position not recorded'));
    await deps.cache?.invalidate(storeId, entities);
  };
}

/**
 * After a push answered: the heads advance BEFORE the poke (a device it wakes must not be
 * answered from older heads), then the store's devices are poked with the delta.
 */
export async function announcePush(
  deps: PushAnnounceDeps,
  storeId: string,
  deviceId: string,
  outcome: PushOutcome,
  log: FastifyBaseLogger,
): Promise<void> {
  await deps.heads.advance(storeId, outcome.newVersion, deviceId, {
    lastMutationId: outcome.lastMutationId,
    rejected: outcome.results.some((r) => r.status === 'rejected'),
  });
  if (outcome.newVersion !== null) {
    deps.bus
      .publish(storeId, outcome.newVersion, pokeDelta(outcome.delta))
      .catch((err: unknown) => log.warn({ err }, 'poke failed'));
  }
}
