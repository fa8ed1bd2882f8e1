import type { Deps } from '../app/deps.js';
import type { LifecycleMessage } from '../bus/lifecycleBus.js';
import { cloudEventType } from '../bus/relay.js';
import { AppError } from '../errors.js';
import { errorFields } from '../logger.js';
import { assertNever } from '../ledger/decider.js';
import { foldEvents, type CommandContext } from '../ledger/commandHandler.js';
import { accessEventStream, type PublishedCredentialData } from './accessEvent.js';
import type { AccessEventService } from './accessEventService.js';
import type { CredentialPickup } from './credentialPickup.js';
import { accessEventDecider } from './decide.js';
import type { DirectoryService } from './directoryService.js';
import type { PushDispatcher } from './pushDispatcher.js';
import { wireFromRecord } from './wire.js';

export const WORKFLOW_GROUP = 'access-workflow';
const PROCESSED_TABLE = 'access_workflow_processed';
const HANDLED = ['AccessTokenRequested', 'AccessTokenPublished', 'AccessTokenRenewed', 'AccessTokenRevoked'] as const;
type Handled = (typeof HANDLED)[number];
const TYPE_OF = new Map<string, Handled>(HANDLED.map((t) => [cloudEventType(t), t]));

export interface SweepResult {
  expired: string[];
  redispatched: number;
}

/**
 * Reacts to access events on the LifecycleBus (the HTTP handlers only append): dispatches new events
 * to push providers, offers published credentials to their consumer, and on a schedule expires
 * unfinished events. Each message is handled once by its id, and every effect also checks the
 * stream's state, so a redelivery (or a replay after the processed ids were pruned) does nothing twice.
 */
export class AccessWorkflow {
  /** Messages skipped because their id was already handled. */
  duplicatesSkipped = 0;
  handled = 0;
  private unsubscribe?: () => Promise<void>;
  private timer?: NodeJS.Timeout;
  private kickoff?: NodeJS.Timeout;
  private sweeping?: Promise<SweepResult>;
  private readonly isProcessed;
  private readonly markProcessed;
  private readonly pruneProcessed;
  private readonly newPushEvents;

  constructor(
    private readonly deps: Deps,
    private readonly events: AccessEventService,
    private readonly directory: DirectoryService,
    private readonly pickup: CredentialPickup,
    private readonly dispatcher: PushDispatcher,
  ) {
    deps.db.exec(`CREATE TABLE IF NOT EXISTS ${PROCESSED_TABLE} (message_id TEXT PRIMARY KEY, handled_at TEXT NOT NULL)`);
    this.isProcessed = deps.db.prepare(`SELECT 1 FROM ${PROCESSED_TABLE} WHERE message_id = ?`).pluck();
    this.markProcessed = deps.db.prepare(`INSERT OR IGNORE INTO ${PROCESSED_TABLE} (message_id, handled_at) VALUES (?, ?)`);
    this.pruneProcessed = deps.db.prepare(`DELETE FROM ${PROCESSED_TABLE} WHERE handled_at < ?`);
    this.newPushEvents = deps.db
      .prepare(`SELECT e.event_id FROM access_events e JOIN access_providers p ON p.provider_id = e.provider_id
        WHERE e.event_status = 'NEW' AND p.mode = 'push' ORDER BY e.created_at`)
      .pluck();
  }

  async start(): Promise<void> {
    const { bus, config, logger } = this.deps;
    this.unsubscribe = await bus.subscribe(config.topics.accessEvents, WORKFLOW_GROUP, (m) => this.handle(m));
    const every = config.accessWorkflow.sweepIntervalSeconds * 1000;
    const sweep = () => void this.sweep().catch((err) => logger.error(errorFields(err), 'access event sweep failed'));
    this.timer = setInterval(sweep, every).unref();
    // Soon after a start too: push deliveries that a restart cut short resume without waiting an interval.
    this.kickoff = setTimeout(sweep, Math.min(every, 1000)).unref();
  }

  private context(causationId: string): CommandContext {
    return { actor: `system:${WORKFLOW_GROUP}`, correlationId: causationId, causationId, time: this.deps.clock.now().toISOString() };
  }

