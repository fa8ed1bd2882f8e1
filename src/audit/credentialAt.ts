import type { RecordedEvent } from '../ledger/eventStore.js';
import { ISSUE_EVENT_TYPES, REVOKE_EVENT_TYPES } from '../../projections/credentials.js';

export interface CredentialStateAt {
  credentialId: string;
  at: string;
  /** `unknown` before it was issued. */
  status: 'unknown' | 'active' | 'expired' | 'revoked';
  kind: string | null;
  subject: string | null;
  scopes: string[];
  expiresAt: string | null;
  revokedAt: string | null;
  compromisedAt: string | null;
  kid: string | null;
  /** Stream revision of the last event folded. */
  revision: number | null;
  eventsApplied: number;
}

/**
 * The credential as it was at `at`: a fold of its events recorded up to that instant, for any
 * family (every issue event carries the common credential fields). Pure: no I/O, no clock.
 */
export function credentialAt(credentialId: string, events: RecordedEvent[], at: Date): CredentialStateAt {
  const s: CredentialStateAt = {
    credentialId,
    at: at.toISOString(),
    status: 'unknown',
    kind: null,
    subject: null,
    scopes: [],
    expiresAt: null,
    revokedAt: null,
    compromisedAt: null,
    kid: null,
    revision: null,
    eventsApplied: 0,
  };
  for (const e of events) {
    if (e.recordedAt > at) break;
    const d = e.data as Record<string, unknown>;
    if (d.credentialId !== credentialId) continue;
    s.revision = Number(e.revision);
    s.eventsApplied++;
    if (ISSUE_EVENT_TYPES.includes(e.type) && s.status === 'unknown') {
      s.status = 'active';
      s.kind = (d.kind as string) ?? null;
      s.subject = (d.subject as string) ?? null;
      s.scopes = (d.scopes as string[]) ?? [];
      s.expiresAt = (d.expiresAt as string | null) ?? null;
      s.kid = (d.kid as string | null) ?? null;
    } else if (e.type === 'RefreshTokenRotated') {
      s.expiresAt = d.expiresAt as string;
    } else if (e.type === 'CredentialCompromised') {
      s.compromisedAt = d.compromisedAt as string;
    } else if (REVOKE_EVENT_TYPES.includes(e.type)) {
      s.status = 'revoked';
      s.revokedAt = d.revokedAt as string;
    }
  }
  if (s.status === 'active' && s.expiresAt && Date.parse(s.expiresAt) <= at.getTime()) s.status = 'expired';
  return s;
}
