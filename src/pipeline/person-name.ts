/**
 * The one rule for the names the bridge keeps, speaks, posts and prints: who claimed or resolved
 * an incident, who an escalation call reaches, what a store is called. A name is one line an
 * operator reads on a terminal or in a chat, so it holds no control character (which could move
 * the cursor, clear the screen or retitle the window) and no bidirectional formatting character
 * (which could make it read as something else). Names people type are refused when they break
 * it (`checkName`); names that arrive from the PBX or the chat are made to fit it (`cleanName`).
 */

/** The longest name, in characters (code points: an emoji is one). */
export const MAX_NAME_LENGTH = 80;

/** C0 controls, DEL and C1 controls; U+2028 and U+2029, which break a line as well. */
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]/u;
/** Bidirectional embeddings, overrides, isolates and marks. */
const BIDI = /[\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/u;

/** How many characters a name has, counting each code point once. */
export function nameLength(name: string): number {
  return Array.from(name).length;
}

/** What the rule asks, to complete a refusal. */
export function nameRule(max = MAX_NAME_LENGTH): string {
  return `one line of 1 to ${max} characters, without control or bidirectional formatting characters`;
}
export const NAME_RULE = nameRule();

/**
 * Why `name` breaks the rule (a phrase such as `is empty`), or undefined when it keeps it.
 * `max` lets a longer field (a store's name) keep its own bound under the same characters rule.
 */
export function checkName(name: string, max = MAX_NAME_LENGTH): string | undefined {
  if (name.trim() === '') return 'is empty';
  const control = CONTROL.exec(name);
  if (control) return `holds a control character (${codePoint(control[0])})`;
  const bidi = BIDI.exec(name);
  if (bidi) return `holds a bidirectional formatting character (${codePoint(bidi[0])})`;
  const length = nameLength(name);
  if (length > max) return `is ${length} characters long (at most ${max})`;
  return undefined;
}

/**
 * A name from elsewhere (a chat user, a caller id) made to keep the rule: bidirectional
 * formatting characters dropped, control characters turned into spaces, runs of white space
 * made one space, trimmed and cut to `max` characters. Undefined when nothing is left.
 */
export function cleanName(raw: string | null | undefined, max = MAX_NAME_LENGTH): string | undefined {
  if (raw === null || raw === undefined) return undefined;
  const spaced = raw
    .replace(new RegExp(BIDI.source, 'gu'), '')
    .replace(new RegExp(CONTROL.source, 'gu'), ' ')
    .replace(/\s+/gu, ' ')
    .trim();
  const cut = Array.from(spaced).slice(0, max).join('').trim();
  return cut === '' ? undefined : cut;
}

/** `U+001B` */
function codePoint(ch: string): string {
  return `U+${(ch.codePointAt(0) ?? 0).toString(16).toUpperCase().padStart(4, '0')}`;
}
