import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `<name>.js` beside `from` (the caller's import.meta.url) when compiled,
 * or `<name>.ts` from source under tsx: Node 20 cannot load a .ts worker entry through --import
 * hooks, so the worker registers tsx first.
 */
export function spawnWorker(from: string, name: string, workerData: unknown): Worker {
  const source = moduleBeside(from, name);
  if (source.endsWith('.js')) return new Worker(new URL(source), { workerData });
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * The URL of module `<name>` beside `from`: the compiled `.js` when there is one, else the `.ts`
 * source (for a module a worker imports: under tsx, a worker spawned here can import `.ts`).
 */
export function moduleBeside(from: string, name: string): string {
  const compiled = new URL(`./${name}.js`, from);
  return existsSync(fileURLToPath(compiled)) ? compiled.href : new URL(`./${name}.ts`, from).href;
}
