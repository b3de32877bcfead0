/**
 * WebCrypto helpers shared by the device's offline verifiers and the manager approvals. Kept free
 * of zod: the sign-in page imports it, and the schemas cost its first screen tens of ms to build.
 */
type WebCrypto = typeof globalThis.crypto;

export function webCrypto(): WebCrypto {
  const c = (globalThis as { crypto?: WebCrypto }).crypto;
  if (!c?.subtle) throw new Error('WebCrypto is not available here.');
  return c;
}

export function subtle(): WebCrypto['subtle'] {
  return webCrypto().subtle;
}

export function toBase64Url(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += String.fromCharCode(b);
  return btoa(s).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

export function fromBase64(b64: string): Uint8Array<ArrayBuffer> {
  const s = atob(b64.replace(/-/g, '+').replace(/_/g, '/'));
  const out = new Uint8Array(new ArrayBuffer(s.length));
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i);
  return out;
}

/**
 * PBKDF2-SHA256, 32 bytes, with WebCrypto: the one derivation of the device's offline PIN and
 * password verifiers and of the approval key.
 */
export async function pbkdf2Sha256(
  secret: string,
  salt: Uint8Array<ArrayBuffer>,
  iterations: number,
): Promise<Uint8Array<ArrayBuffer>> {
  const base = await subtle().importKey('raw', new TextEncoder().encode(secret), 'PBKDF2', false, [
    'deriveBits',
  ]);
  const bits = await subtle().deriveBits(
    { name: 'PBKDF2', hash: 'SHA-256', salt, iterations },
    base,
    256,
  );
  return new Uint8Array(bits);
}
