import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { remember, type TestService } from './service.js';

export interface ReceivedPush {
  body: string;
  headers: IncomingHttpHeaders;
  /** Whether X-TokenLedger-Signature was the HMAC-SHA256 of the body under the provider's secret. */
  signatureValid: boolean;
  answered: number;
}

/**
 * A push provider's callback endpoint, on 127.0.0.1: checks the HMAC signature of every delivery
 * and answers with the scripted statuses (then 200).
 */
export class PushProviderServer {
  readonly received: ReceivedPush[] = [];
  /** Statuses to answer, in order; 200 once they run out. */
  script: number[] = [];
  secret = '';
  private server?: Server;
  url = '';

  async start(): Promise<this> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks).toString('utf8');
        const expected = Buffer.from(`sha256=${createHmac('sha256', this.secret).update(body).digest('hex')}`);
        const given = Buffer.from(String(req.headers['x-tokenledger-signature'] ?? ''));
        const signatureValid = this.secret !== '' && given.length === expected.length && timingSafeEqual(given, expected);
        const answered = this.script.shift() ?? 200;
        this.received.push({ body, headers: req.headers, signatureValid, answered });
        res.writeHead(answered, { 'Content-Type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}/hooks/access-events`;
    return this;
  }

  for(eventId: string): ReceivedPush[] {
    return this.received.filter((r) => r.headers['x-tokenledger-event-id'] === eventId);
  }

  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server?.close(() => resolve()) ?? resolve());
  }
}

/** Polls until `ok(value)` holds, or fails with the last value. */
export async function eventually<T>(get: () => Promise<T> | T, ok: (value: T) => boolean, what: string, timeoutMs = 8000): Promise<T> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    const value = await get();
    if (ok(value)) return value;
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

export const bearer = (token: string) => ({ Authorization: `Bearer ${token}` });

/** The portal's cast: an admin, providers (role provider) and consumers (role user). */
export function portal(t: TestService) {
  const passwords = new Map<string, string>();
  return {
    async user(name: string, roles: string[]): Promise<string> {
      passwords.set(name, `${name}-password-1`);
      return t.userWithRoles(name, roles);
    },
    /** A fresh token, e.g. after the clock moved past the old one's expiry. */
    login(name: string): Promise<string> {
      return t.token(name, passwords.get(name));
    },
    async provider(name: string, username: string, mode: 'push' | 'pull', callbackUrl?: string) {
      const res = await t.http
        .post('/admin/providers')
        .set(bearer(await t.token()))
        .send({ name, username, mode, ...(callbackUrl ? { callbackUrl } : {}) });
      if (res.status !== 201) throw new Error(`registering provider ${name}: ${res.status} ${JSON.stringify(res.body)}`);
      remember(res.body.signingSecret);
      return res.body as { providerId: string; signingSecret?: string };
    },
    async application(consumer: string, name = 'weather-app'): Promise<string> {
      const res = await t.http.post('/portal/applications').set(bearer(consumer)).send({ name });
      if (res.status !== 201) throw new Error(`creating application: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.appId as string;
    },
    async request(consumer: string, appId: string, body: Record<string, unknown>): Promise<string> {
      const res = await t.http.post(`/portal/applications/${appId}/access-requests`).set(bearer(consumer)).send(body);
      if (res.status !== 201) throw new Error(`requesting access: ${res.status} ${JSON.stringify(res.body)}`);
      return res.body.eventId as string;
    },
    view(consumer: string, appId: string, eventId: string) {
      return t.http.get(`/portal/applications/${appId}/access-requests/${eventId}`).set(bearer(consumer));
    },
    credential(consumer: string, appId: string, eventId: string) {
      return t.http.get(`/portal/applications/${appId}/access-requests/${eventId}/credential`).set(bearer(consumer));
    },
    acknowledge(provider: string, updates: Array<Record<string, unknown>>) {
      return t.http.post('/abs/apirepository/v1/events').set(bearer(provider)).send(updates);
    },
    events(provider: string, query = '') {
      return t.http.get(`/abs/apirepository/v1/events${query}`).set(bearer(provider));
    },
    publish(provider: string, eventId: string, body: unknown) {
      return t.http.post(`/abs/apirepository/v1/accesstokens?eventId=${eventId}`).set(bearer(provider)).send(body as object);
    },
    renew(provider: string, uuid: string, eventId: string, body: unknown) {
      return t.http.put(`/abs/apirepository/v1/accesstokens/${uuid}?eventId=${eventId}`).set(bearer(provider)).send(body as object);
    },
    revoke(provider: string, uuid: string, eventId: string) {
      return t.http.delete(`/abs/apirepository/v1/accesstokens/${uuid}?eventId=${eventId}`).set(bearer(provider));
    },
    async introspect(token: string) {
      return (await t.http.post('/oauth2/introspect').set(bearer(await t.token())).type('form').send({ token })).body;
    },
  };
}

export const apiKeyBody = (key: string, expiryDate?: string) => ({
  type: 'APIKey',
  accessTokenDetails: [{ key: 'apiKeyString', value: key }, ...(expiryDate ? [{ key: 'expiryDate', value: expiryDate }] : [])],
});

export const oauth2ApplicationBody = (appId: string, userId: string, clientId: string, clientSecret: string) => ({
  name: 'weather-app',
  description: 'sample desc',
  appId,
  userId,
  type: 'Application',
  accessTokenDetails: [
    {
      type: 'OAuth2',
      properties: [
        { key: 'clientId', value: clientId },
        { key: 'clientSecret', value: clientSecret },
        { key: 'refreshCount', value: '0' },
        { key: 'expiryDate', value: '3600' },
        { key: 'redirect_uris', value: '["https://weather.example/callback"]' },
      ],
    },
  ],
});
