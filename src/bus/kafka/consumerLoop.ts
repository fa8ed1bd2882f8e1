import type { Consumer, ConsumerConfig, Kafka as KafkaClient } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface ConsumerLoopSpec {
  /** The group of each new consumer (a fresh one per attempt, or the same). */
  groupId: () => string;
  /** Before each connect: make sure the topics exist, read where partitions end. */
  prepare?: () => Promise<void>;
  /** After connect: subscribe and run. */
  run: (consumer: Consumer) => Promise<void>;
  /** A failed attempt; another follows after a back-off (0.5 s, doubling up to 10 s). */
  onFailure: (error: unknown) => void;
}

/**
 * A kafkajs consumer kept alive in the background until stopped: it (re)connects while the broker
 * is away, and builds a new consumer after a crash kafkajs will not restart itself.
 */
export class ConsumerLoop {
  private consumer?: Consumer;
  /**
   * Aborted by `stop()`, for waits that must end early then. A signal and not a promise of the
   * stop: racing such a promise leaves a reaction on it per wait, until the stop.
   */
  private readonly stopper = new AbortController();
  private readonly finished: Promise<void>;

  constructor(
    private readonly kafka: KafkaClient,
    private readonly spec: ConsumerLoopSpec,
  ) {
    this.finished = this.keepRunning();
  }

  get isStopped(): boolean {
    return this.stopper.signal.aborted;
  }

  private async keepRunning(): Promise<void> {
    let delay = 500;
    while (!this.isStopped) {
      const config: ConsumerConfig = {
        groupId: this.spec.groupId(),
        allowAutoTopicCreation: false,
        // A stop waits for the fetch in flight: a short long-poll keeps shutdown quick.
        maxWaitTimeInMs: 1000,
        // kafkajs restarts a crashed consumer by itself, which must not happen once we stopped it.
        retry: { restartOnFailure: async () => !this.isStopped },
      };
      const consumer = this.kafka.consumer(config);
      this.consumer = consumer;
      // Resolves when kafkajs gives up on this consumer (a crash it does not restart itself), or on
      // a stop.
      let endRun!: () => void;
      const runEnded = new Promise<void>((resolve) => (endRun = resolve));
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (!payload.restart) endRun();
      });
      this.stopper.signal.addEventListener('abort', endRun);
      try {
        await this.spec.prepare?.();
        if (this.isStopped) break;
        await consumer.connect();
        if (this.isStopped) break;
        await this.spec.run(consumer);
        delay = 500;
        await runEnded;
      } catch (err) {
        if (!this.isStopped) this.spec.onFailure(err);
      } finally {
        this.stopper.signal.removeEventListener('abort', endRun);
        await consumer.disconnect().catch(() => undefined);
      }
      if (this.isStopped) break;
      await this.pause(delay);
      delay = Math.min(delay * 2, 10_000);
    }
  }

  /** Waits `ms`, or until `stop()` if that comes first. */
  async pause(ms: number): Promise<void> {
    await sleep(ms, undefined, { signal: this.stopper.signal }).catch(() => undefined);
  }

  async stop(): Promise<void> {
    this.stopper.abort();
    await this.consumer?.disconnect().catch(() => undefined);
    await this.finished;
  }
}
