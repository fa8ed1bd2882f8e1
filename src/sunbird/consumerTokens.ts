import type { KeyObject } from 'node:crypto';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import { signCompact, verifyCompact } from '../credentials/jwt.js';

/** What a presented token claims to be, before any signature check. */
export type ConsumerTokenShape =
  | { version: 'v1'; iss: string; iat: number }
  | { version: 'v2'; kid: string; iss: string; iat: number };

/** v1: header exactly `{"alg":"HS256"}` (no typ), claims `{iss, iat}`, the secret's bytes as the raw HMAC key. */
export function signConsumerTokenV1(key: string, iat: number, secret: string): Promise<string> {
  return signCompact({ alg: 'HS256' }, { iss: key, iat }, { alg: 'HS256', key: secret });
}

/** v2: header `{"alg":"RS256","kid":…}`, claims `{iss, iat}`. */
export function signConsumerTokenV2(key: string, iat: number, kid: string, privateKey: KeyObject): Promise<string> {
  return signCompact({ alg: 'RS256', kid }, { iss: key, iat }, { alg: 'RS256', key: privateKey });
}

/** Reads the header and claims without trusting them; undefined for anything that is not a Sunbird-shaped JWT. */
export function peekConsumerToken(token: string): ConsumerTokenShape | undefined {
  if (!/^[\w-]+\.[\w-]+\.[\w-]+$/.test(token)) return undefined;
  try {
    const header = decodeProtectedHeader(token);
    const claims = decodeJwt(token);
    if (typeof claims.iss !== 'string' || typeof claims.iat !== 'number') return undefined;
    if (header.alg === 'HS256' && header.kid === undefined) return { version: 'v1', iss: claims.iss, iat: claims.iat };
    if (header.alg === 'RS256' && typeof header.kid === 'string') return { version: 'v2', kid: header.kid, iss: claims.iss, iat: claims.iat };
    return undefined;
  } catch {
    return undefined;
  }
}

/** Checks the signature with exactly one algorithm: no `none`, no HS/RS confusion. Consumer tokens have no `exp`. */
export async function verifyConsumerToken(
  token: string,
  verification: { alg: 'HS256'; secret: string } | { alg: 'RS256'; publicKey: KeyObject },
  now: Date,
): Promise<Record<string, unknown> | undefined> {
  const key = verification.alg === 'HS256' ? { alg: 'HS256', key: verification.secret } : { alg: 'RS256', key: verification.publicKey };
  const verified = await verifyCompact(token, () => key, { currentDate: now });
  return verified?.claims as Record<string, unknown> | undefined;
}
