import type { Context } from 'koa';
import type { Module, ModuleContext } from '../app/module.js';
import { BadRequest, Unauthorized } from '../errors.js';
import { requireRole } from '../http/auth.js';
import { commandContext } from '../http/requestContext.js';
import { bodyOf } from '../http/body.js';
import { defineRoute } from '../http/routes.js';
import { loadSchemas } from '../http/schemas.js';

const GRANTS = ['password', 'client_credentials', 'refresh_token'] as const;

function basicCredentials(ctx: Context): { id: string; secret: string } | undefined {
  const m = /^Basic\s+([A-Za-z0-9+/=]+)$/i.exec(ctx.get('Authorization'));
  if (!m) return undefined;
  const decoded = Buffer.from(m[1]!, 'base64').toString('utf8');
  const i = decoded.indexOf(':');
  if (i < 0) return undefined;
  return { id: decodeURIComponent(decoded.slice(0, i)), secret: decodeURIComponent(decoded.slice(i + 1)) };
}

function tokenResponse(ctx: Context, body: Record<string, unknown>) {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
  ctx.body = body;
}

/** The native API: RFC 6749 token endpoint, RFC 7009 revocation, RFC 7662 introspection, RFC 8414 and JWKS. */
export const oauth2Module: Module = {
  name: 'oauth2',
  mount({ target, deps, services, authenticate }: ModuleContext) {
    const schemas = loadSchemas();
    const { config } = deps;

    defineRoute(
      target,
      {
        method: 'post',
        path: '/oauth2/token',
        family: 'native',
        summary: 'Issue tokens (password, client_credentials, refresh_token grants)',
        auth: 'client',
        body: { types: ['form'], schema: 'requests/oauth2-token' },
        responses: { 200: { description: 'Tokens', schema: 'responses/oauth2-token' } },
      },
      [],
      async (ctx) => {
        const body = bodyOf<Record<string, string>>(ctx);
        const grant = body.grant_type;
        if (!(GRANTS as readonly string[]).includes(grant)) {
          throw new BadRequest(`grant_type must be one of: ${GRANTS.join(', ')}`, 'unsupported_grant_type');
        }
        schemas.validate(`requests/oauth2-token-${grant}`, body);
        const cmd = commandContext(ctx, deps.clock);
        if (grant === 'password') {
          const user = await services.users.checkPassword(body.username!, body.password!, ctx.ip);
          if (!user) throw new BadRequest('Invalid username or password', 'invalid_grant');
          cmd.actor = `user:${user.username}`;
          const scopes = body.scope ? body.scope.split(' ') : [];
          const input = { subject: user.username, clientId: null, scopes, roles: user.roles };
          // The family first, so that its access tokens die with it (RFC 7009 §2.1).
          const refresh = await services.credentials.issueRefreshToken(input, cmd);
          const access = await services.credentials.issueAccessToken({ ...input, familyId: refresh.familyId }, cmd);
          return tokenResponse(ctx, {
            access_token: access.accessToken,
            token_type: 'Bearer',
            expires_in: access.expiresIn,
            refresh_token: refresh.refreshToken,
            refresh_expires_in: refresh.expiresIn,
            scope: scopes.join(' '),
          });
        }
        if (grant === 'client_credentials') {
          const basic = basicCredentials(ctx);
          const id = basic?.id ?? body.client_id;
          const secret = basic?.secret ?? body.client_secret;
          if (!id || !secret) throw new BadRequest('client_id and client_secret are required', 'invalid_request');
          const client = await services.clients.authenticate(id, secret);
          if (!client) throw new Unauthorized('Client authentication failed', 'invalid_client');
          const requested = body.scope ? body.scope.split(' ') : client.scopes;
          const unknown = requested.filter((s) => !client.scopes.includes(s));
          if (unknown.length) throw new BadRequest(`Scope not allowed for this client: ${unknown.join(' ')}`, 'invalid_scope');
          cmd.actor = `client:${client.clientId}`;
          const access = await services.credentials.issueAccessToken(
            { subject: client.clientId, clientId: client.clientId, scopes: requested, roles: [] },
            cmd,
          );
          return tokenResponse(ctx, { access_token: access.accessToken, token_type: 'Bearer', expires_in: access.expiresIn, scope: requested.join(' ') });
        }
        const rotated = await services.credentials.rotateRefreshToken(body.refresh_token!, cmd);
        tokenResponse(ctx, {
          access_token: rotated.accessToken,
          token_type: 'Bearer',
          expires_in: rotated.expiresIn,
          refresh_token: rotated.refreshToken,
          refresh_expires_in: rotated.refreshExpiresIn,
        });
      },
    );

    defineRoute(
      target,
      {
        method: 'post',
        path: '/oauth2/revoke',
        family: 'native',
        summary: 'Revoke a token (RFC 7009); holding a token is enough to revoke it',
        auth: 'none',
        body: { types: ['form'], schema: 'requests/oauth2-revoke' },
        responses: { 200: { description: 'Revoked, or unknown (RFC 7009 §2.2)', schema: null } },
      },
      [],
      async (ctx) => {
        const { token } = bodyOf<{ token: string }>(ctx);
        const id = await services.credentials.credentialIdOf(token);
        if (id) await services.credentials.revoke(id, 'revoked_by_holder', commandContext(ctx, deps.clock));
        ctx.status = 200;
        ctx.body = '';
      },
    );

    defineRoute(
      target,
      {
        method: 'post',
        path: '/oauth2/introspect',
        family: 'native',
        summary: 'Introspect a token (RFC 7662); admin only',
        auth: 'bearer',
        body: { types: ['form'], schema: 'requests/oauth2-introspect' },
        responses: { 200: { description: 'Introspection', schema: 'responses/oauth2-introspection' } },
      },
      [authenticate, requireRole('admin')],
      async (ctx) => {
        const { token } = bodyOf<{ token: string }>(ctx);
        ctx.body = await services.credentials.introspect(token);
      },
    );

    defineRoute(
      target,
      {
        method: 'get',
        path: '/.well-known/jwks.json',
        family: 'native',
        summary: 'Published signing keys (RFC 7517)',
        auth: 'none',
        responses: { 200: { description: 'JWKS', schema: 'responses/jwks' } },
      },
      [],
      async (ctx) => {
        ctx.set('Cache-Control', 'public, max-age=60');
        ctx.body = deps.keys.jwks();
      },
    );

    defineRoute(
      target,
      {
        method: 'get',
        path: '/.well-known/oauth-authorization-server',
        family: 'native',
        summary: 'Authorization server metadata (RFC 8414)',
        auth: 'none',
        responses: { 200: { description: 'Metadata', schema: 'responses/oauth2-metadata' } },
      },
      [],
      async (ctx) => {
        const iss = config.issuer;
        ctx.body = {
          issuer: iss,
          token_endpoint: `${iss}/oauth2/token`,
          revocation_endpoint: `${iss}/oauth2/revoke`,
          introspection_endpoint: `${iss}/oauth2/introspect`,
          jwks_uri: `${iss}/.well-known/jwks.json`,
          grant_types_supported: [...GRANTS],
          response_types_supported: ['token'],
          token_endpoint_auth_methods_supported: ['client_secret_basic', 'client_secret_post'],
          revocation_endpoint_auth_methods_supported: ['none'],
          introspection_endpoint_auth_methods_supported: ['bearer'],
          token_endpoint_auth_signing_alg_values_supported: ['ES256'],
        };
      },
    );
  },
};
