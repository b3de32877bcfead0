import { randomUUID } from 'node:crypto';
import {
  applyMutation,
  describeWireProblem,
  findUnsafeWireValue,
  isDomainError,
  toStorableText,
  toStorableValue,
  type Actor,
  type EntityName,
  type StoreRow,
  type MutatorTx,
} from '@mango/domain';
import {
  mutationSchema,
  type Change,
  type Mutation,
  type MutationResult,
  type PokeDelta,
} from '@mango/protocol';
import type { Db, Sql } from '../db/db';
import { isDatabaseUnavailable } from '../db/unavailable';
import { writeRows } from '../db/batch-write';
import { WriteBatch } from '../db/write-batch';
import { createSqlMutatorTx, storeColumns, storeRowFrom } from '../db/entity-store';
import { STORE_COLUMNS } from '../db/entity-tables';
import { deviceRefusal } from '../auth/authenticate';
import { HttpError, httpErrors } from '../http/errors';
import { applyWithinQuotas } from '../quotas/quotas';
import { reviewOfflinePayment } from '../security/offline-payment-review';
import {
  ActingStaffCache,
  BatchedNonces,
  resolveActor,
  savepointNonces,
  type ApprovalNonces,
} from './acting';
import { compactAudit } from './audit-record';
import { readAhead, type SeedOverlay } from './prefetch';
import { PushOverlay, type PendingRow, type RowChange } from './push-overlay';

interface MutationError {
  code: string;
  message: string;
  details?: unknown;
}

/** A mutation whose envelope failed `mutationSchema`: it is rejected without being run. */
export interface MalformedMutation {
  id: number;
  name: string;
  malformed: MutationError;
}

export type PushedMutation = Mutation | MalformedMutation;

function isMalformed(m: PushedMutation): m is MalformedMutation {
  return 'malformed' in m;
}

/**
 * Checks one mutation of a push on its own (the push's envelope has already given it an id):
 * a malformed one becomes a rejection of that mutation, never a refusal of the whole push.
 */
export function checkPushedMutation(raw: { id: number } & Record<string, unknown>): PushedMutation {
  const name = typeof raw.name === 'string' ? raw.name : '';
  // Before any schema parse: a "__proto__" key assigned by a parser would become a prototype
  // whose fields the mutator's schema then reads as if they had been checked.
  // The name is not checked here: an unknown one (a NUL in it or not) is UNKNOWN_MUTATION.
  const { name: _name, ...rest } = raw;
  const unsafe = findUnsafeWireValue(rest);
  if (unsafe) {
    return {
      id: raw.id,
      name,
      malformed: { code: 'INVALID_TEXT', message: describeWireProblem(unsafe), details: unsafe },
    };
  }
  const parsed = mutationSchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  const issues = parsed.error.issues;
  return {
    id: raw.id,
    name,
    malformed: {
      code: 'INVALID_MUTATION',
      message: `This change is malformed: ${issues
        .map((i) => `${i.path.join('.') || '(mutation)'}: ${i.message}`)
        .join('; ')}`,
      details: issues,
    },
  };
}

export interface PushCommand {
  storeId: string;
  organizationId: string;
  deviceId: string;
  actor: Actor;
  mutations: PushedMutation[];
  /** When the server received the push (the offline payments' 24 h window). Default: now. */
  receivedAt?: string;
  /** Refuse mutations that take the store over its plan's limits (PLAN_QUOTAS). */
  enforceQuotas?: boolean;
  /**
   * Called after each committed transaction (cache invalidation, the sync heads' advance),
   * before the push answers, also when a later chunk fails.
   */
  afterCommit?: (committed: ChunkCommitted) => Promise<void>;
  /**
   * What must commit with a chunk's mutations or not at all (a message telling of them): asked
   * with the chunk's results and `changes` (each row its applied mutations wrote, before and
   * after each of them, in order) before its writes go out; the step it returns runs inside the
   * transaction after them. A throw rolls the chunk back; it is run again one mutation at a
   * time, each mutation asked alone and its step run in its savepoint, and a mutation whose step
   * throws again is rejected (MUTATION_FAILED, or INVALID_DATA for data the database refuses)
   * while the others apply: a mutation never commits without what this writes, and a step that
   * always fails cannot stop a device's outbox. Null (nothing to add, the usual answer) lets the chunk's COMMIT ride with its writes.
   */
  afterApply?: (
    results: readonly MutationResult[],
    changes: readonly RowChange[],
  ) => ((sql: Sql) => Promise<void>) | null;
  /**
   * Told of a mutation that failed in a way that is neither a domain rule nor an outage (a
   * defect of ours): it is rejected as MUTATION_FAILED with `reference`, and reported here.
   */
  onDefect?: (err: unknown, mutation: { id: number; name: string }, reference: string) => void;
}

