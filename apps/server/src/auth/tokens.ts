import { createHash, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errors as joseErrors, jwtVerify, SignJWT } from 'jose';
import { ROLES, type Role } from '@mango/domain/entities';

export interface AccessClaims {
  userId: string;
  organizationId: string;
  email: string;
  /** storeId → role. */
  stores: Record<string, Role>;
}

export interface TokenSigner {
  sign(claims: AccessClaims, ttlSec: number, now: Date): Promise<string>;
  /** Returns the claims, or null when the token is invalid or expired. */
  verify(token: string, now: Date): Promise<AccessClaims | null>;
}

const ISSUER = 'mango-pos';
/** Verified tokens remembered per signer (beyond it the memory is cleared: ~10 MB at most). */
const MAX_VERIFIED = 20_000;

export function createTokenSigner(secret: string): TokenSigner {
  // Imported once: given raw bytes, jose imports a WebCrypto key on every sign and verify,
  // which was most of the CPU of a quiet pull (answered without the database).
  const key = crypto.subtle.importKey(
    'raw',
    new TextEncoder().encode(secret),
    { name: 'HMAC', hash: 'SHA-256' },
    false,
    ['sign', 'verify'],
  );
  /**
   * Tokens this signer verified, until they expire: a device sends the same access token with
   * every request for its lifetime, and checking its signature was most of the CPU of a quiet
   * pull. Only the exact string that passed is remembered; any other string is verified.
   */
  const verified = new Map<string, { claims: AccessClaims; expSec: number }>();
  return {
    async sign(claims, ttlSec, now) {
      const iat = Math.floor(now.getTime() / 1000);
      return new SignJWT({
        org: claims.organizationId,
        email: claims.email,
        stores: claims.stores,
        typ: 'access',
      })
        .setProtectedHeader({ alg: 'HS256' })
        .setSubject(claims.userId)
        .setIssuer(ISSUER)
        .setIssuedAt(iat)
        .setExpirationTime(iat + ttlSec)
        .sign(await key);
    },
    async verify(token, now) {
      const nowSec = Math.floor(now.getTime() / 1000);
      const known = verified.get(token);
      // jose's rule: valid while exp > now.
      if (known) return known.expSec > nowSec ? known.claims : null;
      try {
        const { payload } = await jwtVerify(token, await key, {
          issuer: ISSUER,
          algorithms: ['HS256'],
          currentDate: now,
        });
        if (
          payload.typ !== 'access' ||
          typeof payload.sub !== 'string' ||
          typeof payload.org !== 'string'
        )
          return null;
        const stores: Record<string, Role> = {};
        for (const [id, role] of Object.entries(
          (payload.stores ?? {}) as Record<string, unknown>,
        )) {
          if ((ROLES as readonly unknown[]).includes(role)) stores[id] = role as Role;
        }
        const claims: AccessClaims = Object.freeze({
          userId: payload.sub,
          organizationId: payload.org,
          email: String(payload.email ?? ''),
          stores: Object.freeze(stores),
        });
        if (typeof payload.exp === 'number') {
          if (verified.size >= MAX_VERIFIED) verified.clear();
          verified.set(token, { claims, expSec: payload.exp });
        }
        return claims;
      } catch (e) {
        if (e instanceof joseErrors.JOSEError) return null;
        throw e;
      }
    },
  };
}

/** The signing key: configured, or generated once and kept under the data dir (embedded default). */
export function resolveJwtSecret(configured: string | undefined, dataDir: string): string {
  if (configured) return configured;
  const file = path.join(dataDir, 'jwt-secret');
  if (existsSync(file)) return readFileSync(file, 'utf8').trim();
  mkdirSync(dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, secret, { mode: 0o600 });
  return secret;
}

/** Refresh tokens are opaque random strings; only their SHA-256 is stored. */
export function newOpaqueToken(): string {
  return randomBytes(32).toString('base64url');
}

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
