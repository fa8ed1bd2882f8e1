import { expect } from 'chai';
import Database from 'better-sqlite3';
import { spawnSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { eventHash } from '../../src/ledger/hashChain.js';
import { remember, startTestService } from '../support/service.js';
import { runCli } from '../support/cli.js';
import { tempDir } from '../support/tempDirs.js';

const cli = runCli;

describe('tamper evidence on the SQLite ledger', function () {
  this.timeout(60_000);
  let pristine: string;
  let checkpointFile: string;

  before(async () => {
    const t = await startTestService();
    const admin = await t.token();
    for (let i = 0; i < 3; i++) {
      const res = await t.http.post('/admin/users').set('Authorization', `Bearer ${admin}`).send({ username: `u${i}`, password: `u${i}-password`, roles: ['user'] });
      expect(res.status).to.equal(201);
    }
    const tok = await t.token('u1', 'u1-password');
    await t.http.post('/oauth2/revoke').type('form').send({ token: tok });
    await t.close();
    pristine = t.dataDir;
    const cp = cli(pristine, 'checkpoint');
    expect(cp.code, cp.stderr).to.equal(0);
    checkpointFile = join(pristine, 'checkpoint.json');
    writeFileSync(checkpointFile, cp.stdout);
    remember(tok);
  });

  /** A copy of the pristine data directory, changed by `tamper`. */
  function tampered(tamper: (db: Database.Database) => void): string {
    const dir = tempDir('tl-tamper-');
    for (const f of ['ledger.db', 'master.key', 'checkpoint.json']) copyFileSync(join(pristine, f), join(dir, f));
    const db = new Database(join(dir, 'ledger.db'));
    tamper(db);
    db.close();
    return dir;
  }

  it('the untouched ledger verifies, and extends its signed checkpoint', () => {
    const r = cli(pristine, 'verify', '--checkpoint', checkpointFile);
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.json()).to.deep.include({ ok: true });
    expect(r.json().checkpoint).to.deep.equal({ position: r.json().checkpoint.position, ok: true });
  });

  it('catches an altered event', () => {
    const dir = tampered((db) => db.prepare("UPDATE events SET data = replace(data, '\"user\"', '\"admin\"') WHERE type = 'UserRegistered' AND stream = 'user-u2'").run());
    const r = cli(dir, 'verify');
    expect(r.code).to.equal(3);
    expect(r.json().firstBreak).to.include({ stream: 'user-u2', problem: 'content does not match its hash (altered)' });
  });

  it('catches a removed event', () => {
    const dir = tampered((db) => db.prepare("DELETE FROM events WHERE stream = 'user-u1'").run());
    const r = cli(dir, 'verify');
    expect(r.code).to.equal(3);
    expect(r.json().firstBreak.problem).to.match(/gap in \$all/);
  });

  it('catches reordered events', () => {
    const dir = tampered((db) => {
      // Swap the two events of the revoked credential's stream.
      const rows = db.prepare("SELECT position, revision FROM events WHERE type IN ('CredentialIssued','CredentialRevoked') AND stream IN (SELECT stream FROM events WHERE type = 'CredentialRevoked' LIMIT 1) ORDER BY revision").all() as Array<{ position: number; revision: number }>;
      expect(rows).to.have.length(2);
      db.prepare('UPDATE events SET revision = -1 WHERE position = ?').run(rows[0]!.position);
      db.prepare('UPDATE events SET revision = ? WHERE position = ?').run(rows[0]!.revision, rows[1]!.position);
      db.prepare('UPDATE events SET revision = ? WHERE position = ?').run(rows[1]!.revision, rows[0]!.position);
    });
    const r = cli(dir, 'verify');
    expect(r.code).to.equal(3);
    expect(r.json().firstBreak.problem).to.match(/reordered/);
  });

  it('a forger who re-hashes the last event of a stream passes the chain check, but not the signed checkpoint', () => {
    const dir = tampered((db) => {
      const row = db.prepare("SELECT * FROM events WHERE stream = 'user-u0'").get() as Record<string, string>;
      const data = JSON.parse(row.data);
      data.roles = ['admin'];
      const hash = eventHash(row.prev_hash!, {
        id: row.id!,
        stream: row.stream!,
        revision: BigInt(row.revision!),
        type: row.type!,
        data,
        metadata: JSON.parse(row.metadata!),
        recordedAt: new Date(row.recorded_at!),
      });
      db.prepare('UPDATE events SET data = ?, hash = ? WHERE id = ?').run(JSON.stringify(data), hash, row.id);
    });
    expect(cli(dir, 'verify').code).to.equal(0);
    const r = cli(dir, 'verify', '--checkpoint', join(dir, 'checkpoint.json'));
    expect(r.code).to.equal(3);
    expect(r.json().checkpoint.problem).to.match(/altered, removed or reordered/);
  });

  it('a forged checkpoint does not verify', () => {
    const dir = tampered(() => undefined);
    const cp = JSON.parse(cli(pristine, 'checkpoint').stdout);
    cp.headsDigest = 'f'.repeat(64);
    writeFileSync(join(dir, 'forged.json'), JSON.stringify(cp));
    const r = cli(dir, 'verify', '--checkpoint', join(dir, 'forged.json'));
    expect(r.code).to.equal(3);
    expect(r.json().checkpoint.problem).to.match(/signature/);
  });

  it('a ledger that grew after its checkpoint still extends it; one cut short of it does not', () => {
    const grown = tampered((db) => {
      const last = db.prepare('SELECT MAX(position) AS p FROM events').get() as { p: number };
      const prev = '';
      const e = { id: '01900000-0000-7000-8000-0000000000ff', stream: 'note-1', revision: 0n, type: 'Note', data: { n: 1 }, metadata: {}, recordedAt: new Date('2026-11-23T00:00:00Z') };
      db.prepare('INSERT INTO events (position, id, stream, revision, type, data, metadata, recorded_at, prev_hash, hash) VALUES (?, ?, ?, 0, ?, ?, ?, ?, ?, ?)')
        .run(last.p + 1, e.id, e.stream, e.type, '{"n":1}', '{}', e.recordedAt.toISOString(), prev, eventHash(prev, e));
    });
    const r = cli(grown, 'verify', '--checkpoint', join(grown, 'checkpoint.json'));
    expect(r.code, r.stdout + r.stderr).to.equal(0);
    expect(r.json()).to.deep.include({ ok: true, checkpoint: { position: r.json().checkpoint.position, ok: true } });

    const cut = tampered((db) => db.prepare('DELETE FROM events WHERE position = (SELECT MAX(position) FROM events)').run());
    const c = cli(cut, 'verify', '--checkpoint', join(cut, 'checkpoint.json'));
    expect(c.code).to.equal(3);
    expect(c.json().ok).to.equal(false);
    expect(c.json().checkpoint.problem).to.match(/no longer reaches position/);
  });

  it('a ledger whose chain breaks is given no checkpoint, and a broken chain fails its checkpoint too', () => {
    const dir = tampered((db) => db.prepare("UPDATE events SET data = replace(data, '\"user\"', '\"admin\"') WHERE type = 'UserRegistered' AND stream = 'user-u2'").run());
    const cp = cli(dir, 'checkpoint');
    expect(cp.code).to.equal(1);
    expect(cp.stdout).to.equal('');
    expect(cp.stderr).to.match(/does not verify, so it gets no checkpoint: content does not match its hash \(altered\)/);
    const r = cli(dir, 'verify', '--checkpoint', join(dir, 'checkpoint.json'));
    expect(r.code).to.equal(3);
    expect(r.json().checkpoint.problem).to.match(/chain breaks before position/);
  });

  it('a --checkpoint file that is not a checkpoint is a usage error', () => {
    const dir = tampered(() => undefined);
    writeFileSync(join(dir, 'junk.json'), '{not json');
    writeFileSync(join(dir, 'empty.json'), '{}');
    for (const [file, message] of [['junk.json', /not JSON/], ['empty.json', /not a checkpoint/], ['missing.json', /ENOENT|no such file/]] as const) {
      const r = cli(dir, 'verify', '--checkpoint', join(dir, file));
      expect(r.code, file).to.equal(2);
      expect(r.stderr, file).to.match(message);
      expect(r.stderr, file).not.to.match(/\n\s+at /);
    }
  });

  it('export writes NDJSON without secrets, filtered by stream prefix', () => {
    const out = join(pristine, 'export.ndjson');
    const r = cli(pristine, 'export', '--stream-prefix', 'user-', '--out', out);
    expect(r.code, r.stderr).to.equal(0);
    expect(r.stderr).to.match(/export \[#+\]/);
    const lines = spawnSync('cat', [out], { encoding: 'utf8' }).stdout.trim().split('\n').map((l) => JSON.parse(l));
    expect(lines.length).to.be.greaterThan(3);
    for (const l of lines) {
      expect(l.stream).to.match(/^user-/);
      expect(l.data).to.not.have.property('passwordHash');
    }
    expect(cli(pristine, 'export', '--from', 'yesterday').code).to.equal(2);
  });
});
