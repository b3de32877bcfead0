import { z } from 'zod';
import { fromBase64, pbkdf2Sha256, subtle, toBase64Url, webCrypto } from './web-crypto';

export { fromBase64, pbkdf2Sha256, toBase64Url } from './web-crypto';

/**
 * A manager's approval of one mutation, made at the desk with their PIN and checked by the
 * server (docs/SECURITY.md, "Approvals"). The device derives the manager's approval key from the
 * PIN just typed, K = PBKDF2-SHA256(pin, approvalSalt, iterations), and sends
 * mac = HMAC-SHA256(K, approvalMessage(...)). The server keeps K and recomputes the MAC; it also
 * refuses a nonce it has seen, so an approval is good for exactly one mutation.
 *
 * WebCrypto only (`globalThis.crypto.subtle`): the same code runs in the browser, in the sync
 * worker's tests under Node and on the server, so both sides hash the very same bytes.
 */
export const approvalSchema = z.strictObject({
  /** The approving manager's staff id. */
  staffId: z.uuid(),
  /** 16 random bytes, base64url: makes each approval single-use. */
  nonce: z.string().regex(/^[A-Za-z0-9_-]{22}$/, 'a 16-byte base64url nonce'),
  /** HMAC-SHA256, base64url (43 characters). */
  mac: z.string().regex(/^[A-Za-z0-9_-]{43}$/, 'a base64url HMAC-SHA256'),
});
export type Approval = z.infer<typeof approvalSchema>;

/** What an approval covers: this store, device, approver, nonce, mutation name and arguments. */
export interface ApprovalSubject {
  storeId: string;
  deviceId: string;
  staffId: string;
  nonce: string;
  name: string;
  args: unknown;
}

/**
 * JSON with object keys sorted at every level, so the device and the server serialise the same
 * arguments to the same bytes whatever order a JSON parser kept.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The bytes the MAC is computed over. Versioned, so a later format cannot be confused with it. */
export function approvalMessage(s: ApprovalSubject): string {
  return [
    'mango-approval-v1',
    s.storeId,
    s.deviceId,
    s.staffId,
    s.nonce,
    s.name,
    canonicalJson(s.args),
  ].join('\n');
}

/** K = PBKDF2-SHA256(pin, salt, iterations), 32 bytes. `salt` is base64. */
export function deriveApprovalKey(
  pin: string,
  saltBase64: string,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  return pbkdf2Sha256(pin, fromBase64(saltBase64), iterations);
}

/** HMAC-SHA256(key, approvalMessage(subject)), base64url. */
export async function approvalMac(
  key: Uint8Array<ArrayBuffer>,
  subject: ApprovalSubject,
): Promise<string> {
  const hmacKey = await subtle().importKey('raw', key, { name: 'HMAC', hash: 'SHA-256' }, false, [
    'sign',
  ]);
  const mac = await subtle().sign(
    'HMAC',
    hmacKey,
    new TextEncoder().encode(approvalMessage(subject)),
  );
  return toBase64Url(new Uint8Array(mac));
}

export function newApprovalNonce(): string {
  return toBase64Url(webCrypto().getRandomValues(new Uint8Array(16)));
}

/** What a device needs to approve with a manager's PIN (served with the offline PIN verifiers). */
export interface ApprovalKeyParams {
  approvalSalt: string;
  iterations: number;
}

/** Makes the approval of one mutation from the manager's PIN, on the device. */
export async function approveWithPin(
  pin: string,
  params: ApprovalKeyParams,
  subject: Omit<ApprovalSubject, 'nonce'>,
): Promise<Approval> {
  const key = await deriveApprovalKey(pin, params.approvalSalt, params.iterations);
  const nonce = newApprovalNonce();
  return { staffId: subject.staffId, nonce, mac: await approvalMac(key, { ...subject, nonce }) };
}
