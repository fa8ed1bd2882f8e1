import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { spawnService } from '../support/process.js';
import { remember, writtenFiles } from '../support/service.js';
import { tempDir } from '../support/tempDirs.js';

/** infra/test.sh installs schemathesis from PyPI into .venv; a developer may have it on PATH. */
function schemathesisBinary(): string {
  const venv = join('.venv', 'bin', 'schemathesis');
  if (existsSync(venv)) return venv;
  const which = spawnSync('sh', ['-c', 'command -v schemathesis'], { encoding: 'utf8' });
  if (which.status === 0) return which.stdout.trim();
  throw new Error('schemathesis is not installed: run `bash infra/install-schemathesis.sh` (npm test does)');
}

describe('schemathesis against the running service (OpenAPI document, every route)', function () {
  this.timeout(600_000);

  it('finds no 5xx and no response that breaks the documented schema', async () => {
    const bin = schemathesisBinary();
    const dataDir = tempDir('tl-st-');
    writtenFiles.add(join(dataDir, 'ledger.db')).add(join(dataDir, 'readmodels.db'));
    const svc = await spawnService({ LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_PASSWORD: 'schemathesis-admin', LOG_LEVEL: 'warn', LEDGER_SUNBIRD_KEYS_PER_GROUP: '1' });
    try {
      const login = await fetch(`${svc.url}/oauth2/token`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
        body: 'grant_type=password&username=admin&password=schemathesis-admin',
      });
      const { access_token, refresh_token } = (await login.json()) as { access_token: string; refresh_token: string };
      remember(access_token, refresh_token);
      const run = spawnSync(
        bin,
        [
          'run', `${svc.url}/openapi.json`,
          '-H', `Authorization: Bearer ${access_token}`,
          '--checks', 'not_a_server_error,response_schema_conformance',
          '--max-examples', process.env.SCHEMATHESIS_MAX_EXAMPLES ?? '15',
          '--phases', 'examples,fuzzing',
          '--workers', '1',
          '--seed', '42',
        ],
        { encoding: 'utf8', timeout: 540_000, env: { ...process.env, NO_COLOR: '1' } },
      );
      const summary = (run.stdout + run.stderr).split('\n').filter((l) => /generated|passed|failures|ST\d{3}|^_{5,}/.test(l)).join('\n');
      console.log(summary);
      expect(run.status, run.stdout.slice(-4000)).to.equal(0);
    } finally {
      svc.child.kill('SIGTERM');
      await svc.exited;
    }
  });
});
