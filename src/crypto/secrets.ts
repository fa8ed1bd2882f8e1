import { createCipheriv, createDecipheriv, createHash, hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';
import { randomView } from './randomPool.js';
import { scryptOnPool, type Derive } from './scryptThreads.js';
import { crc32 } from 'node:zlib';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function sha256Hex(value: string): string {
  return hash('sha256', value, 'hex');
}

/**
 * Whether `secret` hashes to the stored hex SHA-256 `digest`, compared in constant time. One hash
 * of the presented secret: the digests are of fixed length, so nothing needs hashing twice.
 */
export function digestMatches(secret: string, digest: string): boolean {
  const stored = Buffer.from(digest, 'hex');
  return stored.length === 32 && timingSafeEqual(hash('sha256', secret, 'buffer'), stored);
}

/** Constant-time comparison of two strings (lengths may differ). */
export function safeEqual(a: string, b: string): boolean {
  const x = hash('sha256', a, 'buffer');
  const y = hash('sha256', b, 'buffer');
  return timingSafeEqual(x, y) && a.length === b.length;
}

export function randomAlphanumeric(length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) out += BASE62[randomInt(62)];
  return out;
}

function base62(n: number, width: number): string {
  let out = '';
  for (let i = 0; i < width; i++) {
    out = BASE62[n % 62] + out;
    n = Math.floor(n / 62);
  }
  return out;
}

/**
 * A user-facing token: `<prefix>_<32 hex id><32 random base62><6 base62 CRC32>`.
 * The prefix and checksum let secret scanners find leaks without a lookup, as GitHub's `ghp_` does.
 */
export function mintToken(prefix: string, idHex: string): string {
  const body = idHex.replace(/-/g, '') + randomAlphanumeric(32);
  return `${prefix}_${body}${base62(crc32(body), 6)}`;
}

/** Returns the id (uuid form) when `token` is well formed for `prefix` and its checksum holds. */
export function parseToken(prefix: string, token: string): string | undefined {
  const m = new RegExp(`^${prefix}_([0-9a-f]{32})([0-9A-Za-z]{32})([0-9A-Za-z]{6})$`).exec(token);
  if (!m) return undefined;
  if (base62(crc32(m[1]! + m[2]!), 6) !== m[3]) return undefined;
  const h = m[1]!;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

const SCRYPT = { N: 16384, r: 8, p: 1, keylen: 32 };

/** The stored form: `scrypt$N$r$p$salt$hash`. `derive` runs scrypt off the event loop. */
export async function hashPassword(password: string, derive: Derive = scryptOnPool): Promise<string> {
  const salt = randomBytes(16);
  const key = await derive(password, salt, SCRYPT.keylen, { N: SCRYPT.N, r: SCRYPT.r, p: SCRYPT.p });
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64')}$${key.toString('base64')}`;
}

export async function verifyPassword(password: string, stored: string, derive: Derive = scryptOnPool): Promise<boolean> {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const key = await derive(password, Buffer.from(salt, 'base64'), expected.length, { N: Number(n), r: Number(r), p: Number(p) });
  return timingSafeEqual(key, expected);
}

/** AES-256-GCM for secrets that must be shown again. Only the ciphertext goes into events. */
export class SecretBox {
  private readonly key: Buffer;
  constructor(masterKey: Buffer) {
    this.key = createHash('sha256').update('token-ledger/secret-box/v1').update(masterKey).digest();
  }

  seal(plain: string | Buffer): string {
    const iv = randomView(12); // used at once: the cipher copies it, and so does its encoding below
    const cipher = createCipheriv('aes-256-gcm', this.key, iv);
    const ct = Buffer.concat([cipher.update(plain), cipher.final()]);
    return ['v1', iv, cipher.getAuthTag(), ct].map((x) => (typeof x === 'string' ? x : x.toString('base64url'))).join('.');
  }

  openBuffer(sealed: string): Buffer {
    const [v, iv, tag, ct] = sealed.split('.');
    if (v !== 'v1' || !iv || !tag || ct === undefined) throw new Error('Malformed sealed secret');
    const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    return Buffer.concat([decipher.update(Buffer.from(ct, 'base64url')), decipher.final()]);
  }

  open(sealed: string): string {
    return this.openBuffer(sealed).toString('utf8');
  }
}
