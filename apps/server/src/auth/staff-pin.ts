import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
import { deriveApprovalKey } from '@mango/protocol';
import type { Clock } from '../clock';
import type { Db } from '../db/db';
import { HttpError } from '../http/errors';
import type { StoreAccess } from './authenticate';
import { hashSecret, verifySecret } from './passwords';

export const PIN_MAX_FAILURES = 5;
export const PIN_LOCK_MS = 15 * 60 * 1000;

export const PIN_VERIFIER_ITERATIONS = 210_000;

export interface PinVerifier {
  salt: string;
  iterations: number;
  hash: string;
}

/**
 * The verifier a device checks a PIN against while offline: PBKDF2-SHA256, which browsers have
 * in WebCrypto. Slow, so that trying every PIN on a stolen tablet takes hours, not seconds.
 */
export async function pinDeviceVerifier(pin: string): Promise<PinVerifier> {
  const salt = randomBytes(16);
  const hash = await promisify(pbkdf2)(pin, salt, PIN_VERIFIER_ITERATIONS, 32, 'sha256');
  return {
    salt: salt.toString('base64'),
    iterations: PIN_VERIFIER_ITERATIONS,
    hash: hash.toString('base64'),
  };
}

/**
 * The key a manager's approvals are MACed with (packages/protocol/src/approval.ts): PBKDF2 of the
 * PIN under its own salt, so the offline verifier a device holds (another salt) does not give it.
 * Derived with the same WebCrypto code as the device, so both hash the same bytes.
 */
export async function pinApprovalKey(pin: string): Promise<{ salt: string; key: string }> {
  const salt = randomBytes(16).toString('base64');
  const key = await deriveApprovalKey(pin, salt, PIN_VERIFIER_ITERATIONS);
  return { salt, key: Buffer.from(key).toString('base64') };
}

/**
 * Gives a PIN set before approvals existed (migration 0014) its approval key, from the PIN just
 * verified online. Nothing happens when it has one.
 */
export async function ensureApprovalKey(
  db: Db,
  access: StoreAccess,
  staffId: string,
  pin: string,
): Promise<void> {
  const missing = await db.transaction(access, async (sql) => {
    const res = await sql.query(
      'select 1 from staff_pins where store_id = $1 and staff_id = $2 and approval_key is null',
      [access.storeId, staffId],
    );
    return res.rowCount === 1;
  });
  if (!missing) return;
  const approval = await pinApprovalKey(pin);
  await db.transaction(access, (sql) =>
    sql.query(
      `update staff_pins set approval_salt = $3, approval_key = $4
        where store_id = $1 and staff_id = $2 and approval_key is null`,
      [access.storeId, staffId, approval.salt, approval.key],
    ),
  );
}

/** Sets (or replaces) a staff member's PIN; clears any lock. */
export async function setStaffPin(
  db: Db,
  access: StoreAccess,
  staffId: string,
  pin: string,
): Promise<void> {
  const pinHash = await hashSecret(pin);
  const verifier = await pinDeviceVerifier(pin);
  const approval = await pinApprovalKey(pin);
  await db.transaction(access, async (sql) => {
    const staff = await sql.query(
      'select 1 from staff where store_id = $1 and id = $2 and not deleted',
      [access.storeId, staffId],
    );
    if (staff.rowCount === 0)
      throw new HttpError(404, 'STAFF_NOT_FOUND', 'No such staff member in this store.');
    await sql.query(
      `insert into staff_pins (store_id, staff_id, pin_hash, device_verifier, approval_salt,
                               approval_key, failed_attempts, locked_until)
       values ($1, $2, $3, $4, $5, $6, 0, null)
       on conflict (store_id, staff_id) do update
         set pin_hash = excluded.pin_hash, device_verifier = excluded.device_verifier,
             approval_salt = excluded.approval_salt, approval_key = excluded.approval_key,
             failed_attempts = 0, locked_until = null, updated_at = now()`,
      [access.storeId, staffId, pinHash, JSON.stringify(verifier), approval.salt, approval.key],
    );
  });
}

/**
 * Checks a PIN on a registered device. After PIN_MAX_FAILURES wrong tries in a row the PIN is
 * locked for PIN_LOCK_MS (a 4-digit PIN has only 10,000 values: guessing must be slow).
 *
 * Each try first reserves an attempt with one conditional UPDATE (the row lock orders concurrent
 * tries, on every instance): only a try that got a reservation is evaluated, so 20 guesses sent
 * at once are at most PIN_MAX_FAILURES evaluations, the rest answer 423. The reservation that
 * reaches the limit sets the lock; a right PIN clears both.
 */
