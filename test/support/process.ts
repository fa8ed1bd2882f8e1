import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const port = (server.address() as { port: number }).port;
      server.close(() => resolve(port));
    });
    server.on('error', reject);
  });
}

export interface RunningService {
  child: ChildProcess;
  url: string;
  output: () => string;
  exited: Promise<number | null>;
}

/**
 * Starts `node <args>` with a free PORT (unless `env.PORT` is set) and waits until `readyPath`
 * answers 200: independent of the log level. Used by the tests and the benchmarks.
 */
export async function startProcess(args: string[], env: Record<string, string>, readyPath: string, timeoutMs = 60_000): Promise<RunningService> {
  const port = env.PORT ?? String(await freePort());
  const child = spawn(process.execPath, args, { env: { ...process.env, ...env, PORT: port }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (!(await fetch(`${url}${readyPath}`).then((r) => r.status === 200, () => false))) {
    if (Date.now() > deadline || child.exitCode !== null) throw new Error(`did not start:\n${out}`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return { child, url, output: () => out, exited };
}

/** Starts the real service (src/main.ts) in its own process, as `npm start` would, and waits until it serves. */
export function spawnService(env: Record<string, string>, timeoutMs = 60_000): Promise<RunningService> {
  return startProcess(['--import', 'tsx', 'src/main.ts'], env, '/health', timeoutMs);
}