/** What one committed chunk transaction changed. */
export interface ChunkCommitted {
  /** The entity kinds it wrote (none: only the device's lastMutationId moved). */
  entities: string[];
  /** The store version after it, when it advanced. */
  version: number | null;
  /** The device's lastMutationId after it. */
  lastMutationId: number;
  /** It rejected a mutation (the device has rejections to read). */
  rejected: boolean;
}

export interface PushOutcome {
  lastMutationId: number;
  results: MutationResult[];
  /** The store version after the push, when it advanced (to poke the other devices). */
  newVersion: number | null;
  /**
   * What the push wrote, as a pull returns it (docs/SYNC.md "Pokes carry the delta"): only when
   * ONE chunk transaction advanced the version, batched — its versions `from`..`to` are then
   * contiguous and all its own (the store's lock) and `changes` are all their rows. Absent
   * otherwise (several chunks, the one-by-one path): the devices pull.
   */
  delta?: PokeDelta;
}

/**
 * Mutations per database transaction. A chunk shares one commit (one WAL flush) and holds the
 * store's row lock for its duration; small enough that other devices of the store wait little.
 */
const MUTATIONS_PER_TRANSACTION = 50;

/**
 * PostgreSQL errors that mean the data itself is unacceptable (integrity, bad values): retrying
 * the same mutation can never succeed, so they are rejections saying what was wrong.
 */
function isPermanentDatabaseError(e: unknown): e is { code: string; message: string } {
  const code = (e as { code?: unknown })?.code;
  return typeof code === 'string' && (code.startsWith('22') || code.startsWith('23'));
}

/** An error raised by the database (it carries an SQLSTATE), not by our code or the domain. */
function isSqlError(e: unknown): boolean {
  const code = (e as { code?: unknown })?.code;
  return !isDomainError(e) && typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code);
}

/**
 * A statement failed inside a batched chunk: PostgreSQL has aborted the transaction (there is
 * no savepoint to go back to), so the chunk is run again one mutation at a time.
 */
class BatchAborted extends Error {
  constructor(readonly reason: unknown) {
    super('a statement of a batched push failed; the chunk is retried one mutation at a time');
    this.name = 'BatchAborted';
  }
}

/** The rows a mutation wrote, by entity: ids (for the change log the pulls read). */
type WrittenKeys = Map<string, Set<string>>;

function addKey(keys: WrittenKeys, entity: string, id: string): void {
  const ids = keys.get(entity) ?? new Set<string>();
  ids.add(id);
  keys.set(entity, ids);
}

/**
 * Counts what a mutation wrote, so a mutation that changed nothing does not consume a version,
 * and keeps which rows (the pulls read them by key from `sync_changes`).
 */
function countingTx(inner: MutatorTx): MutatorTx & { writes: number; keys: WrittenKeys } {
  const tx = {
    writes: 0,
    keys: new Map<string, Set<string>>(),
    get: inner.get.bind(inner),
    list: inner.list.bind(inner),
    async put(...args: Parameters<MutatorTx['put']>) {
      tx.writes++;
      addKey(tx.keys, args[0], args[1].id);
      return inner.put(...args);
    },
    async delete(...args: Parameters<MutatorTx['delete']>) {
      tx.writes++;
      addKey(tx.keys, args[0], args[1]);
      return inner.delete(...args);
    },
  };
  return tx as MutatorTx & { writes: number; keys: WrittenKeys };
}

/**
 * A mutator transaction that keeps each row's image before and after every write through it, as
 * the batched path's overlay does (RowChange): one read more per write, for the one-by-one path.
 */
