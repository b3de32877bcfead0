import { randomUUID } from 'node:crypto';
import {
  applyMutation,
  describeWireProblem,
  findUnsafeWireValue,
  isDomainError,
  toStorableText,
  toStorableValue,
  type Actor,
  type MutatorTx,
} from '@mango/domain';
import { mutationSchema, type Mutation, type MutationResult } from '@mango/protocol';
import type { Db, Sql } from '../db/db';
import { isDatabaseUnavailable } from '../db/unavailable';
import { createSqlMutatorTx } from '../db/entity-store';
import { applyWithinQuotas } from '../quotas/quotas';
import { reviewOfflinePayment } from '../security/offline-payment-review';
import { ActingStaffCache, resolveActor } from './acting';

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
   * Called after each committed transaction with the entity kinds it wrote (cache invalidation),
   * before the push answers, also when a later chunk fails.
   */
  afterCommit?: (entities: string[]) => Promise<void>;
  /**
   * Told of a mutation that failed in a way that is neither a domain rule nor an outage (a
   * defect of ours): it is rejected as MUTATION_FAILED with `reference`, and reported here.
   */
  onDefect?: (err: unknown, mutation: { id: number; name: string }, reference: string) => void;
}

export interface PushOutcome {
  lastMutationId: number;
  results: MutationResult[];
  /** The store version after the push, when it advanced (to poke the other devices). */
  newVersion: number | null;
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

/** Counts what a mutation wrote, so a mutation that changed nothing does not consume a version. */
function countingTx(inner: MutatorTx): MutatorTx & { writes: number; entities: Set<string> } {
  const tx = {
    writes: 0,
    entities: new Set<string>(),
    get: inner.get.bind(inner),
    list: inner.list.bind(inner),
    async put(...args: Parameters<MutatorTx['put']>) {
      tx.writes++;
      tx.entities.add(args[0]);
      return inner.put(...args);
    },
    async delete(...args: Parameters<MutatorTx['delete']>) {
      tx.writes++;
      tx.entities.add(args[0]);
      return inner.delete(...args);
    },
  };
  return tx as MutatorTx & { writes: number; entities: Set<string> };
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

async function recordRejection(
  sql: Sql,
  cmd: PushCommand,
  m: { id: number; name: string },
  error: MutationError,
): Promise<void> {
  await sql.query(
    `insert into rejected_mutations (store_id, device_id, mutation_id, name, code, message, details)
     values ($1, $2, $3, $4, $5, $6, $7)
     on conflict (store_id, device_id, mutation_id) do nothing`,
    [
      cmd.storeId,
      cmd.deviceId,
      m.id,
      toStorableText(m.name).slice(0, 200),
      error.code,
      error.message,
      error.details === undefined ? null : JSON.stringify(error.details),
    ],
  );
}

/**
 * Keeps the transaction's `app.staff_id` (the audit log's "who") equal to the acting staff
 * member. Set only when it changes: a round trip per mutation was a good part of a push's cost.
 */
async function setAuditStaff(
  sql: Sql,
  audit: { staffId: string | null },
  staffId: string | null,
): Promise<void> {
  const value = staffId ?? '';
  if (audit.staffId === value) return;
  await sql.query("select set_config('app.staff_id', $1, true)", [value]);
  audit.staffId = value;
}

/**
 * The protocol's push rules. Per mutation: duplicate (id ≤ lastMutationId) → nothing; gap
 * (id > lastMutationId + 1) → stop; otherwise run the shared domain mutator in the store's
 * transaction. Its writes, the store version and the device's lastMutationId commit together.
 * The store row is locked (`for update`) for the version bump, so versions of one store become
 * visible in order; other stores never wait on it.
 */
export async function pushMutations(db: Db, cmd: PushCommand): Promise<PushOutcome> {
  const results: MutationResult[] = [];
  let lastMutationId = 0;
  let newVersion: number | null = null;
  let stopped = false;
  const receivedAt = cmd.receivedAt ?? new Date().toISOString();

  for (
    let start = 0;
    start < cmd.mutations.length || start === 0;
    start += MUTATIONS_PER_TRANSACTION
  ) {
    const chunk = cmd.mutations.slice(start, start + MUTATIONS_PER_TRANSACTION);
    const chunkResults: MutationResult[] = [];
    const chunkEntities = new Set<string>();
    const outcome = await db.transaction(
      {
        storeId: cmd.storeId,
        organizationId: cmd.organizationId,
        userId: cmd.actor.userId,
        staffId: cmd.actor.staffId,
        deviceId: cmd.deviceId,
      },
      async (sql) => {
        const device = await sql.query<{ last_mutation_id: number; short_code: string }>(
          `select last_mutation_id, short_code from devices
            where id = $1 and store_id = $2 for update`,
          [cmd.deviceId, cmd.storeId],
        );
        // The code ticket numbers of this device must carry (ticket.open refuses another).
        const deviceCode = device.rows[0]?.short_code ?? null;
        let last = device.rows[0]?.last_mutation_id;
        if (last === undefined) throw new Error('device vanished during push');
        const pending = chunk.filter((m) => m.id > last!);
        if (pending.length === 0) {
          for (const m of chunk) chunkResults.push({ id: m.id, status: 'duplicate' });
          return { last, version: null as number | null, gap: false };
        }
        const store = await sql.query<{ version: number; plan: string }>(
          'select version, plan from stores where id = $1 for update',
          [cmd.storeId],
        );
        const baseVersion = store.rows[0]?.version;
        if (baseVersion === undefined) throw new Error('store vanished during push');
        let version = baseVersion;
        let gap = false;
        // app.staff_id as this transaction has it (null: not set by this loop yet). A rolled
        // back savepoint also rolls back a set_config made inside it: forget it then.
        const audit: { staffId: string | null } = { staffId: null };
        const staffCache = new ActingStaffCache();
        for (const m of chunk) {
          if (m.id <= last) {
            chunkResults.push({ id: m.id, status: 'duplicate' });
            continue;
          }
          if (m.id > last + 1) {
            gap = true;
            break;
          }
          if (isMalformed(m)) {
            const error = storableError(m.malformed);
            await recordRejection(sql, cmd, m, error);
            chunkResults.push({ id: m.id, status: 'rejected', error });
            last = m.id;
            continue;
          }
          await sql.query('savepoint mutation');
          const tx = countingTx(
            createSqlMutatorTx(sql, { storeId: cmd.storeId, version: version + 1 }),
          );
          try {
            const actor = await resolveActor(
              sql,
              { storeId: cmd.storeId, deviceId: cmd.deviceId, account: cmd.actor },
              m,
              staffCache,
            );
            await setAuditStaff(sql, audit, m.actorStaffId ?? null);
            const apply = () =>
              applyMutation(
                { tx, storeId: cmd.storeId, actor: { ...actor, deviceCode }, now: m.clientTime },
                m.name,
                m.args,
              );
            if (cmd.enforceQuotas) {
              const plan = store.rows[0]?.plan ?? 'free';
              await applyWithinQuotas(sql, { storeId: cmd.storeId, plan }, m, apply);
            } else await apply();
            await reviewOfflinePayment(sql, tx, { storeId: cmd.storeId, mutation: m, receivedAt });
            await sql.query('release savepoint mutation');
            if (tx.writes > 0) version += 1;
            if (tx.entities.has('staff')) staffCache.forget();
            for (const entity of tx.entities) chunkEntities.add(entity);
            chunkResults.push({ id: m.id, status: 'applied' });
          } catch (e) {
            // An outage: nothing of this transaction commits and the device sends it again.
            if (isDatabaseUnavailable(e)) throw e;
            await sql.query('rollback to savepoint mutation');
            audit.staffId = null;
            const error = storableError(rejectionFor(e, cmd, m));
            await recordRejection(sql, cmd, m, error);
            chunkResults.push({ id: m.id, status: 'rejected', error });
          }
          last = m.id;
        }
        if (version !== baseVersion) {
          await sql.query('update stores set version = $2 where id = $1', [cmd.storeId, version]);
        }
        await sql.query(
          'update devices set last_mutation_id = $2, last_seen_at = now() where id = $1',
          [cmd.deviceId, last],
        );
        return { last, version: version !== baseVersion ? version : null, gap };
      },
    );
    results.push(...chunkResults);
    if (chunkEntities.size > 0) await cmd.afterCommit?.([...chunkEntities]);
    lastMutationId = outcome.last;
    if (outcome.version !== null) newVersion = outcome.version;
    if (outcome.gap) stopped = true;
    if (stopped || chunk.length === 0) break;
  }
  return { lastMutationId, results, newVersion };
}
