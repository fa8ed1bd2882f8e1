import { CALLERS, type Caller } from './callers.js';

/**
 * Every route against every kind of caller: the status each answers to a request with placeholder
 * ids and an empty body. 401 = not authenticated; 403 = authenticated without the right;
 * anything else = let through to the route's own checks (400 for the empty body, 404 for the
 * placeholder id, 200). Columns, in order:
 *   anonymous, user, provider, auditor, admin, entity token, consumer token (Sunbird),
 *   personal token (of a user), revoked token, expired token.
 */
const ROWS: Record<string, number[]> = {
  "DELETE /abs/apirepository/v1/accesstokens/:accesstokenuuid":          [401, 403, 400, 403, 403, 403, 401, 403, 401, 401],
  "DELETE /apiops/profile/tokens/:id":                                   [401, 404, 404, 404, 404, 403, 401, 404, 401, 401],
  "GET /.well-known/jwks.json":                                          [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /.well-known/oauth-authorization-server":                         [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /abs/apirepository/v1/events":                                    [401, 403, 200, 403, 403, 403, 401, 403, 401, 401],
  "GET /admin/providers":                                                [401, 403, 403, 403, 200, 403, 401, 403, 401, 401],
  "GET /apiops/profile":                                                 [401, 200, 200, 200, 200, 403, 401, 200, 401, 401],
  "GET /apiops/profile/tokens":                                          [401, 200, 200, 200, 200, 403, 401, 200, 401, 401],
  "GET /console":                                                        [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /console/console.css":                                            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /console/console.js":                                             [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /console/favicon.svg":                                            [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /console/session.js":                                             [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /console/tokens.js":                                              [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /health":                                                         [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /ledger/credentials/:id":                                         [401, 403, 403, 404, 404, 403, 401, 403, 401, 401],
  "GET /ledger/credentials/:id/history":                                 [401, 403, 403, 404, 404, 403, 401, 403, 401, 401],
  "GET /ledger/credentials/:id/lineage":                                 [401, 403, 403, 404, 404, 403, 401, 403, 401, 401],
  "GET /ledger/subjects/:subject/history":                               [401, 403, 403, 404, 404, 403, 401, 403, 401, 401],
  "GET /ledger/verify":                                                  [401, 403, 403, 200, 200, 403, 401, 403, 401, 401],
  "GET /openapi.json":                                                   [200, 200, 200, 200, 200, 200, 200, 200, 200, 200],
  "GET /portal/applications/:appId/access-requests/:eventId":            [401, 404, 403, 403, 403, 403, 401, 404, 401, 401],
  "GET /portal/applications/:appId/access-requests/:eventId/credential": [401, 404, 403, 403, 403, 403, 401, 404, 401, 401],
  "POST /abs/apirepository/v1/accesstokens":                             [401, 403, 400, 403, 403, 403, 401, 403, 401, 401],
  "POST /abs/apirepository/v1/events":                                   [401, 403, 400, 403, 403, 403, 401, 403, 401, 401],
  "POST /admin/clients":                                                 [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /admin/entities":                                                [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /admin/providers":                                               [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /admin/users":                                                   [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /api-manager/v1/consumer/:consumer/credential/register":         [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /api-manager/v2/consumer/:consumer/credential/register":         [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /api/api-manager/v1/consumer/:consumer/credential/register":     [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /api/api-manager/v2/consumer/:consumer/credential/register":     [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /api/auth/v1/refresh/token":                                     [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "POST /apiops/auth/token":                                             [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "POST /apiops/profile/tokens":                                         [401, 400, 400, 400, 400, 403, 401, 400, 401, 401],
  "POST /auth/v1/refresh/token":                                         [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "POST /entity/secret/read":                                            [401, 400, 400, 400, 400, 400, 401, 400, 401, 401],
  "POST /entity/secret/reset":                                           [401, 400, 400, 400, 400, 400, 401, 400, 401, 401],
  "POST /entity/token/generate":                                         [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "POST /iam/v1/entity/secret/read":                                     [401, 400, 400, 400, 400, 400, 401, 400, 401, 401],
  "POST /iam/v1/entity/secret/reset":                                    [401, 400, 400, 400, 400, 400, 401, 400, 401, 401],
  "POST /iam/v1/entity/token/generate":                                  [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "POST /iam/v1/user/token/generate":                                    [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "POST /ledger/credentials/:id/compromise":                             [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /oauth2/introspect":                                             [401, 403, 403, 403, 400, 403, 401, 403, 401, 401],
  "POST /oauth2/revoke":                                                 [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "POST /oauth2/token":                                                  [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "POST /portal/applications":                                           [401, 400, 403, 403, 403, 403, 401, 400, 401, 401],
  "POST /portal/applications/:appId/access-requests":                    [401, 400, 403, 403, 403, 403, 401, 400, 401, 401],
  "POST /user/token/generate":                                           [400, 400, 400, 400, 400, 400, 400, 400, 400, 400],
  "PUT /abs/apirepository/v1/accesstokens/:accesstokenuuid":             [401, 403, 400, 403, 403, 403, 401, 403, 401, 401],
  "PUT /apiops/profile":                                                 [401, 400, 400, 400, 400, 403, 401, 400, 401, 401],
};

export const AUTHORIZATION_MATRIX: Record<string, Record<Caller, number>> = Object.fromEntries(
  Object.entries(ROWS).map(([route, row]) => [route, Object.fromEntries(CALLERS.map((c, i) => [c, row[i]!])) as Record<Caller, number>]),
);
