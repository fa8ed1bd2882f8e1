// The baseline: bare Koa with the same body parser, answering a form POST with a JSON body of similar size.
import Koa from 'koa';
import { koaBody } from 'koa-body';

const app = new Koa();
app.use(koaBody({ urlencoded: true, json: true }));
app.use((ctx) => {
  if (ctx.method === 'GET') return void (ctx.body = 'ok');
  const body = ctx.request.body as Record<string, string>;
  ctx.body = { active: true, sub: 'admin', scope: '', client_id: null, token_type: 'Bearer', jti: '00000000-0000-0000-0000-000000000000', echo: body.token?.length ?? 0 };
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
