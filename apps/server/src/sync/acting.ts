import { timingSafeEqual } from 'node:crypto';
import {
  cappedRole,
  DomainError,
  isManager,
  ROLES,
  type Actor,
  type MutatorTx,
  type Role,
} from '@mango/domain';
import { approvalMac, fromBase64, type Mutation } from '@mango/protocol';
import type { Sql } from '../db/db';
import type { WriteBatch } from '../db/write-batch';

/**
 * Who acts for one pushed mutation, as the server decides it — never on the device's word:
 * - the signed-in account's role (the token's, per store) is the ceiling;
 * - `actorStaffId` names the staff member at the desk: they must be an active staff member of
 *   this store, and act with their own role capped by the ceiling;
 * - an `approval` counts only when its MAC verifies against the approving manager's PIN key and
 *   its nonce was never used: `approvedBy` is set from it and from nothing else.
 */

interface StaffFacts {
  role: Role;
  active: boolean;
}

/**
 * Staff lookups of one push transaction. Most pushes name one person many times; a staff write
 * in the same transaction (`staff.upsert`) can change a role, so `forget()` drops them then.
 */
export class ActingStaffCache {
  #facts = new Map<string, StaffFacts | null>();

  /** Reads through the mutation's storage, so a staff change earlier in the push counts. */
  async get(tx: MutatorTx, staffId: string): Promise<StaffFacts | null> {
    const known = this.#facts.get(staffId);
    if (known !== undefined) return known;
    const row = await tx.get('staff', staffId);
    const role = row?.role;
    const facts =
      row && (ROLES as readonly string[]).includes(role ?? '')
        ? { role: role as Role, active: row.active !== false }
        : null;
    this.#facts.set(staffId, facts);
    return facts;
  }

  forget(): void {
    this.#facts.clear();
  }
}

/** One use of an approval's nonce. */
export interface NonceUse {
  nonce: string;
  approverStaffId: string;
  mutationId: number;
}

/**
 * Where approvals' nonces are used up. Only an applied mutation uses its approval: a rejected
 * one leaves it, so the desk can retry with the same approval.
 */
export interface ApprovalNonces {
  /** Uses the nonce for this mutation; false when it was used before. */
  use(n: NonceUse): Promise<boolean>;
}

/**
 * Straight into used_approvals, inside the mutation's savepoint (its rollback gives the nonce
 * back).
 */
export function savepointNonces(sql: Sql, ctx: { storeId: string; deviceId: string }) {
  return {
    async use(n: NonceUse): Promise<boolean> {
      const used = await sql.query(
        `insert into used_approvals (store_id, nonce, approver_staff_id, device_id, mutation_id)
         values ($1, $2, $3, $4, $5) on conflict (store_id, nonce) do nothing`,
        [ctx.storeId, n.nonce, n.approverStaffId, ctx.deviceId, n.mutationId],
      );
      return used.rowCount === 1;
    },
  } satisfies ApprovalNonces;
}

/**
 * For a batched push: checked against used_approvals and this push's uses, kept in memory and
 * written with the push (`written()`), a rejected mutation's dropped (`discard()`).
 */
export class BatchedNonces implements ApprovalNonces {
  readonly #accepted: NonceUse[] = [];
  #current: NonceUse[] = [];

  constructor(
    private readonly sql: Sql,
    private readonly storeId: string,
  ) {}

