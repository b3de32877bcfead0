import { pbkdf2, randomBytes } from 'node:crypto';
import { promisify } from 'node:util';
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

/** Sets (or replaces) a staff member's PIN; clears any lock. */
export async function setStaffPin(
  db: Db,
  access: StoreAccess,
  staffId: string,
  pin: string,
): Promise<void> {
  const pinHash = await hashSecret(pin);
  const verifier = await pinDeviceVerifier(pin);
  await db.transaction(access, async (sql) => {
    const staff = await sql.query(
      'select 1 from staff where store_id = $1 and id = $2 and not deleted',
      [access.storeId, staffId],
    );
    if (staff.rowCount === 0)
      throw new HttpError(404, 'STAFF_NOT_FOUND', 'No such staff member in this store.');
    await sql.query(
      `insert into staff_pins (store_id, staff_id, pin_hash, device_verifier, failed_attempts, locked_until)
       values ($1, $2, $3, $4, 0, null)
       on conflict (store_id, staff_id) do update
         set pin_hash = excluded.pin_hash, device_verifier = excluded.device_verifier,
             failed_attempts = 0, locked_until = null, updated_at = now()`,
      [access.storeId, staffId, pinHash, JSON.stringify(verifier)],
    );
  });
}

/**
 * Checks a PIN on a registered device. After PIN_MAX_FAILURES wrong tries in a row the PIN is
 * locked for PIN_LOCK_MS (a 4-digit PIN has only 10,000 values: guessing must be slow).
 */
export async function verifyStaffPin(
  db: Db,
  clock: Clock,
  access: StoreAccess,
  staffId: string,
  pin: string,
): Promise<{ staffId: string; role: string; displayName: string }> {
  const record = await db.transaction(access, async (sql) => {
    const res = await sql.query<{
      pin_hash: string;
      failed_attempts: number;
      locked_until: string | null;
      role: string;
      display_name: string;
    }>(
      `select p.pin_hash, p.failed_attempts, p.locked_until, s.data->>'role' as role, s.data->>'displayName' as display_name
         from staff_pins p join staff s on s.store_id = p.store_id and s.id = p.staff_id and not s.deleted
        where p.store_id = $1 and p.staff_id = $2`,
      [access.storeId, staffId],
    );
    return res.rows[0];
  });
  if (!record)
    throw new HttpError(
      404,
      'PIN_NOT_SET',
      'This staff member has no PIN yet: a manager can set one.',
    );
  const now = clock.now().getTime();
  const lockedUntil = record.locked_until ? new Date(record.locked_until).getTime() : 0;
  if (lockedUntil > now) {
    const retryAfterSec = Math.ceil((lockedUntil - now) / 1000);
    throw new HttpError(
      423,
      'PIN_LOCKED',
      `Too many wrong PINs: locked for ${Math.ceil(retryAfterSec / 60)} more minutes, or a manager can reset it.`,
      { retryAfterSec },
      { 'retry-after': String(retryAfterSec) },
    );
  }
  const ok = await verifySecret(record.pin_hash, pin);
  await db.transaction(access, async (sql) => {
    if (ok) {
      await sql.query(
        'update staff_pins set failed_attempts = 0, locked_until = null where store_id = $1 and staff_id = $2',
        [access.storeId, staffId],
      );
    } else {
      await sql.query(
        `update staff_pins set failed_attempts = failed_attempts + 1,
                locked_until = case when failed_attempts + 1 >= $3 then $4::timestamptz else locked_until end
          where store_id = $1 and staff_id = $2`,
        [access.storeId, staffId, PIN_MAX_FAILURES, new Date(now + PIN_LOCK_MS).toISOString()],
      );
    }
  });
  if (!ok) {
    const left = PIN_MAX_FAILURES - record.failed_attempts - 1;
    throw new HttpError(
      401,
      'WRONG_PIN',
      left > 0 ? `Wrong PIN: ${left} tries left.` : 'Wrong PIN: it is now locked.',
    );
  }
  return { staffId, role: record.role, displayName: record.display_name };
}

/** The offline PIN verifiers of the store's active staff, for a device registered to it. */
export async function listPinVerifiers(
  db: Db,
  access: StoreAccess,
): Promise<(PinVerifier & { staffId: string })[]> {
  return db.transaction(access, async (sql) => {
    const res = await sql.query<{ staff_id: string; device_verifier: PinVerifier }>(
      `select p.staff_id, p.device_verifier from staff_pins p
         join staff s on s.store_id = p.store_id and s.id = p.staff_id and not s.deleted
        where p.store_id = $1 and p.device_verifier is not null
        order by p.staff_id`,
      [access.storeId],
    );
    return res.rows.map((r) => ({ staffId: r.staff_id, ...r.device_verifier }));
  });
}
