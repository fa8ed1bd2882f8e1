import type { EachMessagePayload, Kafka as KafkaClient } from 'kafkajs';
import type { Logger } from '../../logger.js';
import type { LifecycleHandler } from '../lifecycleBus.js';
import { fromCloudEvent } from './cloudEvents.js';
import { messageOf } from '../../errors.js';
import { ConsumerLoop } from './consumerLoop.js';

/**
 * One member of a consumer group, kept alive in the background (`ConsumerLoop`). Offsets are
 * committed only for messages whose handler succeeded, so delivery is at least once.
 */
export class GroupConsumer {
  private readonly loop: ConsumerLoop;

  constructor(
    kafka: KafkaClient,
    topic: string,
    private readonly group: string,
    private readonly handler: LifecycleHandler,
    private readonly logger: Logger,
    ensureTopics: () => Promise<void>,
  ) {
    this.loop = new ConsumerLoop(kafka, {
      groupId: () => group,
      prepare: ensureTopics,
      run: async (consumer) => {
        // A new group starts at the earliest offset: nothing published before it joined is missed.
        await consumer.subscribe({ topic, fromBeginning: true });
        await consumer.run({ eachMessage: (payload) => this.deliver(payload) });
      },
      onFailure: (err) => logger.warn({ topic, group, error: messageOf(err) }, 'consumer not running; retrying'),
    });
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
        if (this.loop.isStopped) throw err;
        this.logger.warn({ topic, group: this.group, id: parsed.id, error: messageOf(err), retryInMs: delay }, 'lifecycle handler failed; retrying');
        await this.loop.pause(delay);
        if (this.loop.isStopped) throw err;
        delay = Math.min(delay * 2, 5000);
        await heartbeat().catch(() => undefined);
      }
    }
  }

  stop(): Promise<void> {
    return this.loop.stop();
  }
}
