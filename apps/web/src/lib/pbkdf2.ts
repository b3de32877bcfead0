/**
 * Slow salted verifiers (PBKDF2-SHA256 via WebCrypto) for the offline unlock and offline PIN
 * switch. Only the verifier is kept on the device, never the password or PIN.
 */
import { fromBase64, pbkdf2Sha256 as pbkdf2 } from '@mango/protocol/web-crypto';

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
