import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const CLI_PATH = join(__dirname, '..', '..', 'dist', 'apps', 'argilla-cli', 'main.js');
export const SERVER_PATH = join(__dirname, '..', '..', 'dist', 'apps', 'argilla-server', 'main.js');

export interface ProcessResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** The environment of a child process: only what the test gives, plus PATH and HOME (no ARGILLA_* leaks in). */
export function childEnv(env: Record<string, string>): Record<string, string> {
  const base: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' };
  return { ...base, ...env };
}

/** Runs the built `argilla-cli` as a process, as a user would. */
export function runCli(args: string[], env: Record<string, string>, input?: string): Promise<ProcessResult> {
  return runNode(CLI_PATH, args, env, input);
}

export function runNode(
  script: string,
  args: string[],
  env: Record<string, string>,
  input?: string,
): Promise<ProcessResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [script, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}
