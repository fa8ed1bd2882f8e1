import type { Context, Next } from 'koa';

type Fields = Record<string, unknown>;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const isObject = (v: unknown): v is Fields => typeof v === 'object' && v !== null && !Array.isArray(v);

/** A form field holding JSON text (`request={"key":"x"}`) stands for that object. */
function objectOf(value: unknown): Fields | undefined {
  if (isObject(value)) return value;
  if (typeof value !== 'string' || !value.trim().startsWith('{')) return undefined;
  try {
    const parsed: unknown = JSON.parse(value);
    return isObject(parsed) ? parsed : undefined;
  } catch {
    return undefined;
  }
}

/**
 * One shape for every media type. JSON arrives nested; urlencoded forms are nested by the parser
 * (`request[key]=x`); multipart fields arrive flat (`request[key]`) and are nested here.
 */
export function nestFields(body: unknown): Fields {
  if (!isObject(body)) return {};
  const out: Fields = {};
  for (const [name, value] of Object.entries(body)) {
    const m = /^(\w+)\[(\w+)\]$/.exec(name);
    if (!m) {
      out[name] = value;
      continue;
    }
    const parent = objectOf(out[m[1]!]) ?? {};
    out[m[1]!] = { ...parent, [m[2]!]: value };
  }
  return out;
}

export interface RegisterRequest {
  key: string;
  msgid: string;
}

/** `params.msgid`, echoed back in the response ("" when absent or not text). */
export function msgidOf(fields: Fields): string {
  const msgid = objectOf(fields.params)?.msgid;
  return typeof msgid === 'string' ? msgid : '';
}

/**
 * The rules of the Sunbird API manager: REQUEST IS MANDATORY, then KEY IS MANDATORY, then every
 * problem of the key (whitespace, a UUID). Numbers and booleans count as text, as Jackson reads them.
 */
export function registerRequestProblems(fields: Fields): { key?: string; problems: string[] } {
  const request = objectOf(fields.request);
  if (!request) return { problems: ['REQUEST IS MANDATORY'] };
  const raw = request.key;
  const key = typeof raw === 'number' || typeof raw === 'boolean' ? String(raw) : raw;
  if (typeof key !== 'string' || key.length === 0) return { problems: ['KEY IS MANDATORY'] };
  const problems: string[] = [];
  if (/\s/.test(key)) problems.push('KEY MUST NOT HAVE SPACE');
  if (UUID.test(key.trim())) problems.push('KEY MUST NOT BE A UUID');
  return { key, problems };
}

/** Quotes around a field name or value are dropped: the seed itself sends `"refresh_token='…'"`. */
const unquote = (s: string) => s.replace(/^["']+|["']+$/g, '');

export function refreshTokenOf(body: unknown): string | undefined {
  if (!isObject(body)) return undefined;
  for (const [name, value] of Object.entries(body)) {
    if (unquote(name) !== 'refresh_token' || typeof value !== 'string') continue;
    const token = unquote(value.trim());
    return token || undefined;
  }
  return undefined;
}

// A wildcard Content-Type (the seed sends `*/*`) says nothing about the body; it is then read as JSON.
export function wildcardContentTypeAsJson(ctx: Context, next: Next) {
  if (/^\*\/\*\s*(;|$)/.test(ctx.get('Content-Type'))) ctx.request.headers['content-type'] = 'application/json';
  return next();
}
