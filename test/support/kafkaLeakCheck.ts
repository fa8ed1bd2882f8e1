// Reads every message on every topic of the test broker, for the suite-wide secret leak check.
import { randomUUID } from 'node:crypto';
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

/** Every message value (as text) on every non-internal topic, read from the beginning to the end offsets. */
export async function readAllTopicMessages(brokers: string[], timeoutMs = 60_000): Promise<{ topics: number; messages: string[] }> {
  const kafka = new Kafka({ clientId: 'token-ledger-leak-check', brokers, logLevel: logLevel.NOTHING });
  const admin = kafka.admin();
  await admin.connect();
  const topics = (await admin.listTopics()).filter((t) => !t.startsWith('__'));
  const remaining = new Map<string, number>(); // "topic/partition" → last offset to read
  for (const topic of topics) {
    for (const p of await admin.fetchTopicOffsets(topic)) {
      if (Number(p.high) > Number(p.low)) remaining.set(`${topic}/${p.partition}`, Number(p.high) - 1);
    }
  }
  await admin.disconnect();
  const messages: string[] = [];
  if (remaining.size === 0) return { topics: topics.length, messages };
  const consumer = kafka.consumer({ groupId: `leak-check-${randomUUID()}`, maxWaitTimeInMs: 200 });
  await consumer.connect();
  await consumer.subscribe({ topics, fromBeginning: true });
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`leak check: topics not read to the end within ${timeoutMs} ms`)), timeoutMs);
    void consumer.run({
      autoCommit: false,
      eachMessage: async ({ topic, partition, message }) => {
        messages.push(`${message.key?.toString('utf8') ?? ''} ${message.value?.toString('utf8') ?? ''}`);
        const key = `${topic}/${partition}`;
        if (remaining.has(key) && Number(message.offset) >= remaining.get(key)!) remaining.delete(key);
        if (remaining.size === 0) {
          clearTimeout(timer);
          resolve();
        }
      },
    });
  });
  await consumer.disconnect();
  return { topics: topics.length, messages };
}
