import {
  ApiError,
  fetchPinVerifiers,
  isNetworkError,
  verifyPinRemote,
  type PinVerifierRow,
} from './api';
import type { Device } from './device';
import { checkVerifier } from './pbkdf2';
import { loadSession } from './session';

/** Staff PIN checks: online through the server (lockout after 5 tries), offline with the
 * PBKDF2 verifiers the server handed this registered device. */
const key = (storeId: string) => `mango.pinVerifiers.${storeId}`;

export async function refreshPinVerifiers(device: Device): Promise<void> {
  const token = loadSession()?.accessToken;
  if (!token) return;
  try {
    const res = await fetchPinVerifiers(token, device.storeId, device.deviceId);
    localStorage.setItem(key(device.storeId), JSON.stringify(res.verifiers));
  } catch {
    // offline or route missing: keep what we have
  }
}

function cached(storeId: string): PinVerifierRow[] {
  try {
    return JSON.parse(localStorage.getItem(key(storeId)) ?? '[]') as PinVerifierRow[];
  } catch {
    return [];
  }
}

/** Staff ids with a PIN that this device knows of (from the last verifier list it got). */
export function staffIdsWithPin(storeId: string): Set<string> {
  return new Set(cached(storeId).map((v) => v.staffId));
}

/**
 * What a manager's approval on this device needs besides their PIN (`approveWithPin`): the salt
 * and iterations of their approval key, or null when the server has none for their PIN yet.
 */
export function approvalKeyParams(
  storeId: string,
  staffId: string,
): { approvalSalt: string; iterations: number } | null {
  const v = cached(storeId).find((x) => x.staffId === staffId);
  return v?.approvalSalt ? { approvalSalt: v.approvalSalt, iterations: v.iterations } : null;
}

export type PinResult = { ok: true } | { ok: false; message: string };

export async function verifyPin(device: Device, staffId: string, pin: string): Promise<PinResult> {
  const token = loadSession()?.accessToken;
  if (token && navigator.onLine) {
    try {
      await verifyPinRemote(token, device.storeId, staffId, pin, device.deviceId);
      // An online check gives an older PIN its approval key on the server: fetch its salt.
      if (!approvalKeyParams(device.storeId, staffId)) await refreshPinVerifiers(device);
      return { ok: true };
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && e.code !== 'UNAUTHORIZED')
        return { ok: false, message: 'Wrong PIN.' };
      if (e instanceof ApiError && e.status === 423)
        return { ok: false, message: 'Too many wrong PINs: try again in 15 minutes.' };
      if (!isNetworkError(e) && !(e instanceof ApiError && e.status >= 500)) {
        return { ok: false, message: e instanceof Error ? e.message : String(e) };
      }
    }
  }
  const v = cached(device.storeId).find((x) => x.staffId === staffId);
  if (!v) return { ok: false, message: 'No PIN is set for this person on this device (offline).' };
  return (await checkVerifier(pin, v)) ? { ok: true } : { ok: false, message: 'Wrong PIN.' };
}
