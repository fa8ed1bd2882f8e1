import type { Deps } from '../app/deps.js';
import type { Revoker } from '../credentials/credentialService.js';
import { sha256Hex } from '../crypto/secrets.js';
import { AppError, BadRequest, Conflict, NotFound } from '../errors.js';
import { foldEvents, handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import {
  ACCESS_EVENT_STREAM_PREFIX,
  accessEventStream,
  KIND_OF,
  type AccessEventState,
  type AccessEventStatus,
  type AccessEventType,
} from './accessEvent.js';
import { accessEventDecider, type AccessEventCommand, type CredentialInput, type CurrentToken } from './decide.js';
import type { DirectoryService } from './directoryService.js';
import { parseAccessTokenBody, type AccessTokenBody } from './tokenDetails.js';
import { wireFromRecord, wireFromRow, type AccessEventRow, type WireEvent } from './wire.js';
import { timeOrderedId, UUID } from '../ids.js';

export interface EventFilter {
  eventStatus?: AccessEventStatus;
  eventType?: AccessEventType;
  offset: number;
  limit: number;
}

export interface StatusUpdate {
  eventId: string;
  eventStatus: 'INPROGRESS' | 'REJECTED';
  reason?: string;
}

interface TokenRow {
  accesstokenuuid: string;
  credential_id: string;
  app_id: string;
  provider_id: string;
  kind: 'api_key' | 'oauth2_client';
  status: 'active' | 'revoked';
  expires_at: string | null;
}

/** The access-request workflow's commands. Handlers only append; the workflow reacts on the bus. */
export class AccessEventService {
  private readonly tokenByUuid;
  private readonly digestOwner;
  private readonly credentialRow;
  private readonly unfinishedBefore;

  private readonly listByFilter = new Map<string, { count: ReturnType<Deps['db']['prepare']>; page: ReturnType<Deps['db']['prepare']> }>();

  constructor(
    private readonly deps: Deps,
    private readonly directory: DirectoryService,
  ) {
    this.tokenByUuid = deps.db.prepare('SELECT * FROM access_tokens WHERE accesstokenuuid = ?');
    this.digestOwner = deps.db.prepare('SELECT credential_id, accesstokenuuid FROM access_credential_digests WHERE digest = ?');
    this.credentialRow = deps.db.prepare('SELECT stream, status FROM credentials WHERE id = ?');
    this.unfinishedBefore = deps.db
      .prepare("SELECT event_id FROM access_events WHERE event_status IN ('NEW', 'INPROGRESS') AND created_at <= ? ORDER BY created_at")
      .pluck();
  }

  private run(eventId: string, command: AccessEventCommand | ((s: AccessEventState) => AccessEventCommand), ctx: CommandContext) {
    return handleCommand(this.deps.store, accessEventStream(eventId), accessEventDecider, command, ctx, this.deps.validateEvent);
  }

  async state(eventId: string): Promise<AccessEventState> {
    if (!UUID.test(eventId)) return { status: 'none' };
    return foldEvents(accessEventDecider, await this.deps.store.readStream(accessEventStream(eventId)));
  }

  private token(uuid: string | null): CurrentToken | undefined {
    const row = uuid ? (this.tokenByUuid.get(uuid) as TokenRow | undefined) : undefined;
    if (!row) return undefined;
    return { accesstokenuuid: row.accesstokenuuid, credentialId: row.credential_id, kind: row.kind, status: row.status, expiresAt: row.expires_at };
  }

  /** A consumer asks for, renews or revokes an access token of one of their applications. */
  async request(
    appId: string,
    userId: string,
    input: { eventType: AccessEventType; providerId: string; accesstokenuuid?: string },
    ctx: CommandContext,
  ): Promise<{ eventId: string; eventStatus: AccessEventStatus }> {
    await this.directory.ownApplication(appId, userId);
    if (!UUID.test(input.providerId) || !(await this.directory.provider(input.providerId))) throw new BadRequest('Unknown providerId');
    const uuid = input.accesstokenuuid ?? null;
    if (uuid && input.eventType !== 'REQUEST_ACCESS_TOKEN') {
      const row = this.tokenByUuid.get(uuid) as TokenRow | undefined;
      if (!row || row.app_id !== appId) throw new BadRequest('accesstokenuuid is not an access token of this application');
      if (row.provider_id !== input.providerId) throw new BadRequest('accesstokenuuid was issued by another provider');
      if (row.status !== 'active') throw new Conflict('The access token is already revoked');
    }
    const eventId = timeOrderedId(this.deps.clock.now());
    const command = { type: 'RequestAccess' as const, eventId, appId, userId, providerId: input.providerId, eventType: input.eventType, accesstokenuuid: uuid };
    const result = await this.run(eventId, { ...command, now: this.deps.clock.now() }, ctx);
    await this.deps.runner.waitFor(result.position);
    return { eventId, eventStatus: 'NEW' };
  }

  /** The event as its consumer sees it, from the stream (read-your-writes). */
  async view(appId: string, eventId: string, userId: string): Promise<WireEvent & { credentialDelivered?: boolean }> {
    const state = await this.state(eventId);
    if (state.status === 'none' || state.event.appId !== appId || state.event.userId !== userId) throw new NotFound('Unknown eventId');
    return { ...wireFromRecord(state.status, state.event), ...(state.credential ? { credentialDelivered: state.credential.delivered } : {}) };
  }

  /** Only the caller's own providers' events, oldest first. */
  listForProvider(username: string, filter: EventFilter): { events: WireEvent[]; total: number } {
    const where = ['p.username = @username'];
    if (filter.eventStatus) where.push('e.event_status = @eventStatus');
    if (filter.eventType) where.push('e.event_type = @eventType');
    const { count, page } = this.listStatements(where.join(' AND '));
    const params = { username, eventStatus: filter.eventStatus ?? null, eventType: filter.eventType ?? null };
    const total = count.get(params) as number;
    const rows = page.all({ ...params, limit: filter.limit, offset: filter.offset }) as AccessEventRow[];
    return { events: rows.map(wireFromRow), total };
  }

  /** Providers poll the list: its statements (one pair per combination of filters) are prepared once. */
  private listStatements(where: string) {
    let statements = this.listByFilter.get(where);
    if (!statements) {
      const from = `FROM access_events e JOIN access_providers p ON p.provider_id = e.provider_id WHERE ${where}`;
      statements = {
        count: this.deps.db.prepare(`SELECT COUNT(*) ${from}`).pluck(),
        page: this.deps.db.prepare(`SELECT e.* ${from} ORDER BY e.created_at, e.event_id LIMIT @limit OFFSET @offset`),
      };
      this.listByFilter.set(where, statements);
    }
    return statements;
  }

  /** Pull providers acknowledge or reject a list: every entry is checked before anything is appended. */
  async updateStatuses(username: string, updates: StatusUpdate[], ctx: CommandContext): Promise<void> {
    const providers = this.directory.providerIdsOf(username);
    const ids = new Set(updates.map((u) => u.eventId));
    if (ids.size !== updates.length) throw new BadRequest('An eventId appears more than once');
    const now = this.deps.clock.now();
    const commandFor = (u: StatusUpdate): AccessEventCommand =>
      u.eventStatus === 'INPROGRESS'
        ? { type: 'Acknowledge', providers, via: 'pull', now }
        : { type: 'Reject', providers, reason: u.reason ?? null, now };
    for (const u of updates) {
      try {
        accessEventDecider.decide(commandFor(u), await this.state(u.eventId));
      } catch (error) {
        if (error instanceof AppError) throw new AppError(error.status, error.code, `${u.eventId}: ${error.message}`);
        throw error;
      }
    }
    let last: bigint | undefined;
    for (const u of updates) last = (await this.run(u.eventId, commandFor(u), ctx)).position ?? last;
    await this.deps.runner.waitFor(last);
  }

  /** A push provider answered 2xx. */
  async acknowledgeByPush(eventId: string, providerId: string, ctx: CommandContext): Promise<void> {
    const result = await this.run(eventId, { type: 'Acknowledge', providers: [providerId], via: 'push', now: this.deps.clock.now() }, ctx);
    await this.deps.runner.waitFor(result.position);
  }

  private credentialInput(body: AccessTokenBody, now: Date): CredentialInput {
    const parsed = parseAccessTokenBody(body, now);
    const secretHash = sha256Hex(parsed.secret);
    const owner = this.digestOwner.get(secretHash) as { accesstokenuuid: string } | undefined;
    return {
      credentialId: timeOrderedId(now),
      kind: KIND_OF[parsed.type],
      clientId: parsed.clientId,
      expiresAt: parsed.expiresAt,
      secretHash,
      detailsSealed: this.deps.box.seal(JSON.stringify({ type: parsed.type, accessTokenDetails: parsed.properties })),
      claimed: parsed.claimed,
      secretInUseBy: owner?.accesstokenuuid ?? null,
    };
  }

  /** POST accesstokens: the published key or client secret becomes a credential in the ledger. */
  async publish(username: string, eventId: string, body: AccessTokenBody, ctx: CommandContext): Promise<string> {
    const now = this.deps.clock.now();
    const credential = this.credentialInput(body, now);
    const providers = this.directory.providerIdsOf(username);
    const result = await this.run(eventId, { type: 'PublishToken', providers, credential, now }, ctx);
    // Introspection must know the credential as soon as the provider has its answer.
    await this.deps.runner.waitFor(result.position);
    return credential.credentialId;
  }

  /** PUT accesstokens/{uuid}: a new credential replaces the current one, which is revoked (lineage by parentId). */
  async renew(username: string, eventId: string, accesstokenuuid: string, body: AccessTokenBody, ctx: CommandContext): Promise<void> {
    const now = this.deps.clock.now();
    const credential = this.credentialInput(body, now);
    const providers = this.directory.providerIdsOf(username);
    const result = await this.run(
      eventId,
      () => ({ type: 'RenewToken', providers, accesstokenuuid, current: this.token(accesstokenuuid), credential, now }),
      ctx,
    );
    await this.deps.runner.waitFor(result.position);
  }

  /** DELETE accesstokens/{uuid}. */
  async revoke(username: string, eventId: string, accesstokenuuid: string, ctx: CommandContext): Promise<void> {
    const providers = this.directory.providerIdsOf(username);
    const now = this.deps.clock.now();
    const result = await this.run(eventId, () => ({ type: 'RevokeToken', providers, accesstokenuuid, current: this.token(accesstokenuuid), now }), ctx);
    await this.deps.runner.waitFor(result.position);
  }

  /** Expires the event when due; the position when this call expired it. Idempotent. */
  async expire(eventId: string, expiryDays: number, now: Date, ctx: CommandContext): Promise<bigint | undefined> {
    const result = await this.run(eventId, { type: 'Expire', expiryDays, now }, ctx);
    return result.events.length ? result.position : undefined;
  }

  /** Revoked in any stream (the event's own state only knows its own stream). */
  isRevoked(credentialId: string): boolean {
    return (this.credentialRow.get(credentialId) as { status: string } | undefined)?.status === 'revoked';
  }

  unfinishedCreatedBefore(cutoff: Date): string[] {
    return this.unfinishedBefore.all(cutoff.toISOString()) as string[];
  }

  /** Native revocation (/oauth2/revoke, admin tools) of a published credential, in the stream that issued it. */
  revokeHeld: Revoker = async (credential, reason, ctx) => {
    // Already revoked elsewhere (a renewal revokes the old credential in the renewal's stream).
    if (credential.status !== 'active') return undefined;
    const eventId = credential.stream.slice(ACCESS_EVENT_STREAM_PREFIX.length);
    const result = await this.run(eventId, { type: 'RevokeHeldCredential', credentialId: credential.id, reason, now: this.deps.clock.now() }, ctx);
    return result.position;
  };

  /** Recognises a published API key or client secret by its digest. */
  inspect = async (token: string): Promise<{ credentialId: string; claims: Record<string, unknown> } | undefined> => {
    const row = this.digestOwner.get(sha256Hex(token)) as { credential_id: string; accesstokenuuid: string } | undefined;
    if (!row) return undefined;
    const t = this.tokenByUuid.get(row.accesstokenuuid) as TokenRow | undefined;
    return {
      credentialId: row.credential_id,
      claims: { accesstokenuuid: row.accesstokenuuid, ...(t ? { app_id: t.app_id, provider_id: t.provider_id } : {}) },
    };
  };
}
