import { createHash } from 'node:crypto';

/**
 * JSON with sorted object keys, so that a hash does not depend on key order. Written in one pass
 * (it runs for every event appended), byte for byte what `JSON.stringify` gives for a copy of the
 * value with its keys inserted in sorted order: integer-like keys first, in numeric order, as
 * JavaScript enumerates them; `undefined` dropped from objects and `null` in arrays; Dates as ISO
 * strings. An own `__proto__` key (JSON.parse makes them) is hashed like any other: the copy the
 * first version hashed lost it, leaving that field outside the chain. test/unit/hashChain.property.unit.spec.ts
 * holds it to that definition.
 */
export function canonicalJson(value: unknown): string {
  return write(value) as string;
}

const ARRAY_INDEX = /^(?:0|[1-9]\d{0,9})$/;
const isIndex = (k: string) => ARRAY_INDEX.test(k) && Number(k) < 4294967295;

function keyOrder(a: string, b: string): number {
  const ai = isIndex(a);
  const bi = isIndex(b);
  if (ai && bi) return Number(a) - Number(b);
  if (ai !== bi) return ai ? -1 : 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

function write(value: unknown): string | undefined {
  switch (typeof value) {
    case 'string':
    case 'number':
    case 'boolean':
      return JSON.stringify(value);
    case 'bigint':
      throw new TypeError('Do not know how to serialize a BigInt');
    case 'object': {
      if (value === null) return 'null';
      if (value instanceof Date) return JSON.stringify(value);
      if (Array.isArray(value)) return `[${value.map((v) => write(v) ?? 'null').join(',')}]`;
      const record = value as Record<string, unknown>;
      let out = '';
      for (const key of Object.keys(record).sort(keyOrder)) {
        const v = write(record[key]);
        if (v !== undefined) out += `${out ? ',' : ''}${JSON.stringify(key)}:${v}`;
      }
      return `{${out}}`;
    }
    default:
      return undefined; // undefined, functions and symbols, as JSON.stringify drops them
  }
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
  return createHash('sha256')
    .update(
      canonicalJson([prevHash, e.id, e.stream, e.revision.toString(), e.type, e.data, e.metadata, e.recordedAt.toISOString()]),
    )
    .digest('hex');
}
