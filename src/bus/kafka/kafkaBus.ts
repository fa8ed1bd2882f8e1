import kafkajs, { type Admin, type Kafka as KafkaClient, type Producer, type TopicMessages } from 'kafkajs';
import type { Logger } from '../../logger.js';
import type { BusHealth, LifecycleBus, LifecycleHandler, LifecycleMessage } from '../lifecycleBus.js';
import type { TopicNames } from '../relay.js';
import { CLOUDEVENTS_CONTENT_TYPE, toCloudEvent } from './cloudEvents.js';
import { GroupConsumer } from './groupConsumer.js';
import { createKafkaClient, withTimeout, type KafkaConnection } from './kafkaClient.js';
import { messageOf } from '../../errors.js';

const { Partitioners } = kafkajs;

export interface KafkaBusOptions extends KafkaConnection {
  topics: TopicNames;
  logger: Logger;
  /** How long `health()` waits for the broker before reporting `degraded` (default 1000 ms). */
  healthTimeoutMs?: number;
}

/** Records per produce request: keeps a relay batch of large events under the broker's size limit. */
const CHUNK = 250;

/**
 * The LifecycleBus on Apache Kafka. Messages are CloudEvents in structured mode, keyed by the
 * message key (the credential id), written with acks=all by an idempotent producer. Nothing here
 * blocks on the broker at start: publishing fails while it is away (the relay retries), consumers
 * reconnect in the background, and `health()` says `degraded`.
 */
export class KafkaBus implements LifecycleBus {
  readonly kind = 'kafka';
  private readonly kafka: KafkaClient;
  private readonly logger: Logger;
  private producer?: Promise<Producer>;
  private topicsCreated?: Promise<void>;
  private admin?: Promise<Admin>;
  private probe?: Promise<BusHealth>;
  private lastHealth?: { at: number; health: BusHealth };
  private publishError?: string;
  private readonly consumers = new Set<GroupConsumer>();
  private closed = false;

  constructor(private readonly options: KafkaBusOptions) {
    this.logger = options.logger.child({ component: 'kafka-bus' });
    this.kafka = createKafkaClient({ ...options, logger: options.logger });
  }

  /** Creates the topics in the background; failures are retried by the next publish or subscribe. */
  start(): this {
    this.ensureTopics().catch((err) => this.logger.warn({ error: messageOf(err) }, 'Kafka not reachable yet; topics will be created when it is'));
    return this;
  }

  async publish(messages: LifecycleMessage[]): Promise<void> {
    if (this.closed) throw new Error('The Kafka bus is closed');
    if (messages.length === 0) return;
    try {
      await this.ensureTopics();
      const producer = await this.connectedProducer();
      for (let i = 0; i < messages.length; i += CHUNK) {
        await producer.sendBatch({ acks: -1, topicMessages: byTopic(messages.slice(i, i + CHUNK)) });
      }
      this.publishError = undefined;
    } catch (err) {
      this.publishError = messageOf(err);
      // A fresh producer next time: the failed one's sequence numbers may no longer match the broker's.
      await this.resetProducer();
      throw err;
    }
  }

