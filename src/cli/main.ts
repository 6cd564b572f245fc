#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { CliExit, EXIT } from './exit-codes';
import { printableLines } from './printable';
import type { GlobalOptions } from './context';
import { packageVersion } from './version';
import { endQuietlyWhenOutputCloses } from './closed-output';
import { takeLauncherCommand } from './invoked-as';

const EXIT_CODES_HELP = `
Exit codes: ${EXIT.ok} ok, ${EXIT.failure} runtime failure, ${EXIT.usage} usage error, ${EXIT.config} configuration error (EX_CONFIG), ${EXIT.interrupted} interrupted (Ctrl-C at a password prompt).`;

/** `veesion-bridge <command>`. Commands load lazily to keep start-up fast. */
export function buildProgram(): Command {
  const program = new Command('veesion-bridge')
    .description('Veesion theft alerts -> x-hoppers announcements and x-bees chat')
    .option('--env-file <path>', 'env.custom.ini (default /rw2/etc/env.custom.ini or $BRIDGE_ENV_FILE)')
    .option('--stores-file <path>', 'x-hoppers.json (default /rw2/etc/pbx/x-hoppers.json or $BRIDGE_STORES_FILE)')
    .option('--json', 'machine-readable output')
    .version(packageVersion(), '-V, --version', 'print the version')
    .exitOverride()
    .showHelpAfterError();
  const globals = () => program.opts<GlobalOptions>();
  // Before the commands are added: they copy these settings, so every --help shows both.
  program.configureHelp({ showGlobalOptions: true }).addHelpText('afterAll', EXIT_CODES_HELP);

  program
    .command('run')
    .description('run the daemon')
    .action(async () => (await import('./run')).run(globals()));
  program
    .command('demo')
    .description('run the daemon against built-in simulators and fire one test alert')
    .option(
      '--data-dir <path>',
      'where the demo config and journal go, kept (default: a new temp dir, removed at the end)',
    )
    .option('--keep-running', 'keep the daemon up after the alert (Ctrl-C stops)')
    .option('--log-level <level>', 'daemon log level on stderr', 'warn')
    .option('--timeout-s <seconds>', 'how long to wait for the alert to finish', '60')
    .option(
      '--delivery <how>',
      'conference (a call into the room; phones press 1) or smart-notifications (x-hoppers headsets accept with a double press)',
    )
    .action(async (o) => (await import('./demo')).demo(o));
  program
    .command('test-alert')
    .description("send a test alert to the running daemon's own receiver")
    .requiredOption('--store <id>', 'store_veesion_id')
    .option('--camera <id>', 'camera id')
    .option('--type <type>', 'alert type', 'theft')
    .option('--video <url>', 'video URL')
    .action(async (o) => (await import('./test-alert')).testAlert({ ...globals(), ...o }));
  program
    .command('say <text>')
    .description(
      "render a sentence with a store's language and voice; write the WAV and/or play it in the store's conference",
    )
    .option('--store <id>', 'store_veesion_id: its language and voice (and, with --call, its conference)')
    .option('--out <file>', 'where the WAV goes (default veesion-say.wav without --call)')
    .option('--call', "have the running daemon play it in the store's conference (needs BRIDGE_ADMIN_TOKEN)")
    .action(async (text: string, o) => (await import('./say')).say(text, { ...globals(), ...o }));
  program
    .command('status')
    .description('daemon state, recent alerts with the state of each step, queued and failed counts')
    .action(async () => (await import('./status')).status(globals()));
  program
    .command('reload')
    .description('validate the config and have the running daemon re-read it (SIGHUP)')
    .action(async () => (await import('./reload')).reload(globals()));
  program
    .command('stores')
    .description("Veesion's stores beside the configured ones: conference, chat channel, hook state")
    .action(async () => (await import('./stores')).stores(globals()));
  program
    .command('register-hooks')
    .description("register this daemon's hook at Veesion for every configured store")
    .option('--dry-run', 'show what would be registered, change nothing')
    .action(async (o) => (await import('./register-hooks')).registerHooks({ ...globals(), ...o }));
  program
    .command('replay [alert-id]')
    .description('re-run the steps that did not succeed, of one alert or of every failed alert since a time')
    .option('--failed', 'every alert with a given-up step (or unroutable) received since --since')
    .option('--since <time>', 'with --failed: a duration back (30m, 2h, 7d) or an ISO date/time')
    .option('--step <step>', 'only this step: announce or chat')
    .option('--force', 'also repeat steps that succeeded (an announcement plays again)')
    .option('--wait-s <seconds>', 'follow the steps this long (0: do not wait)', '60')
    .action(async (alertId: string | undefined, o) =>
      (await import('./replay')).replay(alertId, { ...globals(), ...o }),
    );
  program
    .command('silence')
    .description("mute a store's announcements for a while (chat posts continue)")
    .requiredOption('--store <id>', 'store_veesion_id')
    .option('--for <duration>', 'how long: 30m, 2h, 1d')
    .option('--off', 'lift the silence now')
    .action(async (o) => (await import('./silence')).silence({ ...globals(), ...o }));
  program
    .command('claim <id>')
    .description(
      "take an incident (by its id or one of its alerts' ids): repeats stop, the conference and the chat hear who",
    )
    .requiredOption('--by <name>', 'who takes it')
    .action(async (id: string, o) => (await import('./incidents')).claim(id, { ...globals(), ...o }));
  program
    .command('resolve <id>')
    .description('close an incident with what it turned out to be')
    .requiredOption('--outcome <outcome>', 'theft, false-alarm, not-found or no-outcome')
    .option('--by <name>', 'who resolved it')
    .action(async (id: string, o) => (await import('./incidents')).resolve(id, { ...globals(), ...o }));
  program
    .command('report')
    .description('per store and camera: alerts, incidents, claimed %, time to claim, escalations, outcomes')
    .option('--since <time>', 'a duration back (30m, 2h, 7d) or an ISO date/time', '7d')
    .option('--store <id>', 'only this store_veesion_id')
    .option('--wide', 'every column: store ids beside the names, each outcome (over 100 columns wide)')
    .action(async (o) => (await import('./report')).report({ ...globals(), ...o }));
  const integrations = program
    .command('integrations')
    .description('forward alert events to other systems: signed webhooks or SQS');
  integrations
    .command('add')
    .description('add an integration; prints its id and secret (shown this once)')
    .requiredOption('--type <type>', 'webhook or sqs')
    .requiredOption('--url <url>', 'the receiver URL, or the SQS queue URL')
    .option(
      '--filter <types>',
      'event types, comma list (default: all of alert.received, .announced, .posted, .failed, .claimed, .escalated, .resolved)',
    )
    .option('--scope <scope>', 'all, a store location, or a store_veesion_id', 'all')
    .action(async (o) => (await import('./integrations')).addIntegration({ ...globals(), ...o }));
  integrations
    .command('list')
    .description('the integrations and their delivery state (secrets hidden)')
    .action(async () => (await import('./integrations')).listIntegrations(globals()));
  integrations
    .command('remove <id>')
    .description('remove an integration: it receives nothing more')
    .action(async (id: string) => (await import('./integrations')).removeIntegration(id, globals()));
  integrations
    .command('test <id>')
    .description('send it a signed ping event and show the answer')
    .action(async (id: string) => (await import('./integrations')).testIntegration(id, globals()));
  const users = program
    .command('users')
    .description('the people who sign in to the console: roles, stores and passwords (kept only as hashes)');
  users
    .command('add <name>')
    .description('add a user; the password is read from standard input (twice on a terminal) unless --generate')
    .requiredOption('--role <role>', 'admin, manager (every store, or --stores) or store (its --stores only)')
    .option('--stores <ids>', 'store_veesion_ids, comma list')
    .option('--display-name <name>', 'the name claims are recorded under (default: the user name)')
    .option('--generate', 'generate a password and print it, this once')
    .action(async (name: string, o) => (await import('./users')).addUser(name, { ...globals(), ...o }));
  users
    .command('list')
    .description('every user, role and stores')
    .action(async () => (await import('./users')).listUsers(globals()));
  users
    .command('remove <name>')
    .description('remove a user: they can no longer sign in')
    .action(async (name: string) => (await import('./users')).removeUser(name, globals()));
  users
    .command('passwd <name>')
    .description('set a new password, read from standard input (twice on a terminal) unless --generate')
    .option('--generate', 'generate a password and print it, this once')
    .action(async (name: string, o) => (await import('./users')).setUserPassword(name, { ...globals(), ...o }));
  users
    .command('token <name>')
    .description('an API token that acts as the user (its role and stores), printed once; or --list, --revoke')
    .option('--label <text>', 'what the token is for, shown in --list')
    .option('--list', "the user's tokens (never the tokens themselves)")
    .option('--revoke <id>', 'end the token with this id (from --list)')
    .action(async (name: string, o) => (await import('./user-tokens')).userToken(name, { ...globals(), ...o }));
  program
    .command('audit')
    .description('who changed what (claims, resolves, silences, replays, integrations, users), when and from where')
    .option('--since <time>', 'a duration back (30m, 2h, 7d) or an ISO date/time', '7d')
    .action(async (o) => (await import('./audit')).audit({ ...globals(), ...o }));
  program
    .command('wildix')
    .description('Wildix events: what the PBX sends')
    .command('capture')
    .description(
      'keep the signed Wildix events the running daemon receives for a while, people taken out, to attach to a report',
    )
    .requiredOption('--minutes <n>', 'how long to capture, in minutes')
    .action(async (o: { minutes: string }) => (await import('./wildix-capture')).wildixCapture({ ...globals(), ...o }));
  program
    .command('backup <file>')
    .description(
      'a consistent copy of the journal while the daemon runs (owner-only; an existing file is not replaced)',
    )
    .action(async (file: string) => (await import('./backup')).backup(file, globals()));
  const journal = program.command('journal').description('the journal: move it to PostgreSQL');
  journal
    .command('migrate')
    .description('copy the SQLite journal into an empty PostgreSQL journal, checked by counts (stop the daemon first)')
    .option(
      '--to <url>',
      'postgres://user:password@host:port/database (default: BRIDGE_JOURNAL_URL, which keeps the password off the command line)',
    )
    .action(async (o: { to?: string }) => (await import('./journal-migrate')).journalMigrate(o.to, globals()));
  program
    .command('check-config')
    .description('validate the config and print it with secrets hidden')
    .action(async () => (await import('./check-config')).checkConfig(globals()));
  return program;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return EXIT.ok;
  } catch (err) {
    if (err instanceof CommanderError) {
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    if (err instanceof CliExit) {
      process.stderr.write(`${printableLines(err.message)}\n`);
      return err.exitCode;
    }
    process.stderr.write(`veesion-bridge: ${printableLines(err instanceof Error ? err.message : String(err))}\n`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  endQuietlyWhenOutputCloses();
  takeLauncherCommand();
  void main(process.argv).then((code) => {
    process.exitCode = code;
    // A command is done: a handle left open (a socket, a timer) must not keep the process alive.
    setTimeout(() => process.exit(code), 1_000).unref();
  });
}
