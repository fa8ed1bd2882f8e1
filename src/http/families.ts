import type { Context } from 'koa';
import { AppError } from '../errors.js';

/**
 * Each API family answers errors in its own envelope. A family registers its formatter; the one
 * error middleware picks it by `ctx.state.family`, which the family's router sets.
 */
export interface EnvelopeResponse {
  status: number;
  body: unknown;
  headers?: Record<string, string>;
}
export type Envelope = (error: AppError, ctx: Context) => EnvelopeResponse;

const envelopes = new Map<string, Envelope>();
/** JSON Schema ids of each family's error body, for the OpenAPI document. */
export const errorSchemas = new Map<string, string>();

export function registerEnvelope(family: string, envelope: Envelope, errorSchemaId: string): void {
  envelopes.set(family, envelope);
  errorSchemas.set(family, errorSchemaId);
}

export function envelopeFor(family: string | undefined): Envelope {
  return envelopes.get(family ?? 'native') ?? nativeEnvelope;
}

/** The native API answers in RFC 6749 §5.2 style: `{error, error_description}`. */
export const nativeEnvelope: Envelope = (error) => {
  const headers: Record<string, string> = {};
  if (error.status === 401) headers['WWW-Authenticate'] = `Bearer error="${error.code}"`;
  if (error.status === 429) headers['Retry-After'] = String(error.details.retryAfter ?? 1);
  return { status: error.status, body: { error: error.code, error_description: error.message }, headers };
};

registerEnvelope('native', nativeEnvelope, 'responses/oauth2-error');
