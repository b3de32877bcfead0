import { z } from 'zod';
import { approvalSchema } from './approval';

/** Wire schemas of ../shared/specs/sync-protocol.md, version 1. Shared by server, device and load generator. */

export const SCHEMA_VERSION = 1;
export const MAX_MUTATIONS_PER_PUSH = 500;
export const MAX_PUSH_BYTES = 1024 * 1024;
export const DEFAULT_PULL_LIMIT = 1000;
export const MAX_PULL_LIMIT = 5000;

const uuid = z.uuid();

const mutationId = z.number().int().positive().max(Number.MAX_SAFE_INTEGER);

export const mutationSchema = z.strictObject({
  id: mutationId,
  name: z.string().min(1).max(100),
  args: z.record(z.string(), z.unknown()),
  clientTime: z.iso.datetime({ offset: true }),
  /**
   * Extension: the staff member acting at the desk when the mutation was made (switched in by
   * PIN). The server acts with that staff member's role, capped by the signed-in account's role;
   * unknown, inactive or other-store staff → ACTING_STAFF_INVALID. Absent: the account acts.
   */
  actorStaffId: z.uuid().optional(),
  /**
   * Extension: a manager's approval of this very mutation (void, refund, comp, removing a
   * payment, a double booking), a MAC by their PIN key the server verifies (approval.ts).
   */
  approval: approvalSchema.optional(),
});
export type Mutation = z.infer<typeof mutationSchema>;

export const pushRequestSchema = z.strictObject({
  deviceId: uuid,
  schemaVersion: z.literal(SCHEMA_VERSION),
  mutations: z.array(mutationSchema).max(MAX_MUTATIONS_PER_PUSH),
});
export type PushRequest = z.infer<typeof pushRequestSchema>;

/**
 * What the server requires of a push as a whole: a device, the schema version and mutations with
 * ids. Each mutation is then checked against `mutationSchema` on its own, and one that fails
 * (a malformed name, clientTime or actor) is rejected with INVALID_MUTATION — its id is consumed
 * like any rejection, so one bad entry never blocks the outbox behind it. A push whose envelope
 * fails is refused whole (400): without ids there is nothing to reject.
 */
export const pushEnvelopeSchema = z.strictObject({
  deviceId: uuid,
  schemaVersion: z.literal(SCHEMA_VERSION),
  mutations: z.array(z.looseObject({ id: mutationId })).max(MAX_MUTATIONS_PER_PUSH),
});
export type PushEnvelope = z.infer<typeof pushEnvelopeSchema>;

export const mutationErrorSchema = z.object({
  code: z.string(),
  message: z.string(),
  details: z.unknown().optional(),
});

export const mutationResultSchema = z.discriminatedUnion('status', [
  z.object({ id: z.number().int(), status: z.literal('applied') }),
  z.object({ id: z.number().int(), status: z.literal('duplicate') }),
  z.object({ id: z.number().int(), status: z.literal('rejected'), error: mutationErrorSchema }),
]);
export type MutationResult = z.infer<typeof mutationResultSchema>;

export const pushResponseSchema = z.object({
  lastMutationId: z.number().int().nonnegative(),
  results: z.array(mutationResultSchema),
});
export type PushResponse = z.infer<typeof pushResponseSchema>;

export const pullQuerySchema = z.strictObject({
  deviceId: uuid,
  cursor: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER),
  limit: z.coerce.number().int().min(1).max(MAX_PULL_LIMIT).default(DEFAULT_PULL_LIMIT),
  /**
   * Extension: the `epoch` of the pull that gave the cursor. Another epoch than the store's (a
   * restore since) gets 409 RESYNC_REQUIRED. Ignored with cursor 0.
   */
  epoch: uuid.optional(),
});
export type PullQuery = z.infer<typeof pullQuerySchema>;

export const changeSchema = z.object({
  entity: z.string(),
  id: z.string(),
  version: z.number().int(),
  deleted: z.boolean(),
  data: z.record(z.string(), z.unknown()).nullable(),
});
export type Change = z.infer<typeof changeSchema>;

export const rejectionSchema = z.object({
  id: z.number().int(),
  code: z.string(),
  message: z.string(),
});
export type Rejection = z.infer<typeof rejectionSchema>;

