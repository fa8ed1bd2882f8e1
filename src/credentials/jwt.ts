import { decodeProtectedHeader, UnsecuredJWT, type JWTClaimVerificationOptions, type JWTPayload, type ProtectedHeaderParameters } from 'jose';
import { createHmac, timingSafeEqual, type KeyObject } from 'node:crypto';
import { PUBLIC_KEY_SIGNING, signatureVerifies, SigningThread } from './signing.js';
import type { KeyRing } from '../keys/keyRing.js';
import { setBounded } from '../boundedMap.js';

type SigningKey = { alg: string; key: KeyObject | Uint8Array | string };

const signingThread = new SigningThread();

/** The HS256 signature of `input`, as bytes. */
const hs256 = (key: SigningKey['key'], input: string) => createHmac('sha256', key).update(input).digest();

/**
 * A JWS compact serialisation signed with node:crypto directly: node's sign is about 4x cheaper
 * than the WebCrypto path jose takes (45 µs against 180-220 µs for ES256, measured on the benchmark
 * machine), and for HS256 it spares WebCrypto's key import on every token (a quarter of a Sunbird v1
 * registration's CPU before). Every token signed here is verified with jose in the tests.
 *
 * HMAC is signed in line (about 2 µs). The public-key algorithms are signed in the signing thread
 * (SigningThread), so the event loop serves other requests while tokens are being signed.
 */
export function signCompact(header: Record<string, unknown>, claims: object, key: SigningKey): Promise<string> {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  if (key.alg === 'HS256') return Promise.resolve(`${input}.${hs256(key.key, input).toString('base64url')}`);
  if (!PUBLIC_KEY_SIGNING.has(key.alg)) return Promise.reject(new Error(`Unsupported signing algorithm ${key.alg}`));
  return signingThread.sign(key.alg, key.key as KeyObject, input);
}

/**
 * Starts signing with the ring's current key of `group`: the key's id at once, the token when it is
 * signed. A caller can record the issue while the signing thread signs. A rejection that nobody
 * awaits (the caller failed first) is not left unhandled.
 */
export function signJwt(ring: KeyRing, group: string, claims: JWTPayload, pick = 0): { kid: string; token: Promise<string> } {
  const signer = ring.signer(group, pick);
  const token = signCompact({ alg: signer.alg, kid: signer.kid, typ: 'JWT' }, claims, signer);
  token.catch(() => undefined);
  return { kid: signer.kid, token };
}

export function looksLikeJwt(token: string): boolean {
  return /^[\w-]+\.[\w-]+\.[\w-]+$/.test(token);
}

/** The protected header of an unsecured JWT, under which jose checks a payload's claims. */
const UNSECURED_HEADER = Buffer.from('{"alg":"none"}').toString('base64url');

/** Verifies a JWT signed by one of our keys, the one its kid names (see verifyCompact). */
export async function verifyJwt(
  ring: KeyRing,
  token: string,
  options: { issuer?: string; now: Date; requireExp?: boolean },
): Promise<(JWTPayload & { kid: string }) | undefined> {
  const verified = await verifyCompact(token, (header) => (header.kid ? ring.verifier(header.kid) : undefined), {
    issuer: options.issuer,
    currentDate: options.now,
    requiredClaims: options.requireExp === false ? [] : ['exp'],
  });
  if (!verified) return undefined;
  return Object.assign(verified.claims, { kid: verified.header.kid! }); // not a spread: see toMessages in bus/relay.ts
}

/**
 * Verifies a JWS compact token under the key `keyFor` picks from its header. Only that key's
 * algorithm is accepted: no `none`, no HS/RS confusion. Undefined for anything that does not verify.
 *
 * HMAC is checked in line (about 2 µs), and so is RSA (see PUBLIC_KEY_SIGNING). ES256 and EdDSA
 * signatures are checked by node's `verify` in the signing thread: jose's `jwtVerify` takes
 * WebCrypto's path, 240-330 µs of CPU for ES256 against ~100 µs (micro-benchmark on the benchmark
 * VM), paid by every token the first time it is presented (each revocation, each new bearer). The
 * claims are then checked by jose, as `jwtVerify` checks them (`UnsecuredJWT.decode` runs the same
 * claims-set validation: exp, nbf, iat, iss, required claims). Only a canonical base64url signature
 * is accepted, so that one signature has one spelling; a `crit` header, which jose would refuse
 * unless it knew the extension, is refused (we never issue one).
 */
