import type { Context, Next } from 'koa';
import { Forbidden } from '../errors.js';
import type { Principal } from '../http/auth.js';
import { registerEnvelope, type Envelope } from '../http/families.js';

export const APINIZER_FAMILY = 'apinizer';
/** Exactly as the Apinizer documentation shows it, on successes and errors alike. */
export const APINIZER_JSON = 'application/json;charset=UTF-8';

// Apinizer speaks OAuth2's error vocabulary; our transport errors map onto it.
const CODES: Record<string, string> = { unsupported_media_type: 'invalid_request', payload_too_large: 'invalid_request' };

/** `{error, error_description}`, with the status the error carries. */
export const apinizerEnvelope: Envelope = (error) => {
  const headers: Record<string, string> = { 'Content-Type': APINIZER_JSON };
  if (error.status === 401 && error.code !== 'unauthorized_client') headers['WWW-Authenticate'] = `Bearer error="${error.code}"`;
  if (error.status === 429) headers['Retry-After'] = String(error.details.retryAfter ?? 1);
  return { status: error.status, body: { error: CODES[error.code] ?? error.code, error_description: error.message }, headers };
};

registerEnvelope(APINIZER_FAMILY, apinizerEnvelope, 'responses/apinizer-error');

/** Sends a JSON body with Apinizer's Content-Type (set first, so Koa keeps it). */
export function sendApinizerJson(ctx: Context, status: number, body: unknown): void {
  ctx.status = status;
  ctx.set('Content-Type', APINIZER_JSON);
  ctx.body = body;
}

/** The management API is for users: a client-credentials token has no profile. */
export async function requireUser(ctx: Context, next: Next) {
  const principal = ctx.state.principal as Principal | undefined;
  if (principal?.kind !== 'user') throw new Forbidden('Requires a user token', 'insufficient_scope');
  return next();
}
