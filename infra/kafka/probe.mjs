// Readiness probe for start.sh: exit 0 only if the broker answers a Kafka metadata
// request (listTopics), i.e. it is registered and unfenced, not merely listening.
// Usage: node infra/kafka/probe.mjs 127.0.0.1:19092
import kafkajs from 'kafkajs';

const { Kafka, logLevel } = kafkajs;
const admin = new Kafka({
  clientId: 'kafka-ready-probe',
  brokers: [process.argv[2] ?? '127.0.0.1:19092'],
  logLevel: logLevel.NOTHING,
  connectionTimeout: 1000,
  requestTimeout: 2000,
  retry: { retries: 0 },
}).admin();

try {
  await admin.connect();
  await admin.listTopics();
  await admin.disconnect();
  process.exit(0);
} catch {
  process.exit(1); // also tears down any half-open socket
}
