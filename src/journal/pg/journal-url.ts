// BRIDGE_JOURNAL_URL as text: checked, and shown or logged without its password (no driver loaded).

/** The URL without its passwords (user:password@, and password or sslpassword parameters), for messages. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const key of [...u.searchParams.keys()]) if (/password|sslkey/i.test(key)) u.searchParams.set(key, '***');
    return u.toString().replace(/%2A%2A%2A/g, '***');
  } catch {
    return 'the PostgreSQL URL (unparsable)';
  }
}

/** The secrets in a journal URL, for the logger to scrub: its password, in any of its forms. */
export function urlSecrets(url: string): string[] {
  if (!URL.canParse(url)) return [];
  const u = new URL(url);
  const values = [u.password, ...[...u.searchParams].filter(([k]) => /password/i.test(k)).map(([, v]) => v)].filter(
    (v) => v.length > 0,
  );
  return values.flatMap((v) => [v, decodeURIComponent(v)]).filter((v, i, all) => all.indexOf(v) === i);
}

/** True for the URLs BRIDGE_JOURNAL_URL and `journal migrate --to` accept. */
export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//.test(url);
}
