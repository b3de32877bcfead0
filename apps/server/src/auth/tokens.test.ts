import { SignJWT, UnsecuredJWT } from 'jose';
import { describe, expect, it } from 'vitest';
import { createTokenSigner } from './tokens';

const SECRET = 'a-test-secret-that-is-long-enough-for-hs256-012345';
const claims = {
  userId: 'u1',
  organizationId: 'o1',
  email: 'owner@example.com',
  stores: { s1: 'owner' as const },
};
const at = (iso: string) => new Date(iso);
const NOW = at('2026-12-07T10:00:00Z');

describe('access tokens', () => {
  it('verifies its own token, again and again, until it expires', async () => {
    const signer = createTokenSigner(SECRET);
    const token = await signer.sign(claims, 900, NOW);
    expect(await signer.verify(token, NOW)).toEqual(claims);
    expect(await signer.verify(token, at('2026-12-07T10:14:59Z'))).toEqual(claims); // remembered
    expect(await signer.verify(token, at('2026-12-07T10:15:00Z'))).toBeNull(); // exp reached
    // A signer that never saw it (another instance) agrees on both sides of exp.
    const other = createTokenSigner(SECRET);
    expect(await other.verify(token, at('2026-12-07T10:15:00Z'))).toBeNull();
    expect(await other.verify(token, at('2026-12-07T10:14:59Z'))).toEqual(claims);
  });

  it('refuses any other string: a changed payload or signature, another key, no signature', async () => {
    const signer = createTokenSigner(SECRET);
    const token = await signer.sign(claims, 900, NOW);
    expect(await signer.verify(token, NOW)).not.toBeNull(); // remembered from here on
    const [header, payload, signature] = token.split('.') as [string, string, string];
    const owner = Buffer.from(payload, 'base64url').toString().replace('"owner"', '"manager"');
    const flip = (s: string) => s.slice(0, -2) + (s.at(-2) === 'A' ? 'B' : 'A') + s.at(-1);
    for (const forged of [
      `${header}.${Buffer.from(owner).toString('base64url')}.${signature}`,
      `${header}.${payload}.${flip(signature)}`,
      `${header}.${payload}.`,
      `${header}.${payload}`,
      await new SignJWT({ org: 'o1', stores: { s1: 'owner' }, typ: 'access' })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject('u1')
        .setIssuer('mango-pos')
        .setIssuedAt(Math.floor(NOW.getTime() / 1000))
        .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 900)
        .sign(new TextEncoder().encode('another-secret-that-is-long-enough-0123456789')),
      new UnsecuredJWT({ org: 'o1', stores: { s1: 'owner' }, typ: 'access' })
        .setSubject('u1')
        .setIssuer('mango-pos')
        .setExpirationTime(Math.floor(NOW.getTime() / 1000) + 900)
        .encode(),
    ]) {
      expect(await signer.verify(forged, NOW), forged).toBeNull();
    }
  });
});
