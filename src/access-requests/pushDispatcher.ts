import { createHmac } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { errorFields, type Logger } from '../logger.js';

/** `sha256=<hex HMAC-SHA256 of the exact body bytes>`, as GitHub's X-Hub-Signature-256. */
export const SIGNATURE_HEADER = 'X-TokenLedger-Signature';
export const EVENT_ID_HEADER = 'X-TokenLedger-Event-Id';
export const ATTEMPT_HEADER = 'X-TokenLedger-Delivery-Attempt';

export function signBody(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

export interface PushTarget {
  providerId: string;
  callbackUrl: string;
  signingSecret: string;
}

export interface PushOptions {
  retryBaseMs: number;
  maxAttempts: number;
  timeoutMs: number;
  maxDelayMs?: number;
  logger: Logger;
}

export interface PushJob {
  eventId: string;
  target: PushTarget;
  payload: unknown;
  /** Checked before every attempt: stop once the event has moved on (pulled, rejected, expired). */
  stillWanted(): Promise<boolean>;
  /** The provider answered 2xx. */
  accepted(): Promise<void>;
}

/**
 * Delivers new events to push providers: a signed JSON POST, retried with exponential backoff
 * (base, 2×base, 4×base ... capped) until a 2xx or the last attempt. One job per event at a time.
 */
export class PushDispatcher {
  private readonly running = new Map<string, Promise<void>>();
  private readonly stop = new AbortController();

  constructor(private readonly options: PushOptions) {}

  isRunning(eventId: string): boolean {
    return this.running.has(eventId);
  }

  /** Starts delivering in the background; false when a delivery of this event is already running. */
  start(job: PushJob): boolean {
    if (this.running.has(job.eventId) || this.stop.signal.aborted) return false;
    const run = this.deliver(job)
      .catch((err) => this.options.logger.error({ ...errorFields(err), eventId: job.eventId }, 'push delivery failed'))
      .finally(() => this.running.delete(job.eventId));
    this.running.set(job.eventId, run);
    return true;
  }

  private delay(attempt: number): number {
    return Math.min(this.options.retryBaseMs * 2 ** (attempt - 1), this.options.maxDelayMs ?? 300_000);
  }

  private async deliver(job: PushJob): Promise<void> {
    const body = JSON.stringify(job.payload);
    const signature = signBody(job.target.signingSecret, body);
    const { logger, maxAttempts } = this.options;
    const where = { eventId: job.eventId, providerId: job.target.providerId };
    for (let attempt = 1; attempt <= maxAttempts; attempt++) {
      if (this.stop.signal.aborted || !(await job.stillWanted())) return;
      const status = await this.post(job, body, signature, attempt);
      if (status >= 200 && status < 300) {
        await job.accepted();
        logger.info({ ...where, attempt }, 'push provider accepted the event');
        return;
      }
      if (attempt === maxAttempts) break;
      const wait = this.delay(attempt);
      logger.warn({ ...where, attempt, status, retryInMs: wait }, 'push delivery failed; retrying');
      try {
        await sleep(wait, undefined, { signal: this.stop.signal });
      } catch {
        return; // shutting down
      }
    }
    logger.warn({ ...where, attempts: maxAttempts }, 'push delivery gave up; the next sweep tries again');
  }

  /** The HTTP status, or 0 when the provider could not be reached. Redirects are not followed. */
  private async post(job: PushJob, body: string, signature: string, attempt: number): Promise<number> {
    try {
      const res = await fetch(job.target.callbackUrl, {
        method: 'POST',
        body,
        redirect: 'manual',
        headers: {
          'Content-Type': 'application/json',
          'User-Agent': 'token-ledger',
          [SIGNATURE_HEADER]: signature,
          [EVENT_ID_HEADER]: job.eventId,
          [ATTEMPT_HEADER]: String(attempt),
        },
        signal: AbortSignal.any([this.stop.signal, AbortSignal.timeout(this.options.timeoutMs)]),
      });
      await res.arrayBuffer().catch(() => undefined);
      return res.status;
    } catch {
      return 0;
    }
  }

  /** Cancels waits and requests in flight, then waits for the jobs to finish. */
  async close(): Promise<void> {
    this.stop.abort();
    await Promise.allSettled([...this.running.values()]);
  }
}
