/**
 * Slow salted verifiers (PBKDF2-SHA256 via WebCrypto) for the offline unlock and offline PIN
 * switch. Only the verifier is kept on the device, never the password or PIN.
 */
export interface Verifier {
  salt: string; // base64
  iterations: number;
  hash: string; // base64
}

export const PASSWORD_ITERATIONS = 210_000;

export function toBase64(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s);
}

export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64);
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

export async function pbkdf2(
  secret: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array> {
  const key = await crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    'PBKDF2',
    false,
    ['deriveBits'],
  );
  const bits = await crypto.subtle.deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    key,
    256,
  );
  return new Uint8Array(bits);
}

export async function makeVerifier(
  secret: string,
  iterations = PASSWORD_ITERATIONS,
): Promise<Verifier> {
  const salt = crypto.getRandomValues(new Uint8Array(new ArrayBuffer(16)));
  return {
    salt: toBase64(salt),
    iterations,
    hash: toBase64(await pbkdf2(secret, salt, iterations)),
  };
}

/** Constant-time comparison of the derived key with the stored hash. */
export async function checkVerifier(secret: string, v: Verifier): Promise<boolean> {
  const derived = await pbkdf2(secret, fromBase64(v.salt), v.iterations);
  const expected = fromBase64(v.hash);
  if (derived.length !== expected.length) return false;
  let diff = 0;
  for (let i = 0; i < derived.length; i++) diff |= (derived[i] ?? 0) ^ (expected[i] ?? 0);
  return diff === 0;
}
