import { randomUUID } from 'node:crypto';
import { isUuid } from '../db/db';
import type { MoveRecord, ShardDirectory, ShardInfo, TenantRoute } from './directory';
import {
  disagreements,
  isPastSwitch,
  moveErrors,
  sameKeys,
  type MoveKeys,
  type MoveStep,
} from './move-plan';
import {
  connectShard,
  planOf,
  presenceCheck,
  readKeys,
  rowCounts,
  shardOps,
  sleep,
  sums,
  until,
  type ShardConnector,
  type ShardSession,
} from './move-shards';

export interface MoveOptions {
  directory: ShardDirectory;
  organizationId: string;
  targetShardId: string;
  /** The instances' route cache (SHARD_ROUTE_CACHE_MS): how long to wait until all see the pause. */
  routeCacheMs: number;
  connect?: ShardConnector;
  log?: (line: string) => void;
  /** How long the initial copy may take (default 1 h). */
  syncTimeoutMs?: number;
  /** How long, paused, the last changes may take to arrive before the pause is lifted (1 s). */
  catchUpTimeoutMs?: number;
  /**
   * Called after each step is saved. An error thrown here ends the mover as if its process had
   * died there: nothing is undone (the tests' crash points).
   */
  afterStep?: (step: MoveStep) => Promise<void> | void;
}

export interface MoveReport {
  from: string;
  to: string;
  /** The organization's rows per table, as checked on both sides. */
  rows: Record<string, number>;
  /** How long its writes were paused (0 when this run resumed after the switch). */
  pausedMs: number;
  route: TenantRoute;
  /** The step this run started after (`undefined`: a new move). */
  resumedAfter?: MoveStep;
}

/** An error thrown by `afterStep`: it must escape as a crash would, undoing nothing. */
class Crash extends Error {
  constructor(readonly cause: unknown) {
    super('mover stopped at a crash point');
  }
}

interface Shards {
  source: ShardInfo;
  target: ShardInfo;
}

async function shardsOf(
  directory: ShardDirectory,
  move: Pick<MoveRecord, 'sourceShardId' | 'targetShardId'>,
): Promise<Shards> {
  const all = new Map((await directory.shards()).map((s) => [s.id, s]));
  const source = all.get(move.sourceShardId);
  const target = all.get(move.targetShardId);
  if (!source) throw moveErrors.shardNotFound(move.sourceShardId);
  if (!target) throw moveErrors.shardNotFound(move.targetShardId);
  return { source, target };
}

/** Runs `fn` as the organization's only mover; MOVE_IN_PROGRESS while another one runs. */
async function withClaim<T>(
  directory: ShardDirectory,
  organizationId: string,
  fn: () => Promise<T>,
): Promise<T> {
  const release = await directory.claimMove(organizationId);
  if (!release) {
    const running = await directory.currentMove(organizationId);
    throw moveErrors.inProgress(
      organizationId,
      running?.targetShardId ?? '?',
      running?.step ?? '?',
    );
  }
  try {
    return await fn();
  } finally {
    await release();
  }
}

/**
 * Moves an organization to another shard on PostgreSQL's logical replication (issue 24):
 *
 * 1. on the source, publications with row filters for its rows (and a replication slot); on the
 *    target, a subscription: each table is copied, then changes stream while it keeps working;
 * 2. a short pause: the directory's paused flag, the route cache waited out, running pushes
 *    drained, the source's WAL position read; once the subscription has applied past it the
 *    target's sequences are advanced and the directory switches (writes resume there);
 * 3. both sides compared (counts and checksums per table and store, on snapshots taken at the
 *    switch); then the subscription, publications and the source rows are dropped.
 *
 * Every step is saved in the directory (`mango_moves`): run it again after a crash and it goes on
 * from the last step saved. `cancelMove` undoes a move that has not switched yet.
 */
export async function moveOrganization(opts: MoveOptions): Promise<MoveReport> {
  const { directory, organizationId, targetShardId } = opts;
  if (!isUuid(organizationId))
    throw moveErrors.badInput('--org must be an organization id (uuid).');
  const route = await directory.route(organizationId);
  if (!route) throw moveErrors.organizationNotFound(organizationId);
  const known = new Map((await directory.shards()).map((s) => [s.id, s]));
  if (!known.has(targetShardId)) throw moveErrors.shardNotFound(targetShardId);

  return withClaim(directory, organizationId, () => runMove(opts, route));
}

