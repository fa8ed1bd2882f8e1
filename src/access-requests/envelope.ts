import type { Context } from 'koa';
import { registerEnvelope, type Envelope } from '../http/families.js';

export const WEBMETHODS_FAMILY = 'webmethods';

/**
 * The API Portal answers failures as `{"status":"FAILURE","message":"…"}` (the seed shows it for 400);
 * every other error status uses the same shape, so a provider's client needs only one parser.
 */
export const webMethodsEnvelope: Envelope = (error) => {
  const headers: Record<string, string> = {};
  if (error.status === 401) headers['WWW-Authenticate'] = `Bearer error="${error.code}"`;
  if (error.status === 429) headers['Retry-After'] = String(error.details.retryAfter ?? 1);
  return { status: error.status, body: { status: 'FAILURE', message: error.message }, headers };
};

export function registerWebMethodsEnvelope(): void {
  registerEnvelope(WEBMETHODS_FAMILY, webMethodsEnvelope, 'responses/webmethods-failure');
}

export function success(ctx: Context, message: string, extra: Record<string, unknown> = {}): void {
  ctx.status = 200;
  ctx.body = { status: 'SUCCESS', message, ...extra };
}
