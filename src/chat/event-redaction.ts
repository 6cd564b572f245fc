/**
 * An inbound event with what identifies people taken out, keeping its shape: the values of keys
 * that hold names, addresses, numbers or what someone wrote become placeholders, and so does any
 * other string that carries an e-mail address or a phone number (eight digits or more: a room
 * number or an extension elsewhere stays). Keys, nulls, booleans, other numbers, times and
 * short codes (a status, a type) stay, so the shape of an undocumented event can be read from
 * it. Objects and arrays under such keys (a call's `caller`) are walked, not replaced, for the
 * same reason.
 */
export function redactEvent(value: unknown): unknown {
  return walk(value, undefined, 0);
}

type Placeholder = '<name>' | '<email>' | '<phone>' | '<text>';
/** An identifier (`id`, `pbx`, `channelId`...): its digits are a serial or a time, not a phone number. */
type KeyClass = Placeholder | 'id';
const ID_KEY = /^(?:id|pbx|company|pbxserial|integrationid|[a-z]*id)$/;

/** Key names (lower case, without `_` and `-`) and what their values are. */
const KEYS: Record<string, Placeholder> = Object.fromEntries([
  ...[
    'name',
    'firstname',
    'lastname',
    'fullname',
    'displayname',
    'username',
    'nickname',
    'givenname',
    'familyname',
    'surname',
    'author',
    'sender',
  ].map((k) => [k, '<name>'] as const),
  ...['email', 'mail', 'emailaddress', 'jid'].map((k) => [k, '<email>'] as const),
  ...[
    'phone',
    'phonenumber',
    'number',
    'mobile',
    'tel',
    'telephone',
    'caller',
    'callee',
    'callerid',
    'callernumber',
    'calleenumber',
    'remotephone',
    'did',
    'from',
    'to',
  ].map((k) => [k, '<phone>'] as const),
  ...['text', 'message', 'body', 'subject', 'content', 'title', 'markdown', 'html', 'comment', 'note', 'caption'].map(
    (k) => [k, '<text>'] as const,
  ),
]);

const EMAIL = /[^\s@"'<>()[\]]+@[^\s@"'<>()[\]]+/g;
/** Eight digits or more, possibly with a leading `+` and the usual separators. */
const PHONE = /\+?\d(?:[\s().\-/]{0,2}\d){7,}/g;
/** A date and time is not a phone number, however many digits it has. */
const ISO_TIME = /^\d{4}-\d{2}-\d{2}(?:[T ][\d:.]+(?:Z|[+-]\d{2}:?\d{2})?)?$/;
const MAX_DEPTH = 32;

function classOf(key: string | undefined): KeyClass | undefined {
  if (key === undefined) return undefined;
  const k = key.toLowerCase().replace(/[_-]/g, '');
  return KEYS[k] ?? (ID_KEY.test(k) ? 'id' : undefined);
}

function walk(value: unknown, key: string | undefined, depth: number): unknown {
  if (value === null || typeof value === 'boolean') return value;
  if (typeof value === 'string' || typeof value === 'number') return scalar(value, classOf(key));
  if (typeof value !== 'object' || depth >= MAX_DEPTH) return '<deep>';
  if (Array.isArray(value)) return value.map((v) => walk(v, key, depth + 1));
  const out: Record<string, unknown> = {};
  let n = 0;
  for (const [k, v] of Object.entries(value)) {
    // A key can be a value too (a map keyed by address or number).
    out[scalar(k, undefined) === k ? k : `<key${++n}>`] = walk(v, k, depth + 1);
  }
  return out;
}

function scalar(value: string | number, cls: KeyClass | undefined): unknown {
  if (typeof value === 'number' && (cls === undefined || cls === 'id')) return value;
  if (cls !== undefined && cls !== 'id') return value === '' ? '' : cls;
  if (typeof value === 'number' || ISO_TIME.test(value)) return value;
  const noEmail = value.replace(EMAIL, '<email>');
  return cls === 'id' ? noEmail : noEmail.replace(PHONE, '<phone>');
}
