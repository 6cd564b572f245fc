import { printable, printableLines } from '../../../src/cli/printable';

describe('what the CLI prints', () => {
  it('shows control and bidirectional characters as escapes, never raw', () => {
    expect(printable('\u001b[2J\u001b]0;TITLE\u0007')).toBe('\\u001b[2J\\u001b]0;TITLE\\u0007');
    expect(printable('Anna\u202eoB\nx\u009b')).toBe('Anna\\u202eoB\\u000ax\\u009b');
    expect(printable('Élodie 😀 (Trento)')).toBe('Élodie 😀 (Trento)');
  });

  it('keeps the line feeds between the lines of an output', () => {
    expect(printableLines('a\u001b[2J\nb\tc\r')).toBe('a\\u001b[2J\nb\\u0009c\\u000d');
  });

  it('escaping JSON output again keeps its value', () => {
    const value = { by: '\u001b[2J\u009b\u202eAnna\u2028' };
    expect(JSON.parse(printableLines(JSON.stringify(value)))).toEqual(value);
    expect(printableLines(JSON.stringify(value))).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u202e\u2028]/u);
  });
});
