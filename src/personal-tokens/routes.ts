import type { ModuleContext } from '../app/module.js';
import { APINIZER_FAMILY, APINIZER_JSON, requireUser, sendApinizerJson } from '../apinizer/envelope.js';
import { Forbidden, NotFound } from '../errors.js';
import { principalOf } from '../http/auth.js';
import { bodyOf } from '../http/body.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute } from '../http/routes.js';
import { LastUseTracker } from './lastUseTracker.js';
import { PERSONAL_TOKEN_STREAM_PREFIX, type Expiration } from './personalToken.js';
import { PersonalTokenService } from './personalTokenService.js';
import { UUID } from '../ids.js';

export interface PersonalTokenOptions {
  /** How often last uses are written to the read model. */
  lastUseFlushMs?: number;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/** A date alone means the start of that day (UTC): the token expires on that date. */
export function parseExpirationDate(value: string | undefined): Date | null {
  if (value === undefined) return null;
  return new Date(DATE_ONLY.test(value) ? `${value}T00:00:00.000Z` : value);
}

// Per running service, so tests and tools can flush last uses on demand.
const trackers = new WeakMap<object, LastUseTracker>();
export const lastUseTrackerOf = (deps: object): LastUseTracker | undefined => trackers.get(deps);

/** Personal API access tokens: the API, the bearer resolver, and the hooks for introspection and revocation. */
export function mountPersonalTokens(context: ModuleContext, options: PersonalTokenOptions = {}): PersonalTokenService {
  const { target, deps, services, authenticate } = context;
  const lastUse = new LastUseTracker(deps.db, deps.clock, deps.logger);
  trackers.set(deps, lastUse);
  lastUse.start(options.lastUseFlushMs ?? 5_000);
  context.onClose(() => lastUse.stop());

  const tokens = new PersonalTokenService(deps, services.users, lastUse);
  context.addBearerResolver(tokens.resolvePrincipal);
  services.credentials.registerInspector(tokens.inspector);
  services.credentials.registerRevoker(PERSONAL_TOKEN_STREAM_PREFIX, tokens.revoker);

  defineRoute(
    target,
    {
      method: 'post',
      path: '/apiops/profile/tokens',
      family: APINIZER_FAMILY,
      summary: 'Create a personal API access token; its value is shown only in this response',
      tags: ['apinizer'],
      auth: 'bearer',
      body: { types: ['json'], schema: 'requests/apinizer-personal-token' },
      responses: { 201: { description: 'Created', schema: 'responses/apinizer-personal-token-created', contentType: APINIZER_JSON } },
    },
    [authenticate, requireUser],
    async (ctx) => {
      const principal = principalOf(ctx);
      // A leaked personal token must not be able to mint itself successors.
      if (tokens.isPersonalToken(principal.credentialId)) {
        throw new Forbidden('Sign in to create personal tokens; a personal token cannot create another', 'insufficient_scope');
      }
      const body = bodyOf<{ name: string; expiration: Expiration; expirationDate?: string }>(ctx);
      const created = await tokens.create(
        principal.subject,
        { name: body.name, expiration: body.expiration, expirationDate: parseExpirationDate(body.expirationDate) },
        commandContext(ctx, deps.clock),
      );
      ctx.set('Cache-Control', 'no-store');
      sendApinizerJson(ctx, 201, created);
    },
  );

  defineRoute(
    target,
    {
      method: 'get',
      path: '/apiops/profile/tokens',
      family: APINIZER_FAMILY,
      summary: "The caller's personal tokens, newest first; never their values",
      tags: ['apinizer'],
      auth: 'bearer',
      responses: { 200: { description: 'Tokens', schema: 'responses/apinizer-personal-token-list', contentType: APINIZER_JSON } },
    },
    [authenticate, requireUser],
    async (ctx) => sendApinizerJson(ctx, 200, tokens.list(principalOf(ctx).subject)),
  );

  defineRoute(
    target,
    {
      method: 'delete',
      path: '/apiops/profile/tokens/:id',
      family: APINIZER_FAMILY,
      summary: 'Revoke one of the caller’s personal tokens (idempotent)',
      tags: ['apinizer'],
      auth: 'bearer',
      responses: { 204: { description: 'Revoked', schema: null } },
    },
    [authenticate, requireUser],
    async (ctx) => {
      const id = ctx.params.id!;
      if (!UUID.test(id)) throw new NotFound('Unknown personal token');
      await tokens.revoke(principalOf(ctx).subject, id, 'revoked_by_owner', commandContext(ctx, deps.clock));
      ctx.status = 204;
    },
  );
  return tokens;
}
