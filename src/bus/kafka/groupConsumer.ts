import type { Consumer, EachMessagePayload, Kafka as KafkaClient } from 'kafkajs';
import type { Logger } from '../../logger.js';
import type { LifecycleHandler } from '../lifecycleBus.js';
import { fromCloudEvent } from './cloudEvents.js';
import { sleep } from './kafkaClient.js';
import { messageOf } from '../../errors.js';


/**
 * One member of a consumer group, kept alive in the background: it (re)connects while the broker
 * is away and recreates itself after a crash kafkajs will not restart. Offsets are committed only
 * for messages whose handler succeeded, so delivery is at least once.
 */
export class GroupConsumer {
  private stopped = false;
  private consumer?: Consumer;
  private readonly stopping: Promise<void>;
  private signalStop!: () => void;
  private readonly finished: Promise<void>;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly topic: string,
    private readonly group: string,
    private readonly handler: LifecycleHandler,
    private readonly logger: Logger,
    private readonly ensureTopics: () => Promise<void>,
  ) {
    this.stopping = new Promise((resolve) => (this.signalStop = resolve));
    this.finished = this.keepRunning();
  }

  private async keepRunning(): Promise<void> {
    let delay = 500;
    while (!this.stopped) {
      const consumer = this.kafka.consumer({
        groupId: this.group,
        allowAutoTopicCreation: false,
        // A stop waits for the fetch in flight: a short long-poll keeps shutdown quick.
        maxWaitTimeInMs: 1000,
        // kafkajs restarts a crashed consumer by itself, which must not happen once we stopped it.
        retry: { restartOnFailure: async () => !this.stopped },
      });
      this.consumer = consumer;
      // Resolves when kafkajs gives up on this consumer (a crash it does not restart itself).
      const givenUp = new Promise<void>((resolve) => {
        consumer.on(consumer.events.CRASH, ({ payload }) => {
          if (!payload.restart) resolve();
        });
      });
      try {
        await this.ensureTopics();
        if (this.stopped) break;
        await consumer.connect();
        // A new group starts at the earliest offset: nothing published before it joined is missed.
        await consumer.subscribe({ topic: this.topic, fromBeginning: true });
        if (this.stopped) break;
        await consumer.run({ eachMessage: (payload) => this.deliver(payload) });
        delay = 500;
        await Promise.race([givenUp, this.stopping]);
      } catch (err) {
        if (!this.stopped) this.logger.warn({ topic: this.topic, group: this.group, error: messageOf(err) }, 'consumer not running; retrying');
      } finally {
        await consumer.disconnect().catch(() => undefined);
      }
      if (this.stopped) break;
      await Promise.race([sleep(delay), this.stopping]);
      delay = Math.min(delay * 2, 10_000);
    }
  }

  /** Retries a failing handler in place (the partition waits), as the in-process bus does. */
  private async deliver({ topic, partition, message, heartbeat }: EachMessagePayload): Promise<void> {
    const parsed = fromCloudEvent(topic, message.key?.toString('utf8'), message.value);
    if (!parsed) {
      this.logger.warn({ topic, partition, offset: message.offset }, 'skipping a record that is not a lifecycle CloudEvent');
      return;
    }
    let delay = 100;
    for (;;) {
      try {
        await this.handler(parsed);
        return;
      } catch (err) {
        // Throwing leaves the offset uncommitted: the message comes again after a restart.
        if (this.stopped) throw err;
        this.logger.warn({ topic, group: this.group, id: parsed.id, error: messageOf(err), retryInMs: delay }, 'lifecycle handler failed; retrying');
        await Promise.race([sleep(delay), this.stopping]);
        if (this.stopped) throw err;
        delay = Math.min(delay * 2, 5000);
        await heartbeat().catch(() => undefined);
      }
    }
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.signalStop();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.finished;
  }
}
