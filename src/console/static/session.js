// @ts-check
// What every part of the console shares: the session, element lookup, and calls to the management API.
// The access token lives only in memory: a reload signs the user out.

/** @type {{ token: string | null, username: string | null }} */
export const session = { token: null, username: null };

/** @param {string} id */
export const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));
/** @param {string} id */
export const input = (id) => /** @type {HTMLInputElement} */ (document.getElementById(id));

export class SessionEnded extends Error {}

/** What to do when the API says the session is over (set by console.js). */
let onSessionEnded = () => {};
/** @param {() => void} handler */
export function whenSessionEnds(handler) {
  onSessionEnded = handler;
}

/**
 * Calls the management API with the session's token. A 401 ends the session.
 * @param {string} method @param {string} path @param {unknown} [body]
 */
export async function api(method, path, body) {
  /** @type {Record<string, string>} */
  const headers = { Accept: 'application/json', Authorization: `Bearer ${session.token}` };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
  if (res.status === 401) {
    onSessionEnded();
    throw new SessionEnded();
  }
  const data = res.status === 204 ? null : await res.json().catch(() => null);
  if (!res.ok) throw new Error((data && data.error_description) || `Request failed (${res.status})`);
  return data;
}

/** @param {string | null} iso */
export function formatDate(iso) {
  if (!iso) return '—';
  return new Date(iso).toLocaleString(undefined, { dateStyle: 'medium', timeStyle: 'short' });
}

/**
 * Runs an event handler's promise; a session that ended is already handled.
 * @param {Promise<unknown>} p
 */
export const quietly = (p) => p.catch((e) => { if (!(e instanceof SessionEnded)) console.error(e); });
