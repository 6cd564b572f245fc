/**
 * The replies that claim an alert from the chat: "ok", "on it", "mine", and their
 * French and Italian forms. `BRIDGE_CLAIM_WORDS` (comma-separated) replaces the list. A reply
 * claims only when it is one of them as a whole, and not a question, so "not ok", "ok?" or
 * "is it mine?" says nothing.
 */
export const DEFAULT_CLAIM_WORDS: readonly string[] = [
  // English
  'ok',
  'okay',
  'on it',
  "i'm on it",
  'im on it',
  'mine',
  'got it',
  'i got it',
  "i'll go",
  // French
  "j'y vais",
  "je m'en occupe",
  'je prends',
  "c'est pour moi",
  'pour moi',
  "d'accord",
  'je gère',
  // Italian
  'ci penso io',
  'vado io',
  'ci vado',
  'mio',
  'lo prendo io',
  'va bene',
];

/** Lower case, typographic apostrophes made plain, spaces collapsed, punctuation and emoji at the ends dropped. */
export function normaliseReply(text: string): string {
  return (
    text
      .normalize('NFC')
      .toLowerCase()
      .replace(/[\u2018\u2019\u02bc]/g, "'")
      .replace(/\s+/g, ' ')
      // biome-ignore lint/suspicious/noMisleadingCharacterClass: the joiner and variation selector are stripped one by one, on purpose
      .replace(/^[\s\p{P}\p{S}\u{200d}\u{fe0f}]+|[\s\p{P}\p{S}\u{200d}\u{fe0f}]+$/gu, '')
  );
}

export class ClaimWords {
  private readonly words: Set<string>;

  constructor(words: readonly string[] = DEFAULT_CLAIM_WORDS) {
    this.words = new Set(words.map(normaliseReply).filter((w) => w.length > 0));
  }

  matches(reply: string): boolean {
    // Long messages are conversation, not a claim.
    return reply.length <= 200 && !/\?[\s\p{P}\p{S}]*$/u.test(reply.trim()) && this.words.has(normaliseReply(reply));
  }
}
