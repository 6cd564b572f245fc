import { MAX_NAME_LENGTH, checkName, cleanName, nameLength } from '../../../src/pipeline/person-name';

describe('the names rule', () => {
  it.each([
    ['ESC (a terminal escape sequence)', '\u001b[2J', 'holds a control character (U+001B)'],
    ['BEL', 'Anna\u0007', 'holds a control character (U+0007)'],
    ['NUL', 'An\u0000na', 'holds a control character (U+0000)'],
    ['CR', 'Anna\rBob', 'holds a control character (U+000D)'],
    ['LF', 'Anna\nInjected: yes', 'holds a control character (U+000A)'],
    ['TAB', 'Anna\tB', 'holds a control character (U+0009)'],
    ['DEL', 'Anna\u007f', 'holds a control character (U+007F)'],
    ['C1 CSI', 'Anna\u009b2J', 'holds a control character (U+009B)'],
    ['line separator', 'Anna\u2028Bob', 'holds a control character (U+2028)'],
    ['right-to-left override', 'Anna\u202eoB', 'holds a bidirectional formatting character (U+202E)'],
    ['left-to-right isolate', '\u2066Anna', 'holds a bidirectional formatting character (U+2066)'],
    ['pop directional isolate', 'Anna\u2069', 'holds a bidirectional formatting character (U+2069)'],
    ['right-to-left mark', 'Anna\u200f', 'holds a bidirectional formatting character (U+200F)'],
    ['Arabic letter mark', 'Anna\u061c', 'holds a bidirectional formatting character (U+061C)'],
    ['empty', '', 'is empty'],
    ['blank', '   ', 'is empty'],
    ['81 characters', 'x'.repeat(81), 'is 81 characters long (at most 80)'],
    ['81 emoji', '😀'.repeat(81), 'is 81 characters long (at most 80)'],
  ])('refuses %s', (_what, name, reason) => {
    expect(checkName(name)).toBe(reason);
  });

  it.each([
    ['a plain name', 'Anna'],
    ['accents', 'Élodie Müller-Ñúñez'],
    ['a place in brackets', 'Giulia (Trento)'],
    ['80 characters', 'x'.repeat(80)],
    ['80 emoji, each one character', '😀'.repeat(80)],
    ['right-to-left script itself', 'مريم'],
    ['a channel', 'PJSIP/201'],
  ])('accepts %s', (_what, name) => {
    expect(checkName(name)).toBeUndefined();
  });

  it('counts code points: an emoji outside the BMP is one character', () => {
    expect(nameLength('😀')).toBe(1);
    expect('😀'.length).toBe(2);
  });

  it('a longer bound for longer names keeps the same characters rule', () => {
    expect(checkName('x'.repeat(200), 200)).toBeUndefined();
    expect(checkName('x'.repeat(201), 200)).toBe('is 201 characters long (at most 200)');
    expect(checkName('Store\u202e', 200)).toContain('bidirectional');
  });
});

describe('names from elsewhere are made to keep the rule', () => {
  it.each([
    ['an escape sequence', '\u001b[2J\u001b]0;TITLE\u0007Anna', '[2J ]0;TITLE Anna'],
    ['line breaks', 'Anna\r\nInjected: yes', 'Anna Injected: yes'],
    ['bidirectional overrides, dropped', 'Anna\u202e\u2066Bob\u2069\u200e', 'AnnaBob'],
    ['C1 and DEL', 'A\u009bB\u007fC', 'A B C'],
    ['white space runs', '  Anna   \t Maria  ', 'Anna Maria'],
    ['accents and emoji', 'Élodie 😀', 'Élodie 😀'],
  ])('%s', (_what, raw, clean) => {
    expect(cleanName(raw)).toBe(clean);
    expect(checkName(clean)).toBeUndefined();
  });

  it('cuts to 80 characters without splitting an emoji, and has nothing for nothing', () => {
    expect(cleanName('😀'.repeat(100))).toBe('😀'.repeat(MAX_NAME_LENGTH));
    expect(cleanName(`${'x'.repeat(79)} y`)).toBe('x'.repeat(79));
    expect(cleanName('\u001b\u0007\u202e  ')).toBeUndefined();
    expect(cleanName('')).toBeUndefined();
    expect(cleanName(null)).toBeUndefined();
    expect(cleanName(undefined)).toBeUndefined();
  });
});
