import { CompactSign, compactVerify } from 'jose';
import { createHash } from 'node:crypto';
import type { KeyRing } from '../keys/keyRing.js';
import type { EventStore } from '../ledger/eventStore.js';
import { canonicalJson } from '../ledger/hashChain.js';
import { readAllPages } from '../ledger/readAllPages.js';

/** The ledger's head: every stream's last hash and the last position, signed with the service key. */
export interface SignedCheckpoint {
  position: string;
  streams: number;
  /** sha256 over the sorted (stream, revision, hash) heads and the position. */
  headsDigest: string;
  createdAt: string;
  /** Compact JWS over the fields above. */
  signature: string;
}

/** Stream heads as of `position` (inclusive), or of the whole ledger. */
async function headsAt(store: EventStore, position?: bigint) {
  const heads = new Map<string, { revision: string; hash: string }>();
  let last = 0n;
  for await (const events of readAllPages(store)) {
    for (const e of events) {
      if (position !== undefined && e.position > position) return { heads, last };
      heads.set(e.stream, { revision: e.revision.toString(), hash: e.hash });
      last = e.position;
    }
  }
  return { heads, last };
}

function digest(heads: Map<string, { revision: string; hash: string }>, position: bigint): string {
  const sorted = [...heads.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return createHash('sha256').update(canonicalJson({ position: position.toString(), heads: sorted })).digest('hex');
}

export async function createCheckpoint(store: EventStore, keys: KeyRing, now: Date): Promise<SignedCheckpoint> {
  const { heads, last } = await headsAt(store);
  const body = { position: last.toString(), streams: heads.size, headsDigest: digest(heads, last), createdAt: now.toISOString() };
  const signer = keys.signer('native');
  const signature = await new CompactSign(new TextEncoder().encode(canonicalJson(body)))
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
    .sign(signer.key);
  return { ...body, signature };
}

/**
 * Proves the ledger still extends a checkpoint unchanged: the signature holds, and the heads as of
 * the checkpoint's position hash to the same digest (so nothing up to it was altered, removed or reordered).
 */
export async function verifyCheckpoint(store: EventStore, keys: KeyRing, cp: SignedCheckpoint): Promise<{ ok: boolean; problem?: string }> {
  try {
    const { kid } = JSON.parse(Buffer.from(cp.signature.split('.')[0]!, 'base64url').toString()) as { kid: string };
    const key = keys.anyPublicKey(kid);
    if (!key) return { ok: false, problem: `unknown signing key ${kid}` };
    const { payload } = await compactVerify(cp.signature, key.key, { algorithms: [key.alg] });
    const signed = JSON.parse(new TextDecoder().decode(payload)) as Omit<SignedCheckpoint, 'signature'>;
    if (signed.headsDigest !== cp.headsDigest || signed.position !== cp.position) return { ok: false, problem: 'checkpoint fields do not match its signature' };
  } catch {
    return { ok: false, problem: 'the checkpoint signature does not verify' };
  }
  const position = BigInt(cp.position);
  const { heads, last } = await headsAt(store, position);
  if (last !== position) return { ok: false, problem: `the ledger no longer reaches position ${cp.position}` };
  if (digest(heads, position) !== cp.headsDigest) return { ok: false, problem: 'the ledger up to the checkpoint was altered, removed or reordered' };
  return { ok: true };
}
