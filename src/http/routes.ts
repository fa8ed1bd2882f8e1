import type Router from '@koa/router';
import type { Context, Middleware, Next } from 'koa';
import { parseBody, type BodyType } from './body.js';
import { loadSchemas } from './schemas.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

export interface RouteSpec {
  method: Method;
  path: string;
  family: string;
  summary: string;
  tags?: string[];
  /** How the caller proves who it is: `none`, `bearer`, or `client` (credentials in the body). */
  auth: 'none' | 'bearer' | 'client';
  body?: { types: BodyType[]; schema?: string };
  query?: Record<string, { description?: string; required?: boolean; schema?: Record<string, unknown> }>;
  /** Status → response schema id (or null for an empty body) and description. */
  responses: Record<number, { description: string; schema?: string | null; contentType?: string }>;
}

/** Every route registered, for the OpenAPI document and the authorisation matrix. */
export type RouteCatalog = RouteSpec[];

export interface RouteTarget {
  router: Router;
  catalog: RouteCatalog;
  bodyLimitBytes: number;
}

/**
 * Order: family, guards (authentication and roles), body parsing, schema validation, handler. So an
 * unauthenticated caller learns nothing about the body rules, and every error uses the family's envelope.
 */
export function defineRoute(target: RouteTarget, spec: RouteSpec, guards: Middleware[], handler: Middleware): void {
  const { router, catalog, bodyLimitBytes } = target;
  catalog.push(spec);
  const chain: Middleware[] = [
    (ctx: Context, next: Next) => {
      ctx.state.family = spec.family;
      return next();
    },
    ...guards,
  ];
  if (spec.body) {
    chain.push(parseBody(spec.body.types, bodyLimitBytes) as Middleware);
    const schema = spec.body.schema;
    if (schema) {
      const schemas = loadSchemas();
      chain.push((ctx: Context, next: Next) => {
        schemas.validate(schema, ctx.request.body ?? {});
        return next();
      });
    }
  }
  (router[spec.method] as (path: string, ...mw: Middleware[]) => Router).call(router, spec.path, ...chain, handler);
}