/** The move itself, once this mover holds the organization's claim. */
async function runMove(opts: MoveOptions, route: TenantRoute): Promise<MoveReport> {
  const { directory, organizationId, targetShardId } = opts;
  const log = opts.log ?? (() => undefined);
  const connect = opts.connect ?? connectShard;
  let move = await directory.currentMove(organizationId);
  const resumedAfter = move?.step;
  if (move && move.targetShardId !== targetShardId) {
    throw moveErrors.inProgress(organizationId, move.targetShardId, move.step);
  }
  if (!move && route.shardId === targetShardId) throw moveErrors.sameShard(targetShardId);

  const { source, target } = await shardsOf(
    directory,
    move ?? { sourceShardId: route.shardId, targetShardId },
  );
  const from = await connect(source.ownerUrl);
  const to = await connect(target.ownerUrl);
  const snapshots: ShardSession[] = [];
  const openSnapshotSessions = async () => {
    if (snapshots.length > 0) return;
    snapshots.push(await connect(source.ownerUrl), await connect(target.ownerUrl));
  };
  const phases: { drainMs?: number; catchUpMs?: number } = {};
  let snapshotsTaken = false;
  let pausedAt: number | undefined;
  try {
    const plans = await planOf(from);
    if (!move) {
      move = await directory.beginMove({
        id: randomUUID(),
        organizationId,
        sourceShardId: source.id,
        targetShardId: target.id,
        step: 'started',
        keys: await readKeys(from, organizationId),
        pauseLsn: null,
      });
    } else log(`resuming the move of ${organizationId} to ${target.id} after step ${move.step}`);
    const current = move;
    const ops = shardOps(from, to, current, source.ownerUrl);
    const done = async (
      step: MoveStep,
      patch: { keys?: MoveKeys; pauseLsn?: string | null } = {},
    ) => {
      if (step !== 'switched' && step !== 'done')
        await directory.saveMove(current.id, { step, ...patch });
      current.step = step;
      if (patch.keys) current.keys = patch.keys;
      if (patch.pauseLsn !== undefined) current.pauseLsn = patch.pauseLsn;
      log(`${organizationId}: ${step}`);
      try {
        await opts.afterStep?.(step);
      } catch (e) {
        throw new Crash(e);
      }
    };
    if (!resumedAfter) await done('started');

    let rows: Record<string, number> = {};
    let pausedMs = 0;
    let switched: TenantRoute | undefined;
    let keyChanges = 0;
    for (;;) {
      const step: MoveStep = current.step;
      if (step === 'started') {
        await ops.publish(plans, current.keys);
        await done('published');
      } else if (step === 'published') {
        await ops.subscribe();
        await done('subscribed');
      } else if (step === 'subscribed') {
        const timeout = opts.syncTimeoutMs ?? 3_600_000;
        if (!(await until(() => ops.copied(), timeout, 200))) {
          throw moveErrors.slow('The initial copy', timeout);
        }
        await done('synced');
      } else if (step === 'synced') {
        // Caught up first while it still works, so the pause only waits for its last changes.
        await ops.applying(true); // stopped by an earlier run that died at the switch
        const now = await ops.currentLsn();
        const timeout = opts.syncTimeoutMs ?? 3_600_000;
        if (!(await until(() => ops.appliedPast(now), timeout, 20))) {
          throw moveErrors.slow('Streaming the changes', timeout);
        }
        await openSnapshotSessions(); // now: connecting is no part of the pause
        await directory.setPaused(organizationId, true);
        pausedAt = Date.now();
        await sleep(opts.routeCacheMs + 100);
        const drainFrom = Date.now();
        await ops.drain();
        phases.drainMs = Date.now() - drainFrom;
        const keys = await readKeys(from, organizationId);
        if (!sameKeys(keys, current.keys)) {
          // A store or user was added since the publication: its rows are not in the filters.
          // Start over with the new keys (rare: the organization grew during the move).
          if (++keyChanges > 3) throw moveErrors.slow('Keeping up with new stores and users', 0);
          log(`${organizationId} gained stores or users during the move: publishing again`);
          await ops.dropSubscription();
          await ops.dropSourceObjects();
          await ops.deleteRows(to, plans, current.keys);
          await directory.setPaused(organizationId, false);
          pausedAt = undefined;
          await done('started', { keys });
          continue;
        }
        await done('paused', { pauseLsn: await ops.currentLsn() });
      } else if (step === 'paused') {
        // Resumed here after a crash: the organization is still paused (the flag is kept).
        pausedAt ??= Date.now();
        if (resumedAfter === 'paused') await ops.applying(true);
        const timeout = opts.catchUpTimeoutMs ?? 1_000;
        const catchUpFrom = Date.now();
        const caughtUp = await until(() => ops.appliedPast(current.pauseLsn!), timeout, 5);
        phases.catchUpMs = Date.now() - catchUpFrom;
        if (!caughtUp) {
          await directory.setPaused(organizationId, false);
          await directory.saveMove(current.id, { step: 'synced', pauseLsn: null });
          throw moveErrors.slow('Applying the last changes', timeout);
        }
        await ops.applying(false);
        await ops.advanceSequences(plans);
        // Both sides as of the switch, for the check that follows while the target works on.
        await openSnapshotSessions();
        for (const s of snapshots) {
          await s.query('begin isolation level repeatable read read only');
          await s.query('select 1 from organizations limit 1');
        }
        snapshotsTaken = true;
        switched = await directory.completeMove(organizationId, target.id);
        pausedMs = Date.now() - pausedAt;
        log(
          `${organizationId}: writes paused ${pausedMs} ms (route cache ${opts.routeCacheMs} + 100, ` +
            `drain ${phases.drainMs ?? '-'}, last changes ${phases.catchUpMs} ms)`,
        );
        await done('switched');
      } else if (step === 'switched') {
        // A check that failed once is not replaced by the weaker one on a later run.
        if (current.checkFailed?.length) throw moveErrors.checkFailed(current.checkFailed);
        const failed = async (tables: string[]) => {
          await directory.saveMove(current.id, { step: 'switched', checkFailed: tables });
          return moveErrors.checkFailed(tables);
        };
        if (snapshotsTaken) {
          const [a, b] = [
            await sums(snapshots[0]!, plans, current.keys),
            await sums(snapshots[1]!, plans, current.keys),
          ];
          const bad = disagreements(a, b);
          if (bad.length > 0) throw await failed(bad);
          rows = rowCounts(b);
        } else {
          const check = await presenceCheck(from, to, plans, current.keys);
          if (check.missing.length > 0) throw await failed(check.missing);
          rows = check.rows;
        }
        for (const s of snapshots.splice(0)) await s.end();
        await done('verified');
      } else if (step === 'verified') {
        await ops.dropSubscription();
        await ops.dropSourceObjects();
        await ops.deleteRows(from, plans, current.keys);
        await directory.finishMove(current.id, 'done');
        await done('done');
      } else break;
    }
    return {
      from: source.id,
      to: target.id,
      rows,
      pausedMs,
      route: switched ?? (await directory.route(organizationId))!,
      ...(resumedAfter ? { resumedAfter } : {}),
    };
  } catch (e) {
    if (e instanceof Crash) throw e.cause;
    // Failed during the pause (not a crash): lift it; the move resumes from streaming.
    if (move && (move.step === 'synced' || move.step === 'paused') && pausedAt !== undefined) {
      await directory.setPaused(organizationId, false).catch(() => undefined);
      await directory.saveMove(move.id, { step: 'synced', pauseLsn: null }).catch(() => undefined);
    }
    throw e;
  } finally {
    for (const s of snapshots) await s.end().catch(() => undefined);
    await from.end().catch(() => undefined);
    await to.end().catch(() => undefined);
  }
}

