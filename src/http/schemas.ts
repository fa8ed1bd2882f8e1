import { _, Ajv2020, type ErrorObject, type KeywordCxt, type KeywordDefinition, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { ValidationFailed } from '../errors.js';
import { projectRoot } from './projectRoot.js';

const addFormats = addFormatsModule as unknown as (ajv: Ajv2020) => void;

export interface SchemaRegistry {
  /** Every schema by its `$id` (`requests/oauth2-token`, `events/CredentialIssued`, ...). */
  all: Map<string, Record<string, unknown>>;
  validate(id: string, value: unknown): void;
  has(id: string): boolean;
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? walk(path) : name.endsWith('.json') ? [path] : [];
  });
}

/** Human-sized messages a client can act on, e.g. `client_id is required`. */
export function describeErrors(errors: ErrorObject[]): string[] {
  return errors.map((e) => {
    const at = e.instancePath.replace(/^\//, '').replace(/\//g, '.');
    if (e.keyword === 'required') return `${at ? at + '.' : ''}${(e.params as { missingProperty: string }).missingProperty} is required`;
    if (e.keyword === 'additionalProperties') return `unknown field '${(e.params as { additionalProperty: string }).additionalProperty}'`;
    if (e.keyword === 'enum') return `${at || 'value'} must be one of: ${(e.params as { allowedValues: unknown[] }).allowedValues.join(', ')}`;
    return `${at || 'body'} ${e.message ?? 'is invalid'}`;
  });
}

// ajv's own keyword (for its errors) and code-point counter. Required, not imported: these are
// CommonJS modules whose `default` export an import would resolve differently under tsx and node.
const require = createRequire(import.meta.url);
const ajvLimitLength = (require('ajv/dist/vocabularies/validation/limitLength.js') as { default: KeywordDefinition }).default;
const ucs2length = (require('ajv/dist/runtime/ucs2length.js') as { default: (s: string) => number }).default;

/**
 * ajv's minLength/maxLength, with the same errors, counting code points only when the UTF-16 length
 * cannot decide: a string has at most `length` code points and at least half as many. ajv counts
 * every time, one character at a time: 2–4 µs for a 450-character JWT, a tenth of what an
 * introspection costs on top of bare Koa.
 */
export const lengthKeywords: KeywordDefinition = {
  ...ajvLimitLength,
  code(cxt: KeywordCxt) {
    const { keyword, data, schemaCode, gen } = cxt;
    const count = gen.scopeValue('func', { ref: ucs2length, code: _`require("ajv/dist/runtime/ucs2length").default` });
    cxt.fail$data(
      keyword === 'maxLength'
        ? _`${data}.length > ${schemaCode} && ${count}(${data}) > ${schemaCode}`
        : _`${data}.length < 2 * ${schemaCode} && ${count}(${data}) < ${schemaCode}`,
    );
  },
};

let shared: SchemaRegistry | undefined;

/** Loads every JSON Schema under `schemas/` once; the OpenAPI document is built from the same files. */
export function loadSchemas(): SchemaRegistry {
  if (shared) return shared;
  const root = join(projectRoot(), 'schemas');
  const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: false, coerceTypes: false });
  addFormats(ajv);
  ajv.removeKeyword('maxLength').removeKeyword('minLength').addKeyword(lengthKeywords);
  const all = new Map<string, Record<string, unknown>>();
  for (const file of walk(root)) {
    const schema = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    const id = relative(root, file).replace(/\.json$/, '');
    schema.$id = id;
    all.set(id, schema);
    ajv.addSchema(schema, id);
  }
  const compiled = new Map<string, ValidateFunction>();
  shared = {
    all,
    has: (id) => all.has(id),
    validate(id, value) {
      let fn = compiled.get(id);
      if (!fn) {
        fn = ajv.getSchema(id);
        if (!fn) throw new Error(`Unknown schema ${id}`);
        compiled.set(id, fn);
      }
      if (!fn(value)) throw new ValidationFailed(describeErrors(fn.errors ?? []));
    },
  };
  return shared;
}