function changeRecorder(inner: MutatorTx): MutatorTx & { changes: RowChange[] } {
  const changes: RowChange[] = [];
  const before = async (entity: EntityName, id: string) =>
    ((await inner.get(entity, id)) ?? null) as unknown as RowChange['before'];
  return {
    changes,
    get: inner.get.bind(inner),
    list: inner.list.bind(inner),
    async put(entity, row) {
      const was = await before(entity, row.id);
      await inner.put(entity, row);
      changes.push({
        entity,
        id: row.id,
        before: was,
        after: row as unknown as RowChange['after'],
      });
    },
    async delete(entity, id) {
      const was = await before(entity, id);
      await inner.delete(entity, id);
      changes.push({ entity, id, before: was, after: null });
    },
  };
}

/** A change log entry's entities (sorted), their ids grouped in that order, and the counts. */
function changeLogKeys(keys: WrittenKeys): { entities: string[]; ids: string[]; counts: number[] } {
  const entities = [...keys.keys()].sort();
  const ids: string[] = [];
  const counts: number[] = [];
  for (const entity of entities) {
    const of = [...(keys.get(entity) ?? [])];
    ids.push(...of);
    counts.push(of.length);
  }
  return { entities, ids, counts };
}

/**
 * What a failed mutation is answered with. Only an outage (database unreachable, a timeout, a
 * serialization failure or deadlock: `isDatabaseUnavailable`) is retried, by the caller answering
 * 503; anything else would fail again on every retry and stop the device's outbox, so it is a
 * coded rejection of this one mutation.
 */
function rejectionFor(
  e: unknown,
  cmd: PushCommand,
  m: { id: number; name: string },
): MutationError {
  if (isDomainError(e)) {
    return {
      code: e.code,
      message: e.message,
      ...(e.details === undefined ? {} : { details: e.details }),
    };
  }
  if (isPermanentDatabaseError(e)) {
    return {
      code: 'INVALID_DATA',
      message: `The server could not store this change: ${e.message}`,
    };
  }
  const reference = randomUUID();
  cmd.onDefect?.(e, m, reference);
  return {
    code: 'MUTATION_FAILED',
    message: `The server could not apply this change (reference ${reference}); it was set aside so that the changes after it still sync.`,
    details: { reference },
  };
}

/** A rejection as it can be stored and sent: no NUL or lone surrogate in any text of it. */
function storableError(error: MutationError): MutationError {
  return {
    code: toStorableText(error.code),
    message: toStorableText(error.message),
    ...(error.details === undefined ? {} : { details: toStorableValue(error.details) }),
  };
}

interface Rejection {
  m: { id: number; name: string };
  error: MutationError;
}

/** The rejections of a chunk, in one write (text arrays through `unnest`). */
function recordRejections(
  batch: WriteBatch,
  cmd: PushCommand,
  rejections: readonly Rejection[],
): void {
  if (rejections.length === 0) return;
  batch.add(
    `insert into rejected_mutations (store_id, device_id, mutation_id, name, code, message, details)
     select $1, $2, r.id::bigint, r.name, r.code, r.message, r.details::jsonb
       from unnest($3::text[], $4::text[], $5::text[], $6::text[], $7::text[])
            as r(id, name, code, message, details)
     on conflict (store_id, device_id, mutation_id) do nothing`,
    [
      cmd.storeId,
      cmd.deviceId,
      rejections.map((r) => String(r.m.id)),
      rejections.map((r) => toStorableText(r.m.name).slice(0, 200)),
      rejections.map((r) => r.error.code),
      rejections.map((r) => r.error.message),
      rejections.map((r) =>
        r.error.details === undefined ? null : JSON.stringify(r.error.details),
      ),
    ],
  );
}

/** One applied mutation as the audit keeps it (push_audit, migration 0019; stored compacted: 0029). */
interface MutationAudit {
  id: number;
  name: string;
  args: unknown;
  clientTime: string;
  staffId: string | null;
  approvedBy: string | null;
  changes: RowChange[];
}

/**
 * Where a chunk's mutations write. Batched (the normal path): into a `PushOverlay`, written
 * once at the end, with the audit records. One by one (the retry of a chunk whose batched write
 * hit a data error, to reject the mutation that caused it): straight to SQL inside a savepoint
 * per mutation, audited by the row triggers.
 */
