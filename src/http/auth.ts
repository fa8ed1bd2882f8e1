import type { Context, Next } from 'koa';
import { Forbidden, Unauthorized } from '../errors.js';

/** Who is calling, after their bearer token has been checked. */
export interface Principal {
  /** `user`, `client`, or a family's own kind (`entity`, `consumer`, ...). */
  kind: string;
  subject: string;
  roles: string[];
  scopes: string[];
  /** The credential that authenticated this request. */
  credentialId: string;
  clientId?: string;
  /** For event metadata: `user:alice`, `client:abc`. */
  actor: string;
}

/** Resolves a bearer token to a principal, or undefined when this resolver does not accept it. */
export type BearerResolver = (token: string) => Promise<Principal | undefined>;

/** Who is calling, on a route behind `authenticate`. */
export function principalOf(ctx: Context): Principal {
  return ctx.state.principal as Principal;
}

export function bearerToken(ctx: Context, header = ctx.get('Authorization')): string | undefined {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m?.[1];
}

/** Requires a valid, unrevoked, unexpired bearer token; tries each resolver in turn. */
export function authenticate(resolvers: BearerResolver[]) {
  return async (ctx: Context, next: Next) => {
    const header = ctx.get('Authorization');
    if (!header) throw new Unauthorized('Missing bearer token', 'invalid_request');
    const token = bearerToken(ctx, header);
    if (!token) throw new Unauthorized('Malformed Authorization header', 'invalid_request');
    for (const resolve of resolvers) {
      const principal = await resolve(token);
      if (principal) {
        ctx.state.principal = principal;
        return next();
      }
    }
    throw new Unauthorized('The access token is invalid, expired or revoked', 'invalid_token');
  };
}

/** Requires one of the roles (or, for clients, one of the scopes). */
export function requireRole(...allowed: string[]) {
  // Not async: a guard that only checks adds no promise of its own (koa-compose turns a throw into a rejection).
  return (ctx: Context, next: Next) => {
    const p = ctx.state.principal as Principal | undefined;
    if (!p) throw new Unauthorized();
    if (!allowed.some((r) => p.roles.includes(r) || p.scopes.includes(r))) {
      throw new Forbidden(`Requires one of: ${allowed.join(', ')}`, 'insufficient_scope');
    }
    return next();
  };
}
