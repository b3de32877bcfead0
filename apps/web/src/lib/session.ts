import { can } from '@mango/domain/permissions';
import {
  ApiError,
  isNetworkError,
  login,
  logoutRemote,
  refreshTokens,
  registerDevice,
  type StoreMembership,
} from './api';
import { checkVerifier, makeVerifier, type Verifier } from './pbkdf2';

/**
 * The device's sign-in state. Persisted (localStorage): the tokens, who signed in, the chosen
 * store, the device id and a slow salted verifier of the password (never the password), so the
 * device can be unlocked offline. Unlocked-ness lives in memory only: every page load asks for
 * the password again.
 */
export interface StoredSession {
  user: { id: string; email: string; organizationId: string };
  stores: StoreMembership[];
  storeId: string;
  accessToken: string | null;
  refreshToken: string | null;
  deviceId: string;
  verifier: Verifier;
  /** The server refused our refresh token: sign in online again. */
  revoked?: boolean;
}

const KEY = 'mango.session';
const deviceKey = (storeId: string) => `mango.device.${storeId}`;
/** The device's short code in the store (ticket numbers), kept with its id: it is the device's. */
const deviceCodeKey = (storeId: string) => `mango.deviceCode.${storeId}`;

/**
 * The code this device puts in front of its ticket numbers ("A" of "A-017"), or null while it
 * does not know it (registered before codes existed and not yet signed in by a manager since).
 */
export function deviceCodeOf(storeId: string): string | null {
  return localStorage.getItem(deviceCodeKey(storeId));
}

export function loadSession(): StoredSession | null {
  try {
    const raw = localStorage.getItem(KEY);
    return raw ? (JSON.parse(raw) as StoredSession) : null;
  } catch {
    return null;
  }
}

function save(s: StoredSession | null): void {
  if (s) localStorage.setItem(KEY, JSON.stringify(s));
  else localStorage.removeItem(KEY);
}

export function currentRole(s: StoredSession): StoreMembership['role'] {
  return s.stores.find((m) => m.id === s.storeId)?.role ?? 'front_desk';
}

export class SignInError extends Error {}

/** Online sign-in; registers the device to the store the first time (manager or owner). */
export async function signIn(
  email: string,
  password: string,
  pickStore?: (stores: StoreMembership[]) => string,
): Promise<StoredSession> {
  let res;
  try {
    res = await login(email.trim(), password);
  } catch (e) {
    if (isNetworkError(e)) {
      const existing = loadSession();
      if (existing && existing.user.email.toLowerCase() === email.trim().toLowerCase()) {
        return unlockOffline(existing, password);
      }
      throw new SignInError(
        'No connection: this device has not been signed in before, so it needs the network once.',
      );
    }
    if (e instanceof ApiError && e.status === 401)
      throw new SignInError('Wrong email or password.');
    throw e;
  }
  const storeId = pickStore?.(res.stores) ?? res.stores[0]?.id;
  const membership = res.stores.find((m) => m.id === storeId);
  if (!storeId || !membership) throw new SignInError('This account has no store.');
  let deviceId = localStorage.getItem(deviceKey(storeId));
  if (!deviceId) {
    if (!can(membership.role, 'devices.manage')) {
      throw new SignInError(
        'A manager or owner must sign in once on this device to register it to the store.',
      );
    }
    deviceId = crypto.randomUUID();
    const registered = await registerDevice(res.accessToken, storeId, deviceId, deviceName());
    localStorage.setItem(deviceKey(storeId), deviceId);
    localStorage.setItem(deviceCodeKey(storeId), registered.shortCode);
  } else if (!deviceCodeOf(storeId) && can(membership.role, 'devices.manage')) {
    // Registered before devices had codes: registering again is idempotent and answers it.
    // Without it the desk still works; its tickets open without a number.
    try {
      const again = await registerDevice(res.accessToken, storeId, deviceId, deviceName());
      localStorage.setItem(deviceCodeKey(storeId), again.shortCode);
    } catch (e) {
      console.warn('Could not learn this device’s ticket number code', e);
    }
  }
  const session: StoredSession = {
    user: res.user,
    stores: res.stores,
    storeId,
    accessToken: res.accessToken,
    refreshToken: res.refreshToken,
    deviceId,
    verifier: await makeVerifier(password),
  };
  save(session);
  return session;
}

/** Unlock with the password against the local verifier (works offline). */
export async function unlockOffline(s: StoredSession, password: string): Promise<StoredSession> {
  if (s.revoked) throw new SignInError('Your access was withdrawn: sign in online again.');
  if (!(await checkVerifier(password, s.verifier))) throw new SignInError('Wrong password.');
  return s;
}

let refreshing: Promise<string | null> | null = null;

/**
 * The access token for sync and API calls. `forceRefresh` (after a 401) trades the refresh token
 * for new tokens. Only a definite 401 for the refresh token means the session is over (revoked,
 * reused, expired): the device locks. A network error, a timeout, a 429 or a 5xx proves nothing
 * (the answer may just have been lost): the desk stays signed in with the tokens it has, and the
 * next try presents the same refresh token again, which the server accepts within its grace
 * (REFRESH_REUSE_GRACE_SEC) if the lost answer had rotated it.
 */
export async function accessToken(
  forceRefresh: boolean,
  onRevoked: () => void,
): Promise<string | null> {
  const s = loadSession();
  if (!s || s.revoked) return null;
  if (!forceRefresh && s.accessToken) return s.accessToken;
  if (!s.refreshToken) return null;
  refreshing ??= (async () => {
    try {
      const t = await refreshTokens(s.refreshToken as string);
      const cur = loadSession();
      if (cur) save({ ...cur, accessToken: t.accessToken, refreshToken: t.refreshToken });
      return t.accessToken;
    } catch (e) {
      if (e instanceof ApiError && e.status === 401) {
        const cur = loadSession();
        if (cur) save({ ...cur, accessToken: null, refreshToken: null, revoked: true });
        onRevoked();
        return null;
      }
      return s.accessToken; // offline or a server error: keep the old one, sync retries later
    } finally {
      refreshing = null;
    }
  })();
  return refreshing;
}

/** Signs out: revokes the refresh token (best effort) and forgets tokens and verifier. */
export async function signOut(): Promise<void> {
  const s = loadSession();
  if (s?.refreshToken) await logoutRemote(s.refreshToken).catch(() => undefined);
  save(null);
}

function deviceName(): string {
  const ua = navigator.userAgent;
  const kind = /iPad|Tablet|Android/.test(ua) ? 'Tablet' : 'Front desk';
  return `${kind} ${new Date().toISOString().slice(0, 10)}`;
}
