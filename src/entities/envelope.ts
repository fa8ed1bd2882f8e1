import { randomUUID } from 'node:crypto';
import { STATUS_CODES } from 'node:http';
import type { Context, Middleware, Next } from 'koa';
import type { Clock } from '../clock.js';
import { parseBody } from '../http/body.js';
import { registerEnvelope, type Envelope } from '../http/families.js';

export const IAM_FAMILY = 'iam';
export const IAM_VERSION = '1.0.0';

/** `2024-12-17T07:10:52.929`: UTC, without a zone, as the seed writes `expirationDate`. */
export const zonelessIso = (date: Date) => date.toISOString().replace(/Z$/, '');
export const epochSeconds = (date: Date) => Math.floor(date.getTime() / 1000);

/** The caller's txnId when it sent one, so that it can match our answer to its request; a fresh one otherwise. */
export function txnIdOf(ctx: Context): string {
  const body = (ctx.request as unknown as { body?: { txnId?: unknown } }).body;
  const sent = body && typeof body === 'object' ? body.txnId : undefined;
  if (typeof sent === 'string' && sent.length > 0 && sent.length <= 128) return sent;
  return (ctx.state.txnId as string | undefined) ?? (ctx.state.txnId = randomUUID());
}

/** `{ver, timestamp, txnId}`, the head of every IAM answer. */
export function iamHead(ctx: Context): { ver: string; timestamp: string; txnId: string } {
  const clock = ctx.state.iamClock as Clock | undefined;
  return { ver: IAM_VERSION, timestamp: (clock?.now() ?? new Date()).toISOString(), txnId: txnIdOf(ctx) };
}

/** First guard of every IAM route: errors are stamped with the service's clock, not the wall clock. */
export const useClock =
  (clock: Clock): Middleware =>
  (ctx: Context, next: Next) => {
    ctx.state.iamClock = clock;
    return next();
  };

/**
 * Authentication that still echoes the caller's txnId on a 401: when the bearer token is refused,
 * the body is read (within the usual limit) only to learn the txnId, then the refusal goes up.
 */
export function authenticateEchoingTxnId(authenticate: Middleware, bodyLimitBytes: number): Middleware {
  const readBody = parseBody(['json'], bodyLimitBytes) as Middleware;
  return async (ctx: Context, next: Next) => {
    try {
      await authenticate(ctx, async () => {});
    } catch (error) {
      await Promise.resolve(readBody(ctx, async () => {})).catch(() => undefined);
      throw error;
    }
    return next();
  };
}

/** `{ver, timestamp, txnId, errorCode: "Bad Request" | "Unauthorized" | "Forbidden" | ..., errorMsg}`. */
export const iamEnvelope: Envelope = (error, ctx) => ({
  status: error.status,
  body: { ...iamHead(ctx), errorCode: STATUS_CODES[error.status] ?? 'Error', errorMsg: error.message },
  headers: {
    ...(error.status === 401 ? { 'WWW-Authenticate': 'Bearer' } : {}),
    ...(error.status === 429 ? { 'Retry-After': String(error.details.retryAfter ?? 1) } : {}),
  },
});

registerEnvelope(IAM_FAMILY, iamEnvelope, 'responses/iam-error');
