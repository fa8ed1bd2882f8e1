import { randomUUID } from 'node:crypto';
import type { Context, Next } from 'koa';
import type { Clock } from '../clock.js';
import { AppError, BadRequest } from '../errors.js';
import { registerEnvelope, type EnvelopeResponse } from '../http/families.js';

export const SUNBIRD_FAMILY = 'sunbird';
export const REGISTER_RESPONSE_ID = 'ekstep.api.am.adminutil.consumer.create';
export const REFRESH_RESPONSE_ID = 'api.refresh.token';

/** A request the Sunbird API refuses with 400 BAD_REQUEST; `errmsg` lists every problem, joined with ", ". */
export class SunbirdRequestInvalid extends BadRequest {
  constructor(readonly messages: string[]) {
    super(messages.join(', '), 'sunbird_bad_request');
  }
}

export type SunbirdApi = 'register' | 'refresh';

/** What the envelope needs to know about the request, set by the first guard of each route. */
export interface SunbirdRequestState {
  api: SunbirdApi;
  now: () => Date;
  /** The caller's `params.msgid`, echoed back ("" when absent). */
  msgid: string;
}

export function sunbirdRequest(api: SunbirdApi, clock: Clock) {
  return (ctx: Context, next: Next) => {
    ctx.state.sunbird = { api, now: () => clock.now(), msgid: '' } satisfies SunbirdRequestState;
    return next();
  };
}

export function sunbirdState(ctx: Context): SunbirdRequestState {
  return (ctx.state.sunbird as SunbirdRequestState | undefined) ?? { api: 'register', now: () => new Date(), msgid: '' };
}

export function registerSuccess(s: SunbirdRequestState, result: { key: string; secret: string; token: string }) {
  const ms = s.now().getTime();
  return {
    id: REGISTER_RESPONSE_ID,
    ver: '1.0',
    ts: ms,
    ets: ms,
    params: { status: 'successful', err: null, errmsg: null, msgid: s.msgid, resmsgid: randomUUID() },
    result,
  };
}

export function refreshSuccess(
  s: SunbirdRequestState,
  result: { access_token: string; expires_in: number; refresh_expires_in: number; refresh_token: string },
) {
  return {
    id: REFRESH_RESPONSE_ID,
    ver: '1.0',
    ts: s.now().getTime(),
    params: { resmsgid: randomUUID(), status: 'successful', err: null, errmsg: null },
    result,
  };
}

const INTERNAL_ERRMSG: Record<SunbirdApi, string> = {
  register: 'UNABLE TO REGISTER CREDENTIAL DUE TO INTERNAL ERROR',
  refresh: 'UNABLE TO REFRESH TOKEN DUE TO INTERNAL ERROR',
};
/** A body that could not be read at all (malformed JSON, wrong shape) has no usable request in it. */
const UNREADABLE_ERRMSG: Record<SunbirdApi, string> = {
  register: 'REQUEST IS MANDATORY',
  refresh: 'REFRESH TOKEN IS MANDATORY',
};

/** `err` and `errmsg` for each status, in the Sunbird style (upper-case codes and messages). */
function describe(error: AppError, api: SunbirdApi): [string, string] {
  if (error.status >= 500) return ['INTERNAL_ERROR', INTERNAL_ERRMSG[api]];
  if (error.code === 'invalid_grant') return ['invalid_grant', 'invalid_grant'];
  if (error instanceof SunbirdRequestInvalid) return ['BAD_REQUEST', error.message];
  switch (error.status) {
    case 400:
      return ['BAD_REQUEST', UNREADABLE_ERRMSG[api]];
    case 413:
      return ['PAYLOAD_TOO_LARGE', 'REQUEST BODY IS TOO LARGE'];
    case 415:
      return ['UNSUPPORTED_MEDIA_TYPE', 'CONTENT TYPE MUST BE application/json, application/x-www-form-urlencoded OR multipart/form-data'];
    case 429:
      return ['TOO_MANY_REQUESTS', 'TOO MANY REQUESTS'];
    default:
      return [error.code.toUpperCase(), error.message.toUpperCase()];
  }
}

/**
 * Authentication failures answer like the gateway in front of Sunbird: `{"message": …}`. Everything
 * else keeps the API's own envelope, with the result fields empty (register) or null and zero (refresh).
 */
export function sunbirdEnvelope(error: AppError, ctx: Context): EnvelopeResponse {
  if (error.status === 401) {
    return { status: 401, body: { message: error.message }, headers: { 'WWW-Authenticate': `Bearer error="${error.code}"` } };
  }
  if (error.status === 403) return { status: 403, body: { message: error.message } };
  const s = sunbirdState(ctx);
  const [err, errmsg] = describe(error, s.api);
  const headers: Record<string, string> = error.status === 429 ? { 'Retry-After': String(error.details.retryAfter ?? 1) } : {};
  const ms = s.now().getTime();
  if (s.api === 'refresh') {
    return {
      status: error.status,
      headers,
      body: {
        id: REFRESH_RESPONSE_ID,
        ver: '1.0',
        ts: ms,
        params: { resmsgid: randomUUID(), status: 'failed', err, errmsg },
        result: { access_token: null, expires_in: 0, refresh_expires_in: 0, refresh_token: null },
      },
    };
  }
  return {
    status: error.status,
    headers,
    body: {
      id: REGISTER_RESPONSE_ID,
      ver: '1.0',
      ts: ms,
      ets: ms,
      params: { status: 'failed', err, errmsg, msgid: s.msgid, resmsgid: randomUUID() },
      result: { key: '', secret: '', token: '' },
    },
  };
}

registerEnvelope(SUNBIRD_FAMILY, sunbirdEnvelope, 'responses/sunbird-error');
