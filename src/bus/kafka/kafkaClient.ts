import kafkajs, { type Kafka as KafkaClient, type LogEntry } from 'kafkajs';
import type { Logger } from '../../logger.js';

const { Kafka, logLevel } = kafkajs;

export interface KafkaConnection {
  brokers: string[];
  clientId?: string;
  /** kafkajs's own log lines go here, at warn and above. */
  logger?: Logger;
}

/**
 * kafkajs warns about this on every idempotent producer we create: we bound retries on purpose,
 * so that a broker outage fails the publish and the relay (which owns redelivery) retries it.
 */
const EXPECTED_WARNINGS = [/Limiting retries for the idempotent producer/];

/**
 * kafkajs log lines (warn and error), forwarded to pino at warn: kafkajs logs transient broker
 * errors it then retries as errors; real failures reach our own code. Only the message,
 * namespace, broker, group and error message pass: no stacks, nothing else of the entry.
 */
function logBridge(logger: Logger | undefined) {
  const target = logger?.child({ component: 'kafkajs' });
  return () =>
    ({ namespace, log }: LogEntry) => {
      if (!target || EXPECTED_WARNINGS.some((re) => re.test(log.message))) return;
      const fields = {
        namespace,
        ...(typeof log.broker === 'string' ? { broker: log.broker } : {}),
        ...(typeof log.error === 'string' ? { error: log.error } : {}),
        ...(typeof log.groupId === 'string' ? { groupId: log.groupId } : {}),
      };
      target.warn(fields, log.message);
    };
}

/** A kafkajs client with short timeouts: an unreachable broker must fail fast, callers retry. */
export function createKafkaClient(options: KafkaConnection): KafkaClient {
  return new Kafka({
    clientId: options.clientId ?? 'token-ledger',
    brokers: options.brokers,
    connectionTimeout: 1500,
    requestTimeout: 15_000,
    retry: { retries: 3, initialRetryTime: 200, maxRetryTime: 2000 },
    logLevel: logLevel.WARN,
    logCreator: logBridge(options.logger),
  });
}

/** Rejects after `ms` unless `promise` settles first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} timed out after ${ms} ms`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

