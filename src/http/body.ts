import type { Context, Next } from 'koa';
import { koaBody } from 'koa-body';
import { BadRequest, UnsupportedMediaType } from '../errors.js';

export type BodyType = 'json' | 'form' | 'multipart';

const MIME: Record<BodyType, string[]> = {
  json: ['application/json', 'application/*+json'],
  form: ['application/x-www-form-urlencoded'],
  multipart: ['multipart/form-data'],
};

/**
 * Parses the body types a route accepts and refuses the others with 415. Limits keep a client
 * from making us buffer more than `limitBytes`; multipart accepts fields only, never files.
 */
export function parseBody(types: BodyType[], limitBytes: number) {
  const accepted = types.flatMap((t) => MIME[t]);
  const parser = koaBody({
    json: types.includes('json'),
    urlencoded: types.includes('form'),
    multipart: types.includes('multipart'),
    text: false,
    jsonLimit: limitBytes,
    formLimit: limitBytes,
    jsonStrict: true,
    parsedMethods: ['POST', 'PUT', 'PATCH', 'DELETE'],
    formidable: {
      maxFiles: 0,
      maxFileSize: 0,
      maxFieldsSize: limitBytes,
      maxFields: 100,
      // A part with a Content-Type but no filename (e.g. `request` as application/json) is a field, not a file.
      onPart: (part: { originalFilename?: string | null; mimetype?: string | null }, handle: (p: unknown) => void) => {
        if (!part.originalFilename) part.mimetype = null;
        handle(part);
      },
    },
  } as never);
  // A Content-Type spelt exactly as one accepted needs no parsing (type-is: ~1 µs a request).
  const exact = new Set(accepted.filter((t) => !t.includes('*')));
  return async (ctx: Context, next: Next) => {
    const hasBody = Number(ctx.get('content-length') || 0) > 0 || ctx.get('transfer-encoding') !== '';
    if (hasBody && !exact.has(ctx.get('content-type')) && !ctx.is(accepted)) throw new UnsupportedMediaType(`Content-Type must be one of: ${accepted.join(', ')}`);
    return parser(ctx, () => {
      if (depth((ctx.request as unknown as { body: unknown }).body) > MAX_DEPTH) {
        throw new BadRequest(`Request body is nested deeper than ${MAX_DEPTH} levels`);
      }
      return next();
    });
  };
}

/** No request of ours nests deeply; a deep document is an attack on the parser's callers. */
const MAX_DEPTH = 16;

function depth(value: unknown, level = 0): number {
  if (level > MAX_DEPTH || value === null || typeof value !== 'object') return level;
  let max = level;
  for (const v of Object.values(value)) max = Math.max(max, depth(v, level + 1));
  return max;
}

/** The parsed body, after schema validation has vouched for its shape. */
export function bodyOf<T>(ctx: Context): T {
  return (ctx.request as unknown as { body: T }).body;
}