  async use(n: NonceUse): Promise<boolean> {
    if ([...this.#accepted, ...this.#current].some((u) => u.nonce === n.nonce)) return false;
    const seen = await this.sql.query(
      'select 1 from used_approvals where store_id = $1 and nonce = $2',
      [this.storeId, n.nonce],
    );
    if (seen.rows.length > 0) return false;
    this.#current.push(n);
    return true;
  }

  accept(): void {
    this.#accepted.push(...this.#current);
    this.#current = [];
  }

  discard(): void {
    this.#current = [];
  }

  /** Adds the uses of the push's applied mutations to the push's writes. */
  write(batch: WriteBatch, deviceId: string): void {
    if (this.#accepted.length === 0) return;
    batch.add(
      `insert into used_approvals (store_id, nonce, approver_staff_id, device_id, mutation_id)
       select $1, u.nonce, u.approver::uuid, $2, u.mutation_id::bigint
         from unnest($3::text[], $4::text[], $5::text[]) as u(nonce, approver, mutation_id)`,
      [
        this.storeId,
        deviceId,
        this.#accepted.map((u) => u.nonce),
        this.#accepted.map((u) => u.approverStaffId),
        this.#accepted.map((u) => String(u.mutationId)),
      ],
    );
  }
}

function invalidApproval(message: string, details?: unknown): never {
  throw new DomainError('APPROVAL_INVALID', message, details);
}

/**
 * Checks the approval a mutation carries and uses it up; returns the approving manager's staff
 * id. Runs inside the mutation's savepoint: if the mutation is then rejected, the nonce is not
 * used up (the rollback removes it), so the desk can retry with the same approval.
 */
export async function verifyApproval(
  sql: Sql,
  tx: MutatorTx,
  ctx: { storeId: string; deviceId: string; nonces: ApprovalNonces },
  m: Mutation,
  staff: ActingStaffCache,
): Promise<string> {
  const approval = m.approval!;
  const approver = await staff.get(tx, approval.staffId);
  if (!approver || !approver.active || !isManager(approver.role)) {
    invalidApproval('The person who approved this is not an active manager of this store.', {
      approver: approval.staffId,
    });
  }
  const keyRow = await sql.query<{ approval_key: string | null }>(
    'select approval_key from staff_pins where store_id = $1 and staff_id = $2',
    [ctx.storeId, approval.staffId],
  );
  const key = keyRow.rows[0]?.approval_key;
  if (!key) {
    invalidApproval(
      'The approving manager has no approval PIN on the server: they must set their PIN (or enter it once online).',
      { approver: approval.staffId },
    );
  }
  const expected = await approvalMac(fromBase64(key), {
    storeId: ctx.storeId,
    deviceId: ctx.deviceId,
    staffId: approval.staffId,
    nonce: approval.nonce,
    name: m.name,
    args: m.args,
  });
  const a = Buffer.from(expected);
  const b = Buffer.from(approval.mac);
  if (a.length !== b.length || !timingSafeEqual(a, b)) {
    invalidApproval(
      'This approval does not match this change (a wrong PIN, or an approval made for another change).',
      { approver: approval.staffId },
    );
  }
  const fresh = await ctx.nonces.use({
    nonce: approval.nonce,
    approverStaffId: approval.staffId,
    mutationId: m.id,
  });
  if (!fresh) {
    invalidApproval('This approval was already used for another change: ask again.', {
      approver: approval.staffId,
    });
  }
  return approval.staffId;
}

/**
 * The actor of one mutation: the account (ceiling) or the staff member it names, and the verified
 * approval if any. Throws a DomainError (a coded rejection of this mutation) when the named staff
 * member or the approval does not hold.
 */
export async function resolveActor(
  sql: Sql,
  tx: MutatorTx,
  ctx: { storeId: string; deviceId: string; account: Actor; nonces: ApprovalNonces },
  m: Mutation,
  staff: ActingStaffCache,
): Promise<Actor> {
  let actor: Actor = { ...ctx.account, approvedBy: null };
  if (m.actorStaffId) {
    const facts = await staff.get(tx, m.actorStaffId);
    if (!facts || !facts.active) {
      throw new DomainError(
        'ACTING_STAFF_INVALID',
        facts
          ? 'The staff member acting on this device is deactivated.'
          : 'The staff member acting on this device is not staff of this store.',
        { staffId: m.actorStaffId },
      );
    }
    actor = { ...actor, staffId: m.actorStaffId, role: cappedRole(facts.role, ctx.account.role) };
  }
  if (m.approval) actor.approvedBy = await verifyApproval(sql, tx, ctx, m, staff);
  return actor;
}
