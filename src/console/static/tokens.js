// @ts-check
// Personal API access tokens: the list, the Create API Token dialog, the one-time value, revocation.
import { $, api, formatDate, input, SessionEnded } from './session.js';

export async function loadTokens() {
  const tokens = await api('GET', '/apiops/profile/tokens');
  const body = $('tokens-body');
  body.replaceChildren();
  for (const t of tokens) {
    const row = document.createElement('tr');
    row.dataset.tokenId = t.id;
    const cell = (/** @type {string} */ text) => {
      const td = document.createElement('td');
      td.textContent = text;
      row.append(td);
      return td;
    };
    const name = document.createElement('th');
    name.scope = 'row';
    name.textContent = t.name;
    row.append(name);
    cell(formatDate(t.createdAt));
    cell(t.expiresAt ? formatDate(t.expiresAt) : 'Never');
    cell(t.lastUsedAt ? formatDate(t.lastUsedAt) : 'Never used');
    const badge = document.createElement('span');
    badge.className = `badge badge-${t.status}`;
    badge.textContent = t.status[0].toUpperCase() + t.status.slice(1);
    cell('').append(badge);
    const actions = cell('');
    if (t.status !== 'revoked') {
      const revoke = document.createElement('button');
      revoke.type = 'button';
      revoke.className = 'danger secondary';
      revoke.textContent = 'Revoke';
      revoke.setAttribute('aria-label', `Revoke ${t.name}`);
      revoke.addEventListener('click', () => askRevoke(t, revoke));
      actions.append(revoke);
    }
    body.append(row);
  }
  $('tokens-empty').hidden = tokens.length > 0;
  $('tokens-table').hidden = tokens.length === 0;
}

/**
 * The element that opened a dialog gets focus back when it closes.
 * @param {HTMLDialogElement} dialog @param {HTMLElement | null} returnTo
 */
function openDialog(dialog, returnTo) {
  dialog.addEventListener('close', () => returnTo?.isConnected ? returnTo.focus() : $('create-token').focus(), { once: true });
  dialog.showModal();
}

function tomorrow() {
  const d = new Date();
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

export function syncExpirationDate() {
  const custom = /** @type {HTMLSelectElement} */ ($('token-expiration')).value === 'CUSTOM';
  const date = input('token-expiration-date');
  date.disabled = !custom;
  date.required = custom;
  date.min = tomorrow();
  if (!custom) date.value = '';
}

export function openCreate() {
  const form = /** @type {HTMLFormElement} */ ($('create-form'));
  form.reset();
  $('create-error').textContent = '';
  syncExpirationDate();
  openDialog(/** @type {HTMLDialogElement} */ ($('create-dialog')), $('create-token'));
  input('token-name').focus();
}

export async function createToken(event) {
  event.preventDefault();
  const error = $('create-error');
  error.textContent = '';
  const name = input('token-name').value.trim();
  const expiration = /** @type {HTMLSelectElement} */ ($('token-expiration')).value;
  const date = input('token-expiration-date').value;
  if (!name) {
    error.textContent = 'Enter a token name.';
    input('token-name').focus();
    return;
  }
  if (expiration === 'CUSTOM' && !date) {
    error.textContent = 'Choose an expiration date.';
    input('token-expiration-date').focus();
    return;
  }
  const submit = /** @type {HTMLButtonElement} */ ($('create-submit'));
  submit.disabled = true;
  try {
    const created = await api('POST', '/apiops/profile/tokens', { name, expiration, ...(expiration === 'CUSTOM' ? { expirationDate: date } : {}) });
    /** @type {HTMLDialogElement} */ ($('create-dialog')).close();
    showCreated(created.token);
    await loadTokens();
  } catch (e) {
    if (!(e instanceof SessionEnded)) error.textContent = /** @type {Error} */ (e).message;
  } finally {
    submit.disabled = false;
  }
}

/** @param {string} token */
function showCreated(token) {
  const dialog = /** @type {HTMLDialogElement} */ ($('created-dialog'));
  input('created-token').value = token;
  $('copy-status').textContent = '';
  // Forget the value as soon as the dialog closes: it is shown once. Escape fires 'cancel' at once;
  // 'close' (every way out) comes a task later.
  const forget = () => (input('created-token').value = '');
  dialog.addEventListener('cancel', forget, { once: true });
  dialog.addEventListener('close', forget, { once: true });
  openDialog(dialog, $('create-token'));
  $('copy-token').focus();
}

export async function copyToken() {
  const field = input('created-token');
  try {
    await navigator.clipboard.writeText(field.value);
  } catch {
    field.select();
    document.execCommand('copy');
  }
  $('copy-status').textContent = 'Copied to the clipboard.';
}

/** @type {{ id: string, name: string } | null} */
let revoking = null;

/** @param {{ id: string, name: string }} token @param {HTMLElement} trigger */
function askRevoke(token, trigger) {
  revoking = token;
  $('revoke-help').textContent = `Revoke “${token.name}”? Anything using it will stop working at once. This cannot be undone.`;
  $('revoke-error').textContent = '';
  openDialog(/** @type {HTMLDialogElement} */ ($('revoke-dialog')), trigger);
  $('revoke-cancel').focus();
}

export async function confirmRevoke() {
  if (!revoking) return;
  const button = /** @type {HTMLButtonElement} */ ($('revoke-confirm'));
  button.disabled = true;
  try {
    await api('DELETE', `/apiops/profile/tokens/${encodeURIComponent(revoking.id)}`);
    const name = revoking.name;
    revoking = null;
    /** @type {HTMLDialogElement} */ ($('revoke-dialog')).close();
    await loadTokens();
    $('tokens-status').textContent = `Token “${name}” revoked.`;
  } catch (e) {
    if (!(e instanceof SessionEnded)) $('revoke-error').textContent = /** @type {Error} */ (e).message;
  } finally {
    button.disabled = false;
  }
}

