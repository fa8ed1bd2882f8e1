import Router from '@koa/router';
import compose from 'koa-compose';
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
  routes: RouteTable;
  catalog: RouteCatalog;
  bodyLimitBytes: number;
}

/** `/oauth2/token` → `oauth2`; routing ignores case, as @koa/router does by default. */
function firstSegment(path: string): string {
  const end = path.indexOf('/', 1);
  return (end < 0 ? path.slice(1) : path.slice(1, end)).toLowerCase();
}

/** A path with nothing for a router to capture: no parameters, wildcards or groups. */
const STATIC_PATH = /^[\w./~-]+$/;

/**
 * The routes, one @koa/router per first path segment. A router tries every route's regexp in turn
 * (56 of them here, 4–7 µs a request); a request is matched only against its own segment's few.
 *
 * A request for a static path, spelt as it was defined and with the method it was defined for, is
 * dispatched to that route's middleware composed once, without the router: a router matches the host,
 * tests each of its routes' regexps, and builds and composes the matched chain anew on every request
 * (in the introspection profile, ~4 µs of CPU a request). Anything else (another case, a trailing slash,
 * HEAD, OPTIONS, a method the path does not have, a path with parameters) goes to the router.
 */
export class RouteTable {
  private readonly routers = new Map<string, Router>();
  /** `METHOD path` → the route's middleware, composed, for static paths. */
  private readonly exact = new Map<string, { method: string; path: string; chain: Middleware }>();

  routerFor(path: string): Router {
    const segment = firstSegment(path);
    if (!/^[\w.-]+$/.test(segment)) throw new Error(`Route ${path}: the first path segment must be literal`);
    let router = this.routers.get(segment);
    if (!router) this.routers.set(segment, (router = new Router()));
    return router;
  }

  /** Adds a route: to its segment's router, and to the fast path when the path is static. */
  define(method: Method, path: string, middleware: Middleware[]): void {
    const router = this.routerFor(path);
    (router[method] as (path: string, ...mw: Middleware[]) => Router).call(router, path, ...middleware);
    const key = `${method.toUpperCase()} ${path}`;
    if (STATIC_PATH.test(path) && !this.exact.has(key)) this.exact.set(key, { method: method.toUpperCase(), path, chain: compose(middleware) });
  }

  /**
   * Dispatches by first segment; each router answers 405 and OPTIONS for its own paths. A path no
   * router has falls through (404). Built once every route is defined.
   */
  middleware(): Middleware {
    const dispatch = new Map<string, Middleware>();
    for (const [segment, router] of this.routers) {
      const routes = router.routes() as Middleware;
      const allowed = router.allowedMethods({ throw: true }) as Middleware;
      dispatch.set(segment, (ctx, next) => routes(ctx, () => allowed(ctx, next)));
    }
    // The fast path only where the router would run that route alone: a route registered earlier
    // whose pattern also matches the path (the router runs every match in turn) keeps it on the router.
    const fast = new Map<string, Middleware>();
    for (const [key, route] of this.exact) {
      const matched = this.routerFor(route.path).match(route.path, route.method).pathAndMethod;
      if (matched.length === 1) fast.set(key, route.chain);
    }
    const none: Middleware = (_ctx, next) => next();
    return (ctx, next) => {
      const direct = fast.get(`${ctx.method} ${ctx.path}`);
      if (direct) return direct(ctx, next);
      return (dispatch.get(firstSegment(ctx.path)) ?? none)(ctx, next);
    };
  }
}

/**
 * Order: family, guards (authentication and roles), body parsing, schema validation, handler. So an
 * unauthenticated caller learns nothing about the body rules, and every error uses the family's envelope.
 */
export function defineRoute(target: RouteTarget, spec: RouteSpec, guards: Middleware[], handler: Middleware): void {
  const { routes, catalog, bodyLimitBytes } = target;
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
  routes.define(spec.method, spec.path, [...chain, handler]);
}
