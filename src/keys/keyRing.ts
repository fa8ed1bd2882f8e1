import { createPrivateKey, createPublicKey, generateKeyPair, randomBytes, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { Clock } from '../clock.js';
import type { SecretBox } from '../crypto/secrets.js';
import { foldEvents, handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import type { EventStore } from '../ledger/eventStore.js';
import {
  SIGNING_KEYS_STREAM,
  signingKeysDecider,
  type SigningAlg,
  type SigningKeyCreatedData,
  type SigningKeysState,
} from './signingKeys.js';

export interface Signer {
  kid: string;
  alg: SigningAlg;
  key: KeyObject;
}

/**
 * Signing keys, folded from the `signingkeys-all` stream. Private keys are unsealed only when first
 * used to sign. Polling the stream's head keeps every instance's ring current after a rotation elsewhere.
 */
export class KeyRing {
  private state: SigningKeysState = signingKeysDecider.initialState();
  /** The stream revision `state` was folded up to: a read that started earlier must not replace it. */
  private revision = -1n;
  private readonly publicKeys = new Map<string, KeyObject>();
  private readonly privateKeys = new Map<string, KeyObject>();
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly store: EventStore,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {}

  async load(): Promise<void> {
    const events = await this.store.readStream(SIGNING_KEYS_STREAM);
    this.adopt(foldEvents(signingKeysDecider, events), events.at(-1)?.revision ?? -1n);
  }

  /**
   * Reads and appends overlap (a poll's read can answer after an append of ours returned), so a
   * state replaces the ring's only when it was folded from further along the stream.
   */
  private adopt(state: SigningKeysState, revision: bigint): void {
    if (revision < this.revision) return;
    this.state = state;
    this.revision = revision;
  }

  /**
   * Keeps the ring current after a rotation by another process (the CLI) or instance: polls the
   * head of the key stream, which is one indexed read, instead of following every ledger event.
   */
  follow(intervalMs = 500): void {
    if (this.timer) return;
    const check = async () => {
      const [last] = await this.store.readStream(SIGNING_KEYS_STREAM, { direction: 'backwards', maxCount: 1 });
      if (last && last.revision > this.revision) await this.load();
    };
    this.timer = setInterval(() => void check().catch(() => undefined), intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Creates `count` keys for a group that has no active key (first start). */
  async ensureGroup(group: string, alg: SigningAlg, count: number, context: CommandContext): Promise<void> {
    if ((this.state.active[group] ?? []).length > 0) return;
    const keys = await Promise.all(Array.from({ length: count }, (_, i) => this.generate(group, alg, kidFor(group, i + 1))));
    const result = await handleCommand(this.store, SIGNING_KEYS_STREAM, signingKeysDecider, (state) => {
      if ((state.active[group] ?? []).length > 0) return { type: 'CreateKeys' as const, keys: [] };
      return { type: 'CreateKeys' as const, keys };
    }, context);
    this.adopt(result.state, result.nextRevision);
  }

  /** New keys sign from now on; the old ones stay published until their last token expires. */
  async rotate(group: string, maxTokenTtlSeconds: number | null, context: CommandContext): Promise<string[]> {
    await this.load();
    const current = this.state.active[group] ?? [];
    const first = current.length ? this.state.keys[current[0]!]! : undefined;
    if (!first) throw new Error(`No active key in group ${group}`);
    const used = Object.values(this.state.keys).filter((k) => k.group === group).length;
    const newKeys = await Promise.all(current.map((_, i) => this.generate(group, first.alg, kidFor(group, used + i + 1))));
    const result = await handleCommand(
      this.store,
      SIGNING_KEYS_STREAM,
      signingKeysDecider,
      { type: 'RotateGroup', group, newKeys, now: this.clock.now(), maxTokenTtlSeconds },
      context,
    );
    this.adopt(result.state, result.nextRevision);
    return newKeys.map((k) => k.kid);
  }

  groups(): string[] {
    return Object.keys(this.state.active);
  }

  /** A signing key of the group; `pick` chooses among several (Sunbird picks one per request). */
  signer(group: string, pick = 0): Signer {
    const kids = this.state.active[group] ?? [];
    if (kids.length === 0) throw new Error(`No signing key for group ${group}`);
    const kid = kids[pick % kids.length]!;
    const entry = this.state.keys[kid]!;
    let key = this.privateKeys.get(kid);
    if (!key) {
      key = createPrivateKey(this.box.open(entry.privateKeySealed));
      this.privateKeys.set(kid, key);
    }
    return { kid, alg: entry.alg, key };
  }

  activeKidCount(group: string): number {
    return (this.state.active[group] ?? []).length;
  }

  /** The public key for `kid` while it is published; only its own algorithm may be used with it. */
  verifier(kid: string): { alg: SigningAlg; key: KeyObject } | undefined {
    const entry = this.state.keys[kid];
    if (!entry || !isPublished(entry.publishUntil, this.clock.now())) return undefined;
    return this.anyPublicKey(kid);
  }

  /** Any key ever created, retired or not: for checking old signatures such as ledger checkpoints. */
  anyPublicKey(kid: string): { alg: SigningAlg; key: KeyObject } | undefined {
    const entry = this.state.keys[kid];
    if (!entry) return undefined;
    let key = this.publicKeys.get(kid);
    if (!key) {
      key = createPublicKey({ key: entry.publicJwk as never, format: 'jwk' });
      this.publicKeys.set(kid, key);
    }
    return { alg: entry.alg, key };
  }

  jwks(): { keys: Array<Record<string, unknown>> } {
    const now = this.clock.now();
    return {
      keys: Object.values(this.state.keys)
        .filter((k) => isPublished(k.publishUntil, now))
        .map((k) => ({ ...k.publicJwk, kid: k.kid, alg: k.alg, use: 'sig' })),
    };
  }

  /** Asynchronous: RSA generation is slow, and runs on the thread pool instead of the event loop. */
  private async generate(group: string, alg: SigningAlg, kid: string): Promise<SigningKeyCreatedData> {
    const pair =
      alg === 'RS256'
        ? await generatePair('rsa', { modulusLength: 2048 })
        : alg === 'ES256'
          ? await generatePair('ec', { namedCurve: 'P-256' })
          : await generatePair('ed25519', {});
    return {
      kid,
      alg,
      group,
      publicJwk: pair.publicKey.export({ format: 'jwk' }) as Record<string, unknown>,
      privateKeySealed: this.box.seal(pair.privateKey.export({ format: 'pem', type: 'pkcs8' }) as string),
      createdAt: this.clock.now().toISOString(),
    };
  }
}

const generatePair = promisify(generateKeyPair) as unknown as (
  type: string,
  options: Record<string, unknown>,
) => Promise<{ publicKey: KeyObject; privateKey: KeyObject }>;

function isPublished(publishUntil: string | null, now: Date): boolean {
  return publishUntil === null || Date.parse(publishUntil) > now.getTime();
}

/** `native-key1`, or Sunbird's own form: `mobile_devicev2_key1` … `N`. */
function kidFor(group: string, n: number): string {
  return group === 'native' ? `native-${randomBytes(3).toString('hex')}-key${n}` : `${group}v2_key${n}`;
}