export async function verifyStaffPin(
  db: Db,
  clock: Clock,
  access: StoreAccess,
  staffId: string,
  pin: string,
): Promise<{ staffId: string; role: string; displayName: string }> {
  const now = clock.now().getTime();
  const nowIso = new Date(now).toISOString();
  const reserved = await db.transaction(access, async (sql) => {
    const res = await sql.query<{
      pin_hash: string;
      failed_attempts: number;
      role: string;
      display_name: string;
    }>(
      `update staff_pins p
          set failed_attempts = case when p.locked_until is not null and p.locked_until <= $3
                                     then 1 else p.failed_attempts + 1 end,
              locked_until = case when p.locked_until is not null and p.locked_until <= $3 then null
                                  when p.failed_attempts + 1 >= $4 then $5::timestamptz
                                  else p.locked_until end
         from staff s
        where p.store_id = $1 and p.staff_id = $2
          and s.store_id = p.store_id and s.id = p.staff_id and not s.deleted
          and (p.locked_until <= $3 or (p.locked_until is null and p.failed_attempts < $4))
        returning p.pin_hash, p.failed_attempts, s.data->>'role' as role,
                  s.data->>'displayName' as display_name`,
      [
        access.storeId,
        staffId,
        nowIso,
        PIN_MAX_FAILURES,
        new Date(now + PIN_LOCK_MS).toISOString(),
      ],
    );
    if (res.rows[0]) return { reserved: res.rows[0] };
    // No reservation: no PIN, or locked.
    const state = await sql.query<{ locked_until: string | null }>(
      `select p.locked_until from staff_pins p
         join staff s on s.store_id = p.store_id and s.id = p.staff_id and not s.deleted
        where p.store_id = $1 and p.staff_id = $2`,
      [access.storeId, staffId],
    );
    return { reserved: null, exists: state.rowCount > 0, lockedUntil: state.rows[0]?.locked_until };
  });
  if (!reserved.reserved) {
    if (!reserved.exists)
      throw new HttpError(
        404,
        'PIN_NOT_SET',
        'This staff member has no PIN yet: a manager can set one.',
      );
    const lockedUntil = reserved.lockedUntil ? new Date(reserved.lockedUntil).getTime() : now;
    const retryAfterSec = Math.max(1, Math.ceil((lockedUntil - now) / 1000));
    throw new HttpError(
      423,
      'PIN_LOCKED',
      `Too many wrong PINs: locked for ${Math.ceil(retryAfterSec / 60)} more minutes, or a manager can reset it.`,
      { retryAfterSec },
      { 'retry-after': String(retryAfterSec) },
    );
  }
  const record = reserved.reserved;
  const ok = await verifySecret(record.pin_hash, pin);
  if (!ok) {
    // The reservation stays: it was a wrong try.
    const left = PIN_MAX_FAILURES - record.failed_attempts;
    throw new HttpError(
      401,
      'WRONG_PIN',
      left > 0 ? `Wrong PIN: ${left} tries left.` : 'Wrong PIN: it is now locked.',
    );
  }
  await db.transaction(access, (sql) =>
    sql.query(
      'update staff_pins set failed_attempts = 0, locked_until = null where store_id = $1 and staff_id = $2',
      [access.storeId, staffId],
    ),
  );
  return { staffId, role: record.role, displayName: record.display_name };
}

/** The offline PIN verifiers of the store's active staff, for a device registered to it. */
export async function listPinVerifiers(
  db: Db,
  access: StoreAccess,
): Promise<(PinVerifier & { staffId: string; approvalSalt: string | null })[]> {
  return db.transaction(access, async (sql) => {
    const res = await sql.query<{
      staff_id: string;
      device_verifier: PinVerifier;
      approval_salt: string | null;
    }>(
      `select p.staff_id, p.device_verifier, p.approval_salt from staff_pins p
         join staff s on s.store_id = p.store_id and s.id = p.staff_id and not s.deleted
        where p.store_id = $1 and p.device_verifier is not null
        order by p.staff_id`,
      [access.storeId],
    );
    // The approval salt (never the key): with it and the PIN a manager types, the device derives
    // the key that MACs an approval, offline too.
    return res.rows.map((r) => ({
      staffId: r.staff_id,
      ...r.device_verifier,
      approvalSalt: r.approval_salt,
    }));
  });
}
