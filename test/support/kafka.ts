// Test helpers for the real Kafka broker managed by infra/kafka/{start,stop}.sh.
// Kafka-backed tests are opt-in: they run only when LEDGER_TEST_KAFKA_BROKERS is set,
// e.g. `infra/kafka/start.sh && LEDGER_TEST_KAFKA_BROKERS=127.0.0.1:19092 npm test`.
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const scriptsDir = fileURLToPath(new URL('../../infra/kafka/', import.meta.url));

/** Broker list from LEDGER_TEST_KAFKA_BROKERS ("host:port[,host:port]"), or undefined if unset. */
export function kafkaBrokers(): string[] | undefined {
  const list = (process.env.LEDGER_TEST_KAFKA_BROKERS ?? '')
    .split(',')
    .map((b) => b.trim())
    .filter((b) => b.length > 0);
  return list.length > 0 ? list : undefined;
}

export interface StartBrokerOptions {
  /**
   * Keep topics, offsets and the cluster id from the previous run (restart after an outage).
   * Default false: start.sh wipes and re-formats, giving a brand-new empty cluster.
   */
  keepData?: boolean;
}

function run(script: string, extraEnv: NodeJS.ProcessEnv, timeoutMs: number): void {
  // Run on the port the tests were told about, unless KAFKA_PORT is set explicitly.
  const port = kafkaBrokers()?.[0]?.split(':').pop();
  const env = { ...process.env, ...(port && !process.env.KAFKA_PORT ? { KAFKA_PORT: port } : {}), ...extraEnv };
  try {
    execFileSync('bash', [scriptsDir + script], { env, timeout: timeoutMs, stdio: 'pipe', encoding: 'utf8' });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${script} failed: ${e.message}\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Start (or restart) the broker and block until it answers requests. Can take ~5-15 s. */
export function startBroker(options: StartBrokerOptions = {}): void {
  run('start.sh', options.keepData ? { KAFKA_KEEP_DATA: '1' } : {}, 120_000);
}

/** Stop the broker (SIGTERM, SIGKILL after 30 s). No-op if it is not running. */
export function stopBroker(): void {
  run('stop.sh', {}, 60_000);
}
