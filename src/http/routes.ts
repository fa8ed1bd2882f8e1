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

type RouteLayer = Router['stack'][number];

/**
 * The routes, one @koa/router per first path segment. A router tries every route's regexp in turn
 * (56 of them here, 4–7 µs a request); a request is matched only against its own segment's few.
 *
 * A request that one route alone matches runs that route's middleware composed once, at definition:
 * a router's own dispatch also matches the host, records what matched on the context, and builds and
 * composes the matched chain anew on every request. A static path spelt as defined is found by a Map
 * lookup; any other request is matched by its segment's router (`match`), and given the route's
 * `ctx.params`. What needs the router's dispatch (no route, several, 405, OPTIONS) goes to it.
 * Introspection A/B (the static path): 212 → 181 µs of server CPU a request.
 */
export class RouteTable {
  private readonly routers = new Map<string, Router>();
  /** Each route's middleware, composed. */
  private readonly chains = new Map<RouteLayer, Middleware>();
  /** `METHOD path` of the static routes, each with the route it was defined as. */
  private readonly statics = new Map<string, { method: string; path: string; layer: RouteLayer }>();

  private routerFor(path: string): Router {
    const segment = firstSegment(path);
    if (!/^[\w.-]+$/.test(segment)) throw new Error(`Route ${path}: the first path segment must be literal`);
    let router = this.routers.get(segment);
    if (!router) this.routers.set(segment, (router = new Router()));
    return router;
  }

  /** Adds a route to its segment's router, with its middleware composed for direct dispatch. */
  define(method: Method, path: string, middleware: Middleware[]): void {
    const router = this.routerFor(path);
    (router[method] as (path: string, ...mw: Middleware[]) => Router).call(router, path, ...middleware);
    const layer = router.stack[router.stack.length - 1]!;
    this.chains.set(layer, compose(middleware));
    const key = `${method.toUpperCase()} ${path}`;
    if (STATIC_PATH.test(path) && !this.statics.has(key)) this.statics.set(key, { method: method.toUpperCase(), path, layer });
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
    // A static path goes straight to its route only where the router would run that route alone: a
    // route defined earlier whose pattern also matches it (the router runs every match in turn) keeps
    // it on the router.
    const fast = new Map<string, Middleware>();
    for (const [key, route] of this.statics) {
      const matched = this.routerFor(route.path).match(route.path, route.method).pathAndMethod;
      if (matched.length === 1 && matched[0] === route.layer) fast.set(key, this.chains.get(route.layer)!);
    }
    const none: Middleware = (_ctx, next) => next();
    return (ctx, next) => {
      const direct = fast.get(`${ctx.method} ${ctx.path}`);
      if (direct) return direct(ctx, next);
      const segment = firstSegment(ctx.path);
      const router = this.routers.get(segment);
      if (!router) return none(ctx, next);
      const matched = router.match(ctx.path, ctx.method).pathAndMethod;
      const layer = matched.length === 1 ? matched[0]! : undefined;
      const chain = layer && this.chains.get(layer);
      if (!chain) return dispatch.get(segment)!(ctx, next);
      ctx.params = layer.params(ctx.path, layer.captures(ctx.path));
      return chain(ctx, next);
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
