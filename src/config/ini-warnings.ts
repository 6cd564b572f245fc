import type { ConfigIssue } from './errors';
import { SECRET_KEYS, SETTING_KEYS } from './settings-schema';

const LABEL = 'env.custom.ini';
/** The bridge's prefixes: keys with others belong to the PBX and are none of our business. */
const OURS = /^(VEESION|BRIDGE)_/;
/** Read from the environment only: which files to load. */
const ENV_ONLY = ['BRIDGE_ENV_FILE', 'BRIDGE_STORES_FILE'];
/** Never echo these values, even cut short: a prefix of a secret is still a secret. */
const looksSecret = (key: string) =>
  (SECRET_KEYS as readonly string[]).includes(key) || /SECRET|TOKEN|PASSWORD|PASSWD|_KEY/.test(key);

/**
 * Warnings (not errors) about `env.custom.ini` and the environment: keys with our prefixes that
 * no setting reads, with the nearest known key as a suggestion, and values the `ini` parser cut
 * short or left quoted. `fileKeys` are the file's top-level keys as `ini` parsed them.
 */
export function settingsWarnings(text: string | undefined, fileKeys: string[], env: NodeJS.ProcessEnv): ConfigIssue[] {
  const known = new Set<string>(SETTING_KEYS);
  const warnings: ConfigIssue[] = [];
  for (const key of fileKeys) {
    if (OURS.test(key) && !known.has(key))
      warnings.push({ path: `${LABEL}: ${key}`, message: `unknown key, ignored${suggestion(key, SETTING_KEYS)}` });
  }
  if (text !== undefined) warnings.push(...valueWarnings(text));
  for (const key of Object.keys(env).sort()) {
    if (OURS.test(key) && !known.has(key) && !ENV_ONLY.includes(key)) {
      warnings.push({
        path: `environment: ${key}`,
        message: `unknown variable, ignored${suggestion(key, [...SETTING_KEYS, ...ENV_ONLY])}`,
      });
    }
  }
  return warnings;
}

/**
 * The `ini` package (v6) ends an unquoted value at the first `;` or `#` (a comment), unless
 * written `\;` `\#`; a value in double quotes is read as a JSON string (so `\` and `"` inside
 * are written `\\` and `\"`), and if that fails the quotes stay part of the value. The advice
 * printed is therefore the value as a JSON string, which `ini` reads back exactly.
 */
function valueWarnings(text: string): ConfigIssue[] {
  const warnings: ConfigIssue[] = [];
  let inSection = false;
  text.split(/\r\n|\r|\n/).forEach((line, i) => {
    if (/^\s*([;#]|$)/.test(line)) return;
    if (/^\[[^\]]*\]\s*$/.test(line)) {
      inSection = true; // keys under a [section] are other tools' (and ignored by the bridge)
      return;
    }
    const m = /^([^=]+)=(.*)$/.exec(line);
    if (inSection || !m) return;
    const key = (m[1] ?? '').trim();
    const raw = (m[2] ?? '').trim();
    if (!OURS.test(key)) return;
    const at = { path: `${LABEL}: ${key}`, line: i + 1 };
    const quoted =
      raw.length >= 2 && ((raw.startsWith('"') && raw.endsWith('"')) || (raw.startsWith("'") && raw.endsWith("'")));
    if (quoted) {
      if (raw.startsWith('"') && !isJsonString(raw)) {
        warnings.push({
          path: at.path,
          message: `line ${at.line}: the double quotes stay part of the value: inside them a backslash starts an escape, write \\ as \\\\ and " as \\"`,
        });
      }
      return;
    }
    const cut = firstCommentChar(raw);
    if (cut === undefined) return;
    const kept = unescapeIni(raw.slice(0, cut)).trim();
    const shown = looksSecret(key) ? '(value hidden: a secret)' : JSON.stringify(kept);
    const advice = looksSecret(key) ? `${key}="<the whole value>"` : `${key}=${JSON.stringify(unescapeIni(raw))}`;
    warnings.push({
      path: at.path,
      message:
        `line ${at.line}: the value ends at the unquoted '${raw[cut] ?? ''}' (the rest is read as a comment), so it is ${shown}; ` +
        `if the rest belongs to the value, quote it: ${advice} (a comment goes on its own line)`,
    });
  });
  return warnings;
}

/** Index of the first `;` or `#` not escaped with a backslash, as `ini` finds it. */
function firstCommentChar(value: string): number | undefined {
  for (let i = 0; i < value.length; i++) {
    const c = value[i];
    if (c === '\\') i++;
    else if (c === ';' || c === '#') return i;
  }
  return undefined;
}

const unescapeIni = (value: string) => value.replace(/\\([;#])/g, '$1');

function isJsonString(raw: string): boolean {
  try {
    return typeof JSON.parse(raw) === 'string';
  } catch {
    return false;
  }
}

/** "; did you mean X?" for the nearest known key, when it is near enough to be a typo. */
export function suggestion(key: string, known: readonly string[]): string {
  let best: { key: string; distance: number } | undefined;
  for (const candidate of known) {
    const sameRest = candidate.replace(OURS, '') === key.replace(OURS, ''); // VEESION_ for BRIDGE_
    const distance = sameRest ? 1 : editDistance(key, candidate);
    if (!best || distance < best.distance) best = { key: candidate, distance };
  }
  const near = best && best.distance <= Math.max(2, Math.floor(key.length / 6));
  return near && best ? `; did you mean ${best.key}?` : ' (the known keys are listed in .env.example)';
}

/** Edit distance counting a swap of two neighbours as one edit (optimal string alignment). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  const at = (i: number, j: number) => d[i]?.[j] ?? Infinity;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      (d[i] as number[])[j] = v;
    }
  }
  return at(a.length, b.length);
}
