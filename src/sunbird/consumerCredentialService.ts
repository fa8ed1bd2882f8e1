import { randomInt } from 'node:crypto';
import type { Deps } from '../app/deps.js';
import type { Revoker } from '../credentials/credentialService.js';
import { randomAlphanumeric, sha256Hex } from '../crypto/secrets.js';
import { handleCommand, loadStream, loadToDecide, type CommandContext } from '../ledger/commandHandler.js';
import {
  CONSUMER_CREDENTIAL_KIND,
  consumerStream,
  type ConsumerState,
  type ConsumerTokenVersion,
} from './consumerCredential.js';
import { peekConsumerToken, signConsumerTokenV1, signConsumerTokenV2, verifyConsumerToken } from './consumerTokens.js';
import { consumerDecider, StaleRegistration } from './decide.js';
import { SunbirdRequestInvalid } from './envelope.js';
import { timeOrderedId } from '../ids.js';

export interface RegisteredConsumerCredential {
  credentialId: string;
  key: string;
  /** v1: the consumer's HMAC secret (the same on every registration); v2: "". */
  secret: string;
  token: string;
}

interface SignedToken {
  token: string;
  secret: string;
  secretSealed: string | null;
  kid: string | null;
}

const MAX_ATTEMPTS = 5;
/** Kids of the v2 groups: `mobile_devicev2_key1` … (see KeyRing). */
const V2_KID = /^(.+)v2_key\d+$/;

/**
 * Sunbird consumer credentials. Their tokens have no `jti`, so a token is mapped to its credential by
 * its SHA-256, recorded in the ConsumerCredentialIssued event. Each registration gets its own token:
 * `iat` is strictly increasing per (consumer, key) stream, so two registrations in the same second
 * cannot produce the same token (and a revoked token can never be handed out again).
 */
export class ConsumerCredentialService {
  private readonly streamsOfKey;

  constructor(
    private readonly deps: Deps,
    readonly consumerTypes: readonly string[],
  ) {
    this.streamsOfKey = deps.db.prepare('SELECT DISTINCT stream FROM credentials WHERE subject = ? AND kind = ? LIMIT 100');
  }

  /** One RS256 group per consumer type, created only when missing (RSA generation is slow). */
  async ensureKeyGroups(keysPerGroup: number, ctx: CommandContext): Promise<void> {
    for (const type of this.consumerTypes) await this.deps.keys.ensureGroup(type, 'RS256', keysPerGroup, ctx);
  }

  registerV1(consumer: string, key: string, ctx: CommandContext): Promise<RegisteredConsumerCredential> {
    return this.register(consumer, key, 'v1', ctx, async (state, iat) => {
      const sealed = state.status === 'registered' ? state.secretSealed : null;
      const secret = sealed ? this.deps.box.open(sealed) : randomAlphanumeric(32);
      const token = await signConsumerTokenV1(key, iat, secret);
      return { token, secret, secretSealed: sealed ?? this.deps.box.seal(secret), kid: null };
    });
  }

  registerV2(consumerType: string, key: string, ctx: CommandContext): Promise<RegisteredConsumerCredential> {
    if (!this.consumerTypes.includes(consumerType)) throw new SunbirdRequestInvalid(['UNKNOWN CONSUMER']);
    return this.register(consumerType, key, 'v2', ctx, async (_state, iat) => {
      const count = this.deps.keys.activeKidCount(consumerType);
      if (count === 0) throw new Error(`No signing key for consumer type ${consumerType}`);
      const signer = this.deps.keys.signer(consumerType, randomInt(count));
      if (signer.alg !== 'RS256') throw new Error(`Key group ${consumerType} does not sign with RS256`);
      const token = await signConsumerTokenV2(key, iat, signer.kid, signer.key);
      return { token, secret: '', secretSealed: null, kid: signer.kid };
    });
  }