interface ChunkStorage {
  /** The storage the next mutation runs against; its writes carry `version`. */
  begin(version: number): Promise<MutatorTx>;
  /** The mutation succeeded and its writes carry `version`: what it changed. */
  accept(version: number): Promise<RowChange[]>;
  /** The mutation failed: undo its writes. */
  discard(): Promise<void>;
  /** Rows written but not in the database yet (quotas and reviews count them beside SQL). */
  unwritten(
    entity: EntityName,
  ): { row: Record<string, unknown> | null; stored: Record<string, unknown> | null }[];
  /** Before the chunk's bookkeeping: add what is still held in memory to the chunk's writes. */
  finish(batch: WriteBatch, audit: readonly MutationAudit[]): Promise<void>;
  /** The acting staff member of the next mutation, for storage audited by row triggers. */
  setStaff?(staffId: string | null): Promise<void>;
  /** Where approvals' nonces are used up (only by applied mutations). */
  nonces: ApprovalNonces;
  /** After `finish`: every row the chunk wrote, as a pull returns it (batched storage only). */
  changes?(): Change[];
}

function batchedStorage(
  sql: Sql,
  cmd: PushCommand,
  baseVersion: number,
  store: StoreRow,
  seed: SeedOverlay,
): ChunkStorage {
  const overlay = new PushOverlay(
    createSqlMutatorTx(sql, { storeId: cmd.storeId, version: baseVersion + 1 }),
  );
  // Read with the lock: the mutators' store reads cost no round trip.
  overlay.seed('store', store.id, store as unknown as Record<string, unknown>);
  seed(overlay);
  const nonces = new BatchedNonces(sql, cmd.storeId);
  return {
    nonces,
    begin: async () => overlay.tx,
    accept: async (version) => {
      nonces.accept();
      return overlay.accept(version);
    },
    discard: async () => {
      nonces.discard();
      overlay.discard();
    },
    unwritten: (entity) => overlay.unwritten(entity),
    changes: () => pulledChanges(overlay.pending()),
    async finish(batch, audit) {
      await writeRows(sql, batch, cmd.storeId, overlay.pending());
      nonces.write(batch, cmd.deviceId);
      if (audit.length === 0) return;
      batch.add(
        `insert into push_audit (store_id, organization_id, user_id, device_id,
                                 first_mutation_id, last_mutation_id, mutations)
         values ($1, $2, $3, $4, $5, $6, $7::jsonb)`,
        [
          cmd.storeId,
          cmd.organizationId,
          cmd.actor.userId,
          cmd.deviceId,
          audit[0]!.id,
          audit.at(-1)!.id,
          JSON.stringify(compactAudit(audit)),
        ],
      );
    },
  };
}

function oneByOneStorage(sql: Sql, cmd: PushCommand): ChunkStorage {
  // app.staff_id as this transaction has it: the row triggers' "who". Set when it changes (a
  // round trip per mutation otherwise); a rolled back savepoint also rolls back a set_config.
  let auditStaff: string | null = null;
  return {
    nonces: savepointNonces(sql, cmd),
    async begin(version) {
      await sql.query('savepoint mutation');
      return createSqlMutatorTx(sql, { storeId: cmd.storeId, version });
    },
    async accept() {
      await sql.query('release savepoint mutation');
      return [];
    },
    async discard() {
      await sql.query('rollback to savepoint mutation');
      auditStaff = null;
    },
    unwritten: () => [],
    finish: async () => {},
    async setStaff(staffId) {
      const value = staffId ?? '';
      if (auditStaff === value) return;
      await sql.query("select set_config('app.staff_id', $1, true)", [value]);
      auditStaff = value;
    },
  };
}

interface ChunkOutcome {
  results: MutationResult[];
  last: number;
  /** The store version after the chunk, when it advanced. */
  version: number | null;
  gap: boolean;
  entities: Set<string>;
  /** The rows the chunk wrote (versions from..version), when it ran batched and advanced it. */
  delta: PokeDelta | null;
}