export async function verifyCompact(
  token: string,
  keyFor: (header: ProtectedHeaderParameters) => SigningKey | undefined,
  claimsOptions: JWTClaimVerificationOptions,
): Promise<{ header: ProtectedHeaderParameters; claims: JWTPayload } | undefined> {
  try {
    const [protectedHeader, payload, signature, more] = token.split('.');
    if (more !== undefined || !payload || !signature) return undefined;
    const signatureBytes = Buffer.from(signature, 'base64url');
    if (signatureBytes.toString('base64url') !== signature) return undefined;
    const header = decodeProtectedHeader(token);
    const key = header.crit === undefined ? keyFor(header) : undefined;
    if (!key || header.alg !== key.alg) return undefined;
    const input = `${protectedHeader}.${payload}`;
    if (!(await signatureValid(key, input, signature, signatureBytes))) return undefined;
    const claims = UnsecuredJWT.decode(`${UNSECURED_HEADER}.${payload}.`, claimsOptions).payload;
    return { header, claims };
  } catch {
    return undefined;
  }
}

/** `signature` is the base64url segment (what the signing thread is sent), `bytes` its decoding. */
function signatureValid(key: SigningKey, input: string, signature: string, bytes: Buffer): Promise<boolean> {
  if (key.alg === 'HS256') {
    const expected = hs256(key.key, input);
    return Promise.resolve(expected.length === bytes.length && timingSafeEqual(expected, bytes));
  }
  const how = PUBLIC_KEY_SIGNING.get(key.alg);
  if (!how) return Promise.resolve(false);
  if (how.verifyInLine) return Promise.resolve(signatureVerifies(key.alg, key.key as KeyObject, input, bytes));
  return signingThread.verify(key.alg, key.key as KeyObject, input, signature);
}

type VerifiedClaims = JWTPayload & { kid: string };

/** What follows a token's last dot: a JWS's signature segment. */
const signatureOf = (token: string) => token.slice(token.lastIndexOf('.') + 1);

/**
 * Remembers tokens whose signature has been verified, so that a token presented again (a resource
 * server introspecting the same bearer, a client calling repeatedly) skips the signature check.
 * A hit is re-checked against everything that can change: expiry, issuer, and that its key is still
 * published. Revocation is never cached: callers check the credential's status on every use.
 */
export class VerifiedJwtCache {
  /**
   * Keyed by the token's signature segment, a quarter of its length: a lookup hashes the fresh
   * string it is given (~0.8 µs for a 370-character token, ~0.2 µs for its 86-character ES256
   * signature). A hit is the same token only if the whole token is equal.
   */
  private readonly entries = new Map<string, { token: string; claims: VerifiedClaims }>();

  constructor(
    private readonly ring: KeyRing,
    private readonly maxEntries = 50_000,
  ) {}

  private cached(token: string): VerifiedClaims | undefined {
    const entry = this.entries.get(signatureOf(token));
    return entry?.token === token ? entry.claims : undefined;
  }

  /** `looksLikeJwt`, answered for a token verified before by a lookup instead of a regexp over the whole token. */
  looksLikeJwt(token: string): boolean {
    return this.cached(token) !== undefined || looksLikeJwt(token);
  }

  async verify(token: string, options: { issuer?: string; now: Date; requireExp?: boolean }): Promise<VerifiedClaims | undefined> {
    const hit = this.cached(token);
    if (hit) {
      const nowSeconds = options.now.getTime() / 1000;
      const stillValid =
        this.ring.verifier(hit.kid) !== undefined &&
        (options.issuer === undefined || hit.iss === options.issuer) &&
        (hit.exp === undefined ? options.requireExp === false : hit.exp > nowSeconds);
      return stillValid ? hit : undefined;
    }
    const claims = await verifyJwt(this.ring, token, options);
    if (claims && claims.exp !== undefined) {
      setBounded(this.entries, signatureOf(token), { token, claims }, this.maxEntries);
    }
    return claims;
  }
}
