// The admin API as the console calls it: with the session cookie, and the CSRF token on every change.

/**
 * The signed-in session's CSRF token ('' when signed out), and whom it signed in: `who` has the
 * user's name, display name (null for the admin token), role and stores. The page offers what
 * the role may do; the server decides all the same.
 */
export const session = { csrf: '', who: undefined, sso: false };

/** Whether the signed-in person's role is one of these. */
export function can(...roles) {
  return roles.includes(session.who?.role ?? 'admin');
}

export class Unauthorised extends Error {}

export async function api(path, { method = 'GET', body } = {}) {
  const headers = { Accept: 'application/json' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  const res = await fetch(path, {
    method,
    headers,
    credentials: 'same-origin',
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const data = await res.json().catch(() => ({}));
  if (res.status === 401) throw new Unauthorised(data.error || 'signed out');
  if (!res.ok) throw new Error(data.error || data.status || `HTTP ${res.status}`);
  return data;
}
