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
  /** Each route's middleware, composed, with the method it was defined for. */
  private readonly chains = new Map<RouteLayer, { method: string; chain: Middleware }>();

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
    this.chains.set(router.stack[router.stack.length - 1]!, { method: method.toUpperCase(), chain: compose(middleware) });
  }

  /**
   * Dispatches by first segment; each router answers 405 and OPTIONS for its own paths. A path no
   * router has falls through (404). Built once every route is defined.
   */
  middleware(): Middleware {
    const segments = new Map<string, { router: Router; dispatch: Middleware }>();
    for (const [segment, router] of this.routers) {
      const routes = router.routes() as Middleware;
      const allowed = router.allowedMethods({ throw: true }) as Middleware;
      segments.set(segment, { router, dispatch: (ctx, next) => routes(ctx, () => allowed(ctx, next)) });
    }
    // A static path goes straight to its route only where the router would run that route alone: a
    // route defined earlier whose pattern also matches it (the router runs every match in turn) keeps
    // it on the router.
    const fast = new Map<string, Middleware>();
    for (const [layer, { method, chain }] of this.chains) {
      if (typeof layer.path !== 'string' || !STATIC_PATH.test(layer.path)) continue;
      const matched = this.routerFor(layer.path).match(layer.path, method).pathAndMethod;
      if (matched.length === 1 && matched[0] === layer) fast.set(`${method} ${layer.path}`, chain);
    }
    return (ctx, next) => {
      const path = ctx.path;
      const direct = fast.get(`${ctx.method} ${path}`);
      if (direct) return direct(ctx, next);
      const segment = segments.get(firstSegment(path));
      if (!segment) return next();
      const matched = segment.router.match(path, ctx.method).pathAndMethod;
      const layer = matched.length === 1 ? matched[0]! : undefined;
      const route = layer && this.chains.get(layer);
      if (!route) return segment.dispatch(ctx, next);
      ctx.params = layer.params(path, layer.captures(path));
      return route.chain(ctx, next);
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