/**
 * The protocol's rules over one chunk, in one transaction. Per mutation: duplicate (id ≤
 * lastMutationId) → nothing; gap (id > lastMutationId + 1) → stop; otherwise run the shared
 * domain mutator. Its writes, the store version and the device's lastMutationId commit together.
 * One statement locks the device and store rows (`for update`): versions of one store become
 * visible in order, and two pushes of one device never interleave; other stores never wait.
 */
async function applyChunk(
  sql: Sql,
  cmd: PushCommand,
  chunk: readonly PushedMutation[],
  receivedAt: string,
  mode: 'batched' | 'one-by-one',
): Promise<ChunkOutcome> {
  // The device check (registered to this store, not revoked), its lastMutationId, the store's
  // version and settings, and both rows' locks: one statement.
  const locked = sql.query<
    {
      last_mutation_id: number;
      short_code: string | null;
      revoked: boolean;
      kind: string;
      version: number;
      plan: string;
      sync_epoch: string;
    } & Record<string, unknown>
  >(
    `select d.last_mutation_id, d.short_code, d.revoked_at is not null as revoked, d.kind,
            s.version,
            s.sync_epoch, ${storeColumns('s')}
       from devices d join stores s on s.id = d.store_id
      where d.id = $1 and d.store_id = $2
        for update of d, s`,
    [cmd.deviceId, cmd.storeId],
    // One text, by primary keys: parsed once per connection (docs/PERFORMANCE.md, session 11).
    { prepare: true },
  );
  // Batched, what the mutations name is read right behind the lock, in the same round trip (with
  // the BEGIN too on PostgreSQL: db-postgres.ts); it runs once the lock is granted. Mutations the
  // device already pushed, or after a gap, may be read for nothing: reading is all it does.
  const ahead =
    mode === 'batched'
      ? readAhead(
          sql,
          cmd.storeId,
          chunk.filter((m): m is Mutation => !isMalformed(m)),
        )
      : null;
  // If the lock fails, so does the read behind it: the lock's error is the one thrown.
  ahead?.catch(() => undefined);
  const row = (await locked).rows[0];
  const refused = deviceRefusal(row);
  if (refused || !row) throw refused ?? new Error('unreachable: no device row and no refusal');
  // The booking page's device pushes only as the online actor, and that actor only through it.
  if ((row.kind === 'online') !== Boolean(cmd.actor.online)) {
    throw httpErrors.forbidden(
      'This device belongs to the online booking page: it cannot sync.',
      'DEVICE_NOT_REGISTERED',
    );
  }
  // The code ticket numbers of this device must carry (ticket.open refuses another).
  const deviceCode = row.short_code ?? null;
  const baseVersion = row.version;
  const results: MutationResult[] = [];
  const written: WrittenKeys = new Map();
  let last = row.last_mutation_id;
  if (!chunk.some((m) => m.id > last)) {
    await ahead?.catch(() => undefined); // read for nothing: all of them are duplicates
    for (const m of chunk) results.push({ id: m.id, status: 'duplicate' });
    return { results, last, version: null, gap: false, entities: new Set(), delta: null };
  }
  const storage = ahead
    ? batchedStorage(sql, cmd, baseVersion, storeRowFrom(row), await ahead)
    : oneByOneStorage(sql, cmd);
  const rejections: Rejection[] = [];
  const audit: MutationAudit[] = [];
  const staffCache = new ActingStaffCache();
  let version = baseVersion;
  let gap = false;
  const reject = (m: { id: number; name: string }, error: MutationError) => {
    rejections.push({ m, error });
    results.push({ id: m.id, status: 'rejected', error });
  };
  for (const m of chunk) {
    if (m.id <= last) {
      results.push({ id: m.id, status: 'duplicate' });
      continue;
    }
    if (m.id > last + 1) {
      gap = true;
      break;
    }
    last = m.id;
    if (isMalformed(m)) {
      reject(m, storableError(m.malformed));
      continue;
    }
    const begun = await storage.begin(version + 1);
    // One by one, a step of afterApply's runs with its own mutation (see below), and needs that
    // mutation's changes: recorded with a read of each row before it is written (the batched
    // path has them from its overlay).
    const recorder = mode === 'one-by-one' && cmd.afterApply ? changeRecorder(begun) : null;
    const tx = countingTx(recorder ?? begun);
    try {
      const actor = await resolveActor(
        sql,
        tx,
        {
          storeId: cmd.storeId,
          deviceId: cmd.deviceId,
          account: cmd.actor,
          nonces: storage.nonces,
        },
        m,
        staffCache,
      );
      await storage.setStaff?.(m.actorStaffId ?? null);
      const apply = () =>
        applyMutation(
          { tx, storeId: cmd.storeId, actor: { ...actor, deviceCode }, now: m.clientTime },
          m.name,
          m.args,
        );
      if (cmd.enforceQuotas) {
        await applyWithinQuotas(sql, { storeId: cmd.storeId, plan: row.plan }, m, apply, (e) =>
          storage.unwritten(e),
        );
      } else await apply();
      await reviewOfflinePayment(sql, tx, {
        storeId: cmd.storeId,
        mutation: m,
        receivedAt,
        unwritten: storage.unwritten('payment'),
      });
      if (recorder) {
        // Inside the mutation's savepoint: if the step throws, the mutation is rejected and
        // rolled back with it, and the mutations after it still sync. A step that fails every
        // time must not fail the push (a 503 the device would retry for ever).
        const step = cmd.afterApply?.([{ id: m.id, status: 'applied' }], recorder.changes);
        if (step) await step(sql);
      }
      if (tx.writes > 0) version += 1;
      const changes = await storage.accept(version);
      if (tx.keys.has('staff')) staffCache.forget();
      for (const [entity, ids] of tx.keys) for (const id of ids) addKey(written, entity, id);
      audit.push({
        id: m.id,
        name: m.name,
        args: m.args,
        clientTime: m.clientTime,
        staffId: m.actorStaffId ?? null,
        approvedBy: actor.approvedBy ?? null,
        changes,
      });
      results.push({ id: m.id, status: 'applied' });
    } catch (e) {
      // An outage: nothing of this transaction commits and the device sends it again.
      if (isDatabaseUnavailable(e)) throw e;
      if (mode === 'batched' && isSqlError(e)) throw new BatchAborted(e);
      await storage.discard();
      reject(m, storableError(rejectionFor(e, cmd, m)));
    }
  }
  // The chunk's writes, version, device and rejections: one statement.
  const batch = new WriteBatch();
  await storage.finish(batch, audit);
  if (version !== baseVersion) {
    batch.add('update stores set version = $2 where id = $1', [cmd.storeId, version]);
    // Which rows these versions wrote: the pulls read them by key (migrations 0022, 0027).
    const logged = changeLogKeys(written);
    batch.add(
      `insert into sync_changes (store_id, to_version, from_version, entities, ids, id_counts)
       values ($1, $2, $3, $4::text[], $5::uuid[], $6::int[])`,
      [cmd.storeId, version, baseVersion + 1, logged.entities, logged.ids, logged.counts],
    );
  }
  batch.add('update devices set last_mutation_id = $2, last_seen_at = now() where id = $1', [
    cmd.deviceId,
    last,
  ]);
  recordRejections(batch, cmd, rejections);
  // One by one, each mutation ran its own step (above).
  const after =
    mode === 'batched'
      ? cmd.afterApply?.(
          results,
          audit.flatMap((a) => a.changes),
        )
      : null;
  if (after) {
    // What runs after the batch (it may read what the batch wrote) keeps COMMIT apart.
    await batch.flush(sql);
    await after(sql);
  } else {
    // The chunk's last statement: its COMMIT rides with it (one round trip, not two). Nothing
    // below may fail: the chunk has committed.
    await batch.flush(sql, { commit: true });
  }
  const advanced = version !== baseVersion;
  const changes = advanced ? storage.changes?.() : undefined;
  return {
    results,
    last,
    version: advanced ? version : null,
    gap,
    entities: new Set(written.keys()),
    delta: changes ? { from: baseVersion + 1, to: version, epoch: row.sync_epoch, changes } : null,
  };
}