  private async register(
    consumer: string,
    key: string,
    version: ConsumerTokenVersion,
    ctx: CommandContext,
    sign: (state: ConsumerState, iat: number) => Promise<SignedToken>,
  ): Promise<RegisteredConsumerCredential> {
    const { store, clock, runner, validateEvent, states } = this.deps;
    const stream = consumerStream(consumer, key);
    for (let attempt = 1; ; attempt++) {
      const loaded = await loadToDecide(store, stream, consumerDecider, states, attempt === 1);
      const state = loaded.state;
      const now = clock.now();
      const iat = Math.max(Math.floor(now.getTime() / 1000), state.status === 'registered' ? state.lastIat + 1 : 0);
      // Signing is async, so it happens before the pure decision; the decider refuses a stale signature.
      const signed = await sign(state, iat);
      const credentialId = timeOrderedId(now);
      try {
        const result = await handleCommand(
          store,
          stream,
          consumerDecider,
          {
            type: 'RegisterConsumerCredential',
            credentialId,
            consumer,
            key,
            version,
            kid: signed.kid,
            iat,
            tokenHash: sha256Hex(signed.token),
            secretSealed: signed.secretSealed,
            now,
          },
          ctx,
          validateEvent,
          { loaded, states },
        );
        // Read-your-writes: the token can be introspected as soon as it is returned.
        await runner.waitFor(result.position);
        return { credentialId, key, secret: signed.secret, token: signed.token };
      } catch (error) {
        if (!(error instanceof StaleRegistration) || attempt >= MAX_ATTEMPTS) throw error;
      }
    }
  }

  /** Revoker for `consumer-` streams, called by the native revocation. */
  revoke: Revoker = async (credential, reason, ctx) => {
    const result = await handleCommand(
      this.deps.store,
      credential.stream,
      consumerDecider,
      { type: 'RevokeConsumerCredential', credentialId: credential.id, reason, now: this.deps.clock.now() },
      ctx,
      this.deps.validateEvent,
      { states: this.deps.states },
    );
    return result.position;
  };

  /**
   * Inspector for the native introspection and revocation. v1: the `iss` names the key; each consumer
   * holding that key is tried with its own (unsealed) secret. v2: the kid names the consumer type.
   */
  inspect = async (token: string): Promise<{ credentialId: string; claims: Record<string, unknown> } | undefined> => {
    const shape = peekConsumerToken(token);
    if (!shape) return undefined;
    const now = this.deps.clock.now();
    if (shape.version === 'v2') {
      const type = V2_KID.exec(shape.kid)?.[1];
      if (!type || !this.consumerTypes.includes(type)) return undefined;
      const verifier = this.deps.keys.verifier(shape.kid);
      if (!verifier || verifier.alg !== 'RS256') return undefined;
      const claims = await verifyConsumerToken(token, { alg: 'RS256', publicKey: verifier.key }, now);
      return claims ? this.match(await this.stateOf(consumerStream(type, shape.iss)), token, shape.kid) : undefined;
    }
    const rows = this.streamsOfKey.all(shape.iss, CONSUMER_CREDENTIAL_KIND) as Array<{ stream: string }>;
    for (const { stream } of rows) {
      const state = await this.stateOf(stream);
      if (state.status !== 'registered' || !state.secretSealed) continue;
      const claims = await verifyConsumerToken(token, { alg: 'HS256', secret: this.deps.box.open(state.secretSealed) }, now);
      if (claims) return this.match(state, token, null);
    }
    return undefined;
  };

  private match(state: ConsumerState, token: string, kid: string | null) {
    if (state.status !== 'registered') return undefined;
    const credentialId = state.byTokenHash[sha256Hex(token)];
    const entry = credentialId ? state.credentials[credentialId] : undefined;
    if (!entry) return undefined;
    return {
      credentialId: entry.credentialId,
      claims: { iss: state.key, iat: entry.iat, consumer: state.consumer, version: entry.version, ...(kid ? { kid } : {}) },
    };
  }

  private async stateOf(stream: string): Promise<ConsumerState> {
    return (await loadStream(this.deps.store, stream, consumerDecider, this.deps.states)).state;
  }
}
