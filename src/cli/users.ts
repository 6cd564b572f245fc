import type { BridgeConfig } from '../config/load';
import { generatePassword, hashPassword, passwordProblem } from '../console/passwords';
import { JournalUsers, ROLES, type Role, type User, UserExists } from '../journal/users';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { readPassword } from './read-password';
import { recordCommand } from './audit';
import { JournalUserTokens } from '../journal/user-tokens';
import { SSO_PREFIX } from '../console/oidc-claims';

export interface AddUserOptions extends GlobalOptions {
  role?: string;
  stores?: string;
  displayName?: string;
  generate?: boolean;
}

export interface PasswdOptions extends GlobalOptions {
  generate?: boolean;
}

const usage = (m: string) => new CliExit(EXIT.usage, `users: ${m}`);

/** Wildix API style answers, as the other commands print with --json. */
const answer = (result: unknown) => ({ success: true, result });

/** `users add`: a user with a role, its stores and a password (read from standard input, or generated and shown once). */
export async function addUser(rawName: string, opts: AddUserOptions): Promise<void> {
  const name = checkName(rawName);
  const role = checkRole(opts.role);
  const config = configFor(opts);
  const stores = checkStores(role, opts.stores, config);
  const displayName = checkDisplayName(opts.displayName ?? name);
  const password = await newPassword(opts);
  const now = Date.now();
  const user: User = { name, displayName, role, stores, createdAt: now, passwordAt: now };
  const passwordHash = await hashPassword(password);
  await withJournal(config, 'users add', 'write', async (db) => {
    try {
      await new JournalUsers(db).add(user, passwordHash);
      await recordCommand(db, 'users add', name, { role, stores, displayName });
    } catch (err) {
      if (err instanceof UserExists) throw usage(`${err.message}: choose another name, or \`users passwd ${name}\``);
      throw err;
    }
  });
  const human = [
    `user ${name} added: ${displayName}, ${role}, ${storesText(user)}`,
    ...(opts.generate ? [`password: ${password}`, 'The password is shown only now: hand it to the person.'] : []),
  ].join('\n');
  print(opts, human, answer({ ...shown(user), ...(opts.generate ? { password } : {}) }));
}

/** `users list`: every user with role and stores; passwords are never shown (only hashes are kept). */
export async function listUsers(opts: GlobalOptions): Promise<void> {
  const config = configFor(opts);
  const users = await withJournal(config, 'users list', 'read', (db) => new JournalUsers(db).list());
  const rows = users.map((u) => [u.name, u.role, storesText(u), u.displayName]);
  const widths = [4, 4, 6].map((w, i) => Math.max(w, ...rows.map((r) => (r[i] as string).length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i < 3 ? c.padEnd(widths[i] as number) : c))
      .join('  ')
      .trimEnd();
  const human = users.length
    ? [line(['NAME', 'ROLE', 'STORES', 'DISPLAY NAME']), ...rows.map(line)].join('\n')
    : 'no users yet: `veesion-bridge users add <name> --role admin|manager|store`';
  print(opts, human, answer(users.map(shown)));
}

/** `users remove`: the user can no longer sign in. */
export async function removeUser(rawName: string, opts: GlobalOptions): Promise<void> {
  const name = checkName(rawName, { sso: true });
  const config = configFor(opts);
  const removed = await withJournal(config, 'users remove', 'write', async (db) => {
    const gone = await new JournalUsers(db).remove(name);
    // Their sessions end with them already (they are read with the user); their tokens go too.
    await new JournalUserTokens(db).removeAll(name);
    if (gone) await recordCommand(db, 'users remove', name);
    return gone;
  });
  if (!removed) throw new CliExit(EXIT.failure, `users: no user named ${name}`);
  print(opts, `user ${name} removed`, answer({ name, removed: true }));
}

/** `users passwd`: a new password (read, or generated and shown once). */
export async function setUserPassword(rawName: string, opts: PasswdOptions): Promise<void> {
  const name = checkName(rawName);
  const config = configFor(opts);
  // Told before a password is typed for nobody.
  const known = await withJournal(config, 'users passwd', 'read', (db) => new JournalUsers(db).get(name));
  if (!known) throw new CliExit(EXIT.failure, `users: no user named ${name}`);
  const password = await newPassword(opts);
  const passwordHash = await hashPassword(password);
  const changed = await withJournal(config, 'users passwd', 'write', async (db) => {
    const done = await new JournalUsers(db).setPassword(name, passwordHash, Date.now());
    if (done) await recordCommand(db, 'users passwd', name, { generated: opts.generate === true });
    return done;
  });
  if (!changed) throw new CliExit(EXIT.failure, `users: no user named ${name}`);
  const human = [
    `password of ${name} changed`,
    ...(opts.generate ? [`password: ${password}`, 'The password is shown only now: hand it to the person.'] : []),
  ].join('\n');
  print(opts, human, answer({ name, ...(opts.generate ? { password } : {}) }));
}

async function newPassword(opts: { generate?: boolean }): Promise<string> {
  if (opts.generate) return generatePassword();
  const password = await readPassword();
  const problem = passwordProblem(password);
  if (problem) throw usage(`${problem} (or --generate for one); nothing was changed`);
  return password;
}

/** What is shown of a user: never its password's hash. */
function shown(u: User) {
  return { name: u.name, displayName: u.displayName, role: u.role, stores: u.stores, createdAt: u.createdAt };
}

function storesText(u: User): string {
  return u.stores.length ? u.stores.join(',') : 'all stores';
}

/** Names are what people type to sign in: lower case, so "Giulia" and "giulia" are one person. */
export function checkName(raw: string, opts: { sso?: boolean } = {}): string {
  // People single sign-on added are named by their provider: removed, or given a token, by that name.
  if (opts.sso && raw.startsWith(SSO_PREFIX) && /^sso:[^\u0000-\u001f\u007f]{1,200}$/.test(raw)) return raw;
  const name = raw.trim().toLowerCase();
  if (!/^[a-z0-9][a-z0-9._@-]{0,63}$/.test(name))
    throw usage(
      `a user name is 1-64 letters, digits, ".", "_", "@" or "-", starting with a letter or digit; "${raw}" is not`,
    );
  return name;
}

function checkRole(raw: string | undefined): Role {
  const role = ROLES.find((r) => r === raw);
  if (!role) throw usage(`--role is ${ROLES.join(', ')}${raw ? `; "${raw}" is none of them` : ''}`);
  return role;
}

function checkStores(role: Role, raw: string | undefined, config: BridgeConfig): string[] {
  const wanted = [
    ...new Set(
      (raw ?? '')
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean),
    ),
  ];
  if (role === 'admin' && wanted.length) throw usage('an admin covers every store: leave --stores out');
  if (role === 'store' && !wanted.length) throw usage('a store user needs --stores: the store_veesion_ids it works in');
  const known = config.stores.map((s) => s.store_veesion_id);
  const unknown = wanted.filter((s) => !known.includes(s));
  if (unknown.length)
    throw usage(`--stores names stores not in the stores file: ${unknown.join(', ')} (known: ${known.join(', ')})`);
  return wanted;
}

function checkDisplayName(raw: string): string {
  const name = raw.trim();
  // Format characters too: a bidirectional override would make a claim read as someone else's.
  if (!name || Array.from(name).length > 80 || /[\p{Cc}\p{Cf}\p{Zl}\p{Zp}]/u.test(name))
    throw usage('--display-name is 1-80 characters, no control or formatting characters');
  return name;
}
