import type { Context, Middleware } from 'koa';
import type { Module, ModuleContext } from '../app/module.js';
import { requireRole } from '../http/auth.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute, type RouteSpec, type RouteTarget } from '../http/routes.js';
import { ConsumerCredentialService, type RegisteredConsumerCredential } from './consumerCredentialService.js';
import { refreshSuccess, registerSuccess, SUNBIRD_FAMILY, sunbirdRequest, SunbirdRequestInvalid, sunbirdState } from './envelope.js';
import { msgidOf, nestFields, refreshTokenOf, registerRequestProblems, wildcardContentTypeAsJson } from './requestBody.js';

/** Who may register consumer credentials: administrators, and clients or users holding this scope. */
export const CONSUMER_REGISTER_SCOPE = 'consumer:register';
const CONSUMER_TYPE = /^[A-Za-z0-9_]{1,64}$/;

/**
 * Every route at its own path and under `/api`, as the seed's examples call it. The seed literally
 * writes `/api//api-manager/…`; that form works too but stays out of the OpenAPI document.
 */
function defineEverywhere(target: RouteTarget, spec: RouteSpec, guards: Middleware[], handler: Middleware): void {
  defineRoute(target, spec, guards, handler);
  defineRoute(target, { ...spec, path: `/api${spec.path}` }, guards, handler);
  defineRoute({ ...target, catalog: [] }, { ...spec, path: `/api/${spec.path}` }, guards, handler);
}

const registerResponses: RouteSpec['responses'] = {
  200: { description: 'The credential: key, secret (v1) and token', schema: 'responses/sunbird-consumer-credential' },
  400: { description: 'BAD_REQUEST: see params.errmsg', schema: 'responses/sunbird-error' },
  401: { description: 'Missing, malformed, expired or revoked bearer token', schema: 'responses/sunbird-error' },
  403: { description: `Neither an administrator nor the scope ${CONSUMER_REGISTER_SCOPE}`, schema: 'responses/sunbird-error' },
  415: { description: 'Unsupported media type', schema: 'responses/sunbird-error' },
  500: { description: 'INTERNAL_ERROR', schema: 'responses/sunbird-error' },
};

/** The Sunbird API manager: consumer credentials (v1 HS256, v2 RS256 with kid) and token refresh. */
export const sunbirdModule: Module = {
  name: 'sunbird',
  async mount({ target, deps, services, authenticate }: ModuleContext) {
    const { consumerTypes, keysPerGroup } = deps.config.sunbird;
    const invalid = consumerTypes.filter((t) => !CONSUMER_TYPE.test(t) || t === 'native');
    if (invalid.length) throw new Error(`LEDGER_SUNBIRD_CONSUMER_TYPES: invalid consumer type(s): ${invalid.join(', ')}`);

    const consumers = new ConsumerCredentialService(deps, consumerTypes);
    const system = { actor: 'system', correlationId: `startup-${process.pid}`, time: deps.clock.now().toISOString() };
    await consumers.ensureKeyGroups(keysPerGroup, system);
    services.credentials.registerInspector(consumers.inspect);
    services.credentials.registerRevoker('consumer-', consumers.revoke);

    const registerGuards = [
      authenticate,
      requireRole('admin', CONSUMER_REGISTER_SCOPE),
      wildcardContentTypeAsJson,
    ] as Middleware[];

    const registerHandler =
      (register: (consumer: string, key: string, ctx: Context) => Promise<RegisteredConsumerCredential>) => async (ctx: Context) => {
        const s = sunbirdState(ctx);
        const fields = nestFields(ctx.request.body);
        s.msgid = msgidOf(fields);
        const { key, problems } = registerRequestProblems(fields);
        if (problems.length || key === undefined) throw new SunbirdRequestInvalid(problems);
        const registered = await register(ctx.params.consumer!, key, ctx);
        ctx.set('Cache-Control', 'no-store');
        ctx.body = registerSuccess(s, { key: registered.key, secret: registered.secret, token: registered.token });
      };

    for (const version of ['v1', 'v2'] as const) {
      defineEverywhere(
        target,
        {
          method: 'post',
          path: `/api-manager/${version}/consumer/:consumer/credential/register`,
          family: SUNBIRD_FAMILY,
          summary:
            version === 'v1'
              ? 'Register a consumer credential: an HS256 token signed with the returned secret'
              : 'Register a consumer credential: an RS256 token signed with a key of the consumer type (see JWKS)',
          tags: ['sunbird'],
          auth: 'bearer',
          // The schema only describes; the Sunbird rules and their exact messages are checked in the handler.
          body: { types: ['json', 'form', 'multipart'], schema: 'requests/sunbird-consumer-register' },
          responses: registerResponses,
        },
        [sunbirdRequest('register', deps.clock), ...registerGuards],
        registerHandler((consumer, key, ctx) =>
          version === 'v1'
            ? consumers.registerV1(consumer, key, commandContext(ctx, deps.clock))
            : consumers.registerV2(consumer, key, commandContext(ctx, deps.clock)),
        ),
      );
    }

    defineEverywhere(
      target,
      {
        method: 'post',
        path: '/auth/v1/refresh/token',
        family: SUNBIRD_FAMILY,
        summary: 'Exchange a refresh token for a new access token and a new refresh token (rotation)',
        tags: ['sunbird'],
        // Holding the refresh token is the proof, as for the native refresh_token grant.
        auth: 'none',
        body: { types: ['form', 'json', 'multipart'], schema: 'requests/sunbird-refresh-token' },
        responses: {
          200: { description: 'New tokens', schema: 'responses/sunbird-refresh-token' },
          400: { description: 'BAD_REQUEST, or invalid_grant with null tokens', schema: 'responses/sunbird-error' },
          415: { description: 'Unsupported media type', schema: 'responses/sunbird-error' },
        },
      },
      [sunbirdRequest('refresh', deps.clock), wildcardContentTypeAsJson as Middleware],
      async (ctx) => {
        const refreshToken = refreshTokenOf(ctx.request.body);
        if (!refreshToken) throw new SunbirdRequestInvalid(['REFRESH TOKEN IS MANDATORY']);
        const rotated = await services.credentials.rotateRefreshToken(refreshToken, commandContext(ctx, deps.clock));
        ctx.set('Cache-Control', 'no-store');
        ctx.body = refreshSuccess(sunbirdState(ctx), {
          access_token: rotated.accessToken,
          expires_in: rotated.expiresIn,
          refresh_expires_in: rotated.refreshExpiresIn,
          refresh_token: rotated.refreshToken,
        });
      },
    );
  },
};
