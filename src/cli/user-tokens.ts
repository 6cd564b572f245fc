import { randomBytes } from 'node:crypto';
import { JournalUsers } from '../journal/users';
import { JournalUserTokens } from '../journal/user-tokens';
import { configFor, print, withJournal, type GlobalOptions } from './context';
import { CliExit, EXIT } from './exit-codes';
import { recordCommand } from './audit';
import { checkName } from './users';
import { SSO_PREFIX } from '../console/oidc-claims';

export interface TokenOptions extends GlobalOptions {
  label?: string;
  list?: boolean;
  revoke?: string;
}

const answer = (result: unknown) => ({ success: true, result });
const usage = (m: string) => new CliExit(EXIT.usage, `users token: ${m}`);

/**
 * `users token <name>`: an API token for automation that acts as the user (its role and stores,
 * as they are when it is used), printed once; `--list` names the user's tokens, `--revoke <id>`
 * ends one. Only a hash is kept: a lost token is revoked and made again, never shown again.
 */
export async function userToken(rawName: string, opts: TokenOptions): Promise<void> {
  const name = checkName(rawName, { sso: true });
  if ([opts.list, opts.revoke !== undefined].filter(Boolean).length > 1 || (opts.label && (opts.list || opts.revoke)))
    throw usage('--list, --revoke and --label go alone');
  const label = (opts.label ?? '').trim();
  if (label.length > 80 || /[\u0000-\u001f\u007f]/.test(label))
    throw usage('--label is up to 80 characters, no control characters');
  const config = configFor(opts);
  // Their provider decides who they are: a token would outlive their account there.
  if (name.startsWith(SSO_PREFIX) && !opts.list && opts.revoke === undefined)
    throw usage('people who sign in with single sign-on get no API token: make a user for the automation');
  if (opts.list) {
    const tokens = await withJournal(config, 'users token', 'read', async (db) => {
      if (!(await new JournalUsers(db).get(name))) return undefined;
      return new JournalUserTokens(db).list(name);
    });
    if (!tokens) throw new CliExit(EXIT.failure, `users: no user named ${name}`);
    const human = tokens.length
      ? tokens.map((t) => `${t.id}  ${new Date(t.createdAt).toISOString()}  ${t.label}`.trimEnd()).join('\n')
      : `${name} has no API token`;
    return print(opts, human, answer(tokens));
  }
  if (opts.revoke !== undefined) {
    const id = opts.revoke.trim().toLowerCase();
    const revoked = await withJournal(config, 'users token', 'write', async (db) => {
      const done = await new JournalUserTokens(db).revoke(name, id);
      if (done) await recordCommand(db, 'users token --revoke', name, { token: id });
      return done;
    });
    if (!revoked) throw new CliExit(EXIT.failure, `users: ${name} has no token ${id} (see users token ${name} --list)`);
    return print(opts, `token ${id} of ${name} revoked`, answer({ name, id, revoked: true }));
  }
  const token = `vbu_${randomBytes(32).toString('base64url')}`;
  const made = await withJournal(config, 'users token', 'write', async (db) => {
    if (!(await new JournalUsers(db).get(name))) return undefined;
    const t = await new JournalUserTokens(db).add(token, name, label, Date.now());
    await recordCommand(db, 'users token', name, { token: t.id, ...(label ? { label } : {}) });
    return t;
  });
  if (!made) throw new CliExit(EXIT.failure, `users: no user named ${name}`);
  const human = [
    `token ${made.id} made for ${name}: it acts as ${name}, with ${name}'s role and stores`,
    `token: ${token}`,
    'The token is shown only now: use it as Authorization: Bearer <token>.',
  ].join('\n');
  print(opts, human, answer({ ...made, token }));
}
