import { CompactSign, compactVerify } from 'jose';
import { createHash } from 'node:crypto';
import type { KeyRing } from '../keys/keyRing.js';
import type { EventStore } from '../ledger/eventStore.js';
import { canonicalJson } from '../ledger/hashChain.js';
import { verifyLedgerHeads, type LedgerHeads } from '../ledger/verifyChain.js';

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

function digest(heads: LedgerHeads): string {
  const sorted = [...heads.streams.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([stream, h]) => [stream, { revision: h.revision.toString(), hash: h.hash }]);
  return createHash('sha256').update(canonicalJson({ position: heads.position.toString(), heads: sorted })).digest('hex');
}

/** Signs the head of a ledger that verifies: a checkpoint never vouches for a broken chain. */
export async function createCheckpoint(store: EventStore, keys: KeyRing, now: Date): Promise<SignedCheckpoint> {
  const { verdict, heads } = await verifyLedgerHeads(store);
  if (!verdict.ok || !heads) throw new Error(`the ledger does not verify, so it gets no checkpoint: ${verdict.firstBreak?.problem} at position ${verdict.firstBreak?.position}`);
  const body = { position: heads.position.toString(), streams: heads.streams.size, headsDigest: digest(heads), createdAt: now.toISOString() };
  const signer = keys.signer('native');
  const signature = await new CompactSign(new TextEncoder().encode(canonicalJson(body)))
    .setProtectedHeader({ alg: signer.alg, kid: signer.kid })
    .sign(signer.key);
  return { ...body, signature };
}

/** The position a checkpoint file claims, or undefined when it is not a checkpoint at all. */
export function checkpointPosition(cp: unknown): bigint | undefined {
  const position = (cp as { position?: unknown } | null)?.position;
  return typeof position === 'string' && /^\d{1,20}$/.test(position) ? BigInt(position) : undefined;
}

/**
 * Proves the ledger still extends a checkpoint unchanged: the signature holds, and the stream heads
 * as of the checkpoint's position (taken by `verifyLedgerHeads` with `headsAt`, in the pass that
 * verifies the chain) hash to the same digest, so nothing up to it was altered, removed or reordered.
 */
export async function verifyCheckpoint(keys: KeyRing, cp: SignedCheckpoint, heads: LedgerHeads | undefined): Promise<{ ok: boolean; problem?: string }> {
  const position = checkpointPosition(cp);
  if (position === undefined) return { ok: false, problem: 'not a checkpoint: no position' };
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
  if (!heads) return { ok: false, problem: `the ledger's chain breaks before position ${cp.position}` };
  if (heads.position !== position) return { ok: false, problem: `the ledger no longer reaches position ${cp.position}` };
  if (digest(heads) !== cp.headsDigest) return { ok: false, problem: 'the ledger up to the checkpoint was altered, removed or reordered' };
  return { ok: true };
}
