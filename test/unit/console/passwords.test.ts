import { randomBytes, scryptSync } from 'node:crypto';
import { generatePassword, hashPassword, passwordProblem, verifyPassword } from '../../../src/console/passwords';

describe('passwords, kept only as scrypt hashes', () => {
  it('a hash checks its own password and no other, and carries its parameters and a salt of its own', async () => {
    const hash = await hashPassword('correct horse battery');
    expect(hash).toMatch(/^scrypt\$32768\$8\$3\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
    expect(hash).not.toContain('correct');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batterY', hash)).toBe(false);
    expect(await verifyPassword('', hash)).toBe(false);
    // The same password twice: two salts, two hashes, both right.
    const again = await hashPassword('correct horse battery');
    expect(again).not.toBe(hash);
    expect(await verifyPassword('correct horse battery', again)).toBe(true);
  });

  it('an accented password typed composed or decomposed is the same password', async () => {
    const hash = await hashPassword('caf\u00e9-au-lait-42');
    expect(await verifyPassword('cafe\u0301-au-lait-42', hash)).toBe(true);
  });

  it('a damaged or foreign hash matches nothing (and costs nothing out of range)', async () => {
    const hash = await hashPassword('correct horse battery');
    const [, , r, p, salt, key] = hash.split('$');
    for (const bad of [
      '',
      'plain text',
      hash.replace('scrypt', 'argon2id'),
      `scrypt$33000$${r}$${p}$${salt}$${key}`, // N not a power of two
      `scrypt$${2 ** 22}$${r}$${p}$${salt}$${key}`, // 4 GiB of memory asked for
      `scrypt$${2 ** 20}$32$${p}$${salt}$${key}`, // 4 GiB another way: refused before any is taken
      `scrypt$32768$${r}$${p}$${salt}$${key?.slice(0, 20)}`,
      `${hash}x`,
    ])
      expect(await verifyPassword('correct horse battery', bad)).toBe(false);
    expect(await verifyPassword('x'.repeat(1025), hash)).toBe(false);
  });

  it('a hash made with other parameters and key length (a later version) still checks', async () => {
    const salt = randomBytes(16);
    const key = scryptSync('correct horse battery', salt, 48, { N: 2 ** 14, r: 8, p: 5 });
    const hash = ['scrypt', 2 ** 14, 8, 5, salt.toString('base64url'), key.toString('base64url')].join('$');
    expect(await verifyPassword('correct horse battery', hash)).toBe(true);
    expect(await verifyPassword('correct horse batter', hash)).toBe(false);
  });

  it('a generated password is 24 letters and digits, and differs each time', () => {
    const a = generatePassword();
    const b = generatePassword();
    expect(a).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(b).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(a).not.toBe(b);
    expect(passwordProblem(a)).toBeUndefined();
  });

  it('a chosen password has 12 to 1,024 characters and no control characters', () => {
    expect(passwordProblem('short-pass1')).toMatch(/at least 12/);
    expect(passwordProblem('long enough now')).toBeUndefined();
    expect(passwordProblem('x'.repeat(1025))).toMatch(/at most 1024/);
    expect(passwordProblem('tab\there-long-enough')).toMatch(/control/);
  });
});
