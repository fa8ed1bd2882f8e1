import { assertNever, type Decider, type DomainEvent } from '../ledger/decider.js';

export type SigningAlg = 'ES256' | 'RS256' | 'EdDSA';

export interface SigningKeyCreatedData {
  kid: string;
  alg: SigningAlg;
  /** Keys are grouped by use: `native`, or a Sunbird consumer type such as `mobile_device`. */
  group: string;
  publicJwk: Record<string, unknown>;
  /** PKCS#8 PEM sealed with the master key; never the plain key. */
  privateKeySealed: string;
  createdAt: string;
}

export type SigningKeyEvent =
  | DomainEvent<'SigningKeyCreated', SigningKeyCreatedData>
  | DomainEvent<'SigningKeyRetired', { kid: string; group: string; retiredAt: string; publishUntil: string | null }>;

export interface KeyEntry extends SigningKeyCreatedData {
  retiredAt: string | null;
  /** Published in JWKS until then (null: forever, for groups whose tokens never expire). */
  publishUntil: string | null;
}

export interface SigningKeysState {
  keys: Record<string, KeyEntry>;
  /** The kids that sign new tokens, per group. */
  active: Record<string, string[]>;
}

export type SigningKeysCommand =
  | { type: 'CreateKeys'; keys: SigningKeyCreatedData[] }
  | { type: 'RotateGroup'; group: string; newKeys: SigningKeyCreatedData[]; now: Date; maxTokenTtlSeconds: number | null };

export const signingKeysDecider: Decider<SigningKeysState, SigningKeysCommand, SigningKeyEvent> = {
  initialState: () => ({ keys: {}, active: {} }),
  evolve(state, event) {
    switch (event.type) {
      case 'SigningKeyCreated': {
        const k = event.data;
        const active = { ...state.active, [k.group]: [...(state.active[k.group] ?? []), k.kid] };
        return { keys: { ...state.keys, [k.kid]: { ...k, retiredAt: null, publishUntil: null } }, active };
      }
      case 'SigningKeyRetired': {
        const { kid, group, retiredAt, publishUntil } = event.data;
        const key = state.keys[kid];
        if (!key) return state;
        return {
          keys: { ...state.keys, [kid]: { ...key, retiredAt, publishUntil } },
          active: { ...state.active, [group]: (state.active[group] ?? []).filter((k) => k !== kid) },
        };
      }
      default:
        return assertNever(event);
    }
  },
  decide(command, state) {
    switch (command.type) {
      case 'CreateKeys':
        return command.keys.filter((k) => !state.keys[k.kid]).map((data) => ({ type: 'SigningKeyCreated' as const, data }));
      case 'RotateGroup': {
        const { group, now, maxTokenTtlSeconds } = command;
        const publishUntil = maxTokenTtlSeconds === null ? null : new Date(now.getTime() + maxTokenTtlSeconds * 1000).toISOString();
        return [
          ...command.newKeys.map((data) => ({ type: 'SigningKeyCreated' as const, data })),
          ...(state.active[group] ?? []).map((kid) => ({
            type: 'SigningKeyRetired' as const,
            data: { kid, group, retiredAt: now.toISOString(), publishUntil },
          })),
        ];
      }
      default:
        return assertNever(command);
    }
  },
};

export const SIGNING_KEYS_STREAM = 'signingkeys-all';