  /** One lifecycle message. Throwing makes the bus deliver it again. */
  async handle(message: LifecycleMessage): Promise<void> {
    const type = TYPE_OF.get(message.type);
    if (!type) return;
    if (this.isProcessed.get(message.id)) {
      this.duplicatesSkipped++;
      return;
    }
    const eventId = String(message.data.eventId);
    switch (type) {
      case 'AccessTokenRequested':
        await this.dispatchIfPush(eventId, message.id);
        break;
      case 'AccessTokenPublished':
      case 'AccessTokenRenewed':
        await this.offerCredential(eventId, message.id);
        break;
      case 'AccessTokenRevoked':
        this.pickup.withdraw(String(message.data.credentialId));
        break;
      default:
        assertNever(type);
    }
    this.markProcessed.run(message.id, this.deps.clock.now().toISOString());
    this.handled++;
  }

  /** Starts a push delivery when the event is still NEW and its provider is a push provider. */
  private async dispatchIfPush(eventId: string, causationId: string): Promise<boolean> {
    if (this.dispatcher.isRunning(eventId)) return false;
    const state = await this.events.state(eventId);
    if (state.status !== 'NEW') return false;
    const provider = await this.directory.provider(state.event.providerId);
    if (!provider || provider.mode !== 'push' || !provider.callbackUrl || !provider.signingSecretSealed) return false;
    const providerId = provider.providerId;
    return this.dispatcher.start({
      eventId,
      target: { providerId, callbackUrl: provider.callbackUrl, signingSecret: this.deps.box.open(provider.signingSecretSealed) },
      payload: wireFromRecord('NEW', state.event),
      stillWanted: async () => (await this.events.state(eventId)).status === 'NEW',
      accepted: async () => {
        try {
          await this.events.acknowledgeByPush(eventId, providerId, this.context(causationId));
        } catch (error) {
          if (!(error instanceof AppError)) throw error;
          // The event moved on meanwhile (expired, rejected): nothing to acknowledge.
          this.deps.logger.info({ eventId, reason: error.message }, 'push acknowledgement not recorded');
        }
      },
    });
  }

  /** The bus message carries no secret: the sealed value is read from the ledger event itself. */
  private async offerCredential(eventId: string, messageId: string): Promise<void> {
    const recorded = await this.deps.store.readStream(accessEventStream(eventId));
    const published = recorded.find((e) => e.id === messageId);
    if (!published) return;
    const state = foldEvents(accessEventDecider, recorded);
    const d = published.data as unknown as PublishedCredentialData;
    const held = state.status === 'none' ? null : state.credential;
    if (!held || held.credentialId !== d.credentialId || held.delivered || held.revoked) return;
    this.pickup.offer({
      event_id: eventId,
      credential_id: d.credentialId,
      accesstokenuuid: d.accesstokenuuid,
      app_id: d.appId,
      user_id: d.subject,
      kind: d.kind,
      expires_at: d.expiresAt,
      details_sealed: d.detailsSealed,
      offered_at: this.deps.clock.now().toISOString(),
    });
  }

  /** Expires events unfinished after the configured days, and retries push deliveries that stopped. */
  sweep(): Promise<SweepResult> {
    this.sweeping ??= this.runSweep().finally(() => (this.sweeping = undefined));
    return this.sweeping;
  }

  private async runSweep(): Promise<SweepResult> {
    const { clock, config, logger, runner } = this.deps;
    const now = clock.now();
    const days = config.accessWorkflow.expiryDays;
    const ctx = this.context(`sweep-${now.toISOString()}`);
    const expired: string[] = [];
    let last: bigint | undefined;
    for (const eventId of this.events.unfinishedCreatedBefore(new Date(now.getTime() - days * 86_400_000))) {
      try {
        const position = await this.events.expire(eventId, days, now, ctx);
        if (position !== undefined) (expired.push(eventId), (last = position));
      } catch (err) {
        logger.error({ ...errorFields(err), eventId }, 'expiring an access event failed');
      }
    }
    await runner.waitFor(last);
    let redispatched = 0;
    for (const eventId of this.newPushEvents.all() as string[]) {
      if (await this.dispatchIfPush(eventId, ctx.correlationId)) redispatched++;
    }
    // The stream state guards every effect, so old ids need not be kept forever.
    this.pruneProcessed.run(new Date(now.getTime() - 2 * days * 86_400_000).toISOString());
    if (expired.length) logger.info({ expired: expired.length }, 'access events expired');
    return { expired, redispatched };
  }

  async close(): Promise<void> {
    clearInterval(this.timer);
    clearTimeout(this.kickoff);
    await this.unsubscribe?.();
    await this.dispatcher.close();
    await this.sweeping?.catch(() => undefined);
  }
}