/**
 * Applies a push, in chunks of MUTATIONS_PER_TRANSACTION, each one transaction. A chunk runs
 * batched; if a statement fails in it (a value the database refuses that the domain did not, in
 * a mutation's read or in the batch's write), the chunk is run again one mutation at a time, so
 * the mutation at fault is the one rejected and the others still apply.
 */
export async function pushMutations(db: Db, cmd: PushCommand): Promise<PushOutcome> {
  const results: MutationResult[] = [];
  let lastMutationId = 0;
  let newVersion: number | null = null;
  // The rows of the chunks that advanced the version (a delta only when there is one).
  const deltas: (PokeDelta | null)[] = [];
  const receivedAt = cmd.receivedAt ?? new Date().toISOString();
  const context = {
    storeId: cmd.storeId,
    organizationId: cmd.organizationId,
    userId: cmd.actor.userId,
    staffId: cmd.actor.staffId,
    deviceId: cmd.deviceId,
  };

  for (
    let start = 0;
    start < cmd.mutations.length || start === 0;
    start += MUTATIONS_PER_TRANSACTION
  ) {
    const chunk = cmd.mutations.slice(start, start + MUTATIONS_PER_TRANSACTION);
    let outcome: ChunkOutcome;
    try {
      outcome = await db.transaction({ ...context, audit: 'push' }, (sql) =>
        applyChunk(sql, cmd, chunk, receivedAt, 'batched'),
      );
    } catch (e) {
      // An outage, or the device refused (revoked, not of this store): the same for every chunk.
      if (isDatabaseUnavailable(e) || e instanceof HttpError) throw e;
      // A data error (of a mutation, or of the batch's write) is expected here: the retry
      // rejects the mutation at fault. Anything else is a defect of the batched path: reported,
      // and the chunk still goes through, one mutation at a time.
      if (!(e instanceof BatchAborted) && !isPermanentDatabaseError(e)) {
        const first = chunk[0];
        cmd.onDefect?.(e, { id: first?.id ?? 0, name: '(batched push)' }, randomUUID());
      }
      outcome = await db.transaction(context, (sql) =>
        applyChunk(sql, cmd, chunk, receivedAt, 'one-by-one'),
      );
    }
    results.push(...outcome.results);
    await cmd.afterCommit?.({
      entities: [...outcome.entities],
      version: outcome.version,
      lastMutationId: outcome.last,
      rejected: outcome.results.some((r) => r.status === 'rejected'),
    });
    lastMutationId = outcome.last;
    if (outcome.version !== null) {
      newVersion = outcome.version;
      deltas.push(outcome.delta);
    }
    if (outcome.gap || chunk.length === 0) break;
  }
  const delta = deltas.length === 1 ? deltas[0] : null;
  return { lastMutationId, results, newVersion, ...(delta ? { delta } : {}) };
}

