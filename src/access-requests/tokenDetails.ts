import { BadRequest } from '../errors.js';
import type { PortalTokenType } from './accessEvent.js';

/**
 * The two documented body shapes of POST/PUT accesstokens:
 *   {"type":"APIKey"|"OAuth2","accessTokenDetails":[{key,value}]}
 *   {name, description, appId, userId, "type":"Application","accessTokenDetails":[{"type":"APIKey"|"OAuth2","properties":[{key,value}]}]}
 */
export interface AccessTokenBody {
  type: 'APIKey' | 'OAuth2' | 'Application';
  accessTokenDetails: unknown[];
  name?: string;
  description?: string;
  appId?: string;
  userId?: string;
}

export interface TokenProperty {
  key: string;
  value: string;
}

export interface ParsedToken {
  type: PortalTokenType;
  properties: TokenProperty[];
  /** The API key or the client secret: only its digest and a sealed copy are kept. */
  secret: string;
  clientId: string | null;
  expiresAt: string | null;
  claimed: { appId?: string; userId?: string };
}

const URI_LISTS = ['redirect_uris', 'authorization_uris', 'accesstoken_uris', 'refreshtoken_uris'];
const KEYS: Record<PortalTokenType, { required: string[]; optional: string[] }> = {
  APIKey: { required: ['apiKeyString'], optional: ['expiryDate'] },
  OAuth2: { required: ['clientId', 'clientSecret'], optional: ['refreshCount', 'expiryDate', ...URI_LISTS] },
};
/** Secrets are looked up by SHA-256 digest, so they must not be guessable. */
const MIN_SECRET_LENGTH = 16;
const MAX_VALUE_LENGTH = 4096;

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);

function properties(list: unknown, where: string): TokenProperty[] {
  if (!Array.isArray(list) || list.length === 0) throw new BadRequest(`${where} must be a non-empty list of {key, value}`);
  return list.map((p, i) => {
    if (!isObject(p) || typeof p.key !== 'string' || p.key === '') throw new BadRequest(`${where}[${i}].key is required`);
    if (p.value === undefined || p.value === null) throw new BadRequest(`${where}[${i}].value is required for ${p.key}`);
    if (typeof p.value !== 'string' && typeof p.value !== 'number') throw new BadRequest(`${where}[${i}].value must be a string`);
    const value = String(p.value);
    if (value.length > MAX_VALUE_LENGTH) throw new BadRequest(`${p.key} is too long`);
    return { key: p.key, value };
  });
}

/**
 * `expiryDate`: digits are a lifetime in seconds from now (the portal's OAuth2 sample sends "3600");
 * anything else must be an ISO 8601 date or date-time in the future.
 */
export function parseExpiry(value: string, now: Date): string {
  let at: number;
  if (/^\d{1,10}$/.test(value)) {
    const seconds = Number(value);
    if (seconds <= 0) throw new BadRequest('expiryDate must be a positive number of seconds or a future date');
    at = now.getTime() + seconds * 1000;
  } else {
    if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(value)) {
      throw new BadRequest('expiryDate must be an ISO 8601 date or date-time, or a number of seconds');
    }
    at = Date.parse(value.includes('T') || value.includes(' ') ? value.replace(' ', 'T') : `${value}T00:00:00Z`);
    if (Number.isNaN(at)) throw new BadRequest('expiryDate is not a valid date');
  }
  if (at <= now.getTime()) throw new BadRequest('expiryDate must be in the future');
  return new Date(at).toISOString();
}

function checkValues(type: PortalTokenType, props: TokenProperty[]): Map<string, string> {
  const { required, optional } = KEYS[type];
  const byKey = new Map<string, string>();
  for (const { key, value } of props) {
    if (byKey.has(key)) throw new BadRequest(`${key} is given twice`);
    if (!required.includes(key) && !optional.includes(key)) {
      throw new BadRequest(`Unknown key '${key}' for ${type}; allowed: ${[...required, ...optional].join(', ')}`);
    }
    byKey.set(key, value);
  }
  for (const key of required) {
    if (!byKey.get(key)) throw new BadRequest(`${key} is required for ${type}`);
  }
  const secretKey = type === 'APIKey' ? 'apiKeyString' : 'clientSecret';
  if (byKey.get(secretKey)!.length < MIN_SECRET_LENGTH) throw new BadRequest(`${secretKey} must be at least ${MIN_SECRET_LENGTH} characters`);
  const refreshCount = byKey.get('refreshCount');
  if (refreshCount !== undefined && !/^\d{1,9}$/.test(refreshCount)) throw new BadRequest('refreshCount must be a non-negative integer');
  for (const key of URI_LISTS) {
    const raw = byKey.get(key);
    if (raw === undefined) continue;
    let list: unknown;
    try {
      list = JSON.parse(raw);
    } catch {
      list = undefined;
    }
    if (!Array.isArray(list) || !list.every((u) => typeof u === 'string' && URL.canParse(u))) {
      throw new BadRequest(`${key} must be a JSON list of URIs, e.g. ["https://app.example/callback"]`);
    }
  }
  return byKey;
}

/** Turns either body shape into one parsed token, or a 400 that says what is wrong. */
export function parseAccessTokenBody(body: AccessTokenBody, now: Date): ParsedToken {
  let type: PortalTokenType;
  let props: TokenProperty[];
  const claimed: ParsedToken['claimed'] = {};
  if (body.type === 'Application') {
    const details = body.accessTokenDetails;
    if (details.length !== 1) throw new BadRequest('accessTokenDetails must hold exactly one entry');
    const entry = details[0];
    if (!isObject(entry) || (entry.type !== 'APIKey' && entry.type !== 'OAuth2')) {
      throw new BadRequest('accessTokenDetails[0].type must be one of: APIKey, OAuth2');
    }
    type = entry.type;
    props = properties(entry.properties, 'accessTokenDetails[0].properties');
    if (body.appId !== undefined) claimed.appId = body.appId;
    if (body.userId !== undefined) claimed.userId = body.userId;
  } else {
    for (const field of ['name', 'description', 'appId', 'userId'] as const) {
      if (body[field] !== undefined) throw new BadRequest(`${field} belongs to the "Application" body shape`);
    }
    type = body.type;
    props = properties(body.accessTokenDetails, 'accessTokenDetails');
  }
  const values = checkValues(type, props);
  const expiry = values.get('expiryDate');
  return {
    type,
    properties: props,
    secret: type === 'APIKey' ? values.get('apiKeyString')! : values.get('clientSecret')!,
    clientId: type === 'OAuth2' ? values.get('clientId')! : null,
    expiresAt: expiry === undefined ? null : parseExpiry(expiry, now),
    claimed,
  };
}
