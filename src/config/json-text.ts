import { parse as parseLenient, printParseErrorCode, type ParseError } from 'jsonc-parser';

export type JsonResult = { ok: true; value: unknown } | { ok: false; message: string };

/** What each parse error means, as an operator editing the file by hand reads it. */
const EXPECTED: Record<ReturnType<typeof printParseErrorCode>, string> = {
  InvalidSymbol: 'unexpected characters (text values need double quotes)',
  InvalidNumberFormat: 'a malformed number',
  PropertyNameExpected: 'expected a key in double quotes',
  ValueExpected: 'expected a value',
  ColonExpected: "expected ':' after the key",
  CommaExpected: "expected ',' between two items",
  CloseBraceExpected: "expected '}' to close an object",
  CloseBracketExpected: "expected ']' to close a list",
  EndOfFileExpected: 'expected the end of the file (one top-level value only)',
  InvalidCommentToken: 'comments are not allowed in JSON',
  UnexpectedEndOfComment: 'comments are not allowed in JSON',
  UnexpectedEndOfString: 'a text value is not closed: expected its closing "',
  UnexpectedEndOfNumber: 'a number ends too early',
  InvalidUnicode: 'a bad \\u escape in a text value',
  InvalidEscapeCharacter: 'a bad escape in a text value (write a backslash as \\\\)',
  InvalidCharacter: 'a tab or line break inside a text value (write it as \\t or \\n)',
  '<unknown ParseErrorCode>': 'not JSON here',
};

/**
 * Parses strict JSON. Node's own message gives at best an offset (and on Node 20 often not
 * even that), so a failure is located again with jsonc-parser, which reports the offset and
 * what it expected there: the message gives line and column as an editor shows them.
 */
export function parseJson(text: string): JsonResult {
  const body = text.replace(/^\uFEFF/, ''); // a byte-order mark some Windows editors write
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch (err) {
    const errors: ParseError[] = [];
    parseLenient(body, errors, { disallowComments: true, allowTrailingComma: false, allowEmptyContent: false });
    const first = errors[0];
    if (!first) return { ok: false, message: `not valid JSON: ${(err as Error).message}` };
    return { ok: false, message: `not valid JSON at ${lineColumn(body, first.offset)}: ${explain(body, first)}` };
  }
}

function explain(text: string, error: ParseError): string {
  if (text.trim() === '') return 'the file is empty';
  const token = text.slice(error.offset, error.offset + Math.min(error.length, 20)).replace(/\r?\n/g, '\\n');
  const found = token ? `found '${token}'` : 'found the end of the file';
  const trailingComma =
    /,\s*$/.test(text.slice(0, error.offset)) && /^[}\]]/.test(text.slice(error.offset))
      ? ' (a comma after the last item is not allowed in JSON)'
      : '';
  return `${EXPECTED[printParseErrorCode(error.error)]}, ${found}${trailingComma}`;
}

/** 1-based line and column of a character offset. */
function lineColumn(text: string, offset: number): string {
  const before = text.slice(0, offset);
  const line = before.split('\n').length;
  const column = offset - (before.lastIndexOf('\n') + 1) + 1;
  return `line ${line}, column ${column}`;
}
