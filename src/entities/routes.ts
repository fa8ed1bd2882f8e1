import type { Context } from 'koa';
import type { Module } from '../app/module.js';
import { BadRequest, Forbidden, Unauthorized } from '../errors.js';
import { requireRole, type Principal } from '../http/auth.js';
import { bodyOf } from '../http/body.js';
import { commandContext } from '../http/requestContext.js';
import { defineRoute } from '../http/routes.js';
import { entityStream } from './decide.js';
import { EntityService, IAM_TOKEN_TTL_SECONDS, type ShownSecret } from './entityService.js';
import { authenticateEchoingTxnId, epochSeconds, IAM_FAMILY, iamHead, useClock, zonelessIso } from './envelope.js';
import { IAM_MESSAGES } from './messages.js';

/** The seed's paths, and the same under the product's own base path. */
const BASES = ['', '/iam/v1'];

interface SecretRequest {
  entityId?: string;
  secretExpiryDays?: number;
}

const present = (value: unknown): value is string => typeof value === 'string' && value.length > 0;

function noStore(ctx: Context) {
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Pragma', 'no-cache');
}

/** Token Service IAM: user tokens, entity secrets (read, reset) and entity tokens; admins register entities. */
export const iamModule: Module = {
  name: 'iam',
  mount({ target, deps, services, authenticate }) {
    const entities = new EntityService(deps, services.credentials, services.users);
    services.credentials.registerInspector(entities.inspectSecret);
    services.credentials.registerRevoker(entityStream(''), entities.revokeSecret);
    const clock = useClock(deps.clock);
    const bearer = authenticateEchoingTxnId(authenticate, deps.config.bodyLimitBytes);

    const tokenBody = (ctx: Context, accessToken: string, extra: Record<string, unknown> = {}) => {
      noStore(ctx);
      ctx.body = { ...iamHead(ctx), accessToken, expiresIn: IAM_TOKEN_TTL_SECONDS, tokenType: 'Bearer', ...extra };
    };
    const secretBody = (ctx: Context, entityId: string, shown: ShownSecret) => {
      noStore(ctx);
      ctx.body = {
        ...iamHead(ctx),
        entityId,
        secret: shown.secret,
        expiresOn: epochSeconds(shown.expiresAt),
        expirationDate: zonelessIso(shown.expiresAt),
        ...(shown.adjusted ? { message: IAM_MESSAGES.expiryAdjusted } : {}),
      };
    };
    /** The owner asking: only users own entities, never clients or entities. */
    const ownerOf = (ctx: Context) => {
      const p = ctx.state.principal as Principal;
      if (p.kind !== 'user') throw new Forbidden(IAM_MESSAGES.notOwner);
      return p.subject;
    };
    const entityIdOf = (ctx: Context) => {
      const body = bodyOf<SecretRequest>(ctx);
      if (!present(body.entityId)) throw new BadRequest(IAM_MESSAGES.entityIdMissing);
      return { entityId: body.entityId, days: body.secretExpiryDays };
    };

    for (const base of BASES) {
      defineRoute(
        target,
        {
          method: 'post',
          path: `${base}/user/token/generate`,
          family: IAM_FAMILY,
          summary: 'User token for a username and password (valid for a day)',
          auth: 'client',
          body: { types: ['json', 'form'], schema: 'requests/iam-user-token' },
          responses: { 200: { description: 'Token', schema: 'responses/iam-token' } },
        },
        [clock],
        async (ctx) => {
          const { username, password } = bodyOf<{ username?: string; password?: string }>(ctx);
          if (!present(username) || !present(password)) throw new BadRequest(IAM_MESSAGES.userCredentialsMissing);
          const user = await services.users.checkPassword(username, password, ctx.ip);
          if (!user) throw new Unauthorized(IAM_MESSAGES.invalidUserCredentials, 'invalid_grant');
          const cmd = { ...commandContext(ctx, deps.clock), actor: `user:${user.username}` };
          const issued = await services.credentials.issueAccessToken(
            { subject: user.username, clientId: null, scopes: [], roles: user.roles, ttlSeconds: IAM_TOKEN_TTL_SECONDS },
            cmd,
          );
          tokenBody(ctx, issued.accessToken);
        },
      );

      defineRoute(
        target,
        {
          method: 'post',
          path: `${base}/entity/secret/read`,
          family: IAM_FAMILY,
          summary: "An entity's current secret (minted when it has none); owners only",
          auth: 'bearer',
          body: { types: ['json'], schema: 'requests/iam-entity-secret' },
          responses: { 200: { description: 'Secret', schema: 'responses/iam-entity-secret' } },
        },
        [clock, bearer],
        async (ctx) => {
          const { entityId, days } = entityIdOf(ctx);
          const shown = await entities.readSecret(entityId, ownerOf(ctx), days, commandContext(ctx, deps.clock));
          secretBody(ctx, entityId, shown);
        },
      );

      defineRoute(
        target,
        {
          method: 'post',
          path: `${base}/entity/secret/reset`,
          family: IAM_FAMILY,
          summary: "Mints a new secret for an entity; the old one stops working at once. Owners only",
          auth: 'bearer',
          body: { types: ['json'], schema: 'requests/iam-entity-secret' },
          responses: { 200: { description: 'New secret', schema: 'responses/iam-entity-secret' } },
        },
        [clock, bearer],
        async (ctx) => {
          const { entityId, days } = entityIdOf(ctx);
          const shown = await entities.resetSecret(entityId, ownerOf(ctx), days, commandContext(ctx, deps.clock));
          secretBody(ctx, entityId, shown);
        },
      );

      defineRoute(
        target,
        {
          method: 'post',
          path: `${base}/entity/token/generate`,
          family: IAM_FAMILY,
          summary: "Entity token for an entity id and its secret (valid for a day; 5 days' grace after the secret expires)",
          auth: 'client',
          body: { types: ['json', 'form'], schema: 'requests/iam-entity-token' },
          responses: { 200: { description: 'Token', schema: 'responses/iam-token' } },
        },
        [clock],
        async (ctx) => {
          const { id, secret } = bodyOf<{ id?: string; secret?: string }>(ctx);
          if (!present(id) || !present(secret)) throw new BadRequest(IAM_MESSAGES.entityCredentialsMissing);
          const token = await entities.generateToken(id, secret, commandContext(ctx, deps.clock));
          tokenBody(ctx, token.accessToken, token.withinGrace ? { message: IAM_MESSAGES.withinGrace(id) } : {});
        },
      );
    }

    defineRoute(
      target,
      {
        method: 'post',
        path: '/admin/entities',
        family: 'native',
        summary: 'Register a Token Service entity and the users who own its secret',
        tags: ['admin', IAM_FAMILY],
        auth: 'bearer',
        body: { types: ['json'], schema: 'requests/iam-entity-register' },
        responses: { 201: { description: 'Created', schema: 'responses/iam-entity' } },
      },
      [authenticate, requireRole('admin')],
      async (ctx) => {
        const input = bodyOf<{ entityId: string; name: string; owners: string[] }>(ctx);
        await entities.register(input, commandContext(ctx, deps.clock));
        ctx.status = 201;
        ctx.body = { entityId: input.entityId, name: input.name, owners: input.owners };
      },
    );
  },
};
