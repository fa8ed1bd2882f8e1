import { expect } from 'chai';
import { ADMIN, ManualClock, remember, startTestService, type TestService } from '../support/service.js';

describe('audit: history, state at an instant, lineage, compromise, verify', () => {
  let t: TestService;
  let clock: ManualClock;
  let admin: string;
  let auditor: string;
  const T0 = new Date('2026-05-01T12:00:00Z');

  /** Moves the clock; callers' tokens (15 minutes) are renewed, as real callers would. */
  const setClock = async (iso: string) => {
    clock.set(iso);
    admin = await t.token();
    auditor = await t.token('ada', 'ada-password-1');
  };
  const asAuditor = (path: string) => t.http.get(path).set('Authorization', `Bearer ${auditor}`);
  const login = async () => {
    const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'password', ...ADMIN });
    remember(res.body.access_token, res.body.refresh_token);
    return res.body as { access_token: string; refresh_token: string };
  };
  const rotate = async (refresh_token: string) => {
    const res = await t.http.post('/oauth2/token').type('form').send({ grant_type: 'refresh_token', refresh_token });
    remember(res.body.access_token, res.body.refresh_token);
    return res.body as { access_token: string; refresh_token: string };
  };
  const familyOf = (rt: string) => rt.slice(4, 36).replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5');
  const jtiOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split('.')[1]!, 'base64url').toString()).jti as string;

  before(async () => {
    clock = new ManualClock(T0);
    t = await startTestService({ clock });
    admin = await t.token();
    auditor = await t.userWithRoles('ada', ['auditor']);
  });
  after(() => t.close());

  it('state at an instant: active before revocation, revoked after, unknown before issue', async () => {
    await setClock('2026-05-02T00:00:00Z');
    const token = await t.token();
    const jti = jtiOf(token);
    await setClock('2026-05-02T00:05:00Z');
    await t.http.post('/oauth2/revoke').type('form').send({ token });
    const at = async (iso: string) => (await asAuditor(`/ledger/credentials/${jti}?at=${iso}`)).body;
    expect(await at('2026-05-01T23:59:59Z')).to.include({ status: 'unknown', eventsApplied: 0 });
    const active = await at('2026-05-02T00:01:00Z');
    expect(active).to.include({ status: 'active', kind: 'access_token', subject: 'admin', revision: 0, expiresAt: '2026-05-02T00:15:00.000Z' });
    expect(active.kid).to.be.a('string');
    expect(await at('2026-05-02T00:06:00Z')).to.include({ status: 'revoked', revokedAt: '2026-05-02T00:05:00.000Z', revision: 1 });
    expect((await asAuditor(`/ledger/credentials/${jti}?at=soon`)).status).to.equal(400);
  });

  it('an expired credential reads as expired at a later instant', async () => {
    await setClock('2026-05-03T00:00:00Z');
    const jti = jtiOf(await t.token());
    expect((await asAuditor(`/ledger/credentials/${jti}?at=2026-05-03T00:20:00Z`)).body.status).to.equal('expired');
  });

  it('history is filtered by type and time, and paginated', async () => {
    await setClock('2026-05-04T00:00:00Z');
    const first = await login();
    await setClock('2026-05-04T01:00:00Z');
    const second = await rotate(first.refresh_token);
    await setClock('2026-05-04T02:00:00Z');
    await rotate(second.refresh_token);
    const fam = familyOf(first.refresh_token);
    const all = (await asAuditor(`/ledger/credentials/${fam}/history`)).body;
    expect(all.events.map((e: { type: string }) => e.type)).to.deep.equal(['CredentialIssued', 'RefreshTokenRotated', 'RefreshTokenRotated']);
    const rotations = (await asAuditor(`/ledger/credentials/${fam}/history?type=RefreshTokenRotated&from=2026-05-04T01:30:00Z`)).body;
    expect(rotations.events).to.have.length(1);
    const page1 = (await asAuditor(`/ledger/credentials/${fam}/history?limit=2`)).body;
    expect(page1.events).to.have.length(2);
    const page2 = (await asAuditor(`/ledger/credentials/${fam}/history?limit=2&after=${page1.next}`)).body;
    expect(page2.events).to.have.length(1);
    expect(page2.next).to.equal(null);
    for (const e of all.events) expect(JSON.stringify(e.data)).to.not.match(/Hash/);
    expect((await asAuditor(`/ledger/credentials/${fam}/history?limit=0`)).status).to.equal(400);
  });

  it('subject history covers the user stream and the credentials of that subject', async () => {
    const res = await asAuditor('/ledger/subjects/ada/history');
    expect(res.status).to.equal(200);
    const types = res.body.events.map((e: { type: string }) => e.type);
    expect(types[0]).to.equal('UserRegistered');
    expect(types).to.include('CredentialIssued');
    expect((await asAuditor('/ledger/subjects/nobody-at-all/history')).status).to.equal(404);
  });

  it('lineage links rotations to their family; compromise revokes the family and its descendants', async () => {
    const first = await login();
    const second = await rotate(first.refresh_token);
    const fam = familyOf(first.refresh_token);
    const lineage = (await asAuditor(`/ledger/credentials/${fam}/lineage`)).body;
    const ids = lineage.descendants.map((d: { id: string }) => d.id);
    expect(ids).to.include.members([jtiOf(first.access_token), jtiOf(second.access_token)]);
    const child = (await asAuditor(`/ledger/credentials/${jtiOf(second.access_token)}/lineage`)).body;
    expect(child.ancestors.map((a: { id: string }) => a.id)).to.deep.equal([fam]);

    expect((await t.http.post(`/ledger/credentials/${fam}/compromise`).set('Authorization', `Bearer ${auditor}`).send({ compromisedAt: '2026-05-04T00:30:00Z' })).status).to.equal(403);
    const res = await t.http.post(`/ledger/credentials/${fam}/compromise`).set('Authorization', `Bearer ${admin}`).send({ compromisedAt: '2026-05-04T00:30:00Z' });
    expect(res.status).to.equal(200);
    expect(res.body.revoked).to.include.members([fam, jtiOf(first.access_token), jtiOf(second.access_token)]);
    const state = (await asAuditor(`/ledger/credentials/${fam}`)).body;
    expect(state).to.include({ status: 'revoked', compromisedAt: '2026-05-04T00:30:00.000Z' });
    expect(state.revokedAt).to.not.equal(state.compromisedAt);
    const introspect = await t.http.post('/oauth2/introspect').set('Authorization', `Bearer ${admin}`).type('form').send({ token: second.refresh_token });
    expect(introspect.body.active).to.equal(false);
    const bad = await t.http.post(`/ledger/credentials/${fam}/compromise`).set('Authorization', `Bearer ${admin}`).send({ compromisedAt: 'yesterday' });
    expect(bad.status).to.equal(400);
  });

  it('GET /ledger/verify recomputes the chains', async () => {
    const res = await asAuditor('/ledger/verify');
    expect(res.status).to.equal(200);
    expect(res.body.ok).to.equal(true);
    expect(res.body.events).to.be.greaterThan(10);
  });

  it('audit reads are for auditors and admins only', async () => {
    const user = await t.userWithRoles('uma', ['user']);
    for (const path of ['/ledger/verify', '/ledger/subjects/ada/history']) {
      expect((await t.http.get(path)).status).to.equal(401);
      expect((await t.http.get(path).set('Authorization', `Bearer ${user}`)).status).to.equal(403);
      expect((await t.http.get(path).set('Authorization', `Bearer ${admin}`)).status).to.equal(200);
    }
    expect((await asAuditor('/ledger/credentials/not-a-credential/history')).status).to.equal(404);
  });
});