/**
 * The rows a batched chunk wrote, as a pull returns them (pull.ts `readChangesSince`): ordered
 * by version, entity, id; a tombstone has `deleted: true` and no data; the store row is the
 * `store` entity of STORE_JSON (its settings columns, an optional setting the mutator left out
 * keeping its stored value, as `putStore` writes it). A row created and deleted by the same push
 * never reaches the database (batch-write.ts) and is left out here too.
 */
export function pulledChanges(pending: readonly PendingRow[]): Change[] {
  const out: Change[] = [];
  for (const p of pending) {
    // Ids are uuid columns: a pull returns them in lower case.
    const id = p.id.toLowerCase();
    if (p.row === null) {
      if (p.stored === null) continue;
      out.push({ entity: p.entity, id, version: p.version, deleted: true, data: null });
      continue;
    }
    let data: Record<string, unknown> = p.row;
    if (p.entity === 'store') {
      data = {};
      for (const c of STORE_COLUMNS) {
        // As putStore writes it: an object setting sent as null is cleared, not kept.
        const sent = p.row[c.field];
        const value =
          c.type === 'jsonb' && sent !== undefined ? sent : (sent ?? p.stored?.[c.field] ?? null);
        data[c.field] =
          (c.type === 'bigint' || c.type === 'integer') && typeof value === 'string'
            ? Number(value)
            : value;
      }
    }
    out.push({ entity: p.entity, id, version: p.version, deleted: false, data });
  }
  return out.sort(
    (a, b) =>
      a.version - b.version ||
      (a.entity < b.entity ? -1 : a.entity > b.entity ? 1 : 0) ||
      (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
}
