// The admin API as the console calls it: with the session cookie, and the CSRF token on every change.

/** The signed-in session's CSRF token ('' when signed out). */
export const session = { csrf: '' };

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