  async subscribe(topic: string, group: string, handler: LifecycleHandler): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('The Kafka bus is closed');
    const consumer = new GroupConsumer(this.kafka, topic, group, handler, this.logger, () => this.ensureTopics());
    this.consumers.add(consumer);
    return async () => {
      this.consumers.delete(consumer);
      await consumer.stop();
    };
  }

  /** Answers within `healthTimeoutMs`; a probe still running is shared, not repeated. */
  async health(): Promise<BusHealth> {
    if (this.closed) return { status: 'degraded', kind: this.kind, detail: 'closed' };
    if (this.lastHealth && Date.now() - this.lastHealth.at < 1000) return this.lastHealth.health;
    this.probe ??= this.probeBroker().then((health) => {
      this.probe = undefined;
      this.lastHealth = { at: Date.now(), health };
      return health;
    });
    const ms = this.options.healthTimeoutMs ?? 1000;
    return withTimeout(this.probe, ms, 'broker probe').catch(() => ({
      status: 'degraded' as const,
      kind: this.kind,
      detail: `broker did not answer within ${ms} ms`,
    }));
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.consumers].map((c) => c.stop()));
    this.consumers.clear();
    await this.resetProducer();
    const admin = this.admin;
    this.admin = undefined;
    await admin?.then((a) => a.disconnect()).catch(() => undefined);
  }

  private async probeBroker(): Promise<BusHealth> {
    try {
      this.admin ??= this.connect(this.kafka.admin());
      await (await this.admin).describeCluster();
      if (this.publishError) return { status: 'degraded', kind: this.kind, detail: 'broker reachable, publishing failing' };
      return { status: 'ok', kind: this.kind };
    } catch {
      const admin = this.admin;
      this.admin = undefined;
      await admin?.then((a) => a.disconnect()).catch(() => undefined);
      return { status: 'degraded', kind: this.kind, detail: 'broker unreachable' };
    }
  }

  private ensureTopics(): Promise<void> {
    this.topicsCreated ??= this.createTopics().catch((err) => {
      this.topicsCreated = undefined;
      throw err;
    });
    return this.topicsCreated;
  }

  /** Creates missing topics with the broker's default partitions and replication; existing ones are left alone. */
  private async createTopics(): Promise<void> {
    const { lifecycle, revocations, accessEvents } = this.options.topics;
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      const specs = new Map<string, { topic: string; configEntries?: Array<{ name: string; value: string }> }>();
      specs.set(lifecycle, { topic: lifecycle });
      specs.set(accessEvents, { topic: accessEvents });
      // Compacted: the latest record per credential stays forever, so a new subscriber reads every revocation.
      specs.set(revocations, { topic: revocations, configEntries: [{ name: 'cleanup.policy', value: 'compact' }] });
      // Only the missing ones: kafkajs logs "already exists" answers as errors.
      const existing = new Set(await admin.listTopics());
      const missing = [...specs.values()].filter((t) => !existing.has(t.topic));
      if (missing.length === 0) return;
      await admin.createTopics({ topics: missing, waitForLeaders: true });
      this.logger.info({ topics: missing.map((t) => t.topic) }, 'Kafka topics created');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
  }

  private connectedProducer(): Promise<Producer> {
    this.producer ??= this.connect(
      this.kafka.producer({
        idempotent: true,
        maxInFlightRequests: 1,
        allowAutoTopicCreation: false,
        createPartitioner: Partitioners.DefaultPartitioner,
        // Bounded, so that an outage fails the publish and the relay's own retry takes over.
        retry: { retries: 5, initialRetryTime: 200, maxRetryTime: 2000 },
      }),
    );
    return this.producer;
  }

  private async resetProducer(): Promise<void> {
    const producer = this.producer;
    this.producer = undefined;
    await producer?.then((p) => p.disconnect()).catch(() => undefined);
  }

  /** Connects `client`; a failed connection is closed and the promise rejects, so the next call starts over. */
  private async connect<T extends { connect(): Promise<void>; disconnect(): Promise<void> }>(client: T): Promise<T> {
    try {
      await client.connect();
      return client;
    } catch (err) {
      await client.disconnect().catch(() => undefined);
      throw err;
    }
  }
}

/** One entry per topic, each in publish order, so that the order per key is kept. */
function byTopic(messages: LifecycleMessage[]): TopicMessages[] {
  const out = new Map<string, TopicMessages>();
  for (const m of messages) {
    const entry = out.get(m.topic) ?? { topic: m.topic, messages: [] };
    entry.messages.push({ key: m.key, value: JSON.stringify(toCloudEvent(m)), headers: { 'content-type': CLOUDEVENTS_CONTENT_TYPE } });
    out.set(m.topic, entry);
  }
  return [...out.values()];
}

/** The bus `main.ts` uses when LEDGER_KAFKA_BROKERS is set. */
export function createKafkaBus(options: KafkaBusOptions): LifecycleBus {
  return new KafkaBus(options).start();
}
