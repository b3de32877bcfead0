/** Thin fetch helpers for the REST routes the UI calls directly (sync goes through the engine). */

export interface StoreMembership {
  id: string;
  name: string;
  role: 'owner' | 'manager' | 'front_desk' | 'technician';
}

export interface SessionResponse {
  accessToken: string;
  refreshToken: string;
  user: { id: string; email: string; organizationId: string };
  stores: StoreMembership[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    /** The whole error body, for answers that carry more than the error (a 409's fresh times). */
    readonly body: unknown = null,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

/** True when the request never got an HTTP answer (offline, DNS, connection refused). */
export function isNetworkError(e: unknown): boolean {
  return e instanceof TypeError || (e instanceof ApiError && e.status === 0);
}

/**
 * The staff member switched in on this desk (by PIN), sent as `x-mango-acting-staff` with every
 * authenticated call: the server then acts with that person's role capped by the signed-in
 * account's (docs/SECURITY.md). DeviceRoot sets it on switch-in and clears it on lock.
 */
let actingStaffId: string | null = null;
export function setActingStaffForRequests(staffId: string | null): void {
  actingStaffId = staffId;
}

export async function api<T>(
  path: string,
  opts: {
    method?: string;
    body?: unknown;
    token?: string | null;
    headers?: Record<string, string>;
  } = {},
): Promise<T> {
  const headers: Record<string, string> = { ...opts.headers };
  if (opts.body !== undefined) headers['content-type'] = 'application/json';
  if (opts.token) headers['authorization'] = `Bearer ${opts.token}`;
  if (opts.token && actingStaffId) headers['x-mango-acting-staff'] = actingStaffId;
  const init: RequestInit = {
    method: opts.method ?? (opts.body === undefined ? 'GET' : 'POST'),
    headers,
  };
  if (opts.body !== undefined) init.body = JSON.stringify(opts.body);
  const res = await fetch(path, init);
  if (res.status === 204) return undefined as T;
  const text = await res.text();
  let json: unknown;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) {
    const err = (json as { error?: { code?: string; message?: string } } | null)?.error;
    throw new ApiError(
      res.status,
      err?.code ?? `HTTP_${res.status}`,
      err?.message ?? `The server answered ${res.status}.`,
      json,
    );
  }
  return json as T;
}

export const login = (email: string, password: string) =>
  api<SessionResponse>('/api/v1/auth/login', { body: { email, password } });

export const refreshTokens = (refreshToken: string) =>
  api<{ accessToken: string; refreshToken: string }>('/api/v1/auth/refresh', {
    body: { refreshToken },
  });

export const logoutRemote = (refreshToken: string) =>
  api<void>('/api/v1/auth/logout', { body: { refreshToken } });

export const registerDevice = (token: string, storeId: string, deviceId: string, name: string) =>
  api<{ deviceId: string; shortCode: string }>(`/api/v1/stores/${storeId}/devices`, {
    token,
    body: { deviceId, name },
  });

export interface PinVerifierRow {
  staffId: string;
  salt: string;
  iterations: number;
  hash: string;
  /**
   * Salt of the PIN's approval key (PBKDF2 with `iterations`): a manager's approval is a MAC by
   * it. Null for a PIN set before approvals existed, until it is verified online or set again.
   */
  approvalSalt?: string | null;
}

export const fetchPinVerifiers = (token: string, storeId: string, deviceId: string) =>
  api<{ verifiers: PinVerifierRow[] }>(
    `/api/v1/stores/${storeId}/staff/pin-verifiers?deviceId=${encodeURIComponent(deviceId)}`,
    { token },
  );

export const verifyPinRemote = (
  token: string,
  storeId: string,
  staffId: string,
  pin: string,
  deviceId: string,
) =>
  api<{ staffId: string; role: string; displayName: string }>(
    `/api/v1/stores/${storeId}/staff/${staffId}/pin/verify`,
    { token, body: { pin, deviceId } },
  );

export const setPinRemote = (token: string, storeId: string, staffId: string, pin: string) =>
  api<void>(`/api/v1/stores/${storeId}/staff/${staffId}/pin`, {
    token,
    method: 'PUT',
    body: { pin },
  });

export interface ReportedError {
  id: string;
  kind: string;
  message: string;
  stack: string | null;
  release: string | null;
  deviceId: string | null;
  url: string | null;
  createdAt: string;
}

export const fetchErrors = (token: string, storeId: string, limit = 100) =>
  api<{ items: ReportedError[] }>(`/api/v1/stores/${storeId}/errors?limit=${limit}`, { token });

export interface RegisteredDevice {
  id: string;
  name: string;
  /** Its code in front of its ticket numbers ("B" of "B-017"). */
  shortCode: string;
  registeredAt: string;
  lastSeenAt: string | null;
  lastMutationId: number;
  lastPulledVersion: number;
  revokedAt: string | null;
}

export const fetchDevices = (token: string, storeId: string) =>
  api<{ items: RegisteredDevice[] }>(`/api/v1/stores/${storeId}/devices`, { token });

export const revokeDevice = (token: string, storeId: string, deviceId: string) =>
  api<{ id: string; revokedAt: string }>(
    `/api/v1/stores/${storeId}/devices/${encodeURIComponent(deviceId)}`,
    { token, method: 'DELETE' },
  );

/** A sign-in of the store, as the Team screen lists it (GET …/users). */
export interface StoreUserRow {
  userId: string;
  email: string;
  displayName: string | null;
  role: StoreMembership['role'];
  active: boolean;
}

export const listStoreUsers = (token: string, storeId: string) =>
  api<{ users: StoreUserRow[] }>(`/api/v1/stores/${storeId}/users`, { token });

export const createStoreUser = (
  token: string,
  storeId: string,
  body: { email: string; password: string; role: StoreMembership['role']; displayName?: string },
) => api<{ userId: string; role: string }>(`/api/v1/stores/${storeId}/users`, { token, body });

export const updateStoreUser = (
  token: string,
  storeId: string,
  userId: string,
  body: { role?: StoreMembership['role']; active?: boolean },
) =>
  api<StoreUserRow>(`/api/v1/stores/${storeId}/users/${userId}`, {
    token,
    method: 'PATCH',
    body,
  });

export const removeStoreUser = (token: string, storeId: string, userId: string) =>
  api<void>(`/api/v1/stores/${storeId}/users/${userId}`, { token, method: 'DELETE' });
