import type { LifecycleMessage } from './lifecycleBus.js';

/** The value the relay publishes on the revocations topic for each revoked credential. */
export interface RevocationRecord {
  jti: string;
  revokedAt: string;
  /** ISO time after which the token is invalid anyway; null when it never expires. */
  expiresAt: string | null;
  reason: string | null;
}

/** A stream of revocations: `deliver` for each record (and `forget` for a tombstone), `ready` once caught up. */
export interface RevocationFeed {
  start(deliver: (record: RevocationRecord) => void, forget: (key: string) => void): { ready: Promise<void>; close(): Promise<void> };
}

/** The record in a revocations-topic message, or undefined when it is not one. */
export function revocationRecordOf(message: Pick<LifecycleMessage, 'data'>): RevocationRecord | undefined {
  const d = message.data as Partial<RevocationRecord>;
  if (typeof d.jti !== 'string' || d.jti === '') return undefined;
  return {
    jti: d.jti,
    revokedAt: typeof d.revokedAt === 'string' ? d.revokedAt : '',
    expiresAt: typeof d.expiresAt === 'string' ? d.expiresAt : null,
    reason: typeof d.reason === 'string' ? d.reason : null,
  };
}
