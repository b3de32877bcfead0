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

export type PinResult = { ok: true } | { ok: false; message: string };

export async function verifyPin(device: Device, staffId: string, pin: string): Promise<PinResult> {
  const token = loadSession()?.accessToken;
  if (token && navigator.onLine) {
    try {
      await verifyPinRemote(token, device.storeId, staffId, pin, device.deviceId);
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
