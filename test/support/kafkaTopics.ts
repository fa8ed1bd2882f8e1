// Reading and preparing topics on the test broker, straight through kafkajs (the code under
// test goes through src/bus/kafka; the tests look at the broker with their own client).
import { randomUUID } from 'node:crypto';
import kafkajs, { type Consumer } from 'kafkajs';

const { Kafka, logLevel } = kafkajs;

export interface TopicRecord {
  partition: number;
  offset: number;
  key: string | undefined;
  headers: Record<string, string>;
  raw: string | null;
  /** The parsed CloudEvent. */
  value: Record<string, any> | null;
}

const client = (brokers: string[]) => new Kafka({ clientId: 'token-ledger-tests', brokers, logLevel: logLevel.NOTHING });

/** Unique topic names, so that tests never see each other's messages. */
export function uniqueTopics(label: string) {
  const base = `tl-test.${label}.${randomUUID().slice(0, 8)}`;
  return { lifecycle: `${base}.lifecycle`, revocations: `${base}.revocations`, accessEvents: `${base}.access-events` };
}

export function topicEnv(topics: ReturnType<typeof uniqueTopics>, brokers: string[]): Record<string, string> {
  return {
    LEDGER_KAFKA_BROKERS: brokers.join(','),
    LEDGER_TOPIC_LIFECYCLE: topics.lifecycle,
    LEDGER_TOPIC_REVOCATIONS: topics.revocations,
    LEDGER_TOPIC_ACCESS_EVENTS: topics.accessEvents,
  };
}

export async function createTopic(brokers: string[], topic: string, numPartitions: number): Promise<void> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    await admin.createTopics({ topics: [{ topic, numPartitions, replicationFactor: 1 }], waitForLeaders: true });
  } finally {
    await admin.disconnect();
  }
}

export async function topicConfig(brokers: string[], topic: string, name: string): Promise<string | undefined> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const res = await admin.describeConfigs({ includeSynonyms: false, resources: [{ type: 2 /* TOPIC */, name: topic, configNames: [name] }] });
    return res.resources[0]?.configEntries.find((e) => e.configName === name)?.configValue;
  } finally {
    await admin.disconnect();
  }
}

export async function partitionCount(brokers: string[], topic: string): Promise<number> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    return (await admin.fetchTopicOffsets(topic)).length;
  } finally {
    await admin.disconnect();
  }
}

/** The offsets `group` committed on `topic`, per partition (-1 when none). */
export async function committedOffsets(brokers: string[], group: string, topic: string): Promise<number[]> {
  const admin = client(brokers).admin();
  await admin.connect();
  try {
    const [entry] = await admin.fetchOffsets({ groupId: group, topics: [topic] });
    return (entry?.partitions ?? []).map((p) => Number(p.offset));
  } finally {
    await admin.disconnect();
  }
}

/**
 * A live reader of a topic from its beginning (own consumer group, nothing committed). Records
 * are kept in arrival order; per partition that is offset order.
 */
export class TopicReader {
  readonly records: TopicRecord[] = [];
  private consumer?: Consumer;
  private waiters = new Set<() => void>();

  private constructor(private readonly brokers: string[], private readonly topic: string) {}

  /** Resolves once the reader has joined its group (the topic must exist). */
  static async open(brokers: string[], topic: string): Promise<TopicReader> {
    const reader = new TopicReader(brokers, topic);
    await reader.start();
    return reader;
  }

  private async start() {
    const consumer = client(this.brokers).consumer({ groupId: `test-reader-${randomUUID()}`, maxWaitTimeInMs: 100 });
    this.consumer = consumer;
    const joined = new Promise<void>((resolve) => consumer.on(consumer.events.GROUP_JOIN, () => resolve()));
    await consumer.connect();
    await consumer.subscribe({ topic: this.topic, fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachMessage: async ({ partition, message }) => {
        const raw = message.value?.toString('utf8') ?? null;
        const headers: Record<string, string> = {};
        for (const [k, v] of Object.entries(message.headers ?? {})) headers[k] = String(v);
        this.records.push({ partition, offset: Number(message.offset), key: message.key?.toString('utf8'), headers, raw, value: raw ? JSON.parse(raw) : null });
        for (const w of this.waiters) w();
      },
    });
    await joined;
  }

  /** Waits until `done(records)` holds; fails with what was seen after `timeoutMs`. */
  async until(done: (records: TopicRecord[]) => boolean, timeoutMs = 15_000, what = 'records'): Promise<TopicRecord[]> {
    if (done(this.records)) return this.records;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(check);
        reject(new Error(`${this.topic}: timed out waiting for ${what} (have ${this.records.length})`));
      }, timeoutMs);
      const check = () => {
        if (!done(this.records)) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
    });
    return this.records;
  }

  async close(): Promise<void> {
    await this.consumer?.disconnect();
  }
}

/** Polls `check` until it returns a truthy value. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 15_000, what = 'condition'): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Ids per key, in the order given. */
export function idsPerKey<T>(items: T[], key: (x: T) => string, id: (x: T) => string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const x of items) out.set(key(x), [...(out.get(key(x)) ?? []), id(x)]);
  return out;
}

/** Records in offset order within each partition (the only order Kafka promises). */
export const byOffset = (records: TopicRecord[]) => [...records].sort((a, b) => a.partition - b.partition || a.offset - b.offset);

/** Whether `records` hold every one of `ids` (cheap until there are enough records). */
export function holdsAll(records: TopicRecord[], ids: string[]): boolean {
  if (records.length < ids.length) return false;
  const have = new Set(records.map((r) => r.value?.id as string));
  return ids.every((id) => have.has(id));
}

/**
 * Common setup of a suite that needs the test broker: skips it (saying why) when none is
 * configured, and returns `open(topic)`, a reader closed after each test.
 */
export function useBrokerSuite(brokers: string[]): (topic: string) => Promise<TopicReader> {
  before(function () {
    if (brokers.length === 0) {
      console.log('      skipped: LEDGER_TEST_KAFKA_BROKERS is not set (infra/test.sh starts a broker and sets it)');
      this.skip();
    }
  });
  const readers: TopicReader[] = [];
  afterEach(async () => {
    await Promise.all(readers.splice(0).map((r) => r.close()));
  });
  return async (topic: string) => {
    const reader = await TopicReader.open(brokers, topic);
    readers.push(reader);
    return reader;
  };
}
