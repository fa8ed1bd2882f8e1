import type { Deps } from '../app/deps.js';
import { AppError, Conflict, NotFound } from '../errors.js';
import { handleCommand, type CommandContext } from '../ledger/commandHandler.js';
import { accessEventStream } from './accessEvent.js';
import { accessEventDecider, Gone } from './decide.js';
import type { AccessEventService } from './accessEventService.js';
import type { TokenProperty } from './tokenDetails.js';

export const PICKUP_TABLE = 'access_credential_pickup';

export interface PickupRow {
  event_id: string;
  credential_id: string;
  accesstokenuuid: string;
  app_id: string;
  user_id: string;
  kind: string;
  expires_at: string | null;
  details_sealed: string;
  offered_at: string;
}

export interface DeliveredCredential {
  eventId: string;
  accesstokenuuid: string;
  type: string;
  accessTokenDetails: TokenProperty[];
  expiresAt: string | null;
}

/**
 * Credentials waiting for their consumer. The workflow puts a row here when a provider publishes;
 * the consumer's one hand-over removes it. It holds only the sealed value, and only until then.
 * Not a projection: it is the workflow's own table, so a replay does not bring delivered secrets back.
 */
export class CredentialPickup {
  private readonly insert;
  private readonly select;
  private readonly remove;
  private readonly removeCredential;

  constructor(
    private readonly deps: Deps,
    private readonly events: AccessEventService,
  ) {
    deps.db.exec(`CREATE TABLE IF NOT EXISTS ${PICKUP_TABLE} (
      event_id TEXT PRIMARY KEY, credential_id TEXT NOT NULL, accesstokenuuid TEXT NOT NULL, app_id TEXT NOT NULL,
      user_id TEXT NOT NULL, kind TEXT NOT NULL, expires_at TEXT, details_sealed TEXT NOT NULL, offered_at TEXT NOT NULL)`);
    this.insert = deps.db.prepare(`INSERT OR IGNORE INTO ${PICKUP_TABLE}
      (event_id, credential_id, accesstokenuuid, app_id, user_id, kind, expires_at, details_sealed, offered_at)
      VALUES (@event_id, @credential_id, @accesstokenuuid, @app_id, @user_id, @kind, @expires_at, @details_sealed, @offered_at)`);
    this.select = deps.db.prepare(`SELECT * FROM ${PICKUP_TABLE} WHERE event_id = ? AND app_id = ? AND user_id = ?`);
    this.remove = deps.db.prepare(`DELETE FROM ${PICKUP_TABLE} WHERE event_id = ?`);
    this.removeCredential = deps.db.prepare(`DELETE FROM ${PICKUP_TABLE} WHERE credential_id = ?`);
  }

  offer(row: PickupRow): boolean {
    return this.insert.run(row).changes > 0;
  }

  /** A revoked credential is not worth handing over. */
  withdraw(credentialId: string): void {
    this.removeCredential.run(credentialId);
  }

  /** Takes the row out in one step, so that two concurrent calls cannot both get it. */
  private claim(eventId: string, appId: string, userId: string): PickupRow | undefined {
    return this.deps.db.transaction(() => {
      const row = this.select.get(eventId, appId, userId) as PickupRow | undefined;
      if (row) this.remove.run(eventId);
      return row;
    })();
  }

  /** Hands the plain credential over exactly once and records CredentialDelivered. */
  async deliver(appId: string, eventId: string, userId: string, ctx: CommandContext): Promise<DeliveredCredential> {
    const state = await this.events.state(eventId);
    if (state.status === 'none' || state.event.appId !== appId || state.event.userId !== userId) throw new NotFound('Unknown eventId');
    if (state.credential && this.events.isRevoked(state.credential.credentialId)) {
      this.withdraw(state.credential.credentialId);
      throw new Gone('The credential has been revoked');
    }
    const row = this.claim(eventId, appId, userId);
    if (!row) {
      // Says why: nothing published, already handed over (410), revoked (410) ...
      accessEventDecider.decide({ type: 'DeliverCredential', userId, now: this.deps.clock.now() }, state);
      // ... or published a moment ago, and the workflow has not offered it yet.
      throw new Conflict('The credential is not available yet; retry shortly');
    }
    try {
      await handleCommand(
        this.deps.store,
        accessEventStream(eventId),
        accessEventDecider,
        { type: 'DeliverCredential', userId, now: this.deps.clock.now() },
        ctx,
        this.deps.validateEvent,
      );
    } catch (error) {
      // A refusal (already delivered, revoked) leaves the row gone; a failure to append puts it back.
      if (!(error instanceof AppError)) this.insert.run(row);
      throw error;
    }
    const details = JSON.parse(this.deps.box.open(row.details_sealed)) as { type: string; accessTokenDetails: TokenProperty[] };
    return { eventId, accesstokenuuid: row.accesstokenuuid, type: details.type, accessTokenDetails: details.accessTokenDetails, expiresAt: row.expires_at };
  }
}
