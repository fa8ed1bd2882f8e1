// Manual end-to-end check of a running test broker: create a topic, produce one
// message, consume it back. Usage: node infra/kafka/smoke.mjs [127.0.0.1:19092]
import kafkajs from 'kafkajs';

const { Kafka, Partitioners, logLevel } = kafkajs;
const broker = process.argv[2] ?? '127.0.0.1:19092';
// Client logs are off: the first consumer group briefly logs "group coordinator is not
// available" while __consumer_offsets is created; kafkajs retries, real failures throw.
const kafka = new Kafka({ clientId: 'kafka-smoke', brokers: [broker], logLevel: logLevel.NOTHING });
const topic = `smoke-${Date.now()}`;
const value = `hello ${new Date().toISOString()}`;
const t0 = Date.now();

const admin = kafka.admin();
await admin.connect();
await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
await admin.disconnect();

const producer = kafka.producer({ allowAutoTopicCreation: false, createPartitioner: Partitioners.DefaultPartitioner });
await producer.connect();
await producer.send({ topic, messages: [{ key: 'k', value }] });
await producer.disconnect();

const consumer = kafka.consumer({ groupId: `${topic}-group` });
await consumer.connect();
await consumer.subscribe({ topic, fromBeginning: true });
const received = await new Promise((resolve, reject) => {
  const timer = setTimeout(() => reject(new Error('no message within 30 s')), 30_000);
  consumer.run({ eachMessage: async ({ message }) => { clearTimeout(timer); resolve(message.value?.toString()); } });
});
await consumer.disconnect();

if (received !== value) throw new Error(`expected "${value}", got "${received}"`);
console.log(`smoke ok on ${broker}: topic ${topic} created, produced and consumed "${received}" in ${Date.now() - t0} ms`);
