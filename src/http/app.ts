import Koa from 'koa';
import type { Deps } from '../app/deps.js';
import type { CoreServices, Module } from '../app/module.js';
import { authenticate, type BearerResolver } from './auth.js';
import { errorMiddleware } from './errorMiddleware.js';
import { requestContext } from './requestContext.js';
import { RouteTable, type RouteCatalog } from './routes.js';

export interface App {
  koa: Koa;
  catalog: RouteCatalog;
  /** Shutdown hooks the modules registered. */
  close(): Promise<void>;
}

/** Builds the HTTP app from injected dependencies; opens no port. */
export async function createApp(deps: Deps, services: CoreServices, modules: Module[]): Promise<App> {
  const koa = new Koa({ proxy: false });
  const routes = new RouteTable();
  const catalog: RouteCatalog = [];
  const resolvers: BearerResolver[] = [services.credentials.resolvePrincipal];
  const closers: Array<() => Promise<void> | void> = [];

  koa.use(requestContext(deps.logger));
  koa.use(errorMiddleware(deps.logger));

  const target = { routes, catalog, bodyLimitBytes: deps.config.bodyLimitBytes };
  for (const m of modules) {
    await m.mount({
      target,
      deps,
      services,
      authenticate: authenticate(resolvers),
      addBearerResolver: (r) => resolvers.push(r),
      onClose: (fn) => closers.push(fn),
    });
  }
  koa.use(routes.middleware());
  return {
    koa,
    catalog,
    async close() {
      for (const fn of closers.reverse()) await fn();
    },
  };
}
