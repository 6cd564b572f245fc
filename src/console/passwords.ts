import { randomBytes, scrypt, timingSafeEqual } from 'node:crypto';

/**
 * Passwords are kept only as scrypt hashes (memory-hard, in Node itself: no native module to
 * build on the PBX host). The cost is OWASP's scrypt setting of N=2^15, r=8, p=3: 32 MiB and
 * about a tenth of a second a hash, run on libuv's thread pool, never the event loop. Each hash
 * carries its parameters, so a later version can raise them and still check older hashes.
 */
const PARAMS = { N: 2 ** 15, r: 8, p: 3 } as const;
const KEY_BYTES = 32;
const SALT_BYTES = 16;
/** scrypt needs 128 * N * r bytes; Node refuses more than 32 MiB unless told. */
const maxmem = (N: number, r: number) => 128 * N * r + 1024 * 1024;

/** The longest password taken: the hash's cost grows with it, and nobody types more. */
export const PASSWORD_MAX = 1024;
/** The shortest a person may choose (a generated one is longer). */
export const PASSWORD_MIN = 12;

function derive(password: string, salt: Buffer, N: number, r: number, p: number, bytes = KEY_BYTES): Promise<Buffer> {
  return new Promise((resolve, reject) =>
    scrypt(password.normalize('NFC'), salt, bytes, { N, r, p, maxmem: maxmem(N, r) }, (err, key) =>
      err ? reject(err) : resolve(key),
    ),
  );
}

/** `scrypt$<N>$<r>$<p>$<salt, base64url>$<key, base64url>`. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await derive(password, salt, PARAMS.N, PARAMS.r, PARAMS.p);
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64url'), key.toString('base64url')].join('$');
}

/** Whether `password` is the one `hash` was made from; a hash this code cannot read matches nothing. */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  const m = /^scrypt\$(\d{1,7})\$(\d{1,3})\$(\d{1,3})\$([A-Za-z0-9_-]{16,})\$([A-Za-z0-9_-]{32,})$/.exec(hash);
  if (!m || password.length > PASSWORD_MAX) return false;
  const [N, r, p] = [Number(m[1]), Number(m[2]), Number(m[3])];
  // Parameters out of any sane range are a damaged (or planted) row, not a cost to pay: at most
  // 128 MiB and 16 passes, whatever a row says.
  if (N < 2 ** 10 || (N & (N - 1)) !== 0 || r < 1 || p < 1 || p > 16 || 128 * N * r > 128 * 1024 * 1024) return false;
  const expected = Buffer.from(m[5] as string, 'base64url');
  // Only the encoding hashPassword writes: a character added to it can decode to the same key
  // plus a byte, and scrypt's longer output begins with the same bytes (1 in 256 would match).
  if (expected.length < 16 || expected.length > 64 || expected.toString('base64url') !== m[5]) return false;
  const key = await derive(password, Buffer.from(m[4] as string, 'base64url'), N, r, p, expected.length).catch(
    () => undefined,
  );
  return key !== undefined && key.length === expected.length && timingSafeEqual(key, expected);
}

/** A password to hand out once: 24 characters from 62, about 143 bits. */
export function generatePassword(): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  while (out.length < 24) {
    for (const b of randomBytes(32)) {
      // 248 = 4 * 62: bytes above it are dropped, so every character is equally likely.
      if (b < 248 && out.length < 24) out += alphabet[b % 62];
    }
  }
  return out;
}

/** Why a chosen password is refused, or undefined. */
export function passwordProblem(password: string): string | undefined {
  if (password.length < PASSWORD_MIN) return `a password has at least ${PASSWORD_MIN} characters`;
  if (password.length > PASSWORD_MAX) return `a password has at most ${PASSWORD_MAX} characters`;
  if (/[\u0000-\u001f\u007f]/.test(password)) return 'a password has no control characters';
  return undefined;
}
