import { Ajv2020, type ErrorObject, type ValidateFunction } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { readdirSync, readFileSync, statSync } from 'node:fs';
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

let shared: SchemaRegistry | undefined;

/** Loads every JSON Schema under `schemas/` once; the OpenAPI document is built from the same files. */
export function loadSchemas(): SchemaRegistry {
  if (shared) return shared;
  const root = join(projectRoot(), 'schemas');
  const ajv = new Ajv2020({ allErrors: true, strict: false, useDefaults: false, coerceTypes: false });
  addFormats(ajv);
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
