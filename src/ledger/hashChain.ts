import { hash } from 'node:crypto';

/**
 * JSON with sorted object keys, so that a hash does not depend on key order. A key-sorted copy
 * through the native JSON.stringify: a one-pass writer in JavaScript measured twice as slow
 * (10 µs against 5.5 µs for an issue event).
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value));
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const key of Object.keys(value).sort()) {
      const v = sortKeys((value as Record<string, unknown>)[key]);
      // An own `__proto__` key (JSON.parse makes them) is data: assigning it would set the copy's
      // prototype instead, and leave that field outside the hash.
      if (key === '__proto__') Object.defineProperty(out, key, { value: v, enumerable: true, writable: true, configurable: true });
      else out[key] = v;
    }
    return out;
  }
  return value;
}

export interface HashedFields {
  id: string;
  stream: string;
  revision: bigint;
  type: string;
  data: unknown;
  metadata: unknown;
  recordedAt: Date;
}

/** Each event commits to the previous event of its stream: altering, removing or reordering breaks the chain. */
export function eventHash(prevHash: string, e: HashedFields): string {
  return chainHash(prevHash, e.id, e.stream, e.revision, e.type, canonicalJson(e.data), canonicalJson(e.metadata), e.recordedAt.toISOString());
}

/**
 * The hash of an event whose data and metadata are already canonical JSON (`canonicalJson`): the
 * SHA-256 of the canonical JSON array `[prevHash, id, stream, revision, type, data, metadata,
 * recordedAt]`, written out here, so that a writer which stores the canonical JSON serialises each
 * event once. `eventHash` is this over the fields' own canonical JSON.
 */
export function chainHash(prevHash: string, id: string, stream: string, revision: bigint, type: string, dataJson: string | undefined, metadataJson: string | undefined, recordedAt: string): string {
  const text = `[${JSON.stringify(prevHash)},${JSON.stringify(id)},${JSON.stringify(stream)},"${revision}",${JSON.stringify(type)},${dataJson ?? 'null'},${metadataJson ?? 'null'},${JSON.stringify(recordedAt)}]`;
  return hash('sha256', text, 'hex');
}
