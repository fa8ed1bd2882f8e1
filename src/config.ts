import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';

export interface Config {
  port: number;
  dataDir: string;
  /** `sqlite` or an `esdb://…` connection string. */
  eventStore: string;
  kafkaBrokers: string[];
  masterKey?: string;
  adminUsername: string;
  adminPassword?: string;
  issuer: string;
  accessTokenTtlSeconds: number;
  refreshTokenTtlSeconds: number;
  refreshReuseGraceSeconds: number;
  logLevel: string;
  /** Largest accepted request body, in bytes. */
  bodyLimitBytes: number;
  topics: { lifecycle: string; revocations: string; accessEvents: string };
  /** webMethods access-request workflow: expiry of unfinished events, push delivery to providers. */
  accessWorkflow: { expiryDays: number; sweepIntervalSeconds: number; pushRetryBaseMs: number; pushMaxAttempts: number; pushTimeoutMs: number };
  /** Sunbird v2: one RS256 key group per consumer type, each with `keysPerGroup` keys. */
  sunbird: { consumerTypes: string[]; keysPerGroup: number };
  /** Password KDFs that may run at once (`LEDGER_KDF_CONCURRENCY`; default: one per core but one, at least one). */
  kdfConcurrency: number;
  /** The nice value of the KDF threads (`LEDGER_KDF_NICE`, 0-19; default 10): under load, requests get the CPU before sign-ins. */
  kdfNice: number;
  /** Whether the KDF threads run under SCHED_IDLE (`LEDGER_KDF_SCHED_IDLE`, on/off; default on): any request preempts a sign-in at once. */
  kdfSchedIdle: boolean;
  /** Whether this instance relays the ledger to the bus (`LEDGER_RELAY=off` on all but one instance at scale). */
  relayEnabled: boolean;
  /** How long the relay may hold its checkpoint back, in ms (`LEDGER_RELAY_CHECKPOINT_MS`; default 100; 0: after every batch). */
  relayCheckpointMs: number;
  /** Whether TurboFan's inlining budgets are raised at start (`LEDGER_V8_INLINING`, on/off; default on): see src/v8Tuning.ts. */
  v8Inlining: boolean;
}

function int(value: string | undefined, fallback: number, name: string): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${name} must be a non-negative integer`);
  return n;
}

function niceValue(value: string | undefined): number {
  const n = int(value, 10, 'LEDGER_KDF_NICE');
  if (n > 19) throw new Error('LEDGER_KDF_NICE must be between 0 and 19');
  return n;
}

function onOff(value: string | undefined, fallback: boolean, name: string): boolean {
  if (value === undefined || value === '') return fallback;
  if (value !== 'on' && value !== 'off') throw new Error(`${name} must be on or off`);
  return value === 'on';
}

/** 12-factor configuration from the environment. */
export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = int(env.PORT, 8080, 'PORT');
  return {
    port,
    dataDir: resolve(env.LEDGER_DATA_DIR ?? './data'),
    eventStore: env.LEDGER_EVENTSTORE || 'sqlite',
    kafkaBrokers: (env.LEDGER_KAFKA_BROKERS ?? '').split(',').map((s) => s.trim()).filter(Boolean),
    masterKey: env.LEDGER_MASTER_KEY || undefined,
    adminUsername: env.LEDGER_ADMIN_USERNAME || 'admin',
    adminPassword: env.LEDGER_ADMIN_PASSWORD || undefined,
    issuer: env.LEDGER_ISSUER || `http://localhost:${port}`,
    accessTokenTtlSeconds: int(env.LEDGER_ACCESS_TOKEN_TTL_SECONDS, 900, 'LEDGER_ACCESS_TOKEN_TTL_SECONDS'),
    refreshTokenTtlSeconds: int(env.LEDGER_REFRESH_TOKEN_TTL_SECONDS, 30 * 86400, 'LEDGER_REFRESH_TOKEN_TTL_SECONDS'),
    refreshReuseGraceSeconds: int(env.LEDGER_REFRESH_REUSE_GRACE_SECONDS, 10, 'LEDGER_REFRESH_REUSE_GRACE_SECONDS'),
    logLevel: env.LOG_LEVEL || 'info',
    bodyLimitBytes: int(env.LEDGER_BODY_LIMIT_BYTES, 64 * 1024, 'LEDGER_BODY_LIMIT_BYTES'),
    relayEnabled: (env.LEDGER_RELAY ?? 'on') !== 'off',
    relayCheckpointMs: int(env.LEDGER_RELAY_CHECKPOINT_MS, 100, 'LEDGER_RELAY_CHECKPOINT_MS'),
    kdfConcurrency: Math.max(1, int(env.LEDGER_KDF_CONCURRENCY, availableParallelism() - 1, 'LEDGER_KDF_CONCURRENCY')),
    kdfNice: niceValue(env.LEDGER_KDF_NICE),
    kdfSchedIdle: onOff(env.LEDGER_KDF_SCHED_IDLE, true, 'LEDGER_KDF_SCHED_IDLE'),
    v8Inlining: onOff(env.LEDGER_V8_INLINING, true, 'LEDGER_V8_INLINING'),
    topics: {
      lifecycle: env.LEDGER_TOPIC_LIFECYCLE || 'token-ledger.lifecycle',
      revocations: env.LEDGER_TOPIC_REVOCATIONS || 'token-ledger.revocations',
      accessEvents: env.LEDGER_TOPIC_ACCESS_EVENTS || 'token-ledger.access-events',
    },
    accessWorkflow: {
      expiryDays: Math.max(1, int(env.LEDGER_ACCESS_EVENT_EXPIRY_DAYS, 30, 'LEDGER_ACCESS_EVENT_EXPIRY_DAYS')),
      sweepIntervalSeconds: Math.max(1, int(env.LEDGER_ACCESS_EVENT_SWEEP_SECONDS, 3600, 'LEDGER_ACCESS_EVENT_SWEEP_SECONDS')),
      pushRetryBaseMs: Math.max(1, int(env.LEDGER_ACCESS_PUSH_RETRY_BASE_MS, 1000, 'LEDGER_ACCESS_PUSH_RETRY_BASE_MS')),
      pushMaxAttempts: Math.max(1, int(env.LEDGER_ACCESS_PUSH_MAX_ATTEMPTS, 8, 'LEDGER_ACCESS_PUSH_MAX_ATTEMPTS')),
      pushTimeoutMs: Math.max(100, int(env.LEDGER_ACCESS_PUSH_TIMEOUT_MS, 10_000, 'LEDGER_ACCESS_PUSH_TIMEOUT_MS')),
    },
    sunbird: {
      consumerTypes: (env.LEDGER_SUNBIRD_CONSUMER_TYPES || 'mobile_device,desktop_device,portal_anonymous,portal_loggedin,access')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
      keysPerGroup: Math.max(1, int(env.LEDGER_SUNBIRD_KEYS_PER_GROUP, 2, 'LEDGER_SUNBIRD_KEYS_PER_GROUP')),
    },
  };
}

export const ledgerFile = (config: Pick<Config, 'dataDir'>) => join(config.dataDir, 'ledger.db');
export const readModelFile = (config: Pick<Config, 'dataDir'>) => join(config.dataDir, 'readmodels.db');
