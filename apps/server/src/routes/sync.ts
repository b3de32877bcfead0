import { mutatorCatalog, type Actor } from '@mango/domain';
import {
  MAX_MUTATIONS_PER_PUSH,
  pullQuerySchema,
  pushEnvelopeSchema,
  snapshotQuerySchema,
} from '@mango/protocol';
import type { FastifyInstance } from 'fastify';
import { z } from 'zod';
import {
  type AccessGate,
  assertDeviceOfStore,
  requireAuth,
  storeAccess,
} from '../auth/authenticate';
import type { TokenSigner } from '../auth/tokens';
import { tellClientsOfDeskChanges } from '../booking/desk-changes';
import type { EventBus } from '../bus/event-bus';
import type { Clock } from '../clock';
import type { Cache } from '../cache/cache';
import type { Db } from '../db/db';
import type { ReadRouter } from '../db/replica';
import { HttpError, httpErrors } from '../http/errors';
import type { Metrics } from '../observability/metrics';
import { parseOrThrow } from '../http/validate';
import { streamStoreVersions, type EventStreams } from '../sync/events';
import { emptyPullFromHeads, type SyncHeads } from '../sync/heads';
import type { LastSeenRecorder } from '../sync/last-seen';
import { acknowledgeRejections, pullChanges } from '../sync/pull';
import { checkPushedMutation, pushMutations } from '../sync/push';
import { afterPushCommit, announcePush } from '../sync/push-announce';
import { decodeResumeToken, streamSnapshot } from '../sync/snapshot';
import { replySnapshotSink } from '../sync/snapshot-http';
import { LARGE_ANSWER } from '../http/compression';

export interface SyncRouteDeps {
  db: Db;
  bus: EventBus;
  signer: TokenSigner;
  /** Checks each request's account against the database (authenticate.ts). */
  gate: AccessGate;
  clock: Clock;
  streams: EventStreams;
  sseHeartbeatMs: number;
  /** PLAN_QUOTAS: refuse mutations over the store's plan limits (QUOTA_EXCEEDED). */
  enforceQuotas?: boolean;
  /** Cached reads of the entities a push wrote are invalidated before it answers. */
  cache?: Cache;
  /** Replica routing: told of each commit, for read-your-writes. */
  reads?: ReadRouter;
  sseMaxStreamsPerStore: number;
  metrics?: Pick<Metrics, 'observePush' | 'observePull'>;
  /** Quiet pulls are answered from these, without the database (sync/heads.ts). */
  heads: SyncHeads;
  /** Last seen of the devices whose pulls the heads answered, written in batches. */
  lastSeen: LastSeenRecorder;
  /** Snapshots one store may stream at once on this instance (default 2): each holds a connection. */
  snapshotMaxPerStore?: number;
  /** Rows per snapshot chunk (default SNAPSHOT_CHUNK_ROWS). */
  snapshotChunkRows?: number;
}

export { POKE_DELTA_MAX_BYTES, pokeDelta } from '../sync/push-announce';

export const ackSchema = z.strictObject({
  deviceId: z.uuid(),
  ids: z.array(z.number().int().positive()).min(1).max(1000),
});
export const eventsQuerySchema = z.strictObject({ deviceId: z.uuid().optional() });

