/**
 * Text Festival can say whole. Festival's letter-to-sound rules stop at the first token they have
 * no rule for (a slash, an underscore, letters run into digits such as "4b", an accented letter
 * its Italian voice has no rule for, any byte of UTF-8) and it still exits 0 with the audio said
 * so far. So before Festival: symbols and emoji become spaces, letters and digits are split apart
 * ("cam_4b/2" -> "cam 4 b 2"), and the text goes over in Latin-1, the encoding its voices' rules
 * are written for. The accented letters every installed voice has rules for stay ("Città",
 * "Saint-Étienne"); other letters lose their accent ("Crêpe" -> "Crepe", "Łódź" -> "Lódz").
 * Pure: the same text always gives the same words.
 */

/**
 * Accented letters the English (kal, slt) and Italian (lp) voices all say, tried one by one. Not
 * "ÿ": its Latin-1 byte, 0xFF, reads as the end of the text when it starts a word.
 */
const ACCENTED = 'ÀÁÈÉÌÍÑÒÓÖÙÚàáçèéëìíïñòóöùúü';
/** Letters with no accent to take off that still have a plain spelling; typographic apostrophes. */
const PLAIN: Record<string, string> = {
  ß: 'ss',
  Æ: 'AE',
  æ: 'ae',
  Œ: 'OE',
  œ: 'oe',
  Ø: 'O',
  ø: 'o',
  Ð: 'D',
  ð: 'd',
  Þ: 'Th',
  þ: 'th',
  Ł: 'L',
  ł: 'l',
  Đ: 'D',
  đ: 'd',
  ı: 'i',
  '\u2018': "'",
  '\u2019': "'",
};
/** Sentence punctuation: Festival takes it as a break or a pause at the end of a word, never inside one. */
const PAUSE = '.,;:!?';
const LETTER = `A-Za-z${ACCENTED}`;
const SAYABLE = new RegExp(`^[${LETTER}0-9\\s${PAUSE}'-]$`);
const LETTER_THEN_DIGIT = new RegExp(`([${LETTER}])(?=[0-9])`, 'g');
const DIGIT_THEN_LETTER = new RegExp(`([0-9])(?=[${LETTER}])`, 'g');
/** An apostrophe or a hyphen not between two letters ("dell'Arte", "Saint-Étienne" keep theirs). */
const LOOSE_JOINER = new RegExp(`(?<![${LETTER}])['-]|['-](?![${LETTER}])`, 'g');
/** A word's closing pause marks stay; one before or inside a word goes (Italian's rules stop at "0!7"). */
const TRAILING_PAUSE = new RegExp(`[${PAUSE}]+$`);
const INNER_PAUSE = new RegExp(`[${PAUSE}]`, 'g');
const LETTER_OR_DIGIT = new RegExp(`[${LETTER}0-9]`, 'g');

export function festivalText(text: string): string {
  let out = '';
  // NFKC first: full-width digits, ligatures and superscripts become the characters they show.
  for (const ch of text.normalize('NFKC')) out += SAYABLE.test(ch) ? ch : plain(ch);
  const words: string[] = [];
  for (const token of out.replace(LETTER_THEN_DIGIT, '$1 ').replace(DIGIT_THEN_LETTER, '$1 ').split(/\s+/)) {
    const pause = TRAILING_PAUSE.exec(token)?.[0] ?? '';
    const parts = token
      .slice(0, token.length - pause.length)
      .replace(INNER_PAUSE, ' ')
      .replace(LOOSE_JOINER, ' ')
      .split(' ')
      .filter(Boolean);
    if (parts.length === 0 && words.length > 0) words[words.length - 1] += pause; // "Attention !" -> "Attention!"
    if (parts.length > 0) words.push(...parts.slice(0, -1), `${parts[parts.length - 1]}${pause}`);
  }
  return words.join(' ');
}

/** A letter without its accent ("ê" -> "e", "ł" -> "l"); a symbol, an emoji or a letter of another script: a space. */
function plain(ch: string): string {
  const mapped = PLAIN[ch];
  if (mapped !== undefined) return mapped;
  const bare = ch.normalize('NFD').replace(/\p{M}/gu, '');
  const spelled = [...bare].map((c) => PLAIN[c] ?? c).join('');
  return spelled.length > 0 && [...spelled].every((c) => SAYABLE.test(c) && /\S/.test(c)) ? spelled : ' ';
}

/** How many letters and digits Festival is given to say: what a sentence's expected length is measured in. */
export function sayableCount(text: string): number {
  return festivalText(text).match(LETTER_OR_DIGIT)?.length ?? 0;
}

/** The bytes Festival reads: festivalText's output, which always fits Latin-1. */
export function festivalInput(text: string): Buffer {
  return Buffer.from(`${festivalText(text)}\n`, 'latin1');
}
