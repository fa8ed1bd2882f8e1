// @ts-check
// The Management Console: plain DOM code, no framework, nothing from another origin.
import { $, api, input, quietly, session, SessionEnded, whenSessionEnds } from './session.js';
import { confirmRevoke, copyToken, createToken, loadTokens, openCreate, syncExpirationDate } from './tokens.js';

// ---- sign in / out --------------------------------------------------------

async function signIn(event) {
  event.preventDefault();
  const username = input('signin-username').value.trim();
  const password = input('signin-password').value;
  const error = $('signin-error');
  error.textContent = '';
  if (!username || !password) {
    error.textContent = 'Enter your username and password.';
    (username ? input('signin-password') : input('signin-username')).focus();
    return;
  }
  const submit = /** @type {HTMLButtonElement} */ ($('signin-submit'));
  submit.disabled = true;
  try {
    const res = await fetch('/apiops/auth/token', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
      body: new URLSearchParams({ grant_type: 'client_credentials', client_id: username, client_secret: password }),
    });
    const data = await res.json().catch(() => null);
    if (res.status === 429) {
      error.textContent = `Too many failed attempts. Try again in ${res.headers.get('Retry-After') ?? 'a few'} seconds.`;
      return;
    }
    if (!res.ok) {
      error.textContent = res.status === 401 ? 'Wrong username or password.' : (data && data.error_description) || 'Sign-in failed.';
      input('signin-password').select();
      return;
    }
    session.token = data.access_token;
    session.username = username;
    input('signin-password').value = '';
    await showProfile();
  } catch {
    error.textContent = 'The service cannot be reached.';
  } finally {
    submit.disabled = false;
  }
}

/** Signing out revokes the session's token (RFC 7009), so it is useless even if it was copied. */
async function revokeSession() {
  if (!session.token) return;
  await fetch('/oauth2/revoke', {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ token: session.token }),
  }).catch(() => undefined);
}

/** @param {string} [message] */
function signOut(message) {
  session.token = null;
  session.username = null;
  for (const d of document.querySelectorAll('dialog')) if (/** @type {HTMLDialogElement} */ (d).open) /** @type {HTMLDialogElement} */ (d).close();
  $('profile-view').hidden = true;
  $('session').hidden = true;
  $('signin-view').hidden = false;
  $('signin-error').textContent = message ?? '';
  input('signin-username').focus();
}

// ---- My Profile -----------------------------------------------------------

async function showProfile() {
  const profile = await api('GET', '/apiops/profile');
  input('profile-username').value = profile.username;
  input('profile-fullname').value = profile.fullName ?? '';
  input('profile-email').value = profile.email ?? '';
  const language = /** @type {HTMLSelectElement} */ ($('profile-language'));
  const lang = profile.preferredLanguage ?? '';
  if (lang && ![...language.options].some((o) => o.value === lang)) language.add(new Option(lang, lang));
  language.value = lang;
  $('signed-in-as').textContent = `Signed in as ${profile.username}`;
  $('signin-view').hidden = true;
  $('session').hidden = false;
  $('profile-view').hidden = false;
  await loadTokens();
  $('profile-title').setAttribute('tabindex', '-1');
  $('profile-title').focus();
}

async function saveProfile(event) {
  event.preventDefault();
  const status = $('profile-status');
  status.textContent = '';
  status.className = 'status';
  const email = input('profile-email');
  if (email.value && !email.checkValidity()) {
    status.className = 'error';
    status.textContent = 'Enter a valid email address.';
    email.focus();
    return;
  }
  const orNull = (/** @type {string} */ v) => (v.trim() === '' ? null : v.trim());
  try {
    await api('PUT', '/apiops/profile', {
      fullName: orNull(input('profile-fullname').value),
      email: orNull(email.value),
      preferredLanguage: orNull(/** @type {HTMLSelectElement} */ ($('profile-language')).value),
    });
    status.textContent = 'Profile saved.';
  } catch (e) {
    if (e instanceof SessionEnded) return;
    status.className = 'error';
    status.textContent = /** @type {Error} */ (e).message;
  }
}

// ---- wiring ---------------------------------------------------------------

document.addEventListener('DOMContentLoaded', () => {
  whenSessionEnds(() => signOut('Your session has ended. Please sign in again.'));
  $('signin-form').addEventListener('submit', (e) => quietly(signIn(e)));
  $('sign-out').addEventListener('click', () => quietly(revokeSession().then(() => signOut('You have signed out.'))));
  $('profile-form').addEventListener('submit', (e) => quietly(saveProfile(e)));
  $('create-token').addEventListener('click', openCreate);
  $('token-expiration').addEventListener('change', syncExpirationDate);
  $('create-form').addEventListener('submit', (e) => quietly(createToken(e)));
  $('copy-token').addEventListener('click', () => quietly(copyToken()));
  $('revoke-confirm').addEventListener('click', () => quietly(confirmRevoke()));
  for (const button of document.querySelectorAll('[data-close]')) {
    button.addEventListener('click', () => /** @type {HTMLDialogElement} */ (button.closest('dialog')).close());
  }
  input('signin-username').focus();
});

