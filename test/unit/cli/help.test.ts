import type { Command } from 'commander';
import { buildProgram } from '../../../src/cli/main';

/** Every command below the program, nested ones (integrations add...) included. */
function allCommands(cmd: Command): Command[] {
  return cmd.commands.flatMap((c) => [c, ...allCommands(c)]);
}

function helpOf(cmd: Command): string {
  let out = '';
  cmd.configureOutput({ writeOut: (s) => (out += s), writeErr: (s) => (out += s) });
  cmd.outputHelp();
  return out;
}

describe('--help', () => {
  const program = buildProgram();
  const commands = allCommands(program).filter((c) => c.name() !== 'help');

  it.each(commands.map((c) => [c.name(), c] as const))(
    'of %s shows the global options and the exit codes',
    (_name, cmd) => {
      const help = helpOf(cmd);
      expect(help).toMatch(/Global Options:\n\s+--env-file <path>[\s\S]*--stores-file <path>[\s\S]*--json/);
      expect(help).toContain('Exit codes: 0 ok, 1 runtime failure, 2 usage error, 78 configuration error');
    },
  );

  it('of the program itself shows the exit codes, and covers every command', () => {
    expect(helpOf(program)).toContain('Exit codes: 0 ok');
    expect(commands.map((c) => c.name())).toEqual(
      expect.arrayContaining(['run', 'check-config', 'status', 'add', 'backup']),
    );
  });
});
