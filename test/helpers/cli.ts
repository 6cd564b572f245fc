import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './paths';

export const CLI = join(REPO, 'dist/src/cli/main.js');

/**
 * Runs the built CLI as a process with a minimal environment; collects its output. Its standard
 * input is `input`, then closed (nothing, by default: a command that reads it sees its end).
 */
export function runCli(
  args: string[],
  env: NodeJS.ProcessEnv = {},
  input = '',
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--', CLI, ...args], { env: { PATH: process.env.PATH, ...env } });
    child.stdin.on('error', () => undefined); // a command that exits without reading it
    child.stdin.end(input);
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
