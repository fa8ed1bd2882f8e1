import type { Middleware } from 'koa';
import type { ClientService } from '../clients/clientService.js';
import type { CredentialService } from '../credentials/credentialService.js';
import type { BearerResolver } from '../http/auth.js';
import type { RouteTarget } from '../http/routes.js';
import type { UserService } from '../users/userService.js';
import type { Deps } from './deps.js';

export interface CoreServices {
  credentials: CredentialService;
  users: UserService;
  clients: ClientService;
}

export interface ModuleContext {
  target: RouteTarget;
  deps: Deps;
  services: CoreServices;
  /** Requires a valid bearer token of any kind the modules accept. */
  authenticate: Middleware;
  /** Lets a family accept its own bearer tokens (personal tokens, entity tokens, ...). */
  addBearerResolver(resolver: BearerResolver): void;
  /** Runs on shutdown, in reverse order. */
  onClose(fn: () => Promise<void> | void): void;
}

/** A capability: mounts its routes and starts what it needs. */
export interface Module {
  name: string;
  mount(context: ModuleContext): void | Promise<void>;
}
