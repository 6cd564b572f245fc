import { cleanName } from '../pipeline/person-name';

/** A Smart Notification an associate accepted (with a double press of push-to-talk), and who, when said. */
export interface XhopAccept {
  requestId: string;
  by?: string;
}

const ACCEPTING = ['accepted', 'confirmed', 'handled', 'taken', 'acknowledged'];
const ACCEPTED = new RegExp(`\\b(${ACCEPTING.join('|')})\\b`, 'i');
/** "not accepted", "unconfirmed", "no-taken": the word is there, the accept is not. */
const NEGATED = new RegExp(
  `\\b(not|no|never|un)[\\s_-]*(${ACCEPTING.join('|')})\\b|\\bun(${ACCEPTING.join('|')})\\b`,
  'i',
);
/** In a line, a request id counts where it starts the line or follows a request-id label. */
const ID_LABEL = /(request[_ -]?id|requestid|request|rid|id)\s*[:=#]?\s*"?$/i;
const ID_KEYS = ['requestId', 'request_id', 'requestID', 'customRid', 'id'];
const STATE_KEYS = ['state', 'status', 'result'];
const NAME_KEYS = ['acceptedBy', 'accepted_by', 'by', 'associate', 'user', 'userName', 'name', 'extension'];
const BY_IN_TEXT = /\b(?:by|associate|user|name)\s*[:=]?\s*"?([^",;\t]{1,80})/i;
/** What is read of the command's output at most: it is undocumented, and could be anything. */
const MAX_OUTPUT = 256 * 1024;

/**
 * Which of the `known` request ids the output of x-hoppers' state command says were accepted, and
 * by whom when it says. The command's output is not documented: JSON (any nesting) is searched
 * for objects naming a known id with an accepted state; otherwise each line that names a known id
 * and an accepting word counts. Anything else is ignored, never an error.
 */
export function acceptedIn(output: string, known: ReadonlySet<string>): XhopAccept[] {
  if (known.size === 0) return [];
  const text = output.slice(0, MAX_OUTPUT);
  const found = new Map<string, XhopAccept>();
  const add = (requestId: string, by: string | undefined) => {
    if (found.has(requestId)) return;
    const name = by === undefined ? undefined : cleanName(by);
    found.set(requestId, name ? { requestId, by: name } : { requestId });
  };
  const json = parseJson(text.trim());
  if (json !== undefined) walk(json, known, add, 0);
  else for (const line of text.split('\n')) fromLine(line, known, add);
  return [...found.values()];
}

function parseJson(text: string): unknown {
  if (!text.startsWith('{') && !text.startsWith('[')) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function walk(
  value: unknown,
  known: ReadonlySet<string>,
  add: (id: string, by: string | undefined) => void,
  depth: number,
): void {
  if (depth > 8 || value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const v of value.slice(0, 10_000)) walk(v, known, add, depth + 1);
    return;
  }
  const o = value as Record<string, unknown>;
  const id = ID_KEYS.map((k) => o[k]).find(
    (v) => (typeof v === 'string' || typeof v === 'number') && known.has(String(v)),
  );
  const state = STATE_KEYS.map((k) => o[k]).find((v) => typeof v === 'string');
  if (id !== undefined && typeof state === 'string' && ACCEPTING.includes(state.trim().toLowerCase())) {
    const by = NAME_KEYS.map((k) => o[k]).find((v): v is string => typeof v === 'string' && v.trim() !== '');
    add(String(id), by);
  }
  for (const v of Object.values(o)) walk(v, known, add, depth + 1);
}

function fromLine(line: string, known: ReadonlySet<string>, add: (id: string, by: string | undefined) => void): void {
  if (!ACCEPTED.test(line) || NEGATED.test(line)) return;
  for (const m of line.matchAll(/[A-Za-z0-9_.:-]+/g)) {
    const token = m[0];
    const at = m.index ?? 0;
    if (!known.has(token)) continue;
    const before = line.slice(0, at);
    if (before.trim() !== '' && !ID_LABEL.test(before)) continue; // a number that happens to equal an id
    add(token, BY_IN_TEXT.exec(line.slice(at + token.length))?.[1]?.trim());
  }
}
