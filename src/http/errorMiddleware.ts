import type { Context, Next } from 'koa';
import { AppError, BadRequest, PayloadTooLarge, UnsupportedMediaType } from '../errors.js';
import { errorFields, type Logger } from '../logger.js';
import { envelopeFor } from './families.js';

/** Body-parser and router errors carry an HTTP status; turn them into our own error classes. */
function normalise(error: unknown): AppError | undefined {
  if (error instanceof AppError) return error;
  // koa-body (co-body) errors carry `status`; formidable's multipart errors carry `httpCode`.
  const e = error as { status?: number; statusCode?: number; httpCode?: number } | undefined;
  const status = e?.status ?? e?.statusCode ?? e?.httpCode;
  if (status === 413) return new PayloadTooLarge();
  if (status === 415) return new UnsupportedMediaType();
  if (status === 400 || status === 422) return new BadRequest('Malformed request body');
  if (status === 405) return new AppError(405, 'method_not_allowed', 'Method not allowed');
  if (status === 404) return new AppError(404, 'not_found', 'Not found');
  return undefined;
}

/** Mounted first: every error leaves in the envelope of the family its route belongs to. */
export function errorMiddleware(logger: Logger) {
  return async (ctx: Context, next: Next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) throw new AppError(404, 'not_found', 'Not found');
    } catch (error) {
      let appError = normalise(error);
      if (!appError) {
        // Details go to the log with the request id; the client learns nothing about internals.
        logger.error({ ...errorFields(error), requestId: ctx.state.requestId, path: ctx.path }, 'unexpected error');
        appError = new AppError(500, 'server_error', 'An unexpected error occurred');
      }
      const { status, body, headers } = envelopeFor(ctx.state.family)(appError, ctx);
      ctx.status = status;
      ctx.body = body;
      for (const [k, v] of Object.entries(headers ?? {})) ctx.set(k, v);
    }
  };
}
