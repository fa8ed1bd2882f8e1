// Profiles the service under one load (node --cpu-prof), for finding where a target is missed.
//   node --import tsx bench/profile.ts <introspect|client_credentials|sunbird|refresh> [seconds]
import autocannon from 'autocannon';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clientCredentialsRequest, createClient, FORM, introspectRequest, login, rotationRequests, startProcess, stopLedger } from './harness.js';

async function main() {
  const [which = 'introspect', seconds = '10'] = process.argv.slice(2);
  const dataDir = mkdtempSync(join(tmpdir(), 'tl-prof-'));
  const profDir = join('bench', '.tmp', 'profiles');
  mkdirSync(profDir, { recursive: true });
  const svc = await startProcess(['--cpu-prof', `--cpu-prof-dir=${profDir}`, 'dist/src/main.js'], { LEDGER_DATA_DIR: dataDir, LEDGER_ADMIN_PASSWORD: 'prof-admin-pw', LOG_LEVEL: 'warn' }, '/health');
  const adminLogin = () => login(svc.url, 'prof-admin-pw');
  const admin = await adminLogin();
  const bearer = { authorization: `Bearer ${admin.access_token}` };
  const client = await createClient(svc.url, bearer, 'p');
  let n = 0;
  const families = which === 'refresh' ? await Promise.all(Array.from({ length: 50 }, adminLogin)) : [];
  const options: Record<string, autocannon.Options> = {
    health: { url: `${svc.url}/health` },
    introspect: introspectRequest(svc.url, admin.access_token),
    client_credentials: clientCredentialsRequest(svc.url, client),
    sunbird: {
      url: `${svc.url}/api-manager/v1/consumer/mobile_device/credential/register`,
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer },
      requests: [{ setupRequest: (req) => ({ ...req, body: JSON.stringify({ request: { key: `k${n++}` } }) }) }],
    },
    refresh: { url: `${svc.url}/oauth2/token`, method: 'POST', headers: FORM, requests: rotationRequests(families.map((f) => f.refresh_token)) },
  };
  const r = await autocannon({ connections: 50, duration: Number(seconds), ...options[which]! });
  console.log(`${which}: ${Math.round(r.requests.average)} req/s, p50 ${r.latency.p50} ms, p99 ${r.latency.p99} ms, non-2xx ${r.non2xx}`);
  await stopLedger({ child: svc.child, dataDir });
  console.log(`profile in ${profDir}`);
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
