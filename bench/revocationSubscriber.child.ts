// The "other process" of bench/revocation-latency.ts: a RevocationSubscriber that reports, over
// IPC, the moment isRevoked(jti) turned true, on performance.timeOrigin + performance.now().
//   kafka <brokers> <topic>   reads the topic itself (the product path)
//   ipc                       is fed records by the parent (bench-only bridge for the in-process bus)
import { RevocationSubscriber, type RevocationFeed, type RevocationRecord } from '../src/bus/revocationSubscriber.js';

const now = () => performance.timeOrigin + performance.now();
const send = (message: unknown) => process.send!(message);
const [mode, brokers, topic] = process.argv.slice(2);

/** Records arriving from the parent over IPC, as if from a feed. */
function ipcFeed(): RevocationFeed {
  return {
    start(deliver) {
      const onMessage = (m: { type: string; record?: RevocationRecord }) => {
        if (m.type === 'record' && m.record) deliver(m.record);
      };
      process.on('message', onMessage);
      return { ready: Promise.resolve(), close: async () => void process.off('message', onMessage) };
    },
  };
}

const subscriber =
  mode === 'kafka' ? RevocationSubscriber.fromKafka({ brokers: brokers!.split(','), topic: topic! }) : new RevocationSubscriber(ipcFeed());

subscriber.onRevoked((record) => {
  if (subscriber.isRevoked(record.jti)) send({ type: 'seen', jti: record.jti, at: now() });
});

process.on('message', (m: { type: string; sentAt?: number }) => {
  if (m.type === 'ping') send({ type: 'pong', sentAt: m.sentAt, at: now() });
  if (m.type === 'stop') void subscriber.close().then(() => process.exit(0));
});

await subscriber.ready;
send({ type: 'ready' });
