import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';

/**
 * Starts the worker module `<name>.js` beside `from` (the caller's import.meta.url) when compiled,
 * or `<name>.ts` from source under tsx: Node 20 cannot load a .ts worker entry through --import
 * hooks, so the worker registers tsx first.
 */
export function spawnWorker(from: string, name: string, workerData: unknown): Worker {
  const compiled = new URL(`./${name}.js`, from);
  if (existsSync(fileURLToPath(compiled))) return new Worker(compiled, { workerData });
  const source = new URL(`./${name}.ts`, from).href;
  const boot = `import('tsx/esm/api').then((tsx) => { tsx.register(); return import(${JSON.stringify(source)}); })`;
  return new Worker(boot, { eval: true, workerData });
}
