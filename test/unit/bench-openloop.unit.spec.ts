import { expect } from 'chai';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { OpenLoopClient } from '../../bench/openLoop.js';

/** A server that answers after `delayMs`, counts the connections it has accepted, and keeps the bodies it was sent. */
function countingServer(delayMs: number): Promise<{ url: string; server: Server; connections: () => number; requests: () => number; bodies: string[] }> {
  let connections = 0;
  let requests = 0;
  const bodies: string[] = [];
  const server = createServer((req, res) => {
    requests++;
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (chunk: string) => (body += chunk));
    req.on('end', () => {
      bodies.push(body);
      setTimeout(() => res.end('{}'), delayMs);
    });
  });
  server.on('connection', () => connections++);
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () =>
      resolve({ url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/x`, server, connections: () => connections, requests: () => requests, bodies }),
    ),
  );
}

describe('bench open loop: runs share connections opened before the first', function () {
  this.timeout(20_000);
  let s: Awaited<ReturnType<typeof countingServer>>;
  afterEach(() => new Promise((resolve) => s.server.close(resolve)));

  it('opens every connection when warmed, and opens none while it runs', async () => {
    s = await countingServer(5);
    const client = new OpenLoopClient(s.url, 8);
    try {
      const request = { url: s.url, method: 'POST' as const, headers: { 'content-type': 'text/plain' }, body: 'x' };
      await client.warm(request);
      expect(s.connections()).to.equal(8);
      expect(s.requests()).to.equal(8);
      const first = await client.run({ ...request, ratePerSecond: 400, seconds: 0.5 });
      const second = await client.run({ ...request, ratePerSecond: 400, seconds: 0.5 });
      expect(s.connections(), 'no run opened a connection of its own').to.equal(8);
      expect(s.requests()).to.equal(8 + 400);
      for (const r of [first, second]) {
        expect(r.errors + r.non2xx).to.equal(0);
        expect(r.p50, 'latency includes the server delay').to.be.at.least(5);
      }
    } finally {
      await client.close();
    }
  });

  it('charges a stall to every request it delayed, from when each was due', async () => {
    // One connection, 20 ms an answer, 200 requests a second: requests queue behind each other, and
    // each latency runs from its due time, so it grows well past the 20 ms of service.
    s = await countingServer(20);
    const client = new OpenLoopClient(s.url, 1);
    try {
      const request = { url: s.url, method: 'GET' as const, headers: {} };
      await client.warm(request);
      const r = await client.run({ ...request, ratePerSecond: 200, seconds: 0.5 });
      expect(s.connections()).to.equal(1);
      expect(r.achievedPerSecond).to.be.below(100);
      expect(r.p99).to.be.above(500);
    } finally {
      await client.close();
    }
  });

  it('gives each request a body of its own when the body is a function', async () => {
    // Sunbird's register is of a new key each time: the same body twice would be a conflict.
    s = await countingServer(1);
    const client = new OpenLoopClient(s.url, 4);
    try {
      let n = 0;
      const request = { url: s.url, method: 'POST' as const, headers: { 'content-type': 'application/json' }, body: () => JSON.stringify({ key: `k-${n++}` }) };
      await client.warm(request);
      const r = await client.run({ ...request, ratePerSecond: 200, seconds: 0.5 });
      expect(r.errors + r.non2xx).to.equal(0);
      expect(s.bodies).to.have.length(4 + 100);
      expect(new Set(s.bodies).size, 'every body differs').to.equal(4 + 100);
      expect(s.bodies).to.include(JSON.stringify({ key: 'k-103' }));
    } finally {
      await client.close();
    }
  });
});
