import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Context } from 'koa';
import type { ModuleContext } from '../app/module.js';
import { projectRoot } from '../http/projectRoot.js';
import { defineRoute } from '../http/routes.js';

/** Scripts and styles only from this origin, no inline code, no framing. */
export const CONSOLE_CSP = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self'",
  "connect-src 'self'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

const ASSETS = {
  '/console': { file: 'index.html', type: 'text/html; charset=utf-8' },
  '/console/console.js': { file: 'console.js', type: 'text/javascript; charset=utf-8' },
  '/console/session.js': { file: 'session.js', type: 'text/javascript; charset=utf-8' },
  '/console/tokens.js': { file: 'tokens.js', type: 'text/javascript; charset=utf-8' },
  '/console/console.css': { file: 'console.css', type: 'text/css; charset=utf-8' },
  '/console/favicon.svg': { file: 'favicon.svg', type: 'image/svg+xml' },
} as const;

/** The Management Console: static files from src/console/static, read once at start. */
export function mountConsole({ target }: ModuleContext): void {
  const dir = join(projectRoot(), 'src', 'console', 'static');
  for (const [path, asset] of Object.entries(ASSETS)) {
    const content = readFileSync(join(dir, asset.file));
    const serve = async (ctx: Context) => {
      ctx.set('Content-Security-Policy', CONSOLE_CSP);
      ctx.set('X-Frame-Options', 'DENY');
      ctx.set('Cache-Control', 'no-cache');
      ctx.type = asset.type;
      ctx.body = content;
    };
    defineRoute(
      target,
      {
        method: 'get',
        path,
        family: 'native',
        summary: path === '/console' ? 'The Management Console (web page)' : `Management Console asset ${asset.file}`,
        tags: ['console'],
        auth: 'none',
        responses: { 200: { description: asset.file, schema: null, contentType: asset.type } },
      },
      [],
      serve,
    );
  }
}
