import { randomUUID } from 'node:crypto';
import { revocationRecordOf, type RevocationFeed } from '../revocationRecord.js';
import { fromCloudEvent } from './cloudEvents.js';
import { ConsumerLoop } from './consumerLoop.js';
import { createKafkaClient, type KafkaConnection } from './kafkaClient.js';
import { messageOf } from '../../errors.js';

/**
 * The revocations topic read from the beginning by a consumer group of its own (a fresh id per
 * instance, nothing committed), so every instance rebuilds the whole deny set. `ready` resolves
 * once each partition has been read up to where it ended when the feed started.
 */
export function kafkaRevocationFeed(options: KafkaConnection & { topic: string }): RevocationFeed {
  return {
    start(deliver, forget) {
      const kafka = createKafkaClient({ ...options, clientId: options.clientId ?? 'token-ledger-revocations' });
      const logger = options.logger?.child({ component: 'revocation-subscriber' });
      let markReady!: () => void;
      const ready = new Promise<void>((resolve) => (markReady = resolve));
      /** partition → the last offset present at start; a partition is caught up once read that far. */
      let pending: Map<number, bigint> | undefined;
      const loop = new ConsumerLoop(kafka, {
        // A new group reads from the beginning again: re-delivering is harmless for a set.
        groupId: () => `revocation-subscriber-${randomUUID()}`,
        prepare: async () => {
          if (!pending) pending = await endOffsets(kafka, options.topic);
          if (pending.size === 0) markReady();
        },
        run: async (consumer) => {
          await consumer.subscribe({ topic: options.topic, fromBeginning: true });
          await consumer.run({
            autoCommit: false,
            eachBatch: async ({ batch }) => {
              for (const message of batch.messages) {
                const key = message.key?.toString('utf8');
                if (message.value === null) {
                  if (key) forget(key); // tombstone
                  continue;
                }
                const event = fromCloudEvent(batch.topic, key, message.value);
                const record = event && revocationRecordOf(event);
                if (record) deliver(record);
              }
              const target = pending!.get(batch.partition);
              if (target !== undefined && BigInt(batch.lastOffset()) >= target) {
                pending!.delete(batch.partition);
                if (pending!.size === 0) markReady();
              }
            },
          });
        },
        onFailure: (err) => logger?.warn({ error: messageOf(err) }, 'revocation feed not running; retrying'),
      });
      return { ready, close: () => loop.stop() };
    },
  };
}

/** For each non-empty partition, the offset of its last record right now. */
async function endOffsets(kafka: ReturnType<typeof createKafkaClient>, topic: string): Promise<Map<number, bigint>> {
  const admin = kafka.admin();
  await admin.connect();
  try {
    const offsets = await admin.fetchTopicOffsets(topic);
    const out = new Map<number, bigint>();
    for (const o of offsets) if (BigInt(o.high) > BigInt(o.low)) out.set(o.partition, BigInt(o.high) - 1n);
    return out;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}
