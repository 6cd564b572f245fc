/**
 * What the CLI prints comes partly from the journal and from people (names, errors, store
 * names), and a terminal obeys the control characters it is sent: an escape sequence in a name
 * could clear the operator's screen or retitle the window, and a bidirectional override could
 * make a line read as something else. These make such characters visible instead (`\u001b`).
 */

/** C0 controls, DEL, C1 controls, line and paragraph separators, bidirectional formatting characters. */
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/gu;
/** The same, except the line feeds that separate the lines of a command's output. */
const UNSAFE_IN_LINES =
  /[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]/gu;

const escapeChar = (ch: string) => `\\u${(ch.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`;

/** One value, on one line, with every unsafe character (line feeds included) escaped. */
export function printable(value: string): string {
  return value.replace(UNSAFE, escapeChar);
}

/** A command's whole output: its lines kept, every other unsafe character escaped. */
export function printableLines(text: string): string {
  return text.replace(UNSAFE_IN_LINES, escapeChar);
}
