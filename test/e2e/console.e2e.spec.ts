import { expect } from 'chai';
import { existsSync, mkdirSync } from 'node:fs';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../src/http/projectRoot.js';
import { ADMIN, remember, startTestService, type TestService } from '../support/service.js';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const ARTIFACTS = join(projectRoot(), 'test-artifacts');

/** The Management Console in Debian's Chromium, driven by playwright-core against the service on a real port. */
describe('Management Console (e2e, headless Chromium)', function () {
  this.timeout(90_000);
  let t: TestService;
  let server: Server;
  let base: string;
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];

  before(async () => {
    if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: run infra/install-chromium.sh (npm test does)`);
    mkdirSync(ARTIFACTS, { recursive: true });
    t = await startTestService();
    server = t.service.app.koa.listen(0, '127.0.0.1');
    await new Promise<void>((resolve) => server.once('listening', () => resolve()));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
    });
    const context = await browser.newContext({ locale: 'en-US', timezoneId: 'UTC', viewport: { width: 1200, height: 900 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: base });
    page = await context.newPage();
    // A CSP violation or script error would show up here.
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()}`));
    page.on('request', (r) => !r.url().startsWith(base) && problems.push(`external request: ${r.url()}`));
  });

  after(async () => {
    await browser?.close();
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
    await t?.close();
  });

  const api = (path: string, token: string) => fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
  const tokenRow = (name: string) => page.locator('#tokens-body tr', { has: page.locator('th', { hasText: name }) });

  it('serves the console with a content security policy and no inline script', async () => {
    const res = await fetch(`${base}/console`);
    expect(res.status).to.equal(200);
    expect(res.headers.get('content-type')).to.match(/^text\/html/);
    const csp = res.headers.get('content-security-policy')!;
    expect(csp).to.include("script-src 'self'").and.to.include("default-src 'none'").and.not.to.include('unsafe-inline');
    const html = await res.text();
    expect(html).not.to.match(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(html).not.to.match(/https?:\/\//);
  });

  it('signs in, creates a token with a custom date, lists it, uses it, revokes it, and sees the API refuse it', async () => {
    // 1. Sign in, with the keyboard only.
    await page.goto(`${base}/console`);
    expect(await page.evaluate('document.activeElement?.id')).to.equal('signin-username');
    await page.keyboard.type(ADMIN.username);
    await page.keyboard.press('Tab');
    await page.keyboard.type(ADMIN.password);
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { name: 'My Profile' }).waitFor();
    expect(await page.locator('#profile-username').inputValue()).to.equal(ADMIN.username);

    // My Profile: update full name, email and preferred language.
    await page.getByLabel('Full Name').fill('Ada Admin');
    await page.getByLabel('Email').fill('ada@example.org');
    await page.getByLabel('Preferred Language').selectOption('tr');
    await page.getByRole('button', { name: 'Save profile' }).click();
    await page.getByText('Profile saved.').waitFor();
    const session = (await (await fetch(`${base}/apiops/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: ADMIN.username, client_secret: ADMIN.password }),
    })).json()) as { access_token: string };
    remember(session.access_token);
    const profile = await (await api('/apiops/profile', session.access_token)).json();
    expect(profile).to.include({ fullName: 'Ada Admin', email: 'ada@example.org', preferredLanguage: 'tr' });

    // 2. Create a token with a custom date. The date field is active only for Custom.
    await page.getByRole('button', { name: 'Create API Token' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create API Token' });
    await dialog.waitFor();
    expect(await page.evaluate('document.activeElement?.id')).to.equal('token-name');
    const date = dialog.getByLabel('Expiration Date');
    expect(await date.isDisabled()).to.equal(true);
    await dialog.getByLabel('Expiration', { exact: true }).selectOption('CUSTOM');
    expect(await date.isEnabled()).to.equal(true);
    await dialog.getByLabel('Expiration', { exact: true }).selectOption('DAYS_7');
    expect(await date.isDisabled()).to.equal(true);
    await dialog.getByLabel('Expiration', { exact: true }).selectOption('CUSTOM');
    const expiresOn = new Date(Date.now() + 10 * 86_400_000).toISOString().slice(0, 10);
    await dialog.getByLabel('Token Name').fill('e2e-token');
    await date.fill(expiresOn);
    await dialog.getByRole('button', { name: 'Create' }).click();

    // Shown once, with a copy button.
    const created = page.getByRole('dialog', { name: 'Your new token' });
    await created.waitFor();
    const token = await created.getByLabel('Token value').inputValue();
    remember(token);
    expect(token).to.match(/^tlp_[0-9a-f]{32}[0-9A-Za-z]{38}$/);
    await created.getByRole('button', { name: 'Copy' }).click();
    await created.getByText('Copied to the clipboard.').waitFor();
    expect(await page.evaluate('navigator.clipboard.readText()')).to.equal(token);
    await page.keyboard.press('Escape'); // dialogs close with Escape
    await created.waitFor({ state: 'hidden' });
    // The value is gone from the page (the dialog's close event comes a task after it hides).
    await page.waitForFunction("document.getElementById('created-token').value === ''", undefined, { timeout: 2000 });

    // 3. See it listed.
    const row = tokenRow('e2e-token');
    await row.locator('td', { hasText: 'Active' }).waitFor();
    const listed = (await (await api('/apiops/profile/tokens', session.access_token)).json()) as Array<{ name: string; expiresAt: string }>;
    expect(listed.find((r) => r.name === 'e2e-token')!.expiresAt).to.equal(`${expiresOn}T00:00:00.000Z`);
    expect(await page.content()).not.to.include(token);

    // 4. Use it against the API.
    const used = await api('/apiops/profile', token);
    expect(used.status).to.equal(200);
    expect(((await used.json()) as { username: string }).username).to.equal(ADMIN.username);

    // 5. Revoke it, after confirming; Escape on the confirmation cancels.
    await row.getByRole('button', { name: 'Revoke e2e-token' }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke token?' });
    await confirm.waitFor();
    await page.keyboard.press('Escape');
    await confirm.waitFor({ state: 'hidden' });
    expect((await api('/apiops/profile', token)).status).to.equal(200);
    await row.getByRole('button', { name: 'Revoke e2e-token' }).click();
    await confirm.waitFor();
    await confirm.getByRole('button', { name: 'Revoke' }).click();
    await page.getByText('Token “e2e-token” revoked.').waitFor();
    await tokenRow('e2e-token').locator('td', { hasText: 'Revoked' }).waitFor();
    expect(await tokenRow('e2e-token').getByRole('button', { name: 'Revoke e2e-token' }).count()).to.equal(0);

    // 6. The API refuses it.
    const refused = await api('/apiops/profile', token);
    expect(refused.status).to.equal(401);
    expect(((await refused.json()) as { error: string }).error).to.equal('invalid_token');

    await page.screenshot({ path: join(ARTIFACTS, 'console.png'), fullPage: true });
    expect(problems).to.deep.equal([]);
  });

  it('signing out revokes the session token and returns to the sign-in form', async () => {
    // The page keeps its token in memory only; catch it on the wire to check it afterwards.
    const saved = page.waitForRequest((r) => r.url().endsWith('/apiops/profile') && r.method() === 'PUT');
    await page.getByRole('button', { name: 'Save profile' }).click();
    const authorization = (await saved).headers().authorization!;
    remember(authorization.replace(/^Bearer /, ''));
    expect((await fetch(`${base}/apiops/profile`, { headers: { Authorization: authorization } })).status).to.equal(200);
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in' }).waitFor();
    await page.getByText('You have signed out.').waitFor();
    expect(await page.evaluate('document.activeElement?.id')).to.equal('signin-username');
    expect((await fetch(`${base}/apiops/profile`, { headers: { Authorization: authorization } })).status).to.equal(401);
    expect(problems).to.deep.equal([]);
  });
});