export const pullResponseSchema = z.object({
  cursor: z.number().int().nonnegative(),
  /** Extension: the store history the cursor belongs to; send it back with the cursor. */
  epoch: z.string().optional(),
  hasMore: z.boolean(),
  lastMutationId: z.number().int().nonnegative(),
  changes: z.array(changeSchema),
  rejections: z.array(rejectionSchema),
});
export type PullResponse = z.infer<typeof pullResponseSchema>;

// ---------------------------------------------------------------------------------------------
// Extension: the snapshot (`GET /api/v1/stores/{storeId}/sync/snapshot`), NDJSON, one line each.

export const snapshotQuerySchema = z
  .strictObject({
    deviceId: uuid,
    /** A chunk line's `resume`: continue after that chunk (with the cursor and epoch it came with). */
    resume: z.string().min(1).max(512).optional(),
    /** The head `cursor` of the snapshot being resumed (the oldest one the device holds). */
    cursor: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).optional(),
    epoch: uuid.optional(),
  })
  .refine((q) => (q.resume === undefined) === (q.cursor === undefined), {
    message: 'resume and cursor go together',
    path: ['cursor'],
  });
export type SnapshotQuery = z.infer<typeof snapshotQuerySchema>;

/** Where a snapshot continues: after row `after` (a uuid, '' = the start) of part `part`. */
export interface SnapshotResumePoint {
  part: string;
  after: string;
  /** The boundary of "upcoming" the first request chose (kept so the parts stay complementary). */
  since: string;
}

export const snapshotRowSchema = z.object({
  id: z.string(),
  version: z.number().int(),
  data: z.record(z.string(), z.unknown()),
});

export const snapshotLineSchema = z.discriminatedUnion('type', [
  /** First line: the store version the rows are at, and row estimates per entity. */
  z.object({
    type: z.literal('head'),
    cursor: z.number().int().nonnegative(),
    epoch: z.string(),
    lastMutationId: z.number().int().nonnegative(),
    since: z.string(),
    estimates: z.record(z.string(), z.number().int().nonnegative()),
    total: z.number().int().nonnegative(),
  }),
  /**
   * A chunk of one entity's current rows; `resume` continues after it. `packed` (extension, since
   * session 10): the rows are history the device reads rarely and may store many to a record
   * (docs/SYNC.md "Packed history"); a device that does not know the field ignores it.
   */
  z.object({
    type: z.literal('rows'),
    entity: z.string(),
    rows: z.array(snapshotRowSchema),
    resume: z.string(),
    packed: z.boolean().optional(),
  }),
  /** Everything the front desk needs is sent (the history follows). */
  z.object({ type: z.literal('essentials') }),
  /** The snapshot is complete: pull from the oldest head cursor of its parts. */
  z.object({ type: z.literal('end'), cursor: z.number().int().nonnegative() }),
]);
export type SnapshotLine = z.infer<typeof snapshotLineSchema>;
export type SnapshotHead = Extract<SnapshotLine, { type: 'head' }>;

/**
 * SSE `event: version` payload: `{"version":N}`, or with the delta (extension, docs/SYNC.md
 * "Pokes carry the delta") `{"version":N,"from":F,"epoch":E,"changes":[...]}`: the rows of
 * versions F..N, all of them, in a pull's shape. A device that ignores the extra fields reads the
 * version only (the object is not strict).
 */
export const versionEventSchema = z.object({
  version: z.number().int().nonnegative(),
  from: z.number().int().positive().optional(),
  epoch: z.string().optional(),
  changes: z.array(changeSchema).optional(),
});
export type VersionEvent = z.infer<typeof versionEventSchema>;
/** The version alone: what every version event has, whatever else it carries. */
export const bareVersionSchema = versionEventSchema.pick({ version: true });

/** A poke's delta: the rows of store versions `from`..`to` (inclusive), in the store's `epoch`. */
export interface PokeDelta {
  from: number;
  to: number;
  epoch: string;
  changes: Change[];
}

/**
 * The delta a version event carries, or null (a bare poke, or fields that do not make one: each
 * change's version must lie in from..version).
 */
export function pokeDeltaOf(event: VersionEvent): PokeDelta | null {
  const { version, from, epoch, changes } = event;
  if (from === undefined || epoch === undefined || changes === undefined) return null;
  if (from > version) return null;
  if (changes.some((c) => c.version < from || c.version > version)) return null;
  return { from, to: version, epoch, changes };
}
