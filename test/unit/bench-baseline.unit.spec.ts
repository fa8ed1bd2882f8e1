import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { shapeBaseline, startProcess, stop } from '../../bench/harness.js';

/** A stand-in for the service: answers the one request shape each path gets. */
function fakeService(): Promise<{ url: string; server: Server }> {
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => (body += d));
    req.on('end', () => {
      if (req.url === '/json') {
        res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
        res.end(JSON.stringify({ result: { token: 'abc', echo: body.length }, params: { status: 'successful' } }));
      } else if (req.url === '/empty') {
        res.writeHead(200, { 'content-type': 'text/plain; charset=utf-8' });
        res.end();
      } else {
        res.writeHead(400, { 'content-type': 'application/json' });
        res.end('{"error":"invalid_request"}');
      }
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, server })));
}

describe("bench baseline: bare Koa answers each scenario's request shape as the service did", function () {
  this.timeout(30_000);
  let koa: Awaited<ReturnType<typeof startProcess>>;
  let service: Awaited<ReturnType<typeof fakeService>>;
  before(async () => {
    koa = await startProcess(['--import', 'tsx', 'bench/bareKoa.ts'], {}, '/');
    service = await fakeService();
  });
  after(async () => {
    await stop(koa.child);
    service.server.close();
  });

  it('is taught the status, content type and body the service answered a sample with, and is aimed at with the same request', async () => {
    const sample = { url: `${service.url}/json`, method: 'POST' as const, headers: { 'content-type': 'application/json', authorization: 'Bearer x' }, body: '{"request":{"key":"k-1"}}' };
    const bare = await shapeBaseline(koa.url, 'sunbird', sample);
    expect(bare).to.deep.equal({ ...sample, url: `${koa.url}/sunbird` });
    const res = await fetch(bare.url, { method: 'POST', headers: bare.headers, body: bare.body });
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.equal('application/json; charset=utf-8');
    expect(await res.json()).to.deep.equal({ result: { token: 'abc', echo: 25 }, params: { status: 'successful' } });

    const empty = await shapeBaseline(koa.url, 'revoke', { ...sample, url: `${service.url}/empty`, headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'token=t' });
    const answered = await fetch(empty.url, { method: 'POST', headers: empty.headers, body: empty.body });
    expect([answered.status, answered.headers.get('content-type'), await answered.text()]).to.deep.equal([200, 'text/plain; charset=utf-8', '']);
    // Each shape keeps its own answer.
    expect(await (await fetch(bare.url, { method: 'POST', headers: bare.headers, body: bare.body })).json()).to.have.nested.property('result.token', 'abc');
  });

  it('refuses a sample the service did not answer with 200, and answers an untaught shape with 404', async () => {
    let error: unknown;
    await shapeBaseline(koa.url, 'bad', { url: `${service.url}/nope`, method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' }).catch((e) => (error = e));
    expect(String(error)).to.match(/bad: the service answered the sample with 400/);
    expect((await fetch(`${koa.url}/never-taught`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status).to.equal(404);
  });
});