export function registerSyncRoutes(app: FastifyInstance, deps: SyncRouteDeps): void {
  const auth = requireAuth(deps.gate);

  app.get('/api/v1/sync/mutators', async () => ({ mutators: mutatorCatalog() }));

  app.post<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/sync/push',
    { preHandler: auth, config: { textCheckedPerMutation: true } },
    async (request) => {
      const access = storeAccess(request, request.params.storeId);
      const raw = request.body as { mutations?: unknown } | undefined;
      if (Array.isArray(raw?.mutations) && raw.mutations.length > MAX_MUTATIONS_PER_PUSH) {
        throw httpErrors.payloadTooLarge(
          `A push carries at most ${MAX_MUTATIONS_PER_PUSH} mutations: send the rest in the next push.`,
        );
      }
      const body = parseOrThrow(pushEnvelopeSchema, request.body);
      const mutations = body.mutations.map(checkPushedMutation);
      // The device is checked inside the push, with its lock (pushMutations).
      const actor: Actor = {
        userId: access.userId,
        staffId: null,
        role: access.role,
        deviceId: body.deviceId,
      };
      let outcome;
      try {
        outcome = await pushMutations(deps.db, {
          storeId: access.storeId,
          organizationId: access.organizationId,
          deviceId: body.deviceId,
          actor,
          mutations,
          enforceQuotas: deps.enforceQuotas ?? false,
          afterCommit: afterPushCommit(deps, access.storeId, body.deviceId, request.log),
          // A booking made online and moved or cancelled at the desk: its client is told.
          afterApply: (_results, changes) =>
            tellClientsOfDeskChanges(access.storeId, changes, deps.clock.now().toISOString()),
          onDefect: (err, mutation, reference) => {
            request.log.error({ err, mutation, reference }, 'mutation failed: rejected');
            // Tracked like a 5xx (it is a defect of ours), though the device was answered 200.
            request.server.errorTracker.serverError(
              err instanceof Error ? err : new Error(String(err)),
              request,
              500,
            );
          },
        });
      } catch (err) {
        if (err instanceof HttpError) throw err; // the device refused: a coded 403
        // Nothing of the failed transaction committed; the device retries the same ids. An
        // earlier chunk of the push may have: the store's heads are read again from the database.
        await deps.heads.forget(access.storeId);
        request.log.error({ err }, 'push failed');
        throw httpErrors.unavailable(
          'The server could not save these changes right now: they stay on the device and will be sent again.',
        );
      }
      deps.metrics?.observePush(
        outcome.results,
        new Map(mutations.map((m) => [m.id, 'clientTime' in m ? m.clientTime : ''])),
        deps.clock.now(),
      );
      announcePush(deps, access.storeId, outcome, request.log);
      return { lastMutationId: outcome.lastMutationId, results: outcome.results };
    },
  );

  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/sync/pull',
    // A page of changes is compressed; a quiet pull stays under the threshold and is not.
    { preHandler: auth, compress: LARGE_ANSWER },
    async (request) => {
      const access = storeAccess(request, request.params.storeId);
      const query = parseOrThrow(pullQuerySchema, request.query, 'query');
      // A device already at the store's version: no database statement. The heads of a device
      // exist only after a pull or push of it checked it is registered here and not revoked.
      const known = await deps.heads.read(access.storeId, query.deviceId);
      const quiet = emptyPullFromHeads(known, query.cursor, query.epoch);
      if (quiet) {
        deps.lastSeen.note(access.storeId, query.deviceId, query.cursor);
        deps.metrics?.observePull(0);
        return { ...quiet, hasMore: false, changes: [], rejections: [] };
      }
      // pullChanges checks the device (registered here, not revoked) in its own transaction.
      const pulled = await pullChanges(deps.db, {
        ...access,
        deviceId: query.deviceId,
        cursor: query.cursor,
        limit: query.limit,
        epoch: query.epoch,
      });
      await deps.heads.fill(access.storeId, query.deviceId, pulled.store, pulled.device);
      deps.metrics?.observePull(pulled.response.changes.length);
      return pulled.response;
    },
  );

  // The first sync of a device: the store's current rows as one streamed snapshot (snapshot.ts).
  // Counted as one request by the API rate limits, plus a cap on concurrent ones per store.
  const snapshotsRunning = new Map<string, number>();
  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/sync/snapshot',
    { preHandler: auth },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId);
      const query = parseOrThrow(snapshotQuerySchema, request.query, 'query');
      const point = query.resume === undefined ? undefined : decodeResumeToken(query.resume);
      const running = snapshotsRunning.get(access.storeId) ?? 0;
      if (running >= (deps.snapshotMaxPerStore ?? 2)) {
        throw httpErrors.rateLimited(
          5,
          'This store is already sending its data to other devices: try again in a few seconds.',
        );
      }
      snapshotsRunning.set(access.storeId, running + 1);
      const sink = replySnapshotSink(request, reply);
      try {
        await streamSnapshot(
          deps.db,
          {
            ...access,
            deviceId: query.deviceId,
            nowMs: deps.clock.now().getTime(),
            ...(point && query.cursor !== undefined
              ? { resume: { point, cursor: query.cursor, epoch: query.epoch } }
              : {}),
            ...(deps.snapshotChunkRows === undefined ? {} : { chunkRows: deps.snapshotChunkRows }),
          },
          sink,
        );
        await sink.end();
      } catch (err) {
        // Before the first line: an ordinary error answer. After: cut the stream (no `end` line),
        // the device resumes from its last chunk.
        if (!sink.started) throw err;
        request.log.warn({ err }, 'snapshot cut');
        sink.abort();
      } finally {
        const n = (snapshotsRunning.get(access.storeId) ?? 1) - 1;
        if (n > 0) snapshotsRunning.set(access.storeId, n);
        else snapshotsRunning.delete(access.storeId);
      }
    },
  );

  app.post<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/sync/rejections/ack',
    { preHandler: auth },
    async (request) => {
      const access = storeAccess(request, request.params.storeId);
      const body = parseOrThrow(ackSchema, request.body);
      await assertDeviceOfStore(deps.db, access, body.deviceId);
      const acknowledged = await acknowledgeRejections(deps.db, {
        ...access,
        deviceId: body.deviceId,
        ids: body.ids,
      });
      // Whether others stay open is the database's to say: the next pull reads it.
      await deps.heads.forget(access.storeId, body.deviceId);
      return { acknowledged };
    },
  );

  app.get<{ Params: { storeId: string } }>(
    '/api/v1/stores/:storeId/sync/events',
    { preHandler: auth },
    async (request, reply) => {
      const access = storeAccess(request, request.params.storeId);
      const query = parseOrThrow(eventsQuerySchema, request.query, 'query');
      if (query.deviceId) await assertDeviceOfStore(deps.db, access, query.deviceId);
      const currentVersion = () =>
        deps.db.transaction(access, async (sql) => {
          const res = await sql.query<{ version: number }>(
            'select version from stores where id = $1',
            [access.storeId],
          );
          return Number(res.rows[0]?.version ?? 0);
        });
      await streamStoreVersions(request, reply, {
        storeId: access.storeId,
        currentVersion,
        bus: deps.bus,
        streams: deps.streams,
        heartbeatMs: deps.sseHeartbeatMs,
        maxPerStore: deps.sseMaxStreamsPerStore,
      });
    },
  );
}
