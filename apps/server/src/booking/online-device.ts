import { randomUUID } from 'node:crypto';
import type { Actor, MutatorArgs, MutatorName } from '@mango/domain';
import type { MutationResult } from '@mango/protocol';
import type { FastifyBaseLogger } from 'fastify';
import type { Db, Sql } from '../db/db';
import { httpErrors } from '../http/errors';
import { acknowledgeRejections } from '../sync/pull';
import { checkPushedMutation, pushMutations } from '../sync/push';
import { afterPushCommit, announcePush, type PushAnnounceDeps } from '../sync/push-announce';

export interface StoreRef {
  storeId: string;
  organizationId: string;
}

export interface OnlinePushDeps extends PushAnnounceDeps {
  db: Db;
  enforceQuotas: boolean;
}

/**
 * The store's "online booking" device: made by the server on first use (the desk never
 * registers, lists or revokes it: kind 'online', migration 0024), one per store. Its id never
 * changes, so it is remembered.
 */
export function createOnlineDevices(db: Db) {
  const known = new Map<string, string>();
  return async function onlineDeviceOf(store: StoreRef): Promise<string> {
    const cached = known.get(store.storeId);
    if (cached) return cached;
    const id = await db.transaction(store, async (sql) => {
      const find = () =>
        sql.query<{ id: string }>(
          `select id from devices where store_id = $1 and kind = 'online'`,
          [store.storeId],
        );
      const found = (await find()).rows[0];
      if (found) return found.id;
      // Two first bookings at once: the unique index lets one insert; both read it after.
      await sql.query(
        `insert into devices (id, store_id, organization_id, name, kind)
         values ($1, $2, $3, 'Online booking', 'online') on conflict do nothing`,
        [randomUUID(), store.storeId, store.organizationId],
      );
      const made = (await find()).rows[0];
      if (!made) throw new Error('the online booking device was neither found nor made');
      return made.id;
    });
    known.set(store.storeId, id);
    return id;
  };
}

/** Bookings of one store on this instance, one after another (see pushAsOnline). */
const storeTurns = new Map<string, Promise<unknown>>();

function inStoreTurn<T>(storeId: string, fn: () => Promise<T>): Promise<T> {
  const before = storeTurns.get(storeId) ?? Promise.resolve();
  const mine = before.then(fn, fn);
  const settled = mine.catch(() => undefined);
  storeTurns.set(storeId, settled);
  // The last one out leaves no entry behind.
  void settled.then(() => {
    if (storeTurns.get(storeId) === settled) storeTurns.delete(storeId);
  });
  return mine;
}

/** A busy store's page: each try lost a race for the next mutation id to another instance. */
const MAX_ID_RACES = 200;

/**
 * Runs one mutation as the store's booking page, through the one push path (exactly once,
 * audit, change log, heads, pokes). The page's device numbers its mutations like any device.
 * On one instance a store's bookings take turns (20 phones at once made ~n² pushes racing for
 * the next id); across instances they may still race, and a loser (its id answered "duplicate":
 * another booking took it) tries again with the next one. A rejection (SLOT_TAKEN, …) is
 * acknowledged at once: nobody reads this device's rejections but the caller. Every mutation sent here
 * names its rows by ids made from the booking's Idempotency-Key, so running it again after a
 * lost answer changes nothing. `onApplied` runs in the push's transaction when the mutation
 * applied: what must commit with it or not at all (the booking's record, its e-mail).
 */
export function pushAsOnline<N extends MutatorName>(
  deps: OnlinePushDeps,
  onlineDeviceOf: (store: StoreRef) => Promise<string>,
  store: StoreRef,
  mutation: { name: N; args: MutatorArgs<N>; clientTime: string },
  log: FastifyBaseLogger,
  onApplied?: (sql: Sql) => Promise<void>,
): Promise<Exclude<MutationResult, { status: 'duplicate' }>> {
  return inStoreTurn(store.storeId, async () => {
    const deviceId = await onlineDeviceOf(store);
    const actor: Actor = {
      userId: null,
      staffId: null,
      role: 'front_desk',
      deviceId,
      online: true,
    };
    for (let attempt = 0; attempt < MAX_ID_RACES; attempt++) {
      const last = await deps.db.transaction(store, async (sql) => {
        const res = await sql.query<{ last_mutation_id: string | number }>(
          'select last_mutation_id from devices where id = $1',
          [deviceId],
        );
        return Number(res.rows[0]?.last_mutation_id ?? 0);
      });
      const pushed = checkPushedMutation({
        id: last + 1,
        name: mutation.name,
        args: mutation.args as Record<string, unknown>,
        clientTime: mutation.clientTime,
      });
      const outcome = await pushMutations(deps.db, {
        ...store,
        deviceId,
        actor,
        mutations: [pushed],
        enforceQuotas: deps.enforceQuotas,
        afterCommit: afterPushCommit(deps, store.storeId, deviceId, log),
        // What the booking records beside the mutation (its row, its e-mail) commits with it.
        ...(onApplied
          ? {
              afterApply: (results: readonly MutationResult[]) =>
                results[0]?.status === 'applied' ? onApplied : null,
            }
          : {}),
      });
      announcePush(deps, store.storeId, outcome, log);
      const result = outcome.results[0];
      if (result?.status === 'rejected') {
        await acknowledgeRejections(deps.db, { ...store, deviceId, ids: [pushed.id] });
      }
      if (result && result.status !== 'duplicate') return result;
    }
    throw httpErrors.unavailable('The store is taking many bookings right now: try again.');
  });
}
