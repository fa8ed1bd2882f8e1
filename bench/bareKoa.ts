// The baseline: bare Koa with the same body parser, answering each scenario's request shape with the
// response the service gave it. The harness sends one real request of each scenario to the service
// and hands bare Koa the answer (`PUT /<shape>` with { status, type, body }); bare Koa then parses
// every POST to /<shape> as the service would (koa-body: a form or JSON, the same bytes and headers)
// and answers it with that status, content type and body, serialised afresh each time as Koa does.
import Koa from 'koa';
import { koaBody } from 'koa-body';

interface Answer {
  status: number;
  type: string;
  /** A JSON answer as a value (Koa serialises it per request, as it does the service's), else its text. */
  body: unknown;
}

const answers = new Map<string, Answer>();
const app = new Koa();
app.use(koaBody({ urlencoded: true, json: true }));
app.use((ctx) => {
  if (ctx.method === 'GET') return void (ctx.body = 'ok');
  if (ctx.method === 'PUT') {
    const answer = ctx.request.body as unknown as Partial<Answer>;
    if (typeof answer.status !== 'number' || typeof answer.type !== 'string' || answer.body === undefined) return void (ctx.status = 400);
    answers.set(ctx.path, answer as Answer);
    return void (ctx.status = 204);
  }
  const answer = answers.get(ctx.path);
  if (!answer) return void (ctx.status = 404);
  ctx.status = answer.status;
  ctx.type = answer.type;
  ctx.body = answer.body;
});
const server = app.listen(Number(process.env.PORT), '127.0.0.1', () => process.stdout.write('listening\n'));
process.on('SIGTERM', () => server.close(() => process.exit(0)));
