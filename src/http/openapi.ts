import { errorSchemas } from './families.js';
import type { RouteCatalog } from './routes.js';
import { loadSchemas } from './schemas.js';

const ref = (id: string) => ({ $ref: `#/components/schemas/${id.replace(/\//g, '.')}` });

/** Rewrites `$ref: "responses/x"` between schema files into component references. */
function rewriteRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(rewriteRefs);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      if (k === '$id') continue;
      out[k] = k === '$ref' && typeof v === 'string' && !v.startsWith('#') ? ref(v).$ref : rewriteRefs(v);
    }
    return out;
  }
  return value;
}

const MIME = { json: 'application/json', form: 'application/x-www-form-urlencoded', multipart: 'multipart/form-data' };

/** The OpenAPI 3.1 document, assembled from the route catalog and the files in `schemas/`. */
export function buildOpenApi(catalog: RouteCatalog, serverUrl: string): Record<string, unknown> {
  const schemas = loadSchemas();
  const components: Record<string, unknown> = {};
  for (const [id, schema] of schemas.all) components[id.replace(/\//g, '.')] = rewriteRefs(schema);
  const paths: Record<string, Record<string, unknown>> = {};
  for (const r of catalog) {
    const path = r.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [
      ...[...r.path.matchAll(/:(\w+)/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } })),
      ...Object.entries(r.query ?? {}).map(([name, q]) => ({
        name,
        in: 'query',
        required: q.required ?? false,
        description: q.description,
        schema: q.schema ?? { type: 'string' },
      })),
    ];
    const responses: Record<string, unknown> = {};
    for (const [status, res] of Object.entries(r.responses)) {
      responses[status] = {
        description: res.description,
        ...(res.schema ? { content: { [res.contentType ?? 'application/json']: { schema: ref(res.schema) } } } : {}),
      };
    }
    const errorSchema = errorSchemas.get(r.family) ?? 'responses/oauth2-error';
    for (const status of ['400', '401', '403', '404', '409', '413', '415', '429', '500']) {
      responses[status] ??= { description: 'Error', content: { 'application/json': { schema: ref(errorSchema) } } };
    }
    paths[path] ??= {};
    paths[path]![r.method] = {
      summary: r.summary,
      tags: r.tags ?? [r.family],
      ...(parameters.length ? { parameters } : {}),
      ...(r.auth === 'bearer' ? { security: [{ bearerAuth: [] }] } : {}),
      ...(r.body
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(r.body.types.map((t) => [MIME[t], { schema: r.body!.schema ? ref(r.body!.schema) : { type: 'object' } }])),
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'token-ledger', version: '0.1.0', description: 'Issues, renews, revokes and validates API credentials; every change is an event in a ledger.' },
    servers: [{ url: serverUrl }],
    paths,
    components: { schemas: components, securitySchemes: { bearerAuth: { type: 'http', scheme: 'bearer' } } },
  };
}
