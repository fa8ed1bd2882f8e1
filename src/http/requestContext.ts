import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Clock } from '../clock.js';
import type { CommandContext } from '../ledger/commandHandler.js';
import type { Logger } from '../logger.js';

const SAFE_ID = /^[\w.-]{1,64}$/;

/**
 * A request id on every request (taken from X-Request-Id when sane), the headers every response
 * carries, and one access-log line (built only when the level logs it: this runs on every request).
 */
export function requestContext(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    const incoming = ctx.get('X-Request-Id');
    ctx.state.requestId = SAFE_ID.test(incoming) ? incoming : randomUUID();
    ctx.set('X-Request-Id', ctx.state.requestId);
    ctx.set('X-Content-Type-Options', 'nosniff');
    ctx.set('Referrer-Policy', 'no-referrer');
    if (!logger.isLevelEnabled('info')) return next();
    const started = process.hrtime.bigint();
    try {
      await next();
    } finally {
      // Only the path: query strings and bodies may carry secrets.
      logger.info(
        {
          requestId: ctx.state.requestId,
          method: ctx.method,
          path: ctx.path,
          status: ctx.status,
          ms: Number(process.hrtime.bigint() - started) / 1e6,
        },
        'request',
      );
    }
  };
}

/** Metadata for events caused by this request. */
export function commandContext(ctx: Context, clock: Clock): CommandContext {
  const principal = ctx.state.principal as { actor?: string } | undefined;
  return { actor: principal?.actor ?? 'anonymous', correlationId: ctx.state.requestId, time: clock.now().toISOString() };
}
