import { decodeProtectedHeader, jwtVerify, SignJWT, type JWTPayload } from 'jose';
import type { KeyRing } from '../keys/keyRing.js';

export async function signJwt(ring: KeyRing, group: string, claims: JWTPayload, pick = 0): Promise<{ token: string; kid: string }> {
  const signer = ring.signer(group, pick);
  const token = await new SignJWT(claims).setProtectedHeader({ alg: signer.alg, kid: signer.kid, typ: 'JWT' }).sign(signer.key);
  return { token, kid: signer.kid };
}

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/**
 * Verifies a JWT signed by one of our keys. Only the algorithm recorded for that key is accepted:
 * no `none`, no HS/RS confusion. Returns undefined for anything that does not verify.
 */
export async function verifyJwt(
  ring: KeyRing,
  token: string,
  options: { issuer?: string; now: Date; requireExp?: boolean },
): Promise<(JWTPayload & { kid: string }) | undefined> {
  try {
    const header = decodeProtectedHeader(token);
    if (!header.kid) return undefined;
    const key = ring.verifier(header.kid);
    if (!key || header.alg !== key.alg) return undefined;
    const { payload } = await jwtVerify(token, key.key, {
      algorithms: [key.alg],
      issuer: options.issuer,
      currentDate: options.now,
      requiredClaims: options.requireExp === false ? [] : ['exp'],
    });
    return { ...payload, kid: header.kid };
  } catch {
    return undefined;
  }
}