export interface CancelOptions {
  directory: ShardDirectory;
  organizationId: string;
  connect?: ShardConnector;
  log?: (line: string) => void;
}

/**
 * Cancels a move that has not switched: drops the subscription, the publications and slot, the
 * rows copied to the target, and lifts the pause. The organization stays where it was.
 */
export async function cancelMove(opts: CancelOptions): Promise<MoveRecord> {
  const { directory, organizationId } = opts;
  if (!isUuid(organizationId))
    throw moveErrors.badInput('--org must be an organization id (uuid).');
  return withClaim(directory, organizationId, () => runCancel(opts));
}

async function runCancel(opts: CancelOptions): Promise<MoveRecord> {
  const { directory, organizationId } = opts;
  const move = await directory.currentMove(organizationId);
  if (!move) throw moveErrors.noMove(organizationId);
  if (isPastSwitch(move.step)) throw moveErrors.pastSwitch(organizationId);
  const { source, target } = await shardsOf(directory, move);
  const connect = opts.connect ?? connectShard;
  const from = await connect(source.ownerUrl);
  const to = await connect(target.ownerUrl);
  try {
    const plans = await planOf(from);
    const ops = shardOps(from, to, move, source.ownerUrl);
    await ops.dropSubscription();
    await ops.dropSourceObjects();
    await ops.deleteRows(to, plans, move.keys);
    await directory.setPaused(organizationId, false);
    await directory.finishMove(move.id, 'cancelled');
    opts.log?.(`cancelled the move of ${organizationId} to ${target.id}; it stays on ${source.id}`);
    return move;
  } finally {
    await from.end().catch(() => undefined);
    await to.end().catch(() => undefined);
  }
}
