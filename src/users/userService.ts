import type { Deps } from '../app/deps.js';
import { hashPassword, verifyPassword } from '../crypto/secrets.js';
import { ScryptThreads, type Derive } from '../crypto/scryptThreads.js';
import { LoginThrottle } from '../http/loginThrottle.js';
import { KdfGate } from './kdfGate.js';
import { foldEvents, handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import { userDecider, userStream, type Role, type UserProfile, type UserState } from './user.js';

export interface RegisterUserInput {
  username: string;
  password: string;
  roles: Role[];
  fullName?: string;
  email?: string;
  preferredLanguage?: string;
}

/** A fixed hash to verify against when the user does not exist, so timing does not reveal who does. */
let decoyHash: Promise<string> | undefined;

export class UserService {
  /** One throttle for every password endpoint of every family: per username and per address. */
  private readonly throttle: LoginThrottle;
  private readonly threads: ScryptThreads;
  /** Every password KDF of the service: through the gate (a bounded line), then on `threads`. */
  private readonly derive: Derive;

  constructor(private readonly deps: Deps) {
    this.throttle = new LoginThrottle(deps.clock);
    this.threads = new ScryptThreads(deps.config.kdfConcurrency, deps.config.kdfNice, deps.config.kdfSchedIdle);
    const gate = new KdfGate(deps.config.kdfConcurrency);
    this.derive = (...args) => gate.run(() => this.threads.derive(...args));
  }

  /** Ends the KDF threads. */
  close(): Promise<void> {
    return this.threads.close();
  }

  async register(input: RegisterUserInput, ctx: CommandContext): Promise<void> {
    const passwordHash = await hashPassword(input.password, this.derive);
    const profile: UserProfile = {
      fullName: input.fullName ?? null,
      email: input.email ?? null,
      preferredLanguage: input.preferredLanguage ?? null,
    };
    const result = await handleCommand(
      this.deps.store,
      userStream(input.username),
      userDecider,
      { type: 'RegisterUser', username: input.username, passwordHash, roles: input.roles, profile, now: this.deps.clock.now() },
      ctx,
      this.deps.validateEvent,
    );
    await this.deps.runner.waitFor(result.position);
  }

  async updateProfile(username: string, changes: Partial<UserProfile>, ctx: CommandContext): Promise<void> {
    const result = await handleCommand(
      this.deps.store,
      userStream(username),
      userDecider,
      { type: 'UpdateProfile', username, changes },
      ctx,
      this.deps.validateEvent,
    );
    await this.deps.runner.waitFor(result.position);
  }

  async find(username: string): Promise<UserState> {
    return foldEvents(userDecider, (await this.deps.store.readStream(userStream(username))));
  }

  /**
   * The user when the password matches; the KDF runs off the event loop. Repeated failures, per
   * username and per address, are throttled (429 with Retry-After) before the password is checked.
   */
  async checkPassword(
    username: string,
    password: string,
    address: string,
  ): Promise<Extract<UserState, { status: 'registered' }> | undefined> {
    const attempt = { username, address };
    this.throttle.check(attempt);
    const user = await this.verify(username, password);
    if (user) this.throttle.recordSuccess(attempt);
    else this.throttle.recordFailure(attempt);
    return user;
  }

  private async verify(username: string, password: string): Promise<Extract<UserState, { status: 'registered' }> | undefined> {
    const user = await this.find(username);
    if (user.status !== 'registered') {
      // Made once per process on libuv's pool: it must not depend on one service's threads.
      decoyHash ??= hashPassword('decoy-password');
      const decoy = await decoyHash;
      await verifyPassword(password, decoy, this.derive);
      return undefined;
    }
    return (await verifyPassword(password, user.passwordHash, this.derive)) ? user : undefined;
  }

  /** On an empty ledger, creates the first administrator from the environment, as Keycloak and Vault do. */
  async bootstrapAdmin(username: string, password: string | undefined, ctx: CommandContext): Promise<'created' | 'exists' | 'skipped'> {
    if ((await this.deps.store.headPosition()) > 0n && (await this.find(username)).status === 'registered') return 'exists';
    if (!password) return 'skipped';
    try {
      await this.register({ username, password, roles: ['admin'] }, ctx);
      return 'created';
    } catch (error) {
      if ((error as { status?: number }).status === 409) return 'exists';
      throw error;
    }
  }
}
